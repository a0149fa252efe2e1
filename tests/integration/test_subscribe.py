#!/usr/bin/python3
"""A real subscribing client: vdirsyncer pulls /calendar.ics from the
running daemon over HTTP into a local folder, one file per session."""
import unittest

from agendadtest import TempDir
from daemon import Daemon, copy_shipped
from subscriber import Vdirsyncer

SESSIONS = 11


class Subscribe(unittest.TestCase):
    def test_vdirsyncer_finds_every_session(self):
        with TempDir() as d, Daemon(copy_shipped(d)) as daemon:
            client = Vdirsyncer(d, f"{daemon.url}/calendar.ics")

            def sync():
                events, files = client.sync()
                return {str(ev["SUMMARY"]): ev["DTSTART"].dt for ev in events}, files

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
