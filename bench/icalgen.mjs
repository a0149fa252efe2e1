// The export benchmark's peer: build with ical-generator the same set of
// feeds that `agendad --export` writes, and write them to files.
//
// usage: node icalgen.mjs OUTDIR/programme.json EXPORTDIR
//
// Feeds (one VEVENT per session in each):
//   calendar.ics              every session
//   days/YYYY-MM-DD.ics       sessions starting that day (event timezone)
//   tracks/ID.ics rooms/ID.ics speakers/ID.ics sessions/ID.ics
//
// Written the way an ical-generator user would: one calendar object per
// feed, one createEvent() per session in it, toString(), writeFileSync().
// The per-session event data (description text, alarm, status, ...) is
// prepared once and reused by every feed that contains the session.
//
// Prints one line of phase timings to stderr.

import fs from 'node:fs';
import path from 'node:path';

if (process.argv.length !== 4) {
    process.stderr.write('usage: node icalgen.mjs PROGRAMME.json EXPORTDIR\n');
    process.exit(2);
}
const [, , programmePath, exportDir] = process.argv;

const t0 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;

const prog = JSON.parse(fs.readFileSync(programmePath, 'utf8'));
const ev = prog.event;
const conf = prog.config || {};
const baseUrl = (conf.base_url || 'http://localhost:8080').replace(/\/$/, '');

// ical-generator formats plain Date objects in the process's local timezone
// when a timezone is set (see its README, "Date, Time & Timezones"), so the
// process runs in the event's timezone: wall-clock programme times become
// real instants, and DTSTART;TZID=... gets the same wall-clock time back.
process.env.TZ = ev.timezone;

const { default: ical, ICalAlarmType, ICalCalendarMethod, ICalEventStatus,
    ICalEventTransparency } = await import('ical-generator');

function duration(s) {
    const m = /^(\d+)([smhd])$/.exec(s);
    if (!m) throw new Error('bad duration ' + s);
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2]];
}
const refresh = duration((conf.feeds && conf.feeds.refresh) || '1h');
const alarms = ((conf.feeds && conf.feeds.alarms) || ['15m']).map(duration);

function localDate(s) {
    // "YYYY-MM-DD HH:MM[:SS]" wall-clock time in the event timezone.
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
    if (!m) throw new Error('bad time ' + s);
    return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
}

const byId = (list) => new Map((list || []).map((x) => [x.id, x]));
const tracks = byId(prog.tracks);
const rooms = byId(prog.rooms);
const speakers = byId(prog.speakers);

const now = new Date();
const STATUS = {
    confirmed: ICalEventStatus.CONFIRMED,
    tentative: ICalEventStatus.TENTATIVE,
    cancelled: ICalEventStatus.CANCELLED,
};

// Feed membership and per-session event data.
const feeds = new Map(); // relative path -> { name, events: [] }
function feed(rel, name) {
    let f = feeds.get(rel);
    if (!f) {
        f = { name, events: [] };
        feeds.set(rel, f);
    }
    return f;
}
const title = ev.title;
const all = feed('calendar.ics', title);
// Every track, room and speaker has a feed, even an empty one.
for (const t of tracks.values()) feed(`tracks/${t.id}.ics`, `${title} — ${t.title}`);
for (const r of rooms.values()) feed(`rooms/${r.id}.ics`, `${title} — ${r.title}`);
for (const s of speakers.values()) feed(`speakers/${s.id}.ics`, `${title} — ${s.name}`);

for (const s of prog.sessions) {
    const lines = [];
    for (const p of s.people || []) {
        const sp = speakers.get(p.speaker);
        lines.push(`${p.role ? p.role + ': ' : ''}${sp.name}${sp.affiliation ? ', ' + sp.affiliation : ''}`);
    }
    if (s.description) {
        if (lines.length) lines.push('');
        lines.push(s.description);
    }
    if (s.documents && s.documents.length) {
        lines.push('');
        for (const d of s.documents) lines.push(`${d.title}: ${d.url}`);
    }
    const track = s.track ? tracks.get(s.track) : null;
    const room = s.room ? rooms.get(s.room) : null;
    const data = {
        id: `${s.id}@${ev.id}`,
        start: localDate(s.start),
        end: localDate(s.end),
        timezone: ev.timezone,
        stamp: now,
        lastModified: now,
        sequence: 0,
        summary: s.title,
        description: lines.join('\n'),
        location: [room && room.title, ev.location].filter(Boolean).join(', ') || null,
        categories: track ? [{ name: track.title }] : [],
        status: STATUS[s.status || 'confirmed'],
        url: `${baseUrl}/#${s.id}`,
        // Like agendad: no alarm for breaks or cancelled sessions.
        alarms: (s.kind === 'break' || s.status === 'cancelled' ? [] : alarms).map((secs) => ({
            type: ICalAlarmType.display,
            trigger: secs,
            description: s.title,
        })),
    };
    if (s.kind === 'break') data.transparency = ICalEventTransparency.TRANSPARENT;

    all.events.push(data);
    feed(`days/${s.start.slice(0, 10)}.ics`, `${title} — ${s.start.slice(0, 10)}`).events.push(data);
    if (track) feed(`tracks/${track.id}.ics`).events.push(data);
    if (room) feed(`rooms/${room.id}.ics`).events.push(data);
    for (const p of s.people || []) feed(`speakers/${p.speaker}.ics`).events.push(data);
    feed(`sessions/${s.id}.ics`, `${title} — ${s.title}`).events.push(data);
}
const t1 = process.hrtime.bigint();

for (const d of ['days', 'tracks', 'rooms', 'speakers', 'sessions']) {
    fs.mkdirSync(path.join(exportDir, d), { recursive: true });
}

let renderNs = 0n;
let writeNs = 0n;
let bytes = 0;
let vevents = 0;
for (const [rel, f] of feeds) {
    const a = process.hrtime.bigint();
    const cal = ical({
        name: f.name,
        prodId: { company: 'agendad-bench', product: 'ical-generator', language: 'EN' },
        method: ICalCalendarMethod.PUBLISH,
        scale: 'GREGORIAN',
        timezone: ev.timezone,
        ttl: refresh,
        url: `${baseUrl}/${rel}`,
    });
    for (const e of f.events) cal.createEvent(e);
    const text = cal.toString();
    const b = process.hrtime.bigint();
    fs.writeFileSync(path.join(exportDir, rel), text);
    const c = process.hrtime.bigint();
    renderNs += b - a;
    writeNs += c - b;
    bytes += Buffer.byteLength(text);
    vevents += f.events.length;
}
const t2 = process.hrtime.bigint();

process.stderr.write(
    `icalgen: ${prog.sessions.length} sessions, ${feeds.size} feeds, ${vevents} VEVENTs, ` +
    `${(bytes / 1048576).toFixed(1)} MiB; load+prepare ${ms(t0, t1).toFixed(0)} ms, ` +
    `build+toString ${(Number(renderNs) / 1e6).toFixed(0)} ms, write ${(Number(writeNs) / 1e6).toFixed(0)} ms, ` +
    `total ${ms(t0, t2).toFixed(0)} ms\n`);
