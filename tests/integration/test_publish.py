#!/usr/bin/python3
"""An export folder shows one whole programme at a time: `agendad --export
DIR` fills a new generation beside DIR and swaps the link DIR with one
rename(2).  A run killed half-way leaves DIR showing the previous
programme, and the next run removes what it left; a plain folder (from an
older version, or made by hand) becomes a link and keeps its other files."""
import fcntl
import os
import signal
import subprocess
import sys
import time
import unittest

from agendadtest import AGENDAD, SRCDIR, TempDir, run, snapshot, write_programme

GEN = SRCDIR / "bench" / "gen_programme.py"
SESSIONS = 5000


def leftovers(parent, name="out"):
    """What beside DIR is not DIR, its generation or its lock."""
    current = os.readlink(parent / name) if (parent / name).is_symlink() else None
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(f".{name}.") and p.name not in (current, f".{name}.lock"))


class KilledExport(unittest.TestCase):
    def test_killed_export_leaves_the_previous_programme(self):
        with TempDir() as d:
            subprocess.run([sys.executable, str(GEN), str(SESSIONS), str(d / "one")], check=True,
                           capture_output=True, timeout=120)
            subprocess.run([sys.executable, str(GEN), str(SESSIONS), str(d / "two"), "--seed", "7"],
                           check=True, capture_output=True, timeout=120)
            one, two = d / "one" / "agendad.conf", d / "two" / "agendad.conf"
            results = []
            # Kill the export of another programme half-way; sooner when the
            # kill came too late (after the swap, or the end), up to 4 times.
            for attempt, frac in enumerate((0.5, 0.3, 0.15, 0.05)):
                out, state = d / f"out{attempt}", d / f"state{attempt}"
                t0 = time.monotonic()
                run("--export", out, "-c", one, "--state-dir", state, check=0, timeout=300)
                took = time.monotonic() - t0
                before = snapshot(out)
                self.assertGreater(len(before), SESSIONS)
                proc = subprocess.Popen([str(AGENDAD), "--export", str(out), "-c", str(two),
                                         "--state-dir", str(state)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(took * frac)
                proc.send_signal(signal.SIGKILL)
                killed = proc.wait(timeout=60) == -signal.SIGKILL
                mid = snapshot(out)
                # The next run cleans what the killed one left, and publishes.
                proc = run("--export", out, "-c", two, "--state-dir", state, check=0, timeout=300)
                self.assertEqual(leftovers(d, out.name), [], proc.stderr)
                after = snapshot(out)
                self.assertNotEqual(after["calendar.ics"], before["calendar.ics"])
                self.assertEqual([p for p in after if p.endswith("~")], [])
                # What the kill left is one whole programme: the old one (or,
                # when it came after the swap, the new one), never a mix.
                self.assertTrue(mid == before or mid == after,
                                f"a killed export left a mix: {sum(mid.get(k) != before.get(k) for k in set(mid) | set(before))} "
                                f"files differ from the previous programme, "
                                f"{sum(mid.get(k) != after.get(k) for k in set(mid) | set(after))} from the next")
                results.append((frac, killed, mid == before))
                if killed and mid == before:
                    break
            self.assertIn((True, True), [r[1:] for r in results],
                          f"no export was killed before it swapped: {results}")


class Layout(unittest.TestCase):
    def export(self, d, out, check=0):
        conf = write_programme(d, PROGRAMME)
        return run("--export", out, "-c", conf, "--state-dir", d / "state", check=check)

    def test_dir_is_a_link_swapped_whole(self):
        with TempDir() as d:
            self.export(d, d / "out")
            first = os.readlink(d / "out")
            self.assertTrue((d / "out" / "calendar.ics").is_file())
            self.export(d, d / "out")
            second = os.readlink(d / "out")
            self.assertNotEqual(first, second)
            self.assertFalse((d / first).exists(), "the previous generation stays")
            self.assertEqual(leftovers(d), [])

    def test_plain_folder_is_migrated_and_keeps_other_files(self):
        with TempDir() as d:
            out = d / "out"
            (out / "static").mkdir(parents=True)
            (out / "sessions").mkdir()
            (out / "robots.txt").write_text("User-agent: *\n")
            (out / "static" / "logo.svg").write_text("<svg/>")
            (out / "sessions" / "gone.ics").write_text("a stale feed")
            (out / "sessions" / "notes.txt").write_text("kept")
            (out / "calendar.ics.tmp~").write_text("half")
            (out / ".days.new~").mkdir()
            (out / ".days.new~" / "x.ics").write_text("half")
            robots = os.stat(out / "robots.txt")
            proc = self.export(d, out)
            self.assertTrue(out.is_symlink(), proc.stderr)
            self.assertEqual(os.stat(out / "robots.txt").st_ino, robots.st_ino)
            self.assertEqual((out / "static" / "logo.svg").read_text(), "<svg/>")
            self.assertEqual((out / "sessions" / "notes.txt").read_text(), "kept")
            self.assertFalse((out / "sessions" / "gone.ics").exists())
            self.assertEqual(sorted(p.name for p in out.iterdir() if p.name.endswith("~")), [])
            self.assertTrue((out / "sessions" / "a.ics").is_file())
            self.assertEqual(leftovers(d), [])

    def test_a_link_of_the_users_own_is_followed(self):
        with TempDir() as d:
            (d / "data").mkdir()
            os.symlink("data/real", d / "out")
            self.export(d, d / "out")
            self.assertEqual(os.readlink(d / "out"), "data/real")
            self.assertTrue(os.readlink(d / "data" / "real").startswith(".real.gen-"))
            self.assertTrue((d / "out" / "calendar.ics").is_file())

    def test_concurrent_export_is_refused(self):
        with TempDir() as d:
            self.export(d, d / "out")
            gen = os.readlink(d / "out")
            with open(d / ".out.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                proc = self.export(d, d / "out", check=3)
            self.assertIn("another export into it is running", proc.stderr)
            self.assertEqual(os.readlink(d / "out"), gen)

    def test_not_a_folder(self):
        with TempDir() as d:
            (d / "out").write_text("a file")
            proc = self.export(d, d / "out", check=3)
            self.assertIn("exists and is not a folder", proc.stderr)
            self.assertEqual((d / "out").read_text(), "a file")
            self.assertEqual(leftovers(d), [])


PROGRAMME = """
event = { id = "pub"; title = "Publish"; timezone = "Europe/Zurich"; };
rooms = ( { id = "r1"; title = "Room 1"; } );
sessions = (
  { id = "a"; title = "A"; start = "2030-05-01 10:00"; end = "2030-05-01 11:00"; room = "r1"; }
);
"""


if __name__ == "__main__":
    unittest.main(verbosity=2)
