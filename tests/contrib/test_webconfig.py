# SPDX-License-Identifier: Apache-2.0
"""--web.config.file against the real thing: one web config file (TLS with a
required and verified client certificate, basic auth, an extra header) is
given to the freshly built exporter and to Debian's prometheus-node-exporter,
which reads it with the exporter-toolkit itself; both must answer alike
(200 with the credentials and the certificate, 401 without credentials, no
answer without the certificate), and a real Prometheus must scrape both
over https with basic_auth and tls_config, and fail on a wrong password.

The CA, server and client certificates are made with openssl in a
temporary directory that goes away at the end.
"""
import base64
import crypt
import json
import os
import socket
import ssl
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request
import warnings

import yaml

import ctutil

PASSWORD = 'scrape-me'


def openssl(tmp, *args):
    ctutil.run(['openssl', *args], cwd=tmp)


def make_certs(tmp):
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
    openssl(tmp, 'req', '-x509', *ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1',
            '-subj', '/CN=bpfme-contrib-ca')
    for name, cn, ext in (('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n'),
                          ('client', 'prometheus',
                           'subjectAltName=DNS:prometheus\nextendedKeyUsage=clientAuth\n')):
        with open(os.path.join(tmp, name + '.ext'), 'w') as f:
            f.write(ext)
        openssl(tmp, 'req', *ec, '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=' + cn)
        openssl(tmp, 'x509', '-req', '-in', name + '.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
                '-CAcreateserial', '-days', '1', '-extfile', name + '.ext', '-out', name + '.crt')


def bcrypt(password):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    if not h or not h.startswith('$2'):
        raise AssertionError(f'libcrypt made no bcrypt hash: {h!r}')
    return h


def context(tmp, client_cert=True):
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, 'ca.crt'))
    if client_cert:
        ctx.load_cert_chain(os.path.join(tmp, 'client.crt'), os.path.join(tmp, 'client.key'))
    return ctx


def get(url, ctx, user=None, password=None):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    req = urllib.request.Request(url)
    if user is not None:
        token = base64.b64encode(f'{user}:{password}'.encode()).decode()
        req.add_header('Authorization', 'Basic ' + token)
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, r.headers, r.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode('utf-8', 'replace')


def refused(url, ctx):
    """Whether a GET gets no HTTP answer at all (the handshake or the connection fails)."""
    try:
        get(url, ctx, 'prometheus', PASSWORD)
    except urllib.error.HTTPError:
        return False
    except (ssl.SSLError, ConnectionError, urllib.error.URLError, socket.timeout, OSError):
        return True
    return False


class WebConfig(unittest.TestCase):
    """The exporter and node_exporter with the very same web config file."""

    @classmethod
    def setUpClass(cls):
        ctutil.need_root()
        ctutil.need_tool('openssl', 'openssl')
        node_exporter = ctutil.need_tool('prometheus-node-exporter', 'prometheus-node-exporter')
        cls.prometheus_bin = ctutil.need_tool('prometheus', 'prometheus')
        cls.tmp = tempfile.TemporaryDirectory(prefix='bpfme-webcfg-')
        cls.addClassCleanup(cls.tmp.cleanup)
        tmp = cls.tmp.name
        make_certs(tmp)
        # relative paths: both programs resolve them against the file's directory
        cls.web = os.path.join(tmp, 'web.yml')
        with open(cls.web, 'w') as f:
            yaml.safe_dump({
                'tls_server_config': {
                    'cert_file': 'server.crt', 'key_file': 'server.key',
                    'client_auth_type': 'RequireAndVerifyClientCert', 'client_ca_file': 'ca.crt',
                    'min_version': 'TLS12',
                    'cipher_suites': ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
                                      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
                    'curve_preferences': ['X25519', 'CurveP256'],
                },
                'http_server_config': {'headers': {'X-Frame-Options': 'deny'}},
                'basic_auth_users': {'prometheus': bcrypt(PASSWORD)},
            }, f)
        with open(os.path.join(tmp, 'password'), 'w') as f:
            f.write(PASSWORD)
        with open(os.path.join(tmp, 'wrong-password'), 'w') as f:
            f.write('not-' + PASSWORD)

        cls.urls = {}
        for name, argv in (
                ('bpf-metrics-exporter', [ctutil.binary(), f'--web.config.file={cls.web}']),
                ('node', [node_exporter, f'--web.config.file={cls.web}', '--collector.disable-defaults',
                          '--collector.loadavg'])):
            port = ctutil.free_port()
            url = f'https://127.0.0.1:{port}'
            log = os.path.join(tmp, name + '.log')
            p = ctutil.process([*argv, f'--web.listen-address=127.0.0.1:{port}'], name, log)
            proc = p.__enter__()
            cls.addClassCleanup(p.__exit__, None, None, None)
            cls._wait_https(url, proc, log)
            cls.urls[name] = url

    @classmethod
    def _wait_https(cls, url, proc, log):
        ctx = context(cls.tmp.name)

        def up():
            if proc.poll() is not None:
                with open(log, encoding='utf-8', errors='replace') as f:
                    raise AssertionError(f'{url}: exited {proc.returncode}:\n{f.read()}')
            try:
                return get(url + '/metrics', ctx, 'prometheus', PASSWORD)[0] == 200
            except OSError:
                return False
        ctutil.wait_until(f'{url} to answer over https', up, timeout=20)

    def test_both_answer_alike(self):
        ctx, no_cert = context(self.tmp.name), context(self.tmp.name, client_cert=False)
        for name, url in self.urls.items():
            with self.subTest(name):
                status, headers, body = get(url + '/metrics', ctx, 'prometheus', PASSWORD)
                self.assertEqual(status, 200)
                self.assertIn('# TYPE', body)
                self.assertEqual(headers.get('X-Frame-Options'), 'deny')
                status, headers, _ = get(url + '/metrics', ctx)
                self.assertEqual(status, 401)
                self.assertTrue(headers.get('WWW-Authenticate', '').startswith('Basic'),
                                headers.get('WWW-Authenticate'))
                self.assertEqual(get(url + '/metrics', ctx, 'prometheus', 'wrong')[0], 401)
                self.assertEqual(get(url + '/metrics', ctx, 'mallory', PASSWORD)[0], 401)
                self.assertTrue(refused(url + '/metrics', no_cert), 'answered without a client certificate')
                # plain HTTP: no metrics (the exporter closes the connection;
                # Go's server answers 400 "Client sent an HTTP request to an HTTPS server")
                plain = url.replace('https:', 'http:') + '/metrics'
                if not refused(plain, None):
                    status, _, body = get(plain, None, 'prometheus', PASSWORD)
                    self.assertEqual(status, 400, body)
                    self.assertNotIn('# TYPE', body)
                    self.assertEqual(name, 'node', 'the exporter answered plain HTTP')

    def test_prometheus_scrapes_both_over_https(self):
        tmp = self.tmp.name
        tls = {'ca_file': os.path.join(tmp, 'ca.crt'), 'cert_file': os.path.join(tmp, 'client.crt'),
               'key_file': os.path.join(tmp, 'client.key')}
        with open(ctutil.contrib('prometheus', 'prometheus.yml'), encoding='utf-8') as f:
            conf = yaml.safe_load(f)
        conf.pop('rule_files', None)
        conf['global'].update(scrape_interval='1s', evaluation_interval='1s')
        base = conf['scrape_configs'][0]
        jobs = []
        for job, target, password in (
                ('bpf-metrics-exporter', self.urls['bpf-metrics-exporter'], 'password'),
                ('node', self.urls['node'], 'password'),
                ('wrong-password', self.urls['bpf-metrics-exporter'], 'wrong-password')):
            j = dict(base, job_name=job, scheme='https', scrape_timeout='1s', tls_config=tls,
                     basic_auth={'username': 'prometheus', 'password_file': os.path.join(tmp, password)},
                     static_configs=[{'targets': [target.split('//')[1]]}])
            jobs.append(j)
        conf['scrape_configs'] = jobs
        with open(os.path.join(tmp, 'prometheus.yml'), 'w') as f:
            yaml.safe_dump(conf, f)
        port = ctutil.free_port()
        api = f'http://127.0.0.1:{port}/api/v1'
        log = os.path.join(tmp, 'prometheus.log')
        with ctutil.process([self.prometheus_bin, f'--config.file={tmp}/prometheus.yml',
                             f'--storage.tsdb.path={tmp}/data', f'--web.listen-address=127.0.0.1:{port}',
                             '--log.level=warn'], 'prometheus', log) as prom:
            def targets():
                if prom.poll() is not None:
                    raise AssertionError('prometheus exited: ' + open(log).read())
                try:
                    data = json.loads(ctutil.http_get(api + '/targets'))['data']['activeTargets']
                except OSError:
                    return None
                health = {t['labels']['job']: t for t in data}
                if len(health) == 3 and all(t['health'] != 'unknown' for t in health.values()) and \
                        health['bpf-metrics-exporter']['health'] == 'up' and health['node']['health'] == 'up':
                    return health
                return None
            health = ctutil.wait_until('Prometheus to scrape both over https', targets, timeout=60, step=0.5)
            self.assertEqual(health['wrong-password']['health'], 'down')
            self.assertIn('401', health['wrong-password']['lastError'])
            q = urllib.parse.urlencode({'query': 'bpf_exporter_build_info'})
            result = json.loads(ctutil.http_get(f'{api}/query?{q}'))['data']['result']
            self.assertTrue(result, 'Prometheus has no samples of the exporter')


if __name__ == '__main__':
    unittest.main()
