# SPDX-License-Identifier: Apache-2.0
"""The Debian package (debian/, make deb): build it, lint it, install it on
this machine, run it, purge it and check that nothing is left behind.

`make deb` builds the package from a copy of the tree in build/deb/src (about
a minute: the whole exporter is compiled again with Debian's flags) and runs
lintian on it; an E: line fails.  The package is then installed with apt
(waiting for apt's lock, as another apt may hold it), and started as its
unit starts it: by systemd when this machine runs systemd, else by running
the unit's ExecStart= with the flags of its EnvironmentFile= by hand.  Root
only; under CI=true a missing requirement fails instead of skipping.
"""
import glob
import os
import re
import shlex
import stat
import subprocess
import tempfile
import unittest

import ctutil

PKG = 'bpf-metrics-exporter'
BIN = f'/usr/sbin/{PKG}'
DEFAULT = f'/etc/default/{PKG}'
UNITS = (f'{PKG}.service', f'{PKG}.socket')
UNIT_DIR = '/lib/systemd/system'
OUT = os.path.join(ctutil.REPO, 'build', 'deb')
APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600']
COMM = 'bpfme-debtest'

# make deb runs on its own, not inside the jobserver of the make check above it.
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}


def make_var(name):
    """The value of the Makefile's variable name."""
    p = ctutil.run(['make', '-s', '--no-print-directory', '-C', ctutil.REPO,
                    f'--eval=print-var: ; @echo $({name})', 'print-var'], env=MAKE_ENV)
    return p.stdout.split()


def debian(name):
    with open(os.path.join(ctutil.REPO, 'debian', name), encoding='utf-8') as f:
        return f.read()


def systemd_runs():
    """True when systemd is this machine's init (what the maintainer scripts test)."""
    return os.path.isdir('/run/systemd/system')


def exporter_pids():
    """The processes running the installed binary."""
    pids = []
    for d in glob.glob('/proc/[0-9]*'):
        try:
            exe = os.readlink(os.path.join(d, 'exe'))
        except OSError:
            continue
        if exe in (BIN, BIN + ' (deleted)'):
            pids.append(int(os.path.basename(d)))
    return pids


def unit_links(roots=('/etc/systemd/system',)):
    """Files and symlinks under roots that name one of the package's units."""
    found = []
    for root in roots:
        for d, _, names in os.walk(root):
            found += [os.path.join(d, n) for n in names if n.startswith(PKG)]
    return found


# deb-systemd-helper's record of what it enabled, masked, and the links each
# unit made (UNIT.dsh-also, written on install even for a unit not enabled)
DSH_STATE = ('/var/lib/systemd/deb-systemd-helper-enabled',
             '/var/lib/systemd/deb-systemd-helper-masked')


class Static(unittest.TestCase):
    """debian/ agrees with the Makefile and the unit (no root needed)."""

    def test_version_is_version_base(self):
        first = debian('changelog').splitlines()[0]
        m = re.match(rf'{PKG} \(([^)]+)-(\d+)\) ', first)
        self.assertIsNotNone(m, first)
        self.assertEqual(m.group(1), make_var('VERSION_BASE')[0])

    def test_build_depends_are_deb_build(self):
        control = debian('control')
        m = re.search(r'^Build-Depends:(.*?)^\S', control, re.M | re.S)
        deps = {d.split()[0] for d in m.group(1).split(',') if d.strip()}
        deps.discard('debhelper-compat')
        # gcc and make are build-essential: a package does not name them
        self.assertEqual(deps, set(make_var('DEB_BUILD')) - {'gcc', 'make'})

    def test_unit_reads_the_default_file(self):
        unit = ctutil.read('systemd', f'{PKG}.service')
        self.assertIn(f'\nEnvironmentFile=-{DEFAULT}\n', unit)
        self.assertRegex(unit, r'\nExecStart=\S+ \$BPFME_ARGS\n')
        self.assertRegex(debian(f'{PKG}.default'), r'(?m)^BPFME_ARGS=""$')

    def test_tests_are_not_run_in_the_build(self):
        # override_dh_auto_test with no command: make deb never runs make test
        lines = debian('rules').splitlines()
        i = lines.index('override_dh_auto_test:')
        self.assertFalse(i + 1 < len(lines) and lines[i + 1].startswith('\t'), lines[i + 1])


class Package(unittest.TestCase):
    """make deb, then install, run and purge what it built."""

    @classmethod
    def setUpClass(cls):
        ctutil.need_root()
        for tool, package in (('dpkg-buildpackage', 'dpkg-dev'), ('dh', 'debhelper'),
                              ('lintian', 'lintian'), ('apt-get', 'apt')):
            ctutil.need_tool(tool, package)
        if subprocess.run(['dpkg-query', '-W', '-f=${Status}', PKG], capture_output=True,
                          text=True).stdout.endswith(' installed'):
            ctutil.cannot(f'{PKG} is installed on this machine; the test installs and purges '
                          f'its own: remove it first (apt-get purge {PKG})')
        p = ctutil.run(['make', '--no-print-directory', '-C', ctutil.REPO, 'deb'],
                       timeout=900, check=False, env=MAKE_ENV)
        cls.build_log = p.stdout + p.stderr
        if p.returncode != 0:
            raise AssertionError(f'make deb exited {p.returncode}:\n{cls.build_log[-6000:]}')
        version = debian('changelog').split('(', 1)[1].split(')', 1)[0]
        arch = ctutil.run(['dpkg', '--print-architecture']).stdout.strip()
        cls.version = version
        cls.deb = os.path.join(OUT, f'{PKG}_{version}_{arch}.deb')

    def test_built_where_asked(self):
        self.assertTrue(os.path.isfile(self.deb), self.deb)
        # nothing written beside the repository
        parent = os.path.dirname(ctutil.REPO)
        self.assertEqual(glob.glob(os.path.join(parent, f'{PKG}_*')), [])
        fields = ctutil.run(['dpkg-deb', '-f', self.deb, 'Version', 'Depends']).stdout
        self.assertIn(f'Version: {self.version}', fields)
        self.assertIn('libbpf1', fields)

    def test_lintian_has_no_errors(self):
        tags = [ln for ln in self.build_log.splitlines() if re.match(r'[EWIPXO]: ', ln)]
        self.assertEqual([t for t in tags if t.startswith('E: ')], [], '\n'.join(tags))
        self.assertIn('lintian', self.build_log)

    def test_hardened(self):
        """Built with dpkg-buildflags' hardening=+all."""
        binary = self.extracted_binary()
        dyn = ctutil.run(['readelf', '-d', '-W', binary]).stdout
        self.assertRegex(dyn, r'FLAGS_1.*\bNOW\b')			# -z now
        self.assertRegex(dyn, r'FLAGS_1.*\bPIE\b')			# -pie
        syms = ctutil.run(['readelf', '--dyn-syms', '-W', binary]).stdout
        self.assertIn('__stack_chk_fail', syms)			# -fstack-protector-strong
        self.assertRegex(syms, r'__\w+_chk\b')			# -D_FORTIFY_SOURCE=2
        self.assertIn('GNU_RELRO', ctutil.run(['readelf', '-l', '-W', binary]).stdout)

    def extracted_binary(self):
        d = tempfile.mkdtemp(prefix='bpfme-deb-x-')
        self.addCleanup(lambda: ctutil.run(['rm', '-rf', d]))
        ctutil.run(['dpkg-deb', '-x', self.deb, d])
        return os.path.join(d, BIN.lstrip('/'))

    def test_install_run_purge(self):
        installed = False
        try:
            ctutil.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends',
                        *APT_LOCK_WAIT, self.deb], timeout=700,
                       env={**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'})
            installed = True
            files = self.check_installed()
            self.check_not_started()
            self.run_it()
            ctutil.run(['apt-get', 'purge', '-y', '-q', *APT_LOCK_WAIT, PKG], timeout=700,
                       env={**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'})
            installed = False
            self.check_nothing_left(files)
        finally:
            if installed:
                subprocess.run(['apt-get', 'purge', '-y', '-q', *APT_LOCK_WAIT, PKG],
                               capture_output=True, timeout=700)

    def check_installed(self):
        """The files are where make install (PREFIX=/usr) puts them, plus the
        default flags; returns the package's files."""
        status = ctutil.run(['dpkg-query', '-W', '-f=${Status} ${Version}', PKG]).stdout
        self.assertEqual(status, f'install ok installed {self.version}')
        listed = ctutil.run(['dpkg', '-L', PKG]).stdout.splitlines()
        files = {f for f in listed if not os.path.isdir(f)}

        with tempfile.TemporaryDirectory(prefix='bpfme-deb-destdir-') as dest:
            ctutil.run(['make', '--no-print-directory', '-C', ctutil.REPO, '-o', PKG, 'install',
                        f'DESTDIR={dest}', 'PREFIX=/usr', f'SYSTEMDUNITDIR={UNIT_DIR}'],
                       env=MAKE_ENV)
            want = set()
            for d, _, names in os.walk(dest):
                want.update('/' + os.path.relpath(os.path.join(d, n), dest) for n in names)
            want = {f + '.gz' if f.startswith('/usr/share/man/') else f for f in want}
            want |= {DEFAULT, f'/usr/share/doc/{PKG}/copyright',
                     f'/usr/share/doc/{PKG}/changelog.Debian.gz',
                     f'/usr/share/lintian/overrides/{PKG}'}
            self.assertEqual(files, want)
            for f in files:
                self.assertTrue(os.path.isfile(f), f)
            # contrib files are copies of the tree's
            for f in files:
                if f.startswith(f'/usr/share/{PKG}/'):
                    with open(f, 'rb') as a, open(dest + f, 'rb') as b:
                        self.assertEqual(a.read(), b.read(), f)

        self.assertEqual(stat.S_IMODE(os.stat(BIN).st_mode), 0o755)
        self.assertIn(make_var('VERSION_BASE')[0], ctutil.run([BIN, '--version']).stdout)
        with open(f'{UNIT_DIR}/{PKG}.service', encoding='utf-8') as f:
            unit = f.read()
        self.assertIn(f'\nExecStart={BIN} $BPFME_ARGS\n', unit)
        self.assertIn(f'\nEnvironmentFile=-{DEFAULT}\n', unit)
        conffiles = ctutil.run(['dpkg-query', '-W', '-f=${Conffiles}', PKG]).stdout
        self.assertIn(DEFAULT, conffiles)
        ctutil.run(['man', '-w', PKG])
        return files

    def check_not_started(self):
        """The decision: installed, neither enabled nor started."""
        self.assertEqual(unit_links(), [])
        self.assertEqual(exporter_pids(), [])
        # deb-systemd-helper made no link for either unit (UNIT.dsh-also lists
        # the links enabling would make)
        self.assertEqual([f for f in unit_links(DSH_STATE) if not f.endswith('.dsh-also')], [])
        if systemd_runs():
            for u in UNITS:
                p = ctutil.run(['systemctl', 'is-enabled', u], check=False)
                self.assertEqual(p.stdout.strip(), 'disabled', u)
                p = ctutil.run(['systemctl', 'is-active', u], check=False)
                self.assertEqual(p.stdout.strip(), 'inactive', u)

    def run_it(self):
        """Configure a loopback port in the default file, as an admin would, start
        it as the unit does and scrape it."""
        port = ctutil.free_port()
        url = f'http://127.0.0.1:{port}'
        with open(DEFAULT, 'a', encoding='utf-8') as f:
            f.write(f'BPFME_ARGS="--web.listen-address=127.0.0.1:{port}"\n')
        if systemd_runs():
            ctutil.run(['systemctl', 'start', UNITS[0]])
            try:
                def up():
                    try:
                        return ctutil.http_get(url + '/')
                    except OSError:
                        return None
                ctutil.wait_until('the service to listen', up, timeout=30)
                pid = ctutil.run(['systemctl', 'show', '-P', 'MainPID', UNITS[0]]).stdout.strip()
                self.assertEqual(os.readlink(f'/proc/{pid}/exe'), BIN)
                self.check_metrics(url)
            finally:
                ctutil.run(['systemctl', 'stop', UNITS[0]])
            return
        # No systemd: what the unit runs, ExecStart= with $BPFME_ARGS from
        # its EnvironmentFile=, as root (the capabilities are test_systemd's).
        with open(f'{UNIT_DIR}/{PKG}.service', encoding='utf-8') as f:
            execstart = re.search(r'(?m)^ExecStart=(.*)$', f.read()).group(1).split()
        self.assertEqual(execstart, [BIN, '$BPFME_ARGS'])
        args = ctutil.run(['sh', '-c', f'set -a; . {DEFAULT}; printf %s "$BPFME_ARGS"']).stdout
        with tempfile.TemporaryDirectory(prefix='bpfme-deb-run-') as tmp:
            log = os.path.join(tmp, 'exporter.log')
            with ctutil.process([BIN, *shlex.split(args)], 'exporter', log) as p:
                ctutil.wait_listening(url, p, log)
                self.assertIn(p.pid, exporter_pids())
                self.check_metrics(url)

    def check_metrics(self, url):
        """/metrics names the installed version and the BPF objects a process holds."""
        with ctutil.bpf_objects(COMM):
            body = ctutil.http_get(url + '/metrics')
        base = make_var('VERSION_BASE')[0]
        self.assertRegex(body, rf'(?m)^bpf_exporter_build_info\{{version="{re.escape(base)}[^"]*"')
        self.assertRegex(body, rf'(?m)^bpf_map_holder_info\{{.*comm="{COMM}".*\}} 1$')

    def check_nothing_left(self, files):
        p = subprocess.run(['dpkg-query', '-W', '-f=${Status}', PKG], capture_output=True, text=True)
        self.assertTrue(p.returncode != 0 or p.stdout.endswith(' not-installed'), p.stdout)
        self.assertEqual([f for f in files if os.path.lexists(f)], [])
        self.assertEqual(glob.glob(DEFAULT + '*'), [])
        for d in (f'/usr/share/{PKG}', f'/usr/share/doc/{PKG}'):
            self.assertFalse(os.path.exists(d), d)
        self.assertEqual(unit_links(('/etc/systemd/system', *DSH_STATE)), [])
        self.assertEqual(ctutil.run(['getent', 'passwd', PKG], check=False).returncode, 2)
        self.assertEqual(exporter_pids(), [])
        if systemd_runs():
            for u in UNITS:
                p = ctutil.run(['systemctl', 'is-active', u], check=False)
                self.assertNotEqual(p.stdout.strip(), 'active', u)


if __name__ == '__main__':
    unittest.main()
