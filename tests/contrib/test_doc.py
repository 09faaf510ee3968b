# SPDX-License-Identifier: Apache-2.0
"""The manual page is the one reference (HACKING, "Documentation"): it must
name every flag the binary's --help lists (and so must the README's "Flags at
a glance", names only), every metric family a running
exporter serves with every collector on, and every family name in the
exporter's source tables (src/metrics/*.c: families[] rows and om_family
calls, so that families served only under conditions -- kernel audit
status, a kernel with the entries kfunc, a web config -- count too), and
quote every served family's HELP word for word (STYLE.md 9).  The
collect[] error it quotes must be the binary's own, mandoc's lint must be
clean, and /doc must serve the page as HTML, with every flag, under a CSP
that allows no script.  The served parts need root; CI=true forbids
skipping.
"""
import glob
import html
import os
import re
import tempfile
import unittest
import urllib.error
import urllib.request

import ctutil

MAN = os.path.join(ctutil.REPO, 'man', 'bpf-metrics-exporter.8')
FLAG = re.compile(r'(?<![\w-])(-h|--[a-z][a-z0-9.-]*[a-z0-9])')
TABLE_ROW = re.compile(r'\{\s*"([a-z_][a-z0-9_]*)",\s*OM_[A-Z]+')
OM_FAMILY = re.compile(r'\bom_family\(\s*[^,()]+,\s*"([a-z_][a-z0-9_]*)"')


def mandoc():
    return ctutil.need_tool('mandoc', 'mandoc')


def man_text():
    """The man page as mandoc renders it for a terminal, plain ASCII, with
    every run of white space one space (so that line breaks do not matter),
    lines as wide as mandoc allows (so that none breaks after a hyphen)."""
    out = ctutil.run([mandoc(), '-T', 'ascii', '-O', 'width=1000', MAN]).stdout
    out = re.sub(r'.\x08', '', out)		# bold and underline by overstriking
    return ' ' + ' '.join(out.split()) + ' '


def missing(words, text):
    """The words that do not appear in text as a whole word."""
    return sorted(w for w in words
                  if not re.search(r'(?<![\w.-])' + re.escape(w) + r'(?![\w-])', text))


def help_flags():
    """Every flag --help lists: the flags that begin its lines (several,
    comma-separated, on a collector's line)."""
    out = ctutil.run([ctutil.binary(), '--help']).stdout
    flags = set()
    for line in out.splitlines():
        head = line.strip()
        if not head.startswith('-'):
            continue
        for part in re.split(r',\s+', head.split('  ')[0]):
            m = FLAG.match(part)
            if m:
                flags.add(m.group(1))
    return flags


def source_families():
    """Every family name the exporter's source declares."""
    names = set()
    for path in glob.glob(os.path.join(ctutil.REPO, 'src', '**', '*.c'), recursive=True):
        with open(path, encoding='utf-8') as f:
            src = f.read()
        names.update(TABLE_ROW.findall(src))
        names.update(OM_FAMILY.findall(src))
    return names


def get(url, accept=None):
    """(status, headers, body text) of a GET, errors included."""
    req = urllib.request.Request(url, headers={'Accept': accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode('utf-8')
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode('utf-8')


class ManPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = man_text()

    def test_lint_is_clean(self):
        r = ctutil.run([mandoc(), '-T', 'lint', '-W', 'warning', MAN], check=False)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ''))

    def test_groff_has_no_warnings(self):
        # what lintian's manpage-has-errors-from-man runs
        man = ctutil.need_tool('man', 'man-db')
        env = dict(os.environ, LC_ALL='C.UTF-8', MANWIDTH='80')
        r = ctutil.run([man, '--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', MAN], env=env,
                       check=False)
        self.assertEqual((r.returncode, r.stderr), (0, ''))

    def test_the_check_finds_what_is_missing(self):
        self.assertEqual(missing({'bpf_map_info', 'bpf_map_inf', 'bpf_no_such_family',
                                  '--web.listen', '--no-such-flag'}, self.text),
                         ['--no-such-flag', '--web.listen', 'bpf_map_inf', 'bpf_no_such_family'])

    def test_every_help_flag_is_in_the_man_page(self):
        flags = help_flags()
        # the check reads --help as it is: its flags of every kind
        for f in ('-h', '--help', '--version', '--web.listen-address', '--no-audit',
                  '--collector.core', '--no-collector.core', '--collector.holders.source'):
            self.assertIn(f, flags)
        self.assertEqual(missing(flags, self.text), [],
                         'flags --help lists that man/bpf-metrics-exporter.8 does not name')

    def test_every_help_flag_is_in_the_readme(self):
        # the README's "Flags at a glance" names them all (the manual explains them)
        with open(os.path.join(ctutil.REPO, 'README'), encoding='utf-8') as f:
            readme = ' ' + ' '.join(f.read().split()) + ' '
        self.assertEqual(missing(help_flags(), readme), [],
                         'flags --help lists that the README does not name')

    def test_every_source_family_is_in_the_man_page(self):
        names = source_families()
        self.assertGreaterEqual(len(names), 40, sorted(names))
        for n in ('bpf_program_info', 'bpf_audit_kernel_enabled', 'bpf_map_entries',
                  'bpf_exporter_http_requests', 'process_cpu_seconds'):
            self.assertIn(n, names)
        self.assertEqual(missing(names, self.text), [],
                         'families in src/metrics that man/bpf-metrics-exporter.8 does not name')


class Served(unittest.TestCase):
    """The running exporter, every collector on, against the man page."""

    @classmethod
    def setUpClass(cls):
        ctutil.need_root()
        cls.text = man_text()
        cls.tmp = tempfile.TemporaryDirectory()
        with ctutil.exporter(cls.tmp.name, '--collector.btf', '--collector.pins',
                             '--bpf.enable-stats') as url:
            cls.metrics = get(url + '/metrics', 'application/openmetrics-text')
            cls.bad_collect = get(url + '/metrics?collect[]=foo')
            cls.doc = get(url + '/doc')
            cls.doc_head = urllib.request.urlopen(
                urllib.request.Request(url + '/doc', method='HEAD'), timeout=30).status
            cls.landing = get(url + '/')
            cls.landing_after = get(url + '/metrics')[2]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_served_family_is_in_the_man_page(self):
        status, _, body = self.metrics
        self.assertEqual(status, 200)
        names = set(re.findall(r'^# TYPE (\S+) ', body, re.M))
        for n in ('bpf_program_info', 'bpf_exporter_build_info', 'bpf_btf_info', 'bpf_stats_enabled',
                  'process_cpu_seconds', 'bpf_audit_events'):
            self.assertIn(n, names)
        self.assertEqual(missing(names, self.text), [],
                         'families /metrics serves that man/bpf-metrics-exporter.8 does not name')

    def test_every_help_text_is_in_the_man_page_word_for_word(self):
        # STYLE: a family's HELP and the man page say the same thing in the same words
        status, _, body = self.metrics
        self.assertEqual(status, 200)
        helps = {}
        for name, text in re.findall(r'^# HELP (\S+) (.*)$', body, re.M):
            text = re.sub(r'\\(.)', lambda m: '\n' if m.group(1) == 'n' else m.group(1), text)
            helps[name] = ' '.join(text.split())
        self.assertGreater(len(helps), 30)
        self.assertEqual(sorted(n for n, h in helps.items() if ' ' + h + ' ' not in self.text
                                and ' ' + h not in self.text), [],
                         'families whose HELP man/bpf-metrics-exporter.8 does not quote word for word')

    def test_the_collect_error_is_quoted_as_the_binary_says_it(self):
        status, _, body = self.bad_collect
        self.assertEqual(status, 400)
        line = ' '.join(body.split())
        self.assertIn(line, self.text, 'the man page quotes another collect[] error')

    def test_doc_serves_the_man_page_as_html(self):
        status, headers, body = self.doc
        self.assertEqual(status, 200)
        self.assertEqual(self.doc_head, 200)
        self.assertTrue(headers['Content-Type'].startswith('text/html'), headers['Content-Type'])
        csp = headers['Content-Security-Policy']
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn('script-src', csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertTrue(body.startswith('<!DOCTYPE html>'), body[:80])
        self.assertNotIn('<script', body)
        text = ' ' + ' '.join(html.unescape(re.sub(r'<[^>]*>', '', body)).split()) + ' '
        self.assertEqual(missing(help_flags(), text), [], '/doc lacks flags --help lists')
        # the landing page's links land on anchors /doc has
        anchors = set(re.findall(r'\bid="([^"]+)"', body))
        links = re.findall(r'href="/doc(#[^"]*)?"', self.landing[2])
        self.assertIn('', links, 'the landing page does not link /doc')
        for a in links:
            if a:
                self.assertIn(a[1:], anchors)
        self.assertGreaterEqual(len([a for a in links if a]), 4, links)
        self.assertIn('handler="doc",code="200"', self.landing_after)


if __name__ == '__main__':
    unittest.main()
