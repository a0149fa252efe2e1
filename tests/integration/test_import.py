#!/usr/bin/python3
"""Importing schedule.json and schedule.xml files: our own fixtures in
tests/data/ (pretalx and frab JSON, frab and pentabarf XML).
test_real_data.py runs the same checks on real schedules.

    /usr/bin/python3 tests/integration/test_import.py [-v]

For every *.schedule.json and *.schedule.xml there: `agendad -t` accepts
it (exit 0) and its summary counts sessions, rooms, days, tracks and
speakers as this file counts them itself from the same document (json
module / xml.etree, zoneinfo for the days); `agendad --export` writes
feeds that python-icalendar (check_ical.py) and ical.js (check_ical.mjs)
both read, agreeing on every event.  Broken JSON and XML are rejected
(exit 1) with FILE:LINE[:COL]: messages.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agendadtest import FIXTURES, JSDIR, SRCDIR, TempDir, run, write_conf  # noqa: E402


def schedules(folder):
    return sorted(list(folder.glob("*.schedule.json")) + list(folder.glob("*.schedule.xml")))


FILES = schedules(FIXTURES)
# The documents the re-exports are validated against: our own structural
# ones here, the official C3VOC files in test_real_data.py.
SCHEMA = FIXTURES / "schedule.schema.json"
XSD = FIXTURES / "schedule.xsd"
PY_CHECKER = SRCDIR / "tests" / "integration" / "check_ical.py"
SUMMARY = re.compile(r"(\d+) sessions, (\d+) speakers, (\d+) days, (\d+) tracks, (\d+) rooms, "
                     r"(\d+) warnings")


# ------------------------------------------------------------ counting in Python

def zone_of(name, first_time):
    """The zone the document means; without a name, its times' fixed offset."""
    if name:
        return ZoneInfo(name)
    return first_time.tzinfo if first_time is not None else timezone.utc


def person_key(guid, code, pid, name):
    if guid:
        return "g:" + guid.lower()
    if code:
        return "c:" + code.lower()
    if pid not in (None, ""):
        return "i:%s" % pid
    return "n:" + name


def start_of(date_text):
    return datetime.fromisoformat(date_text.replace("Z", "+00:00"))


def counts_json(path):
    conf = json.loads(path.read_text(encoding="utf-8"))["schedule"]["conference"]
    rooms = {r["name"] for r in conf.get("rooms", []) if r.get("name")}
    tracks = {t["name"] for t in conf.get("tracks", []) if t.get("name")}
    sessions, speakers, starts = set(), set(), []
    for day in conf["days"]:
        for room, events in day["rooms"].items():
            if room:
                rooms.add(room)
            for e in events:
                sessions.add(e.get("guid") or e.get("slug") or e["id"])
                rooms.add(e.get("room") or room)
                if e.get("track"):
                    tracks.add(e["track"])
                starts.append(start_of(e["date"]))
                for p in e.get("persons", []):
                    speakers.add(person_key(p.get("guid"), p.get("code"), p.get("id"),
                                            p.get("public_name") or p.get("name")))
    zone = zone_of(conf.get("time_zone_name"), starts[0] if starts else None)
    days = {s.astimezone(zone).date() for s in starts}
    rooms.discard("")
    return dict(sessions=len(sessions), speakers=len(speakers), days=len(days),
                tracks=len(tracks), rooms=len(rooms))


def counts_xml(path):
    root = ET.parse(path).getroot()
    conf = root.find("conference")
    rooms = {r.get("name") for r in root.findall("rooms/room") + root.findall("day/room")}
    tracks = {t.get("name") for t in conf.findall("track")} | \
             {t.text for t in root.findall("tracks/track")}
    sessions, speakers, starts = set(), set(), []
    for e in root.findall("day/room/event"):
        sessions.add(e.get("guid") or e.findtext("slug") or e.get("id"))
        if e.findtext("room"):
            rooms.add(e.findtext("room"))
        if e.findtext("track"):
            tracks.add(e.findtext("track"))
        starts.append(start_of(e.findtext("date")))
        for p in e.findall("persons/person"):
            speakers.add(person_key(p.get("guid"), p.get("code"), p.get("id"), p.text))
    zone = zone_of(conf.findtext("time_zone_name"), starts[0] if starts else None)
    days = {s.astimezone(zone).date() for s in starts}
    rooms.discard(None)
    rooms.discard("")
    tracks.discard(None)
    return dict(sessions=len(sessions), speakers=len(speakers), days=len(days),
                tracks=len(tracks), rooms=len(rooms))


def counts(path):
    return counts_json(path) if path.suffix == ".json" else counts_xml(path)


# ------------------------------------------------------------ tests

class CheckMode(unittest.TestCase):
    """agendad -t: exit 0 and the same counts as Python's."""
    FILES = FILES

    def test_every_file(self):
        self.assertTrue(self.FILES, "no schedules to import")
        for path in self.FILES:
            with self.subTest(file=path.name), TempDir() as d:
                proc = run("-t", "-c", write_conf(d, path))
                self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
                m = SUMMARY.search(proc.stdout)
                self.assertIsNotNone(m, proc.stdout)
                got = dict(zip(("sessions", "speakers", "days", "tracks", "rooms"),
                               map(int, m.groups()[:5])))
                self.assertEqual(got, counts(path))
                # Every warning names the file and the place in it.
                warnings = [l for l in proc.stderr.splitlines() if "warning:" in l]
                self.assertEqual(len(warnings), int(m.group(6)), proc.stderr[-3000:])
                for line in warnings:
                    if path.suffix == ".xml":
                        self.assertRegex(line, r"^%s:\d+: warning: " % re.escape(str(path)))
                    else:
                        self.assertRegex(line, r"^%s: warning: (day \d{4}-\d\d-\d\d|no time_zone"
                                               r"|time_zone_name)" % re.escape(str(path)))


def same_model(tc, a, b):
    """The same programme in two formats gives the same counts."""
    outs = []
    for path in (a, b):
        with TempDir() as d:
            proc = run("-t", "-c", write_conf(d, path), check=0)
            outs.append(SUMMARY.search(proc.stdout).groups())
    tc.assertEqual(outs[0], outs[1])


def sample(export, folder):
    """calendar.ics, every day feed and a few of each other kind."""
    folder.mkdir()
    for rel in ["calendar.ics"] + sorted(p.relative_to(export).as_posix()
                                         for p in (export / "days").glob("*.ics")):
        shutil.copy(export / rel, folder / rel.replace("/", "_"))
    for kind in ("rooms", "tracks", "speakers", "sessions"):
        for p in sorted((export / kind).glob("*.ics"))[:5]:
            shutil.copy(p, folder / ("%s_%s" % (kind, p.name)))


class Export(unittest.TestCase):
    """agendad --export, then both iCalendar readers, and the re-exported
    schedule.json and schedule.xml against a schema and an XSD (even where
    the imported document itself would not pass them)."""
    FILES, SCHEMA, XSD = FILES, SCHEMA, XSD

    def assert_valid_schedules(self, out):
        ajv = subprocess.run([str(JSDIR / "node_modules" / ".bin" / "ajv"), "validate",
                              "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                              "-s", str(self.SCHEMA),
                              "-d", str(out / "schedule.json")],
                             capture_output=True, text=True, timeout=300, cwd=JSDIR)
        self.assertEqual(ajv.returncode, 0, ajv.stdout[-3000:] + ajv.stderr[-3000:])
        xsd = subprocess.run(["xmllint", "--noout", "--schema",
                              str(self.XSD), str(out / "schedule.xml")],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(xsd.returncode, 0, xsd.stderr[-3000:])

    def test_feeds_of_every_file(self):
        self.assertTrue(self.FILES, "no schedules to import")
        node = shutil.which("node")
        if node is None or not (JSDIR / "node_modules" / "ical.js").is_dir():
            self.fail("node and ical.js (tests/js/node_modules) are needed")
        for path in self.FILES:
            with self.subTest(file=path.name), TempDir() as d:
                out = d / "out"
                run("--export", out, "-c", write_conf(d, path), "--state-dir", d / "state",
                    check=0)
                want = counts(path)
                self.assertEqual(len(list((out / "sessions").glob("*.ics"))), want["sessions"])
                self.assertEqual(len(list((out / "days").glob("*.ics"))), want["days"])
                self.assert_valid_schedules(out)
                sample(out, d / "sample")
                py = subprocess.run(["/usr/bin/python3", str(PY_CHECKER), str(d / "sample")],
                                    capture_output=True, text=True, timeout=300)
                js = subprocess.run([node, str(JSDIR / "check_ical.mjs"), str(d / "sample")],
                                    capture_output=True, text=True, timeout=300, cwd=JSDIR)
                self.assertEqual(py.returncode, 0, py.stderr[-3000:])
                self.assertEqual(js.returncode, 0, js.stderr[-3000:])
                pyj, jsj = json.loads(py.stdout), json.loads(js.stdout)
                self.assertEqual(sorted(pyj), sorted(jsj))
                cal = pyj["calendar.ics"]["events"]
                self.assertEqual(len(cal), want["sessions"])
                for feed in pyj:
                    key = lambda e: str(e["uid"])
                    for ep, ej in zip(sorted(pyj[feed]["events"], key=key),
                                      sorted(jsj[feed]["events"], key=key)):
                        for field in ("uid", "summary", "dtstart_utc", "dtend_utc"):
                            self.assertEqual(ep.get(field), ej.get(field), (feed, field))


class Oddities(unittest.TestCase):
    """What our fixtures carry on purpose, seen in the feeds."""

    def export(self, d, name):
        out = d / "out"
        run("--export", out, "-c", write_conf(d, FIXTURES / name), "--state-dir", d / "state",
            check=0)
        return out

    def description(self, out, guid):
        from agendadtest import events
        (ev,) = events(out / "sessions" / f"{guid}.ics").values()
        return str(ev["DESCRIPTION"])

    def test_html_becomes_text_and_links_become_documents(self):
        with TempDir() as d:
            out = self.export(d, "pretalx.schedule.json")
            text = self.description(out, "2b0e4c0e-7d7a-5b8e-8f61-1a2b3c4d5e01")
            self.assertIn("What the week holds & where the coffee is.", text)
            self.assertIn("Rooms <and> maps", text)
            self.assertNotIn("<p>", text)
            self.assertNotIn("&amp;", text)
            self.assertIn("https://harbour.example.org/map", text)
            self.assertIn("Slides", text)

    def test_escaped_html_in_xml(self):
        with TempDir() as d:
            out = self.export(d, "pentabarf.schedule.xml")
            text = self.description(out, "3e8d1a22-6b7c-5d8e-9f0a-1b2c3d4e5f01")
            self.assertIn("Colouring graphs with crayons.", text)
            self.assertIn("& an ampersand", text)
            self.assertNotIn("<em>", text)
            self.assertIn("regalloc.pdf", text)

    def test_repeated_ids_are_two_sessions(self):
        """frab reuses an integer id on another day; the guids tell them apart."""
        with TempDir() as d:
            out = self.export(d, "frab.schedule.json")
            for guid in ("c4f1a8e2-3b5d-4e6f-9a0b-1c2d3e4f5a07",
                         "c4f1a8e2-3b5d-4e6f-9a0b-1c2d3e4f5a17"):
                self.assertTrue((out / "sessions" / f"{guid}.ics").exists(), guid)

    def test_same_person_with_and_without_guid_once(self):
        with TempDir() as d:
            proc = run("-t", "-c", write_conf(d, FIXTURES / "frab.schedule.xml"), check=0)
            self.assertIn("4 sessions, 3 speakers,", proc.stdout)


class Broken(unittest.TestCase):
    """A document that does not parse: exit 1, FILE:LINE[:COL]: message."""

    def test_broken_json(self):
        with TempDir() as d:
            prog = d / "broken.schedule.json"
            prog.write_text('{"schedule": {\n  "conference": {\n    "title": "x"\n'
                            '    "acronym": "y"\n  }\n}}\n', encoding="utf-8")
            proc = run("-t", "-c", write_conf(d, prog), check=1)
            self.assertRegex(proc.stderr, r"(?m)^%s:4:\d+: " % re.escape(str(prog)))
            self.assertEqual(proc.stdout, "")

    def test_broken_xml(self):
        with TempDir() as d:
            prog = d / "broken.schedule.xml"
            prog.write_text('<?xml version="1.0"?>\n<schedule>\n  <conference>\n'
                            '    <title>x</titel>\n  </conference>\n</schedule>\n',
                            encoding="utf-8")
            proc = run("-t", "-c", write_conf(d, prog), check=1)
            self.assertRegex(proc.stderr, r"(?m)^%s:4: .*mismatch" % re.escape(str(prog)))
            self.assertEqual(proc.stdout, "")

    def test_event_error_names_the_place(self):
        with TempDir() as d:
            prog = d / "bad.schedule.json"
            prog.write_text(json.dumps({"schedule": {"conference": {
                "acronym": "b", "title": "B", "time_zone_name": "Europe/Berlin",
                "days": [{"date": "2030-01-01", "rooms": {"Saal 1": [
                    {"guid": "g1", "title": "No start", "duration": "00:30"}]}}]}}}),
                encoding="utf-8")
            proc = run("-t", "-c", write_conf(d, prog), check=1)
            self.assertIn("%s: day 2030-01-01, room 'Saal 1', event g1 'No start': no start"
                          % prog, proc.stderr)


if __name__ == "__main__":
    unittest.main()
