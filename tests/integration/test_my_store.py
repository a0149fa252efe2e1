#!/usr/bin/python3
"""What the daemon keeps of personal selections: at most
http.selections_max (then POST /my is 503 with Retry-After), and those
neither made nor fetched for http.selections_expire are removed by the
daemon on its own (here: rows of an older version's table, 40 days old)."""
import http.client
import sqlite3
import time
import unittest
import urllib.parse

from agendadtest import TempDir, write_programme
from daemon import Daemon, fetch

PROGRAMME = ('event = { id = "store"; title = "Store"; timezone = "Europe/Lisbon"; };\n'
             'sessions = ({ id = "a1"; title = "Opening"; start = "2025-09-01 09:00";'
             ' end = "2025-09-01 10:00"; });\n')


def post(daemon, *ids):
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
    conn.request("POST", "/my", urllib.parse.urlencode([("session", i) for i in ids]).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, r.getheader("Retry-After"), r.getheader("Location"), body


class Store(unittest.TestCase):
    def test_cap_answers_503_with_retry_after(self):
        with TempDir() as d:
            conf = write_programme(d, PROGRAMME, 'state_dir = "state";\n'
                                   'http = { selections_max = 2; selections_per_hour = 100; };\n')
            with Daemon(conf) as daemon:
                self.assertEqual(post(daemon, "a1")[0], 303)
                status, _, location, _ = post(daemon, "a1")
                self.assertEqual(status, 303)
                status, retry, _, body = post(daemon, "a1")
                self.assertEqual(status, 503, body)
                self.assertEqual(retry, "3600")
                self.assertIn(b"as many personal selections as it may", body)
                # The stored ones still work.
                self.assertEqual(fetch(f"{daemon.url}/{location}.ics")[0], 200)

    def test_unused_selections_expire(self):
        with TempDir() as d:
            (d / "state").mkdir()
            now = int(time.time())
            db = sqlite3.connect(d / "state" / "selections.sqlite")
            db.execute("CREATE TABLE selections (token TEXT PRIMARY KEY,"
                       " created INTEGER NOT NULL, sessions TEXT NOT NULL)")
            db.execute("INSERT INTO selections VALUES (?, ?, ?)", ("O" * 22, now - 40 * 86400, "a1"))
            db.execute("INSERT INTO selections VALUES (?, ?, ?)", ("N" * 22, now - 86400, "a1"))
            db.commit()
            db.close()
            conf = write_programme(d, PROGRAMME, 'state_dir = "state";\n'
                                   'http = { selections_expire = "30d"; };\n')
            with Daemon(conf) as daemon:
                self.assertEqual(fetch(f"{daemon.url}/my/{'N' * 22}.ics")[0], 200)
                deadline = time.monotonic() + 40
                while "removed 1 personal selections" not in daemon.stderr():
                    self.assertLess(time.monotonic(), deadline, daemon.stderr())
                    time.sleep(0.2)
                self.assertIn("unused for 30 days", daemon.stderr())
                self.assertEqual(fetch(f"{daemon.url}/my/{'O' * 22}.ics")[0], 404)
                self.assertEqual(fetch(f"{daemon.url}/my/{'N' * 22}.ics")[0], 200)

    def test_bad_values_are_errors(self):
        with TempDir() as d:
            from agendadtest import run
            conf = write_programme(d, PROGRAMME, 'http = { selections_max = 0;'
                                   ' selections_expire = "10m"; };\n')
            proc = run("-t", "-c", conf, check=1)
            self.assertIn("'selections_max' must be between 1 and 100000000", proc.stderr)
            self.assertIn("'selections_expire' must be at least \"1h\"", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
