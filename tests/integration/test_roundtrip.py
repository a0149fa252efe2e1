#!/usr/bin/python3
"""A programme exported to schedule.json and imported again gives the same
feeds, byte for byte.

    /usr/bin/python3 tests/integration/test_roundtrip.py [-v]

For each programme (the shipped IDM 2014 one, the one hostile.py writes,
and two written here: RICH has rooms with one title, ids that are not
slugs, two tracks of one title, tentative and cancelled sessions, a confirmed session titled
"Cancelled: ...", documents with and without URL, per-appearance
affiliations, a speaker in no session and both DST changes; EDGE has a
short event id and a zone the schema's time_zone_name refuses):

1. `agendad --export A` with a configuration naming the programme and a
   state directory of its own;
2. A/schedule.json, which --export writes;
3. `agendad --export B` with the same configuration but `programme`
   naming that schedule.json, and a FRESH state directory;
4. every file of A and of B compared byte for byte (*.ics, index.html,
   schedule.json and schedule.xml), after one normalisation: the
   values of DTSTAMP and LAST-MODIFIED.  They are the time the fresh state
   first saw each session (doc/reference.md §5: feeds are a function of programme and
   state), i.e. "now" at each export; two exports are not guaranteed to
   run in the same second, so they are compared as "a time", no more;
5. B again with a copy of A's state: now the stamps must match too, with
   no normalisation at all (the state finds every session unchanged, so
   the bodies it hashes are the same).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agendadtest import SRCDIR, TempDir, run  # noqa: E402

SHIPPED = SRCDIR / "etc" / "idm-2014-south-south.programme"
HOSTILE_PY = SRCDIR / "tests" / "integration" / "hostile.py"
STAMP = re.compile(rb"^(DTSTAMP|LAST-MODIFIED):\d{8}T\d{6}Z\r$", re.M)

RICH = r'''
event = { id = "rt-conf"; title = "Round <trip> & \"back\""; short_title = "RT 2025";
  timezone = "Europe/Berlin"; location = "Haus, Berlin";
  url = "https://example.org/rt?a=1&b=<2>";
  description = "Line one.\n\nLine <two> & three."; };
tracks = ( { id = "main"; title = "Main"; description = "The main track."; },
           { id = "x"; title = "Side, track; odd"; },
           { id = "x2"; title = "Side, track; odd"; } );
rooms = ( { id = "hall"; title = "Hall"; }, { id = "h"; title = "Hall"; },
          { id = "annex"; title = "Haus, Berlin"; } );
speakers = (
  { id = "ann"; name = "Ann Example"; affiliation = "Org A"; email = "ann@example.org";
    bio_url = "https://example.org/people/ann lee"; },
  { id = "bo"; name = "Bo"; email = "bo@example.org"; },
  { id = "cy"; name = "Cy Unused"; affiliation = "Nowhere"; email = "cy@example.org";
    bio_url = "https://example.org/cy"; },
  { id = "dee"; name = "Dée Ünïcødé 🎉"; affiliation = "Org D"; email = "dee@example.org";
    bio_url = "https://example.org/dee"; }
);
sessions = (
  { id = "opening"; title = "Opening <b>now</b>"; start = "2025-10-25 09:00";
    end = "2025-10-25 10:00"; room = "hall"; track = "main"; kind = "talk";
    description = "Welcome <b>all</b>.\n\nSecond paragraph.";
    people = ( { speaker = "dee"; role = "Chair"; },
               { speaker = "ann"; role = "Keynote"; affiliation = "Org A, as printed"; },
               { speaker = "bo"; } );
    documents = ( { title = "Slides"; url = "https://example.org/s.pdf"; },
                  { title = "Handout"; },
                  { title = "Odd"; url = "https://example.org/a b"; },
                  { title = "Script"; url = "javascript:alert(1)"; } ); },
  { id = "night"; title = "Across the autumn change"; start = "2025-10-26 01:30";
    end = "2025-10-26 02:30 +01:00"; room = "h"; status = "tentative";
    people = ( { speaker = "bo"; role = "Host"; } ); },
  { id = "x"; title = "Cancelled: not really"; start = "2025-10-26 09:00";
    end = "2025-10-26 10:00"; room = "annex"; track = "x"; },
  { id = "gone"; title = "Gone"; status = "cancelled"; start = "2025-10-26 11:00";
    end = "2025-10-26 12:00"; track = "x2"; people = ( { speaker = "ann"; } ); },
  { id = "coffee"; title = "Coffee"; kind = "break"; start = "2025-10-26 10:30";
    end = "2025-10-26 10:45"; room = "annex"; },
  { id = "spring"; title = "Across the spring change"; start = "2025-03-30 01:30";
    end = "2025-03-30 03:30"; kind = "workshop"; documents = ( { title = "Only a title"; } ); }
);
'''

EDGE = r'''
event = { id = "ab"; title = "Edge"; timezone = "Etc/GMT-14"; };
speakers = ( { id = "x"; name = "X"; email = "xx@example.com"; } );
sessions = (
  { id = "c150129"; title = "Late"; start = "2025-01-01 23:50"; end = "2025-01-02 00:10";
    people = ( { speaker = "x"; } ); },
  { id = "c144809"; title = "Early"; start = "2025-01-01 10:00"; end = "2025-01-01 11:00"; }
);
'''


def write_conf(folder, programme, state):
    """etc/agendad.conf with programme and state_dir replaced."""
    text = (SRCDIR / "etc" / "agendad.conf").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^programme = .*$', 'programme = "%s";' % programme, text)
    text = re.sub(r'(?m)^state_dir = .*$', 'state_dir = "%s";' % state, text)
    conf = pathlib.Path(folder) / "agendad.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def export(conf, out):
    run("--export", out, "-c", conf, check=0)


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(pathlib.Path(folder).rglob("*")) if p.is_file()}


def schedule_json(a_dir):
    """A/schedule.json, which --export must have written."""
    exported = pathlib.Path(a_dir) / "schedule.json"
    if not exported.exists():
        raise AssertionError(f"agendad --export did not write {exported}")
    return exported


class RoundTrip(unittest.TestCase):
    def round_trip(self, programme):
        with TempDir() as d:
            a_conf_dir, b_conf_dir = d / "a", d / "b"
            a_conf_dir.mkdir()
            b_conf_dir.mkdir()
            shutil.copy(programme, a_conf_dir / "prog.programme")
            export(write_conf(a_conf_dir, "prog.programme", d / "state-a"), d / "A")
            shutil.copy(schedule_json(d / "A"),
                        b_conf_dir / "schedule.json")
            export(write_conf(b_conf_dir, "schedule.json", d / "state-b"), d / "B")
            a, b = files(d / "A"), files(d / "B")
            self.assertEqual(sorted(a), sorted(b), "the same files")
            self.assertIn("calendar.ics", a)
            self.assertIn("index.html", a)
            for name in a:
                with self.subTest(file=name):
                    self.assertEqual(STAMP.sub(rb"\1:-", b[name]).decode(),
                                     STAMP.sub(rb"\1:-", a[name]).decode())
            # With A's state, not even the stamps may differ.
            shutil.copytree(d / "state-a", d / "state-b2")
            export(write_conf(b_conf_dir, "schedule.json", d / "state-b2"), d / "B2")
            b2 = files(d / "B2")
            for name in a:
                with self.subTest(file=name, state="A's"):
                    self.assertEqual(b2[name], a[name])
            return a

    def test_shipped(self):
        a = self.round_trip(SHIPPED)
        self.assertIn(b"DESCRIPTION:Welcome Remarks: William Lacy Swing", a["calendar.ics"])

    def test_hostile(self):
        with TempDir() as d:
            subprocess.run([sys.executable, str(HOSTILE_PY), str(d)], check=True,
                           capture_output=True)
            self.round_trip(d / "hostile.programme")

    def test_rich(self):
        with TempDir() as d:
            (d / "rich.programme").write_text(RICH, encoding="utf-8")
            a = self.round_trip(d / "rich.programme")
            # What the comparison covers: feeds of the programme's own ids.
            for name in ("rooms/h.ics", "rooms/hall.ics", "tracks/x.ics", "tracks/x2.ics",
                         "speakers/cy.ics",
                         "sessions/x.ics"):
                self.assertIn(name, a)
            self.assertNotIn(b"Cancelled: Gone", a["calendar.ics"])

    def test_edge(self):
        with TempDir() as d:
            (d / "edge.programme").write_text(EDGE, encoding="utf-8")
            self.round_trip(d / "edge.programme")


if __name__ == "__main__":
    unittest.main()
