#!/usr/bin/python3
"""The index page in a real browser (Debian's headless Chromium): it
renders, lists every feed with https and webcal links, and screenshots
at phone and desktop widths go to tests/out/ for a person to look at."""
import html.parser
import os
import pathlib
import shutil
import subprocess
import unittest

from agendadtest import BUILDDIR, TempDir
from daemon import Daemon, copy_shipped

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

    def test_page_lists_every_feed_and_renders(self):
        OUT.mkdir(parents=True, exist_ok=True)
        with TempDir() as d, Daemon(copy_shipped(d)) as daemon:
            dom = self.browse(d, daemon.url + "/", "--dump-dom")
            links = Links()
            links.feed(dom)
            feeds = {"calendar.ics", "days/2014-03-24.ics", "days/2014-03-25.ics",
                     "tracks/plenary.ics", "tracks/panels.ics", "tracks/voices.ics",
                     "speakers/jill-helke.ics", "speakers/helene-bourgade.ics",
                     "sessions/d1-opening.ics", "sessions/d2-closing.ics"}
            # The shipped base_url is http://127.0.0.1:8080; links use it.
            for feed in feeds:
                self.assertIn("http://127.0.0.1:8080/" + feed, links.hrefs, feed)
                self.assertIn("webcal://127.0.0.1:8080/" + feed, links.hrefs, feed)
            speaker_links = {h for h in links.hrefs if h.startswith("webcal://") and "/speakers/" in h}
            self.assertEqual(len(speaker_links), 27)
            session_links = {h for h in links.hrefs if h.startswith("webcal://") and "/sessions/" in h}
            self.assertEqual(len(session_links), 11)
            self.assertIn("Gervais Appave", dom)
            self.assertNotIn("@example.org", dom)
            for name, size in (("index-phone.png", "390,844"), ("index-desktop.png", "1280,900")):
                target = OUT / name
                if target.exists():
                    target.unlink()
                self.browse(d, daemon.url + "/", f"--screenshot={target}",
                            f"--window-size={size}")
                self.assertTrue(target.exists() and target.stat().st_size > 10000, name)
                self.assertEqual(target.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
