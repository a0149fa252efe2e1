#!/usr/bin/python3
"""Conformance of agendad's exported iCalendar feeds (doc/reference.md §1, §3, §5).

    /usr/bin/python3 tests/integration/test_feeds.py [-v] [unittest args]

Environment:
    AGENDAD             the binary (default: <srcdir>/src/agendad)
    AGENDAD_TOP_SRCDIR  the source tree (default: two levels above this file)
    AGENDAD_KEEP_TMP    if set, keep the temporary directories and print them

Needs node (on PATH) with tests/js/node_modules (ical.js; AGENDAD_JS_TOOLS), a
Python with python-icalendar for check_ical.py (/usr/bin/python3 on Debian),
and Ruby with the icalendar gem for check_ical.rb (Debian: ruby-icalendar).

What it does:
  * hostile programme (hostile.py): `agendad --export OUT -c CONF
    --state-dir STATE`, read every feed with ical.js (tests/js/check_ical.mjs)
    and python-icalendar (check_ical.py), and compare both, field by field,
    with expected.json and with each other; Ruby's icalendar gem
    (check_ical.rb) must read every event at the same UTC instants;
  * shipped programme (etc/agendad.conf): the same export, structure only:
    both parsers read every feed and agree, each session is in the right
    day feed and in its session feed, every feed agrees with calendar.ics;
  * for both: CRLF line endings, content lines of at most 75 octets, no
    fold inside a UTF-8 sequence, exactly one VTIMEZONE whose TZID is the
    IANA name, no "freeassociation", no "@example.org" in any exported
    file, exit status 0, and a second export (same state directory) into
    another directory byte-identical to the first;
  * error path: a programme with several errors makes `agendad -t` exit 1
    and print every one as FILE:LINE: message, each on the line of the
    offending setting.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import agendadtest  # noqa: E402

SRCDIR = os.path.abspath(os.environ.get("AGENDAD_TOP_SRCDIR") or os.path.join(HERE, "..", ".."))
AGENDAD = os.path.abspath(os.environ.get("AGENDAD") or os.path.join(SRCDIR, "src", "agendad"))
JSDIR = str(agendadtest.JSDIR)
JS_CHECKER = os.path.join(JSDIR, "check_ical.mjs")
PY_CHECKER = os.path.join(SRCDIR, "tests", "integration", "check_ical.py")
RB_CHECKER = os.path.join(SRCDIR, "tests", "integration", "check_ical.rb")
HOSTILE = os.path.join(SRCDIR, "tests", "integration", "hostile.py")
SHIPPED_CONF = os.path.join(SRCDIR, "etc", "agendad.conf")
KEEP = bool(os.environ.get("AGENDAD_KEEP_TMP"))
TIMEOUT = 120
MAX_REPORT = 60  # problems quoted per assertion


def python_with_icalendar():
    for py in (sys.executable, "/usr/bin/python3"):
        if py and os.path.exists(py) and subprocess.run(
                [py, "-c", "import icalendar, pytz"], capture_output=True).returncode == 0:
            return py
    return None


def run(argv, **kw):
    try:
        return subprocess.run(argv, capture_output=True, timeout=TIMEOUT, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(argv, -9, e.stdout or b"",
                                           (e.stderr or b"") + b"\n[timed out after %ds]" % TIMEOUT)


def show(proc):
    return "$ %s\nexit %s\n--- stderr:\n%s" % (
        " ".join(proc.args), proc.returncode,
        proc.stderr.decode("utf-8", "replace")[-4000:])


def report(problems):
    if len(problems) > MAX_REPORT:
        problems = problems[:MAX_REPORT] + ["... and %d more" % (len(problems) - MAX_REPORT)]
    return "\n" + "\n".join("  - " + p for p in problems)


class Problems:
    """Problems grouped by message: the same fault in 30 feeds is one line
    naming the feeds."""

    def __init__(self, who=None):
        self.who = who
        self.order = []
        self.where = {}

    def add(self, path, msg):
        if msg not in self.where:
            self.order.append(msg)
            self.where[msg] = []
        if path is not None:
            self.where[msg].append(path)

    def lines(self):
        out = []
        for msg in self.order:
            paths = self.where[msg]
            loc = ""
            if paths:
                loc = " [in %s%s]" % (", ".join(paths[:4]), " and %d more feeds" % (len(paths) - 4) if len(paths) > 4 else "")
            out.append(("[%s] " % self.who if self.who else "") + msg + loc)
        return out


def clip(b, n=160):
    r = repr(b)
    return r if len(r) <= n else r[:n] + "..."


def all_files(top):
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for f in sorted(filenames):
            out.append(os.path.relpath(os.path.join(dirpath, f), top).replace(os.sep, "/"))
    return sorted(out)


# ---------------------------------------------------------------- byte-level checks

def unfold(data):
    return re.sub(rb"\r\n[ \t]", b"", data)


def byte_problems(top, tzname=None):
    """CRLF, 75 octets, folds, VTIMEZONE, freeassociation, e-mail addresses."""
    problems = []
    files = all_files(top)
    for rel in files:
        with open(os.path.join(top, rel), "rb") as f:
            data = f.read()
        if b"@example.org" in data.lower():
            i = data.lower().index(b"@example.org")
            problems.append("%s: e-mail address exported: ...%s..." % (rel, clip(data[max(0, i - 60):i + 20])))
        if not rel.endswith(".ics"):
            continue
        if b"freeassociation" in data.lower():
            i = data.lower().index(b"freeassociation")
            problems.append("%s: 'freeassociation' in feed: ...%s..." % (rel, clip(data[max(0, i - 40):i + 60])))
        if not data.endswith(b"\r\n"):
            problems.append("%s: does not end with CRLF: ...%s" % (rel, clip(data[-40:])))
        lines = data.split(b"\r\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for n, line in enumerate(lines, 1):
            if b"\n" in line or b"\r" in line:
                problems.append("%s:%d: bare LF or CR (not CRLF): %s" % (rel, n, clip(line)))
                continue
            if len(line) > 75:
                problems.append("%s:%d: content line of %d octets (> 75): %s" % (rel, n, len(line), clip(line)))
            if line == b"":
                problems.append("%s:%d: empty line" % (rel, n))
            try:
                line.decode("utf-8", "strict")
            except UnicodeDecodeError as e:
                nxt = lines[n] if n < len(lines) else b""
                problems.append("%s:%d: line is not whole UTF-8 (a fold splits a character?) at octet %d: %s / next: %s"
                                % (rel, n, e.start, clip(line[-24:]), clip(nxt[:24])))
        logical = unfold(data).split(b"\r\n")
        try:
            unfold(data).decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            problems.append("%s: not valid UTF-8 even after unfolding: octet %d" % (rel, e.start))
        n_vtz = sum(1 for l in logical if l == b"BEGIN:VTIMEZONE")
        if n_vtz != 1:
            problems.append("%s: %d VTIMEZONE components (want exactly 1)" % (rel, n_vtz))
        if tzname is not None:
            tzids = [l for l in logical if l.startswith(b"TZID:")]
            if tzids != [b"TZID:" + tzname.encode()]:
                problems.append("%s: VTIMEZONE TZID lines %s, want [b'TZID:%s']" % (rel, tzids, tzname))
            for l in logical:
                for m in re.finditer(rb";TZID=([^;:]*)", l):
                    if m.group(1) != tzname.encode():
                        problems.append("%s: TZID parameter %s is not %s: %s" % (rel, m.group(1), tzname, clip(l)))
    return problems


def identical_problems(a, b):
    problems = []
    fa, fb = all_files(a), all_files(b)
    if fa != fb:
        problems.append("second export has other files: only first: %s; only second: %s"
                        % (sorted(set(fa) - set(fb)), sorted(set(fb) - set(fa))))
    for rel in sorted(set(fa) & set(fb)):
        with open(os.path.join(a, rel), "rb") as f:
            da = f.read()
        with open(os.path.join(b, rel), "rb") as f:
            db = f.read()
        if da != db:
            la, lb = da.split(b"\n"), db.split(b"\n")
            for i, (x, y) in enumerate(zip(la, lb)):
                if x != y:
                    problems.append("%s differs at line %d: %s vs %s" % (rel, i + 1, clip(x), clip(y)))
                    break
            else:
                problems.append("%s differs in length (%d vs %d octets)" % (rel, len(da), len(db)))
    return problems


# ---------------------------------------------------------------- parsed-content checks

EVENT_FIELDS = ["uid", "summary", "dtstart_utc", "dtend_utc", "dtstart_tzid", "dtend_tzid",
                "dtstart_local", "dtend_local", "status", "location", "categories", "transp",
                "description", "url", "sequence", "dtstamp", "last_modified", "alarms",
                "alarm_details", "property_counts"]
CAL_FIELDS = ["version", "prodid", "calscale", "method", "name", "x_wr_calname", "x_wr_timezone",
              "refresh_interval", "refresh_interval_value", "x_published_ttl", "vtimezone_tzids",
              "components", "property_counts"]
ONCE = ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL", "STATUS", "SEQUENCE",
        "TRANSP", "LAST-MODIFIED"]
AT_MOST_ONCE = ["DESCRIPTION", "LOCATION", "CATEGORIES"]
UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def agreement_problems(js, py):
    pr = Problems()
    if set(js) != set(py):
        pr.add(None, "parsers read different files: ical.js only %s, python only %s"
               % (sorted(set(js) - set(py)), sorted(set(py) - set(js))))
    for path in sorted(set(js) & set(py)):
        cj, cp = js[path]["calendar"], py[path]["calendar"]
        for k in CAL_FIELDS:
            if cj.get(k) != cp.get(k):
                pr.add(path, "calendar %s: ical.js %r, python %r" % (k, cj.get(k), cp.get(k)))
        ej = {e["uid"]: e for e in js[path]["events"]}
        ep = {e["uid"]: e for e in py[path]["events"]}
        if set(ej) != set(ep):
            pr.add(path, "different UIDs: ical.js only %s, python only %s"
                   % (sorted(set(ej) - set(ep), key=str), sorted(set(ep) - set(ej), key=str)))
        for uid in sorted(set(ej) & set(ep), key=str):
            for k in EVENT_FIELDS:
                if ej[uid].get(k) != ep[uid].get(k):
                    hint = ""
                    if k in ("dtstart_utc", "dtend_utc") and ej[uid].get(k.replace("utc", "tzid")) not in ("UTC", None):
                        hint = (" (written TZID-local %s: if that wall time occurs twice or not at all, the"
                                " readers disagree — RFC 5545 3.3.5 takes the first occurrence / the offset"
                                " before the gap, ical.js the other; write such instants in UTC)"
                                % ej[uid].get(k.replace("utc", "local")))
                    pr.add(path, "%s: %s: ical.js %r, python %r%s" % (uid, k, ej[uid].get(k), ep[uid].get(k), hint))
    return pr.lines()


def local_ambiguous(utc_iso, tz):
    utc = datetime.strptime(utc_iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    local = utc.astimezone(tz).replace(tzinfo=None)
    return (local.replace(tzinfo=tz, fold=0).utcoffset() != local.replace(tzinfo=tz, fold=1).utcoffset())


FEED_PATH_RE = re.compile(
    r"^(calendar\.ics|days/\d{4}-\d\d-\d\d\.ics|(tracks|rooms|speakers|sessions)/[a-z0-9][a-z0-9-]*\.ics)$")


def structure_problems(feeds, who, configured_alarms=None):
    """Checks that need no expectation: calendar properties, one VTIMEZONE,
    TZIDs, per-event properties, day and session feeds, consistency with
    calendar.ics.  feeds: one checker's output."""
    pr = Problems(who)
    P = pr.add
    if "calendar.ics" not in feeds:
        P(None, "no calendar.ics")
        return pr.lines()
    tzname = feeds["calendar.ics"]["calendar"].get("x_wr_timezone")
    try:
        tz = ZoneInfo(tzname)
    except Exception:
        P("calendar.ics", "X-WR-TIMEZONE %r is not an IANA zone" % tzname)
        return pr.lines()
    for path, feed in sorted(feeds.items()):
        c = feed["calendar"]
        for k, want in (("version", "2.0"), ("calscale", "GREGORIAN"), ("method", "PUBLISH"),
                        ("x_wr_timezone", tzname), ("refresh_interval_value", "DURATION")):
            if c.get(k) != want:
                P(path, "calendar %s is %r, want %r" % (k, c.get(k), want))
        for k in ("prodid", "name", "x_wr_calname", "refresh_interval", "x_published_ttl"):
            if not c.get(k):
                P(path, "calendar %s missing or empty" % k)
        if c.get("vtimezone_tzids") != [tzname]:
            P(path, "VTIMEZONE TZIDs %r, want exactly [%r]" % (c.get("vtimezone_tzids"), tzname))
        for k, n in c.get("property_counts", {}).items():
            if n != 1:
                P(path, "calendar property %s appears %d times" % (k, n))
        uids = [e["uid"] for e in feed["events"]]
        if len(uids) != len(set(uids)):
            P(path, "duplicate UIDs %s" % sorted({u for u in uids if uids.count(u) > 1}, key=str))
        if not FEED_PATH_RE.match(path):
            P(path, "unexpected feed path")
        for e in feed["events"]:
            uid = e["uid"]
            pc = e.get("property_counts", {})
            for k in ONCE:
                if pc.get(k, 0) != 1:
                    P(path, "%s: %s appears %d times (want 1)" % (uid, k, pc.get(k, 0)))
            for k in AT_MOST_ONCE:
                if pc.get(k, 0) > 1:
                    P(path, "%s: %s appears %d times (want at most 1)" % (uid, k, pc[k]))
            for k in ("dtstart", "dtend"):
                tzid, utc = e.get(k + "_tzid"), e.get(k + "_utc")
                if utc is None:
                    P(path, "%s: %s is not a zoned DATE-TIME (%s %s)" % (uid, k.upper(), tzid, e.get(k + "_local")))
                    continue
                if tzid == tzname:
                    continue
                if tzid == "UTC" and local_ambiguous(utc, tz):
                    continue  # a wall time that occurs twice: UTC is the only unambiguous form
                P(path, "%s: %s has %s, want TZID=%s%s"
                  % (uid, k.upper(), "TZID=%s" % tzid if tzid != "UTC" else "a UTC value", tzname,
                     "" if tzid != "UTC" else " (its local time is not ambiguous)"))
            if e.get("dtstart_utc") and e.get("dtend_utc") and e["dtend_utc"] <= e["dtstart_utc"]:
                P(path, "%s: DTEND %s not after DTSTART %s" % (uid, e["dtend_utc"], e["dtstart_utc"]))
            if e.get("status") not in ("CONFIRMED", "TENTATIVE", "CANCELLED"):
                P(path, "%s: STATUS %r" % (uid, e.get("status")))
            if e.get("transp") not in ("OPAQUE", "TRANSPARENT"):
                P(path, "%s: TRANSP %r" % (uid, e.get("transp")))
            if not isinstance(e.get("sequence"), int) or e["sequence"] < 0:
                P(path, "%s: SEQUENCE %r is not an integer >= 0" % (uid, e.get("sequence")))
            for k in ("dtstamp", "last_modified"):
                if not e.get(k) or not UTC_RE.match(e[k]):
                    P(path, "%s: %s %r is not a UTC DATE-TIME" % (uid, k.upper().replace("_", "-"), e.get(k)))
            if not uid or uid.count("@") != 1:
                P(path, "%s: UID is not <session id>@<event id>" % uid)
            elif e.get("url") is None or not e["url"].endswith("/#" + uid.split("@")[0]):
                P(path, "%s: URL %r does not end with /#%s" % (uid, e.get("url"), uid.split("@")[0]))
            quiet = e.get("transp") == "TRANSPARENT" or e.get("status") == "CANCELLED"
            if quiet and e.get("alarms"):
                P(path, "%s: a break or cancelled session has VALARMs %s" % (uid, e["alarms"]))
            if not quiet and configured_alarms is not None and \
                    sorted(x or "" for x in e.get("alarms", [])) != sorted(configured_alarms):
                P(path, "%s: VALARM triggers %s, want %s" % (uid, e.get("alarms"), configured_alarms))
            for a in e.get("alarm_details", []):
                if a.get("action") != "DISPLAY" or a.get("related") != "START" or not a.get("has_description"):
                    P(path, "%s: VALARM %r: want ACTION:DISPLAY, related to START, with a DESCRIPTION" % (uid, a))
    # every feed agrees with calendar.ics
    master = {e["uid"]: e for e in feeds["calendar.ics"]["events"]}
    for path, feed in sorted(feeds.items()):
        for e in feed["events"]:
            m = master.get(e["uid"])
            if m is None:
                P(path, "%s is not in calendar.ics" % e["uid"])
                continue
            for k in EVENT_FIELDS:
                if e.get(k) != m.get(k):
                    P(path, "%s: %s %r differs from calendar.ics %r" % (e["uid"], k, e.get(k), m.get(k)))
    # day feeds: each session in exactly the day of its local start date
    day_feeds = {p: {e["uid"] for e in f["events"]} for p, f in feeds.items() if p.startswith("days/")}
    for uid, e in sorted(master.items(), key=lambda kv: str(kv[0])):
        if not e.get("dtstart_utc"):
            continue
        utc = datetime.strptime(e["dtstart_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        want = "days/%s.ics" % utc.astimezone(tz).strftime("%Y-%m-%d")
        inside = sorted(p for p, u in day_feeds.items() if uid in u)
        if inside != [want]:
            P(None, "%s (local start %s) is in day feeds %s, want [%s]"
              % (uid, utc.astimezone(tz).strftime("%Y-%m-%d %H:%M"), inside, want))
        sid = uid.split("@")[0]
        sf = feeds.get("sessions/%s.ics" % sid)
        if sf is None:
            P(None, "no sessions/%s.ics for %s" % (sid, uid))
        elif [x["uid"] for x in sf["events"]] != [uid]:
            P(None, "sessions/%s.ics holds %s, want exactly [%s]" % (sid, [x["uid"] for x in sf["events"]], uid))
    for p, u in sorted(day_feeds.items()):
        if not u:
            P(p, "day feed is empty")
    return pr.lines()


def instant_problems(feeds, reference, who):
    """Each event's UTC start and end in feeds against reference (another
    reader's output, or expected.json's "feeds"), by feed and UID."""
    pr = Problems(who)
    if sorted(feeds) != sorted(reference):
        pr.add(None, "feeds: %s, want %s" % (sorted(feeds), sorted(reference)))
    for path in sorted(set(feeds) & set(reference)):
        ref = reference[path]
        ref = ref["events"] if isinstance(ref, dict) else ref
        got = {e["uid"]: (e["dtstart_utc"], e["dtend_utc"]) for e in feeds[path]["events"]}
        want = {e["uid"]: (e["dtstart_utc"], e["dtend_utc"]) for e in ref}
        for uid in sorted(set(got) | set(want), key=str):
            if got.get(uid) != want.get(uid):
                pr.add(path, "%s: start and end %r, want %r" % (uid, got.get(uid), want.get(uid)))
    return pr.lines()


def expected_problems(feeds, expected, who):
    """Field-by-field comparison of one checker's output with expected.json."""
    pr = Problems(who)
    P = pr.add
    want_paths, got_paths = set(expected["feeds"]), set(feeds)
    if want_paths != got_paths:
        P(None, "feeds: missing %s; unexpected %s" % (sorted(want_paths - got_paths), sorted(got_paths - want_paths)))
    for path in sorted(want_paths & got_paths):
        c = feeds[path]["calendar"]
        for k, v in expected["calendar"].items():
            if c.get(k) != v:
                P(path, "calendar %s: got %r, want %r" % (k, c.get(k), v))
        got = {e["uid"]: e for e in feeds[path]["events"]}
        want = {e["uid"]: e for e in expected["feeds"][path]}
        if set(got) != set(want):
            P(path, "sessions missing %s; unexpected %s"
              % (sorted(set(want) - set(got)), sorted(set(got) - set(want), key=str)))
        for uid in sorted(set(got) & set(want)):
            g, w = got[uid], want[uid]
            for k in ("summary", "dtstart_utc", "dtend_utc", "status", "location", "categories",
                      "transp", "description", "url"):
                if g.get(k) != w[k]:
                    P(path, "%s: %s:\n      got  %r\n      want %r\n     " % (uid, k, g.get(k), w[k]))
            if sorted(x or "" for x in g.get("alarms", [])) != sorted(w["alarms"]):
                P(path, "%s: VALARM triggers %r, want %r" % (uid, g.get("alarms"), w["alarms"]))
            for k in ("dtstart", "dtend"):
                tzid = g.get(k + "_tzid")
                if w[k + "_ambiguous"]:
                    if tzid not in ("UTC", expected["timezone"]):
                        P(path, "%s: %s in %s form" % (uid, k.upper(), tzid))
                    elif tzid != "UTC":
                        P(path, "%s: %s is written as TZID-local %s, a wall time that occurs twice in %s: "
                          "readers disagree which one (RFC 5545 3.3.5: the first; ical.js: the second); "
                          "the instant is %s: write it as a UTC value"
                          % (uid, k.upper(), g.get(k + "_local"), expected["timezone"], w[k + "_utc"]))
                elif tzid != expected["timezone"]:
                    P(path, "%s: %s has %s, want TZID=%s (local %s)"
                      % (uid, k.upper(), tzid, expected["timezone"], w[k + "_local"]))
                elif g.get(k + "_local") != w[k + "_local"]:
                    P(path, "%s: %s local time %s, want %s" % (uid, k.upper(), g.get(k + "_local"), w[k + "_local"]))
    return pr.lines()


# ---------------------------------------------------------------- harness

class Export:
    """Runs one configuration through agendad twice and both checkers."""

    def __init__(self, conf, tmp):
        self.conf = conf
        self.tmp = tmp
        self.state = os.path.join(tmp, "state")
        self.out1 = os.path.join(tmp, "export1")
        self.out2 = os.path.join(tmp, "export2")
        os.makedirs(self.state, exist_ok=True)
        self.run1 = run([AGENDAD, "--export", self.out1, "-c", conf, "--state-dir", self.state])
        time.sleep(1.1)  # a clock-derived DTSTAMP would differ now
        self.run2 = run([AGENDAD, "--export", self.out2, "-c", conf, "--state-dir", self.state])
        self.js = self.py = self.rb = {}
        self.js_run = self.py_run = self.rb_run = None
        if os.path.isdir(self.out1):
            self.js_run = run([NODE, JS_CHECKER, self.out1], cwd=JSDIR)
            self.py_run = run([PYTHON, PY_CHECKER, self.out1])
            self.rb_run = run([RUBY, RB_CHECKER, self.out1])
            self.js = self._json(self.js_run)
            self.py = self._json(self.py_run)
            self.rb = self._json(self.rb_run)

    @staticmethod
    def _json(proc):
        try:
            return json.loads(proc.stdout.decode("utf-8"))
        except ValueError:
            return {}


NODE = shutil.which("node")
PYTHON = python_with_icalendar()
RUBY = shutil.which("ruby")


def require_tools(tc):
    missing = []
    if not os.path.exists(AGENDAD) or not os.access(AGENDAD, os.X_OK):
        missing.append("agendad binary not found or not executable: %s (set AGENDAD)" % AGENDAD)
    if NODE is None:
        missing.append("node not on PATH")
    if not os.path.isdir(os.path.join(JSDIR, "node_modules", "ical.js")):
        missing.append("ical.js not installed in %s/node_modules (npm ci there)" % JSDIR)
    if PYTHON is None:
        missing.append("no Python with python-icalendar (Debian: python3-icalendar)")
    if RUBY is None or run([RUBY, "-e", "require 'icalendar'"]).returncode != 0:
        missing.append("no Ruby with the icalendar gem (Debian: ruby-icalendar)")
    if missing:
        raise AssertionError("cannot run: " + "; ".join(missing))


class _ExportChecks:
    """Checks shared by the hostile and the shipped programme."""
    ex = None
    tz = None
    alarms = None

    def no_problems(self, problems):
        if problems:
            self.fail("%d problem(s):%s" % (len(problems), report(problems)))

    def test_export_exit_status(self):
        self.assertEqual(self.ex.run1.returncode, 0, show(self.ex.run1))
        self.assertEqual(self.ex.run2.returncode, 0, show(self.ex.run2))

    def test_index_page(self):
        self.assertTrue(os.path.isfile(os.path.join(self.ex.out1, "index.html")), "no index.html in the export")

    def test_both_parsers_read_every_feed(self):
        self.assertIsNotNone(self.ex.js_run, "no export directory")
        self.assertEqual(self.ex.js_run.returncode, 0, "ical.js:\n" + show(self.ex.js_run))
        self.assertEqual(self.ex.py_run.returncode, 0, "python-icalendar:\n" + show(self.ex.py_run))

    def test_parsers_agree(self):
        p = agreement_problems(self.ex.js, self.ex.py)
        self.no_problems(p)

    def test_ruby_icalendar_agrees(self):
        """Ruby's icalendar gem (Rails apps) reads every event at the
        instants ical.js reads: a VTIMEZONE rule whose UNTIL it misreads
        would put the events after a DST change an hour off."""
        self.assertIsNotNone(self.ex.rb_run, "no export directory")
        self.assertEqual(self.ex.rb_run.returncode, 0, "ruby icalendar:\n" + show(self.ex.rb_run))
        self.no_problems(instant_problems(self.ex.rb, self.ex.js, "ruby icalendar vs ical.js"))

    def test_bytes(self):
        self.assertTrue(os.path.isdir(self.ex.out1), "no export directory")
        p = byte_problems(self.ex.out1, self.tz)
        self.no_problems(p)

    def test_structure(self):
        p = structure_problems(self.ex.js, "ical.js", self.alarms) + \
            structure_problems(self.ex.py, "python", self.alarms)
        self.no_problems(p)

    def test_second_export_identical(self):
        self.assertTrue(os.path.isdir(self.ex.out1) and os.path.isdir(self.ex.out2), "no export directories")
        p = identical_problems(self.ex.out1, self.ex.out2)
        self.no_problems(p)


class HostileProgramme(_ExportChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_tools(cls)
        cls.tmp = tempfile.mkdtemp(prefix="agendad-hostile-")
        gen = run([sys.executable, HOSTILE, os.path.join(cls.tmp, "in")])
        if gen.returncode != 0:
            raise AssertionError("hostile.py failed:\n" + show(gen))
        with open(os.path.join(cls.tmp, "in", "expected.json"), encoding="utf-8") as f:
            cls.expected = json.load(f)
        cls.tz = cls.expected["timezone"]
        cls.alarms = cls.expected["alarms"]
        cls.conf = os.path.join(cls.tmp, "in", "agendad.conf")
        cls.ex = Export(cls.conf, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        if KEEP:
            sys.stderr.write("\nkept %s\n" % cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_check_mode_accepts_it(self):
        r = run([AGENDAD, "-t", "-c", self.conf, "--state-dir", os.path.join(self.tmp, "state-t")])
        self.assertEqual(r.returncode, 0, show(r))

    def test_ical_js_matches_expected(self):
        p = expected_problems(self.ex.js, self.expected, "ical.js")
        self.no_problems(p)

    def test_python_icalendar_matches_expected(self):
        p = expected_problems(self.ex.py, self.expected, "python")
        self.no_problems(p)

    def test_ruby_icalendar_matches_expected(self):
        """The programme spans both DST changes of 2025: the gem must
        read every session at its instant (expected.json, zoneinfo)."""
        p = instant_problems(self.ex.rb, self.expected["feeds"], "ruby icalendar")
        self.no_problems(p)

    def test_feed_files(self):
        want = set(self.expected["feeds"])
        got = {f for f in all_files(self.ex.out1) if f.endswith(".ics")}
        self.assertEqual(sorted(got - want), [], "unexpected feeds")
        self.assertEqual(sorted(want - got), [], "missing feeds")


class ShippedProgramme(_ExportChecks, unittest.TestCase):
    alarms = None

    @classmethod
    def setUpClass(cls):
        require_tools(cls)
        if not os.path.isfile(SHIPPED_CONF):
            raise AssertionError("no shipped configuration at %s" % SHIPPED_CONF)
        cls.tmp = tempfile.mkdtemp(prefix="agendad-shipped-")
        cls.ex = Export(SHIPPED_CONF, cls.tmp)
        cls.tz = None
        if "calendar.ics" in cls.ex.py:
            cls.tz = cls.ex.py["calendar.ics"]["calendar"].get("x_wr_timezone")

    @classmethod
    def tearDownClass(cls):
        if KEEP:
            sys.stderr.write("\nkept %s\n" % cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_timezone_known(self):
        self.assertIsNotNone(self.tz, "no X-WR-TIMEZONE in calendar.ics")


# ---------------------------------------------------------------- error path

# (line, error): each error is expected on the line of the offending
# setting; "end before start" may point at either `start` or `end`.
# Settings sit on their own lines, apart from their group's "{", so a
# message that points at the enclosing group shows.
E_SPEAKER = ("unknown speaker", r"nobody")
E_ORDER = ("end before start", r"end|before|after")
E_GAP = ("time in the spring-forward gap", r"exist|gap|skip|DST|daylight|summer")
E_AMBIG = ("ambiguous time in the autumn hour", r"ambiguous|twice|DST|daylight|offset")
E_DUP = ("duplicate session id", r"first")
E_BADID = ("upper-case id", r"Bad-ID")
ERROR_PROGRAMME = [
    ('# A programme with one error of each kind; agendad -t must report them all.', None),
    ('event = { id = "errors-2025"; title = "Errors"; timezone = "Europe/Berlin"; };', None),
    ('speakers = ( { id = "known"; name = "Known Speaker"; } );', None),
    ('sessions = (', None),
    ('  {', None),
    ('    id = "first"; title = "Unknown speaker";', None),
    ('    start = "2025-03-28 09:00";', None),
    ('    end = "2025-03-28 10:00";', None),
    ('    people = (', None),
    ('      { speaker = "known"; role = "Chair"; },', None),
    ('      { role = "Ghost";', None),
    ('        speaker = "nobody"; }', E_SPEAKER),
    ('    );', None),
    ('  },', None),
    ('  {', None),
    ('    id = "backwards"; title = "End before start";', None),
    ('    start = "2025-03-28 12:00";', E_ORDER),
    ('    end = "2025-03-28 11:00";', E_ORDER),
    ('  },', None),
    ('  {', None),
    ('    id = "in-the-gap"; title = "Spring-forward gap";', None),
    ('    start = "2025-03-30 02:30";', E_GAP),
    ('    end = "2025-03-30 04:00";', None),
    ('  },', None),
    ('  {', None),
    ('    id = "twice"; title = "Ambiguous hour";', None),
    ('    start = "2025-10-26 02:30";', E_AMBIG),
    ('    end = "2025-10-26 04:00";', None),
    ('  },', None),
    ('  {', None),
    ('    id = "first"; title = "Duplicate id";', E_DUP),
    ('    start = "2025-03-28 13:00"; end = "2025-03-28 14:00";', None),
    ('  },', None),
    ('  {', None),
    ('    id = "Bad-ID"; title = "Upper-case id";', E_BADID),
    ('    start = "2025-03-28 15:00"; end = "2025-03-28 16:00";', None),
    ('  }', None),
    (');', None),
]


class ErrorPath(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(AGENDAD):
            raise AssertionError("agendad binary not found: %s (set AGENDAD)" % AGENDAD)
        cls.tmp = tempfile.mkdtemp(prefix="agendad-errors-")
        cls.prog = os.path.join(cls.tmp, "errors.programme")
        with open(cls.prog, "w", encoding="utf-8") as f:
            f.write("\n".join(l for l, _ in ERROR_PROGRAMME) + "\n")
        os.makedirs(os.path.join(cls.tmp, "state"))
        cls.conf = os.path.join(cls.tmp, "agendad.conf")
        with open(cls.conf, "w", encoding="utf-8") as f:
            f.write('programme = "errors.programme";\n'
                    'state_dir = "%s";\n'
                    'base_url = "http://feeds.example.org";\n' % os.path.join(cls.tmp, "state"))
        cls.r = run([AGENDAD, "-t", "-c", cls.conf])
        cls.stderr = cls.r.stderr.decode("utf-8", "replace")
        cls.errors = []
        for line in cls.stderr.splitlines():
            m = re.match(r"^(.*?errors\.programme):(\d+): (.+)$", line)
            if m:
                cls.errors.append((int(m.group(2)), m.group(3), line))

    @classmethod
    def tearDownClass(cls):
        if KEEP:
            sys.stderr.write("\nkept %s\n" % cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_exit_status_1(self):
        self.assertEqual(self.r.returncode, 1, show(self.r))

    def test_every_error_on_its_line(self):
        problems = []
        lines_of = {}
        for n, (_, want) in enumerate(ERROR_PROGRAMME, 1):
            if want:
                lines_of.setdefault(want, []).append(n)
        for (what, pattern), lines in lines_of.items():
            at = [(ln, msg) for ln, msg, _ in self.errors if ln in lines]
            shown = " or ".join("%d (%s)" % (n, ERROR_PROGRAMME[n - 1][0].strip()) for n in lines)
            if not at:
                near = [full for ln, _, full in self.errors if min(abs(ln - n) for n in lines) <= 3]
                problems.append("%s: no error reported on line %s%s"
                                % (what, shown, "; nearby: %s" % near if near else ""))
            elif not any(re.search(pattern, m, re.I) for _, m in at):
                problems.append("%s: line %s says %r, which does not match /%s/" % (what, shown, at, pattern))
        expected_lines = {n for lines in lines_of.values() for n in lines}
        for ln, msg, full in self.errors:
            if ln not in expected_lines:
                problems.append("error reported on line %d, which has none: %s" % (ln, full))
        if problems:
            self.fail(report(problems) + "\n\n" + show(self.r))

    def test_format(self):
        self.assertTrue(self.errors, "no FILE:LINE: message lines on stderr\n" + show(self.r))
        # the FILE part names the programme file (absolute or as configured)
        for _, _, full in self.errors:
            fname = full.split(":", 1)[0]
            self.assertEqual(os.path.basename(fname), "errors.programme", full)


if __name__ == "__main__":
    unittest.main(verbosity=2)
