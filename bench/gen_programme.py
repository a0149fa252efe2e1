#!/usr/bin/env python3
"""Generate a synthetic conference programme for the export benchmark.

usage: gen_programme.py N OUTDIR [--seed S]

Writes, in OUTDIR:
  agendad.conf    configuration (doc/reference.md §2) pointing at "programme"
  programme       the programme in libconfig syntax (doc/reference.md §3)
  programme.json  the same programme as JSON, for the ical-generator peer

The programme has N sessions, about 0.75*N speakers, max(5, N/200) tracks,
max(5, N/50) rooms and max(2, N/100) days (about 100 sessions a day across
rooms), 1-3 people per session with roles, UTF-8 names (accents, CJK, some
emoji), about 5 % breaks, about 1 % cancelled and 2 % tentative sessions,
descriptions of about 300 bytes.  Sessions in one room never overlap, nor
do a speaker's sessions.  The output depends only on N and the seed.
"""

import datetime
import json
import os
import random
import sys
import unicodedata

TIMEZONE = "Europe/Zurich"
FIRST_DAY = datetime.date(2026, 9, 7)  # a Monday
BASE_URL = "http://localhost:8080"

FIRST_NAMES = [
    "José", "François", "Zoë", "Łukasz", "Jürgen", "Søren", "Ólafur", "Anaïs",
    "Chloé", "Björn", "Małgorzata", "Ümit", "Ñuño", "Amélie", "Dvořák", "Inês",
    "Mikołaj", "Ærøe", "Gösta", "Renée", "William", "Amina", "Kwame", "Priya",
    "Olumide", "Fatoumata", "Nguyễn", "Thảo", "Mateus", "Sakura", "Rahul",
    "Aïcha", "Jean-Luc", "María José", "Şebnem", "Čeněk", "Agnieszka", "Dmitri",
    "Илья", "Ольга", "Νίκος", "Ελένη", "Yusuf", "Leïla", "Tomás", "João",
]
LAST_NAMES = [
    "Müller", "García Márquez", "Kowalski", "Ødegård", "Núñez", "O'Brien",
    "Dubois", "Lacy Swing", "Schäfer", "Çelik", "Nakamura", "Mensah", "Okafor",
    "Traoré", "Diallo", "Sharma", "Fernández", "Lindqvist", "Håkansson",
    "Doğan", "Štěpánek", "Wiśniewski", "Ivanova", "Petrov", "Παπαδόπουλος",
    "Trần", "Lê", "de la Cruz", "van der Berg", "Nørgaard", "Ruiz-Tagle",
]
# Full names in scripts without a Latin transliteration here.
CJK_NAMES = [
    "王伟", "李娜", "张敏", "刘洋", "陈静", "田中花子", "佐藤健", "鈴木一郎",
    "山本さくら", "김민준", "이서연", "박지훈", "최유나", "黃志明", "林美玲",
]
EMOJI = ["🌍", "🚀", "🎤", "📊", "🤝", "🌱", "💡", "🧭", "🛂", "✈️", "🏳️‍🌈", "👩🏽‍💻"]
AFFILIATIONS = [
    "International Organization for Migration", "Université de Genève",
    "ETH Zürich", "東京大学", "서울대학교", "Universidad Nacional Autónoma de México",
    "Ministry of Foreign Affairs, Côte d'Ivoire", "UNHCR", "ILO", "World Bank",
    "Universität Wien", "清华大学", "African Union Commission", "Fundação Getulio Vargas",
    "Institut für Migrationsforschung", "Københavns Universitet", "OECD",
    "Permanent Mission of Sénégal", "Red Cross \"Crescent\" Society", "Independent",
]
ROLES = [
    "Speaker", "Moderator", "Panellist", "Keynote", "Discussant", "Chair",
    "Welcome Remarks", "Rapporteur", "Co-presenter", "Respondent",
]
TOPICS = [
    "South-South migration", "Labour mobility", "Remittances", "Diaspora engagement",
    "Climate-induced displacement", "Border governance", "Migrant health",
    "Return and reintegration", "Skills partnerships", "Data for policy",
    "Urban integration", "Regional free movement", "Social protection",
    "Gender and migration", "Youth mobility", "Consular cooperation",
]
ADJECTIVES = [
    "Partnering strategically on", "Rethinking", "Evidence on", "Lessons from",
    "New approaches to", "Financing", "Measuring", "Protecting rights in",
    "Digital tools for", "Regional dialogues on", "Coherent policies for",
]
PLACES = [
    "West Africa", "the Andean Community", "ASEAN", "the Gulf", "Central Asia",
    "the Mekong region", "the Horn of Africa", "Mercosur", "Zürich & Genève",
    "São Paulo", "Dakar", "Kraków", "Ōsaka", "Bogotá", "Nairobi",
]
SENTENCES = [
    "This session examines how countries of origin, transit and destination can "
    "cooperate to maximise the development benefits of migration.",
    "Speakers will share practical experience from bilateral agreements; "
    "participants are invited to discuss what worked, what did not, and why.",
    "The discussion draws on recent data, including the so-called \"corridor\" "
    "estimates, and highlights gaps in evidence.",
    "Particular attention is paid to the rights of migrant workers, recognition "
    "of qualifications and portability of social security benefits.",
    "Les intervenants présenteront des études de cas régionales, suivies d'un "
    "échange avec la salle.",
    "Los ponentes compartirán experiencias de cooperación Sur-Sur en materia de "
    "movilidad laboral.",
    "本会议讨论南南移民与发展的伙伴关系。",
    "Interpretation will be provided in English, French and Spanish (EN/FR/ES).",
    "Background papers are available in advance; see the documents below.",
    "The session is followed by a short Q&A; time-keeping will be strict.",
    "Outcomes feed into the rapporteur's summary for the closing plenary.",
    "A path like C:\\data\\migration or a regex like \\d+ must survive escaping.",
]
ROOM_KINDS = ["Hall", "Room", "Salle", "Auditorium", "Saal", "Workshop Room"]
BREAK_TITLES = ["Coffee Break ☕", "Lunch Break 🍽️", "Networking Break", "Pause café"]


def slugify(text, fallback):
    """Lower-case ASCII slug [a-z0-9][a-z0-9-]*; fallback when nothing is left."""
    norm = unicodedata.normalize("NFKD", text)
    out, dash = [], False
    for ch in norm:
        if unicodedata.combining(ch):
            continue
        if ch.isascii() and ch.isalnum():
            out.append(ch.lower())
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    s = "".join(out).strip("-")
    return s or fallback


def cfg_str(s):
    """A libconfig string literal."""
    s = (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
         .replace("\t", "\\t").replace("\r", "\\r"))
    return '"' + s + '"'


def description(rng, target=300):
    parts, size = [], 0
    while size < target:
        s = rng.choice(SENTENCES)
        parts.append(s)
        size += len(s.encode("utf-8")) + 1
    text = " ".join(parts)
    if rng.random() < 0.1:  # some multi-line descriptions
        text = text.replace(". ", ".\n", 1)
    return text


def generate(n, seed):
    rng = random.Random(seed)
    n_tracks = max(5, n // 200)
    n_rooms = max(5, n // 50)
    n_days = max(2, n // 100)
    n_speakers = max(1, (3 * n) // 4)

    event = {
        "id": "bench-%d" % n,
        "title": "Benchmark Conference on Migration & Development — %d sessions" % n,
        "timezone": TIMEZONE,
        "location": "Genève, Switzerland",
        "url": "https://example.org/bench-%d" % n,
        "description": "A synthetic programme for agendad's export benchmark 🌍.",
    }

    tracks = []
    for i in range(n_tracks):
        topic = TOPICS[i % len(TOPICS)]
        title = topic if i < len(TOPICS) else "%s %d" % (topic, i // len(TOPICS) + 1)
        tracks.append({
            "id": "t%03d-%s" % (i, slugify(topic, "track")),
            "title": title,
            "description": "Sessions on %s, from policy to practice." % topic.lower(),
        })

    rooms = []
    for i in range(n_rooms):
        kind = ROOM_KINDS[i % len(ROOM_KINDS)]
        rooms.append({
            "id": "r%03d" % i,
            "title": "%s %d%s" % (kind, i + 1, " (Bâtiment B)" if i % 7 == 3 else ""),
        })

    speakers = []
    for i in range(n_speakers):
        r = rng.random()
        if r < 0.15:
            name = rng.choice(CJK_NAMES)
        else:
            name = "%s %s" % (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if rng.random() < 0.02:
            name += " " + rng.choice(EMOJI)
        sid = "%s-%d" % (slugify(name, "speaker"), i)
        sp = {"id": sid, "name": name, "affiliation": rng.choice(AFFILIATIONS)}
        if rng.random() < 0.5:
            sp["bio_url"] = "https://example.org/people/%s" % sid
        if rng.random() < 0.7:
            sp["email"] = "%s@example.org" % sid
        speakers.append(sp)

    # People: walk a shuffled speaker list so that every speaker appears at
    # least once, then fill remaining slots at random.
    order = list(range(n_speakers))
    rng.shuffle(order)
    cursor = 0

    per_day = -(-n // n_days)  # ceil
    # About 8 sessions a room a day (09:00 to ~18:30); the window of rooms in
    # use moves from day to day so that every room has sessions.
    rooms_per_day = min(n_rooms, max(1, -(-per_day // 8)))
    sessions = []
    room_free = {}  # (day, room index) -> minutes since midnight when free
    busy = {}       # speaker index -> [(start, end)] in minutes since day 0
    idx = 0
    for day in range(n_days):
        date = FIRST_DAY + datetime.timedelta(days=day)
        count = min(per_day, n - idx)
        for j in range(count):
            i = idx
            idx += 1
            is_break = rng.random() < 0.05
            ri = (day * rooms_per_day + j % rooms_per_day) % n_rooms
            key = (day, ri)
            start = room_free.get(key, 9 * 60 + rng.choice([0, 0, 15, 30]))
            dur = rng.choice([15, 30]) if is_break else rng.choice([30, 45, 60, 60, 90])
            end = start + dur
            room_free[key] = end + rng.choice([0, 15, 15, 30])
            if end > 23 * 60 + 45:  # cannot happen with ~100 sessions/day
                start, end = 9 * 60, 9 * 60 + dur
            track = tracks[i % n_tracks]["id"]
            s = {
                "id": "s%06d" % i,
                "title": "",
                "start": "%s %02d:%02d" % (date.isoformat(), start // 60, start % 60),
                "end": "%s %02d:%02d" % (date.isoformat(), end // 60, end % 60),
                "track": track,
                "room": rooms[ri]["id"],
                "kind": "break" if is_break else rng.choice(
                    ["session", "session", "panel", "keynote", "workshop"]),
                "status": "confirmed",
                "description": "",
                "people": [],
            }
            if is_break:
                s["title"] = rng.choice(BREAK_TITLES)
                s["description"] = "Refreshments are served in the foyer."
            else:
                title = "%s %s in %s" % (rng.choice(ADJECTIVES),
                                         rng.choice(TOPICS).lower(),
                                         rng.choice(PLACES))
                if rng.random() < 0.05:
                    title += " " + rng.choice(EMOJI)
                s["title"] = title
                s["description"] = description(rng)
                r = rng.random()
                if r < 0.01:
                    s["status"] = "cancelled"
                elif r < 0.03:
                    s["status"] = "tentative"
                npeople = rng.choice([1, 2, 2, 3])
                chosen = []
                t0, t1 = day * 1440 + start, day * 1440 + end
                for _ in range(npeople):
                    if cursor < n_speakers:
                        sp = order[cursor]
                        cursor += 1
                    else:
                        # Nobody speaks in two rooms at once (a few tries).
                        for _try in range(20):
                            sp = rng.randrange(n_speakers)
                            if not any(a < t1 and t0 < b for a, b in busy.get(sp, ())):
                                break
                        else:
                            continue
                    if sp not in chosen:
                        chosen.append(sp)
                        busy.setdefault(sp, []).append((t0, t1))
                for k, sp in enumerate(chosen):
                    role = "Moderator" if (k == 0 and len(chosen) > 1) else rng.choice(ROLES)
                    s["people"].append({"speaker": speakers[sp]["id"], "role": role})
                if rng.random() < 0.1:
                    s["documents"] = [{"title": "Background paper",
                                       "url": "https://example.org/docs/%s.pdf" % s["id"]}]
            sessions.append(s)

    # Speakers left over (only when N is tiny): attach them to the last session.
    while cursor < n_speakers:
        sessions[-1]["people"].append({"speaker": speakers[order[cursor]]["id"],
                                       "role": "Speaker"})
        cursor += 1

    return {"event": event, "tracks": tracks, "rooms": rooms,
            "speakers": speakers, "sessions": sessions}


def write_group(out, obj, keys, indent="  "):
    fields = []
    for k in keys:
        if k in obj:
            fields.append("%s = %s;" % (k, cfg_str(obj[k])))
    out.append("%s{ %s }" % (indent, " ".join(fields)))


def write_libconfig(prog, path):
    out = []
    ev = prog["event"]
    out.append("# Synthetic programme for agendad's export benchmark (bench/gen_programme.py).")
    out.append("event = {")
    for k in ("id", "title", "timezone", "location", "url", "description"):
        out.append("  %s = %s;" % (k, cfg_str(ev[k])))
    out.append("};")
    out.append("")

    def group_list(name, items, keys):
        out.append("%s = (" % name)
        for i, it in enumerate(items):
            write_group(out, it, keys)
            if i + 1 < len(items):
                out[-1] += ","
        out.append(");")
        out.append("")

    group_list("tracks", prog["tracks"], ("id", "title", "description"))
    group_list("rooms", prog["rooms"], ("id", "title"))
    group_list("speakers", prog["speakers"],
               ("id", "name", "affiliation", "bio_url", "email"))

    out.append("sessions = (")
    ss = prog["sessions"]
    for i, s in enumerate(ss):
        out.append("  { id = %s; title = %s;" % (cfg_str(s["id"]), cfg_str(s["title"])))
        out.append("    start = %s; end = %s;" % (cfg_str(s["start"]), cfg_str(s["end"])))
        out.append("    track = %s; room = %s; kind = %s; status = %s;" % (
            cfg_str(s["track"]), cfg_str(s["room"]), cfg_str(s["kind"]), cfg_str(s["status"])))
        out.append("    description = %s;" % cfg_str(s["description"]))
        if s["people"]:
            people = ", ".join("{ speaker = %s; role = %s; }" % (cfg_str(p["speaker"]), cfg_str(p["role"]))
                               for p in s["people"])
            out.append("    people = ( %s );" % people)
        if s.get("documents"):
            docs = ", ".join("{ title = %s; url = %s; }" % (cfg_str(d["title"]), cfg_str(d["url"]))
                             for d in s["documents"])
            out.append("    documents = ( %s );" % docs)
        out[-1] += " }" + ("," if i + 1 < len(ss) else "")
    out.append(");")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out))
        f.write("\n")


def main(argv):
    args = [a for a in argv[1:]]
    seed = 20140324
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.stderr.write("usage: gen_programme.py N OUTDIR [--seed S]\n")
        return 2
    n = int(args[0])
    if n < 1:
        sys.stderr.write("gen_programme.py: N must be >= 1\n")
        return 2
    outdir = args[1]
    os.makedirs(outdir, exist_ok=True)
    prog = generate(n, seed)
    write_libconfig(prog, os.path.join(outdir, "programme"))
    conf = {"programme": "programme", "base_url": BASE_URL,
            "feeds": {"refresh": "1h", "alarms": ["15m"]}}
    with open(os.path.join(outdir, "programme.json"), "w", encoding="utf-8") as f:
        json.dump(dict(prog, config=conf), f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(outdir, "agendad.conf"), "w", encoding="utf-8") as f:
        f.write('# agendad export benchmark configuration (bench/gen_programme.py)\n')
        f.write('programme = "programme";\n')
        f.write('base_url = "%s";\n' % BASE_URL)
        f.write('feeds = { refresh = "1h"; alarms = [ "15m" ]; };\n')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
