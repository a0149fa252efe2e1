#!/usr/bin/python3
"""speakers_overlay: e-mail addresses (and names, affiliations) added by
speaker id to an imported programme, so that its speakers get reminders;
unknown ids are warned about with FILE:LINE, bad addresses are errors, and
no address reaches a feed."""
import json
import pathlib
import unittest

from agendadtest import FIXTURES, TempDir, run

# Our frab fixture: persons with an integer id only, as frab writes them.
FRAB = FIXTURES / "frab.schedule.json"


def person_ids():
    """Speaker ids as the importer makes them for frab persons without a
    guid or code: "p<id>"; and the events each is in, read here."""
    doc = json.loads(FRAB.read_text(encoding="utf-8"))
    events = {}
    for day in doc["schedule"]["conference"]["days"]:
        for room_events in day["rooms"].values():
            for ev in room_events:
                for person in ev.get("persons", []):
                    events.setdefault(f"p{person['id']}", []).append(ev["guid"])
    return events


class Overlay(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.dir = pathlib.Path(self.tmp.__enter__())
        self.events = person_ids()
        self.who = sorted(self.events)[0]

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def conf(self, overlay):
        (self.dir / "overlay.conf").write_text(overlay, encoding="utf-8")
        conf = self.dir / "agendad.conf"
        conf.write_text(f'programme = "{FRAB}";\nstate_dir = "state";\n'
                        'speakers_overlay = "overlay.conf";\n'
                        'reminders = { before = [ "15m" ]; };\n'
                        'channels = ( { name = "speakers"; type = "email"; to = "speakers"; '
                        'smtp_url = "smtp://127.0.0.1:1"; from = "p@example.org"; } );\n',
                        encoding="utf-8")
        return conf

    def test_addresses_reach_the_plan_and_unknown_ids_are_warned_about(self):
        conf = self.conf('speakers = (\n'
                         f'  {{ id = "{self.who}"; email = "who@example.org"; name = "Renamed"; }},\n'
                         '  { id = "p0"; email = "ghost@example.org"; }\n);\n')
        proc = run("-t", "-c", conf, check=0)
        self.assertIn("overlay.conf:3: warning: speaker 'p0' is not in the programme",
                      proc.stderr)
        plan = run("--reminders", "-c", conf, check=0).stdout
        rows = [line for line in plan.splitlines() if " speakers " in line]
        self.assertEqual(len(rows), len(self.events[self.who]), plan)
        self.assertTrue(all(self.who in row for row in rows))
        out = self.dir / "out"
        run("--export", out, "-c", conf, check=0)
        feed = (out / "speakers" / f"{self.who}.ics").read_text(encoding="utf-8")
        self.assertIn("Renamed", feed)
        for path in out.rglob("*"):
            if path.is_file():
                self.assertNotIn(b"who@example.org", path.read_bytes(), path)

    def test_a_bad_address_is_an_error(self):
        conf = self.conf(f'speakers = ( {{ id = "{self.who}"; email = "not an address"; }} );\n')
        proc = run("-t", "-c", conf, check=1)
        self.assertIn("overlay.conf:1: 'email' \"not an address\" is not an e-mail address",
                      proc.stderr)
        conf = self.conf('speakers = ( { id = "x"; mail = "x@example.org"; } );\n')
        proc = run("-t", "-c", conf, check=1)
        self.assertIn("overlay.conf:1:", proc.stderr)
        self.assertIn("mail", proc.stderr)


if __name__ == "__main__":
    unittest.main()
