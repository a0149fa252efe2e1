#!/usr/bin/python3
"""The attendee's pages (src/pages.c): valid HTML on every page of the
shipped, the hostile, a script-injecting and a generated 5,000-session
programme; nothing from a programme reaches a page unescaped; the export
holds the same pages as the server, and their links work in it; now.html
and now.json follow the simulated clock; pages are served with ETags,
304 and gzip; search filters on the server."""
import gzip
import json
import pathlib
import subprocess
import sys
import unittest

from agendadtest import SRCDIR, TempDir, run
from daemon import Daemon, copy_shipped, fetch
from hostile import lc_escape
from pagecheck import broken_links, gzip_size, parse, problems

# Every field of the injection programme carries all of these.
EVIL = ('<script>alert(1)</script>"onmouseover=alert(2) x=\'y\' '
        '\u202eevil\u2066isolate\u2069 &amp; javascript:alert(3)')


def lc(s):
    return '"' + lc_escape(s) + '"'


def injection_programme(folder):
    """A programme with EVIL in every text field and javascript: (and
    other unsafe) links wherever a link may be; returns the configuration."""
    folder = pathlib.Path(folder)
    e = lc(EVIL)
    text = f"""
event = {{ id = "evil"; title = {e}; short_title = {e}; timezone = "Europe/Brussels";
  location = {e}; url = "javascript:alert(5)"; description = {e}; }};
tracks = ( {{ id = "t1"; title = {e}; description = {e}; }} );
rooms = ( {{ id = "r1"; title = {e}; }} );
speakers = (
  {{ id = "s1"; name = {e}; affiliation = {e}; bio_url = "javascript:alert(4)"; }},
  {{ id = "s2"; name = {lc(EVIL + ' 2')}; bio_url = "https://ok.example/\\"onmouseover=x"; }}
);
sessions = (
  {{ id = "x1"; title = {e}; start = "2026-01-31 10:00"; end = "2026-01-31 11:00";
    track = "t1"; room = "r1"; kind = "talk"; description = {lc(EVIL + chr(10) + chr(10) + EVIL)};
    people = ( {{ speaker = "s1"; role = {e}; affiliation = {e}; }}, {{ speaker = "s2"; }} );
    documents = ( {{ title = {e}; url = "javascript:alert(6)"; }},
                  {{ title = {e}; url = "data:text/html,<script>alert(7)</script>"; }},
                  {{ title = {e}; url = "https://ok.example/slides.pdf"; }} ); }},
  {{ id = "x2"; title = {e}; start = "2026-01-31 11:00"; end = "2026-01-31 11:30";
    room = "r1"; kind = "talk"; status = "cancelled"; }}
);
"""
    (folder / "evil.programme").write_text(text, encoding="utf-8")
    conf = folder / "agendad.conf"
    conf.write_text('programme = "evil.programme";\nbase_url = "https://feeds.example.org/p";\n'
                    'state_dir = "state";\n', encoding="utf-8")
    return conf


def export(conf, out):
    proc = run("--export", out, "-c", conf, "--state-dir", pathlib.Path(out).parent / "xstate")
    if proc.returncode != 0:
        raise AssertionError(f"export failed:\n{proc.stderr[-3000:]}")
    return pathlib.Path(out)


def the_script(folder):
    """agendad's own inline script, as on the shipped index."""
    tree = parse((folder / "index.html").read_bytes(), "index")
    return tree.find(".//script").text


class Pages(unittest.TestCase):
    def check_export(self, out, script=None, sample=None):
        pages = sorted(out.rglob("*.html"))
        self.assertTrue(pages)
        if sample:
            pages = [p for i, p in enumerate(pages)
                     if i % max(1, len(pages) // sample) == 0 or "/" not in str(p.relative_to(out))
                     or p.parent.name in ("days", "tracks")]
        bad = []
        for page in pages:
            bad += problems(page.read_bytes(), str(page.relative_to(out)), script)
        self.assertEqual(bad[:20], [])
        self.assertEqual(broken_links(out, pages)[:20], [])
        return pages

    def test_shipped_programme(self):
        with TempDir() as d:
            out = export(copy_shipped(d), d / "www")
            pages = self.check_export(out, the_script(d / "www"))
            # index, style, speakers list; 2 days, 3 tracks, 27 speakers, 11 sessions
            self.assertEqual(len(pages), 1 + 1 + 2 + 3 + 27 + 11)
            for name in ("style.css", "speakers.html", "days/2014-03-24.html",
                         "sessions/d1-opening.html", "speakers/jill-helke.html",
                         "tracks/panels.html"):
                self.assertTrue((out / name).is_file(), name)

    def test_hostile_programme(self):
        with TempDir() as d:
            subprocess.run([sys.executable, str(SRCDIR / "tests/integration/hostile.py"), str(d)],
                           check=True, capture_output=True, timeout=60)
            out = export(d / "agendad.conf", d / "www")
            self.check_export(out, the_script(out))

    def test_nothing_from_a_programme_reaches_a_page_unescaped(self):
        with TempDir() as d:
            out = export(injection_programme(d), d / "www")
            pages = self.check_export(out)
            # agendad's script, the same on every page, is the only one.
            scripts = {parse(p.read_bytes(), p.name).find(".//script").text for p in pages}
            self.assertEqual(len(scripts), 1)
            session = (out / "sessions/x1.html").read_text(encoding="utf-8")
            # The text is there, as text.
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=alert(2)", session)
            self.assertIn("evilisolate", session)
            # Links agendad will not follow are shown, not linked.
            self.assertNotIn('href="javascript', session.lower())
            self.assertIn('href="https://ok.example/slides.pdf"', session)
            speaker = (out / "speakers/s2.html").read_text(encoding="utf-8")
            self.assertNotIn("ok.example", speaker)   # a bio_url with a quote is not linked
            # The add-event links carry the title percent-encoded.
            self.assertIn("text=%3Cscript%3Ealert%281%29", session)

    def test_generated_5000_sessions(self):
        with TempDir() as d:
            subprocess.run([sys.executable, str(SRCDIR / "bench/gen_programme.py"), "5000",
                            str(d / "p")], check=True, capture_output=True, timeout=120)
            out = export(d / "p" / "agendad.conf", d / "www")
            self.check_export(out, the_script(out), sample=200)
            # The overview stays small whatever the programme's size.
            self.assertLess(gzip_size((out / "index.html").read_bytes()), 100_000)


class Served(unittest.TestCase):
    """The daemon on the shipped programme, its clock at 10:30 on day 1."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        cls.conf = copy_shipped(cls.dir)
        cls.d = Daemon(cls.conf, extra=["--now", "2014-03-24 10:30"]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)
        cls.tmp.__exit__(None, None, None)

    def get(self, path, headers=None):
        return fetch(self.d.url + path, headers)

    def test_export_holds_the_served_pages(self):
        out = export(self.conf, self.dir / "www")
        pages = sorted(out.rglob("*.html")) + [out / "style.css"]
        for page in pages:
            name = str(page.relative_to(out))
            with self.subTest(page=name):
                status, _, body = self.get("/" + name)
                self.assertEqual(status, 200)
                self.assertEqual(body, page.read_bytes())
        self.assertEqual(self.get("/")[2], (out / "index.html").read_bytes())

    def test_now_follows_the_simulated_clock(self):
        status, headers, body = self.get("/now.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        now = json.loads(body)
        self.assertTrue(now["local"].startswith("2014-03-24T10:3"), now["local"])
        running = [r["now"]["id"] for r in now["rooms"] if r["now"]]
        upcoming = [r["next"]["id"] for r in now["rooms"] if r["next"]]
        self.assertEqual(running, ["d1-opening"])
        self.assertEqual(upcoming, ["d1-fair-recruitment"])
        self.assertTrue(now["rooms"][0]["now"]["url"].endswith("/sessions/d1-opening.html"))
        status, _, page = self.get("/now.html")
        self.assertEqual(status, 200)
        self.assertEqual(problems(page, "now.html"), [])
        text = page.decode()
        self.assertIn("Opening Session", text)
        self.assertIn('id="auto" checked> Refresh every minute', text)
        # Built once a minute and served like the other pages: gzip, a
        # validator, and a short max-age.
        status, headers, gz = self.get("/now.html", {"Accept-Encoding": "gzip"})
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertIn(b"Opening Session", gzip.decompress(gz))
        self.assertEqual(headers["Cache-Control"], "max-age=30")
        self.assertRegex(headers["ETag"], r'^"[0-9a-f]+-gz"$')

    def test_pages_have_validators_and_gzip(self):
        for path in ("/", "/days/2014-03-24.html", "/sessions/d1-opening.html", "/style.css"):
            with self.subTest(path=path):
                status, headers, plain = self.get(path)
                self.assertEqual(status, 200)
                etag = headers["ETag"]
                self.assertRegex(etag, r'^"[0-9a-f]+"$')
                status, headers, gz = self.get(path, {"Accept-Encoding": "gzip"})
                self.assertEqual(headers["Content-Encoding"], "gzip")
                self.assertEqual(gzip.decompress(gz), plain)
                self.assertEqual(self.get(path, {"If-None-Match": etag})[0], 304)

    def test_each_page_names_itself_and_its_feed(self):
        for path, feed in (("/days/2014-03-24.html", "days/2014-03-24.ics"),
                           ("/sessions/d1-opening.html", "sessions/d1-opening.ics"),
                           ("/tracks/panels.html", "tracks/panels.ics"),
                           ("/speakers/jill-helke.html", "speakers/jill-helke.ics")):
            with self.subTest(path=path):
                tree = parse(self.get(path)[2], path)
                links = {l.get("rel"): l for l in tree.iter("link")}
                self.assertEqual(links["canonical"].get("href"), "http://127.0.0.1:8080" + path)
                self.assertEqual(links["alternate"].get("type"), "text/calendar")
                self.assertEqual(links["alternate"].get("href"), "http://127.0.0.1:8080/" + feed)
                self.assertTrue(tree.find(".//title").text)
                self.assertTrue(tree.find(".//meta[@name='description']").get("content"))

    def test_session_page_adds_to_calendars(self):
        page = self.get("/sessions/d1-opening.html")[2].decode()
        self.assertIn('href="webcal://127.0.0.1:8080/sessions/d1-opening.ics"', page)
        self.assertIn("https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text="
                      "Opening%20Session&amp;dates=20140324T090000Z/20140324T100000Z", page)
        self.assertIn("https://outlook.live.com/calendar/0/deeplink/compose?", page)
        self.assertIn("startdt=2014-03-24T09:00:00Z&amp;enddt=2014-03-24T10:00:00Z", page)
        self.assertIn('href="../speakers/william-lacy-swing.html"', page)
        self.assertIn("Welcome Remarks", page)

    def test_search_filters_on_the_server(self):
        status, _, page = self.get("/search.html?q=MIGRATION&track=panels")
        self.assertEqual(status, 200)
        self.assertEqual(problems(page, "search"), [])
        text = page.decode()
        self.assertIn("d1-south-south-trends", text)
        self.assertNotIn('value="d1-opening"', text)      # plenary, not panels
        status, _, page = self.get("/search.html?q=" + "x" * 101)
        self.assertEqual(status, 400)
        status, _, page = self.get("/search.html?q=%3Cscript%3E%22")
        self.assertEqual(status, 200)
        self.assertIn(b'value="&lt;script&gt;&quot;"', page)


if __name__ == "__main__":
    unittest.main(verbosity=2)
