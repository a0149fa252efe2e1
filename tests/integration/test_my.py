#!/usr/bin/python3
"""Personal selections (doc/reference.md §4: POST /my, /my/TOKEN, /my/TOKEN.ics)
against the real daemon: the 303, the page (links, QR code, how-to), the
feed and its alarms, a reload that moves and removes chosen sessions, a
restart, unknown tokens, and the limits (400, 405, 413, 415, 429)."""
import html.parser
import pathlib
import re
import select
import socket
import unittest
import urllib.parse

from agendadtest import TempDir, built_with, write_programme
from daemon import Daemon, fetch
from parsers import read_both

BASE = "http://feeds.example.org"


def programme(moved=False, removed=False):
    sessions = [
        ("a1", "Opening", "2025-09-01 09:00", "2025-09-01 10:00"),
        ("a2", "Keynote", "2025-09-01 10:00", "2025-09-01 11:00"),
        ("a3", "Panel", "2025-09-01 14:00" if moved else "2025-09-01 11:00",
         "2025-09-01 15:00" if moved else "2025-09-01 12:00"),
        ("a4", "Workshop", "2025-09-02 09:00", "2025-09-02 12:00"),
        ("a5", "Closing", "2025-09-02 16:00", "2025-09-02 17:00"),
    ]
    if removed:
        sessions = [s for s in sessions if s[0] != "a4"]
    body = ",\n".join(f'{{ id = "{i}"; title = "{t}"; start = "{s}"; end = "{e}"; }}'
                      for i, t, s, e in sessions)
    return ('event = { id = "myconf"; title = "My Conference"; timezone = "Europe/Lisbon"; };\n'
            f"sessions = ({body});\n")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.svg = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))
        if tag == "svg":
            self.svg += 1


def form(*ids):
    return urllib.parse.urlencode([("session", i) for i in ids]).encode()


class Selections(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.dir = self.tmp.__enter__()
        self.conf = write_programme(self.dir, programme(),
                                    'state_dir = "state";\n'
                                    'http = { selection_max_sessions = 4; selections_per_hour = 5; };\n')
        self.daemon = Daemon(self.conf).__enter__()

    def tearDown(self):
        self.daemon.__exit__(None, None, None)
        self.tmp.__exit__(None, None, None)

    def post(self, body, content_type="application/x-www-form-urlencoded"):
        return fetch(self.daemon.url + "/my", {"Content-Type": content_type}, "POST", body)

    def select(self, *ids):
        """POST /my without following the redirect: (status, Location)."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=10)
        conn.request("POST", "/my", form(*ids), {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status, r.getheader("Location")

    def token(self, *ids):
        status, location = self.select(*ids)
        self.assertEqual(status, 303)
        m = re.fullmatch(r"my/([A-Za-z0-9_-]{22})", location)
        self.assertIsNotNone(m, location)
        return m.group(1)

    def events(self, token, query=""):
        status, headers, body = fetch(f"{self.daemon.url}/my/{token}.ics{query}")
        self.assertEqual(status, 200, body)
        folder = pathlib.Path(self.dir) / f"read-{token}{len(query)}"
        folder.mkdir(exist_ok=True)
        (folder / "my.ics").write_bytes(body)
        return read_both(self, folder)["my.ics"]

    def test_post_redirects_to_a_page_with_links_qr_and_how_to(self):
        token = self.token("a1", "a3", "a5", "a3")
        status, headers, body = fetch(f"{self.daemon.url}/my/{token}")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        page = body.decode()
        links = Links()
        links.feed(page)
        self.assertIn(f"{BASE}/my/{token}.ics", links.hrefs)
        self.assertIn(f"webcal://feeds.example.org/my/{token}.ics", links.hrefs)
        if built_with("HAVE_QRENCODE"):
            self.assertEqual(links.svg, 1, "one inline SVG QR code")
            self.assertIn("<path", page)
        else:  # built --without-qrencode: the same page, with no QR code
            self.assertEqual(links.svg, 0)
        for app in ("Google Calendar", "Apple Calendar", "Outlook", "Thunderbird"):
            self.assertIn(app, page)
        for title in ("Opening", "Panel", "Closing"):
            self.assertIn(title, page)
        self.assertNotIn("Keynote", page)

    def test_feed_holds_the_selection_only(self):
        mine = self.token("a1", "a3", "a5")
        other = self.token("a2")
        self.assertNotEqual(mine, other)
        ev = self.events(mine)
        self.assertEqual([e["uid"] for e in ev["events"]],
                         ["a1@myconf", "a3@myconf", "a5@myconf"])
        self.assertEqual(ev["calendar"]["name"], "My Conference — My selection")
        self.assertEqual([e["uid"] for e in self.events(other)["events"]], ["a2@myconf"])
        alarms = self.events(mine, "?alarm=10m")
        self.assertTrue(all(e["alarms"] == ["-PT10M"] for e in alarms["events"]))
        status, _, body = fetch(f"{self.daemon.url}/my/{mine}.ics?track=x")
        self.assertEqual(status, 400)

    def test_reload_moves_and_cancels_and_restart_keeps(self):
        token = self.token("a3", "a4")
        before = {e["uid"]: e for e in self.events(token)["events"]}
        self.assertEqual(before["a3@myconf"]["dtstart_utc"], "2025-09-01T10:00:00Z")
        (pathlib.Path(self.dir) / "test.programme").write_text(programme(moved=True, removed=True))
        self.daemon.wait_reloads(2)
        after = {e["uid"]: e for e in self.events(token)["events"]}
        self.assertEqual(after["a3@myconf"]["dtstart_utc"], "2025-09-01T13:00:00Z")
        self.assertGreater(after["a3@myconf"]["sequence"], before["a3@myconf"]["sequence"])
        self.assertEqual(after["a4@myconf"]["status"], "CANCELLED")
        status, _, page = fetch(f"{self.daemon.url}/my/{token}")
        self.assertIn("No longer in the programme", page.decode())
        self.daemon.__exit__(None, None, None)
        self.daemon = Daemon(self.conf).__enter__()
        again = {e["uid"]: e for e in self.events(token)["events"]}
        self.assertEqual(sorted(again), ["a3@myconf", "a4@myconf"])

    def test_unknown_tokens_are_404(self):
        for path in ["/my/AAAAAAAAAAAAAAAAAAAAAA", "/my/AAAAAAAAAAAAAAAAAAAAAA.ics",
                     "/my/short", "/my/../calendar.ics", "/my/"]:
            status, _, _ = fetch(self.daemon.url + path)
            self.assertEqual(status, 404, path)

    def test_bad_requests(self):
        status, _, body = self.post(form("nope"))
        self.assertEqual((status, body), (400, b"unknown session 'nope'\n"))
        status, _, body = self.post(b"")
        self.assertEqual(status, 400)
        self.assertIn(b"at least one session", body)
        status, _, _ = self.post(b"{}", "application/json")
        self.assertEqual(status, 415)
        status, headers, _ = fetch(self.daemon.url + "/my")
        self.assertEqual((status, headers["Allow"]), (405, "POST"))

    def test_limits(self):
        status, _, body = self.post(form("a1", "a2", "a3", "a4", "a5"))
        self.assertEqual(status, 413)
        self.assertIn(b"at most 4 sessions", body)
        status, _, body = self.post(b"session=a1&" + b"x" * 200000)
        self.assertEqual(status, 413)
        for _ in range(5):
            self.assertEqual(self.select("a1")[0], 303)
        status, headers, body = self.post(form("a1"))
        self.assertEqual(status, 429)
        self.assertGreater(int(headers["Retry-After"]), 0)
        self.assertEqual(self.daemon.metric("agendad_selections_created_total"), 5)
        db = pathlib.Path(self.dir) / "state" / "selections.sqlite"
        self.assertTrue(db.exists())

    def test_form_of_unknown_length_answered_before_its_body(self):
        # A chunked form used to be read to its end, however long, before
        # its answer (413 after the first oversized kilobytes).
        chunk = b"%x\r\n%s\r\n" % (65536, b"session=a1&" + b"x" * (65536 - 11))
        answer = b""
        with socket.create_connection(("127.0.0.1", self.daemon.port), timeout=5) as s:
            s.sendall(b"POST /my HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
            for _ in range(5):  # up to 256 KB of a form that never ends
                if select.select([s], [], [], 1.0)[0]:
                    answer = s.recv(4096)
                    break
                s.sendall(chunk)
        self.assertTrue(answer, "no answer while the form was still arriving")
        self.assertTrue(answer.startswith(b"HTTP/1.1 411 "), answer[:200])
        self.assertIn(b"Content-Length", answer)
        self.assertEqual(self.daemon.metric("agendad_selections_created_total"), 0)

if __name__ == "__main__":
    unittest.main()
