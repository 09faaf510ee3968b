# SPDX-License-Identifier: Apache-2.0
"""tests/install-deps.sh (the first step of `make run` and `make check`) while apt is busy.

Another process holds dpkg's frontend lock the way apt and dpkg take it (an
fcntl record lock), as unattended-upgrades does at boot.  The script must
wait for it, say what holds it, give up after APT_LOCK_WAIT seconds with a
line saying so, and name the package it could not install.
"""
import fcntl
import multiprocessing
import os
import subprocess
import time
import unittest

import ctutil

SCRIPT = os.path.join(ctutil.REPO, 'tests', 'install-deps.sh')
LOCK = '/var/lib/dpkg/lock-frontend'
NO_SUCH = 'bpfme-no-such-package'


def hold_lock(seconds, ready):
    with open(LOCK, 'w') as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        ready.set()
        time.sleep(seconds)


class InstallDeps(unittest.TestCase):
    def setUp(self):
        ctutil.need_root()
        if not os.path.exists(LOCK):
            ctutil.cannot(f'{LOCK} does not exist: not a Debian machine')

    def holder(self, seconds):
        ready = multiprocessing.Event()
        p = multiprocessing.Process(target=hold_lock, args=(seconds, ready))
        p.start()
        self.addCleanup(p.join)
        self.addCleanup(p.terminate)
        self.assertTrue(ready.wait(10), 'the lock holder did not start')
        return p

    def run_script(self, wait_s, *pkgs):
        env = dict(os.environ, APT_LOCK_WAIT=str(wait_s))
        start = time.monotonic()
        r = subprocess.run(['sh', SCRIPT, *pkgs], env=env, capture_output=True, text=True,
                           timeout=300)
        return r, time.monotonic() - start

    def test_nothing_missing_touches_nothing(self):
        self.holder(30)
        r, took = self.run_script(1, 'dpkg')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        self.assertLess(took, 5)

    def test_gives_up_with_a_reason(self):
        self.holder(30)
        r, took = self.run_script(2, NO_SUCH)
        self.assertEqual(r.returncode, 1)
        self.assertIn('waiting up to 2s for apt\'s locks', r.stderr)
        self.assertIn(f'(pid', r.stderr)
        self.assertIn(f'holds {LOCK}', r.stderr)
        self.assertIn('apt is still busy after 2s', r.stderr)
        self.assertLess(took, 20)

    def test_waits_then_names_the_package(self):
        p = self.holder(3)
        r, took = self.run_script(60, NO_SUCH)
        self.assertFalse(p.is_alive(), 'the script went on while the lock was held')
        self.assertIn(f'holds {LOCK}', r.stderr)
        self.assertGreaterEqual(took, 2.5)
        if 'apt-get update failed' in r.stderr:
            ctutil.cannot('apt-get update failed: the package lists cannot be read here')
        self.assertEqual(r.returncode, 1)
        self.assertIn(f'  {NO_SUCH}: no such package in the configured apt sources', r.stderr)


if __name__ == '__main__':
    unittest.main()
