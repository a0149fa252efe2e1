#!/usr/bin/python3
"""programme_url (a live programme followed over HTTP) against a real
local HTTP server whose document changes, fails (500), hangs and turns
to garbage: the daemon follows the good versions, keeps the last good one
otherwise, asks conditionally (If-None-Match with the ETag it was given,
no cache-busting), and a restart without the network serves the copy
saved in the state directory."""
import hashlib
import http.server
import signal
import threading
import time
import unittest

from agendadtest import TempDir, run
from daemon import Daemon, fetch


def programme(title):
    return ('event = { id = "live"; title = "Live"; timezone = "Europe/Vienna"; };\n'
            f'sessions = ( {{ id = "s1"; title = "{title}"; start = "2025-06-02 09:00"; '
            'end = "2025-06-02 10:00"; } );\n')


class Upstream:
    """What the test's HTTP server answers, and what it was asked."""

    def __init__(self):
        self.mode = "ok"
        self.body = programme("First").encode()
        self.requests = []
        self.lock = threading.Lock()

    def etag(self):
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


def make_handler(up):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            with up.lock:
                up.requests.append((self.path, dict(self.headers)))
                mode, body, etag = up.mode, up.body, up.etag()
            if mode == "hang":
                time.sleep(6)
                return
            if mode == "fail":
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if mode == "garbage":
                body, etag = b"\x00\x01 this is not a programme {{{", '"garbage"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    return Handler


class ProgrammeUrl(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.dir = self.tmp.__enter__()
        self.up = Upstream()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.up))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/schedule"
        self.conf = self.dir / "agendad.conf"
        self.conf.write_text(f'programme_url = "{self.url}";\nprogramme_poll = "2s";\n'
                             'state_dir = "state";\nbase_url = "http://feeds.example.org";\n')

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.tmp.__exit__(None, None, None)

    def title(self, daemon):
        status, _, body = fetch(daemon.url + "/sessions/s1.ics")
        self.assertEqual(status, 200)
        return [l for l in body.decode().split("\r\n") if l.startswith("SUMMARY:")][0][8:]

    def wait_title(self, daemon, want, timeout=15):
        deadline = time.monotonic() + timeout
        while self.title(daemon) != want:
            if time.monotonic() > deadline:
                self.fail(f"still {self.title(daemon)!r}, not {want!r}:\n{daemon.stderr()}")
            time.sleep(0.2)

    def wait_fetches(self, daemon, result, count, timeout=15):
        name = f'agendad_programme_fetches_total{{result="{result}"}}'
        deadline = time.monotonic() + timeout
        while daemon.metric(name) < count:
            if time.monotonic() > deadline:
                self.fail(f"{name} < {count}:\n{daemon.stderr()}")
            time.sleep(0.2)

    def set(self, mode, title=None):
        with self.up.lock:
            self.up.mode = mode
            if title:
                self.up.body = programme(title).encode()

    def test_follows_good_versions_and_keeps_the_last_good_one(self):
        with Daemon(self.conf) as daemon:
            self.assertEqual(self.title(daemon), "First")
            self.wait_fetches(daemon, "unchanged", 1)  # the poll right after the start
            self.set("ok", "Second")
            self.wait_title(daemon, "Second")
            for mode, result in (("fail", "failed"), ("hang", "failed"), ("garbage", "rejected")):
                before = daemon.metric(f'agendad_programme_fetches_total{{result="{result}"}}')
                self.set(mode)
                self.wait_fetches(daemon, result, before + 1)
                self.assertEqual(self.title(daemon), "Second", mode)
                self.assertEqual(fetch(daemon.url + "/healthz")[0], 200)
            # Garbage is reported once, then asked for conditionally.
            self.wait_fetches(daemon, "unchanged", 2)
            self.assertIn("is rejected", daemon.stderr())
            self.assertIn("answered HTTP 500", daemon.stderr())
            self.set("ok", "Third")
            self.wait_title(daemon, "Third")
        with self.up.lock:
            requests = list(self.up.requests)
        self.assertTrue(all(path == "/schedule" for path, _ in requests), "no cache-busting")
        self.assertTrue(all("no-cache" not in h.get("Cache-Control", "") and
                            "no-cache" not in h.get("Pragma", "") for _, h in requests))
        conditional = [h.get("If-None-Match") for _, h in requests[1:]]
        self.assertTrue(all(conditional), f"every request after the first is conditional: {conditional}")
        self.assertTrue(requests[0][1]["User-Agent"].startswith("agendad/"))

    def test_restart_without_network_serves_the_saved_copy(self):
        with Daemon(self.conf) as daemon:
            self.assertEqual(self.title(daemon), "First")
        self.server.shutdown()
        self.server.server_close()
        saved = self.dir / "state" / "programme.fetched"
        self.assertEqual(saved.read_bytes(), programme("First").encode())
        with Daemon(self.conf) as daemon:
            self.assertEqual(self.title(daemon), "First")
            self.wait_fetches(daemon, "failed", 1)
            self.assertEqual(self.title(daemon), "First")
        # A new server so that tearDown has a running one to stop.
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.up))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def test_first_start_needs_the_upstream(self):
        self.set("fail")
        proc = run("-t", "-c", self.conf, "--state-dir", self.dir / "state")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("cannot fetch programme_url", proc.stderr)
        self.set("ok")
        proc = run("-t", "-c", self.conf, "--state-dir", self.dir / "state")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("1 sessions", proc.stdout)

    def test_sighup_fetches_at_once(self):
        self.conf.write_text(self.conf.read_text().replace('"2s"', '"1h"'))
        with Daemon(self.conf) as daemon:
            self.assertEqual(self.title(daemon), "First")
            self.set("ok", "After SIGHUP")
            daemon.proc.send_signal(signal.SIGHUP)
            self.wait_title(daemon, "After SIGHUP")

    def test_configuration_errors(self):
        self.conf.write_text('programme = "x.programme";\nprogramme_url = "ftp://example.org/x";\n'
                             'programme_poll = "1s";\n')
        proc = run("-t", "-c", self.conf)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("agendad.conf:2: 'programme_url'", proc.stderr)
        self.assertIn("give either 'programme' (a file) or 'programme_url', not both", proc.stderr)
        self.assertIn("agendad.conf:3: 'programme_poll' must be at least \"2s\"", proc.stderr)


if __name__ == "__main__":
    unittest.main()
