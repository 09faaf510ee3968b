# SPDX-License-Identifier: Apache-2.0
"""The landing page in a real browser: Debian's chromium, headless, driven
over the DevTools protocol (cdp.py).  The rendered page must show the
exporter's version, the number of programs /metrics has, and a LOAD this
test makes appearing in its live table (EventSource) within 2 s.  Needs
root (real BPF objects, kernel audit); CI=true forbids skipping.
"""
import ctypes
import os
import re
import struct
import tempfile
import time
import unittest

import bpfload
import cdp
import ctutil

BPF_OBJ_GET_INFO_BY_FD = 15


def prog_id(fd):
    """The kernel's id of the program behind fd (bpf_prog_info.id)."""
    info = ctypes.create_string_buffer(16)
    bpfload.bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack('<IIQ', fd, 16, ctypes.addressof(info)))
    return struct.unpack_from('<II', info.raw)[1]


class LandingPageTest(unittest.TestCase):
    def setUp(self):
        ctutil.need_root()
        self.chromium = ctutil.need_tool('chromium', 'chromium')
        ctutil.kernel_audit_on()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_page_in_browser(self):
        version = ctutil.run([ctutil.binary(), '--version']).stdout.splitlines()[0].split()[-1]
        with ctutil.exporter(self.tmp.name) as url:
            browser = cdp.Chromium(self.chromium, self.tmp.name)
            try:
                metrics = ctutil.http_get(url + '/metrics')
                programs = len(re.findall(r'^bpf_program_info\{', metrics, re.M))
                browser.navigate(url + '/')
                text = browser.evaluate('document.body.innerText')
                self.assertIn(f'Version {version}', text)
                self.assertEqual(browser.evaluate("document.getElementById('programs').textContent"),
                                 str(programs), text)
                word = 'program' if programs == 1 else 'programs'
                self.assertRegex(text, rf'\b{programs} {word}\b')
                self.assertRegex(text, r'As of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d')
                ctutil.wait_until('the page to follow /events', lambda: browser.evaluate(
                    "document.getElementById('events').getAttribute('data-live')") == 'open',
                    timeout=5, step=0.05)

                fd = bpfload.prog_load(bpfload.PROG_SOCKET_FILTER, b'landing_live')
                try:
                    pid = prog_id(fd)
                    start = time.monotonic()
                    live = "Array.from(document.querySelectorAll('#events tr.live'))" \
                           ".map(r => r.cells[3].textContent + ' ' + r.cells[2].textContent)"
                    while f'{pid} LOAD' not in browser.evaluate(live):
                        self.assertLess(time.monotonic() - start, 2.0,
                                        f'no LOAD of program {pid} in the live table after 2 s:\n'
                                        + browser.evaluate('document.body.innerText'))
                        time.sleep(0.05)
                    # as the browser shows it: a row of text (escaped data, not markup)
                    rows = browser.evaluate("document.querySelector('#events tbody').innerText")
                    self.assertRegex(rows, rf'\tLOAD\t{pid}\t(landing_live|\u2014)\t', rows)
                    # the state's event ring follows: its newest seq is the newest row's
                    seq = browser.evaluate("document.querySelector('#events tbody tr').cells[0].textContent")
                    self.assertEqual(browser.evaluate("document.getElementById('newest').textContent"), seq)
                    fill = int(browser.evaluate("document.getElementById('fill').textContent"))
                    cap = int(browser.evaluate("document.getElementById('fill').getAttribute('data-capacity')"))
                    self.assertEqual(fill, min(int(seq), cap))
                finally:
                    os.close(fd)
            finally:
                browser.close()

    def test_doc_in_browser(self):
        """/doc as the browser renders it, from the landing page's links: the
        page's own style applies under its Content-Security-Policy (a hash
        that does not match leaves the browser's serif default), and every
        anchor the landing page links is an element of the page."""
        with ctutil.exporter(self.tmp.name) as url:
            browser = cdp.Chromium(self.chromium, self.tmp.name)
            try:
                browser.navigate(url + '/')
                links = browser.evaluate("Array.from(document.querySelectorAll('a'))"
                                         ".map(a => a.getAttribute('href'))"
                                         ".filter(h => h.startsWith('/doc'))")
                self.assertIn('/doc', links)
                anchors = [h.split('#', 1)[1] for h in links if '#' in h]
                self.assertGreaterEqual(len(anchors), 4, links)
                browser.navigate(url + '/doc#' + anchors[0])
                self.assertEqual(browser.evaluate('document.title'), 'bpf-metrics-exporter(8)')
                self.assertEqual(browser.evaluate('getComputedStyle(document.body).fontFamily'),
                                 'sans-serif', 'the style of /doc does not apply (its CSP hash?)')
                self.assertGreater(browser.evaluate("document.querySelector('style').sheet"
                                                    ".cssRules.length"), 0)
                for a in anchors:
                    self.assertTrue(browser.evaluate(f'document.getElementById({a!r}) !== null'),
                                    f'/doc has no element id="{a}"')
                text = browser.evaluate('document.body.innerText')
                self.assertIn('--web.listen-address', text)
                self.assertIn('bpf_program_info', text)
            finally:
                browser.close()


if __name__ == '__main__':
    unittest.main()
