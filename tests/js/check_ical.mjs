#!/usr/bin/env node
// Reads every *.ics under EXPORTDIR with Mozilla's ical.js and prints what
// it understood, as one JSON document, so tests/integration/test_feeds.py
// can compare it with tests/integration/check_ical.py (python-icalendar)
// and with the expected content.
//
//   node check_ical.mjs EXPORTDIR
//
// Output: { "FEEDPATH": { "calendar": {...}, "events": [ {...}, ... ] } }
// with FEEDPATH relative to EXPORTDIR ("days/2025-03-28.ics").  Exit 1,
// naming the file, when a file is not UTF-8, does not parse, or uses a
// TZID that no VTIMEZONE in it defines (ical.js would silently read such
// times as floating).  The JSON is printed in every case.
//
// Times: ical.js converts TZID-local times with the VTIMEZONE it finds in
// the same file (registered with ICAL.TimezoneService too); nothing here
// knows the real zone rules.  A self-test at start-up checks that this
// conversion follows a VTIMEZONE across both DST changes.  Note that for
// a local time that occurs twice, ical.js takes the second occurrence
// (RFC 5545 3.3.5 says the first) and for one that does not exist, the
// offset after the gap (RFC: before).  Feeds that want every client to
// agree write such instants in UTC.

import fs from "node:fs";
import path from "node:path";
import ICAL from "ical.js";

// RFC 7986 and de-facto calendar properties ical.js does not know: read
// them with their real value types instead of "unknown" (raw, unescaped).
const extraProps = {
  "name": { defaultType: "text" },
  "x-wr-calname": { defaultType: "text" },
  "x-wr-caldesc": { defaultType: "text" },
  "x-wr-timezone": { defaultType: "text" },
  "x-published-ttl": { defaultType: "duration" },
  "color": { defaultType: "text" },
};
for (const [k, v] of Object.entries(extraProps)) {
  if (!(k in ICAL.design.icalendar.property)) ICAL.design.icalendar.property[k] = v;
}

// Canonical duration text from seconds, shared with check_ical.py:
// [-]P[nD][T[nH][nM][nS]], "PT0S" for zero.
function fmtDuration(secs) {
  const sign = secs < 0 ? "-" : "";
  let s = Math.abs(secs);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  let out = sign + "P";
  if (d) out += d + "D";
  if (h || m || s || !d) {
    out += "T";
    if (h) out += h + "H";
    if (m) out += m + "M";
    if (s || (!h && !m)) out += s + "S";
  }
  return out;
}

function isoUTC(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function pad(n, w = 2) { return String(n).padStart(w, "0"); }

// A DATE-TIME property as {utc, tzid, local}; tzid "UTC" for "Z" values,
// "floating" for neither, "DATE" for a date.  Throws when the TZID has no
// VTIMEZONE behind it.
function timeOf(comp, name) {
  const prop = comp.getFirstProperty(name);
  if (!prop) return null;
  const t = prop.getFirstValue();
  const tzid = prop.getParameter("tzid");
  const local = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}` +
    (t.isDate ? "" : `T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`);
  if (t.isDate) return { utc: null, tzid: "DATE", local };
  if (tzid) {
    if (!t.zone || t.zone.tzid !== tzid || t.zone === ICAL.Timezone.localTimezone ||
        !ICAL.TimezoneService.has(tzid)) {
      throw new Error(`${name.toUpperCase()};TZID=${tzid}: no VTIMEZONE with that TZID`);
    }
    return { utc: isoUTC(t.toUnixTime()), tzid, local };
  }
  if (t.zone === ICAL.Timezone.utcTimezone) return { utc: isoUTC(t.toUnixTime()), tzid: "UTC", local };
  return { utc: null, tzid: "floating", local };
}

function text(comp, name) {
  const v = comp.getFirstPropertyValue(name);
  return v === null || v === undefined ? null : String(v);
}

// REFRESH-INTERVAL is left without a default type so that its value type
// shows whether the file said VALUE=DURATION (ical.js turns the VALUE
// parameter into the property's type).
function durationProp(comp, name) {
  const prop = comp.getFirstProperty(name);
  if (!prop) return { value: null, type: null };
  let v = prop.getFirstValue();
  if (typeof v === "string") v = ICAL.Duration.fromString(v.trim());
  return { value: fmtDuration(v.toSeconds()), type: prop.type === "unknown" ? null : prop.type };
}

function eventOf(ev) {
  const ds = timeOf(ev, "dtstart");
  const de = timeOf(ev, "dtend");
  const dstamp = timeOf(ev, "dtstamp");
  const lm = timeOf(ev, "last-modified");
  const categories = [];
  for (const p of ev.getAllProperties("categories")) {
    for (const v of p.getValues()) categories.push(String(v));
  }
  const seqProp = ev.getFirstProperty("sequence");
  const alarms = [];
  const alarmDetails = [];
  for (const al of ev.getAllSubcomponents("valarm")) {
    const tp = al.getFirstProperty("trigger");
    let trigger = null;
    if (tp) {
      const tv = tp.getFirstValue();
      trigger = tv instanceof ICAL.Duration ? fmtDuration(tv.toSeconds())
        : "@" + isoUTC(tv.toUnixTime());
    }
    alarms.push(trigger);
    alarmDetails.push({
      trigger,
      related: tp ? (tp.getParameter("related") || "START").toUpperCase() : null,
      action: text(al, "action"),
      has_description: al.hasProperty("description"),
    });
  }
  return {
    uid: text(ev, "uid"),
    summary: text(ev, "summary"),
    dtstart_utc: ds ? ds.utc : null,
    dtend_utc: de ? de.utc : null,
    dtstart_tzid: ds ? ds.tzid : null,
    dtend_tzid: de ? de.tzid : null,
    dtstart_local: ds ? ds.local : null,
    dtend_local: de ? de.local : null,
    status: text(ev, "status"),
    location: text(ev, "location"),
    categories,
    transp: text(ev, "transp"),
    description: text(ev, "description"),
    url: text(ev, "url"),
    sequence: seqProp ? seqProp.getFirstValue() : null,
    dtstamp: dstamp ? (dstamp.tzid === "UTC" ? dstamp.utc : `${dstamp.tzid}:${dstamp.local}`) : null,
    last_modified: lm ? (lm.tzid === "UTC" ? lm.utc : `${lm.tzid}:${lm.local}`) : null,
    alarms,
    alarm_details: alarmDetails,
    property_counts: propertyCounts(ev),
  };
}

function propertyCounts(comp) {
  const counts = {};
  for (const p of comp.getAllProperties()) counts[p.name.toUpperCase()] = (counts[p.name.toUpperCase()] || 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort());
}

function checkText(src) {
  let jcal;
  try {
    jcal = ICAL.parse(src);
  } catch (e) {
    throw new Error(`parse error: ${e.message}`);
  }
  if (!Array.isArray(jcal) || typeof jcal[0] !== "string") {
    throw new Error("not exactly one top-level component");
  }
  const cal = new ICAL.Component(jcal);
  if (cal.name !== "vcalendar") throw new Error(`top-level component is ${cal.name}, not VCALENDAR`);
  // Each file brings its own zones: forget the previous file's.
  ICAL.TimezoneService.reset();
  const tzids = [];
  for (const vt of cal.getAllSubcomponents("vtimezone")) {
    tzids.push(String(vt.getFirstPropertyValue("tzid")));
    ICAL.TimezoneService.register(vt);
  }
  const ri = durationProp(cal, "refresh-interval");
  const ttl = durationProp(cal, "x-published-ttl");
  const calendar = {
    version: text(cal, "version"),
    prodid: text(cal, "prodid"),
    calscale: text(cal, "calscale"),
    method: text(cal, "method"),
    name: text(cal, "name"),
    x_wr_calname: text(cal, "x-wr-calname"),
    x_wr_timezone: text(cal, "x-wr-timezone"),
    refresh_interval: ri.value,
    refresh_interval_value: ri.type ? ri.type.toUpperCase() : null,
    x_published_ttl: ttl.value,
    vtimezone_tzids: tzids,
    components: cal.getAllSubcomponents().map((c) => c.name.toUpperCase()),
    property_counts: propertyCounts(cal),
  };
  const events = cal.getAllSubcomponents("vevent").map(eventOf);
  events.sort((a, b) => ((a.dtstart_utc || "") + (a.uid || "")).localeCompare((b.dtstart_utc || "") + (b.uid || "")));
  return { calendar, events };
}

// Guards against a wrong use of ical.js: a Europe/Berlin VTIMEZONE must
// carry local times across both 2025 DST changes.
function selfTest() {
  const ics = [
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
    "DTSTART;TZID=Test/Berlin:20250101T000000", "DTEND;TZID=Test/Berlin:20250101T010000",
    "SUMMARY:C:\\\\new\\, x\\;y\\nz %2C", "CATEGORIES:a\\, b,c", "END:VEVENT",
    "END:VCALENDAR", "",
  ].join("\r\n");
  const want = {
    a: ["2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z"],
    b: ["2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"],
    c: ["2025-07-01T10:00:00Z", "2025-12-31T22:59:00Z"],
    d: ["2024-12-31T23:00:00Z", "2025-01-01T00:00:00Z"],
  };
  // the shape libical writes: rules bounded by UTC UNTILs, and TZUNTIL
  const untilIcs = [
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
    "END:VCALENDAR", "",
  ].join("\r\n");
  const untilWant = {
    a: ["2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z"],
    b: ["2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"],
    c: ["2024-07-01T10:00:00Z", "2024-12-31T22:59:00Z"],
  };
  for (const ev of checkText(untilIcs).events) {
    const w = untilWant[ev.uid];
    if (ev.dtstart_utc !== w[0] || ev.dtend_utc !== w[1]) {
      throw new Error(`self-test (UNTIL): ${ev.uid}: got ${ev.dtstart_utc}..${ev.dtend_utc}, want ${w[0]}..${w[1]}`);
    }
  }
  const got = checkText(ics);
  for (const ev of got.events) {
    const w = want[ev.uid];
    if (ev.dtstart_utc !== w[0] || ev.dtend_utc !== w[1]) {
      throw new Error(`self-test: ${ev.uid}: got ${ev.dtstart_utc}..${ev.dtend_utc}, want ${w[0]}..${w[1]}`);
    }
    if (ev.uid === "d" && (ev.summary !== "C:\\new, x;y\nz %2C" ||
        JSON.stringify(ev.categories) !== JSON.stringify(["a, b", "c"]))) {
      throw new Error(`self-test: TEXT unescaping: ${JSON.stringify([ev.summary, ev.categories])}`);
    }
  }
  ICAL.TimezoneService.reset();
}

function listIcs(dir) {
  const out = [];
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name.endsWith(".ics")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function main() {
  const dir = process.argv[2];
  if (!dir || process.argv.length !== 3) {
    process.stderr.write("usage: node check_ical.mjs EXPORTDIR\n");
    process.exit(2);
  }
  try {
    selfTest();
  } catch (e) {
    process.stderr.write(`check_ical.mjs: ${e.message}\n`);
    process.exit(1);
  }
  const result = {};
  let failed = false;
  const files = listIcs(dir);
  if (files.length === 0) {
    process.stderr.write(`${dir}: no .ics files\n`);
    failed = true;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (const file of files) {
    const rel = path.relative(dir, file).split(path.sep).join("/");
    try {
      let src;
      try {
        src = decoder.decode(fs.readFileSync(file));
      } catch (e) {
        throw new Error("not valid UTF-8");
      }
      result[rel] = checkText(src);
    } catch (e) {
      process.stderr.write(`${file}: ${e.message}\n`);
      failed = true;
    }
  }
  // No process.exit() here: it would cut a large write to a pipe short.
  process.stdout.write(JSON.stringify(result, null, 1) + "\n");
  process.exitCode = failed ? 1 : 0;
}

main();
