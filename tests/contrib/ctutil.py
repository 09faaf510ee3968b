# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for the contrib/ tests (tests/contrib/test_*.py).

The rules are the C runner's: a test that needs root or a tool this machine
lacks is skipped with a reason, except under CI (CI=true; any value but
"", "false" and "0", as tu_in_ci() in tests/testutil.c), where that is a
failure.  `make check` installs every tool these tests use.
"""
import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CONTRIB = os.path.join(REPO, 'contrib')
IN_CI = os.environ.get('CI', '') not in ('', 'false', '0')


def contrib(*parts):
    """Path of a file under contrib/."""
    return os.path.join(CONTRIB, *parts)


def read(*parts):
    with open(contrib(*parts), encoding='utf-8') as f:
        return f.read()


def cannot(reason):
    """Skip the test with reason; under CI=true fail instead."""
    if IN_CI:
        raise AssertionError(reason + ' (CI=true forbids skipping)')
    raise unittest.SkipTest(reason)


def need_root():
    if os.geteuid() != 0:
        cannot('needs root (real kernel BPF objects); run: sudo make check')


def need_tool(name, package):
    """Path of the program name; skip (fail under CI) when it is missing."""
    path = shutil.which(name)
    if not path:
        cannot(f'{name} not found; `make check` installs the {package} package')
    return path


def binary():
    """The built exporter: $BPFME_BIN (relative to the repository) or ./bpf-metrics-exporter."""
    path = os.path.join(REPO, os.environ.get('BPFME_BIN', 'bpf-metrics-exporter'))
    if not os.access(path, os.X_OK):
        raise AssertionError(f'{path} is missing: build it first (make)')
    return os.path.realpath(path)


def kernel_audit_on():
    """Turn the kernel's audit on (as auditctl -e 1), through libaudit."""
    need_root()
    lib = ctypes.CDLL('libaudit.so.1', use_errno=True)
    fd = lib.audit_open()
    if fd < 0:
        raise AssertionError(f'audit_open: {os.strerror(ctypes.get_errno())}')
    try:
        if lib.audit_set_enabled(fd, 1) < 0:
            raise AssertionError(f'audit_set_enabled: {os.strerror(ctypes.get_errno())}')
    finally:
        lib.audit_close(fd)


@contextlib.contextmanager
def bpf_objects(comm, cgroup=None):
    """Real BPF objects held by a new process named comm (bpfload.py), while in the block;
    the process starts in cgroup (a directory of the cgroup v2 hierarchy) if given."""
    loader = os.path.join(os.path.dirname(__file__), 'bpfload.py')

    def enter_cgroup():
        with open(os.path.join(cgroup, 'cgroup.procs'), 'w') as f:
            f.write('0')
    p = subprocess.Popen([sys.executable, loader, comm], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True,
                         preexec_fn=enter_cgroup if cgroup else None)
    try:
        if p.stdout.readline().strip() != 'ready':
            raise AssertionError(f'bpfload.py exited {p.wait()}')
        yield p
    finally:
        p.stdin.close()
        p.wait(timeout=10)
        p.stdout.close()


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts)."""
    with open('/proc/self/mountinfo', encoding='utf-8') as f:
        for line in f:
            if ' - cgroup2 ' in line:
                return line.split()[4]
    cannot('no cgroup v2 hierarchy is mounted')


# A Kubernetes pod's container as the kubelet (systemd driver) and containerd name it.
POD_UID = '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9'
CONTAINER_ID = 'c0ffee' * 10 + '0123'


@contextlib.contextmanager
def pod_cgroup(parent):
    """A pod's container cgroup under a new cgroup named parent at the v2 root, with the
    names a runtime would use; yields its directory, removes every level afterwards
    (its processes must have exited)."""
    levels = [parent, 'kubepods.slice', 'kubepods-besteffort.slice',
              f"kubepods-besteffort-pod{POD_UID.replace('-', '_')}.slice",
              f'cri-containerd-{CONTAINER_ID}.scope']
    dirs = []
    path = cgroup2_root()
    try:
        for name in levels:
            path = os.path.join(path, name)
            os.mkdir(path)
            dirs.append(path)
        yield path
    finally:
        for d in reversed(dirs):
            try:
                os.rmdir(d)
            except OSError:
                pass


@contextlib.contextmanager
def static_metrics(text):
    """An HTTP server on 127.0.0.1 that answers every GET with text as a Prometheus
    exposition (recorded output of another exporter); yields its host:port."""
    import http.server
    import threading

    body = text.encode('utf-8')

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()


def run(argv, timeout=120, check=True, **kw):
    """Run argv; returns the CompletedProcess (text, both streams captured)."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f'{argv} exited {p.returncode}:\n{p.stdout}\n{p.stderr}')
    return p


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode('utf-8')


def wait_until(what, pred, timeout=30.0, step=0.1):
    """Poll pred() until it returns something true; fail after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f'timed out after {timeout:.0f} s waiting for {what}')
        time.sleep(step)


@contextlib.contextmanager
def process(argv, what, log_path, **kw):
    """Run argv in the background (output to log_path) and stop it at the end."""
    with open(log_path, 'w') as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, **kw)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_listening(url, proc, log_path):
    """Wait until url + '/' answers; fail with the log if proc (the exporter, or
    what runs it) exits first."""
    def up():
        if proc.poll() is not None:
            with open(log_path, encoding='utf-8', errors='replace') as f:
                raise AssertionError(f'exporter exited {proc.returncode}:\n{f.read()}')
        try:
            return http_get(url + '/') is not None
        except OSError:
            return False
    wait_until('the exporter to listen', up, timeout=20)


@contextlib.contextmanager
def exporter(tmpdir, *args):
    """The freshly built exporter on a free loopback port; yields its base URL."""
    need_root()
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    argv = [binary(), f'--web.listen-address=127.0.0.1:{port}', *args]
    with process(argv, 'exporter', os.path.join(tmpdir, 'exporter.log')) as p:
        wait_listening(url, p, os.path.join(tmpdir, 'exporter.log'))
        yield url
