#!/usr/bin/python3
"""Hostile and slow HTTP clients against the real daemon: connections
per client address, the deadline for a whole request (slowloris), the
deadline for sending a response, the older catalogues responses may keep
alive across reloads, and the rate limit of new selections per address.

The second address is 127.0.0.2: Linux routes all of 127.0.0.0/8 to the
loopback interface, so a client socket bound to it reaches the daemon's
127.0.0.1 listener through the same listening socket as the attacker's
(each listen address has its own libmicrohttpd daemon and limits).
"""
import http.client
import pathlib
import re
import resource
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse

from agendadtest import SRCDIR, TempDir, write_programme
from daemon import Daemon

OTHER = "127.0.0.2"
CLIENT = "127.0.0.3"
SMALL = ('event = { id = "g"; title = "G"; timezone = "Europe/Lisbon"; };\n'
         'sessions = ( { id = "a1"; title = "One"; start = "2025-09-01 09:00";'
         ' end = "2025-09-01 10:00"; },\n'
         ' { id = "a2"; title = "Two"; start = "2025-09-01 10:00";'
         ' end = "2025-09-01 11:00"; } );\n')


def connect(port, source="127.0.0.1", rcvbuf=None, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def get_from(port, path, source, timeout=3):
    """(status, body) of a GET sent from source, or None when it failed."""
    try:
        with connect(port, source, timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body
    except (OSError, IndexError, ValueError):
        return None


def ping(s):
    """Whether a keep-alive GET /healthz on s is answered."""
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while not data.endswith(b"ok\n"):
        chunk = s.recv(4096)
        if not chunk:
            return False
        data += chunk
    return data.startswith(b"HTTP/1.1 200")


def closed_by_peer(s, timeout):
    """Whether the server closes s within timeout seconds (nothing sent)."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


class SlowReader:
    """GET path with a tiny receive buffer, reading little or nothing."""

    def __init__(self, port, path="/calendar.ics"):
        self.s = connect(port, rcvbuf=4096, timeout=10)
        self.s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.s.recv(4096)
            if not chunk:
                raise AssertionError("no response head")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:100]
        self.length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")][0])
        self.got = len(body)
        self.eof = False

    def read(self, n, timeout=5):
        """Reads up to n bytes; False at end of stream or reset."""
        self.s.settimeout(timeout)
        try:
            chunk = self.s.recv(n)
        except ConnectionResetError:
            chunk = b""
        except socket.timeout:
            return True
        self.got += len(chunk)
        self.eof = not chunk
        return bool(chunk)

    def drain(self, timeout=30):
        """Reads to the end quickly; whether the whole body came."""
        deadline = time.monotonic() + timeout
        while self.got < self.length and time.monotonic() < deadline:
            if not self.read(1 << 20, timeout=max(0.1, deadline - time.monotonic())):
                break
        self.s.close()
        return self.got == self.length


def big_programme(folder, title_suffix=""):
    """bench/gen_programme.py's 4,000 sessions: calendar.ics is some
    5 MB, more than the daemon's 1 MB send buffer holds."""
    subprocess.run([sys.executable, str(SRCDIR / "bench" / "gen_programme.py"), "4000",
                    str(folder)], check=True, capture_output=True, timeout=120)
    return pathlib.Path(folder) / "programme"


def retitle(programme, n):
    text = programme.read_text(encoding="utf-8")
    old = 'title = "Benchmark Conference'
    start = text.index(old)
    end = text.index('"', start + len(old))
    tmp = programme.with_suffix(".tmp")
    tmp.write_text(text[:start] + old + f" v{n}" + text[end:], encoding="utf-8")
    tmp.replace(programme)


class Guards(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.dir = self.tmp.__enter__()
        self.daemon = None

    def tearDown(self):
        if self.daemon:
            self.daemon.__exit__(None, None, None)
        self.tmp.__exit__(None, None, None)

    def start(self, http="", programme=SMALL):
        conf = write_programme(self.dir, programme,
                               'state_dir = "state";\nhttp = { %s };\n' % http)
        self.daemon = Daemon(conf).__enter__()
        return self.daemon

    def test_slow_connections_from_one_address_do_not_lock_out_another(self):
        """600 connections from 127.0.0.1 that send a header byte every
        second (libmicrohttpd's idle timeout never fires), with every
        limit at its default: 127.0.0.2 is served every time."""
        raise_fd_limit(2048)
        d = self.start()
        attackers = []
        for _ in range(600):
            try:
                s = connect(d.port, timeout=2)
                s.sendall(b"GET /calendar.ics HTTP/1.1\r\nHost: x\r\n")
                attackers.append(s)
            except OSError:
                pass
        served = 0
        try:
            for _ in range(6):
                t0 = time.monotonic()
                for s in attackers:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                answer = get_from(d.port, "/healthz", OTHER, timeout=3)
                if answer and answer[0] == 200:
                    served += 1
                time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        finally:
            for s in attackers:
                s.close()
        self.assertEqual(served, 6, "a client at another address was locked out")
        # Asked from the other address: the daemon may not yet have seen
        # every attacker close, and 127.0.0.1 may still be at its limit.
        answer = get_from(d.port, "/metrics", OTHER, timeout=10)
        self.assertIsNotNone(answer, "/metrics from another address")
        self.assertEqual(answer[0], 200)
        closed = re.search(rb'^agendad_http_connections_closed_total\{reason="per_client"\} (\S+)$',
                           answer[1], re.M)
        self.assertIsNotNone(closed, answer[1][:500])
        self.assertGreaterEqual(float(closed.group(1)), 500)

    def test_connections_per_client(self):
        d = self.start("max_connections_per_client = 4;")
        # From an address of their own: the start's /healthz probe came
        # from 127.0.0.1, and a daemon slowed by the sanitizers may not
        # have seen that connection close yet, which left 3 slots.
        held = [connect(d.port, CLIENT) for _ in range(4)]
        for s in held:  # an answer on each: the daemon has counted them all
            self.assertTrue(ping(s))
        over = connect(d.port, CLIENT)
        self.assertTrue(closed_by_peer(over, 5), "the fifth connection stayed open")
        over.close()
        self.assertEqual(get_from(d.port, "/healthz", OTHER), (200, b"ok\n"))
        held.pop().close()
        deadline = time.monotonic() + 5  # until the daemon has seen the close
        while get_from(d.port, "/healthz", CLIENT) != (200, b"ok\n"):
            self.assertLess(time.monotonic(), deadline, "a slot was not given back")
            time.sleep(0.1)
        for s in held:
            s.close()
        line = f"over the limit of connections per client (the last from {CLIENT})"
        deadline = time.monotonic() + 3  # the watchdog logs once a second
        while line not in d.stderr() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertIn(line, d.stderr())

    def test_a_trusted_proxy_is_not_held_to_the_per_client_limit(self):
        d = self.start('max_connections_per_client = 2; trusted_proxies = [ "127.0.0.1" ];')
        held = [connect(d.port) for _ in range(4)]
        for s in held:
            self.assertTrue(ping(s), "a connection of the trusted proxy was closed")
        others = [connect(d.port, OTHER) for _ in range(2)]
        for s in others:
            self.assertTrue(ping(s))
        third = connect(d.port, OTHER)
        self.assertTrue(closed_by_peer(third, 5), "127.0.0.2's third connection stayed open")
        third.close()
        for s in held + others:
            s.close()

    def test_a_request_trickled_in_is_cut_at_request_timeout(self):
        d = self.start('request_timeout = "2s"; timeout = "60s";')
        s = connect(d.port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        cut = None
        while time.monotonic() - t0 < 10:
            try:
                s.send(b"X")
            except OSError:
                cut = time.monotonic() - t0
                break
            if closed_by_peer(s, 0.3):
                cut = time.monotonic() - t0
                break
        s.close()
        self.assertIsNotNone(cut, "a request trickled in for 10 s was not cut")
        self.assertGreater(cut, 1.5)
        self.assertLess(cut, 5)
        self.assertGreaterEqual(
            d.metric('agendad_http_connections_closed_total{reason="request_timeout"}'), 1)
        # a keep-alive connection serves one request after another
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
        for _ in range(3):
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().read(), b"ok\n")
            time.sleep(0.5)
        conn.close()

    def test_response_send_deadline(self):
        """send_timeout plus the body at send_min_rate: a reader at
        2.5 KB/s of a 5 MB feed is cut after some 2 + 5 seconds, one that
        reads at once gets every byte."""
        prog = big_programme(self.dir)
        d = self.start('send_timeout = "2s"; send_min_rate = 1000000; timeout = "60s";',
                       prog.read_text(encoding="utf-8"))
        whole = SlowReader(d.port)
        self.assertTrue(whole.drain())
        slow = SlowReader(d.port)
        self.assertGreater(slow.length, 3000000)
        budget = 2 + slow.length / 1000000
        metric = 'agendad_http_connections_closed_total{reason="send_timeout"}'
        self.assertEqual(d.metric(metric), 0)
        t0 = time.monotonic()
        cut_at = None
        while time.monotonic() - t0 < budget + 10 and slow.read(512):
            if d.metric(metric) >= 1:
                cut_at = time.monotonic() - t0
                break
            time.sleep(0.2)
        self.assertIsNotNone(cut_at, "a reader at 2.5 KB/s was not cut")
        self.assertGreater(cut_at, budget - 1.5)
        self.assertLess(cut_at, budget + 3)
        # what the kernel had buffered still arrives, then the stream ends short
        self.assertFalse(slow.drain(), "a reader at 2.5 KB/s got the whole feed")

    def test_slow_readers_across_reloads_keep_catalogues_bounded(self):
        """One reader per programme version that never reads: with
        max_old_catalogues = 1, the published catalogue and one older one
        stay alive, whatever the number of reloads."""
        prog = big_programme(self.dir)
        d = self.start('max_old_catalogues = 1; timeout = "5m";',
                       prog.read_text(encoding="utf-8"))
        prog = pathlib.Path(self.dir) / "test.programme"
        readers = [SlowReader(d.port)]
        for n in range(1, 6):
            retitle(prog, n)
            d.wait_reloads(n + 1, timeout=60)
            readers.append(SlowReader(d.port))
        deadline = time.monotonic() + 10
        while d.metric("agendad_catalogues_alive") > 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertLessEqual(d.metric("agendad_catalogues_alive"), 2)
        self.assertEqual(d.metric('agendad_http_connections_closed_total{reason="old_catalogue"}'),
                         4)
        complete = [r.drain() for r in readers]
        self.assertEqual(complete, [False] * 4 + [True] * 2)


class RateLimit(unittest.TestCase):
    """New selections and searches per address: each address has its own count, and
    one cannot reset another's.  127.0.0.205 and 127.0.11.0 shared a
    bucket of the old 4,096-slot table (fixed seed), which let them
    alternate without limit."""

    def test_two_addresses_alternating_are_each_limited(self):
        with TempDir() as folder:
            conf = write_programme(folder, SMALL,
                                   'state_dir = "state";\nhttp = { selections_per_hour = 3; };\n')
            with Daemon(conf) as d:
                accepted = {"127.0.0.205": 0, "127.0.11.0": 0}
                for _ in range(10):
                    for source in accepted:
                        body = urllib.parse.urlencode({"session": "a1"})
                        try:
                            with connect(d.port, source) as s:
                                s.sendall(("POST /my HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                           "Content-Type: application/x-www-form-urlencoded\r\n"
                                           f"Content-Length: {len(body)}\r\n\r\n{body}").encode())
                                answer = s.recv(4096)
                        except OSError as e:
                            self.fail(f"POST from {source}: {e}")
                        status = int(answer.split()[1])
                        self.assertIn(status, (303, 429), answer[:200])
                        accepted[source] += status == 303
                self.assertEqual(accepted, {"127.0.0.205": 3, "127.0.11.0": 3})

    def test_searches_per_address(self):
        """search.html reads every session's text, so each address has
        http.searches_per_minute of them; other addresses, and every
        other page of the same address, are still answered."""
        with TempDir() as folder:
            conf = write_programme(folder, SMALL,
                                   'state_dir = "state";\nhttp = { searches_per_minute = 3; };\n')
            with Daemon(conf) as d:
                got = [get_from(d.port, "/search.html?q=one", CLIENT) for _ in range(5)]
                self.assertEqual([g[0] for g in got], [200, 200, 200, 429, 429])
                self.assertIn(b"a1", got[0][1])
                self.assertIn(b"too many searches from your address", got[3][1])
                with connect(d.port, CLIENT) as s:
                    s.sendall(b"HEAD /search.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    head = s.recv(4096)
                retry = [line for line in head.split(b"\r\n") if line.lower().startswith(b"retry-after:")]
                self.assertEqual(len(retry), 1, head)
                self.assertTrue(1 <= int(retry[0].split(b":")[1]) <= 60, retry)
                self.assertEqual(get_from(d.port, "/search.html?q=one", OTHER)[0], 200)
                self.assertEqual(get_from(d.port, "/index.html", CLIENT)[0], 200)
                self.assertEqual(get_from(d.port, "/calendar.ics", CLIENT)[0], 200)


if __name__ == "__main__":
    unittest.main()
