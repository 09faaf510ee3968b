# SPDX-License-Identifier: Apache-2.0
"""A headless Chromium driven over the DevTools protocol, Python stdlib only.

Chromium(tmpdir) starts `chromium --headless --remote-debugging-port=0` with
a user data directory of its own under tmpdir (removed at close), connects
to its first page over a WebSocket (RFC 6455, client side: masked text
frames out, unmasked frames in) and offers navigate() and evaluate().
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


class WebSocket:
    """The client side of one WebSocket connection: text messages only."""

    def __init__(self, url, timeout=10):
        assert url.startswith('ws://'), url
        hostport, _, path = url[5:].partition('/')
        host, _, port = hostport.partition(':')
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f'GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n'
                           f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n'
                           'Sec-WebSocket-Version: 13\r\n\r\n').encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError('the browser closed the connection during the handshake')
            head += chunk
        if not head.startswith(b'HTTP/1.1 101'):
            raise ConnectionError(f'no WebSocket upgrade: {head!r}')

    def _recv_exact(self, n):
        data = b''
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError('the browser closed the connection')
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        n = len(payload)
        if n < 126:
            head = struct.pack('!BB', 0x81, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack('!BBH', 0x81, 0x80 | 126, n)
        else:
            head = struct.pack('!BBQ', 0x81, 0x80 | 127, n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        """The next whole text message (continuation frames joined)."""
        message = b''
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('!H', self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack('!Q', self._recv_exact(8))[0]
            mask = self._recv_exact(4) if b1 & 0x80 else None
            data = self._recv_exact(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0f
            if opcode == 8:
                raise ConnectionError('the browser closed the WebSocket')
            if opcode in (9, 10):	# ping, pong: nothing to say
                continue
            message += data
            if b0 & 0x80:
                return message.decode()

    def close(self):
        self.sock.close()


class Chromium:
    def __init__(self, binary, tmpdir):
        self.profile = tempfile.mkdtemp(prefix='chromium-', dir=tmpdir)
        self.log = open(os.path.join(tmpdir, 'chromium.log'), 'w')
        # --no-sandbox: Chromium refuses to run as root with its sandbox
        self.proc = subprocess.Popen(
            [binary, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-extensions', '--disable-background-networking',
             f'--user-data-dir={self.profile}', '--remote-debugging-port=0', 'about:blank'],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.ws = None
        self.next_id = 0
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _read(path):
        try:
            with open(path, encoding='utf-8') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def _connect(self):
        port_file = os.path.join(self.profile, 'DevToolsActivePort')
        end = time.monotonic() + 30
        while not self._read(port_file).strip():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise AssertionError(f'chromium did not start (exit {self.proc.poll()}); '
                                     f'see {self.log.name}')
            time.sleep(0.05)
        time.sleep(0.1)	# the file is written before the port answers
        port = int(self._read(port_file).split()[0])
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10) as r:
            pages = [t for t in json.load(r) if t['type'] == 'page']
        self.ws = WebSocket(pages[0]['webSocketDebuggerUrl'])

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({'id': self.next_id, 'method': method, 'params': params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == self.next_id:
                if 'error' in msg:
                    raise AssertionError(f'{method}: {msg["error"]}')
                return msg.get('result', {})

    def navigate(self, url, timeout=10):
        self.call('Page.navigate', url=url)
        end = time.monotonic() + timeout
        while self.evaluate('document.readyState') != 'complete':
            if time.monotonic() > end:
                raise AssertionError(f'{url} did not load in {timeout} s')
            time.sleep(0.05)

    def evaluate(self, expression):
        r = self.call('Runtime.evaluate', expression=expression, returnByValue=True)
        if 'exceptionDetails' in r:
            raise AssertionError(f'{expression}: {r["exceptionDetails"]}')
        return r['result'].get('value')

    def close(self):
        if self.ws:
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
