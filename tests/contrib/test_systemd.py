# SPDX-License-Identifier: Apache-2.0
"""Tests of contrib/systemd/bpf-metrics-exporter.service and .socket.

There is no systemd to start the unit under, so the unit is checked with
systemd-analyze (verify, security) and its sandbox is rebuilt by hand around
the freshly built exporter: a non-root uid holding only the unit's ambient
capabilities (setpriv), the unit's system call filter expanded by
systemd-analyze and loaded with libseccomp, its socket-family, W^X and
namespace restrictions, and a private mount namespace with read-only mounts,
a pid-only /proc, a private /tmp and a minimal /dev.  strace lists every
system call the exporter makes, to compare with the filter.  The socket unit
is verified beside the service, and its socket activation is played by
systemd-socket-activate, which passes a real listening socket the way systemd
does (LISTEN_FDS, LISTEN_PID, fd 3).
"""
import ctypes
import ctypes.util
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

import bpfload
import ctutil

UNIT_NAME = 'bpf-metrics-exporter.service'
UNIT = ctutil.contrib('systemd', UNIT_NAME)
SOCKET_NAME = 'bpf-metrics-exporter.socket'
SOCKET = ctutil.contrib('systemd', SOCKET_NAME)
INSTALLED = '/usr/local/sbin/bpf-metrics-exporter'	# the Makefile's sed rewrites it
ENV_FILE = '/etc/default/bpf-metrics-exporter'

# The capabilities the unit grants; each must be one the exporter keeps.
CAPS = {'CAP_SYS_ADMIN', 'CAP_AUDIT_READ', 'CAP_AUDIT_CONTROL', 'CAP_SYS_PTRACE'}
CAP_BITS = {'CAP_SYS_PTRACE': 19, 'CAP_SYS_ADMIN': 21, 'CAP_AUDIT_CONTROL': 30, 'CAP_AUDIT_READ': 37}

# `systemd-analyze security` gives 2.1 with systemd 252 (Debian 12; 1.8
# before CAP_SYS_PTRACE, for the holders); any new exposure (a capability, an
# address family, a dropped protection) goes past this.
MAX_EXPOSURE = 2.2

# What it still flags, and why the exporter cannot do without.
EXPECTED_EXPOSURES = {
    'PrivateNetwork=',				# audit multicast: host netns only
    'PrivateUsers=',				# capabilities must count in the init userns
    'CapabilityBoundingSet=~CAP_SYS_ADMIN',	# listing BPF objects
    'CapabilityBoundingSet=~CAP_AUDIT_*',	# audit subscription and status
    'CapabilityBoundingSet=~CAP_SYS_PTRACE',	# other processes' fds: the holders
    'AmbientCapabilities=',			# how a non-root user gets those
    'SystemCallFilter=~@privileged',		# bpf(2), capset(2)
    'RestrictAddressFamilies=~AF_(INET|INET6)',	# the HTTP server
    'RestrictAddressFamilies=~AF_NETLINK',	# the audit socket
    'RestrictAddressFamilies=~AF_UNIX',		# name lookups (nscd, resolved)
    'IPAddressDeny=',				# who scrapes it is the operator's choice
    'RootDirectory=/RootImage=',		# runs the installed binary in place
    'DeviceAllow=',				# char-rtc:r, which ProtectClock= adds
    'ProcSubset=',				# kernel.bpf_stats_enabled is in /proc/sys
}

# Deny lists systemd adds on top of SystemCallFilter= for these settings.
IMPLIED_DENY = {
    'PrivateDevices': ['@raw-io'],
    'ProtectKernelModules': ['@module'],
    'ProtectKernelLogs': ['syslog'],
    'ProtectKernelTunables': ['_sysctl'],
    'ProtectClock': ['@clock'],
    'ProtectHostname': ['sethostname', 'setdomainname'],
}

AF = {'AF_UNIX': 1, 'AF_INET': 2, 'AF_INET6': 10, 'AF_NETLINK': 16}
NOBODY = 65534


def settings(text):
    """The unit's assignments as (section, key, value), in file order."""
    out, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('['):
            section = line.strip('[]')
            continue
        key, _, value = line.partition('=')
        out.append((section, key.strip(), value.strip()))
    return out


def values(unit, key, section='Service'):
    return [v for s, k, v in unit if s == section and k == key]


def one(unit, key, section='Service'):
    v = values(unit, key, section)
    if len(v) != 1:
        raise AssertionError(f'{key}= is set {len(v)} times, expected once')
    return v[0]


def unit_copy(tmpdir):
    """The unit, with ExecStart= pointing at the built binary (verify wants it to exist)."""
    with open(UNIT, encoding='utf-8') as f:
        text = f.read()
    copy, n = re.subn(r'^ExecStart=' + re.escape(INSTALLED) + r'(?= |$)',
                      'ExecStart=' + ctutil.binary(), text, flags=re.M)
    if n != 1:
        raise AssertionError(f'no line "ExecStart={INSTALLED} ..." in {UNIT}')
    path = os.path.join(tmpdir, UNIT_NAME)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(copy)
    return path


def syscall_groups():
    """systemd-analyze's system call groups: name -> members (@groups included)."""
    groups, cur = {}, None
    out = ctutil.run([ctutil.need_tool('systemd-analyze', 'systemd'), 'syscall-filter',
                      '--no-pager']).stdout
    for line in out.splitlines():
        if line.startswith('@'):
            cur = groups.setdefault(line.split()[0], [])
        elif line.startswith('    ') and cur is not None and not line.strip().startswith('#'):
            cur.append(line.split()[0])
    if '@system-service' not in groups:
        raise AssertionError('systemd-analyze syscall-filter lists no @system-service')
    return groups


def expand(names, groups):
    out = set()
    for n in names:
        if n.startswith('@'):
            if n not in groups:
                raise AssertionError(f'unknown system call group {n}')
            out |= expand(groups[n], groups)
        else:
            out.add(n)
    return out


def allowed_syscalls(unit, groups):
    """The system calls the unit lets through, applying SystemCallFilter= lines in
    order (the first is an allow list; later ones add, or remove with ~) and the
    deny lists the Protect*= settings imply."""
    filters = values(unit, 'SystemCallFilter')
    if not filters or filters[0].startswith('~'):
        raise AssertionError('SystemCallFilter= should start with an allow list')
    allowed = set()
    for f in filters:
        if f.startswith('~'):
            allowed -= expand(f[1:].split(), groups)
        else:
            allowed |= expand(f.split(), groups)
    for key, deny in IMPLIED_DENY.items():
        if values(unit, key)[-1:] == ['yes']:
            allowed -= expand(deny, groups)
    return allowed


def families(unit):
    names = one(unit, 'RestrictAddressFamilies').split()
    unknown = [n for n in names if n not in AF]
    if unknown:
        raise AssertionError(f'add {unknown} to AF in this test')
    return [AF[n] for n in names]


def setpriv_argv(caps):
    """setpriv as systemd runs the unit: non-root, only caps, no_new_privs."""
    c = ','.join('+' + n[4:].lower() for n in sorted(caps))
    return [ctutil.need_tool('setpriv', 'util-linux'), f'--reuid={NOBODY}', f'--regid={NOBODY}',
            '--clear-groups', f'--inh-caps=-all,{c}', f'--ambient-caps={c}',
            f'--bounding-set=-all,{c}', '--no-new-privs']


def systemd_rlimit():
    """A soft limit of 1024 open files, systemd's default, so the exporter raises it."""
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


def load_prog(name):
    """Load `r0 = 0; exit` as socket filter name; returns its fd."""
    return bpfload.prog_load(bpfload.PROG_SOCKET_FILTER, name.encode())


STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled'


def write_file(path, text):
    with open(path, 'w') as f:
        f.write(text)


def get(url, headers=None):
    """(status, body) of a GET; error statuses are answers too."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def scrape_all(url):
    """Every endpoint and format, as Prometheus and people would ask."""
    for _ in range(3):
        get(url + '/metrics')
        get(url + '/metrics', {'Accept': 'application/openmetrics-text;version=1.0.0'})
        get(url + '/metrics', {'Accept-Encoding': 'gzip'})
        get(url + '/events')
        get(url + '/events?limit=1&op=LOAD')
        get(url + '/events?limit=0')
        get(url + '/')
        get(url + '/nope')


def metric(text, name):
    m = re.search(r'^' + re.escape(name) + r' (\S+)$', text, re.M)
    return float(m.group(1)) if m else None


# Runs as the sandboxed user, then execs the exporter: loads the unit's
# SystemCallFilter= (allow list, EPERM otherwise) and, as a second filter,
# what RestrictAddressFamilies=, MemoryDenyWriteExecute= and
# RestrictNamespaces= add, the way systemd builds them.
SECCOMP_PY = r'''
import ctypes, errno, os, sys
lib = ctypes.CDLL(sys.argv[1], use_errno=True)
allowed, argv = sys.argv[2].split(','), sys.argv[4:]
fams = {int(f) for f in sys.argv[3].split(',')}
class Cmp(ctypes.Structure):
    _fields_ = [('arg', ctypes.c_uint), ('op', ctypes.c_int),
                ('a', ctypes.c_uint64), ('b', ctypes.c_uint64)]
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                       ctypes.c_uint, ctypes.POINTER(Cmp)]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
ALLOW, EQ, GE, MASKED_EQ = 0x7fff0000, 4, 5, 7
def ERRNO(e): return 0x00050000 | e
def rule(ctx, action, name, *cmps):
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr == -1:
        return
    arr = (Cmp * len(cmps))(*[Cmp(*c) for c in cmps]) if cmps else None
    rc = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
    if rc and nr >= 0:
        sys.exit(f'seccomp rule for {name}: {os.strerror(-rc)}')
allow = lib.seccomp_init(ERRNO(errno.EPERM))
for name in allowed:
    rule(allow, ALLOW, name)
deny = lib.seccomp_init(ALLOW)
for f in range(64):
    if f not in fams:
        rule(deny, ERRNO(errno.EAFNOSUPPORT), 'socket', (0, EQ, f, 0))
rule(deny, ERRNO(errno.EAFNOSUPPORT), 'socket', (0, GE, 64, 0))
WX, X = 0x2 | 0x4, 0x4
rule(deny, ERRNO(errno.EPERM), 'mmap', (2, MASKED_EQ, WX, WX))
rule(deny, ERRNO(errno.EPERM), 'mprotect', (2, MASKED_EQ, X, X))
rule(deny, ERRNO(errno.EPERM), 'pkey_mprotect', (2, MASKED_EQ, X, X))
rule(deny, ERRNO(errno.EPERM), 'shmat', (2, MASKED_EQ, 0o100000, 0o100000))
rule(deny, ERRNO(errno.ENOSYS), 'clone3')
rule(deny, ERRNO(errno.EPERM), 'unshare')
rule(deny, ERRNO(errno.EPERM), 'setns')
for flag in (0x20000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
    rule(deny, ERRNO(errno.EPERM), 'clone', (0, MASKED_EQ, flag, flag))
for ctx in (deny, allow):	# the allow list blocks seccomp(2) itself: last
    rc = lib.seccomp_load(ctx)
    if rc:
        sys.exit(f'seccomp_load: {os.strerror(-rc)}')
os.execv(argv[0], argv)
'''

# Runs as root in a new mount namespace, then execs "$@" (setpriv ...).
# Built with SANITIZE=address, LeakSanitizer's exit-time check needs ptrace,
# which strace (already tracing) and the unit's filter refuse: it would turn a
# clean exit into status 1.  Leaks are the business of the other suites.
NO_LSAN = {'ASAN_OPTIONS': 'detect_leaks=0'}

SANDBOX_SH = r'''
# ProtectSystem=strict, ProtectKernelTunables=, ProtectControlGroups=
for m in $(awk '{ print $5 }' /proc/self/mountinfo | sort -u); do
	mount -n -o remount,bind,ro "$m" 2>/dev/null || :
done
# ProtectProc=invisible, and ProcSubset=pid where the unit says so ($PROC_SUBSET)
mount -n -t proc -o nosuid,nodev,noexec,hidepid=invisible$PROC_SUBSET proc /proc
# PrivateTmp=
mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
[ ! -d /var/tmp ] || mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
# PrivateDevices=: only the pseudo-devices
mkdir /tmp/.dev
mount -n -t tmpfs -o mode=755,nosuid,noexec tmpfs /tmp/.dev
for d in null zero full random urandom tty; do
	touch /tmp/.dev/$d
	mount -n --bind /dev/$d /tmp/.dev/$d
done
mount -n --move /tmp/.dev /dev
# ProtectHome=yes
for d in $MASK; do
	[ ! -d "$d" ] || mount -n -t tmpfs -o ro,mode=755 tmpfs "$d"
done
exec "$@"
'''


class TestSystemdUnit(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(UNIT, encoding='utf-8') as f:
            cls.unit = settings(f.read())

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='bpfme-systemd-')
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def test_verify_is_clean(self):
        analyze = ctutil.need_tool('systemd-analyze', 'systemd')
        copy = unit_copy(self.tmp)
        # Documentation=man:bpf-metrics-exporter(8) must resolve: the repo's page.
        man8 = os.path.join(self.tmp, 'man', 'man8')
        os.makedirs(man8)
        os.symlink(os.path.join(ctutil.REPO, 'man', 'bpf-metrics-exporter.8'),
                   os.path.join(man8, 'bpf-metrics-exporter.8'))
        env = dict(os.environ, MANPATH=os.path.join(self.tmp, 'man'))
        p = ctutil.run([analyze, 'verify', '--recursive-errors=no', copy],
                       check=False, env=env, cwd=self.tmp)
        said = [l for l in (p.stdout + p.stderr).splitlines() if 'bpf-metrics-exporter' in l]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(said, [], 'systemd-analyze verify complains about the unit')

    def test_security_exposure(self):
        analyze = ctutil.need_tool('systemd-analyze', 'systemd')
        copy = unit_copy(self.tmp)
        argv = [analyze, 'security', '--no-pager', '--offline=true']
        p = ctutil.run([*argv, copy], check=False)
        m = re.search(r'Overall exposure level for \S+: (\d+\.\d+)', p.stdout)
        self.assertIsNotNone(m, p.stdout + p.stderr)
        score = float(m.group(1))
        items = json.loads(ctutil.run([*argv, '--json=short', copy]).stdout)
        exposed = sorted(((float(i['exposure']), i['name']) for i in items
                          if not i['set'] and i['exposure']), reverse=True)
        self.assertIn('PrivateNetwork=', {n for _, n in exposed})	# the parse worked
        print(f'\nsystemd-analyze security: {score} (at most {MAX_EXPOSURE}); exposed: '
              + ', '.join(f'{n} {v}' for v, n in exposed), file=sys.stderr)
        self.assertLessEqual(score, MAX_EXPOSURE, p.stdout)
        self.assertLessEqual({n for _, n in exposed}, EXPECTED_EXPOSURES,
                             'new exposures')

    def test_capabilities_and_key_settings(self):
        u = self.unit
        for key in ('CapabilityBoundingSet', 'AmbientCapabilities'):
            self.assertEqual(set(one(u, key).split()), CAPS, key)
        # Each is one the exporter keeps after start-up (src/main.c keep_caps).
        with open(os.path.join(ctutil.REPO, 'src', 'main.c'), encoding='utf-8') as f:
            keep = re.search(r'keep_caps\[\]\s*=\s*\{([^}]*)\}', f.read())
        self.assertIsNotNone(keep, 'keep_caps[] not found in src/main.c')
        self.assertLessEqual(CAPS, {c.strip() for c in keep.group(1).split(',')})

        self.assertEqual(one(u, 'NoNewPrivileges'), 'yes')
        self.assertEqual(one(u, 'ProtectSystem'), 'strict')
        self.assertTrue(values(u, 'DynamicUser')[-1:] == ['yes'] or
                        values(u, 'User')[-1:] not in ([], ['root'], ['0']), 'runs as root')
        self.assertIn('AF_NETLINK', one(u, 'RestrictAddressFamilies').split())
        self.assertIn('bpf', ' '.join(values(u, 'SystemCallFilter')).split())
        self.assertIn('bpf', allowed_syscalls(u, syscall_groups()))
        self.assertEqual(one(u, 'SystemCallErrorNumber'), 'EPERM')
        # The audit multicast and audit status need the host's namespaces.
        for key in ('PrivateNetwork', 'PrivateUsers', 'PrivatePIDs'):
            self.assertIn(values(u, key), ([], ['no']), key)
        self.assertEqual(one(u, 'Type'), 'simple')
        self.assertEqual(one(u, 'EnvironmentFile'), '-' + ENV_FILE)
        self.assertEqual(one(u, 'ExecStart'), INSTALLED + ' $BPFME_ARGS')
        self.assertEqual(one(u, 'WantedBy', 'Install'), 'multi-user.target')
        self.assertEqual(one(u, 'Documentation', 'Unit'), 'man:bpf-metrics-exporter(8)')

    def test_strace_syscalls_within_filter(self):
        ctutil.need_root()
        strace = ctutil.need_tool('strace', 'strace')
        exe = ctutil.binary()
        allowed = allowed_syscalls(self.unit, syscall_groups())
        prog = load_prog('sdt_strace')
        self.addCleanup(os.close, prog)
        trace = os.path.join(self.tmp, 'strace.out')
        log = os.path.join(self.tmp, 'exporter.log')
        port = ctutil.free_port()
        url = f'http://127.0.0.1:{port}'
        argv = [strace, '-f', '-qq', '-o', trace, *setpriv_argv(CAPS), exe,
                f'--web.listen-address=127.0.0.1:{port}', '--log.level=debug']
        with ctutil.process(argv, 'strace', log, env={**os.environ, **NO_LSAN},
                            preexec_fn=systemd_rlimit) as p:
            ctutil.wait_listening(url, p, log)
            os.close(load_prog('sdt_strace2'))	# a LOAD and an UNLOAD to read
            scrape_all(url)
            with open(f'/proc/{p.pid}/task/{p.pid}/children') as f:
                child = int(f.read().split()[0])
            self.assertEqual(os.readlink(f'/proc/{child}/exe'), exe)
            os.kill(child, signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0, 'exit status after SIGTERM')

        used, sockets, wx = set(), set(), []
        started = raised = False
        with open(trace) as f:
            for line in f:
                if not started:		# setpriv's own calls come before the filter
                    started = re.match(r'\d+\s+execve\("' + re.escape(exe) + r'".* = 0$', line)
                    if not started:
                        continue
                m = re.match(r'\d+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()', line)
                if not m:
                    continue
                name = m.group(1) or m.group(2)
                used.add(name)
                s = re.match(r'\d+\s+socket\((\w+),', line)
                if s:
                    sockets.add(s.group(1))
                if re.match(r'\d+\s+prlimit64\(0, RLIMIT_NOFILE, \{', line):
                    raised = True
                if re.match(r'\d+\s+(mmap\(.*PROT_WRITE\|PROT_EXEC|(pkey_)?mprotect\(.*PROT_EXEC)',
                            line):
                    wx.append(line.strip())
        self.assertTrue(started, f'no execve of {exe} in {trace}')
        self.assertIn('bpf', used)
        self.assertTrue(raised, 'the open-file limit was not raised from systemd\'s 1024')
        print(f'\nsystem calls made ({len(used)}): {" ".join(sorted(used))}', file=sys.stderr)
        self.assertEqual(sorted(used - allowed), [],
                         'system calls outside the unit\'s SystemCallFilter=')
        self.assertLessEqual(sockets, set(one(self.unit, 'RestrictAddressFamilies').split()))
        self.assertEqual(wx, [], 'MemoryDenyWriteExecute= would refuse these')

    def test_runs_in_emulated_sandbox(self):
        ctutil.need_root()
        unshare = ctutil.need_tool('unshare', 'util-linux')
        # the unit does not pass --audit.enable: have the kernel's audit on
        ctutil.kernel_audit_on()
        libseccomp = ctypes.util.find_library('seccomp')
        if not libseccomp:
            ctutil.cannot('libseccomp not found; `make check` installs it (libseccomp2, with systemd)')
        exe = ctutil.binary()
        if exe.startswith(('/tmp/', '/var/tmp/')):
            # PrivateTmp= would hide it (a clone under /tmp): run a copy from /run
            d = tempfile.mkdtemp(prefix='bpfme-sandbox-', dir='/run')
            self.addCleanup(shutil.rmtree, d)
            os.chmod(d, 0o755)
            exe = shutil.copy2(exe, os.path.join(d, os.path.basename(exe)))
        allowed = allowed_syscalls(self.unit, syscall_groups())
        fams = families(self.unit)
        prog = load_prog('sdt_sandbox')
        self.addCleanup(os.close, prog)
        # ProtectHome= hides these, unless the binary or python live there.
        mask = [d for d in ('/home', '/root', '/run/user')
                if not any(x.startswith(d + '/') for x in (exe, sys.executable))]
        log = os.path.join(self.tmp, 'exporter.log')
        port = ctutil.free_port()
        url = f'http://127.0.0.1:{port}'
        argv = [unshare, '--mount', '--propagation', 'private', '--',
                '/bin/sh', '-euc', SANDBOX_SH, 'sandbox',
                *setpriv_argv(CAPS), sys.executable, '-I', '-c', SECCOMP_PY,
                libseccomp, ','.join(sorted(allowed)), ','.join(map(str, fams)),
                exe, f'--web.listen-address=127.0.0.1:{port}', '--events.capacity=1000000']
        subset = (values(self.unit, 'ProcSubset') or ['all'])[-1]
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8',
               'MASK': ' '.join(mask), 'PROC_SUBSET': ',subset=pid' if subset == 'pid' else '',
               **NO_LSAN}
        # The kernel counting BPF runs while the sandboxed exporter is asked:
        # what it reads of the sysctl must be what root reads.
        with open(STATS_SYSCTL) as f:
            stats_before = f.read().strip()
        self.addCleanup(write_file, STATS_SYSCTL, stats_before)
        write_file(STATS_SYSCTL, '1')
        with ctutil.process(argv, 'sandboxed exporter', log, env=env,
                            preexec_fn=systemd_rlimit) as p:
            ctutil.wait_listening(url, p, log)
            self.assertEqual(os.readlink(f'/proc/{p.pid}/exe'), exe)
            with open(f'/proc/{p.pid}/status') as f:
                st = dict(l.split(':', 1) for l in f.read().splitlines())
            mask_caps = sum(1 << CAP_BITS[c] for c in CAPS)
            self.assertEqual(st['Uid'].split(), [str(NOBODY)] * 4)
            for key in ('CapEff', 'CapPrm'):
                self.assertEqual(int(st[key], 16), mask_caps, key)
            self.assertEqual(int(st['CapAmb'], 16), 0, 'ambient set cleared after start-up')
            self.assertEqual(st['NoNewPrivs'].strip(), '1')
            self.assertEqual(st['Seccomp'].strip(), '2')
            self.assertEqual(st['Seccomp_filters'].strip(), '2')
            # The exporter sees the emulated mounts: read-only /, /proc as the unit has it.
            with open(f'/proc/{p.pid}/mountinfo') as f:
                mounts = {l.split()[4]: l for l in f.read().splitlines()}
            self.assertTrue(mounts['/'].split()[5].startswith('ro'), mounts['/'])
            self.assertEqual('subset=pid' in mounts['/proc'], subset == 'pid', mounts['/proc'])
            self.assertIn('tmpfs', mounts['/dev'])

            status, body = get(url + '/metrics')
            text = body.decode()
            self.assertEqual(status, 200, text)
            self.assertRegex(text, r'(?m)^bpf_program_info\{[^}]*name="sdt_sandbox"')
            # memlock comes from /proc/self/fdinfo: readable under ProcSubset=pid
            mem = re.search(r'(?m)^bpf_program_mem_bytes_total\{[^}]*name="sdt_sandbox"'
                            r'[^}]*\} (\d+)', text)
            self.assertTrue(mem and int(mem.group(1)) > 0, 'memlock of sdt_sandbox is 0 or absent')
            self.assertEqual(metric(text, 'bpf_audit_listener_up'), 1, 'bpf_audit_listener_up')
            self.assertIn(metric(text, 'bpf_audit_kernel_enabled'), (1, 2),
                          'kernel audit must be on (auditctl -e 1)')
            # the sysctl as root reads it (ProcSubset=pid hid it: 0 while the kernel counted)
            self.assertEqual(metric(text, 'bpf_stats_enabled'), 1, 'bpf_stats_enabled in the sandbox')

            # The audit reader works in the sandbox: a LOAD made now reaches
            # /events, with the name the exporter looked up through bpf(2).
            self.addCleanup(os.close, load_prog('sdt_sandbox_ev'))

            def seen():
                events = json.loads(get(url + '/events?op=LOAD')[1])
                return any(e['prog_name'] == 'sdt_sandbox_ev' for e in events)
            ctutil.wait_until('the LOAD of sdt_sandbox_ev in /events', seen, timeout=20)
            scrape_all(url)
            self.assertIsNone(p.poll(), 'the exporter died while being scraped')
            p.terminate()
            self.assertEqual(p.wait(timeout=15), 0, 'exit status after SIGTERM')

        with open(log) as f:
            lines = f.read().splitlines()
        bad = [l for l in lines if re.search(r'level=(warn|error)', l)
               and 'audit socket overflowed' not in l]
        self.assertEqual(bad, [], 'warnings in the sandbox')
        self.assertTrue(any('msg="shutting down"' in l for l in lines), lines[-5:])


class TestSystemdSocket(unittest.TestCase):
    """The optional socket unit, and the exporter run as it would run it."""

    @classmethod
    def setUpClass(cls):
        with open(SOCKET, encoding='utf-8') as f:
            cls.socket = settings(f.read())

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='bpfme-systemd-')
        self.tmp = self._tmp.name
        self.addCleanup(self._tmp.cleanup)

    def verify(self, *units):
        analyze = ctutil.need_tool('systemd-analyze', 'systemd')
        man8 = os.path.join(self.tmp, 'man', 'man8')
        os.makedirs(man8, exist_ok=True)
        link = os.path.join(man8, 'bpf-metrics-exporter.8')
        if not os.path.exists(link):
            os.symlink(os.path.join(ctutil.REPO, 'man', 'bpf-metrics-exporter.8'), link)
        env = dict(os.environ, MANPATH=os.path.join(self.tmp, 'man'))
        return ctutil.run([analyze, 'verify', '--recursive-errors=no', *units],
                          check=False, env=env, cwd=self.tmp)

    def test_verify_is_clean(self):
        service = unit_copy(self.tmp)
        socket_ = shutil.copy(SOCKET, os.path.join(self.tmp, SOCKET_NAME))
        p = self.verify(socket_, service)
        said = [l for l in (p.stdout + p.stderr).splitlines() if 'bpf-metrics-exporter' in l]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(said, [], 'systemd-analyze verify complains about the units')
        # and verify would notice a socket without its service (the check can fail)
        os.unlink(service)
        p = self.verify(socket_)
        self.assertNotEqual(p.returncode, 0, 'verify passed a socket unit without its service')

    def test_settings(self):
        u = self.socket
        self.assertEqual(values(u, 'ListenStream', 'Socket'), ['9435'])	# as :9435
        self.assertIn(values(u, 'Accept', 'Socket'), ([], ['no']))	# one exporter, many connections
        self.assertEqual(values(u, 'Service', 'Socket'), [])		# the service of the same name
        self.assertEqual(one(u, 'WantedBy', 'Install'), 'sockets.target')
        self.assertEqual(one(u, 'Documentation', 'Unit'), 'man:bpf-metrics-exporter(8)')
        # the default port is the exporter's
        with open(os.path.join(ctutil.REPO, 'src', 'flags.h'), encoding='utf-8') as f:
            self.assertIn('#define FLAGS_DEFAULT_LISTEN ":9435"', f.read())
        # how to use it is written where operators look
        with open(SOCKET, encoding='utf-8') as f:
            self.assertIn('--web.systemd-socket', f.read())

    def test_socket_activation(self):
        """systemd-socket-activate binds, then execs the exporter with the socket at fd 3."""
        ctutil.need_root()
        activate = ctutil.need_tool('systemd-socket-activate', 'systemd')
        exe = ctutil.binary()
        port = ctutil.free_port()
        url = f'http://127.0.0.1:{port}'
        log = os.path.join(self.tmp, 'exporter.log')
        argv = [activate, '-l', f'127.0.0.1:{port}', exe, '--web.systemd-socket']
        with ctutil.process(argv, 'socket-activated exporter', log,
                            env={**os.environ, **NO_LSAN}) as p:
            # the first request waits in the socket's backlog while the exporter starts
            ctutil.wait_listening(url, p, log)
            self.assertEqual(os.readlink(f'/proc/{p.pid}/exe'), exe)
            status, body = get(url + '/metrics', {'Accept': 'application/openmetrics-text'})
            self.assertEqual(status, 200, body)
            self.assertTrue(body.endswith(b'# EOF\n'))
            # it serves fd 3 from systemd and opened no listening socket of its own
            self.assertTrue(os.readlink(f'/proc/{p.pid}/fd/3').startswith('socket:'))
            p.terminate()
            self.assertEqual(p.wait(timeout=15), 0, 'exit status after SIGTERM')
        with open(log, encoding='utf-8') as f:
            text = f.read()
        self.assertRegex(text, r'msg=listening address=127\.0\.0\.1:%d .*socket=systemd' % port)

    def test_without_a_socket(self):
        """--web.systemd-socket with nothing passed: exit 1 with one line saying so."""
        ctutil.need_root()
        env = {k: v for k, v in os.environ.items() if not k.startswith('LISTEN_')}
        p = ctutil.run([ctutil.binary(), '--web.systemd-socket'], check=False,
                       env={**env, **NO_LSAN})
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn('systemd passed no socket', p.stderr)


if __name__ == '__main__':
    unittest.main()
