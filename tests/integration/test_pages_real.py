#!/usr/bin/python3
"""The attendee's pages at real conference size: FOSDEM 2026 (883
sessions, 70 tracks, 30 rooms, schedule.xml) and 39C3 (schedule.json),
external files (real_data).  Every page is valid HTML with nothing unsafe
in it and every link resolves; on FOSDEM the index and every day and track
page stay under 100 KB gzip, and now.json on a simulated clock lists what
runs in each room."""
import json
import sys
import unittest

from agendadtest import TempDir, need_test_data, real_data, run, write_conf
from daemon import Daemon, fetch
from pagecheck import broken_links, gzip_size, problems

FOSDEM = real_data("fosdem-2026.schedule.xml")
CCC = real_data("39c3-everything.schedule.json")
BUDGET = 100_000  # bytes of gzip, for the index and any day or track page


def conf_for(folder, programme):
    return write_conf(folder, programme, 'state_dir = "state";\n',
                      base_url="https://fosdem.example.org/2026")


class Exported(unittest.TestCase):
    """A real programme exported once; subclasses name it."""
    PROGRAMME = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        cls.conf = conf_for(cls.dir, cls.PROGRAMME)
        proc = run("--export", cls.dir / "www", "-c", cls.conf, "--state-dir", cls.dir / "xstate")
        assert proc.returncode == 0, proc.stderr[-3000:]
        cls.out = cls.dir / "www"

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def every_page_is_valid_and_safe(self, at_least):
        pages = sorted(self.out.rglob("*.html"))
        self.assertGreater(len(pages), at_least)
        bad = []
        for page in pages:
            bad += problems(page.read_bytes(), str(page.relative_to(self.out)))
        self.assertEqual(bad[:20], [])
        self.assertEqual(broken_links(self.out, pages)[:20], [])


class Fosdem(Exported):
    PROGRAMME = FOSDEM

    def test_every_page_is_valid_and_safe(self):
        self.every_page_is_valid_and_safe(883 + 70 + 30)

    def test_budgets(self):
        sizes = {"index.html": gzip_size((self.out / "index.html").read_bytes())}
        for folder in ("days", "tracks"):
            for page in (self.out / folder).glob("*.html"):
                sizes[f"{folder}/{page.name}"] = gzip_size(page.read_bytes())
        self.assertEqual(len([n for n in sizes if n.startswith("tracks/")]), 70)
        over = {n: s for n, s in sizes.items() if s >= BUDGET}
        self.assertEqual(over, {})
        print(f"\nlargest gzip: {max(sizes.values())} bytes ({max(sizes, key=sizes.get)}); "
              f"index {sizes['index.html']}", file=sys.stderr)

    def test_now_on_a_simulated_clock(self):
        with Daemon(self.conf, extra=["--now", "2026-01-31 11:10"]) as d:
            _, _, body = fetch(d.url + "/now.json")
            now = json.loads(body)
            self.assertEqual(now["timezone"], "Europe/Brussels")
            running = [r for r in now["rooms"] if r["now"]]
            self.assertGreater(len(running), 10)
            for room in running:
                self.assertLessEqual(room["now"]["start"], now["now"])
                self.assertLess(now["now"], room["now"]["end"])
                if room["next"]:
                    self.assertGreaterEqual(room["next"]["start"], room["now"]["end"])
            _, _, page = fetch(d.url + "/now.html")
            self.assertEqual(problems(page, "now.html"), [])
            self.assertIn(running[0]["now"]["title"].encode(), page.replace(b"&#39;", b"'"))


class ChaosCommunicationCongress(Exported):
    PROGRAMME = CCC

    def test_every_page_is_valid_and_safe(self):
        sessions = sum(1 for _ in (self.out / "sessions").glob("*.html"))
        self.assertGreater(sessions, 100)
        self.every_page_is_valid_and_safe(sessions)


if __name__ == "__main__":
    need_test_data("test_pages_real.py (FOSDEM 2026 and 39C3, real schedules)")
    unittest.main(verbosity=2)
