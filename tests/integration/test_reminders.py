#!/usr/bin/python3
"""Reminders end to end: the real daemon on a simulated clock, a real
webhook receiver that checks signatures on its own, a real SMTP server
(aiosmtpd), and the ledger read back from SQLite."""
import datetime
import email
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import time
import unittest
from zoneinfo import ZoneInfo

import icalendar  # Debian's python3-icalendar

from agendadtest import TempDir, run
from daemon import Daemon, wait_for
from peers import Mailbox, Receiver, password_check, self_signed, tls_context

ZONE = ZoneInfo("Europe/Zurich")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEED = "1200"  # twenty simulated minutes per real second

PROGRAMME = """
event = { id = "rem"; title = "Reminder Test"; timezone = "Europe/Zurich"; location = "Genève"; };
tracks = ( { id = "plenary"; title = "Plenary"; }, { id = "panels"; title = "Panels"; } );
rooms = ( { id = "salle"; title = "Salle XIX"; } );
speakers = (
  { id = "helene"; name = "Hélène Bourgade"; email = "helene@example.org"; },
  { id = "ada"; name = "Ada Lovelace"; email = "ada@example.org"; },
  { id = "nomail"; name = "No Mail"; }
);
sessions = (
  { id = "open"; title = "Opening"; start = "2030-06-10 10:00"; end = "2030-06-10 10:30";
    track = "plenary"; room = "salle";
    people = ( { speaker = "helene"; role = "Moderator"; }, { speaker = "ada"; role = "Speaker"; },
               { speaker = "nomail"; role = "Guest"; } ); },
  { id = "pause"; title = "Coffee"; start = "2030-06-10 10:30"; end = "2030-06-10 11:00"; kind = "break"; },
  { id = "panel"; title = "Panel"; start = "2030-06-10 11:00"; end = "2030-06-10 11:30";
    track = "panels"; people = ( { speaker = "ada"; role = "Panelist"; } ); },
  { id = "gone"; title = "Cancelled one"; start = "2030-06-10 11:30"; end = "2030-06-10 12:00";
    track = "plenary"; status = "cancelled"; people = ( { speaker = "ada"; } ); },
  { id = "cafe"; title = "Café & Société — débat"; start = "2030-06-10 12:00"; end = "2030-06-10 12:30";
    track = "plenary"; people = ( { speaker = "helene"; role = "Host"; } ); }
);
"""


def local(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


def due(start):
    return int(local(start).timestamp()) - 15 * 60


def wait_until(predicate, timeout=15, what="condition"):
    return wait_for(predicate, timeout, what, interval=0.05)


def ledger(state):
    db = sqlite3.connect(f"file:{state}/agendad.sqlite?mode=ro", uri=True)
    try:
        return {row[0]: dict(zip(("key", "state", "attempts", "last_error", "lateness_ms"), row))
                for row in db.execute(
                    "SELECT key, state, attempts, last_error, lateness_ms FROM deliveries")}
    finally:
        db.close()


class ReminderCase(unittest.TestCase):
    def setUp(self):
        self._tmp = TempDir()
        self.dir = self._tmp.__enter__()
        self.receiver = Receiver(SECRET)
        self.mailbox = None
        (self.dir / "webhook.secret").write_text(SECRET + "\n")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.kill()
        self.receiver.close()
        if self.mailbox:
            self.mailbox.close()
        self._tmp.__exit__(None, None, None)

    def configure(self, channels, programme=PROGRAMME, extra=""):
        (self.dir / "test.programme").write_text(programme, encoding="utf-8")
        conf = self.dir / "agendad.conf"
        conf.write_text(f"""programme = "test.programme";
state_dir = "state";
base_url = "http://feeds.example.org";
reminders = {{ before = [ "15m" ]; catch_up = "10m"; }};
channels = ( {channels} );
{extra}""", encoding="utf-8")
        return conf

    def hook(self, name="hook", path="/hook", extra=""):
        return (f'{{ name = "{name}"; type = "webhook"; url = "{self.receiver.url(path)}";'
                f' format = "standard"; secret_file = "webhook.secret"; {extra} }}')

    def start(self, conf, now, *extra):
        d = Daemon(conf, extra=["--now", now, "--speed", SPEED, *extra])
        self.daemons.append(d)
        return d.__enter__()

    def state(self):
        return ledger(self.dir / "state")


class Webhooks(ReminderCase):
    def test_who_receives_what_and_when(self):
        slack = f'{{ name = "plen"; type = "webhook"; url = "{self.receiver.url("/slack")}"; format = "slack"; tracks = [ "plenary" ]; }}'
        conf = self.configure(self.hook() + ", " + slack)
        daemon = self.start(conf, "2030-06-10 09:40")
        wait_until(lambda: len(self.receiver.received("/hook")) >= 3, 20, "three reminders")
        time.sleep(0.5)  # nothing more may come
        hooks = self.receiver.received("/hook")
        sessions = [json.loads(r["body"])["data"]["session"]["id"] for r in hooks]
        self.assertEqual(sessions, ["open", "panel", "cafe"])  # no break, no cancelled one
        self.assertTrue(all(r["verified"] for r in hooks), "every signature verifies")
        ids = [r["headers"]["webhook-id"] for r in hooks]
        self.assertEqual(len(set(ids)), 3)
        for r, start in zip(hooks, ("2030-06-10 10:00", "2030-06-10 11:00", "2030-06-10 12:00")):
            body = json.loads(r["body"])
            self.assertEqual(body["type"], "session.reminder")
            self.assertEqual(body["data"]["offset"], "15m")
            lateness = int(r["headers"]["webhook-timestamp"]) - due(start)
            self.assertGreaterEqual(lateness, 0)
            self.assertLessEqual(lateness, 30, "simulated seconds late")
            self.assertEqual(body["data"]["starts_in_seconds"], 900 - lateness)
            self.assertNotIn(b"@example.org", r["body"])
        open_body = json.loads(hooks[0]["body"])["data"]["session"]
        self.assertEqual(open_body["room"], "Salle XIX")
        self.assertEqual([p["id"] for p in open_body["people"]], ["helene", "ada", "nomail"])
        # The track filter: only plenary sessions reach the slack channel.
        slack_texts = [json.loads(r["body"])["text"] for r in self.receiver.received("/slack")]
        self.assertEqual(len(slack_texts), 2)
        self.assertIn("Opening", slack_texts[0])
        self.assertIn("Café & Société", slack_texts[1])
        states = self.state()
        self.assertEqual(sorted(v["state"] for v in states.values()), ["sent"] * 5)
        self.assertEqual(daemon.metric('agendad_reminders_total{channel="hook",state="sent"}'), 3)
        self.assertEqual(daemon.metric('agendad_reminders_total{channel="plen",state="sent"}'), 2)
        self.assertEqual(daemon.metric('agendad_reminder_attempts_total{channel="hook"}'), 3)
        self.assertEqual(daemon.metric("agendad_reminder_lateness_seconds_count"), 5)
        self.assertEqual(daemon.metric("agendad_reminders_pending"), 0)
        out = run("--reminders", "-c", conf, "--state-dir", self.dir / "state", check=0).stdout
        self.assertRegex(out, r"2030-06-10 09:45\s+open\s+hook\s+hook\s+sent\s+1")

    def test_retry_after_503_then_success(self):
        self.receiver.script["/hook"] = [(503, {"Retry-After": "30"}, 0)] * 2
        conf = self.configure(self.hook())
        self.start(conf, "2030-06-10 09:44")
        wait_until(lambda: len(self.receiver.received("/hook")) >= 3, 15, "three attempts")
        first = self.receiver.received("/hook")[:3]
        self.assertEqual(len({r["headers"]["webhook-id"] for r in first}), 1, "same id each try")
        stamps = [int(r["headers"]["webhook-timestamp"]) for r in first]
        self.assertGreaterEqual(stamps[1] - stamps[0], 30, "Retry-After is honoured")
        key = next(k for k in self.state() if k.startswith("open|"))
        row = wait_until(lambda: self.state()[key]["state"] == "sent" and self.state()[key], 5, "sent")
        self.assertEqual(row["attempts"], 3)

    def test_a_failing_channel_does_not_hold_up_the_others(self):
        # Every request to /down hangs past the channel's timeout.
        self.receiver.script["/down"] = [(200, {}, 3)] * 20
        conf = self.configure(self.hook() + ", " +
                              self.hook("down", "/down", 'timeout = "1s"; max_in_flight = 1;'))
        self.start(conf, "2030-06-10 09:44")
        down = wait_until(lambda: self.receiver.received("/down"), 5, "the failing channel")
        hook = wait_until(lambda: self.receiver.received("/hook"), 5, "the healthy channel")
        # Delivered while the other channel's attempt still hangs (1 s timeout).
        self.assertLess(hook[0]["time"] - down[0]["time"], 0.9)

    def test_sigterm_lets_deliveries_in_flight_finish(self):
        self.receiver.script["/hook"] = [(200, {}, 2)]  # the answer takes 2 s
        conf = self.configure(self.hook())
        d = self.start(conf, "2030-06-10 09:44")
        wait_until(lambda: self.receiver.received("/hook"), 5, "the request")
        d.proc.terminate()
        self.assertEqual(d.proc.wait(timeout=15), 0)
        self.assertEqual(self.state()["open|2030-06-10T08:00:00Z|15m|hook|hook"]["state"], "sent")

    def test_permanent_failure_on_400_and_on_redirect(self):
        self.receiver.script["/hook"] = [(400, {}, 0)]
        self.receiver.script["/moved"] = [(301, {"Location": self.receiver.url("/hook")}, 0)]
        conf = self.configure(self.hook() + ", " + self.hook("moved", "/moved"))
        self.start(conf, "2030-06-10 09:44")
        key400 = "open|2030-06-10T08:00:00Z|15m|hook|hook"
        key301 = "open|2030-06-10T08:00:00Z|15m|moved|hook"
        wait_until(lambda: self.state().get(key400, {}).get("state") == "failed"
                   and self.state().get(key301, {}).get("state") == "failed", 10, "failures")
        time.sleep(0.3)
        st = self.state()
        self.assertEqual(st[key400]["attempts"], 1)
        self.assertIn("400", st[key400]["last_error"])
        self.assertEqual(st[key301]["attempts"], 1)
        self.assertEqual(len(self.receiver.received("/hook")), 1, "the redirect is not followed")

    def test_hanging_receiver_is_retried(self):
        # The first answer comes after 4 real seconds: past the channel's 2 s.
        self.receiver.script["/hook"] = [(200, {}, 4)]
        conf = self.configure(self.hook(extra='timeout = "2s";'))
        self.start(conf, "2030-06-10 09:44", "--speed", "10")
        key = "open|2030-06-10T08:00:00Z|15m|hook|hook"
        row = wait_until(lambda: self.state().get(key, {}).get("state") == "sent"
                         and self.state()[key], 30, "delivery after a timeout")
        self.assertEqual(row["attempts"], 2)

    def test_catch_up_and_missed(self):
        conf = self.configure(self.hook())
        # 09:52: the 09:45 reminder is 7 minutes late (sent); 10:45 is ahead.
        self.start(conf, "2030-06-10 09:52")
        wait_until(lambda: self.receiver.received("/hook"), 10, "the late reminder")
        # The outcome is recorded once the response is in: a moment after.
        key = "open|2030-06-10T08:00:00Z|15m|hook|hook"
        wait_until(lambda: self.state().get(key, {}).get("state") == "sent", 10, "sent recorded")
        self.assertEqual(len(self.receiver.received("/hook")), 1)

    def test_missed_when_too_late(self):
        conf = self.configure(self.hook())
        self.start(conf, "2030-06-10 09:57")
        key = "open|2030-06-10T08:00:00Z|15m|hook|hook"
        wait_until(lambda: self.state().get(key, {}).get("state") == "missed", 10, "missed")
        self.assertEqual(self.state()[key]["attempts"], 0)
        time.sleep(0.2)
        self.assertEqual(self.receiver.received("/hook"), [])

    def test_clock_set_is_noticed(self):
        if os.geteuid() != 0:
            self.skipTest("setting the clock needs root (CI runs as root)")
        conf = self.configure(self.hook())
        d = self.start(conf, "2030-06-10 09:00")
        # Set the clock to the time it has: a clock_settime all the same,
        # which cancels agendad's CLOCK_REALTIME timer, and moves nothing.
        time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))
        wait_until(lambda: "the clock was set" in d.stderr(), 5, "the clock change noticed")
        self.assertEqual(d.proc.poll(), None)

    def test_dry_run_sends_and_records_nothing(self):
        conf = self.configure(self.hook())
        d = self.start(conf, "2030-06-10 09:44", "--dry-run")
        wait_until(lambda: "would be sent now (dry run)" in d.stderr(), 10, "the dry run's log")
        self.assertEqual(self.receiver.received(), [])
        self.assertEqual(self.state(), {})

    def test_moved_session_is_replanned_and_announced(self):
        conf = self.configure(self.hook(extra="notify_changes = true;"))
        d = self.start(conf, "2030-06-10 09:44", "--speed", "300")
        wait_until(lambda: self.receiver.received("/hook"), 10, "the first reminder")
        moved = PROGRAMME.replace('start = "2030-06-10 11:00"; end = "2030-06-10 11:30"',
                                  'start = "2030-06-10 11:30"; end = "2030-06-10 12:00"; room = "salle"')
        (self.dir / "test.programme").write_text(moved, encoding="utf-8")
        d.wait_reloads(2)
        old = "panel|2030-06-10T09:00:00Z|15m|hook|hook"
        new = "panel|2030-06-10T09:30:00Z|15m|hook|hook"
        self.assertEqual(self.state()[old]["state"], "dropped")
        changed = wait_until(lambda: [r for r in self.receiver.received("/hook")
                                      if json.loads(r["body"])["type"] == "session.changed"],
                             10, "session.changed")
        data = json.loads(changed[0]["body"])["data"]
        self.assertEqual(data["before"]["start"], "2030-06-10T09:00:00Z")
        self.assertEqual(data["after"]["start"], "2030-06-10T09:30:00Z")
        self.assertIn("time", data["changes"])
        self.assertTrue(changed[0]["verified"])
        wait_until(lambda: self.state().get(new, {}).get("state") == "sent", 20, "the new reminder")
        panel = [r for r in self.receiver.received("/hook")
                 if json.loads(r["body"])["type"] == "session.reminder"
                 and json.loads(r["body"])["data"]["session"]["id"] == "panel"]
        self.assertEqual(len(panel), 1)
        self.assertGreaterEqual(int(panel[0]["headers"]["webhook-timestamp"]), due("2030-06-10 11:30"))

    def test_kill_9_during_a_burst_loses_nothing(self):
        sessions = ",\n".join(
            f'{{ id = "s{i:03d}"; title = "Session {i}"; start = "2030-06-10 10:00";'
            f' end = "2030-06-10 10:30"; }}' for i in range(300))
        programme = ('event = { id = "burst"; title = "Burst"; timezone = "Europe/Zurich"; };\n'
                     f"sessions = ( {sessions} );\n")
        self.receiver.script["/hook"] = [(200, {}, 0.05)] * 1000
        conf = self.configure(self.hook(extra="max_in_flight = 16;"), programme)
        # A minute a real second: catch-up (10m) and the sessions' start
        # leave room for a slow machine; at SPEED they would not.
        first = self.start(conf, "2030-06-10 09:44", "--speed", "60")
        wait_until(lambda: len(self.receiver.received("/hook")) >= 80, 20, "part of the burst")
        first.proc.kill()
        first.proc.wait()
        got = len(self.receiver.received("/hook"))
        self.assertLess(got, 300, "the kill came in the middle of the burst")
        self.start(conf, "2030-06-10 09:47", "--speed", "60")

        def unsent():
            got = {json.loads(r["body"])["data"]["session"]["id"]
                   for r in self.receiver.received("/hook")}
            states = {k.split("|")[0]: v["state"] for k, v in self.state().items()}
            return {sid: states.get(sid) for sid in (f"s{i:03d}" for i in range(300))
                    if sid not in got}
        try:
            wait_until(lambda: not unsent(), 30, "every reminder")
        except AssertionError:
            self.fail(f"never received: {unsent()}")
        time.sleep(0.5)
        by_session = {}
        for r in self.receiver.received("/hook"):
            sid = json.loads(r["body"])["data"]["session"]["id"]
            by_session.setdefault(sid, set()).add(r["headers"]["webhook-id"])
        self.assertEqual(len(by_session), 300)
        self.assertTrue(all(len(ids) == 1 for ids in by_session.values()),
                        "a repeat carries the same webhook-id")
        duplicates = len(self.receiver.received("/hook")) - 300
        self.assertLessEqual(duplicates, 16, "only those in flight may repeat")
        self.assertEqual({v["state"] for v in self.state().values()}, {"sent"})


class Email(ReminderCase):
    def mail_channel(self, port, tls="none", extra=""):
        return (f'{{ name = "mail"; type = "email"; smtp_url = "smtp://127.0.0.1:{port}";'
                f' tls = "{tls}"; from = "Programme Ünited <programme@example.org>"; {extra} }}')

    def test_one_message_per_speaker(self):
        self.mailbox = Mailbox()
        conf = self.configure(self.mail_channel(self.mailbox.port))
        self.start(conf, "2030-06-10 09:44")
        wait_until(lambda: len(self.mailbox.messages) >= 4, 20, "four messages")
        time.sleep(0.3)
        msgs = self.mailbox.messages
        self.assertEqual(len(msgs), 4)
        self.assertEqual(sorted(m["to"][0] for m in msgs),
                         ["ada@example.org", "ada@example.org", "helene@example.org",
                          "helene@example.org"])
        for m in msgs:
            self.assertEqual(len(m["to"]), 1)
            self.assertEqual(m["from"], "programme@example.org")
            self.assertEqual(m["helo"], "example.org", "EHLO names From's domain")
            parsed = email.message_from_bytes(m["raw"], policy=email.policy.default)
            self.assertEqual(parsed.get_content_type(), "multipart/mixed")
            self.assertEqual(len(parsed.get_all("To")), 1)
            self.assertEqual(parsed["From"].addresses[0].display_name, "Programme Ünited")
            types = [p.get_content_type() for p in parsed.walk()]
            # One body part is a plain part, not a multipart/alternative of one.
            self.assertEqual(types, ["multipart/mixed", "text/plain", "text/calendar"])
            cal_part = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"][0]
            self.assertEqual(cal_part.get_param("method"), "PUBLISH")
            cal = icalendar.Calendar.from_ical(cal_part.get_content())
            self.assertEqual(str(cal["METHOD"]), "PUBLISH")
            (event,) = cal.walk("VEVENT")
            text = parsed.get_body(("plain",)).get_content()
            self.assertIn("Europe/Zurich", text)
            self.assertIn("/sessions/", text)
            if event["UID"] == "cafe@rem":
                self.assertEqual(str(parsed["Subject"]).split(" starts")[0], "Café & Société — débat")
                self.assertEqual(parsed["To"].addresses[0].display_name, "Hélène Bourgade")
                self.assertIn("Your role: Host", text)
            if event["UID"] == "open@rem" and m["to"] == ["ada@example.org"]:
                self.assertIn("Hélène Bourgade, Moderator", text)  # co-speakers
                self.assertNotIn("helene@example.org", text)
        ids = {email.message_from_bytes(m["raw"])["Message-ID"] for m in msgs}
        self.assertEqual(len(ids), 4)

    def test_header_lines_ehlo_and_spam_score(self):
        """Long subjects and names, ASCII and not, in a reminder, a change
        and a cancellation: folded header lines, the EHLO name given, and
        nothing SpamAssassin's local rules hold against them."""
        long_ascii = ("Opening of the regional conference on human rights education "
                      "and its first plenary session with questions")
        long_utf8 = ("Séance d'ouverture : l'éducation aux droits de l'homme en Europe "
                     "du Sud — débat général")
        prog = (PROGRAMME.replace('title = "Opening"', f'title = "{long_utf8}"')
                .replace('title = "Panel"', f'title = "{long_ascii}"')
                .replace('name = "Ada Lovelace"',
                         'name = "Augusta Ada King, Countess of Lovelace and Mathematician"')
                .replace('name = "Hélène Bourgade"',
                         'name = "Hélène Bourgade, Chair of the Programme Committee"')
                .replace('title = "Café & Société — débat"',
                         'title = "Zürich Café: Straßenfest and the programme for 2031"'))
        self.mailbox = Mailbox()
        conf = self.configure(self.mail_channel(
            self.mailbox.port, extra='notify_changes = true; helo = "mail.example.net";'), prog)
        d = self.start(conf, "2030-06-10 09:30", "--speed", "60")
        changed = (prog.replace('start = "2030-06-10 11:00"; end = "2030-06-10 11:30"',
                                'start = "2030-06-10 11:30"; end = "2030-06-10 12:00"')
                   .replace('id = "cafe"; title', 'id = "cafe"; status = "cancelled"; title'))
        (self.dir / "test.programme").write_text(changed, encoding="utf-8")
        d.wait_reloads(2)
        # 09:45 simulated is 15 s away at speed 60: two reminders of the opening.
        kinds = lambda: {str(email.message_from_bytes(m["raw"], policy=email.policy.default)
                             ["Subject"]).split(":")[0] for m in self.mailbox.messages}
        wait_until(lambda: len(self.mailbox.messages) >= 4, 30, "change, cancellation, reminders")
        samples = {}
        for m in self.mailbox.messages:
            self.assertEqual(m["helo"], "mail.example.net")
            head = m["raw"].split(b"\r\n\r\n", 1)[0]
            for line in head.split(b"\r\n"):
                # libcurl writes the top Content-Type with its 40-character
                # boundary (80 characters in all): a line agendad cannot fold.
                if not line.startswith(b"Content-Type: multipart/mixed; boundary="):
                    self.assertLessEqual(len(line), 76, line)
            parsed = email.message_from_bytes(m["raw"], policy=email.policy.default)
            subject = str(parsed["Subject"])
            self.assertTrue(long_utf8 in subject or long_ascii in subject or "Zürich" in subject,
                            subject)
            kind = subject.split(":")[0] if subject.startswith(("Changed", "Cancelled")) \
                else "reminder"
            samples.setdefault(kind, m["raw"])
        self.assertEqual(set(samples), {"reminder", "Changed", "Cancelled"}, kinds())
        # What the user writes can still score: a short body whose e's are
        # mostly accented (a cancellation of "Café & Société — débat" in
        # Genève) gets MIXED_ES ("too many es are not es", 1.0).
        for kind, raw in samples.items():
            # Debian's spamassassin; -L: the local rules only (no network).
            r = subprocess.run(["spamassassin", "-L", "-t"], input=raw, capture_output=True,
                               timeout=120)
            status = [l for l in r.stdout.decode(errors="replace").splitlines()
                      if l.startswith("X-Spam-Status:")]
            self.assertTrue(status, r.stderr.decode(errors="replace"))
            score = float(re.search(r"score=(-?[\d.]+)", status[0]).group(1))
            self.assertLessEqual(score, 0.0, f"{kind}: {status[0]}\n{r.stdout.decode()[-3000:]}")

    def test_speakers_hear_of_a_moved_session(self):
        self.mailbox = Mailbox()
        conf = self.configure(self.mail_channel(self.mailbox.port, extra="notify_changes = true;"))
        d = self.start(conf, "2030-06-10 08:00")  # long before any reminder
        moved = PROGRAMME.replace('start = "2030-06-10 11:00"; end = "2030-06-10 11:30"',
                                  'start = "2030-06-10 11:30"; end = "2030-06-10 12:00"')
        (self.dir / "test.programme").write_text(moved, encoding="utf-8")
        d.wait_reloads(2)
        msg = wait_until(lambda: self.mailbox.messages, 10, "the change e-mail")[0]
        parsed = email.message_from_bytes(msg["raw"], policy=email.policy.default)
        self.assertEqual(msg["to"], ["ada@example.org"])
        self.assertTrue(str(parsed["Subject"]).startswith("Changed: Panel"), parsed["Subject"])
        self.assertIn("What changed: time", parsed.get_body(("plain",)).get_content())
        cal_part = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"][0]
        (event,) = icalendar.Calendar.from_ical(cal_part.get_content()).walk("VEVENT")
        self.assertEqual(event["DTSTART"].dt, local("2030-06-10 11:30"))
        self.assertEqual(int(event["SEQUENCE"]), 1)
        time.sleep(0.5)
        self.assertEqual(len(self.mailbox.messages), 1, "sent once")

    def test_a_slow_mail_server_holds_up_nothing(self):
        # libcurl's SMTP waits for the answer to DATA with a blocking poll:
        # e-mail must not stall the loop, and messages go out in parallel.
        self.mailbox = Mailbox()
        self.mailbox.delay = 2
        conf = self.configure(self.mail_channel(self.mailbox.port) + ", " +
                              ReminderCase.hook(self))
        self.start(conf, "2030-06-10 09:44", "--speed", "60")
        hook = wait_until(lambda: self.receiver.received("/hook"), 10, "the webhook")
        lateness = int(hook[0]["headers"]["webhook-timestamp"]) - due("2030-06-10 10:00")
        # Held up by the server, it would be 120 simulated seconds late (2 s
        # at speed 60); 30 (half a real second) leaves room for a loaded
        # sanitizer build, which was once 14 late.
        self.assertLessEqual(lateness, 30, "simulated seconds late behind a slow SMTP server")
        wait_until(lambda: len(self.mailbox.messages) >= 2, 10, "both messages")
        self.assertEqual(self.mailbox.max_active, 2, "the two messages went out at once")
        raw = self.mailbox.messages[0]["raw"]
        self.assertNotIn(b"=0A", raw, "text lines end in CRLF, not an encoded LF")

    def test_starttls_and_auth(self):
        cert, key = self_signed(self.dir)
        self.mailbox = Mailbox(tls_context=tls_context(cert, key), require_starttls=True,
                               authenticator=password_check("programme", "s3cret é"),
                               auth_require_tls=True, auth_required=True)
        (self.dir / "smtp.pass").write_text("s3cret é\n", encoding="utf-8")
        conf = self.configure(self.mail_channel(
            self.mailbox.port, tls="starttls",
            extra=f'username = "programme"; password_file = "smtp.pass"; ca_file = "{cert}";'))
        self.start(conf, "2030-06-10 09:44")
        wait_until(lambda: len(self.mailbox.messages) >= 2, 15, "two messages over TLS")
        self.assertEqual(sorted(m["to"][0] for m in self.mailbox.messages[:2]),
                         ["ada@example.org", "helene@example.org"])

    def test_implicit_tls(self):
        cert, key = self_signed(self.dir)
        self.mailbox = Mailbox(ssl_context=tls_context(cert, key))
        conf = self.configure(
            f'{{ name = "mail"; type = "email"; smtp_url = "smtps://127.0.0.1:{self.mailbox.port}";'
            f' from = "programme@example.org"; ca_file = "{cert}"; }}')
        self.start(conf, "2030-06-10 09:44")
        wait_until(lambda: len(self.mailbox.messages) >= 2, 15, "two messages over smtps")

    def test_wrong_password_fails_for_good(self):
        cert, key = self_signed(self.dir)
        self.mailbox = Mailbox(tls_context=tls_context(cert, key), require_starttls=True,
                               authenticator=password_check("programme", "right"),
                               auth_require_tls=True, auth_required=True)
        (self.dir / "smtp.pass").write_text("wrong\n")
        conf = self.configure(self.mail_channel(
            self.mailbox.port, tls="starttls",
            extra=f'username = "programme"; password_file = "smtp.pass"; ca_file = "{cert}";'))
        self.start(conf, "2030-06-10 09:44")
        key = "open|2030-06-10T08:00:00Z|15m|mail|ada"
        row = wait_until(lambda: self.state().get(key, {}).get("state") == "failed"
                         and self.state()[key], 15, "a failure")
        self.assertEqual(row["attempts"], 1)
        self.assertEqual(self.mailbox.messages, [])

    def test_starttls_refused_means_nothing_sent(self):
        self.mailbox = Mailbox()  # offers no STARTTLS
        conf = self.configure(self.mail_channel(self.mailbox.port, tls="starttls"))
        self.start(conf, "2030-06-10 09:44")
        key = "open|2030-06-10T08:00:00Z|15m|mail|ada"
        row = wait_until(lambda: self.state().get(key, {}).get("state") == "failed"
                         and self.state()[key], 15, "a failure")
        self.assertTrue(row["last_error"])
        self.assertEqual(self.mailbox.messages, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
