#!/usr/bin/python3
"""The attendee's pages in headless Chromium (playwright-core): axe-core
finds no violation on the index, a day, a session and now.html, at 390 px
and 1280 px, for the shipped programme and FOSDEM 2026 (when the external
data are here); Tab reaches the navigation first; an attendee on a phone
goes from the index to a day and a session, adds it to a calendar (the
.ics parses and names it), ticks three sessions and subscribes, and sees
the running session on now.html under a simulated clock; the first day
prints to A4 without the site's navigation, ticks or buttons.  Screenshots
and the printed day (PDF) go to tests/out/ for a person to look at."""
import json
import subprocess
import unittest

from agendadtest import BUILDDIR, TempDir, real_data
from daemon import Daemon, copy_shipped, fetch, free_port
from parsers import js_tool

OUT = BUILDDIR / "tests" / "out"
FOSDEM = real_data("fosdem-2026.schedule.xml")


def walk(testcase, daemon, name, *extra):
    script, cwd = js_tool("attendee.mjs")
    proc = subprocess.run(["node", str(script), daemon.url, str(OUT), name, *extra], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    testcase.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
    return json.loads(proc.stdout)


def conf_on_port(conf, port, programme=None):
    text = conf.read_text().replace('"http://127.0.0.1:8080"', f'"http://127.0.0.1:{port}"')
    if programme:
        text = text.replace('"idm-2014-south-south.programme"', f'"{programme}"')
    conf.write_text(text)
    return conf


class Browser(unittest.TestCase):
    def check_pages(self, got, name, event, zone):
        self.assertEqual(len(got["pages"]), 8)
        for key, page in got["pages"].items():
            with self.subTest(site=name, page=key):
                self.assertEqual(page["violations"], [], page["url"])
                self.assertEqual(page["keyboard"]["tag"], "A")
                self.assertTrue(page["keyboard"]["inNav"])
                self.assertTrue(page["keyboard"]["outline"])
                with open(page["screenshot"], "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.check_print(got["print"], name, event, zone)
        self.check_print(got["printList"], name, event, zone, "list print")

    def check_print(self, pr, name, event, zone, what="print"):
        """A day (or a room's page) as organisers print it: the event's
        name and time zone, every session, no navigation, ticks, buttons
        or calendar links, nothing wider than A4's printable width."""
        with self.subTest(site=name, page=what):
            self.assertTrue(pr["text"].lstrip().startswith(event), pr["text"][:200])
            self.assertIn(f"Times are in {zone}.", pr["text"])
            self.assertNotIn("in your calendar", pr["text"].lower())
            self.assertNotIn("Next day", pr["text"])
            self.assertGreater(pr["cards"], 0)
            self.assertEqual(pr["cardsShown"], pr["cards"])
            self.assertEqual(pr["chromeShown"], [])
            self.assertLessEqual(pr["width"], pr["printable"])
            self.assertLessEqual(pr["widest"], pr["printable"])
            with open(pr["pdf"], "rb") as f:
                self.assertEqual(f.read(5), b"%PDF-")
            # A card or more per sheet, not one sheet per card or a grid cut in strips.
            self.assertGreaterEqual(pr["sheets"], 1)
            self.assertLessEqual(pr["sheets"], max(1, pr["cards"] // 4))

    def test_shipped_programme_as_an_attendee(self):
        import icalendar
        OUT.mkdir(parents=True, exist_ok=True)
        port = free_port()
        with TempDir() as d:
            conf = conf_on_port(copy_shipped(d), port)
            with Daemon(conf, port=port, extra=["--now", "2014-03-24 11:30"]) as daemon:
                got = walk(self, daemon, "idm", "walk")
                self.check_pages(got, "idm", "South-South Migration: Partnering", "Europe/Zurich")
                w = got["walk"]
                self.assertTrue(w["day"].endswith("/days/2014-03-24.html"))
                cal = icalendar.Calendar.from_ical(w["ics"])
                summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
                self.assertEqual(summaries, [w["title"]])
                self.assertIn("action=TEMPLATE", w["google"])
                self.assertEqual(len(w["ticked"]), 3)
                self.assertRegex(w["selection"], daemon.url + r"/my/[A-Za-z0-9_-]{22}$")
                _, _, feed = fetch(w["feed"])
                uids = sorted(str(e["UID"]) for e in
                              icalendar.Calendar.from_ical(feed).walk("VEVENT"))
                self.assertEqual(uids, sorted(f"{i}@idm2014-south-south" for i in w["ticked"]))
                # 11:30 on day 1: the fair recruitment panel is running.
                self.assertIn("Innovative approaches to decreasing the costs", w["now"])

    @unittest.skipIf(FOSDEM is None, "fosdem-2026.schedule.xml is not among the external test data")
    def test_fosdem(self):
        OUT.mkdir(parents=True, exist_ok=True)
        port = free_port()
        with TempDir() as d:
            conf = conf_on_port(copy_shipped(d), port, FOSDEM)
            with Daemon(conf, port=port, extra=["--now", "2026-01-31 11:10"]) as daemon:
                self.check_pages(walk(self, daemon, "fosdem"), "fosdem", "FOSDEM 2026",
                                 "Europe/Brussels")


if __name__ == "__main__":
    unittest.main(verbosity=2)
