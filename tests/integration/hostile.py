#!/usr/bin/env python3
"""Writes a hostile conference programme and what its feeds must contain.

    hostile.py OUTDIR

creates OUTDIR/agendad.conf, OUTDIR/hostile.programme (libconfig, doc/reference.md §2
and 3) and OUTDIR/expected.json.  The programme is built to break feeds:
non-ASCII text in every field (accents, CJK, emoji outside the BMP, RTL
scripts, combining marks, ZWJ sequences), the characters iCalendar TEXT
must escape (, ; \\ and newlines) plus ':' and '"', a literal backslash
followed by 'n' or 'N' (which must not turn into a newline), a 300-character
title whose multi-byte characters straddle every 75-octet fold point, a
session across midnight, one across the spring-forward gap, two in the
ambiguous autumn hour with explicit UTC offsets, a session whose local date
differs from its UTC date, a cancelled, a tentative and a break session,
and a session with nothing but a title.

expected.json is computed here, independently of agendad, with zoneinfo:

    {"event_id", "timezone", "base_url", "alarms",
     "calendar": {properties every feed's VCALENDAR must have},
     "feeds": {"calendar.ics": [event, ...], "days/2025-03-28.ics": [...], ...}}

where each event is {uid, summary, dtstart_utc, dtend_utc, dtstart_local,
dtend_local, dtstart_ambiguous, dtend_ambiguous, status, location,
categories, transp, description, url, alarms}.  `alarms` lists the
TRIGGER values ("-PT15M") and is empty for breaks and cancelled sessions.
`*_ambiguous` marks instants whose local wall time occurs twice; such a
time cannot be written as a TZID-local DATE-TIME without changing its
meaning for some readers (RFC 5545 3.3.5 says the first occurrence).

Run it with any Python >= 3.9 (zoneinfo); it only uses the standard
library.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TZ_NAME = "Europe/Berlin"
TZ = ZoneInfo(TZ_NAME)
BASE_URL = "http://feeds.example.org"
ALARMS = ["15m", "1h"]
ALARM_TRIGGERS = ["-PT15M", "-PT1H"]

EVENT = {
    "id": "hostile-2025",
    "title": "Hôstile Cønf 2025 — 会議 🎉 \"Feeds\"; broken, on purpose: \\o/",
    "timezone": TZ_NAME,
    "location": "Zürich; Genève, Suisse — 🇨🇭",
    "url": "https://example.org/hostile?year=2025&x=a,b;c",
    "description": "A programme written to break iCalendar feeds.\nSecond line: ✓.",
}

TRACKS = [
    {"id": "plenary", "title": "Plenary: «Ünïcode», 全体会議; part 1",
     "description": "Everyone; together, at once."},
    {"id": "rtl", "title": "مسار عربي — מסלול עברי"},
    {"id": "emoji", "title": "Emoji 🚀🧪 track, with comma; and semicolon"},
    # A literal backslash before 'n' and 'N': escaping in the wrong order
    # turns these into newlines.
    {"id": "back", "title": "Paths: C:\\new\\table, \\N and \\\\ too"},
]

ROOMS = [
    {"id": "salle-a", "title": "Salle À, étage 2; aile \"Nord\""},
    {"id": "kaigishitsu", "title": "会議室 ３ (3F)"},
    {"id": "colon-room", "title": "Room: 1:2:3 \\ back"},
]

SPEAKERS = [
    {"id": "ana-garcia", "name": "Ana María García-Núñez",
     "affiliation": "Universidad de Sevilla; Dept. «Migración», Ñ",
     "bio_url": "https://example.org/people/ana?lang=es&x=1",
     "email": "ana.garcia@example.org"},
    {"id": "yamada-taro", "name": "山田 太郎",
     "affiliation": "東京大学 (UTokyo), 国際関係", "email": "yamada@example.org"},
    {"id": "mohammed", "name": "محمد عبد الله",
     "affiliation": "جامعة القاهرة — Cairo University", "email": "mohammed@example.org"},
    # Decomposed form on purpose: e + COMBINING DIAERESIS, e + COMBINING
    # ACUTE, O + COMBINING ACUTE + COMBINING DOT BELOW.  Nothing may
    # normalise it.  No affiliation.
    {"id": "zoe", "name": "Zoe\u0308 Ame\u0301lie O\u0301\u0323lafsdo\u0301ttir",
     "email": "zoe@example.org"},
    {"id": "unicorn", "name": "Dr. 🦄 Unicorn \"Sparkle\" O'Neil",
     "affiliation": "Rainbow 🏳️‍🌈 Lab, Inc.; \\ division", "email": "unicorn@example.org"},
    {"id": "backslash", "name": "Back\\Slash Person",
     "affiliation": "C:\\new\\temp; \"quoted\", org", "email": "bs@example.org"},
    {"id": "david", "name": "דוד כהן", "affiliation": "אוניברסיטת תל אביב"},
]


def ical_escaped_len(ch):
    if ch in "\\;,\n":
        return 2
    return len(ch.encode("utf-8"))


def long_title():
    """A 300-character title whose SUMMARY line, folded naively every 75
    octets (75 on the first line, 74 after the leading space on the
    others), would cut a multi-byte character at every fold."""
    head = "Hostile «title»; with, commas: and \\ backslash — "
    filler = "aé会,ßع\\ üש;中x"  # 1-3 octets each once escaped
    t = head
    n = len("SUMMARY:") + sum(ical_escaped_len(c) for c in head)
    fold = 75
    i = 0
    while len(t) < 300:
        while fold <= n:
            fold += 74
        if 1 <= fold - n <= 3:
            ch = "😀🌍🎉🦄"[len(t) % 4]  # 4 octets around the fold point
        else:
            ch = filler[i % len(filler)]
            i += 1
            if n + ical_escaped_len(ch) == fold:
                ch = "ж"  # 2 octets: the previous choice ended on the fold
                if n + 2 == fold:
                    ch = "会"
        t += ch
        n += ical_escaped_len(ch)
    assert len(t) == 300
    return t


LONG_TITLE = long_title()

# description: newlines, tabs, backslashes before n/N, every TEXT special,
# a percent-escape that sloppy parsers decode.
DESC_OPENING = (
    "Welcome to «Hôstile»!\n"
    "Line two: commas, semicolons; colons: and \"quotes\".\n"
    "\tIndented with a tab; 中文 and العربية and עברית.\n"
    "\n"
    "After an empty line: 🎉🎊 done."
)
DESC_BACKSLASH = (
    "Windows path C:\\new\\table and a literal \\n that is not a newline;\n"
    "also \\N, \\, and \\; and a trailing backslash \\"
)

SESSIONS = [
    {"id": "opening", "title": "Opening: «Bienvenue», 歓迎; 🎤",
     "start": "2025-03-28 09:00", "end": "2025-03-28 10:30",
     "track": "plenary", "room": "salle-a", "kind": "plenary",
     "description": DESC_OPENING,
     "people": [
         {"speaker": "ana-garcia", "role": "Welcome Remarks; «Opening», part 1"},
         {"speaker": "yamada-taro", "role": "Keynote: 基調講演"},
         {"speaker": "mohammed", "role": "Chair",
          "affiliation": "Override: IOM, Geneva; 🇺🇳"},
     ],
     "documents": [
         {"title": "Slides: part 1", "url": "https://example.org/slides?a=1&b=2;c,d%2Ce%5C"},
         {"title": "Handout «PDF» 📄"},
         {"title": "Paper \"final\", v2", "url": "https://example.org/p/ü?q=é#frag"},
     ]},
    {"id": "coffee", "title": "Coffee ☕ break, tea; water",
     "start": "2025-03-28 10:30", "end": "2025-03-28 11:00",
     "room": "salle-a", "kind": "break",
     "description": "Coffee ☕, tea; water\nand 🥐 (croissants)."},
    {"id": "long-title", "title": LONG_TITLE,
     "start": "2025-03-28 11:00", "end": "2025-03-28 12:00",
     "track": "emoji", "room": "kaigishitsu",
     "description": DESC_BACKSLASH,
     "people": [
         {"speaker": "unicorn"},                              # no role
         {"speaker": "zoe", "role": "Discussant, «rapporteur»"},  # no affiliation
         {"speaker": "david"},
         {"speaker": "backslash", "role": "Role: with \\ and \\n"},
     ]},
    {"id": "silence", "title": "Silence",
     "start": "2025-03-28 13:00", "end": "2025-03-28 13:30"},
    {"id": "midnight", "title": "Across midnight 🌙 — minuit, 真夜中",
     "start": "2025-03-28 23:30", "end": "2025-03-29 01:00",
     "track": "rtl", "room": "colon-room",
     "people": [{"speaker": "zoe"}]},                     # neither role nor affiliation
    {"id": "early", "title": "Early bird: 00:30 local is the previous day in UTC",
     "start": "2025-03-29 00:30", "end": "2025-03-29 01:15",
     "track": "back",
     "description": "No people here; the description comes first.\nSecond line."},
    {"id": "spring-gap", "title": "Spring forward ⏰: 01:30–03:30 is one hour",
     "start": "2025-03-30 01:30", "end": "2025-03-30 03:30",
     "track": "plenary", "room": "salle-a",
     "people": [{"speaker": "yamada-taro", "role": "Moderator, 司会"}],
     "documents": [{"title": "Agenda; draft, v0.1", "url": "https://example.org/agenda.pdf"}]},
    {"id": "cancelled", "title": "Cancelled: «annulé»; 中止",
     "start": "2025-10-25 14:00", "end": "2025-10-25 15:00",
     "track": "emoji", "room": "kaigishitsu", "status": "cancelled",
     "description": "Cancelled: «sorry», see you; next time.",
     "people": [{"speaker": "backslash", "role": "Panelist"}]},
    {"id": "tentative", "title": "Tentative — مؤقت — זמני",
     "start": "2025-10-25 16:00", "end": "2025-10-25 17:30",
     "track": "rtl", "room": "colon-room", "status": "tentative",
     "people": [{"speaker": "mohammed", "role": "متحدث"},
                {"speaker": "david", "role": "דובר"}]},
    {"id": "fallback-first", "title": "Fall back, first 02:15 (+02:00) to second 02:45 (+01:00)",
     "start": "2025-10-26 02:15 +02:00", "end": "2025-10-26 02:45 +01:00",
     "track": "back", "room": "colon-room",
     "people": [{"speaker": "unicorn", "role": "Host"}]},
    {"id": "fallback", "title": "Fall back: the second 02:30 (+01:00)",
     "start": "2025-10-26 02:30 +01:00", "end": "2025-10-26 03:30",
     "track": "back", "room": "salle-a",
     "people": [{"speaker": "ana-garcia", "role": "Speaker"}]},
    {"id": "late-night", "title": "Late night 🌃 across midnight after fall-back",
     "start": "2025-10-26 23:45", "end": "2025-10-27 00:30",
     "room": "kaigishitsu", "track": "emoji",
     "people": [{"speaker": "yamada-taro"}]},
    {"id": "early-oct", "title": "Early October-end bird",
     "start": "2025-10-27 00:15", "end": "2025-10-27 01:00",
     "room": "colon-room", "track": "plenary",
     "description": "Starts on 2025-10-26 in UTC.",
     "documents": [{"title": "Only a title, no URL"}]},
]


# ---------------------------------------------------------------- libconfig

def lc_escape(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\f":
            out.append("\\f")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\x%02X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def lc_str(s, indent="", split=None):
    """A libconfig string literal.  With split, cut into adjacent literals
    (joined by the parser) of at most split characters, on following lines,
    with a comment between two of them."""
    if not split or len(s) <= split:
        return '"' + lc_escape(s) + '"'
    parts = [s[i:i + split] for i in range(0, len(s), split)]
    lines = []
    for i, p in enumerate(parts):
        lit = '"' + lc_escape(p) + '"'
        if i == 1:
            lit += "  # adjacent literals concatenate — 連結"
        lines.append(lit)
    return ("\n" + indent).join(lines)


def lc_str_hex(s):
    """A literal that spells every non-ASCII character as \\xNN UTF-8 bytes."""
    out = []
    for ch in s:
        if ord(ch) < 0x80:
            out.append(lc_escape(ch))
        else:
            out.append("".join("\\x%02X" % b for b in ch.encode("utf-8")))
    return '"' + "".join(out) + '"'


def write_programme(path):
    L = []
    L.append("# Hostile programme for agendad's conformance tests — ünïcödé 🎉 in comments too.")
    L.append("# Generated by tests/integration/hostile.py; do not edit.")
    L.append("")
    L.append("event = {")
    for k in ("id", "title", "timezone", "location", "url"):
        L.append("  %s = %s;" % (k, lc_str(EVENT[k])))
    # the description spelled with \xNN escapes: the parser must yield UTF-8
    L.append("  description = %s;" % lc_str_hex(EVENT["description"]))
    L.append("};")
    L.append("")
    L.append("tracks = (")
    for i, t in enumerate(TRACKS):
        items = " ".join("%s = %s;" % (k, lc_str(t[k])) for k in ("id", "title", "description") if k in t)
        L.append("  { %s }%s" % (items, "," if i < len(TRACKS) - 1 else ""))
    L.append(");")
    L.append("")
    L.append("rooms = (")
    for i, r in enumerate(ROOMS):
        items = " ".join("%s = %s;" % (k, lc_str(r[k])) for k in ("id", "title"))
        L.append("  { %s }%s" % (items, "," if i < len(ROOMS) - 1 else ""))
    L.append(");")
    L.append("")
    L.append("speakers = (")
    for i, s in enumerate(SPEAKERS):
        L.append("  {")
        for k in ("id", "name", "affiliation", "bio_url", "email"):
            if k in s:
                L.append("    %s = %s;" % (k, lc_str(s[k])))
        L.append("  }%s" % ("," if i < len(SPEAKERS) - 1 else ""))
    L.append(");")
    L.append("")
    L.append("sessions = (")
    for i, s in enumerate(SESSIONS):
        L.append("  {")
        for k in ("id", "title", "start", "end", "track", "room", "kind", "status", "description"):
            if k in s:
                L.append("    %s = %s;" % (k, lc_str(s[k], "      ", split=60 if k == "title" else None)))
        if "people" in s:
            L.append("    people = (")
            for j, p in enumerate(s["people"]):
                items = " ".join("%s = %s;" % (k, lc_str(p[k])) for k in ("speaker", "role", "affiliation") if k in p)
                L.append("      { %s }%s" % (items, "," if j < len(s["people"]) - 1 else ""))
            L.append("    );")
        if "documents" in s:
            L.append("    documents = (")
            for j, d in enumerate(s["documents"]):
                items = " ".join("%s = %s;" % (k, lc_str(d[k])) for k in ("title", "url") if k in d)
                L.append("      { %s }%s" % (items, "," if j < len(s["documents"]) - 1 else ""))
            L.append("    );")
        L.append("  }%s" % ("," if i < len(SESSIONS) - 1 else ""))
    L.append(");")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(L) + "\n")


def write_conf(path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(
            "# agendad.conf for the hostile programme (tests/integration/hostile.py).\n"
            "# state_dir is passed on the command line.\n"
            'programme = "hostile.programme";\n'
            'base_url = "%s";\n'
            "feeds = { refresh = \"1h\"; alarms = [ %s ]; };\n"
            % (BASE_URL, ", ".join('"%s"' % a for a in ALARMS)))


# ---------------------------------------------------------------- expected

def parse_local(s):
    """'YYYY-MM-DD HH:MM' (event zone) or with ' +HH:MM' -> aware UTC."""
    parts = s.split(" ")
    naive = datetime.strptime(parts[0] + " " + parts[1], "%Y-%m-%d %H:%M")
    if len(parts) == 3:
        off = parts[2]
        sign = -1 if off[0] == "-" else 1
        delta = timedelta(hours=int(off[1:3]), minutes=int(off[4:6]))
        utc = (naive - sign * delta).replace(tzinfo=timezone.utc)
        # the offset must be one the zone really has at that instant
        local = utc.astimezone(TZ)
        assert local.replace(tzinfo=None) == naive, (s, local)
        return utc
    a = naive.replace(tzinfo=TZ, fold=0)
    b = naive.replace(tzinfo=TZ, fold=1)
    assert a.utcoffset() == b.utcoffset(), "ambiguous without offset: %s" % s
    utc = a.astimezone(timezone.utc)
    assert utc.astimezone(TZ).replace(tzinfo=None) == naive, "nonexistent: %s" % s
    return utc


def is_ambiguous_local(utc):
    local = utc.astimezone(TZ).replace(tzinfo=None)
    return (local.replace(tzinfo=TZ, fold=0).utcoffset()
            != local.replace(tzinfo=TZ, fold=1).utcoffset())


def iso_utc(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(dt):
    return dt.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S")


SPEAKER_BY_ID = {s["id"]: s for s in SPEAKERS}
TRACK_BY_ID = {t["id"]: t for t in TRACKS}
ROOM_BY_ID = {r["id"]: r for r in ROOMS}


def person_line(p):
    sp = SPEAKER_BY_ID[p["speaker"]]
    aff = p.get("affiliation", sp.get("affiliation"))
    role = p.get("role")
    line = sp["name"]
    if aff:
        line += ", " + aff
    if role:
        line = role + ": " + line
    return line


def description(s):
    lines = [person_line(p) for p in s.get("people", [])]
    if s.get("description"):
        if lines:
            lines.append("")
        lines.append(s["description"])
    if s.get("documents"):
        if lines:
            lines.append("")
        lines.append("Documents:")
        for d in s["documents"]:
            lines.append("- " + d["title"] + (": " + d["url"] if d.get("url") else ""))
    return "\n".join(lines) if lines else None


def location(s):
    parts = []
    if s.get("room"):
        parts.append(ROOM_BY_ID[s["room"]]["title"])
    if EVENT.get("location"):
        parts.append(EVENT["location"])
    return ", ".join(parts) if parts else None


def expected_event(s):
    start = parse_local(s["start"])
    end = parse_local(s["end"])
    assert end > start, s["id"]
    status = s.get("status", "confirmed").upper()
    is_break = s.get("kind") == "break"
    return {
        "uid": "%s@%s" % (s["id"], EVENT["id"]),
        "summary": s["title"],
        "dtstart_utc": iso_utc(start),
        "dtend_utc": iso_utc(end),
        "dtstart_local": iso_local(start),
        "dtend_local": iso_local(end),
        "dtstart_ambiguous": is_ambiguous_local(start),
        "dtend_ambiguous": is_ambiguous_local(end),
        "status": status,
        "location": location(s),
        "categories": [TRACK_BY_ID[s["track"]]["title"]] if s.get("track") else [],
        "transp": "TRANSPARENT" if is_break else "OPAQUE",
        "description": description(s),
        "url": BASE_URL + "/#" + s["id"],
        "alarms": [] if (is_break or status == "CANCELLED") else list(ALARM_TRIGGERS),
    }


def expected():
    feeds = {}

    def add(path, ev):
        feeds.setdefault(path, []).append(ev)

    for s in SESSIONS:
        ev = expected_event(s)
        add("calendar.ics", ev)
        add("days/%s.ics" % ev["dtstart_local"][:10], ev)
        if s.get("track"):
            add("tracks/%s.ics" % s["track"], ev)
        if s.get("room"):
            add("rooms/%s.ics" % s["room"], ev)
        for sp in dict.fromkeys(p["speaker"] for p in s.get("people", [])):
            add("speakers/%s.ics" % sp, ev)
        add("sessions/%s.ics" % s["id"], ev)
    # every track, room and speaker is used, so every one has a feed
    for kind, items in (("tracks", TRACKS), ("rooms", ROOMS), ("speakers", SPEAKERS)):
        for it in items:
            assert "%s/%s.ics" % (kind, it["id"]) in feeds, (kind, it["id"])
    for evs in feeds.values():
        evs.sort(key=lambda e: (e["dtstart_utc"], e["uid"]))
    return {
        "event_id": EVENT["id"],
        "timezone": TZ_NAME,
        "base_url": BASE_URL,
        "alarms": list(ALARM_TRIGGERS),
        "calendar": {
            "version": "2.0",
            "calscale": "GREGORIAN",
            "method": "PUBLISH",
            "x_wr_timezone": TZ_NAME,
            "refresh_interval": "PT1H",
            "refresh_interval_value": "DURATION",
            "x_published_ttl": "PT1H",
            "vtimezone_tzids": [TZ_NAME],
        },
        "feeds": dict(sorted(feeds.items())),
    }


def self_check():
    # a naive fold of the long SUMMARY every 75 octets must cut characters
    esc = (LONG_TITLE.replace("\\", "\\\\").replace(";", "\\;")
           .replace(",", "\\,").replace("\n", "\\n"))
    line = ("SUMMARY:" + esc).encode("utf-8")
    folds = cuts = 0
    pos = 75
    while pos < len(line):
        folds += 1
        if (line[pos] & 0xC0) == 0x80:
            cuts += 1
        pos += 74
    assert folds >= 7 and cuts == folds, (folds, cuts)
    for s in SESSIONS:
        assert s["id"] == s["id"].lower()


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: hostile.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    self_check()
    write_programme(os.path.join(out, "hostile.programme"))
    write_conf(os.path.join(out, "agendad.conf"))
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
