#!/usr/bin/python3
"""schedule.json and schedule.xml (doc/reference.md §4) against a schema and an XSD (our
own structural ones in tests/data/; test_real_data.py runs the same checks
with the official C3VOC files), and against the programme, read
independently (python3-libconf, zoneinfo).

    /usr/bin/python3 tests/integration/test_schedule.py [-v]

Environment: AGENDAD_TOP_BUILDDIR (the unit test binary is there),
AGENDAD_TOP_SRCDIR, AGENDAD_JS_TOOLS (tests/js with its node_modules),
AGENDAD_KEEP_TMP (keep the documents and print where).  Without the cmocka
unit test binary (no libcmocka-dev) this test is skipped (exit 77).

The documents come from produce(); everything else reads files only, so
that switching to `agendad --export` changes produce() alone.

JSON schema: the schema says draft-06; ajv-cli 5 reads it with --spec=draft7
(draft-07 validators take draft-06 keywords unchanged) but needs
--strict=false for its non-standard keywords ("$oneOf", "$todo") and
prints, and ignores, the unknown format "color".
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agendadtest  # noqa: E402

import libconf  # Debian's python3-libconf  # noqa: E402

SRCDIR = str(agendadtest.SRCDIR)
BUILDDIR = str(agendadtest.BUILDDIR)
AGENDAD = str(agendadtest.AGENDAD)
JSDIR = str(agendadtest.JSDIR)
AJV = os.path.join(JSDIR, "node_modules", ".bin", "ajv")
SCHEMA = str(agendadtest.FIXTURES / "schedule.schema.json")
XSD = str(agendadtest.FIXTURES / "schedule.xsd")
UNIT_BINARY = os.path.join(BUILDDIR, "tests", "unit", "test_schedule")
SHIPPED = os.path.join(SRCDIR, "etc", "idm-2014-south-south.programme")
KEEP = bool(os.environ.get("AGENDAD_KEEP_TMP"))
SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")


def produce(outdir):
    """Writes the documents into outdir with `agendad --export`; returns
    {name: (programme, schedule.json, schedule.xml)}.  The unit test
    writes the programmes it defines (AGENDAD_SCHEDULE_OUT)."""
    binary = UNIT_BINARY
    env = dict(os.environ, AGENDAD_SCHEDULE_OUT=outdir)
    proc = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"{binary} failed:\n{proc.stdout}\n{proc.stderr}")
    result = {}
    for name, prog in (("hostile", os.path.join(outdir, "hostile.programme")),
                       ("edge", os.path.join(outdir, "edge.programme")),
                       ("empty", os.path.join(outdir, "empty.programme")),
                       ("shipped", SHIPPED)):
        folder = os.path.join(outdir, name)
        os.makedirs(folder, exist_ok=True)
        conf = os.path.join(folder, "agendad.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f'programme = "{os.path.abspath(prog)}";\n'
                    f'state_dir = "{folder}/state";\n'
                    'base_url = "https://example.org/agenda/";\n')
        export = os.path.join(folder, "export")
        proc = subprocess.run([AGENDAD, "--export", export, "-c", conf], capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"agendad --export {name} failed:\n{proc.stderr}")
        result[name] = (prog, os.path.join(export, "schedule.json"),
                        os.path.join(export, "schedule.xml"))
    return result


# --- the programme, read independently --------------------------------------------

def local_datetime(text, zone):
    """A programme time ("YYYY-MM-DD HH:MM[:SS][ +HH:MM]") as an aware datetime."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)(?: ([+-]\d\d:\d\d|Z))?", text)
    fmt = "%Y-%m-%d %H:%M:%S" if m.group(1).count(":") == 2 else "%Y-%m-%d %H:%M"
    naive = datetime.strptime(m.group(1), fmt)
    if m.group(2):
        off = m.group(2)
        delta = timedelta(0) if off == "Z" else timedelta(
            hours=int(off[1:3]), minutes=int(off[4:6])) * (1 if off[0] == "+" else -1)
        return naive.replace(tzinfo=timezone(delta)).astimezone(zone)
    return naive.replace(tzinfo=zone)


def load_programme(path):
    with open(path, encoding="utf-8") as f:
        prog = libconf.load(f)
    zone = ZoneInfo(prog["event"]["timezone"])
    sessions = {}
    for s in prog.get("sessions", []):
        start = local_datetime(s["start"], zone)
        end = local_datetime(s["end"], zone)
        # an end without an offset is read in the zone, as agendad does
        sessions[s["id"]] = dict(s, start_dt=start.astimezone(zone),
                                 end_dt=end.astimezone(zone))
    return prog, sessions


def iso(dt):
    s = dt.isoformat()
    return s if len(s) > 19 else s + "+00:00"


def u5(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def hhmm(seconds, cap=None):
    mins = (int(seconds) + 59) // 60
    h, m = divmod(mins, 60)
    if cap is not None and h > cap:
        h, m = cap, 59
    return "%02d:%02d" % (h, m)


# --- the documents, read independently ----------------------------------------------

def json_events(doc):
    """[(day, room name, event)] in document order."""
    out = []
    for day in doc["schedule"]["conference"]["days"]:
        for room, events in day["rooms"].items():
            out.extend((day, room, ev) for ev in events)
    return out


def xml_events(root):
    return [(day, room, ev) for day in root.findall("day")
            for room in day.findall("room") for ev in room.findall("event")]


class ScheduleDocuments(unittest.TestCase):
    SCHEMA, XSD = SCHEMA, XSD

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="agendad-schedule-")
        cls.docs = produce(cls.tmp)
        if KEEP:
            print("documents in", cls.tmp, file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        if not KEEP:
            import shutil
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def each(self):
        for name, (prog_path, jpath, xpath) in sorted(self.docs.items()):
            prog, sessions = load_programme(prog_path)
            with open(jpath, encoding="utf-8") as f:
                doc = json.load(f)
            root = ET.parse(xpath).getroot()
            yield name, prog, sessions, doc, root, jpath, xpath

    def test_json_valid_against_schema(self):
        for name, *_, jpath, _x in self.each():
            with self.subTest(name):
                proc = subprocess.run(
                    [AJV, "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                     "-s", self.SCHEMA, "-d", jpath], cwd=JSDIR, capture_output=True, text=True)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                self.assertIn("valid", proc.stdout + proc.stderr)

    def test_schema_check_catches_errors(self):
        """The validation above would notice: a broken copy fails."""
        jpath = self.docs["hostile"][1]
        with open(jpath, encoding="utf-8") as f:
            doc = json.load(f)
        json_events(doc)[0][2]["start"] = "24:00"
        doc["schedule"]["conference"]["acronym"] = "Hostile-Ev"
        bad = os.path.join(self.tmp, "broken.json")
        with open(bad, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        proc = subprocess.run([AJV, "validate", "--spec=draft7", "--strict=false", "-c",
                               "ajv-formats", "-s", self.SCHEMA, "-d", bad], cwd=JSDIR,
                              capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)

    def test_xml_valid_against_xsd(self):
        for name, _prog, sessions, *_, xpath in self.each():
            with self.subTest(name):
                proc = subprocess.run(["xmllint", "--noout", "--schema", self.XSD, xpath],
                                      capture_output=True, text=True)
                if sessions:
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    continue
                # Known gap: the XSD wants at least one <day>, and a
                # programme without sessions has none to give.  That must
                # be the only complaint.
                self.assertNotEqual(proc.returncode, 0)
                errors = [l for l in proc.stderr.splitlines() if "validity error" in l]
                self.assertEqual(len(errors), 1, proc.stderr)
                self.assertIn("Missing child element(s). Expected is ( day )", errors[0])

    def test_every_session_once_with_its_values(self):
        for name, prog, sessions, doc, root, *_ in self.each():
            ev_id = prog["event"]["id"]
            jev = {ev["guid"]: (day, room, ev) for day, room, ev in json_events(doc)}
            xev = {ev.get("guid"): (day, room, ev) for day, room, ev in xml_events(root)}
            self.assertEqual(len(jev), len(sessions), name)
            self.assertEqual(len(xev), len(sessions), name)
            for sid, s in sessions.items():
                with self.subTest(name=name, session=sid):
                    guid = u5(f"{sid}@{ev_id}")
                    day, room, ev = jev[guid]
                    xday, xroom, x = xev[guid]
                    title = ("Cancelled: " if s.get("status") == "cancelled" else "") + s["title"]
                    # in UTC: Python subtracts datetimes of one zone on the wall clock
                    length = (s["end_dt"].astimezone(timezone.utc)
                              - s["start_dt"].astimezone(timezone.utc)).total_seconds()
                    self.assertEqual(ev["slug"], sid if SLUG.match(sid) else "session-" + guid)
                    self.assertEqual(ev["title"], title)
                    self.assertEqual(x.findtext("title"), title)
                    self.assertEqual(ev["date"], iso(s["start_dt"]))
                    self.assertEqual(ev["end"], iso(s["end_dt"]))
                    self.assertEqual(x.findtext("date"), iso(s["start_dt"]))
                    self.assertEqual(ev["start"], s["start_dt"].strftime("%H:%M"))
                    self.assertEqual(x.findtext("start"), s["start_dt"].strftime("%H:%M"))
                    self.assertEqual(ev["duration"], hhmm(length))
                    self.assertEqual(x.findtext("duration"), hhmm(length, cap=99))
                    self.assertEqual(str(ev["id"]), x.get("id"))
                    self.assertEqual(ev["type"], s.get("kind", "session"))
                    self.assertEqual(day["date"], s["start_dt"].date().isoformat())
                    self.assertEqual(xday.get("date"), day["date"])
                    self.assertEqual(ev["room"], room)
                    self.assertEqual(x.findtext("room"), xroom.get("name"))
                    self.assertEqual(room, xroom.get("name"))
                    if "room" in s:
                        self.assertEqual(xroom.get("guid"), u5(f"room:{s['room']}@{ev_id}"))
                        self.assertTrue(room.startswith(
                            next(r["title"] for r in prog["rooms"] if r["id"] == s["room"])))
                    else:
                        self.assertTrue(room.startswith(prog["event"].get("location", "Venue")))
                    people = s.get("people", [])
                    speakers = {sp["id"]: sp for sp in prog.get("speakers", [])}
                    self.assertEqual([p["guid"] for p in ev["persons"]],
                                     [u5(f"speaker:{p['speaker']}@{ev_id}") for p in people])
                    self.assertEqual([p["slug"] for p in ev["persons"]],
                                     [p["speaker"] for p in people])
                    self.assertEqual([p.text for p in x.iter("person")],
                                     [speakers[p["speaker"]]["name"] for p in people])
                    self.assertEqual([p.get("guid") for p in x.iter("person")],
                                     [p["guid"] for p in ev["persons"]])

    def test_days(self):
        for name, prog, sessions, doc, root, *_ in self.each():
            with self.subTest(name):
                days = doc["schedule"]["conference"]["days"]
                dates = sorted({s["start_dt"].date().isoformat() for s in sessions.values()})
                self.assertEqual(doc["schedule"]["conference"]["start"], dates[0] if dates else "")
                self.assertEqual([d["date"] for d in days], dates)
                self.assertEqual([d["index"] for d in days], list(range(1, len(dates) + 1)))
                self.assertEqual([d.get("date") for d in root.findall("day")], dates)
                self.assertEqual(doc["schedule"]["conference"]["daysCount"], len(dates))
                for d, xd in zip(days, root.findall("day")):
                    mine = [s for s in sessions.values()
                            if s["start_dt"].date().isoformat() == d["date"]]
                    self.assertEqual(d["day_start"], iso(min(s["start_dt"] for s in mine)))
                    self.assertEqual(d["day_end"], iso(max(s["end_dt"] for s in mine)))
                    self.assertEqual((xd.get("start"), xd.get("end")),
                                     (d["day_start"], d["day_end"]))

    def test_no_speaker_email(self):
        for name, prog, _s, _d, _r, jpath, xpath in self.each():
            emails = [sp["email"] for sp in prog.get("speakers", []) if "email" in sp]
            self.assertTrue(emails, name)
            for path in (jpath, xpath):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for e in emails:
                    self.assertNotIn(e, text, path)
                    self.assertNotIn(e.split("@")[0] + "@", text, path)

    def test_same_version_and_bytes(self):
        again = tempfile.mkdtemp(prefix="agendad-schedule-again-")
        try:
            docs = produce(again)
            for name, (_p, jpath, xpath) in self.docs.items():
                for a, b in ((jpath, docs[name][1]), (xpath, docs[name][2])):
                    with open(a, "rb") as fa, open(b, "rb") as fb:
                        self.assertEqual(fa.read(), fb.read(), a)
                with open(jpath, encoding="utf-8") as f:
                    version = json.load(f)["schedule"]["version"]
                self.assertEqual(ET.parse(xpath).getroot().findtext("version"), version)
                self.assertRegex(version, r"^[0-9a-f]{16}$")
        finally:
            import shutil
            shutil.rmtree(again, ignore_errors=True)


class ServedLikeFeeds(unittest.TestCase):
    """/schedule.json and /schedule.xml over HTTP: the bytes --export
    writes, with ETag, gzip, 304 and HEAD like every feed."""

    def test_served_documents(self):
        import gzip
        from daemon import Daemon, copy_shipped, fetch

        with tempfile.TemporaryDirectory() as d:
            conf = copy_shipped(d)
            export = os.path.join(d, "export")
            subprocess.run([AGENDAD, "--export", export, "-c", str(conf)], check=True,
                           capture_output=True, timeout=120)
            with Daemon(conf) as daemon:
                for name, ctype in (("schedule.json", "application/json; charset=utf-8"),
                                    ("schedule.xml", "application/xml; charset=utf-8")):
                    status, headers, body = fetch(f"{daemon.url}/{name}")
                    self.assertEqual(status, 200, name)
                    self.assertEqual(headers["Content-Type"], ctype)
                    with open(os.path.join(export, name), "rb") as f:
                        self.assertEqual(body, f.read(), name)
                    self.assertNotIn(b"@example.org", body)
                    etag = headers["ETag"]
                    status, _, _ = fetch(f"{daemon.url}/{name}", {"If-None-Match": etag})
                    self.assertEqual(status, 304)
                    status, gz_headers, gz = fetch(f"{daemon.url}/{name}",
                                                   {"Accept-Encoding": "gzip"})
                    self.assertEqual(gz_headers["Content-Encoding"], "gzip")
                    self.assertEqual(gzip.decompress(gz), body)
                    status, head_headers, head = fetch(f"{daemon.url}/{name}", method="HEAD")
                    self.assertEqual((status, head), (200, b""))
                    self.assertEqual(head_headers["ETag"], etag)


if __name__ == "__main__":
    if not os.access(UNIT_BINARY, os.X_OK):
        print(f"SKIP: {UNIT_BINARY} was not built (it needs cmocka: libcmocka-dev)")
        sys.exit(agendadtest.SKIP)
    unittest.main()
