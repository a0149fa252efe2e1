#!/usr/bin/python3
"""Hostile programme documents, end to end through the real binary
(`agendad -t` and `--export`): entity expansion in schedule.xml, documents
past programme_max_mb (from a file and from programme_url), lines that
make libconfig's scanner quadratic, control characters, NUL bytes,
durations that overflow, ids too long to be a file name, and titles with
spaces at their ends.  Each case was accepted (or took minutes) before."""
import http.server
import json
import re
import threading
import time
import unittest

from agendadtest import TempDir, run

HEAD = 'event = { id = "h"; title = "H"; timezone = "Europe/Berlin"; };\n'
TIMES = 'start = "2025-06-02 09:00"; end = "2025-06-02 10:00";'
# Bytes no published file may hold (RFC 5545 3.3.11: TEXT has no
# control character but HTAB; CR and LF only as line ends).
CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def schedule_json(title="Talk", duration="01:00", guid="g1", description="About it.",
                  person="Ana Example"):
    return json.dumps({"schedule": {"version": "1", "conference": {
        "acronym": "hc", "title": "Hostile Conf", "time_zone_name": "Europe/Berlin",
        "days": [{"index": 1, "date": "2025-06-02", "rooms": {"Room A": [{
            "guid": guid, "id": 1, "title": title, "date": "2025-06-02T10:00:00+02:00",
            "start": "10:00", "duration": duration, "room": "Room A", "type": "Talk",
            "description": description, "persons": [{"id": 7, "public_name": person}],
        }]}}]}}})


def schedule_xml(title="Talk", duration="01:00:00", doctype="", count_title=None):
    return (f'<?xml version="1.0"?>\n{doctype}<schedule><conference><title>Hostile Conf</title>'
            '<acronym>hc</acronym><time_zone_name>Europe/Berlin</time_zone_name></conference>\n'
            '<day date="2025-06-02"><room name="Room A">\n'
            f'<event guid="g1" id="1"><title>{title}</title>'
            '<date>2025-06-02T10:00:00+02:00</date><start>10:00</start>'
            f'<duration>{duration}</duration><room>Room A</room></event>\n'
            '</room></day></schedule>\n')


class Hostile(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.dir = self.tmp.__enter__()

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def conf(self, name, data, extra=""):
        path = self.dir / name
        (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
        conf = self.dir / f"{name}.conf"
        conf.write_text(f'programme = "{name}";\nbase_url = "http://feeds.example.org";\n'
                        f'state_dir = "state";\n{extra}')
        return conf

    def check(self, name, data, extra="", timeout=60):
        return run("-t", "-c", self.conf(name, data, extra), timeout=timeout)

    def refused(self, proc, pattern):
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertRegex(proc.stderr, pattern)

    def export(self, name, data):
        out = self.dir / f"out-{name}"
        proc = run("--export", out, "-c", self.conf(name, data))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out, proc

    def no_controls(self, out):
        """No exported file (feeds, schedule.json/.xml, index.html) holds a
        control character, raw or as a JSON escape."""
        files = [p for p in out.rglob("*") if p.is_file()]
        self.assertTrue(any(p.name == "schedule.json" for p in files))
        for p in files:
            data = p.read_bytes()
            self.assertIsNone(CONTROLS.search(data), f"{p.relative_to(out)}: a control character")
            if p.suffix == ".json":
                self.assertNotRegex(data.decode(), r"\\u00(0[0-8bcef]|1[0-9a-f]|7f)",
                                    f"{p.relative_to(out)}: an escaped control character")

    # --- 1. entity expansion ------------------------------------------------

    def test_xml_entity_expansion_refused_at_once(self):
        """283 KB: one 20 KB entity used 50,000 times took 35 s and 2.9 GB."""
        doctype = '<!DOCTYPE schedule [\n<!ENTITY e "%s">\n]>\n' % ("x" * 20000)
        doc = schedule_xml(title="&e;" * 50000, doctype=doctype)
        start = time.monotonic()
        proc = self.check("entity.xml", doc, timeout=20)
        self.refused(proc, r"entity\.xml:3: the document declares the entity 'e' \(<!ENTITY>\)")
        self.assertLess(time.monotonic() - start, 20)

    # --- 2. size and the scanner ----------------------------------------------

    def test_programme_max_mb(self):
        big = " " * (1 << 20)
        for name, doc in (("big.programme", HEAD + "#" + "\n#".join([big[:1000]] * 1100) + "\n"),
                          ("big.json", schedule_json(description=big)),
                          ("big.xml", schedule_xml(title="x" * len(big)))):
            with self.subTest(name):
                proc = self.check(name, doc, "programme_max_mb = 1;\n")
                self.refused(proc, re.escape(name) + r": larger than 1048576 bytes \(1 MiB, "
                             r"programme_max_mb\): refused before reading it")
                self.assertEqual(self.check(name, doc).returncode, 0)

    def test_long_line_refused_before_libconfig(self):
        """libconfig's scanner: 1/2/4/8 MB on one line took 0.5/1.8/7.4/28.6 s."""
        proc = self.check("line.programme", HEAD + "sessions = (\n"
                          f'  {{ id = "s"; {TIMES} title = "{"x" * 2000000}"; }} );\n')
        self.refused(proc, r"line\.programme:3: a line longer than 65536 bytes")

    def test_programme_url_download_capped(self):
        """The transfer stops at programme_max_mb, with no Content-Length."""
        sent = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"# " + b"x" * 65000 + b"\n"
                try:
                    for _ in range(200):  # 13 MB at most
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        sent.append(len(chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            conf = self.dir / "url.conf"
            conf.write_text(f'programme_url = "http://127.0.0.1:{server.server_address[1]}/p";\n'
                            'programme_max_mb = 1;\nstate_dir = "state";\n')
            proc = run("-t", "-c", conf, timeout=60)
        finally:
            server.shutdown()
            server.server_close()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("larger than 1048576 bytes (1 MiB, programme_max_mb): transfer stopped",
                      proc.stderr)
        self.assertLess(sum(sent), 13000000, "the transfer was not stopped")
        self.assertFalse((self.dir / "state" / "programme.fetched").exists())

    # --- 3. control characters -----------------------------------------------

    def test_control_characters_refused_natively(self):
        prog = (HEAD + "sessions = (\n"
                f'  {{ id = "a"; title = "bell \x07"; {TIMES} }},\n'
                f'  {{ id = "b"; title = "esc"; description = "\x1b[2J"; {TIMES} }},\n'
                f'  {{ id = "c"; title = "escaped \\x07"; {TIMES} }},\n'
                f'  {{ id = "d"; title = "del \x7f"; {TIMES} }} );\n')
        proc = self.check("ctl.programme", prog)
        self.refused(proc, r"ctl\.programme:3: 'title' holds the control character U\+0007")
        self.assertIn("ctl.programme:4: 'description' holds the control character U+001B",
                      proc.stderr)
        self.assertIn("ctl.programme:5: 'title' holds the control character U+0007", proc.stderr)
        self.assertIn("ctl.programme:6: 'title' holds the control character U+007F", proc.stderr)

    def test_control_characters_dropped_on_import(self):
        for name, doc in (
                ("ctl.json", schedule_json(title="Bell\u0007 \u000bTalk",
                                           description="\u001b[31mred\u007f \u0001x",
                                           person="Ana\u000c Example")),
                ("ctl.xml", schedule_xml(title="Bell\x7f Talk"))):
            with self.subTest(name):
                proc = self.check(name, doc)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn("control characters", proc.stderr)
                self.assertIn("dropped", proc.stderr)
                out, _ = self.export(name, doc)
                self.no_controls(out)
                self.assertIn(b"SUMMARY:Bell Talk\r\n", (out / "calendar.ics").read_bytes())

    def test_messages_quote_no_control_characters(self):
        """A title quoted in a message neither reaches the terminal with
        its ESC sequences nor forges a message of its own with a newline."""
        doc = schedule_json(title="A\u001b[2J\nfake.json:1: forged", duration="9999:00")
        proc = self.check("quote.json", doc)
        self.refused(proc, r"quote\.json: day 2025-06-02, room 'Room A', event g1 "
                     r"'A\?\[2J\?fake\.json:1: forged': lasts longer than 31 days "
                     r"\(duration \"9999:00\"\)")
        self.assertNotIn("\x1b", proc.stderr)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)

    # --- 4. durations --------------------------------------------------------

    def test_duration_overflow_refused(self):
        """Passed -t and published DTEND;TZID=...:00000000T000000."""
        for name, doc in (("dur.json", schedule_json(duration="99999999999:59")),
                          ("wrap.json", schedule_json(duration="4294967297:00")),
                          ("long.json", schedule_json(duration="745:00")),
                          ("dur.xml", schedule_xml(duration="99999999999:00:00"))):
            with self.subTest(name):
                proc = self.check(name, doc)
                self.refused(proc, r"bad duration|lasts longer than 31 days")
        self.assertEqual(self.check("month.json", schedule_json(duration="744:00")).returncode, 0)

    # --- 5. ids and NUL ------------------------------------------------------

    def test_long_id_refused_natively(self):
        proc = self.check("id.programme", HEAD + "sessions = (\n"
                          f'  {{ id = "{"a" * 10000}"; title = "T"; {TIMES} }} );\n')
        self.refused(proc, r"id\.programme:3: 'id' \"a{32}\.\.\.\" is 10000 bytes long")

    def test_long_id_shortened_on_import(self):
        """--export failed (file name too long) and HTTP answered 404."""
        doc = schedule_json(guid="g" * 10000)
        out, proc = self.export("id.json", doc)
        self.assertIn("shortened to", proc.stderr)
        sessions = [p.name for p in (out / "sessions").glob("*.ics")]
        self.assertEqual(len(sessions), 1)
        self.assertLessEqual(len(sessions[0]), 128 + len(".ics"))
        self.assertTrue(sessions[0].startswith("g" * 100))
        again, _ = self.export("id2.json", doc)  # deterministic
        self.assertEqual(sessions, [p.name for p in (again / "sessions").glob("*.ics")])

    def test_nul_byte_refused(self):
        """A NUL cut the title short and -t said OK."""
        prog = (HEAD + "sessions = (\n"
                f'  {{ id = "a"; title = "before\x00after"; {TIMES} }} );\n').encode()
        self.refused(self.check("nul.programme", prog), r"nul\.programme:3: a NUL byte")

    # --- 7. spaces at the ends of titles and names ------------------------------

    def test_titles_and_names_trimmed_on_import(self):
        """libical and KCalendarCore drop them from SUMMARY, others keep them."""
        doc = schedule_json(title="  Cyborg Foundation ", person=" Neil Harbisson ")
        out, _ = self.export("trim.json", doc)
        ics = (out / "calendar.ics").read_bytes().decode()
        self.assertIn("\r\nSUMMARY:Cyborg Foundation\r\n", ics)
        sched = json.loads((out / "schedule.json").read_text())
        rooms = sched["schedule"]["conference"]["days"][0]["rooms"]
        event = next(iter(rooms.values()))[0]
        self.assertEqual(event["title"], "Cyborg Foundation")
        self.assertEqual(event["persons"][0]["public_name"], "Neil Harbisson")


if __name__ == "__main__":
    unittest.main()
