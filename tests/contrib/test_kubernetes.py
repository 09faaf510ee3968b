# SPDX-License-Identifier: Apache-2.0
"""contrib/kubernetes/: the manifests, the Containerfile and the kustomization.

There is no cluster and no image build here.  Instead: the manifests must
parse, name the right API versions and agree with each other (selectors,
port names, annotations, job and instance labels); the DaemonSet's
arguments must be flags the exporter accepts and its capabilities the
documented set; the Containerfile's build stage is replayed in a temporary
directory holding only what it copies, and its runtime stage must install
exactly the Debian packages of the libraries that build links and start the
binary that make install put there.  As root, the built exporter then runs
the way the DaemonSet's container would: its arguments, uid 0 with only the
added capabilities, no_new_privs and a read-only root, in the host's network
and PID namespaces; its probes, metrics, events and capabilities are checked.
"""
import ctypes
import json
import os
import signal
import re
import shlex
import shutil
import socket
import tempfile
import unittest
import urllib.request

import ctutil

try:
    import yaml		# Debian's python3-yaml
except ImportError:
    yaml = None

K8S = ctutil.contrib('kubernetes')
BIN = 'bpf-metrics-exporter'
JOB = 'bpf-metrics-exporter'
COMM = 'bpfme-k8s'
API_VERSIONS = {'DaemonSet': 'apps/v1', 'Service': 'v1', 'ServiceAccount': 'v1',
                'ServiceMonitor': 'monitoring.coreos.com/v1', 'Secret': 'v1'}
# Not used by the exporter: CRI-O's and Podman's RuntimeDefault seccomp
# profile refuses NETLINK_AUDIT sockets unless it is in the bounding set.
SECCOMP_CAPS = {'AUDIT_WRITE'}
# What the exporter keeps after start (src/main.c keep_caps), by bit number.
KEPT_CAPS = {'SYS_PTRACE': 19, 'SYS_ADMIN': 21, 'AUDIT_CONTROL': 30, 'AUDIT_READ': 37}
NETLINK_AUDIT = 9
# Left out of the environment of the replayed container build.
CLEAN_BUILD_ENV = {'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'SANITIZE', 'DEVELOPER',
                   'CC', 'CFLAGS', 'LDFLAGS', 'PKG_CONFIG', 'V', 'PREFIX', 'DESTDIR', 'GIT_REV'}
SYS_pidfd_getfd = 438		# the same number on every architecture


def setUpModule():
    if yaml is None:
        ctutil.cannot('python3-yaml is missing; `make check` installs it')


def load(name):
    with open(os.path.join(K8S, name), encoding='utf-8') as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def resources():
    """Every document of the three manifests, by kind (one of each)."""
    out = {}
    for name in ('daemonset.yaml', 'service.yaml', 'servicemonitor.yaml'):
        for doc in load(name):
            out[doc['kind']] = doc
    return out


def container(ds):
    (c,) = ds['spec']['template']['spec']['containers']
    return c


def flag_value(args, name):
    vals = [a.split('=', 1)[1] for a in args if a.startswith(name + '=')]
    return vals[-1] if vals else None


def help_text():
    return ctutil.run([ctutil.binary(), '--help']).stdout


def documented_caps():
    """The capabilities the man page (PRIVILEGES) grants a non-root exporter."""
    with open(os.path.join(ctutil.REPO, 'man', 'bpf-metrics-exporter.8'), encoding='utf-8') as f:
        m = re.search(r'^ *AmbientCapabilities=((?:CAP_[A-Z_]+ ?)+)$', f.read(), re.M)
    if not m:
        raise AssertionError('man/bpf-metrics-exporter.8 has no AmbientCapabilities=CAP_... line '
                             '(PRIVILEGES)')
    return {c.removeprefix('CAP_') for c in m.group(1).split()}


# ---- the Containerfile ----

def containerfile_stages():
    """[{'from', 'name', 'instrs': [(INSTRUCTION, args)]}] of the Containerfile."""
    with open(os.path.join(K8S, 'Containerfile'), encoding='utf-8') as f:
        lines = f.read().splitlines()
    logical, cur = [], ''
    for ln in lines:
        if ln.lstrip().startswith('#') or (not ln.strip() and not cur):
            continue
        if ln.endswith('\\'):
            cur += ln[:-1] + ' '
            continue
        logical.append(cur + ln)
        cur = ''
    stages = []
    for ln in logical:
        op, _, args = ln.strip().partition(' ')
        op, args = op.upper(), args.strip()
        if op == 'FROM':
            w = args.split()
            stages.append({'from': w[0], 'name': w[2] if len(w) == 3 and w[1].upper() == 'AS' else None,
                           'instrs': []})
        elif stages:
            stages[-1]['instrs'].append((op, args))
    return stages


def instrs(stage, op):
    return [a for o, a in stage['instrs'] if o == op]


def copy_args(args):
    """(flags, sources, destination) of a COPY instruction."""
    words = json.loads(args) if args.startswith('[') else shlex.split(args)
    flags = [w for w in words if w.startswith('--')]
    rest = [w for w in words if not w.startswith('--')]
    return flags, rest[:-1], rest[-1]


def apt_installs(stage):
    """The packages named after `apt-get install` in the stage's RUN lines."""
    pkgs = []
    for run in instrs(stage, 'RUN'):
        words = shlex.split(run)
        for i, w in enumerate(words):
            if w == 'install' and i and words[i - 1].endswith('apt-get'):
                for p in words[i + 1:]:
                    if p in ('&&', ';', '||', '|'):
                        break
                    if not p.startswith('-'):
                        pkgs.append(p)
    return pkgs


def debian_release(image):
    m = re.fullmatch(r'(?:docker\.io/)?(?:library/)?debian:(\d+)(?:-slim)?', image)
    return m and m.group(1)


def package_of(path):
    """The Debian package that installed path (trying its /usr-merged twin)."""
    tries = [path, os.path.realpath(path)]
    for p in list(tries):
        if p.startswith('/usr/lib/'):
            tries.append(p[len('/usr'):])
        elif p.startswith('/lib/') or p.startswith('/lib64/'):
            tries.append('/usr' + p)
    for p in tries:
        r = ctutil.run(['dpkg-query', '-S', p], check=False)
        if r.returncode == 0:
            return r.stdout.split(':')[0].strip()
    raise AssertionError(f'{path} belongs to no Debian package')


def depends_closure(pkgs):
    """pkgs and every installed package they depend on, directly or not."""
    seen, todo = set(), list(pkgs)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        r = ctutil.run(['dpkg-query', '-W', '-f=${Depends}, ${Pre-Depends}', p], check=False)
        if r.returncode:
            continue		# not installed here: an alternative that was not chosen
        seen.add(p)
        for dep in r.stdout.split(','):
            for alt in dep.split('|'):
                name = alt.strip().split(' ')[0].split(':')[0]
                if name:
                    todo.append(name)
    return seen


class Manifests(unittest.TestCase):
    def test_every_manifest_parses_with_known_api_versions(self):
        names = sorted(n for n in os.listdir(K8S) if n.endswith('.yaml'))
        self.assertEqual(names, ['daemonset.yaml', 'kustomization.yaml', 'service.yaml',
                                 'servicemonitor.yaml', 'web-config.yaml'])
        kinds = []
        for name in names:
            docs = load(name)
            self.assertTrue(docs, name)
            for doc in docs:
                self.assertIsInstance(doc.get('apiVersion'), str, name)
                self.assertIsInstance(doc.get('kind'), str, name)
                kinds.append(doc['kind'])
                if doc['kind'] == 'Kustomization':
                    self.assertEqual(doc['apiVersion'], 'kustomize.config.k8s.io/v1beta1')
                    continue
                self.assertTrue(doc.get('metadata', {}).get('name'), f'{name}: {doc["kind"]} has no name')
                self.assertEqual(doc['apiVersion'], API_VERSIONS[doc['kind']], f'{name}: {doc["kind"]}')
        self.assertEqual(sorted(kinds), sorted([*API_VERSIONS, 'Kustomization']))

    def test_kustomization_lists_the_plain_resources(self):
        (k,) = load('kustomization.yaml')
        for r in k['resources']:
            self.assertTrue(os.path.isfile(os.path.join(K8S, r)), r)
        # everything but the ServiceMonitor, which needs the operator's CRD
        self.assertEqual(sorted(k['resources']), ['daemonset.yaml', 'service.yaml'])
        for kind, doc in resources().items():
            self.assertEqual(doc['metadata'].get('namespace'), k['namespace'], kind)


class WebConfigSecret(unittest.TestCase):
    """web-config.yaml's Secret and the DaemonSet's commented lines that use it."""

    def test_the_commented_lines_use_the_secret(self):
        (secret,) = load('web-config.yaml')
        data = secret['stringData']
        conf = yaml.safe_load(data['web-config.yml'])
        self.assertEqual(set(conf), {'tls_server_config', 'basic_auth_users'})
        # the files it names are keys of the Secret, next to it in the mount
        tls = conf['tls_server_config']
        for key in ('cert_file', 'key_file'):
            self.assertIn(tls[key], data, key)
        with open(os.path.join(K8S, 'daemonset.yaml'), encoding='utf-8') as f:
            text = f.read()
        flag = re.search(r'^\s*# - --web\.config\.file=(\S+)$', text, re.M)
        mount = re.search(r'^\s*#\s+mountPath: (\S+)$', text, re.M)
        name = re.search(r'^\s*#\s+secretName: (\S+)$', text, re.M)
        self.assertTrue(flag and mount and name, 'the commented flag, mount and volume')
        self.assertEqual(os.path.dirname(flag.group(1)), mount.group(1))
        self.assertIn(os.path.basename(flag.group(1)), data)
        self.assertEqual(name.group(1), secret['metadata']['name'])
        self.assertIn('--web.config.file', set(re.findall(r'^\s+(--[a-z][a-z0-9.-]*)', help_text(), re.M)))
        (k,) = load('kustomization.yaml')
        self.assertEqual(secret['metadata']['namespace'], k['namespace'])


class DaemonSet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.res = resources()
        cls.ds = cls.res['DaemonSet']
        cls.pod = cls.ds['spec']['template']['spec']
        cls.c = container(cls.ds)
        cls.ports = {p['name']: p['containerPort'] for p in cls.c['ports']}

    def test_host_namespaces(self):
        self.assertIs(self.pod.get('hostNetwork'), True)
        self.assertIs(self.pod.get('hostPID'), True)
        self.assertEqual(self.pod.get('dnsPolicy'), 'ClusterFirstWithHostNet')

    def test_security_context(self):
        sc = self.c['securityContext']
        self.assertIs(sc.get('privileged'), False)
        self.assertIs(sc.get('allowPrivilegeEscalation'), False)
        self.assertIs(sc.get('readOnlyRootFilesystem'), True)
        self.assertEqual(sc.get('runAsUser'), 0)
        self.assertEqual(sc['seccompProfile'], {'type': 'RuntimeDefault'})
        self.assertEqual(sc['capabilities']['drop'], ['ALL'])
        add = sc['capabilities']['add']
        self.assertEqual(len(add), len(set(add)), add)
        # The API refuses CAP_SYS_ADMIN with allowPrivilegeEscalation: false.
        self.assertFalse([c for c in add if c.startswith('CAP_')], add)
        self.assertEqual(set(add), documented_caps() | SECCOMP_CAPS)
        # and the capabilities --help names are among them
        self.assertLessEqual({c.removeprefix('CAP_') for c in re.findall(r'CAP_[A-Z_]+', help_text())},
                             set(add))
        self.assertLessEqual(set(KEPT_CAPS), set(add))

    def test_service_account_without_token(self):
        sa = self.res['ServiceAccount']
        self.assertEqual(self.pod['serviceAccountName'], sa['metadata']['name'])
        self.assertIs(sa.get('automountServiceAccountToken'), False)
        self.assertIs(self.pod.get('automountServiceAccountToken'), False)

    def test_probes_use_the_landing_page_on_a_named_port(self):
        telemetry = flag_value(self.c['args'], '--web.telemetry-path') or '/metrics'
        for probe in ('livenessProbe', 'readinessProbe'):
            get = self.c[probe]['httpGet']
            self.assertEqual(get['path'], '/', probe)
            self.assertNotEqual(get['path'], telemetry, probe)
            self.assertIn(get['port'], self.ports, probe)

    def test_runs_on_every_node(self):
        self.assertIn({'operator': 'Exists'}, self.pod['tolerations'])
        self.assertEqual(self.ds['spec']['updateStrategy']['type'], 'RollingUpdate')
        # hostNetwork: the old pod holds the port until it is gone
        self.assertEqual(self.ds['spec']['updateStrategy']['rollingUpdate'].get('maxSurge', 0), 0)

    def test_selectors_ports_and_annotations_agree(self):
        pod_labels = self.ds['spec']['template']['metadata']['labels']
        self.assertLessEqual(self.ds['spec']['selector']['matchLabels'].items(), pod_labels.items())
        svc = self.res['Service']
        self.assertEqual(svc['spec']['clusterIP'], 'None')
        self.assertLessEqual(svc['spec']['selector'].items(), pod_labels.items())
        (sport,) = svc['spec']['ports']
        self.assertEqual(sport['targetPort'], 'metrics')
        self.assertIn(sport['targetPort'], self.ports)
        self.assertEqual(sport['port'], self.ports['metrics'])

        listen = flag_value(self.c['args'], '--web.listen-address')
        self.assertEqual(int(listen.rsplit(':', 1)[1]), self.ports['metrics'])

        ann = svc['metadata']['annotations']
        self.assertEqual(ann['prometheus.io/scrape'], 'true')
        self.assertEqual(int(ann['prometheus.io/port']), self.ports['metrics'])
        self.assertEqual(ann.get('prometheus.io/path', '/metrics'),
                         flag_value(self.c['args'], '--web.telemetry-path') or '/metrics')
        # on the Service only: with them on the pods as well, a Prometheus
        # running both usual annotation jobs would scrape every node twice
        pod_ann = self.ds['spec']['template']['metadata'].get('annotations') or {}
        self.assertFalse([a for a in pod_ann if a.startswith('prometheus.io/')], pod_ann)

        sm = self.res['ServiceMonitor']
        self.assertLessEqual(sm['spec']['selector']['matchLabels'].items(), svc['metadata']['labels'].items())
        (ep,) = sm['spec']['endpoints']
        self.assertEqual(ep['port'], sport['name'])
        self.assertEqual(ep['interval'], '30s')

    def test_service_monitor_job_and_instance(self):
        sm, svc = self.res['ServiceMonitor'], self.res['Service']
        # The operator sets job to the Service's name, then to the value of
        # the Service label named by jobLabel when there is one.
        job_label = sm['spec'].get('jobLabel')
        job = svc['metadata']['labels'].get(job_label) if job_label else svc['metadata']['name']
        self.assertEqual(job, JOB)
        (ep,) = sm['spec']['endpoints']
        instance = [r for r in ep.get('relabelings', []) if r.get('targetLabel') == 'instance']
        self.assertEqual(len(instance), 1, ep)
        r = instance[0]
        self.assertEqual(r['sourceLabels'], ['__meta_kubernetes_pod_node_name'])
        self.assertEqual(r.get('action', 'replace').lower(), 'replace')
        self.assertIn(r.get('regex', '(.*)'), ('(.*)', '(.+)'))
        self.assertIn(r.get('replacement', '$1'), ('$1', '${1}'))

    def test_image_is_the_one_the_containerfile_builds(self):
        with open(os.path.join(K8S, 'Containerfile'), encoding='utf-8') as f:
            tags = re.findall(r'^#.*\s-t (\S+)', f.read(), re.M)
        self.assertEqual(tags, [self.c['image']])
        # a loaded image, not pulled: :latest would default to Always
        self.assertEqual(self.c.get('imagePullPolicy'), 'IfNotPresent')

    def test_args_are_flags_the_exporter_accepts(self):
        flags = set(re.findall(r'^\s+(?:-h, )?(--[a-z][a-z0-9.-]*)', help_text(), re.M))
        self.assertIn('--web.listen-address', flags)
        for a in self.c['args']:
            self.assertIn(a.split('=', 1)[0], flags, a)


class Containerfile(unittest.TestCase):
    """The build stage replayed here; the runtime stage checked against it."""

    @classmethod
    def setUpClass(cls):
        cls.stages = containerfile_stages()
        cls.build, cls.runtime = cls.stages[0], cls.stages[-1]
        cls.tmp = tempfile.TemporaryDirectory(prefix='bpfme-k8s-build-')
        cls.addClassCleanup(cls.tmp.cleanup)

    def build_stage(self):
        """Copy what the build stage copies, run its make commands; the DESTDIR tree."""
        if hasattr(self.__class__, 'out'):
            return self.__class__.out
        (workdir,) = instrs(self.build, 'WORKDIR')
        root, out = os.path.join(self.tmp.name, 'root'), os.path.join(self.tmp.name, 'out')
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        work = os.path.join(root, workdir.lstrip('/'))
        os.makedirs(work)
        for args in instrs(self.build, 'COPY'):
            flags, srcs, dest = copy_args(args)
            self.assertEqual(flags, [], args)
            target = os.path.join(work, dest)
            for s in srcs:
                src = os.path.join(ctutil.REPO, s)
                if os.path.isdir(src):
                    shutil.copytree(src, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns('__pycache__'))
                else:
                    to = os.path.join(target, os.path.basename(s)) if dest.endswith('/') else target
                    os.makedirs(os.path.dirname(to), exist_ok=True)
                    shutil.copy2(src, to)
        (run,) = [r for r in instrs(self.build, 'RUN') if 'make install' in r]
        words = shlex.split(run)
        destdir = [w.split('=', 1)[1] for w in words if w.startswith('DESTDIR=')]
        prefix = [w.split('=', 1)[1] for w in words if w.startswith('PREFIX=')]
        self.assertEqual((len(destdir), len(prefix)), (1, 1), run)
        # A clean environment, as in the image: not the variables of a
        # `make SANITIZE=... check` this may run under.
        env = {k: v for k, v in os.environ.items() if k not in CLEAN_BUILD_ENV}
        ctutil.run(['make', '--no-print-directory', '-C', work, f'-j{os.cpu_count() or 1}'],
                   timeout=600, env=env)
        ctutil.run(['make', '--no-print-directory', '-C', work, 'install',
                    f'DESTDIR={out}', f'PREFIX={prefix[0]}'], env=env)
        self.__class__.out = (destdir[0], out)
        return self.__class__.out

    def built_binary(self):
        """The binary the runtime stage copies, as the replayed build made it."""
        destdir, out = self.build_stage()
        (copy,) = [a for a in instrs(self.runtime, 'COPY') if '--from=' in a]
        flags, (src,), dest = copy_args(copy)
        self.assertEqual(flags, [f'--from={self.build["name"]}'])
        self.assertTrue(src.startswith(destdir.rstrip('/') + '/'), src)
        return os.path.join(out, src[len(destdir.rstrip('/')) + 1:]), dest

    def test_two_stages_of_one_debian_release(self):
        self.assertEqual(len(self.stages), 2)
        self.assertIsNotNone(self.build['name'])
        rb, rr = debian_release(self.build['from']), debian_release(self.runtime['from'])
        self.assertIsNotNone(rb, self.build['from'])
        self.assertEqual(rb, rr)
        self.assertTrue(self.runtime['from'].endswith('-slim'), self.runtime['from'])

    def test_copy_sources_exist(self):
        n = 0
        for stage in self.stages:
            for args in instrs(stage, 'COPY'):
                flags, srcs, _ = copy_args(args)
                if any(f.startswith('--from=') for f in flags):
                    continue
                for s in srcs:
                    n += 1
                    self.assertTrue(os.path.exists(os.path.join(ctutil.REPO, s)), s)
        self.assertGreater(n, 0)

    def test_build_packages_are_the_makefiles(self):
        r = ctutil.run(['make', '-s', '--no-print-directory', '-C', ctutil.REPO,
                        '--eval', 'k8s-print-deb-build: ; @echo $(DEB_BUILD)', 'k8s-print-deb-build'])
        self.assertEqual(sorted(apt_installs(self.build)), sorted(r.stdout.split()))

    def test_entrypoint_is_the_installed_binary(self):
        path, dest = self.built_binary()
        self.assertTrue(os.path.isfile(path) and os.access(path, os.X_OK), path)
        (ep,) = instrs(self.runtime, 'ENTRYPOINT')
        self.assertEqual(json.loads(ep), [dest])
        self.assertIn(BIN, ctutil.run([path, '--version']).stdout)

    def test_exposes_the_container_port(self):
        (expose,) = instrs(self.runtime, 'EXPOSE')
        c = container(resources()['DaemonSet'])
        self.assertEqual([int(p.split('/')[0]) for p in expose.split()],
                         [p['containerPort'] for p in c['ports']])

    def test_runtime_packages_are_those_of_the_linked_libraries(self):
        release = debian_release(self.runtime['from'])
        with open('/etc/os-release', encoding='utf-8') as f:
            osr = dict(ln.split('=', 1) for ln in f.read().splitlines() if '=' in ln)
        if osr.get('ID') != 'debian' or osr.get('VERSION_ID', '').strip('"') != release:
            ctutil.cannot(f'the package names are those of Debian {release}; this is not Debian {release}')
        readelf = ctutil.need_tool('readelf', 'binutils')
        path, _ = self.built_binary()
        needed = re.findall(r'\(NEEDED\).*\[(.+)\]', ctutil.run([readelf, '-d', path]).stdout)
        self.assertIn('libc.so.6', needed)
        resolved = {}
        for ln in ctutil.run(['ldd', path]).stdout.splitlines():
            m = re.match(r'\s*(\S+) => (/\S+)', ln) or re.match(r'\s*(/\S+) \(', ln)
            if m:
                resolved[m.group(1)] = m.group(m.lastindex)
        # The packages of the direct dependencies, less libc6, which every
        # Debian image has; apt installs what those depend on.
        want = {package_of(resolved[so]) for so in needed} - {'libc6'}
        got = apt_installs(self.runtime)
        self.assertEqual(len(got), len(set(got)), got)
        self.assertEqual(set(got), want)
        # Everything the binary loads, indirect libraries included, comes
        # with those packages' dependencies.
        closure = depends_closure(got) | {'libc6'}
        for lib in resolved.values():
            self.assertIn(package_of(lib), closure, lib)


class RunsLikeTheContainer(unittest.TestCase):
    """The exporter with the DaemonSet's arguments, capabilities and read-only root."""

    @classmethod
    def setUpClass(cls):
        ctutil.need_root()
        setpriv = ctutil.need_tool('setpriv', 'util-linux')
        unshare = ctutil.need_tool('unshare', 'util-linux')
        # The DaemonSet leaves the kernel's audit as the node has it; have it on.
        ctutil.kernel_audit_on()
        cls.tmp = tempfile.TemporaryDirectory(prefix='bpfme-k8s-')
        cls.addClassCleanup(cls.tmp.cleanup)
        ds = resources()['DaemonSet']
        c = container(ds)
        sc = c['securityContext']
        cls.caps = set(sc['capabilities']['add'])
        port = ctutil.free_port()
        cls.url = f'http://127.0.0.1:{port}'
        args = [f'--web.listen-address=127.0.0.1:{port}' if a.startswith('--web.listen-address=') else a
                for a in c['args']]
        cls.args = args
        # uid 0 whose bounding set is the added capabilities: execve gives it
        # exactly those, as the runtime does; no_new_privs is what
        # allowPrivilegeEscalation: false sets.
        priv = [setpriv, '--inh-caps=-all', '--ambient-caps=-all',
                '--bounding-set=-all,' + ','.join('+' + x.lower() for x in sorted(cls.caps))]
        if sc.get('allowPrivilegeEscalation') is False:
            priv.append('--no-new-privs')
        # readOnlyRootFilesystem: / (and /tmp, on the image's root) read-only
        # in a mount namespace of its own
        ro = ['/'] + (['/tmp'] if os.path.ismount('/tmp') else [])
        remount = ' && '.join(f'mount -o remount,bind,ro {m}' for m in ro)
        argv = [unshare, '--mount', '--propagation', 'private', '--',
                'sh', '-c', remount + ' && exec "$@"', 'sh', *priv, '--', ctutil.binary(), *args]
        cls.log = os.path.join(cls.tmp.name, 'exporter.log')
        ex = ctutil.process(argv, 'exporter', cls.log)
        cls.proc = ex.__enter__()
        cls.addClassCleanup(ex.__exit__, None, None, None)

        ctutil.wait_listening(cls.url, cls.proc, cls.log)
        cls.probes = {p: c[p]['httpGet']['path'] for p in ('livenessProbe', 'readinessProbe')}

        # Objects to see, loaded after the exporter started (so audited).
        objects = ctutil.bpf_objects(COMM)
        cls.loader = objects.__enter__()
        cls.addClassCleanup(objects.__exit__, None, None, None)

    def metrics(self):
        return ctutil.http_get(self.url + '/metrics')

    def test_probes_answer(self):
        for probe, path in self.probes.items():
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                self.assertEqual(r.status, 200, probe)

    def test_root_is_read_only_for_it(self):
        with open(f'/proc/{self.proc.pid}/mountinfo', encoding='utf-8') as f:
            root = [ln.split() for ln in f if ln.split()[4] == '/']
        self.assertTrue(root)
        self.assertIn('ro', root[-1][5].split(','), root[-1])

    def test_metrics_list_the_loaded_programs(self):
        body = self.metrics()
        progs = [ln for ln in body.splitlines()
                 if ln.startswith('bpf_program_info{') and 'name="dash_filter"' in ln]
        self.assertGreaterEqual(len(progs), 3, body)
        self.assertRegex(body, r'(?m)^bpf_audit_listener_up ')
        # AUDIT_CONTROL and the host PID namespace: the kernel's audit status
        self.assertRegex(body, r'(?m)^bpf_audit_kernel_enabled ')
        with open(self.log, encoding='utf-8') as f:
            self.assertNotIn('needs CAP_', f.read())

    def test_events_arrive(self):
        # setUpClass turned the kernel's audit on
        self.assertRegex(self.metrics(), r'(?m)^bpf_audit_kernel_enabled [12]$')

        def loads():
            evs = json.loads(ctutil.http_get(self.url + '/events?op=LOAD'))
            evs = [e for e in evs if e['comm'] == COMM and e['prog_name'] == 'dash_filter']
            return evs if len(evs) >= 3 else None
        evs = ctutil.wait_until(f'the LOAD events of {COMM}\'s three filters', loads, timeout=20)
        self.assertEqual(len(evs), 3, evs)
        # the same programs the metrics list
        listed = set(re.findall(r'(?m)^bpf_program_info\{(?:[^}]*,)?id="(\d+)"', self.metrics()))
        self.assertLessEqual({str(e['prog_id']) for e in evs}, listed)

    def test_holders_of_the_loaded_programs(self):
        """SYS_PTRACE and the host's PID namespace: the loader, a root process with
        every capability, is listed as the holder of its programs."""
        body = self.metrics()
        ids = set(re.findall(r'(?m)^bpf_program_info\{id="(\d+)",name="dash_filter"', body))
        self.assertGreaterEqual(len(ids), 3, body)
        holders = re.findall(r'(?m)^bpf_program_holder_info\{id="(\d+)",pid="(\d+)",comm="([^"]*)"', body)
        held = {i for i, pid, comm in holders if pid == str(self.loader.pid) and comm == COMM}
        self.assertLessEqual(ids, held, body)	# and its dash_rawtp

    def test_keeps_only_what_it_needs(self):
        with open(f'/proc/{self.proc.pid}/status', encoding='utf-8') as f:
            st = dict(ln.split(':\t', 1) for ln in f.read().splitlines() if ':\t' in ln)
        self.assertEqual(st['Uid'].split()[0], '0')
        want = sum(1 << bit for cap, bit in KEPT_CAPS.items() if cap in self.caps)
        self.assertEqual(int(st['CapEff'], 16), want)
        self.assertEqual(int(st['CapPrm'], 16), want)
        self.assertEqual(st['NoNewPrivs'].strip(), '1')

    def test_audit_buffer_beyond_rmem_max(self):
        """NET_ADMIN at start lets the audit socket's buffer pass net.core.rmem_max."""
        if 'NET_ADMIN' not in self.caps:
            self.skipTest('the DaemonSet does not add NET_ADMIN')
        want = int(flag_value(self.args, '--audit.buffer-bytes')
                   or re.search(r'buffer-bytes=N\s+Receive buffer[^(]*\(default (\d+)\)',
                                help_text()).group(1))
        libc = ctypes.CDLL(None, use_errno=True)
        pidfd = os.pidfd_open(self.proc.pid)
        sizes = []
        try:
            for fd in os.listdir(f'/proc/{self.proc.pid}/fd'):
                if not os.readlink(f'/proc/{self.proc.pid}/fd/{fd}').startswith('socket:'):
                    continue
                mine = libc.syscall(SYS_pidfd_getfd, pidfd, int(fd), 0)
                if mine < 0:
                    raise AssertionError(f'pidfd_getfd: {os.strerror(ctypes.get_errno())}')
                with socket.socket(fileno=mine) as s:
                    if s.family == socket.AF_NETLINK and s.proto == NETLINK_AUDIT and s.getsockname()[1]:
                        sizes.append(s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
        finally:
            os.close(pidfd)
        self.assertEqual(len(sizes), 1, 'the audit multicast socket')
        self.assertGreaterEqual(sizes[0], want)


if __name__ == '__main__':
    unittest.main()


class WithoutHostPID(unittest.TestCase):
    """A container without hostPID: the kernel refuses audit status requests
    whatever the capabilities, and the log says to run with hostPID."""

    def test_log_names_host_pid(self):
        ctutil.need_root()
        unshare = ctutil.need_tool('unshare', 'util-linux')
        ctutil.kernel_audit_on()	# before the start: the exporter learns its pid then
        port = ctutil.free_port()
        url = f'http://127.0.0.1:{port}'
        with tempfile.TemporaryDirectory(prefix='bpfme-k8s-') as tmp:
            log = os.path.join(tmp, 'exporter.log')
            argv = [unshare, '--pid', '--fork', '--kill-child=SIGTERM', '--', ctutil.binary(),
                    f'--web.listen-address=127.0.0.1:{port}', '--audit.enable']
            with ctutil.process(argv, 'exporter', log) as p:
                ctutil.wait_listening(url, p, log)
                body = ctutil.http_get(url + '/metrics')
                with open(f'/proc/{p.pid}/task/{p.pid}/children') as f:
                    host_pid = int(f.read().split()[0])
                events = self.churn_while_scraping(url)
                # unshare waits for its child, whom SIGTERM ends cleanly
                os.kill(host_pid, signal.SIGTERM)
                self.assertEqual(p.wait(timeout=15), 0)
            with open(log, encoding='utf-8') as f:
                text = f.read()
        self.assertNotIn('bpf_audit_kernel_enabled', body)
        # events flow all the same: listener_up is the subscription, not the status
        self.assertRegex(body, r'(?m)^bpf_audit_listener_up 1$')
        hint = "the kernel answers only in the host's PID namespace: in a container, run with hostPID: true"
        self.assertIn("cannot enable kernel audit (--audit.enable): " + hint, text)
        self.assertIn("cannot read the kernel's audit status: " + hint, text)
        self.assertNotIn('needs CAP_AUDIT_CONTROL', text)
        # it learned the pid the kernel's records show, and no event names it
        self.assertIn(f'the exporter is pid {host_pid} in the host', text)
        unloads = [e for e in events if e['op'] == 'UNLOAD' and e['comm'] == 'bpfme-k8s-churn']
        self.assertEqual(len(unloads), 60, events[-3:])
        self.assertEqual([e for e in events if e['pid'] == host_pid], [])

    def churn_while_scraping(self, url):
        """Load and close 60 programs from a child named bpfme-k8s-churn while
        scrapes run back to back; the exporter's /events after the churn."""
        import threading
        import bpfload
        first = json.loads(ctutil.http_get(url + '/events?limit=1') or '[]')
        since = first[-1]['seq'] if first else 0
        done = threading.Event()

        def scrape():
            while not done.is_set():
                ctutil.http_get(url + '/metrics')
        t = threading.Thread(target=scrape)
        t.start()
        try:
            pid = os.fork()
            if pid == 0:
                try:
                    libc = ctypes.CDLL(None, use_errno=True)
                    libc.prctl(15, b'bpfme-k8s-churn', 0, 0, 0)	# PR_SET_NAME
                    for _ in range(60):
                        os.close(bpfload.prog_load(1, b'k8schurn'))
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
        finally:
            done.set()
            t.join()

        def all_unloaded():
            evs = json.loads(ctutil.http_get(url + f'/events?since={since}'))
            return evs if sum(e['op'] == 'UNLOAD' and e['comm'] == 'bpfme-k8s-churn'
                              for e in evs) >= 60 else None
        ctutil.wait_until('60 UNLOAD events', all_unloaded, timeout=10)
        return all_unloaded()
