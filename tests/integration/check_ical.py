#!/usr/bin/python3
"""Reads every *.ics under EXPORTDIR with python-icalendar and prints what it
understood, as one JSON document, in the same shape as
tests/js/check_ical.mjs (ical.js), so tests/integration/test_feeds.py can
compare the two with each other and with the expected content.

    /usr/bin/python3 check_ical.py EXPORTDIR

Output: {"FEEDPATH": {"calendar": {...}, "events": [{...}, ...]}} with
FEEDPATH relative to EXPORTDIR.  Exit 1, naming the file, when a file is
not UTF-8, does not parse (python-icalendar records errors inside VEVENTs
instead of raising: those count too), or uses a TZID that no VTIMEZONE in
it defines.  The JSON is printed in every case.

Needs Debian's python3-icalendar (the /usr/bin/python3 one).

Times: TZID-local times are converted with the VTIMEZONE of the same file
(icalendar's Timezone.to_tz()), never with a zone database looked up by
name, so a wrong VTIMEZONE shows.  A local time that occurs twice is read
as the first occurrence and one that does not exist with the offset before
the gap, as RFC 5545 3.3.5 says.  A self-test at start-up checks the
conversion across both DST changes.

python-icalendar 4.0.3 (Debian 12) mangles TEXT values: Contentline.parts()
turns "\\," into "," and "%2C" into ","  (escape_string/unescape_string) before
the value is unescaped, unescape_char() replaces sequentially (so an escaped
backslash followed by "n" becomes a newline), and vCategory splits on
escaped commas.  These three are replaced below by RFC 5545 3.3.11
implementations.  And Timezone.to_tz() hands a STANDARD/DAYLIGHT RRULE with
a UTC UNTIL (which RFC 5545 3.3.10 requires there) and a local DTSTART to
dateutil, which refuses the mix: such an UNTIL is turned into the same
instant in local time (UNTIL + TZOFFSETFROM) first.  The rest of the
parsing (content lines, unfolding, parameters, components, types, the
VTIMEZONE rules) is icalendar's.
"""

import json
import os
import re
import sys
from datetime import date, datetime, timedelta

import icalendar
import icalendar.cal
import icalendar.parser
import icalendar.prop
import pytz

# ---------------------------------------------------------------- icalendar fixes

icalendar.parser.escape_string = lambda s: s
icalendar.parser.unescape_string = lambda s: s

_TEXT_ESCAPE = re.compile(r"\\(.)", re.S)


def unescape_text(s):
    """RFC 5545 3.3.11 in one pass: \\\\ \\; \\, \\n \\N."""
    def rep(m):
        c = m.group(1)
        if c in "nN":
            return "\n"
        if c in "\\;,":
            return c
        return m.group(0)  # not an escape RFC 5545 knows: keep as is
    return _TEXT_ESCAPE.sub(rep, s)


def split_unescaped(s, sep=","):
    parts, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _vtext_from_ical(cls, ical):
    return cls(unescape_text(ical))


icalendar.prop.vText.from_ical = classmethod(_vtext_from_ical)
icalendar.prop.vCategory.from_ical = staticmethod(
    lambda ical, timezone=None: [unescape_text(p) for p in split_unescaped(ical)])

_original_to_tz = icalendar.cal.Timezone.to_tz


def _to_tz(vtz):
    """icalendar's to_tz(), with UTC UNTILs made local first (see above).
    from_ical() calls it too, for TZIDs pytz does not know."""
    for sub in vtz.subcomponents:
        rrule = sub.get("RRULE")
        if rrule is None or "UNTIL" not in rrule:
            continue
        offset_from = sub["TZOFFSETFROM"].td
        untils = []
        for u in rrule["UNTIL"]:
            if isinstance(u, datetime) and u.tzinfo is not None:
                u = u.astimezone(pytz.utc).replace(tzinfo=None) + offset_from
            untils.append(u)
        rrule["UNTIL"] = untils
    return _original_to_tz(vtz)


icalendar.cal.Timezone.to_tz = _to_tz

# ---------------------------------------------------------------- helpers


class CheckError(Exception):
    pass


def fmt_duration(secs):
    """[-]P[nD][T[nH][nM][nS]], "PT0S" for zero (same as check_ical.mjs)."""
    secs = int(secs)
    sign = "-" if secs < 0 else ""
    s = abs(secs)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    out = sign + "P"
    if d:
        out += "%dD" % d
    if h or m or s or not d:
        out += "T"
        if h:
            out += "%dH" % h
        if m:
            out += "%dM" % m
        if s or (not h and not m):
            out += "%dS" % s
    return out


def iso_utc(dt):
    return dt.astimezone(pytz.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(comp, name):
    v = comp.get(name)
    if v is None:
        return None
    if isinstance(v, list):
        v = v[0]
    return str(v)


def localize_rfc(tz, naive):
    """naive wall time in tz -> aware, RFC 5545 3.3.5 style."""
    try:
        return tz.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        return tz.localize(naive, is_dst=True)  # the first occurrence
    except pytz.NonExistentTimeError:
        return tz.localize(naive, is_dst=False)  # the offset before the gap


def time_of(comp, name, zones):
    """{utc, tzid, local}: tzid "UTC" for Z values, "floating", "DATE"."""
    prop = comp.get(name)
    if prop is None:
        return None
    if isinstance(prop, list):
        prop = prop[0]
    dt = prop.dt
    tzid = prop.params.get("TZID")
    if not isinstance(dt, datetime):
        if isinstance(dt, date):
            return {"utc": None, "tzid": "DATE", "local": dt.strftime("%Y-%m-%d")}
        raise CheckError("%s is not a DATE-TIME: %r" % (name, dt))
    naive = dt.replace(tzinfo=None)
    local = naive.strftime("%Y-%m-%dT%H:%M:%S")
    if tzid:
        tz = zones.get(str(tzid))
        if tz is None:
            raise CheckError("%s;TZID=%s: no VTIMEZONE with that TZID" % (name, tzid))
        return {"utc": iso_utc(localize_rfc(tz, naive)), "tzid": str(tzid), "local": local}
    if dt.tzinfo is not None and dt.utcoffset() == timedelta(0):
        return {"utc": iso_utc(dt), "tzid": "UTC", "local": local}
    return {"utc": None, "tzid": "floating", "local": local}


def duration_prop(comp, name):
    """A DURATION-valued calendar property (icalendar reads unknown
    properties as TEXT): its canonical text and its VALUE parameter."""
    prop = comp.get(name)
    if prop is None:
        return None, None
    if isinstance(prop, list):
        prop = prop[0]
    if hasattr(prop, "dt"):
        td = prop.dt
    else:
        td = icalendar.prop.vDuration.from_ical(str(prop).strip())
    vtype = prop.params.get("VALUE") if hasattr(prop, "params") else None
    return fmt_duration(td.total_seconds()), (str(vtype).upper() if vtype else None)


def property_counts(comp):
    """How many lines of each property (icalendar keeps repeats as a list)."""
    return dict(sorted((k.upper(), len(v) if isinstance(v, list) else 1) for k, v in comp.items()))


def categories_of(comp):
    v = comp.get("CATEGORIES")
    if v is None:
        return []
    out = []
    for line in (v if isinstance(v, list) else [v]):
        out.extend(str(c) for c in line.cats)
    return out


def event_of(ev, zones):
    ds = time_of(ev, "DTSTART", zones)
    de = time_of(ev, "DTEND", zones)
    stamp = time_of(ev, "DTSTAMP", zones)
    lm = time_of(ev, "LAST-MODIFIED", zones)
    seq = ev.get("SEQUENCE")
    alarms, details = [], []
    for al in ev.subcomponents:
        if al.name != "VALARM":
            continue
        tp = al.get("TRIGGER")
        trigger = None
        if tp is not None:
            if isinstance(tp.dt, timedelta):
                trigger = fmt_duration(tp.dt.total_seconds())
            else:
                trigger = "@" + iso_utc(tp.dt)
        alarms.append(trigger)
        details.append({
            "trigger": trigger,
            "related": str(tp.params.get("RELATED", "START")).upper() if tp is not None else None,
            "action": text(al, "ACTION"),
            "has_description": "DESCRIPTION" in al,
        })

    def stamp_str(t):
        if t is None:
            return None
        return t["utc"] if t["tzid"] == "UTC" else "%s:%s" % (t["tzid"], t["local"])

    return {
        "uid": text(ev, "UID"),
        "summary": text(ev, "SUMMARY"),
        "dtstart_utc": ds["utc"] if ds else None,
        "dtend_utc": de["utc"] if de else None,
        "dtstart_tzid": ds["tzid"] if ds else None,
        "dtend_tzid": de["tzid"] if de else None,
        "dtstart_local": ds["local"] if ds else None,
        "dtend_local": de["local"] if de else None,
        "status": text(ev, "STATUS"),
        "location": text(ev, "LOCATION"),
        "categories": categories_of(ev),
        "transp": text(ev, "TRANSP"),
        "description": text(ev, "DESCRIPTION"),
        "url": text(ev, "URL"),
        "sequence": int(seq) if seq is not None else None,
        "dtstamp": stamp_str(stamp),
        "last_modified": stamp_str(lm),
        "alarms": alarms,
        "alarm_details": details,
        "property_counts": property_counts(ev),
    }


def check_bytes(data):
    try:
        data.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        raise CheckError("not valid UTF-8: %s" % e)
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # icalendar raises ValueError and friends
        raise CheckError("parse error: %s" % e)
    if cal.name != "VCALENDAR":
        raise CheckError("top-level component is %s, not VCALENDAR" % cal.name)
    for comp in cal.walk():
        if comp.errors:
            raise CheckError("parse error in %s: %s" % (comp.name, comp.errors))
    zones = {}
    tzids = []
    for comp in cal.subcomponents:
        if comp.name == "VTIMEZONE":
            tzid = str(comp["TZID"])
            tzids.append(tzid)
            try:
                zones[tzid] = comp.to_tz()
            except Exception as e:
                raise CheckError("VTIMEZONE %s: %s" % (tzid, e))
    ri, ri_type = duration_prop(cal, "REFRESH-INTERVAL")
    ttl, _ = duration_prop(cal, "X-PUBLISHED-TTL")
    calendar = {
        "version": text(cal, "VERSION"),
        "prodid": text(cal, "PRODID"),
        "calscale": text(cal, "CALSCALE"),
        "method": text(cal, "METHOD"),
        "name": text(cal, "NAME"),
        "x_wr_calname": text(cal, "X-WR-CALNAME"),
        "x_wr_timezone": text(cal, "X-WR-TIMEZONE"),
        "refresh_interval": ri,
        "refresh_interval_value": ri_type,
        "x_published_ttl": ttl,
        "vtimezone_tzids": tzids,
        "components": [c.name for c in cal.subcomponents],
        "property_counts": property_counts(cal),
    }
    events = [event_of(c, zones) for c in cal.subcomponents if c.name == "VEVENT"]
    events.sort(key=lambda e: (e["dtstart_utc"] or "") + (e["uid"] or ""))
    return {"calendar": calendar, "events": events}


SELF_TEST = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//agendad tests//self-test//EN",
    "BEGIN:VTIMEZONE", "TZID:Test/Berlin",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19810329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19961027T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Berlin:20250330T013000", "DTEND;TZID=Test/Berlin:20250330T033000", "END:VEVENT",
    "BEGIN:VEVENT", "UID:b", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Berlin:20251026T013000", "DTEND;TZID=Test/Berlin:20251026T033000", "END:VEVENT",
    "BEGIN:VEVENT", "UID:c", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Berlin:20250701T120000", "DTEND;TZID=Test/Berlin:20251231T235900", "END:VEVENT",
    "BEGIN:VEVENT", "UID:d", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Berlin:20251026T023000", "DTEND;TZID=Test/Berlin:20250330T023000",
    "SUMMARY:C:\\\\new\\, x\\;y\\nz %2C", "CATEGORIES:a\\, b,c", "END:VEVENT",
    "END:VCALENDAR", ""]).encode("utf-8")


# The shape libical writes: rules bounded by UTC UNTILs, and TZUNTIL.
SELF_TEST_UNTIL = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//agendad tests//self-test//EN",
    "BEGIN:VTIMEZONE", "TZID:Test/Until", "TZUNTIL:20251027T000000Z",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19810329T020000", "RRULE:FREQ=YEARLY;UNTIL=20250330T010000Z;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19961027T030000", "RRULE:FREQ=YEARLY;UNTIL=20251026T010000Z;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:a", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Until:20250330T013000", "DTEND;TZID=Test/Until:20250330T033000", "END:VEVENT",
    "BEGIN:VEVENT", "UID:b", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Until:20251026T013000", "DTEND;TZID=Test/Until:20251026T033000", "END:VEVENT",
    "BEGIN:VEVENT", "UID:c", "DTSTAMP:20250101T000000Z",
    "DTSTART;TZID=Test/Until:20240701T120000", "DTEND;TZID=Test/Until:20241231T235900", "END:VEVENT",
    "END:VCALENDAR", ""]).encode("utf-8")


def self_test():
    want = {
        "a": ("2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z"),
        "b": ("2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"),
        "c": ("2025-07-01T10:00:00Z", "2025-12-31T22:59:00Z"),
        # first occurrence; offset before the gap
        "d": ("2025-10-26T00:30:00Z", "2025-03-30T01:30:00Z"),
    }
    until_want = {
        "a": ("2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z"),
        "b": ("2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"),
        "c": ("2024-07-01T10:00:00Z", "2024-12-31T22:59:00Z"),
    }
    for ev in check_bytes(SELF_TEST_UNTIL)["events"]:
        w = until_want[ev["uid"]]
        if (ev["dtstart_utc"], ev["dtend_utc"]) != w:
            raise CheckError("self-test (UNTIL): %s: got %s..%s, want %s..%s"
                             % (ev["uid"], ev["dtstart_utc"], ev["dtend_utc"], w[0], w[1]))
    got = check_bytes(SELF_TEST)
    for ev in got["events"]:
        w = want[ev["uid"]]
        if (ev["dtstart_utc"], ev["dtend_utc"]) != w:
            raise CheckError("self-test: %s: got %s..%s, want %s..%s"
                             % (ev["uid"], ev["dtstart_utc"], ev["dtend_utc"], w[0], w[1]))
        if ev["uid"] == "d":
            if ev["summary"] != "C:\\new, x;y\nz %2C":
                raise CheckError("self-test: TEXT unescaping: %r" % ev["summary"])
            if ev["categories"] != ["a, b", "c"]:
                raise CheckError("self-test: CATEGORIES: %r" % ev["categories"])


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: check_ical.py EXPORTDIR\n")
        return 2
    try:
        self_test()
    except CheckError as e:
        sys.stderr.write("check_ical.py: %s\n" % e)
        return 1
    top = argv[1]
    files = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for f in filenames:
            if f.endswith(".ics"):
                files.append(os.path.join(dirpath, f))
    files.sort()
    failed = False
    if not files:
        sys.stderr.write("%s: no .ics files\n" % top)
        failed = True
    result = {}
    for path in files:
        rel = os.path.relpath(path, top).replace(os.sep, "/")
        try:
            with open(path, "rb") as f:
                result[rel] = check_bytes(f.read())
        except CheckError as e:
            sys.stderr.write("%s: %s\n" % (path, e))
            failed = True
        except Exception as e:  # anything icalendar throws is a failure of this file
            sys.stderr.write("%s: %s: %s\n" % (path, type(e).__name__, e))
            failed = True
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
