#!/usr/bin/python3
"""The shipped example programme matches the published IDM 2014 programme.

The expected programme is read from the seed text itself (the programme as
published by IOM, extracted from its web page), not from a hand-written
list, so a transcription error in etc/idm-2014-south-south.programme or in
this test's expectations cannot hide the other.

  ProgrammeTest  reads etc/idm-2014-south-south.programme with libconf and
                 compares it with the seed (no binary needed).
  FeedTest       runs `agendad --export` and compares calendar.ics with the
                 seed.  A missing binary is a failure, not a skip: CI always
                 builds it.

Run with Debian's interpreter, which has python3-libconf and
python3-icalendar:

  /usr/bin/python3 tests/integration/test_seed.py               # everything
  /usr/bin/python3 tests/integration/test_seed.py ProgrammeTest # no binary

Environment:
  AGENDAD_TOP_SRCDIR    source tree (default: this file's repository)
  AGENDAD_TOP_BUILDDIR  build tree  (default: AGENDAD_TOP_SRCDIR)
  AGENDAD               the binary  (default: $AGENDAD_TOP_BUILDDIR/src/agendad)
  AGENDAD_TEST_DATA     a folder with seed/idm-2014-south-south-programme.txt
                        (see tests/data/README.md); without it (and without
                        AGENDAD_SEED) this test is skipped (exit 77)
  AGENDAD_SEED          the seed text itself, instead
"""

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

try:
    import libconf
except ImportError:
    sys.exit("test_seed.py: the libconf module is missing; run this test with "
             "/usr/bin/python3 (Debian package python3-libconf)")

try:
    import icalendar
except ImportError:  # only the feed checks need it; they fail with this
    icalendar = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOP_SRCDIR = os.environ.get("AGENDAD_TOP_SRCDIR") or REPO
TOP_BUILDDIR = os.environ.get("AGENDAD_TOP_BUILDDIR") or TOP_SRCDIR
AGENDAD = os.environ.get("AGENDAD") or os.path.join(TOP_BUILDDIR, "src", "agendad")
PROGRAMME = os.path.join(TOP_SRCDIR, "etc", "idm-2014-south-south.programme")
CONF = os.path.join(TOP_SRCDIR, "etc", "agendad.conf")

SEED_NAME = "idm-2014-south-south-programme.txt"

sys.path.insert(0, HERE)
import agendadtest  # noqa: E402

TZ_NAME = "Europe/Zurich"
EVENT_ID = "idm2014-south-south"
EXPECTED_SPEAKERS = 27

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# --------------------------------------------------------------------------
# The seed

MONTHS = {m: i + 1 for i, m in enumerate(
    "January February March April May June July August September October "
    "November December".split())}

DAY_RE = re.compile(r"^(\d{1,2}) ([A-Z][a-z]+) (\d{4})\s*\|\s*Day\s*\d+$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
BULLET_RE = re.compile(r"^•\s*(.*\S)$")
MARKER_RE = re.compile(r"\s*\((Bio|Presentation|Statement|Summary)\)$")
TITLE_RE = re.compile(r'workshop on ["“](.+?)["”] was held')
# The web page's layout put these role headings at the end of the title
# line ("Closing Session Presenter"); the page itself showed them apart.
TRAILING_ROLES = ("Moderator", "Presenter")
# Markers that are links to documents (Bio links are not recorded).
DOCUMENT_MARKERS = ("Presentation", "Statement", "Summary")
# The one slot the published programme leaves untitled, and the breaks.
UNTITLED_TITLE = "Registration"
BREAK_TITLES = ("Registration", "Afternoon Break")
END_OF_PROGRAMME = "Event documents"


class SeedError(Exception):
    pass


def find_seed():
    """The seed text: external material, named by AGENDAD_SEED or found in
    AGENDAD_TEST_DATA (main() skips the test when neither is set)."""
    path = os.environ.get("AGENDAD_SEED") or agendadtest.test_data("seed", SEED_NAME)
    if path is None or not os.path.isfile(path):
        raise SeedError("seed text %s not found (AGENDAD_SEED, AGENDAD_TEST_DATA)" % SEED_NAME)
    return str(path)


def parse_person(text):
    """'Name, Affiliation (Bio)(Presentation)' -> (name, affiliation, markers)."""
    markers = []
    while True:
        m = MARKER_RE.search(text)
        if not m:
            break
        markers.insert(0, m.group(1))
        text = text[:m.start()]
    if ", " not in text:
        raise SeedError("bullet without 'Name, Affiliation': %r" % text)
    name, affiliation = text.split(", ", 1)
    return name.strip(), affiliation.strip(), markers


def parse_seed(text):
    """Returns (event title, [session]).  A session is a dict with day
    (YYYY-MM-DD), start and end (HH:MM), title, is_break, people (list of
    dicts name, affiliation, role, in printed order) and documents (titles)."""
    m = TITLE_RE.search(text)
    if not m:
        raise SeedError("the introduction does not name the workshop")
    event_title = m.group(1)

    sessions = []
    day = cur = pending_role = block = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line == END_OF_PROGRAMME:
            break
        m = DAY_RE.match(line)
        if m:
            if m.group(2) not in MONTHS:
                raise SeedError("line %d: unknown month %r" % (lineno, m.group(2)))
            day = "%04d-%02d-%02d" % (int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
            cur = block = pending_role = None
            continue
        if day is None:
            continue  # the introduction (its bullets are aims, not people)
        m = TIME_RE.match(line)
        if m:
            cur = {"day": day, "line": lineno,
                   "start": "%02d:%s" % (int(m.group(1)), m.group(2)),
                   "end": "%02d:%s" % (int(m.group(3)), m.group(4)),
                   "title": None, "blocks": []}
            sessions.append(cur)
            block = pending_role = None
            continue
        if not line:
            block = None  # a blank line ends a run of bullets
            continue
        if cur is None:
            raise SeedError("line %d: text before the first time slot: %r" % (lineno, line))
        m = BULLET_RE.match(line)
        if m:
            if cur["title"] is None:
                raise SeedError("line %d: a person before the session's title" % lineno)
            if block is None:
                block = {"label": pending_role, "people": []}
                cur["blocks"].append(block)
                pending_role = None
            block["people"].append(parse_person(m.group(1)))
            continue
        block = None
        if cur["title"] is None:
            title = line
            for role in TRAILING_ROLES:
                if title.endswith(" " + role):
                    title = title[:-len(role) - 1].rstrip()
                    pending_role = role
            cur["title"] = title
        else:
            pending_role = line  # a role heading: "Welcome Remarks", ...

    untitled = [s for s in sessions if s["title"] is None]
    if len(untitled) > 1:
        raise SeedError("more than one untitled slot (lines %s)"
                        % ", ".join(str(s["line"]) for s in untitled))
    for s in untitled:
        if s["blocks"]:
            raise SeedError("line %d: an untitled slot with people" % s["line"])
        s["title"] = UNTITLED_TITLE

    for s in sessions:
        s["is_break"] = s["title"] in BREAK_TITLES
        n_people = sum(len(b["people"]) for b in s["blocks"])
        s["people"], s["documents"] = [], []
        for i, b in enumerate(s["blocks"]):
            for name, affiliation, markers in b["people"]:
                if b["label"]:
                    role = b["label"]
                elif i == 0 and len(s["blocks"]) > 1 and len(b["people"]) == 1:
                    role = "Moderator"  # alone in a block before the panel
                elif n_people == 1:
                    role = "Speaker"
                else:
                    role = "Panelist"
                s["people"].append({"name": name, "affiliation": affiliation, "role": role})
                s["documents"] += ["%s — %s" % (mk, name)
                                   for mk in markers if mk in DOCUMENT_MARKERS]
        del s["blocks"]
    return event_title, sessions


def local_to_utc(day, hhmm):
    y, mo, d = (int(x) for x in day.split("-"))
    h, mi = (int(x) for x in hhmm.split(":"))
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(TZ_NAME)).astimezone(timezone.utc)


def describe(s):
    return "%s %s-%s %r" % (s["day"], s["start"], s["end"], s["title"])


def load_seed():
    with io.open(find_seed(), encoding="utf-8") as f:
        return parse_seed(f.read())


def load_programme():
    with io.open(PROGRAMME, encoding="utf-8") as f:
        return libconf.load(f)


# --------------------------------------------------------------------------
# The programme file

class ProgrammeTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.event_title, cls.seed = load_seed()
        cls.prog = load_programme()
        cls.speakers = {sp["id"]: sp for sp in cls.prog.get("speakers", ())}
        cls.sessions = list(cls.prog.get("sessions", ()))

    def find_session(self, s):
        start = "%s %s" % (s["day"], s["start"])
        found = [p for p in self.sessions if p.get("start") == start]
        self.assertEqual(len(found), 1, "%s: expected one session starting at %s in %s, found %d"
                         % (describe(s), start, PROGRAMME, len(found)))
        return found[0]

    def test_seed_parsed(self):
        # Guards the parser: the published programme has 11 slots over two days.
        self.assertEqual(len(self.seed), 11, [describe(s) for s in self.seed])
        self.assertEqual(sorted({s["day"] for s in self.seed}), ["2014-03-24", "2014-03-25"])
        names = {p["name"] for s in self.seed for p in s["people"]}
        self.assertEqual(len(names), EXPECTED_SPEAKERS, sorted(names))

    def test_event(self):
        ev = self.prog["event"]
        self.assertEqual(ev.get("id"), EVENT_ID)
        self.assertEqual(ev.get("title"), self.event_title)
        self.assertEqual(ev.get("timezone"), TZ_NAME)
        self.assertEqual(ev.get("location"), "Geneva, Switzerland")
        self.assertTrue(ev.get("description"), "event.description is empty")

    def test_no_invented_urls(self):
        with io.open(PROGRAMME, encoding="utf-8") as f:
            self.assertNotIn("://", f.read(), "the seed gives no URLs; none may be invented")

    def test_same_sessions(self):
        want = sorted("%s %s" % (s["day"], s["start"]) for s in self.seed)
        got = sorted(p.get("start", "?") for p in self.sessions)
        self.assertEqual(got, want, "session start times differ from the seed")

    def test_session_times_and_titles(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                p = self.find_session(s)
                self.assertEqual(p.get("end"), "%s %s" % (s["day"], s["end"]),
                                 "%s: wrong end" % p.get("id"))
                self.assertEqual(p.get("title"), s["title"], "%s: wrong title" % p.get("id"))
                self.assertEqual(p.get("status"), "confirmed", "%s: status" % p.get("id"))

    def test_breaks(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                p = self.find_session(s)
                if s["is_break"]:
                    self.assertEqual(p.get("kind"), "break", "%s: kind" % p.get("id"))
                    self.assertNotIn("track", p, "%s: a break has no track" % p.get("id"))
                    self.assertFalse(p.get("people"), "%s: a break has no people" % p.get("id"))
                else:
                    self.assertEqual(p.get("kind"), "session", "%s: kind" % p.get("id"))

    def test_people(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                p = self.find_session(s)
                got = []
                for pp in p.get("people", ()):
                    sp = self.speakers.get(pp.get("speaker"))
                    self.assertIsNotNone(sp, "%s: unknown speaker %r" % (p["id"], pp.get("speaker")))
                    got.append({"name": sp.get("name"),
                                "affiliation": pp.get("affiliation", sp.get("affiliation")),
                                "role": pp.get("role")})
                self.assertEqual(got, s["people"],
                                 "%s: people (name, affiliation as printed, role) differ from "
                                 "the seed" % p["id"])

    def test_documents(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                p = self.find_session(s)
                got = [d.get("title") for d in p.get("documents", ())]
                self.assertEqual(got, s["documents"], "%s: documents" % p["id"])

    def test_overrides_only_where_printing_differs(self):
        for p in self.sessions:
            for pp in p.get("people", ()):
                if "affiliation" in pp:
                    sp = self.speakers.get(pp.get("speaker"), {})
                    self.assertNotEqual(pp["affiliation"], sp.get("affiliation"),
                                        "%s: %s: needless affiliation override"
                                        % (p.get("id"), pp.get("speaker")))

    def test_first_printing_is_the_speakers_affiliation(self):
        first = {}
        for s in sorted(self.seed, key=lambda s: (s["day"], s["start"])):
            for person in s["people"]:
                first.setdefault(person["name"], person["affiliation"])
        by_name = {sp.get("name"): sp for sp in self.speakers.values()}
        for name, affiliation in first.items():
            with self.subTest(name=name):
                self.assertIn(name, by_name, "%s is not in speakers" % name)
                self.assertEqual(by_name[name].get("affiliation"), affiliation)

    def test_speakers(self):
        speakers = self.prog.get("speakers", ())
        ids = [sp.get("id") for sp in speakers]
        names = [sp.get("name") for sp in speakers]
        self.assertEqual(len(speakers), EXPECTED_SPEAKERS, "number of speakers")
        self.assertEqual(len(set(ids)), len(ids), "duplicate speaker ids")
        self.assertEqual(len(set(names)), len(names), "a person is listed twice in speakers")
        seed_names = {p["name"] for s in self.seed for p in s["people"]}
        self.assertEqual(set(names), seed_names, "speakers differ from the people in the seed")
        for sp in speakers:
            with self.subTest(speaker=sp.get("id")):
                self.assertRegex(sp.get("id", ""), ID_RE)
                self.assertTrue(sp.get("email", "").endswith("@example.org"),
                                "%s: email %r is not @example.org" % (sp.get("id"), sp.get("email")))
                self.assertEqual(sp.get("email"), "%s@example.org" % sp.get("id"))
                self.assertTrue(sp.get("affiliation"))

    def test_every_appearance_has_a_role(self):
        for p in self.sessions:
            for pp in p.get("people", ()):
                self.assertTrue((pp.get("role") or "").strip(),
                                "%s: %s has no role" % (p.get("id"), pp.get("speaker")))

    def test_references_resolve(self):
        tracks = {t.get("id") for t in self.prog.get("tracks", ())}
        self.assertNotIn("rooms", self.prog, "the seed names no rooms")
        ids = [p.get("id") for p in self.sessions]
        self.assertEqual(len(set(ids)), len(ids), "duplicate session ids")
        for p in self.sessions:
            with self.subTest(session=p.get("id")):
                self.assertRegex(p.get("id", ""), ID_RE)
                self.assertNotIn("room", p)
                if "track" in p:
                    self.assertIn(p["track"], tracks)


# --------------------------------------------------------------------------
# The exported feeds

class FeedTest(unittest.TestCase):
    maxDiff = None
    problem = None

    @classmethod
    def setUpClass(cls):
        cls.event_title, cls.seed = load_seed()
        prog = load_programme()
        # Seed session -> programme id, by start time (ProgrammeTest checks the rest).
        by_start = {p.get("start"): p.get("id") for p in prog.get("sessions", ())}
        cls.ids = {describe(s): by_start.get("%s %s" % (s["day"], s["start"])) for s in cls.seed}
        cls.tmp = tempfile.mkdtemp(prefix="agendad-test-seed-")
        cls.out = os.path.join(cls.tmp, "out")
        cls.state = os.path.join(cls.tmp, "state")
        os.mkdir(cls.out)
        os.mkdir(cls.state)
        cls.events = []
        if icalendar is None:
            cls.problem = ("the icalendar module is missing; run this test with /usr/bin/python3 "
                           "(Debian package python3-icalendar)")
            return
        if not os.access(AGENDAD, os.X_OK):
            cls.problem = ("%s does not exist or is not executable: build agendad first "
                           "(or set AGENDAD)" % AGENDAD)
            return
        cmd = [AGENDAD, "--export", cls.out, "-c", CONF, "--state-dir", cls.state]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        except subprocess.TimeoutExpired:
            cls.problem = "%s: timed out after 120 s" % " ".join(cmd)
            return
        if r.returncode != 0:
            cls.problem = ("%s: exit status %d\nstdout:\n%s\nstderr:\n%s"
                           % (" ".join(cmd), r.returncode,
                              r.stdout.decode("utf-8", "replace"),
                              r.stderr.decode("utf-8", "replace")))
            return
        ics = os.path.join(cls.out, "calendar.ics")
        if not os.path.isfile(ics):
            cls.problem = "%s: exited 0 but wrote no calendar.ics (files: %s)" % (
                " ".join(cmd), sorted(os.listdir(cls.out)))
            return
        with open(ics, "rb") as f:
            try:
                cal = icalendar.Calendar.from_ical(f.read())
            except Exception as e:  # the parser raises plain ValueErrors
                cls.problem = "%s: icalendar cannot parse it: %s" % (ics, e)
                return
        cls.events = [c for c in cal.walk("VEVENT")]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if self.problem:
            self.fail(self.problem)

    @staticmethod
    def utc_or_none(ev, name):
        """The property as an aware UTC datetime; None if absent, a date or floating."""
        if ev.get(name) is None:
            return None
        dt = ev.decoded(name)
        if not isinstance(dt, datetime) or dt.tzinfo is None:
            return None
        return dt.astimezone(timezone.utc)

    def check_time(self, ev, name, day, hhmm):
        what = "%r %s" % (str(ev.get("SUMMARY")), name)
        prop = ev.get(name)
        self.assertIsNotNone(prop, "%s is missing" % what)
        self.assertEqual(prop.params.get("TZID"), TZ_NAME,
                         "%s: %s does not carry TZID=%s" % (what, prop.to_ical(), TZ_NAME))
        self.assertEqual(self.utc_or_none(ev, name), local_to_utc(day, hhmm),
                         "%s: %s is not %s %s %s" % (what, prop.to_ical(), day, hhmm, TZ_NAME))

    def find_event(self, s):
        start = local_to_utc(s["day"], s["start"])
        found = [ev for ev in self.events
                 if str(ev.get("SUMMARY")) == s["title"] and self.utc_or_none(ev, "DTSTART") == start]
        self.assertEqual(len(found), 1,
                         "%s: expected one VEVENT with SUMMARY %r and DTSTART %s UTC, found %d; "
                         "the feed has: %s"
                         % (describe(s), s["title"], start.strftime("%Y-%m-%d %H:%M"), len(found),
                            ["%s @ %s" % (ev.get("SUMMARY"), ev.get("DTSTART").to_ical().decode())
                             for ev in self.events]))
        return found[0]

    def test_export_ran(self):
        self.assertTrue(self.events, "calendar.ics has no VEVENT")

    def test_one_event_per_session(self):
        self.assertEqual(len(self.events), len(self.seed),
                         "VEVENTs: %s" % [str(ev.get("SUMMARY")) for ev in self.events])

    def test_sessions(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                ev = self.find_event(s)
                self.check_time(ev, "DTSTART", s["day"], s["start"])
                self.check_time(ev, "DTEND", s["day"], s["end"])

    def test_uids(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                ev = self.find_event(s)
                self.assertEqual(str(ev.get("UID")), "%s@%s" % (self.ids[describe(s)], EVENT_ID))

    def test_people_in_description(self):
        for s in self.seed:
            if not s["people"]:
                continue
            with self.subTest(session=describe(s)):
                ev = self.find_event(s)
                lines = str(ev.get("DESCRIPTION", "")).splitlines()
                for p in s["people"]:
                    want = "%s: %s, %s" % (p["role"], p["name"], p["affiliation"])
                    self.assertIn(want, lines, "%s: DESCRIPTION lacks the line %r; it reads:\n%s"
                                  % (describe(s), want, "\n".join(lines)))

    def test_breaks_are_transparent(self):
        for s in self.seed:
            with self.subTest(session=describe(s)):
                ev = self.find_event(s)
                transp = str(ev.get("TRANSP", "OPAQUE")).upper()
                if s["is_break"]:
                    self.assertEqual(transp, "TRANSPARENT", "%s: a break must be TRANSPARENT"
                                     % describe(s))
                else:
                    self.assertEqual(transp, "OPAQUE", "%s: a session is not TRANSPARENT"
                                     % describe(s))

    def test_no_email_address_exported(self):
        files = 0
        for folder, _, names in os.walk(self.out):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    data = f.read()
                if name.endswith(".gz"):
                    data = gzip.decompress(data)
                files += 1
                at = data.find(b"@example.org")
                self.assertEqual(at, -1, "%s contains a speaker's e-mail address: ...%s..."
                                 % (os.path.relpath(path, self.out),
                                    data[max(0, at - 40):at + 20].decode("utf-8", "replace")))
        self.assertGreater(files, 0, "the export wrote no files")


if __name__ == "__main__":
    if not os.environ.get("AGENDAD_SEED"):
        agendadtest.need_test_data("test_seed.py (the seed text the shipped programme was written from)")
    unittest.main(verbosity=2)
