#!/usr/bin/python3
"""The attendee's pages of the shipped programme in a real browser
(Debian's headless Chromium): they render, link every feed with https and
webcal links, are valid HTML, and screenshots at phone and desktop widths
go to tests/out/ for a person to look at."""
import html.parser
import json
import re
import shutil
import subprocess
import unittest

import html5lib  # Debian's python3-html5lib: a conforming HTML5 parser

from agendadtest import BUILDDIR, TempDir
from daemon import Daemon, copy_shipped, fetch, free_port
from parsers import js_tool
from subscriber import Vdirsyncer

OUT = BUILDDIR / "tests" / "out"
# Flags that keep Chromium off the network and out of a sandbox that root
# cannot use.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    raise AssertionError("chromium is not installed (Debian package chromium)")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href", ""))


class IndexPage(unittest.TestCase):
    def browse(self, d, url, *args):
        proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={d}/profile", *args, url],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        return proc.stdout

    def links_of(self, url):
        _, _, page = fetch(url)
        links = Links()
        links.feed(page.decode())
        return links.hrefs

    def test_page_lists_every_feed_and_renders(self):
        OUT.mkdir(parents=True, exist_ok=True)
        with TempDir() as d, Daemon(copy_shipped(d)) as daemon:
            dom = self.browse(d, daemon.url + "/", "--dump-dom")
            links = Links()
            links.feed(dom)
            # The shipped base_url is http://127.0.0.1:8080; feed links use
            # it, links between pages are relative.
            for feed in ("calendar.ics", "days/2014-03-24.ics", "days/2014-03-25.ics",
                         "tracks/plenary.ics", "tracks/panels.ics", "tracks/voices.ics"):
                self.assertIn("http://127.0.0.1:8080/" + feed, links.hrefs, feed)
                self.assertIn("webcal://127.0.0.1:8080/" + feed, links.hrefs, feed)
                if feed != "calendar.ics":
                    self.assertIn(feed.replace(".ics", ".html"), links.hrefs, feed)
            self.assertIn("now.html", links.hrefs)
            self.assertIn("speakers.html", links.hrefs)
            speakers = {h for h in self.links_of(daemon.url + "/speakers.html")
                        if h.startswith("speakers/")}
            self.assertEqual(len(speakers), 27)
            for page in ("speakers/jill-helke.html", "sessions/d1-opening.html"):
                feed = page.replace(".html", ".ics")
                hrefs = self.links_of(f"{daemon.url}/{page}")
                self.assertIn("http://127.0.0.1:8080/" + feed, hrefs, page)
                self.assertIn("webcal://127.0.0.1:8080/" + feed, hrefs, page)
            sessions = set()
            for day in ("2014-03-24", "2014-03-25"):
                sessions |= {h for h in self.links_of(f"{daemon.url}/days/{day}.html")
                             if h.startswith("../sessions/")}
            self.assertEqual(len(sessions), 11)
            _, _, jill = fetch(daemon.url + "/speakers/jill-helke.html")
            self.assertIn(b"Jill Helke", jill)
            _, _, day1 = fetch(daemon.url + "/days/2014-03-24.html")
            self.assertIn(b"Gervais Appave", day1 + fetch(daemon.url + "/days/2014-03-25.html")[2])
            for path in ("/", "/speakers.html", "/days/2014-03-24.html", "/sessions/d1-opening.html"):
                self.assertNotIn(b"@example.org", fetch(daemon.url + path)[2], path)
            for name, size in (("index-phone.png", "390,844"), ("index-desktop.png", "1280,900")):
                target = OUT / name
                if target.exists():
                    target.unlink()
                self.browse(d, daemon.url + "/", f"--screenshot={target}",
                            f"--window-size={size}")
                self.assertTrue(target.exists() and target.stat().st_size > 10000, name)
                self.assertEqual(target.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")

    def assert_valid_html(self, page, what):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(page)
        except html5lib.html5parser.ParseError as e:
            self.fail(f"{what} is not valid HTML: {e}")

    def test_pages_are_valid_html_without_external_assets(self):
        with TempDir() as d, Daemon(copy_shipped(d)) as daemon:
            ticks = 0
            for path in ("/", "/days/2014-03-24.html", "/days/2014-03-25.html",
                         "/sessions/d1-opening.html", "/tracks/panels.html",
                         "/speakers/jill-helke.html", "/speakers.html", "/now.html",
                         "/search.html?q=migration"):
                _, _, page = fetch(daemon.url + path)
                self.assert_valid_html(page, path)
                text = page.decode()
                # Only the canonical address and the feed are absolute;
                # the stylesheet is the site's own, and nothing is loaded
                # from elsewhere.
                self.assertNotRegex(text, r'<(script|img|iframe)\b[^>]*\bsrc=')
                for rel, href in re.findall(r'<link rel="([a-z]+)"[^>]*href="([^"]*)"', text):
                    if rel == "stylesheet":
                        self.assertRegex(href, r"^(\.\./)*style\.css$", path)
                    else:
                        self.assertTrue(href.startswith("http://127.0.0.1:8080/"), (path, href))
                self.assertNotIn("@import", text)
                self.assertNotIn("url(", text)
                if path.startswith("/days/"):
                    self.assertIn('<form method="post" action="../my">', text)
                    ticks += text.count('name="session"')
            self.assertEqual(ticks, 8)  # 11 sessions, 3 of them breaks
            _, _, css = fetch(daemon.url + "/style.css")
            self.assertIn(b"@media print", css)
            self.assertNotIn(b"url(", css)

    def test_tick_three_sessions_and_subscribe_with_vdirsyncer(self):
        OUT.mkdir(parents=True, exist_ok=True)
        port = free_port()
        with TempDir() as d:
            conf = copy_shipped(d)
            conf.write_text(conf.read_text().replace('"http://127.0.0.1:8080"',
                                                     f'"http://127.0.0.1:{port}"'))
            with Daemon(conf, port=port) as daemon:
                picked = ["d1-opening", "d1-fair-recruitment", "d1-south-south-trends"]
                script, cwd = js_tool("select_sessions.mjs")
                proc = subprocess.run(["node", str(script), daemon.url,
                                       str(OUT), *picked], cwd=cwd, capture_output=True,
                                      text=True, timeout=180)
                self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
                got = json.loads(proc.stdout)
                self.assertRegex(got["page"], daemon.url + r"/my/[A-Za-z0-9_-]{22}$")
                self.assertEqual(got["feed"], got["page"] + ".ics")
                self.assertGreater(got["copyButtons"], 5, "the script shows the copy buttons")
                for name in ("index-phone.png", "index-desktop.png", "selection-phone.png",
                             "selection-desktop.png"):
                    self.assertEqual((OUT / name).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", name)
                _, _, page = fetch(got["page"])
                self.assert_valid_html(page, "the selection page")
                self.assertEqual(sorted(self.vdirsyncer(d, got["feed"])),
                                 sorted(f"{i}@idm2014-south-south" for i in picked))

    def vdirsyncer(self, d, url):
        """The UIDs of what vdirsyncer pulls from url, mapped back through
        the feed's summaries (vdirsyncer rewrites UIDs)."""
        import icalendar
        events, _ = Vdirsyncer(d / "client", url).sync()
        _, _, feed = fetch(url)
        by_summary = {str(ev["SUMMARY"]): str(ev["UID"])
                      for ev in icalendar.Calendar.from_ical(feed).walk("VEVENT")}
        return [by_summary[str(ev["SUMMARY"])] for ev in events]


if __name__ == "__main__":
    unittest.main(verbosity=2)
