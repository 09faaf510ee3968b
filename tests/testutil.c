// SPDX-License-Identifier: Apache-2.0
/* testutil - shared helpers of the root suites and the benchmark; see testutil.h. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <libaudit.h>
#include <zlib.h>

#include "bpf/linktarget.h"

double tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool tu_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && *ci && strcmp(ci, "false") && strcmp(ci, "0");
}

const char *tu_clip(const char *s)
{
	static __thread char bufs[4][1024];
	static __thread unsigned int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s", s ? s : "(null)");
	return b;
}

const char *tu_basic_auth(const char *user, const char *password)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static __thread char out[6 + (TU_BASIC_AUTH_MAX + 2) / 3 * 4 + 1];
	char in[TU_BASIC_AUTH_MAX + 1];
	int n = snprintf(in, sizeof(in), "%s:%s", user, password);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(in) ? (size_t)n : sizeof(in) - 1, o = 6;

	memcpy(out, "Basic ", 6);
	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned char)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

bool tu_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;
	int step = 1;

	while (!cond(arg)) {
		double left = end - tu_now_ms();

		if (left <= 0)
			return cond(arg);
		poll(NULL, 0, left < step ? (int)left + 1 : step);
		if (step < 20)
			step *= 2;
	}
	return true;
}

/* ---- BPF objects ---- */

int tu_prog_load(enum bpf_prog_type type, const char *name, const char *license,
		 const int *map_fds, size_t nr_maps)
{
	struct bpf_insn insns[2 * 64 + 2];
	size_t n = 0;
	int fd;

	if (nr_maps > 64)
		return -E2BIG;
	memset(insns, 0, sizeof(insns));
	for (size_t i = 0; i < nr_maps; i++) {
		/* r1 = map (ld_imm64 with BPF_PSEUDO_MAP_FD: two instructions) */
		insns[n].code = BPF_LD | BPF_DW | BPF_IMM;
		insns[n].dst_reg = BPF_REG_1;
		insns[n].src_reg = BPF_PSEUDO_MAP_FD;
		insns[n].imm = map_fds[i];
		n += 2;
	}
	insns[n].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[n].dst_reg = BPF_REG_0;
	insns[n].imm = type == BPF_PROG_TYPE_XDP ? 2 : 0;
	n++;
	insns[n].code = BPF_JMP | BPF_EXIT;
	n++;
	fd = bpf_prog_load(type, name, license, insns, n, NULL);
	return fd < 0 ? -errno : fd;
}

int tu_map_create(enum bpf_map_type type, const char *name, uint32_t key_size,
		  uint32_t value_size, uint32_t max_entries, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd = bpf_map_create(type, name, key_size, value_size, max_entries, &opts);

	return fd < 0 ? -errno : fd;
}

int tu_raw_tp_link(int prog_fd, const char *tracepoint)
{
	int fd = bpf_raw_tracepoint_open(tracepoint, prog_fd);

	return fd < 0 ? -errno : fd;
}

int tu_obj_info(int fd, void *info, uint32_t len)
{
	memset(info, 0, len);
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

uint64_t tu_fdinfo_memlock(int fd)
{
	char path[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void tu_raise_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;	/* root may raise the hard limit too */
	setrlimit(RLIMIT_NOFILE, &rl);
}

int tu_audit_prepare(bool enable)
{
	int fd = audit_open(), ret = 0;

	if (fd < 0)
		return -errno;
	if (audit_set_backlog_limit(fd, TU_AUDIT_BACKLOG) <= 0 || (enable && audit_set_enabled(fd, 1) <= 0))
		ret = -EPERM;
	audit_close(fd);
	return ret;
}

/* ---- the binary ---- */

const char *tu_bin(void)
{
	const char *b = getenv("BPFME_BIN");

	return b && *b ? b : "./bpf-metrics-exporter";
}

int tu_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -errno;
	if (!bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len))
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int tu_connect(int port, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int start_once(struct tu_exporter *e, const char *const *args, void (*setup)(void))
{
	const char *argv[64];
	char listen[64];
	bool has_listen = false;
	size_t n = 0;
	int logfd, status;
	double deadline;

	memset(e, 0, sizeof(*e));
	argv[n++] = tu_bin();
	for (size_t i = 0; args && args[i] && n < 60; i++) {
		if (!strncmp(args[i], "--web.listen-address", 20))
			has_listen = true;
		argv[n++] = args[i];
	}
	if (!has_listen) {
		e->port = tu_free_port();
		if (e->port < 0)
			return e->port;
		snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", e->port);
		argv[n++] = listen;
	}
	argv[n] = NULL;

	strcpy(e->log_path, "/tmp/bpfme-test-log.XXXXXX");
	logfd = mkstemp(e->log_path);
	if (logfd < 0)
		return -errno;
	e->pid = fork();
	if (e->pid < 0) {
		close(logfd);
		return -errno;
	}
	if (e->pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(logfd, 2);
		if (setup)
			setup();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(logfd);
	if (has_listen)
		return 0;	/* the caller knows how to reach it */

	deadline = tu_now_ms() + 5000;
	while (tu_now_ms() < deadline) {
		int fd;

		if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
			e->pid = 0;
			return -ECHILD;
		}
		fd = tu_connect(e->port, 200);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* The watchdog holds the only read end of a pipe whose write end only we hold. */
static void guard_start(struct tu_exporter *e)
{
	int p[2];

	e->guard_pid = 0;
	e->guard_fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return;
	e->guard_pid = fork();
	if (e->guard_pid == 0) {
		char c;

		/* every fd but its pipe: it must hold nothing (BPF objects) of the caller's */
		if (p[0] > 3)
			syscall(SYS_close_range, 3u, (unsigned int)p[0] - 1, 0u);
		syscall(SYS_close_range, (unsigned int)p[0] + 1, ~0u, 0u);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		kill(e->pid, SIGKILL);
		unlink(e->log_path);
		_exit(0);
	}
	close(p[0]);
	if (e->guard_pid < 0) {
		close(p[1]);
		e->guard_pid = 0;
		return;
	}
	e->guard_fd = p[1];
}

static void guard_stop(struct tu_exporter *e)
{
	if (e->guard_pid > 0) {	/* guard_fd is ours only while there is a guard */
		kill(e->guard_pid, SIGKILL);
		waitpid(e->guard_pid, NULL, 0);
		close(e->guard_fd);
	}
	e->guard_pid = 0;
	e->guard_fd = -1;
}

int tu_exporter_start(struct tu_exporter *e, const char *const *args)
{
	return tu_exporter_start_setup(e, args, NULL);
}

int tu_exporter_start_setup(struct tu_exporter *e, const char *const *args, void (*setup)(void))
{
	int ret = start_once(e, args, setup);

	if (ret == -ECHILD) {
		/* Most likely the port was taken between probing and binding. */
		char *log = tu_exporter_log(e);
		bool in_use = log && strstr(log, "in use");

		free(log);
		if (in_use) {
			unlink(e->log_path);
			ret = start_once(e, args, setup);
		}
	}
	if (e->pid > 0)
		guard_start(e);
	return ret;
}

int tu_reap(pid_t pid, int timeout_ms, int *status)
{
	double deadline = tu_now_ms() + timeout_ms;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int st = 0, ret = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		int left;

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		left = (int)(deadline - tu_now_ms());
		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			ret = -ETIMEDOUT;
			break;
		}
		if (pidfd >= 0) {	/* readable once the process has exited */
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			poll(&pfd, 1, left);
		} else {
			usleep(500);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (status)
		*status = st;
	return ret;
}

int tu_exporter_stop_with(struct tu_exporter *e, int sig, int timeout_ms, int *status, double *ms,
			  char **log)
{
	double start;
	int st = 0, ret = 0;

	guard_stop(e);
	start = tu_now_ms();
	if (e->pid > 0) {
		kill(e->pid, sig);
		ret = tu_reap(e->pid, timeout_ms, &st);
	}
	if (status)
		*status = st;
	if (ms)
		*ms = tu_now_ms() - start;
	if (log)
		*log = tu_exporter_log(e);
	e->pid = 0;
	if (e->log_path[0])
		unlink(e->log_path);
	e->log_path[0] = '\0';
	return ret;
}

int tu_exporter_stop(struct tu_exporter *e, int timeout_ms, int *status, double *ms)
{
	return tu_exporter_stop_with(e, SIGTERM, timeout_ms, status, ms, NULL);
}

static char *read_all_fd(int fd, size_t *len_out)
{
	size_t len = 0, cap = 4096;
	char *p = malloc(cap), *np;
	ssize_t n;

	if (!p)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			np = realloc(p, cap *= 2);
			if (!np) {
				free(p);
				return NULL;
			}
			p = np;
		}
		n = read(fd, p + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	p[len] = '\0';
	if (len_out)
		*len_out = len;
	return p;
}

char *tu_exporter_log(const struct tu_exporter *e)
{
	int fd = open(e->log_path, O_RDONLY | O_CLOEXEC);
	char *s;

	if (fd < 0)
		return strdup("");
	s = read_all_fd(fd, NULL);
	close(fd);
	return s;
}

int tu_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int tu_run(char *const argv[], int timeout_ms, void (*setup)(void),
	   int *status, char **output)
{
	int pipefd[2], st = 0, ret = 0;
	struct pollfd pfd;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	double deadline = tu_now_ms() + timeout_ms;
	pid_t pid;

	if (!out)
		return -ENOMEM;
	if (pipe2(pipefd, O_CLOEXEC)) {
		free(out);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		free(out);
		return ret;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (setup)
			setup();
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	for (;;) {
		int left = (int)(deadline - tu_now_ms());
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, left) <= 0)
			continue;
		if (cap - len < 1024) {
			char *np = realloc(out, cap *= 2);

			if (!np)
				break;
			out = np;
		}
		n = read(pipefd[0], out + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	out[len] = '\0';
	waitpid(pid, &st, 0);
	if (status)
		*status = st;
	if (output)
		*output = out;
	else
		free(out);
	return ret;
}

/* ---- HTTP ---- */

int tu_dechunk(char *body, size_t len, size_t *out_len)
{
	char *src = body, *end = body + len, *dst = body;

	for (;;) {
		char *eol;
		unsigned long n = strtoul(src, &eol, 16);

		eol = strstr(src, "\r\n");
		if (!eol || eol >= end)
			return -EINVAL;
		src = eol + 2;
		if (!n)
			break;
		if ((size_t)(end - src) < n + 2)
			return -EINVAL;
		memmove(dst, src, n);
		dst += n;
		src += n + 2;
	}
	*dst = '\0';
	*out_len = (size_t)(dst - body);
	return 0;
}

/* Whether headers ("Name: value\r\n"...) has an Accept field. */
static bool has_accept(const char *headers)
{
	for (const char *p = headers; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : "")
		if (!strncasecmp(p, "Accept:", 7))
			return true;
	return false;
}

static int http_request(int port, const char *method, const char *path, const char *accept,
			const char *extra_headers, struct tu_http_resp *r);

int tu_http(int port, const char *method, const char *path, const char *extra_headers,
	    struct tu_http_resp *r)
{
	return http_request(port, method, path, has_accept(extra_headers) ? "" : TU_ACCEPT_OPENMETRICS,
			    extra_headers, r);
}

int tu_http_as_is(int port, const char *method, const char *path, const char *headers,
		  struct tu_http_resp *r)
{
	return http_request(port, method, path, "", headers, r);
}

static int http_request(int port, const char *method, const char *path, const char *accept,
			const char *extra_headers, struct tu_http_resp *r)
{
	char *req = NULL, *all, *sep, *te;
	size_t len;
	int fd, ret = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	fd = tu_connect(port, 10000);
	if (fd < 0)
		return fd;
	if (asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s%s\r\n",
		     method, path, port, accept, extra_headers ? extra_headers : "") < 0) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t off = 0, total = strlen(req); off < total; off += (size_t)n) {
		n = send(fd, req + off, total - off, MSG_NOSIGNAL);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
	}
	free(req);
	if (ret) {
		close(fd);
		return ret;
	}
	all = read_all_fd(fd, &len);
	close(fd);
	if (!all)
		return -ENOMEM;
	if (sscanf(all, "HTTP/1.%*d %d", &r->status) != 1 || !(sep = strstr(all, "\r\n\r\n"))) {
		free(all);
		return -EPROTO;
	}
	*sep = '\0';
	r->head = all;
	r->body_len = len - (size_t)(sep + 4 - all);
	r->body = malloc(r->body_len + 1);
	if (!r->body) {
		tu_http_free(r);
		return -ENOMEM;
	}
	memcpy(r->body, sep + 4, r->body_len);
	r->body[r->body_len] = '\0';
	te = tu_http_header(r, "Transfer-Encoding");
	if (te && !strcasecmp(te, "chunked") && tu_dechunk(r->body, r->body_len, &r->body_len))
		ret = -EPROTO;
	free(te);
	if (ret)
		tu_http_free(r);
	return ret;
}

char *tu_http_header(const struct tu_http_resp *r, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = r->head;

	while (p && (p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1, *e = strstr(v, "\r\n");

			while (*v == ' ' || *v == '\t')
				v++;
			return e ? strndup(v, (size_t)(e - v)) : strdup(v);
		}
	}
	return NULL;
}

void tu_http_free(struct tu_http_resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int tu_gunzip(const char *in, size_t len, char **out, size_t *out_len)
{
	z_stream zs;
	size_t cap = len * 4 + 1024;
	char *p = malloc(cap);
	int ret;

	if (!p)
		return -ENOMEM;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		free(p);
		return -EINVAL;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	do {
		if (cap - zs.total_out < 1024) {
			char *np = realloc(p, cap *= 2);

			if (!np) {
				ret = Z_MEM_ERROR;
				break;
			}
			p = np;
		}
		zs.next_out = (Bytef *)p + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out - 1);
		ret = inflate(&zs, Z_NO_FLUSH);
	} while (ret == Z_OK);
	inflateEnd(&zs);
	if (ret != Z_STREAM_END) {
		free(p);
		return -EINVAL;
	}
	p[zs.total_out] = '\0';
	*out = p;
	*out_len = zs.total_out;
	return 0;
}

/* ---- exposition parsing ---- */

static int parse_line(char *line, struct tu_sample *s)
{
	char *p = line, *name_end;

	memset(s, 0, sizeof(*s));
	while (*p && *p != '{' && *p != ' ')
		p++;
	name_end = p;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			char *key = p, *val, *w;
			struct tu_label *nl;

			while (*p && *p != '=')
				p++;
			if (*p != '=' || p[1] != '"')
				return -EINVAL;
			*p = '\0';
			p += 2;
			val = w = p;
			while (*p && *p != '"') {
				if (*p == '\\') {
					p++;
					*w++ = *p == 'n' ? '\n' : *p;
					if (!*p)
						return -EINVAL;
					p++;
				} else {
					*w++ = *p++;
				}
			}
			if (*p != '"')
				return -EINVAL;
			p++;
			*w = '\0';
			nl = realloc(s->labels, (s->nr_labels + 1) * sizeof(*nl));
			if (!nl)
				return -ENOMEM;
			s->labels = nl;
			nl[s->nr_labels].key = strdup(key);
			nl[s->nr_labels].value = strdup(val);
			s->nr_labels++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return -EINVAL;
		}
		p++;
	}
	if (*p != ' ')
		return -EINVAL;
	*name_end = '\0';
	s->name = strdup(line);
	s->value = strdup(p + 1);
	return 0;
}

static void sample_free(struct tu_sample *s)
{
	for (size_t i = 0; i < s->nr_labels; i++) {
		free(s->labels[i].key);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->name);
	free(s->value);
}

int tu_expo_parse(const char *text, struct tu_expo *out)
{
	char *copy = strdup(text), *line, *save = NULL;
	size_t cap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (out->nr == cap) {
			struct tu_sample *ns = realloc(out->samples, (cap = cap ? cap * 2 : 256) * sizeof(*ns));

			if (!ns) {
				ret = -ENOMEM;
				break;
			}
			out->samples = ns;
		}
		ret = parse_line(line, &out->samples[out->nr]);
		if (ret) {
			sample_free(&out->samples[out->nr]);
			break;
		}
		out->nr++;
	}
	free(copy);
	if (ret)
		tu_expo_free(out);
	return ret;
}

void tu_expo_free(struct tu_expo *e)
{
	for (size_t i = 0; i < e->nr; i++)
		sample_free(&e->samples[i]);
	free(e->samples);
	memset(e, 0, sizeof(*e));
}

const char *tu_sample_label(const struct tu_sample *s, const char *key)
{
	for (size_t i = 0; i < s->nr_labels; i++)
		if (!strcmp(s->labels[i].key, key))
			return s->labels[i].value;
	return NULL;
}

const struct tu_sample *tu_expo_find(const struct tu_expo *e, const char *name,
				     const char *key, const char *value)
{
	for (size_t i = 0; i < e->nr; i++) {
		const char *v;

		if (strcmp(e->samples[i].name, name))
			continue;
		if (!key)
			return &e->samples[i];
		v = tu_sample_label(&e->samples[i], key);
		if (v && !strcmp(v, value))
			return &e->samples[i];
	}
	return NULL;
}

size_t tu_expo_count(const struct tu_expo *e, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nr; i++)
		n += !strcmp(e->samples[i].name, name);
	return n;
}

int tu_cgroup2_mount(char *out, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err;

	*out = '\0';
	if (!f)
		return -errno;
	err = getdelim(&text, &len, '\0', f) < 0 ? -EIO : 0;
	fclose(f);
	if (!err)
		err = linktarget_cgroup2_mount(text, out, size);
	free(text);
	return err;
}

const char *tu_log_warning(const char *log)
{
	for (const char *line = log; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (memmem(line, len, "level=warn", 10) &&
		    !memmem(line, len, "holders: cannot read the open files", 35))
			return line;
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

int tu_events_last_seq(int port, uint64_t *seq)
{
	struct tu_http_resp r;
	const char *p;
	int ret = -1;

	*seq = 0;
	if (tu_http(port, "GET", "/events?limit=1", NULL, &r))
		return -1;
	if (r.status == 200) {
		p = strstr(r.body, "\"seq\":");
		if (p)
			*seq = strtoull(p + 6, NULL, 10);
		ret = 0;
	}
	tu_http_free(&r);
	return ret;
}
