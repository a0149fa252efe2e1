#!/usr/bin/python3
"""Filtered feeds and alarm= (doc/reference.md §4) against the real daemon: each
filter alone and combined, canonical queries sharing one rendering and
ETag, 400 for unknown keys and values, subscriber alarms, a bounded
cache, and both independent parsers reading every derived feed."""
import http.client
import pathlib
import unittest
import urllib.parse

from agendadtest import TempDir, write_programme
from daemon import Daemon, fetch
from parsers import read_both

TRACKS = {"alpha": "Alpha", "beta": "Beta", "gamma": "Gamma"}
ROOMS = {"r1": "Room One", "r2": "Room Two"}
SPEAKERS = {"s1": "Ana Alves", "s2": "Bo Berg", "s3": "Chidi Chukwu", "s4": "Dana Dahl"}
# id: (day, start, end, track, room, kind, speakers)
SESSIONS = {
    "k1": ("2025-05-05", "09:00", "10:00", "alpha", "r1", "talk", ["s1"]),
    "k2": ("2025-05-05", "10:00", "11:00", "beta", "r2", "workshop", ["s2", "s3"]),
    "k3": ("2025-05-05", "11:00", "11:30", None, "r1", "break", []),
    "k4": ("2025-05-06", "09:00", "10:00", "alpha", "r2", "talk", ["s3"]),
    "k5": ("2025-05-06", "10:00", "11:00", "gamma", "r1", "talk", ["s4"]),
    "k6": ("2025-05-06", "11:00", "12:00", "beta", "r1", "workshop", ["s1"]),
}


def programme_text():
    out = ['event = { id = "fconf"; title = "Filter Conference"; timezone = "Europe/Berlin"; };',
           "tracks = (" + ",".join(f'{{ id = "{k}"; title = "{v}"; }}' for k, v in TRACKS.items()) + ");",
           "rooms = (" + ",".join(f'{{ id = "{k}"; title = "{v}"; }}' for k, v in ROOMS.items()) + ");",
           "speakers = (" + ",".join(f'{{ id = "{k}"; name = "{v}"; email = "{k}@example.org"; }}'
                                     for k, v in SPEAKERS.items()) + ");",
           "sessions = ("]
    parts = []
    for sid, (day, start, end, track, room, kind, people) in SESSIONS.items():
        fields = [f'id = "{sid}"', f'title = "Session {sid}"', f'start = "{day} {start}"',
                  f'end = "{day} {end}"', f'room = "{room}"', f'kind = "{kind}"']
        if track:
            fields.append(f'track = "{track}"')
        if people:
            fields.append("people = (" + ",".join(f'{{ speaker = "{p}"; }}' for p in people) + ")")
        parts.append("{ " + "; ".join(fields) + "; }")
    out.append(",\n".join(parts) + ");")
    return "\n".join(out) + "\n"


def expected(**filters):
    """Session ids matching filters (key -> list of values), computed here."""
    keep = []
    for sid, (day, _s, _e, track, room, kind, people) in SESSIONS.items():
        have = {"day": [day], "track": [track], "room": [room], "kind": [kind], "speaker": people}
        if all(set(vals) & set(have[key]) for key, vals in filters.items()):
            keep.append(sid)
    return keep


def uids(body):
    return [line.split(":", 1)[1].split("@")[0] for line in body.decode().split("\r\n")
            if line.startswith("UID:")]


def prop(body, name):
    for line in body.decode().split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


class Filters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        conf = write_programme(cls.dir, programme_text(),
                               'state_dir = "state";\nfeeds = { alarms = [ "15m" ]; };\n'
                               'http = { view_cache_mb = 1; };\n')
        cls.daemon = Daemon(conf).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.__exit__(None, None, None)
        cls.tmp.__exit__(None, None, None)

    def get(self, path, **headers):
        return fetch(self.daemon.url + path, headers)

    def feed(self, query):
        status, headers, body = self.get("/calendar.ics?" + query)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "text/calendar; charset=utf-8")
        return headers, body

    def test_each_filter_alone(self):
        for key, value in [("track", "alpha"), ("track", "beta"), ("room", "r1"),
                           ("day", "2025-05-06"), ("speaker", "s3"), ("speaker", "s1"),
                           ("kind", "workshop"), ("kind", "break")]:
            with self.subTest(key=key, value=value):
                _, body = self.feed(f"{key}={value}")
                self.assertEqual(uids(body), expected(**{key: [value]}))

    def test_values_of_one_key_are_alternatives_and_keys_all_match(self):
        _, body = self.feed("track=alpha,gamma")
        self.assertEqual(uids(body), expected(track=["alpha", "gamma"]))
        _, body = self.feed("track=alpha&track=beta&day=2025-05-06&room=r1")
        self.assertEqual(uids(body), expected(track=["alpha", "beta"], day=["2025-05-06"],
                                              room=["r1"]))
        self.assertEqual(uids(body), ["k6"])
        _, body = self.feed("speaker=s1,s2&kind=workshop")
        self.assertEqual(uids(body), ["k2", "k6"])
        _, body = self.feed("track=gamma&day=2025-05-05")
        self.assertEqual(uids(body), [])

    def test_equal_queries_share_one_rendering(self):
        a_headers, a = self.feed("track=beta,alpha&day=2025-05-05")
        for query in ["day=2025-05-05&track=alpha,beta", "track=alpha&track=beta&track=alpha&day=2025-05-05",
                      "track=alpha%2Cbeta&day=2025-05-05"]:
            headers, body = self.feed(query)
            self.assertEqual(body, a, query)
            self.assertEqual(headers["ETag"], a_headers["ETag"], query)
        status, _, _ = self.get("/calendar.ics?day=2025-05-05&track=alpha",
                                **{"If-None-Match": a_headers["ETag"]})
        self.assertEqual(status, 200, "a different filter must not match the ETag")
        status, _, _ = self.get("/calendar.ics?track=alpha,beta&day=2025-05-05",
                                **{"If-None-Match": a_headers["ETag"]})
        self.assertEqual(status, 304)
        status, headers, gz = self.get("/calendar.ics?track=alpha,beta&day=2025-05-05",
                                       **{"Accept-Encoding": "gzip"})
        import gzip
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertEqual(gzip.decompress(gz), a)

    def test_feed_name_says_what_it_holds(self):
        _, body = self.feed("track=alpha,beta&day=2025-05-05")
        self.assertEqual(prop(body, "X-WR-CALNAME"), "Filter Conference — Alpha or Beta\\, Day 1 (5 May)")  # TEXT escapes the comma
        _, body = self.feed("speaker=s4")
        self.assertEqual(prop(body, "NAME"), "Filter Conference — Dana Dahl")

    def test_unknown_keys_and_values_answer_400(self):
        cases = {"colour=red": "unknown parameter 'colour'",
                 "track=delta": "unknown track 'delta'",
                 "day=2025-05-07": "unknown day '2025-05-07'",
                 "speaker=s9": "unknown speaker 's9'",
                 "kind=party": "unknown kind 'party'",
                 "room=": "empty value for 'room'",
                 "alarm=soon": "bad alarm 'soon'"}
        for query, message in cases.items():
            with self.subTest(query=query):
                status, headers, body = self.get("/calendar.ics?" + query)
                self.assertEqual(status, 400)
                self.assertIn(message, body.decode())
        status, _, body = self.get("/days/2025-05-05.ics?track=alpha")
        self.assertEqual(status, 400)
        self.assertIn("filters only the whole programme", body.decode())

    def quick(self, path):
        """(status, body) of a GET that must be answered within 5 s."""
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=5)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read()
        except (TimeoutError, OSError) as e:
            self.fail(f"no prompt answer to a {len(path)}-byte request: {e!r}")
        finally:
            conn.close()

    def test_oversized_queries_answered_at_once(self):
        # libmicrohttpd ran out of its 32 KB pool for the arguments and
        # answered nothing until the connection's timeout (30 s).
        query = "&".join(f"a{i}=1" for i in range(1000))
        status, body = self.quick("/calendar.ics?" + query)
        self.assertEqual(status, 400)
        self.assertIn(b"too many query parameters", body)
        query = "&".join(f"track={'x' * 500}" for i in range(60))
        status, body = self.quick("/calendar.ics?" + query)
        self.assertEqual(status, 414)
        self.assertIn(b"query longer than", body)
        status, body = self.quick("/calendar.ics?" + "&".join(["track=alpha"] * 64))
        self.assertEqual(status, 200)

    def test_errors_never_echo_invalid_utf8(self):
        for query, shown in [("track=%FF%C3%28%E2%82%AC", "unknown track '\\xff\\xc3(€'"),
                             ("colour%ED%A0%80=1", "unknown parameter 'colour\\xed\\xa0\\x80'"),
                             ("track=" + "%C3%A9" * 60, "unknown track '" + "é" * 50 + "'"),
                             ("track=a" + "%C3%A9" * 60, "unknown track 'a" + "é" * 49 + "\\xc3'"),
                             ("alarm=%0D%0Asoon", "bad alarm '\\x0d\\x0asoon'")]:
            with self.subTest(query=query):
                status, headers, body = self.get("/calendar.ics?" + query)
                self.assertEqual(status, 400)
                self.assertEqual(headers["Content-Type"], "text/plain; charset=utf-8")
                self.assertIn(shown, body.decode("utf-8"))  # strict: fails on invalid UTF-8

    def test_alarm_replaces_the_configured_alarms(self):
        _, plain = self.feed("track=alpha")
        self.assertEqual(plain.count(b"TRIGGER:-PT15M"), 2)
        folder = pathlib.Path(self.dir) / "alarms"
        (folder / "days").mkdir(parents=True, exist_ok=True)
        for name, path in [("ten-and-hour.ics", "/calendar.ics?alarm=10m,1h"),
                           ("none.ics", "/calendar.ics?alarm=none"),
                           ("days/day.ics", "/days/2025-05-06.ics?alarm=1d"),
                           ("session.ics", "/sessions/k2.ics?alarm=5m"),
                           ("filtered.ics", "/calendar.ics?kind=talk&alarm=30m")]:
            status, _, body = self.get(path)
            self.assertEqual(status, 200, body)
            (folder / name).write_bytes(body)
        read = read_both(self, folder)
        breaks = {"k3"}
        for name, want in [("ten-and-hour.ics", ["-PT1H", "-PT10M"]), ("none.ics", []),
                           ("days/day.ics", ["-P1D"]), ("session.ics", ["-PT5M"]),
                           ("filtered.ics", ["-PT30M"])]:
            events = read[name]["events"]
            self.assertTrue(events, name)
            for ev in events:
                uid = ev["uid"].split("@")[0]
                self.assertEqual(sorted(ev["alarms"]), sorted([] if uid in breaks else want),
                                 f"{name} {uid}")
        self.assertEqual([e["uid"].split("@")[0] for e in read["filtered.ics"]["events"]],
                         expected(kind=["talk"]))

    def test_both_parsers_read_filtered_feeds(self):
        folder = pathlib.Path(self.dir) / "filtered"
        folder.mkdir(exist_ok=True)
        queries = ["track=alpha", "room=r2", "day=2025-05-05", "speaker=s1,s3",
                   "kind=talk&track=alpha,gamma", "track=gamma&day=2025-05-05"]
        for i, query in enumerate(queries):
            _, body = self.feed(query)
            (folder / f"q{i}.ics").write_bytes(body)
        read = read_both(self, folder)
        for i, query in enumerate(queries):
            filters = {k: v.split(",") for k, v in urllib.parse.parse_qsl(query)}
            self.assertEqual([e["uid"].split("@")[0] for e in read[f"q{i}.ics"]["events"]],
                             expected(**filters), query)

    def test_cache_stays_bounded(self):
        # view_cache_mb = 1: far more distinct filters than fit.
        days = ["2025-05-05", "2025-05-06"]
        combos = [f"speaker={a},{b}&day={d}&alarm={m}m" for a in SPEAKERS for b in SPEAKERS
                  for d in days for m in range(1, 40)]
        for query in combos[:600]:
            status, _, _ = self.get("/calendar.ics?" + query)
            self.assertEqual(status, 200)
        self.assertLessEqual(self.daemon.metric("agendad_view_cache_bytes"), 1 << 20)
        self.assertGreater(self.daemon.metric("agendad_view_cache_entries"), 10)
        self.assertLess(self.daemon.metric("agendad_view_cache_entries"), 600)


if __name__ == "__main__":
    unittest.main()
