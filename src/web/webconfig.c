// SPDX-License-Identifier: Apache-2.0
/*
 * webconfig - the exporter-toolkit web config, parsed with libyaml's
 * document API and walked against the toolkit's schema; see webconfig.h.
 * The rules follow the toolkit's (yaml.v2 UnmarshalStrict, then its own
 * checks): any scalar may fill a string field, null leaves it empty,
 * booleans are YAML 1.1's plain words, a key given twice is an error.
 */
#include "web/webconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/stat.h>

#include <yaml.h>

#include "lib/buf.h"
#include "web/bcrypt.h"

/* Larger than any real web config; reading stops there. */
#define MAX_FILE_BYTES (1024 * 1024)

static const char *const client_auth_names[] = {
	[WEBCONFIG_NO_CLIENT_CERT] = "NoClientCert",
	[WEBCONFIG_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEBCONFIG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

/*
 * The headers the toolkit lets a config set (its extraHTTPHeaders), and
 * the values it allows where it restricts them.
 */
static const struct {
	const char *name;
	const char *values[3];	/* NULL-terminated; none: any value */
} allowed_headers[WEBCONFIG_MAX_HEADERS] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

const char *webconfig_client_auth_name(enum webconfig_client_auth a)
{
	return (unsigned int)a < sizeof(client_auth_names) / sizeof(client_auth_names[0]) ?
		client_auth_names[a] : "?";
}

const char *webconfig_tls_version_name(enum webconfig_tls_version v)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };

	return v >= WEBCONFIG_TLS10 && v <= WEBCONFIG_TLS13 ? names[v - WEBCONFIG_TLS10] : "?";
}

/* ---- walking the document ---- */

struct walk {
	yaml_document_t *doc;
	const char *dir;
	struct webconfig *cfg;
	char *err;
	size_t errlen;
	bool oom;
};

static int fail(struct walk *w, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (n)
		buf_addf(&b, "line %zu: ", (size_t)n->start_mark.line + 1);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s", b.oom ? "out of memory" : b.buf);
	buf_release(&b);
	return -EINVAL;
}

static int nomem(struct walk *w)
{
	snprintf(w->err, w->errlen, "out of memory");
	return -ENOMEM;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain null (empty, ~ or null): what yaml.v2 leaves a field's zero value for. */
static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(scalar(n), nulls[i]))
			return true;
	return false;
}

/* Shown in messages: at most 64 bytes of a value, printable ASCII only. */
static const char *shown(const char *s, char out[80])
{
	size_t j = 0;

	for (size_t i = 0; s[i] && j < 64; i++)
		out[j++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (strlen(s) > 64)
		memcpy(out + j, "...", 4);
	else
		out[j] = '\0';
	return out;
}

/*
 * Into *out: a copy of the string node n (NULL or null: ""), the path
 * resolved against w->dir if path.
 */
static int get_string(struct walk *w, const char *field, const yaml_node_t *n, bool path, char **out)
{
	const char *s;
	char *copy;

	if (n && !is_null(n) && n->type != YAML_SCALAR_NODE)
		return fail(w, n, "%s: expected a string", field);
	s = n && !is_null(n) ? scalar(n) : "";
	if (*s && strlen(s) != n->data.scalar.length)
		return fail(w, n, "%s: holds a NUL byte", field);
	if (path && *s && *s != '/' && w->dir && *w->dir) {
		if (asprintf(&copy, "%s/%s", w->dir, s) < 0)
			return nomem(w);
	} else if (!(copy = strdup(s))) {
		return nomem(w);
	}
	free(*out);
	*out = copy;
	return 0;
}

static int get_bool(struct walk *w, const char *field, const yaml_node_t *n, bool *out)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
					   "on", "On", "ON" };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE",
					  "off", "Off", "OFF" };
	char v[80];

	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp(scalar(n), yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(scalar(n), no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return fail(w, n, "%s: expected true or false, not \"%s\"", field,
		    n->type == YAML_SCALAR_NODE ? shown(scalar(n), v) : "a list or mapping");
}

/*
 * Check that n is a mapping (or null) whose keys are scalars given once;
 * calls each(w, key, value) for each pair.
 */
typedef int (*pair_fn)(struct walk *w, const char *section, const yaml_node_t *key,
		       const yaml_node_t *value);

static int each_pair(struct walk *w, const char *section, const yaml_node_t *n, pair_fn each)
{
	yaml_node_pair_t *p, *q;
	char v[80];
	int ret;

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(w, n, "%s: expected a mapping", section);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		const yaml_node_t *val = yaml_document_get_node(w->doc, p->value);

		if (!k || !val)
			return fail(w, n, "%s: broken document", section);
		if (k->type != YAML_SCALAR_NODE)
			return fail(w, k, "%s: a key is not a string", section);
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			const yaml_node_t *k2 = yaml_document_get_node(w->doc, q->key);

			if (k2 && k2->type == YAML_SCALAR_NODE && !strcmp(scalar(k2), scalar(k)))
				return fail(w, k, "%s: \"%s\" is given twice", section,
					    shown(scalar(k), v));
		}
		ret = each(w, section, k, val);
		if (ret)
			return ret;
	}
	return 0;
}

static int unknown_field(struct walk *w, const char *section, const yaml_node_t *k)
{
	char v[80];

	if (!*section)
		return fail(w, k, "unknown field \"%s\"", shown(scalar(k), v));
	return fail(w, k, "%s: unknown field \"%s\"", section, shown(scalar(k), v));
}

/* ---- tls_server_config ---- */

static int get_version(struct walk *w, const char *field, const yaml_node_t *n,
		       enum webconfig_tls_version *out)
{
	char v[80];

	if (is_null(n))
		return 0;	/* yaml.v2 leaves the default */
	if (n->type == YAML_SCALAR_NODE)
		for (int i = WEBCONFIG_TLS10; i <= WEBCONFIG_TLS13; i++)
			if (!strcmp(scalar(n), webconfig_tls_version_name(i))) {
				*out = i;
				return 0;
			}
	return fail(w, n, "tls_server_config: %s: unknown TLS version \"%s\" (expected TLS10, "
		    "TLS11, TLS12 or TLS13)", field,
		    n->type == YAML_SCALAR_NODE ? shown(scalar(n), v) : "a list or mapping");
}

/* Each scalar item of the sequence n through item(w, node, index). */
static int each_item(struct walk *w, const char *field, const yaml_node_t *n, size_t *count,
		     int (*item)(struct walk *w, const yaml_node_t *node, size_t i))
{
	yaml_node_item_t *it;
	size_t i = 0;
	int ret;

	*count = 0;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(w, n, "tls_server_config: %s: expected a list", field);
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		const yaml_node_t *x = yaml_document_get_node(w->doc, *it);

		if (!x || x->type != YAML_SCALAR_NODE)
			return fail(w, x ? x : n, "tls_server_config: %s: an item is not a string", field);
		ret = item(w, x, i);
		if (ret)
			return ret;
	}
	return 0;
}

static int cipher_item(struct walk *w, const yaml_node_t *n, size_t i)
{
	char v[80];

	for (size_t c = 0; c < tls_names_nr_ciphers; c++)
		if (!strcmp(scalar(n), tls_names_ciphers[c].go_name)) {
			w->cfg->ciphers[i] = &tls_names_ciphers[c];
			return 0;
		}
	return fail(w, n, "tls_server_config: cipher_suites: unknown cipher \"%s\"", shown(scalar(n), v));
}

static int curve_item(struct walk *w, const yaml_node_t *n, size_t i)
{
	char v[80];

	for (size_t c = 0; c < tls_names_nr_curves; c++)
		if (!strcmp(scalar(n), tls_names_curves[c].go_name)) {
			w->cfg->curves[i] = &tls_names_curves[c];
			return 0;
		}
	return fail(w, n, "tls_server_config: curve_preferences: unknown curve \"%s\" (expected "
		    "CurveP256, CurveP384, CurveP521 or X25519)", shown(scalar(n), v));
}

static int san_item(struct walk *w, const yaml_node_t *n, size_t i)
{
	if (is_null(n))
		return 0;	/* stays "" and matches nothing */
	return get_string(w, "tls_server_config: client_allowed_sans", n, false,
			  &w->cfg->allowed_sans[i]);
}

/* Room for the items of sequence n, or a null list. */
static int items_alloc(struct walk *w, const yaml_node_t *n, size_t size, void **out)
{
	size_t nr = n->type == YAML_SEQUENCE_NODE ?
		(size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;

	free(*out);
	*out = NULL;
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	*out = calloc(nr ? nr : 1, size);
	return *out ? 0 : nomem(w);
}

static int tls_pair(struct walk *w, const char *section, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *c = w->cfg;
	const char *key = scalar(k);
	char *s = NULL, shown_v[80];
	int ret = 0;

	if (!strcmp(key, "cert_file"))
		return get_string(w, "tls_server_config: cert_file", v, true, &c->cert_file);
	if (!strcmp(key, "key_file"))
		return get_string(w, "tls_server_config: key_file", v, true, &c->key_file);
	if (!strcmp(key, "client_ca_file"))
		return get_string(w, "tls_server_config: client_ca_file", v, true, &c->client_ca_file);
	if (!strcmp(key, "client_auth_type")) {
		ret = get_string(w, "tls_server_config: client_auth_type", v, false, &s);
		if (ret)
			return ret;
		if (!*s || !strcmp(s, "RequireClientCert"))	/* the toolkit's old name */
			c->client_auth = *s ? WEBCONFIG_REQUIRE_ANY_CLIENT_CERT : WEBCONFIG_NO_CLIENT_CERT;
		else {
			size_t i;

			for (i = 0; i < sizeof(client_auth_names) / sizeof(client_auth_names[0]); i++)
				if (!strcmp(s, client_auth_names[i]))
					break;
			if (i == sizeof(client_auth_names) / sizeof(client_auth_names[0]))
				ret = fail(w, v, "tls_server_config: client_auth_type: unknown \"%s\" "
					   "(expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
					   "VerifyClientCertIfGiven or RequireAndVerifyClientCert)",
					   shown(s, shown_v));
			else
				c->client_auth = (enum webconfig_client_auth)i;
		}
		/* set, even to "": the toolkit's test for TLS looks at the string */
		if (!ret && *s)
			c->tls = true;
		free(s);
		return ret;
	}
	if (!strcmp(key, "client_allowed_sans")) {
		for (size_t i = 0; i < c->nr_allowed_sans; i++)
			free(c->allowed_sans[i]);
		c->nr_allowed_sans = 0;
		if ((ret = items_alloc(w, v, sizeof(char *), (void **)&c->allowed_sans)))
			return ret;
		ret = each_item(w, "client_allowed_sans", v, &c->nr_allowed_sans, san_item);
		for (size_t i = 0; !ret && i < c->nr_allowed_sans; i++)
			if (!c->allowed_sans[i] && !(c->allowed_sans[i] = strdup("")))
				ret = nomem(w);
		return ret;
	}
	if (!strcmp(key, "min_version"))
		return get_version(w, "min_version", v, &c->min_version);
	if (!strcmp(key, "max_version"))
		return get_version(w, "max_version", v, &c->max_version);
	if (!strcmp(key, "cipher_suites")) {
		if ((ret = items_alloc(w, v, sizeof(*c->ciphers), (void **)&c->ciphers)))
			return ret;
		return each_item(w, "cipher_suites", v, &c->nr_ciphers, cipher_item);
	}
	if (!strcmp(key, "curve_preferences")) {
		if ((ret = items_alloc(w, v, sizeof(*c->curves), (void **)&c->curves)))
			return ret;
		return each_item(w, "curve_preferences", v, &c->nr_curves, curve_item);
	}
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return get_bool(w, "tls_server_config: prefer_server_cipher_suites", v,
				&c->prefer_server_cipher_suites);
	return unknown_field(w, section, k);
}

/* ---- http_server_config ---- */

static int header_pair(struct walk *w, const char *section, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *c = w->cfg;
	char *value = NULL, s1[80], s2[80];
	size_t h;
	int ret;

	(void)section;
	for (h = 0; h < WEBCONFIG_MAX_HEADERS; h++)
		if (!strcmp(scalar(k), allowed_headers[h].name))
			break;
	if (h == WEBCONFIG_MAX_HEADERS)
		return fail(w, k, "http_server_config: headers: \"%s\" cannot be configured (allowed: "
			    "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
			    "X-XSS-Protection, Content-Security-Policy)", shown(scalar(k), s1));
	ret = get_string(w, "http_server_config: headers", v, false, &value);
	if (ret)
		return ret;
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			free(value);
			return fail(w, v, "http_server_config: headers: %s: the value holds a control "
				    "character", allowed_headers[h].name);
		}
	if (allowed_headers[h].values[0]) {
		bool ok = false;

		for (size_t i = 0; allowed_headers[h].values[i]; i++)
			ok |= !strcmp(value, allowed_headers[h].values[i]);
		if (!ok) {
			ret = fail(w, v, "http_server_config: headers: invalid value for %s: expected %s%s%s, "
				   "not \"%s\"", allowed_headers[h].name, allowed_headers[h].values[0],
				   allowed_headers[h].values[1] ? " or " : "",
				   allowed_headers[h].values[1] ? allowed_headers[h].values[1] : "",
				   shown(value, s2));
			free(value);
			return ret;
		}
	}
	c->headers[c->nr_headers].name = allowed_headers[h].name;
	c->headers[c->nr_headers].value = value;
	c->nr_headers++;	/* each name once (each_pair), so at most WEBCONFIG_MAX_HEADERS */
	return 0;
}

static int http_pair(struct walk *w, const char *section, const yaml_node_t *k, const yaml_node_t *v)
{
	if (!strcmp(scalar(k), "http2"))
		return get_bool(w, "http_server_config: http2", v, &w->cfg->http2);
	if (!strcmp(scalar(k), "headers")) {
		for (size_t i = 0; i < w->cfg->nr_headers; i++)
			free(w->cfg->headers[i].value);
		w->cfg->nr_headers = 0;
		return each_pair(w, "http_server_config: headers", v, header_pair);
	}
	return unknown_field(w, section, k);
}

/* ---- basic_auth_users ---- */

static int user_pair(struct walk *w, const char *section, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *c = w->cfg;
	struct webconfig_user *u, *users;
	char s1[80];
	int ret;

	(void)section;
	users = realloc(c->users, (c->nr_users + 1) * sizeof(*users));
	if (!users)
		return nomem(w);
	c->users = users;
	u = &users[c->nr_users];
	memset(u, 0, sizeof(*u));
	if (!(u->name = strdup(scalar(k))))
		return nomem(w);
	c->nr_users++;
	if (strlen(u->name) != k->data.scalar.length)
		return fail(w, k, "basic_auth_users: a user name holds a NUL byte");
	if (strchr(u->name, ':'))
		return fail(w, k, "basic_auth_users: user \"%s\": a name with a colon can never log in "
			    "with basic auth", shown(u->name, s1));
	ret = get_string(w, "basic_auth_users", v, false, &u->hash);
	if (ret)
		return ret;
	if (!bcrypt_hash_ok(u->hash))
		return fail(w, v, "basic_auth_users: user \"%s\": not a bcrypt hash (expected "
			    "$2y$, $2b$ or $2a$, a cost from 04 to 31 and 53 characters, as "
			    "htpasswd -nBC 10 makes)", shown(u->name, s1));
	if (bcrypt_cost(u->hash) > BCRYPT_MAX_COST)
		return fail(w, v, "basic_auth_users: user \"%s\": bcrypt cost %d is over the most "
			    "the exporter accepts, %d (each step doubles a check's time; cost 10, "
			    "htpasswd -nBC 10, takes about 50 ms)", shown(u->name, s1),
			    bcrypt_cost(u->hash), BCRYPT_MAX_COST);
	return 0;
}

/* ---- the document ---- */

static int top_pair(struct walk *w, const char *section, const yaml_node_t *k, const yaml_node_t *v)
{
	const char *key = scalar(k);

	if (!strcmp(key, "tls_server_config"))
		return each_pair(w, "tls_server_config", v, tls_pair);
	if (!strcmp(key, "http_server_config"))
		return each_pair(w, "http_server_config", v, http_pair);
	if (!strcmp(key, "basic_auth_users"))
		return each_pair(w, "basic_auth_users", v, user_pair);
	return unknown_field(w, section, k);
}

/*
 * Whether a suite GnuTLS can build from the listed suites' parts works in
 * some version from min to max: TLS 1.3 takes the AEAD ciphers (its own
 * suites name no key exchange), TLS 1.2 any suite with a key exchange,
 * TLS 1.0 and 1.1 only those with a MAC of their own (CBC).  Go would use
 * its TLS 1.3 defaults whatever is listed; GnuTLS refuses priorities that
 * leave no suite, so say so at load, in the file's words.
 */
static bool ciphers_usable(const struct webconfig *c)
{
	for (int v = c->min_version; v <= (int)c->max_version; v++) {
		for (size_t i = 0; i < c->nr_ciphers; i++) {
			const struct tls_names_cipher *s = c->ciphers[i];
			bool aead = !strcmp(s->mac, "AEAD");

			if (v == WEBCONFIG_TLS13 ? aead : v == WEBCONFIG_TLS12 ? s->kx != NULL : s->kx && !aead)
				return true;
		}
	}
	return false;
}

/* The toolkit's checks once the fields are in. */
static int check(struct walk *w)
{
	struct webconfig *c = w->cfg;

	if (*c->cert_file || *c->key_file || *c->client_ca_file)
		c->tls = true;
	if (c->min_version > c->max_version)
		return fail(w, NULL, "tls_server_config: min_version %s is above max_version %s",
			    webconfig_tls_version_name(c->min_version), webconfig_tls_version_name(c->max_version));
	if (!c->tls) {
		if (c->allowed_sans || c->nr_ciphers || c->nr_curves)
			return fail(w, NULL, "tls_server_config: cipher_suites, curve_preferences or "
				    "client_allowed_sans without cert_file and key_file");
		return 0;
	}
	if (!*c->cert_file)
		return fail(w, NULL, "tls_server_config: missing cert_file");
	if (!*c->key_file)
		return fail(w, NULL, "tls_server_config: missing key_file");
	if (*c->client_ca_file && c->client_auth == WEBCONFIG_NO_CLIENT_CERT)
		return fail(w, NULL, "tls_server_config: client_ca_file is set without a "
			    "client_auth_type that asks for a client certificate");
	if (!*c->client_ca_file && (c->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
				    c->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT))
		return fail(w, NULL, "tls_server_config: client_auth_type %s needs client_ca_file "
			    "to verify client certificates against",
			    webconfig_client_auth_name(c->client_auth));
	if (c->allowed_sans && c->client_auth == WEBCONFIG_NO_CLIENT_CERT)
		return fail(w, NULL, "tls_server_config: client_allowed_sans is set without a "
			    "client_auth_type that asks for a client certificate");
	if (c->nr_ciphers && !ciphers_usable(c))
		return fail(w, NULL, "tls_server_config: no cipher_suites entry can be used from "
			    "min_version %s to max_version %s (TLS13 takes only AEAD ones: GCM or "
			    "CHACHA20; TLS12 any but the TLS 1.3 ones; TLS10 and TLS11 only CBC ones)",
			    webconfig_tls_version_name(c->min_version),
			    webconfig_tls_version_name(c->max_version));
	return 0;
}

static void init(struct webconfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_version = WEBCONFIG_TLS12;
	cfg->max_version = WEBCONFIG_TLS13;
	cfg->prefer_server_cipher_suites = true;
	cfg->http2 = true;
}

static int fill_empty(struct walk *w)
{
	struct webconfig *c = w->cfg;

	if ((!c->cert_file && !(c->cert_file = strdup(""))) ||
	    (!c->key_file && !(c->key_file = strdup(""))) ||
	    (!c->client_ca_file && !(c->client_ca_file = strdup(""))))
		return nomem(w);
	return 0;
}

int webconfig_parse(const char *text, size_t len, const char *dir, struct webconfig *cfg,
		 char *err, size_t errlen)
{
	struct walk w = { .dir = dir, .cfg = cfg, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret;

	init(cfg);
	if (errlen)
		err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return nomem(&w);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.error == YAML_MEMORY_ERROR)
			ret = nomem(&w);
		else
			ret = fail(&w, NULL, "line %zu: not YAML: %s%s%s", (size_t)parser.problem_mark.line + 1,
				   parser.problem ? parser.problem : "syntax error",
				   parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return ret;
	}
	w.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	ret = root ? each_pair(&w, "", root, top_pair) : 0;
	if (ret == -EINVAL && root && root->type != YAML_MAPPING_NODE && !is_null(root))
		ret = fail(&w, root, "expected a mapping of tls_server_config, http_server_config "
			   "and basic_auth_users");
	if (!ret)
		ret = fill_empty(&w);
	if (!ret)
		ret = check(&w);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}

int webconfig_load(const char *path, struct webconfig *cfg, char *err, size_t errlen)
{
	struct buf text = BUF_INIT;
	char *dir = NULL, *slash, why[256];
	int fd, ret = 0;

	init(cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	ret = buf_read_fd(&text, fd, MAX_FILE_BYTES);
	close(fd);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
		buf_release(&text);
		return ret == -EFBIG ? -EINVAL : ret;
	}
	if (!(dir = strdup(path))) {
		buf_release(&text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(dir[1] = '\0') : (void)(*slash = '\0');
	else
		strcpy(dir, ".");
	ret = webconfig_parse(text.buf, text.len, dir, cfg, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	free(dir);
	buf_release(&text);
	return ret;
}

void webconfig_release(struct webconfig *cfg)
{
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->client_ca_file);
	for (size_t i = 0; i < cfg->nr_allowed_sans; i++)
		free(cfg->allowed_sans[i]);
	free(cfg->allowed_sans);
	free(cfg->ciphers);
	free(cfg->curves);
	for (size_t i = 0; i < cfg->nr_headers; i++)
		free(cfg->headers[i].value);
	for (size_t i = 0; i < cfg->nr_users; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].hash);
	}
	free(cfg->users);
	init(cfg);
}
