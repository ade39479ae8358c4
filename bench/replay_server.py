#!/usr/bin/env python3
"""Replay server for the peer benchmark: a minimal AMI server on loopback.

For each connection, one at a time: it sends the capture's banner, answers a
real login (MD5 `Challenge` + `Login` with `AuthType: MD5` and `Key`, or a
plain `Secret`; a wrong secret gets `Response: Error`), waits a short, fixed
settle time so that every client library has subscribed to its event stream
(some only subscribe after their login call returns), then streams every
event packet of the capture as fast as the client reads. Actions that arrive
meanwhile (Ping, Logoff, ...) are answered between packets. After the last
event it keeps the connection open until the client closes it, as a real PBX
would; contenders detect the end by counting, not by the socket closing.

This is deliberately not the product's pbxsim: the benchmark must not depend
on the code under test to feed its rivals. It writes packet-aligned chunks
with `sendall`, so the server side costs one memcpy into the kernel per
chunk and is not the bottleneck for any contender measured here.

Usage: replay_server.py --capture FILE.ami [--port 0] [--settle-ms 300]
Prints `listening on 127.0.0.1:PORT` on stdout, then one line per served
connection on stderr.
"""

import argparse
import hashlib
import socket
import sys
import threading
import time

USER = b"ringside"
SECRET = b"ringside-secret"
CHUNK = 64 * 1024


def load_capture(path):
    """Splits a .ami capture into (banner line, [event chunk bytes], n_events, n_bytes)."""
    data = open(path, "rb").read()
    nl = data.index(b"\r\n")
    banner = data[: nl + 2]
    packets = data[nl + 2 :].split(b"\r\n\r\n")
    events = [p + b"\r\n\r\n" for p in packets if p.strip() and p.lstrip().lower().startswith(b"event:")]
    chunks, cur, size = [], [], 0
    for p in events:
        cur.append(p)
        size += len(p)
        if size >= CHUNK:
            chunks.append(b"".join(cur))
            cur, size = [], 0
    if cur:
        chunks.append(b"".join(cur))
    return banner, chunks, len(events), sum(len(p) for p in events)


def parse_packets(buf):
    """Yields (dict of lower-case key -> value, raw) for each complete packet; returns rest."""
    out = []
    while True:
        i = buf.find(b"\r\n\r\n")
        j = buf.find(b"\n\n")
        if i < 0 and j < 0:
            break
        if i >= 0 and (j < 0 or i <= j):
            raw, buf = buf[:i], buf[i + 4 :]
        else:
            raw, buf = buf[:j], buf[j + 2 :]
        fields = {}
        for line in raw.replace(b"\r", b"").split(b"\n"):
            if b":" in line:
                k, v = line.split(b":", 1)
                fields.setdefault(k.strip().lower(), v.strip())
        if fields:
            out.append(fields)
    return out, buf


def response(action_id, lines):
    """Encodes a response: its first line (`Response: ...`), the ActionID echoed, then the rest."""
    head, rest = lines[0], lines[1:]
    out = [head] + ([(b"ActionID", action_id)] if action_id is not None else []) + rest
    return b"".join(k + b": " + v + b"\r\n" for k, v in out) + b"\r\n"


class Session:
    def __init__(self, conn, banner, chunks, settle):
        self.conn = conn
        self.banner = banner
        self.chunks = chunks
        self.settle = settle
        self.lock = threading.Lock()
        self.closed = False
        self.actions = []

    def send(self, data):
        with self.lock:
            self.conn.sendall(data)

    def answer(self, f, challenge):
        """Answers one action; returns 'login-ok', 'login-failed', 'logoff' or None."""
        action = f.get(b"action", b"").lower()
        aid = f.get(b"actionid")
        self.actions.append(action.decode("latin-1"))
        if action == b"challenge":
            self.send(response(aid, [(b"Response", b"Success"), (b"Challenge", challenge)]))
        elif action == b"login":
            ok = f.get(b"username") == USER and (
                f.get(b"secret") == SECRET
                or (
                    f.get(b"authtype", b"").lower() == b"md5"
                    and f.get(b"key", b"").lower() == hashlib.md5(challenge + SECRET).hexdigest().encode()
                )
            )
            if ok:
                self.send(response(aid, [(b"Response", b"Success"), (b"Message", b"Authentication accepted")]))
                return "login-ok"
            self.send(response(aid, [(b"Response", b"Error"), (b"Message", b"Authentication failed")]))
            return "login-failed"
        elif action == b"ping":
            self.send(response(aid, [(b"Response", b"Success"), (b"Ping", b"Pong"), (b"Timestamp", b"%.6f" % time.time())]))
        elif action == b"logoff":
            self.send(response(aid, [(b"Response", b"Goodbye"), (b"Message", b"Thanks for all the fish.")]))
            return "logoff"
        else:
            self.send(response(aid, [(b"Response", b"Success"), (b"Message", b"OK")]))
        return None

    def reader(self, buf, challenge):
        try:
            while True:
                data = self.conn.recv(65536)
                if not data:
                    break
                packets, buf = parse_packets(buf + data)
                for f in packets:
                    if self.answer(f, challenge) == "logoff":
                        self.closed = True
                        self.conn.shutdown(socket.SHUT_RDWR)
                        return
        except OSError:
            pass
        self.closed = True

    def run(self):
        challenge = b"%09d" % (int(time.time() * 1000) % 1_000_000_000)
        self.send(self.banner)
        buf = b""
        self.conn.settimeout(30)
        logged_in = False
        while not logged_in:
            data = self.conn.recv(65536)
            if not data:
                return "closed before login"
            packets, buf = parse_packets(buf + data)
            for f in packets:
                r = self.answer(f, challenge)
                if r == "login-ok":
                    logged_in = True
                elif r == "login-failed":
                    return "login failed"
        self.conn.settimeout(None)
        t = threading.Thread(target=self.reader, args=(buf, challenge), daemon=True)
        t.start()
        time.sleep(self.settle)
        t0 = time.perf_counter()
        try:
            for c in self.chunks:
                if self.closed:
                    return "client left mid-stream"
                self.send(c)
        except OSError as e:
            return "client left mid-stream (%s)" % e
        sent_in = time.perf_counter() - t0
        t.join()
        return "streamed all in %.3fs (actions: %s)" % (sent_in, ",".join(self.actions))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--settle-ms", type=int, default=300)
    a = ap.parse_args()
    banner, chunks, n_events, n_bytes = load_capture(a.capture)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(8)
    print("listening on 127.0.0.1:%d events=%d bytes=%d" % (srv.getsockname()[1], n_events, n_bytes), flush=True)
    while True:
        conn, peer = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            outcome = Session(conn, banner, chunks, a.settle_ms / 1000).run()
        except OSError as e:
            outcome = "error: %s" % e
        finally:
            try:
                conn.close()
            except OSError:
                pass
        print("served %s:%d: %s" % (peer[0], peer[1], outcome), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
