#!/usr/bin/python3
"""The command line: -t, --export, exit statuses, and what the state
directory remembers between exports (SEQUENCE, CANCELLED tombstones)."""
import os
import unittest

from agendadtest import SRCDIR, TempDir, events, run, write_programme

SHIPPED = SRCDIR / "etc" / "agendad.conf"

PROGRAMME = """
event = { id = "cli"; title = "CLI Test"; timezone = "Europe/Zurich"; };
tracks = ( { id = "main"; title = "Main"; } );
rooms = ( { id = "r1"; title = "Room 1"; }, { id = "r2"; title = "Room 2"; } );
speakers = ( { id = "ada"; name = "Ada"; email = "ada@example.org"; } );
sessions = (
  { id = "a"; title = "A"; start = "2030-05-01 10:00"; end = "2030-05-01 11:00";
    room = "r1"; track = "main"; people = ( { speaker = "ada"; role = "Chair"; } ); },
  { id = "b"; title = "B"; start = "2030-05-01 11:00"; end = "2030-05-01 12:00"; room = "r1"; },
  { id = "c"; title = "C"; start = "2030-05-02 09:00"; end = "2030-05-02 10:00"; room = "r2";
    description = "first"; }
);
"""


class Summary(unittest.TestCase):
    def test_shipped_programme_summary(self):
        proc = run("-t", "-c", SHIPPED, check=0)
        self.assertIn("11 sessions, 27 speakers, 2 days, 3 tracks, 0 rooms, 0 warnings",
                      proc.stdout)
        self.assertIn("from 2014-03-24 to 2014-03-25 (Europe/Zurich)", proc.stdout)

    def test_version_and_help(self):
        self.assertRegex(run("--version", check=0).stdout, r"^agendad \d+\.\d+\.\d+\n$")
        self.assertIn("--export DIR", run("--help", check=0).stdout)

    def test_usage_errors_exit_2(self):
        for args in (["--bogus"], ["-t", "--export", "x"], ["--speed", "2"], ["extra"]):
            with self.subTest(args=args):
                proc = run(*args, check=2)
                self.assertTrue(proc.stderr)

    def test_invalid_programme_exit_1_with_every_error(self):
        with TempDir() as d:
            conf = write_programme(d, """
event = { id = "x"; title = "X"; timezone = "Europe/Zurich"; };
sessions = (
  { id = "Bad"; title = "t"; start = "2030-01-01 10:00"; end = "2030-01-01 11:00"; },
  { id = "ok"; title = "t"; start = "2030-01-01 10:00"; end = "2030-01-01 09:00"; },
  { id = "ok2"; title = "t"; start = "2030-01-01 10:00"; end = "2030-01-01 11:00"; room = "nope"; }
);
""")
            proc = run("-t", "-c", conf, check=1)
            prog = str(d / "test.programme")
            self.assertIn(f"{prog}:4: 'id' \"Bad\" is not a valid id", proc.stderr)
            self.assertIn(f"{prog}:5: session 'ok' ends before it starts", proc.stderr)
            self.assertIn(f"{prog}:6: unknown room 'nope'", proc.stderr)
            self.assertEqual(proc.stdout, "")

    def test_invalid_utf8_is_an_error(self):
        with TempDir() as d:
            conf = write_programme(d, "")
            (d / "test.programme").write_bytes(
                b'event = { id = "x"; title = "caf\xe9"; timezone = "Europe/Zurich"; };\n')
            proc = run("-t", "-c", conf, check=1)
            self.assertIn(f"{d / 'test.programme'}:1: 'title' is not valid UTF-8", proc.stderr)

    def test_missing_configuration_exit_1(self):
        proc = run("-t", "-c", "/nonexistent/agendad.conf", check=1)
        self.assertIn("/nonexistent/agendad.conf: cannot read", proc.stderr)

    def test_helo_must_be_fully_qualified(self):
        with TempDir() as d:
            prog = (SRCDIR / "etc" / "idm-2014-south-south.programme").read_text(encoding="utf-8")
            conf = write_programme(d, prog, 'channels = ( { name = "mail"; type = "email";\n'
                                   '  smtp_url = "smtp://127.0.0.1:2525"; from = "a@example.org";\n'
                                   '  helo = "mailhost"; } );\n')
            r = run("-t", "-c", conf, check=1)
            self.assertIn(f"{conf}:5: 'helo' is \"mailhost\"; expected a fully qualified", r.stderr)

    def test_warnings_are_not_fatal(self):
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME.replace('"2030-05-01 11:00"; end = "2030-05-01 12:00"',
                                                        '"2030-05-01 10:30"; end = "2030-05-01 12:00"'))
            proc = run("-t", "-c", conf, check=0)
            self.assertIn("warning: session 'b' overlaps 'a'", proc.stderr)
            self.assertIn("1 warnings", proc.stdout)


class Export(unittest.TestCase):
    def export(self, d, conf, name):
        out = d / name
        run("--export", out, "-c", conf, "--state-dir", d / "state", check=0)
        return out

    def test_layout_and_no_temporary_files(self):
        with TempDir() as d:
            out = self.export(d, SHIPPED, "out")
            for rel in ("calendar.ics", "index.html", "days/2014-03-24.ics",
                        "days/2014-03-25.ics", "tracks/plenary.ics", "speakers/jill-helke.ics",
                        "sessions/d1-opening.ics"):
                self.assertTrue((out / rel).is_file(), rel)
            leftovers = [p for p in out.rglob("*") if p.name.endswith("~")]
            self.assertEqual(leftovers, [])

    def test_unwritable_state_dir_exit_3(self):
        if os.geteuid() == 0:
            state = "/proc/agendad-cannot-exist"  # not even root can create it
        else:
            state = "/agendad-cannot-exist"
        with TempDir() as d:
            proc = run("--export", d / "out", "-c", SHIPPED, "--state-dir", state, check=3)
            self.assertIn("state directory", proc.stderr)

    def test_sequence_and_tombstones_follow_changes(self):
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME)
            first = events(self.export(d, conf, "one") / "calendar.ics")
            self.assertEqual({u: int(e["SEQUENCE"]) for u, e in first.items()},
                             {"a@cli": 0, "b@cli": 0, "c@cli": 0})
            # Move a, change only c's description, remove b.
            changed = PROGRAMME.replace('start = "2030-05-01 10:00"; end = "2030-05-01 11:00"',
                                        'start = "2030-05-01 13:00"; end = "2030-05-01 14:00"')
            changed = changed.replace('description = "first"', 'description = "second"')
            changed = "\n".join(l for l in changed.splitlines() if 'id = "b"' not in l)
            write_programme(d, changed)
            out = self.export(d, conf, "two")
            second = events(out / "calendar.ics")
            self.assertEqual(int(second["a@cli"]["SEQUENCE"]), 1)
            self.assertEqual(int(second["c@cli"]["SEQUENCE"]), 0)
            self.assertGreaterEqual(second["c@cli"]["LAST-MODIFIED"].dt,
                                    first["c@cli"]["LAST-MODIFIED"].dt)
            self.assertEqual(str(second["b@cli"]["STATUS"]), "CANCELLED")
            self.assertEqual(int(second["b@cli"]["SEQUENCE"]), 1)
            # The tombstone stays in its day, room and own feed.
            self.assertIn("b@cli", events(out / "days/2030-05-01.ics"))
            self.assertIn("b@cli", events(out / "rooms/r1.ics"))
            self.assertEqual(str(events(out / "sessions/b.ics")["b@cli"]["STATUS"]), "CANCELLED")
            # A cancelled session carries no alarm.
            self.assertEqual(list(second["b@cli"].walk("VALARM")), [])

    def test_two_exports_are_byte_identical(self):
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME, 'feeds = { alarms = [ "10m" ]; };\n')
            one = self.export(d, conf, "one")
            two = self.export(d, conf, "two")
            files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
            self.assertEqual(files, sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file()))
            for rel in files:
                self.assertEqual((one / rel).read_bytes(), (two / rel).read_bytes(), str(rel))

    def test_stale_feeds_are_removed_from_the_export(self):
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME)
            out = self.export(d, conf, "out")
            self.assertTrue((out / "rooms/r2.ics").exists())
            write_programme(d, PROGRAMME.replace('{ id = "r2"; title = "Room 2"; }',
                                                 '{ id = "r3"; title = "Room 3"; }')
                            .replace('room = "r2"', 'room = "r3"'))
            self.export(d, conf, "out")
            self.assertFalse((out / "rooms/r2.ics").exists())
            self.assertTrue((out / "rooms/r3.ics").exists())
            # and their pages
            self.assertFalse((out / "rooms/r2.html").exists())
            self.assertTrue((out / "rooms/r3.html").exists())

    def test_reexport_leaves_unchanged_files_alone(self):
        """A web server serving the folder keeps its ETags: only files whose
        bytes change are replaced (a new inode, by rename); the others keep
        their inode and mtime."""
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME)
            out = self.export(d, conf, "out")
            files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
            before = {rel: os.stat(out / rel) for rel in files}
            write_programme(d, PROGRAMME.replace('description = "first"',
                                                 'description = "second"'))
            proc = run("--export", out, "-c", conf, "--state-dir", d / "state", check=0,
                       env={"AGENDAD_LOG_LEVEL": "debug"})
            # c changed: its own feed and page, its day, its room, the
            # whole programme and the documents (and the index and the
            # list pages, which do not show descriptions, stay).
            changed = {"calendar.ics", "days/2030-05-02.ics", "rooms/r2.ics",
                       "sessions/c.ics", "sessions/c.html", "schedule.json", "schedule.xml"}
            for rel in files:
                now = os.stat(out / rel)
                same = (now.st_ino, now.st_mtime_ns) == (before[rel].st_ino,
                                                         before[rel].st_mtime_ns)
                self.assertEqual(same, str(rel) not in changed, str(rel))
            self.assertIn(f"{len(changed)} files written, {len(files) - len(changed)} unchanged",
                          proc.stderr)
            self.assertIn("second", (out / "sessions/c.ics").read_text())
            self.assertEqual([p for p in out.rglob("*") if p.name.endswith("~")], [])

    def test_a_new_folder_appears_whole(self):
        """A feed folder appears whole (the export is swapped in at once);
        a hidden folder an older version's export left when it died is
        not carried over, and nothing hidden stays."""
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME)
            out = d / "out"
            (out / ".sessions.new~").mkdir(parents=True)
            (out / ".sessions.new~" / "old.ics").write_text("half")
            self.export(d, conf, "out")
            self.assertEqual(sorted(p.name for p in (out / "sessions").iterdir()),
                             ["a.html", "a.ics", "b.html", "b.ics", "c.html", "c.ics"])
            self.assertEqual(sorted(p.name for p in out.iterdir() if p.name.startswith(".")), [])
            # An export that cannot finish (a file of the user's is in the
            # way of a feed folder) leaves the folder as it was.
            (out / "sessions").rename(out / "kept")
            (out / "sessions").write_text("not a folder")
            proc = run("--export", out, "-c", conf, "--state-dir", d / "state", check=3)
            self.assertIn(str(out), proc.stderr)
            self.assertEqual((out / "sessions").read_text(), "not a folder")
            self.assertEqual(sorted(p.name for p in out.iterdir() if p.name.startswith(".")), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
