#!/usr/bin/python3
"""Responses at real conference size: every kind of feed of a
5,000-session programme (bench/gen_programme.py), plain and gzip, over
real HTTP from the real daemon.

For each feed the test checks that the answer is 200 with a
Content-Length and that every promised byte arrives (libmicrohttpd
0.9.75 aborted the daemon on a gzip body of more than about 2,000 pieces,
and cut bodies of 1,025 to 2,000 pieces short), that the gzip body
gunzips to the plain one, and that the plain bytes are the right ones:

  * whole programme, day, track, room, speaker and session feeds are
    byte for byte the file `agendad --export` wrote for that path (same
    state folder, so same SEQUENCE, DTSTAMP and LAST-MODIFIED);
  * a filter of one track is the export's track feed;
  * filters of many tracks, of a track and a day, and a personal
    selection of thousands of sessions (POST /my, then /my/TOKEN.ics) are
    the export's whole-programme feed cut to those sessions, in the same
    order, with only the calendar's name changed;
  * ?alarm=10m is the export's feed with each VALARM replaced by one
    ten minutes before, on the same sessions;
  * search.html (built per request) lists at most 200 sessions and
    says how many matched, lists a day's, finds exactly a track's sessions
    that day, finds a session by its title in capitals, and is valid HTML.

AGENDAD_LARGE_N sets the number of sessions (bench/run-feeds uses
20,000); with AGENDAD_LARGE_TIMES set, the time and size of every fetch
are printed at the end.
"""
import gzip
import http.client
import os
import re
import subprocess
import sys
import unittest
import time
import urllib.parse

from agendadtest import SRCDIR, TempDir, run
from daemon import Daemon
from pagecheck import parse, problems

N = int(os.environ.get("AGENDAD_LARGE_N", 5000))
SELECTION_MAX = min(N, 10000)  # http.selection_max_sessions' own bound
TIMES = []  # (path, gzip, bytes, seconds) of every fetch
NAME_LINE = re.compile(r"^(NAME|X-WR-CALNAME)[:;]")


def unfold(text):
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def split_feed(body):
    """(header lines without the calendar's name, [VEVENT text], tail)."""
    text = body.decode("utf-8")
    first = text.find("BEGIN:VEVENT\r\n")
    end = text.rfind("END:VEVENT\r\n")
    if first < 0:
        head, events, tail = text[:text.rfind("END:VCALENDAR")], [], "END:VCALENDAR\r\n"
    else:
        head, tail = text[:first], text[end + len("END:VEVENT\r\n"):]
        events = ["BEGIN:VEVENT\r\n" + e for e in
                  text[first + len("BEGIN:VEVENT\r\n"):end + len("END:VEVENT\r\n")]
                  .split("BEGIN:VEVENT\r\n")]
    lines = [line for line in unfold(head).split("\r\n") if not NAME_LINE.match(line)]
    return lines, events, tail


def uid(event):
    return re.search(r"^UID:(.*)$", unfold(event), re.M).group(1).rstrip("\r")


def without_alarms(event):
    return re.sub(r"BEGIN:VALARM\r\n.*?END:VALARM\r\n", "", event, flags=re.S)


class LargeFeeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        subprocess.run([sys.executable, str(SRCDIR / "bench" / "gen_programme.py"), str(N),
                        str(cls.dir)], check=True, capture_output=True, timeout=120)
        cls.conf = cls.dir / "agendad.conf"
        with open(cls.conf, "a", encoding="utf-8") as f:
            f.write('state_dir = "state";\n'
                    f"http = {{ selection_max_sessions = {SELECTION_MAX}; }};\n")
        cls.export = cls.dir / "export"
        run("--export", cls.export, "-c", cls.conf, check=0, timeout=600)
        cls.daemon = Daemon(cls.conf).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.__exit__(None, None, None)
        cls.tmp.__exit__(None, None, None)
        if os.environ.get("AGENDAD_LARGE_TIMES"):
            print(f"\n{N} sessions: every fetch (1 connection, loopback)", file=sys.stderr)
            print(f"{'path':<60} {'encoding':>8} {'bytes':>11} {'ms':>8} {'MB/s':>7}",
                  file=sys.stderr)
            for path, gz, size, secs in TIMES:
                shown = path if len(path) <= 60 else path[:57] + "..."
                print(f"{shown:<60} {'gzip' if gz else 'identity':>8} {size:>11} "
                      f"{secs * 1000:>8.1f} {size / secs / 1e6:>7.0f}", file=sys.stderr)

    def exported(self, path):
        return (self.export / path).read_bytes()

    def largest(self, folder):
        files = sorted((self.export / folder).glob("*.ics"), key=lambda p: p.stat().st_size)
        return f"{folder}/{files[-1].name}"

    def fetch(self, path, gz):
        """The body of a GET, after checking that all of it arrived."""
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=60)
        began = time.monotonic()
        try:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip" if gz else "identity"})
            r = conn.getresponse()
            try:
                body = r.read()
            except http.client.IncompleteRead as e:
                self.fail(f"{path} (gzip={gz}): {len(e.partial)} of the {r.getheader('Content-Length')}"
                          " bytes promised arrived")
        except (ConnectionError, http.client.HTTPException) as e:
            self.fail(f"{path} (gzip={gz}): {e!r}\n{self.daemon.stderr()[-2000:]}")
        finally:
            conn.close()
        TIMES.append((path, gz, len(body), time.monotonic() - began))
        self.assertEqual(r.status, 200, f"{path}: {body[:300]!r}")
        self.assertIsNone(r.getheader("Transfer-Encoding"), path)
        self.assertEqual(r.getheader("Content-Length"), str(len(body)), path)
        self.assertEqual(r.getheader("Content-Encoding"), "gzip" if gz else None, path)
        return body

    def both(self, path):
        """The plain body, checked against the gunzipped gzip one."""
        plain = self.fetch(path, False)
        packed = self.fetch(path, True)
        self.assertEqual(gzip.decompress(packed), plain, f"{path}: gzip is not the plain body")
        return plain

    def assert_cut(self, body, uids, what):
        """body is the export's whole programme cut to the sessions uids."""
        if not hasattr(LargeFeeds, "whole"):
            LargeFeeds.whole = split_feed(self.exported("calendar.ics"))
        all_head, all_events, all_tail = LargeFeeds.whole
        head, events, tail = split_feed(body)
        expected = [e for e in all_events if uid(e) in uids]
        self.assertEqual(len(events), len(expected), what)
        self.assertEqual(events, expected, what)
        self.assertEqual((head, tail), (all_head, all_tail), what)

    def uids(self, path):
        return {uid(e) for e in split_feed(self.exported(path))[1]}

    def test_exported_feeds_are_served_byte_for_byte(self):
        paths = ["calendar.ics", self.largest("days"), self.largest("tracks"),
                 self.largest("rooms"), self.largest("speakers"), self.largest("sessions")]
        for path in paths:
            with self.subTest(path=path):
                self.assertEqual(self.both("/" + path), self.exported(path))
        self.assertGreater(len(self.exported("calendar.ics")), 4_000_000)

    def test_filters(self):
        track = self.largest("tracks")
        tid = track[len("tracks/"):-len(".ics")]
        self.assertEqual(self.both(f"/calendar.ics?track={tid}"), self.exported(track))
        # Enough tracks for 1,025 to 2,000 pieces, the range that was cut short.
        tracks = sorted(p.stem for p in (self.export / "tracks").glob("*.ics"))[:9]
        want = set().union(*(self.uids(f"tracks/{t}.ics") for t in tracks))
        self.assertTrue(1025 <= len(want) <= 2000, len(want))
        self.assert_cut(self.both("/calendar.ics?track=" + ",".join(tracks)), want, "tracks")
        day = self.largest("days")
        did = day[len("days/"):-len(".ics")]
        want = self.uids(track) & self.uids(day)
        self.assertTrue(want)
        self.assert_cut(self.both(f"/calendar.ics?track={tid}&day={did}"), want, "track and day")

    def test_alarms_replaced(self):
        for path in ["calendar.ics", self.largest("days")]:
            with self.subTest(path=path):
                body = self.both(f"/{path}?alarm=10m")
                head, events, tail = split_feed(body)
                ref_head, ref_events, ref_tail = split_feed(self.exported(path))
                self.assertEqual((head, tail), (ref_head, ref_tail))
                self.assertEqual([without_alarms(e) for e in events],
                                 [without_alarms(e) for e in ref_events])
                alarmed = [uid(e) for e in events if "BEGIN:VALARM" in e]
                self.assertEqual(alarmed, [uid(e) for e in ref_events if "BEGIN:VALARM" in e])
                self.assertGreater(len(alarmed), len(events) // 2)
                triggers = re.findall(r"^TRIGGER[^:]*:(.*)\r$", body.decode(), re.M)
                self.assertEqual(set(triggers), {"-PT10M"})
                self.assertEqual(len(triggers), len(alarmed))

    def test_personal_feed_of_thousands_of_sessions(self):
        ids = sorted(p.stem for p in (self.export / "sessions").glob("*.ics"))
        # About 3,000 of 5,000, not in programme order.
        chosen = (ids[1:1000:2] + ids[::2])[:SELECTION_MAX]
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=60)
        form = urllib.parse.urlencode([("session", i) for i in chosen])
        conn.request("POST", "/my", form, {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        conn.close()
        self.assertEqual(r.status, 303, self.daemon.stderr()[-1000:])
        token = r.getheader("Location").rsplit("/", 1)[1]
        want = set().union(*(self.uids(f"sessions/{i}.ics") for i in chosen))
        self.assertGreater(len(want), 2500)
        feed = self.both(f"/my/{token}.ics")
        self.assert_cut(feed, want, "selection")
        # Deflated whole like the large feeds: runs of pieces joined kept
        # two thirds of the bytes (1.9 of 3.0 MB).
        self.assertLess(len(self.fetch(f"/my/{token}.ics", True)) * 5, len(feed))
        # Its page lists every chosen session, whole, and is gzipped too.
        page = self.both(f"/my/{token}")
        self.assertEqual(problems(page, "my"), [])
        items = [li for li in parse(page, "my").iter("li") if li.get("class") == "session"]
        self.assertEqual(len(items), len(chosen))

    def search(self, query):
        """The ids listed by search.html?query (plain and gzip checked, valid
        HTML), and its closing line."""
        path = "/search.html?" + urllib.parse.urlencode(query)
        page = self.both(path)
        self.assertEqual(problems(page, path), [])
        tree = parse(page, path)
        ids = [a.get("href")[len("sessions/"):-len(".html")] for a in tree.iter("a")
               if a.get("class") == "t" and a.get("href", "").startswith("sessions/")]
        last = [p for p in tree.iter("p") if "session" in "".join(p.itertext())][-1]
        return ids, "".join(last.itertext())

    def ids(self, path):
        return [u.split("@", 1)[0] for u in
                (uid(e) for e in split_feed(self.exported(path))[1])]

    def test_search(self):
        day = self.largest("days")
        did = day[len("days/"):-len(".ics")]
        in_day = self.ids(day)
        everything = self.ids("calendar.ics")
        ids, said = self.search({"q": ""})
        self.assertEqual(len(set(ids)), 200)
        self.assertTrue(set(ids) <= set(everything))
        self.assertEqual(said, f"The first 200 of {len(everything)} sessions are shown: "
                               "add words or filters.")
        ids, said = self.search({"day": did})
        self.assertEqual(sorted(ids), sorted(in_day))
        self.assertEqual(said, f"{len(in_day)} sessions found.")
        track = self.largest("tracks")
        want = set(self.ids(track)) & set(in_day)
        ids, said = self.search({"day": did, "track": track[len("tracks/"):-len(".ics")]})
        self.assertEqual(set(ids), want)
        self.assertEqual(said, f"{len(want)} sessions found.")
        # One session's whole title, in capitals, finds it.
        sid = sorted(p.stem for p in (self.export / "sessions").glob("*.ics"))[N // 2]
        title = re.search(r"^SUMMARY:(.*)\r$", unfold(self.exported(f"sessions/{sid}.ics").decode()),
                          re.M).group(1).replace("\\,", ",").replace("\\;", ";")
        ids, _ = self.search({"q": title.upper()})
        self.assertIn(sid, ids)
        self.assertEqual(self.search({"q": "zqxjk-nowhere"}), ([], "0 sessions found."))

    def test_zz_daemon_survived(self):  # runs last (unittest sorts by name)
        for path in ["/calendar.ics", "/calendar.ics?alarm=1h"]:
            self.both(path)
        self.assertIsNone(self.daemon.proc.poll())
        self.assertNotIn("out of memory", self.daemon.stderr())


if __name__ == "__main__":
    unittest.main()
