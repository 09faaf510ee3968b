# SPDX-License-Identifier: Apache-2.0
"""Load real BPF objects for the contrib/ tests, then hold them.

python3 bpfload.py COMM: names itself COMM (so audit attributes the loads to
it), creates a hash and an array map, loads three socket filters that use
the hash map, a raw tracepoint program attached through a link, and one
program it closes at once (a LOAD and an UNLOAD).  One of the socket filters
is attached to a UDP socket on 127.0.0.1 that gets a datagram every 20 ms,
so that it runs (for the run statistics, with --bpf.enable-stats).  Prints
"ready" and keeps everything until stdin closes.  Hand-written instructions through bpf(2)
with ctypes: no compiler, no libbpf.  The tests import prog_load() too.
"""
import ctypes
import os
import socket
import struct
import sys
import threading
import time

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = {'x86_64': 321, 'aarch64': 280, 'riscv64': 280}[os.uname().machine]
BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_RAW_TRACEPOINT_OPEN = 0, 5, 17
PROG_SOCKET_FILTER, PROG_RAW_TRACEPOINT = 1, 17
MAP_HASH, MAP_ARRAY = 1, 2
PR_SET_NAME = 15
SO_ATTACH_BPF = 50
ATTR_SIZE = 128


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr.ljust(ATTR_SIZE, b'\0'), ATTR_SIZE)
    fd = libc.syscall(SYS_bpf, cmd, buf, ATTR_SIZE)
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, f'bpf({cmd}): {os.strerror(e)}')
    return fd


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)


def map_create(kind, name, entries):
    return bpf(BPF_MAP_CREATE, struct.pack('<7I16s', kind, 4, 8, entries, 0, 0, 0, name))


def prog_load(kind, name, map_fd=None):
    code = b''
    if map_fd is not None:		# r1 = map (BPF_PSEUDO_MAP_FD): records the map id
        code += insn(0x18, dst=1, src=1, imm=map_fd) + insn(0)
    code += insn(0xb7) + insn(0x95)	# r0 = 0; exit
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b'GPL')
    attr = struct.pack('<IIQQIIQII16s', kind, len(code) // 8, ctypes.addressof(insns),
                       ctypes.addressof(lic), 0, 0, 0, 0, 0, name)
    return bpf(BPF_PROG_LOAD, attr)


def keep_running(prog_fd):
    """Run prog_fd, a socket filter, 50 times a second until the process ends."""
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(('127.0.0.1', 0))
    rx.setsockopt(socket.SOL_SOCKET, SO_ATTACH_BPF, struct.pack('i', prog_fd))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send():
        while True:
            tx.sendto(b'x', rx.getsockname())	# the filter drops it (returns 0): it ran
            time.sleep(0.02)
    threading.Thread(target=send, daemon=True).start()
    return rx, tx


def main():
    comm = sys.argv[1].encode() if len(sys.argv) > 1 else b'bpfme-load'
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(comm), 0, 0, 0)
    fds = [map_create(MAP_HASH, b'dash_hash', 64), map_create(MAP_ARRAY, b'dash_array', 4)]
    fds += [prog_load(PROG_SOCKET_FILTER, b'dash_filter', fds[0]) for _ in range(3)]
    tp = prog_load(PROG_RAW_TRACEPOINT, b'dash_rawtp')
    tp_name = ctypes.create_string_buffer(b'sched_process_exit')
    fds += [tp, bpf(BPF_RAW_TRACEPOINT_OPEN, struct.pack('<QI', ctypes.addressof(tp_name), tp))]
    os.close(prog_load(PROG_SOCKET_FILTER, b'dash_gone'))
    socks = keep_running(fds[2])
    print('ready', flush=True)
    sys.stdin.read()
    for s in socks:
        s.close()


if __name__ == '__main__':
    main()
