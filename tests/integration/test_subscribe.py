#!/usr/bin/python3
"""A real subscribing client: vdirsyncer pulls /calendar.ics from the
running daemon over HTTP into a local folder, one file per session."""
import pathlib
import shutil
import subprocess
import unittest

import icalendar  # Debian's python3-icalendar

from agendadtest import TempDir
from daemon import Daemon, copy_shipped

SESSIONS = 11


class Vdirsyncer(unittest.TestCase):
    def test_vdirsyncer_finds_every_session(self):
        self.assertIsNotNone(shutil.which("vdirsyncer"), "vdirsyncer is not installed")
        with TempDir() as d, Daemon(copy_shipped(d)) as daemon:
            local = d / "local"
            local.mkdir()
            config = d / "vdirsyncer.conf"
            config.write_text(f"""
[general]
status_path = "{d}/status/"

[pair programme]
a = "agendad"
b = "local"
collections = null
conflict_resolution = "a wins"

[storage agendad]
type = "http"
url = "{daemon.url}/calendar.ics"

[storage local]
type = "filesystem"
path = "{local}/"
fileext = ".ics"
""")
            env = {"PATH": "/usr/bin:/bin", "HOME": str(d), "LC_ALL": "C.UTF-8"}

            def sync():
                for step in (["discover"], ["sync"]):
                    proc = subprocess.run(["vdirsyncer", "-c", str(config), *step],
                                          capture_output=True, text=True, env=env, timeout=120)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                found = {}
                for f in sorted(local.glob("*.ics")):
                    cal = icalendar.Calendar.from_ical(f.read_bytes())
                    for ev in cal.walk("VEVENT"):
                        found[str(ev["SUMMARY"])] = ev["DTSTART"].dt
                return found, len(list(local.glob("*.ics")))

            found, files = sync()
            self.assertEqual(files, SESSIONS)
            self.assertEqual(len(found), SESSIONS - 1)  # two breaks share a title
            self.assertIn("Opening Session", found)
            self.assertEqual(found["Closing Session"].isoformat(), "2014-03-25T17:30:00+01:00")

            # The organiser moves the closing session; the next sync follows.
            prog = d / "idm-2014-south-south.programme"
            text = prog.read_text(encoding="utf-8")
            moved = text.replace('start = "2014-03-25 17:30"; end = "2014-03-25 18:00"',
                                 'start = "2014-03-25 17:45"; end = "2014-03-25 18:15"')
            self.assertNotEqual(text, moved)
            prog.write_text(moved, encoding="utf-8")
            daemon.wait_reloads(2)
            found, files = sync()
            self.assertEqual(files, SESSIONS)
            self.assertEqual(found["Closing Session"].isoformat(), "2014-03-25T17:45:00+01:00")


if __name__ == "__main__":
    unittest.main(verbosity=2)
