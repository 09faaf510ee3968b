# SPDX-License-Identifier: Apache-2.0
"""make install / make uninstall into a temporary DESTDIR."""
import os
import stat
import tempfile
import unittest

import ctutil

BIN = 'bpf-metrics-exporter'


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        out.update(os.path.relpath(os.path.join(d, n), root) for n in names)
    return out


class Install(unittest.TestCase):
    def make(self, target, destdir, *args):
        # -o: use the binary as built (do not rebuild it with other flags)
        return ctutil.run(['make', '--no-print-directory', '-C', ctutil.REPO, '-o', BIN,
                           target, f'DESTDIR={destdir}', *args])

    def check_round_trip(self, prefix, args):
        with tempfile.TemporaryDirectory(prefix='bpfme-destdir-') as dest:
            self.make('install', dest, *args)
            got = files_under(dest)
            p = prefix.lstrip('/')
            share = f'{p}/share/{BIN}'
            want = {f'{p}/sbin/{BIN}', f'{p}/share/man/man8/{BIN}.8',
                    f'{p}/lib/systemd/system/{BIN}.service',
                    f'{p}/lib/systemd/system/{BIN}.socket',
                    f'{share}/metrics-stack.yaml',
                    f'{share}/prometheus/prometheus.yml',
                    f'{share}/prometheus/bpf-metrics-exporter.rules.yml',
                    f'{share}/prometheus/bpf-metrics-exporter.rules.test.yml',
                    f'{share}/grafana/ebpf-subsystem-metrics.json',
                    f'{share}/grafana/provisioning/datasources/bpf-metrics-exporter.yml',
                    f'{share}/grafana/provisioning/dashboards/bpf-metrics-exporter.yml'}
            want |= {f'{share}/kubernetes/{f}' for f in os.listdir(ctutil.contrib('kubernetes'))}
            self.assertEqual(got, want)

            binary = os.path.join(dest, p, 'sbin', BIN)
            self.assertEqual(stat.S_IMODE(os.stat(binary).st_mode), 0o755)
            self.assertIn(BIN, ctutil.run([binary, '--version']).stdout)
            for f in want - {f'{p}/sbin/{BIN}'}:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(dest, f)).st_mode), 0o644, f)
            # contrib files are copies; the unit runs the installed binary
            with open(os.path.join(dest, share, 'grafana/ebpf-subsystem-metrics.json'), encoding='utf-8') as f:
                self.assertEqual(f.read(), ctutil.read('grafana', 'ebpf-subsystem-metrics.json'))
            with open(os.path.join(dest, p, f'lib/systemd/system/{BIN}.service'), encoding='utf-8') as f:
                execs = [ln for ln in f.read().splitlines() if ln.startswith('ExecStart=')]
            self.assertEqual(len(execs), 1)
            self.assertTrue(execs[0].startswith(f'ExecStart={prefix}/sbin/{BIN}'), execs[0])
            with open(os.path.join(dest, p, f'lib/systemd/system/{BIN}.socket'), encoding='utf-8') as f:
                self.assertEqual(f.read(), ctutil.read('systemd', f'{BIN}.socket'))

            self.make('uninstall', dest, *args)
            self.assertEqual(files_under(dest), set())
            self.assertFalse(os.path.exists(os.path.join(dest, share)), 'uninstall leaves the share directory')

    def test_default_prefix(self):
        self.check_round_trip('/usr/local', [])

    def test_prefix_usr(self):
        self.check_round_trip('/usr', ['PREFIX=/usr'])


if __name__ == '__main__':
    unittest.main()
