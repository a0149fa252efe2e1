#!/usr/bin/python3
"""Writes a synthetic C3VOC schedule.json for timing the importer.

    bench/gen_schedule_json.py [EVENTS] > big.schedule.json

EVENTS (default 100000) talks over 10 days, 25 half-hour slots a day from
09:00 Europe/Berlin in as many rooms as that needs (400 for 100000), never
two at once in a room or for a speaker; 2 speakers each from a pool of
EVENTS/4 people (so speakers repeat across events, as in real
programmes); one in ten with an HTML abstract and a link.
Deterministic: the same EVENTS gives the same bytes.
"""
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
DAYS, SLOTS = 10, 25
ROOMS = max(1, -(-N // (DAYS * SLOTS)))
TZ = timezone(timedelta(hours=1))
per_room_day = SLOTS
people = max(1, N // 4)
rooms = ["Room %03d" % r for r in range(ROOMS)]
days, n = [], 0
for d in range(DAYS):
    date = datetime(2030, 1, 7 + d, 9, 0, tzinfo=TZ)
    day = {"index": d + 1, "date": date.date().isoformat(),
           "day_start": date.isoformat(), "day_end": (date + timedelta(hours=20)).isoformat(),
           "rooms": {}}
    for r, room in enumerate(rooms):
        events = []
        for k in range(per_room_day):
            if n >= N:
                break
            start = date + timedelta(minutes=30 * k)
            # n and n + people/2 are on other days: nobody is in two places at once.
            p1, p2 = n % people, (n + people // 2) % people
            e = {"guid": str(uuid.uuid5(uuid.NAMESPACE_URL, "bench-%d" % n)), "id": n,
                 "date": start.isoformat(), "start": start.strftime("%H:%M"),
                 "duration": "00:25", "room": room, "slug": "bench-%d" % n,
                 "title": "Talk number %d" % n, "subtitle": "", "track": "Track %d" % (n % 20),
                 "type": "Talk", "language": "en",
                 "abstract": ("<p>Abstract of <b>talk</b> %d.</p><p>More.</p>" % n) if n % 10 == 0
                 else "Plain abstract of talk %d." % n,
                 "description": "A longer description of talk %d. " % n * 3,
                 "persons": [{"id": p, "code": "P%05d" % p, "public_name": "Person %d" % p}
                             for p in sorted({p1, p2})],
                 "links": [{"title": "Slides", "url": "https://example.org/%d.pdf" % n}]
                 if n % 10 == 0 else [],
                 "attachments": []}
            events.append(e)
            n += 1
        day["rooms"][room] = events
    days.append(day)
doc = {"schedule": {"version": "bench", "base_url": "https://example.org/",
                    "conference": {"acronym": "bench", "title": "Benchmark Conference",
                                   "time_zone_name": "Europe/Berlin",
                                   "timeslot_duration": "00:05", "days": days}}}
json.dump(doc, sys.stdout, ensure_ascii=False)
