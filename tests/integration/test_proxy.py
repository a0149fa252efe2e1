#!/usr/bin/python3
"""agendad behind Debian's real nginx, as the shipped site file
(etc/nginx/agendad-proxy.conf) sets it up: TLS with a self-signed
certificate and the path prefix /agenda/.  Through the proxy every link
of the pages resolves, feeds parse and name public URLs, 304 and gzip
work, POST /my stays under the prefix, and attendees behind the proxy
get rate limits of their own, while a client talking to agendad
directly cannot choose its address with X-Forwarded-For."""
import gzip
import html.parser
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import unittest
import urllib.parse

from agendadtest import SRCDIR, TempDir
from daemon import Daemon, copy_shipped, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl")
PREFIX = "/agenda/"


class Links(html.parser.HTMLParser):
    """Every href and src of a page, and every form's action."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("href", "src", "action"):
            if a.get(name):
                self.links.append(a[name])


def site_config(tmp, nginx_port, agendad_port):
    """The shipped site file, pointed at this test's ports and certificate,
    inside a minimal nginx.conf that runs as the test's user."""
    site = (SRCDIR / "etc" / "nginx" / "agendad-proxy.conf").read_text()
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{nginx_port} ssl http2;")
    site = re.sub(r"\n\s*listen \[::\]:443 ssl http2;", "", site)
    site = site.replace("server_name events.example.org;", "server_name 127.0.0.1;")
    site = site.replace("/etc/ssl/certs/events.example.org.pem", str(tmp / "cert.pem"))
    site = site.replace("/etc/ssl/private/events.example.org.key", str(tmp / "key.pem"))
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{agendad_port};")
    assert f"127.0.0.1:{nginx_port}" in site and str(tmp / "key.pem") in site, \
        "the shipped site file no longer has the lines this test adapts"
    (tmp / "site.conf").write_text(site)
    for d in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / "nginx-tmp" / d).mkdir(parents=True, exist_ok=True)
    t = tmp / "nginx-tmp"
    (tmp / "nginx.conf").write_text(f"""
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {t}/client;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    include {tmp}/site.conf;
}}
""")


class ThroughNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(NGINX, os.X_OK) or not OPENSSL:
            print("SKIP: nginx or openssl is not installed (Debian: nginx, openssl)")
            sys.exit(77)
        cls.tmp_ctx = TempDir()
        cls.tmp = cls.tmp_ctx.__enter__()
        cls.nginx_port, agendad_port = free_port(), free_port()
        cls.public = f"https://127.0.0.1:{cls.nginx_port}/agenda"
        subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(cls.tmp / "key.pem"), "-out", str(cls.tmp / "cert.pem")],
                       check=True, capture_output=True, timeout=60)
        conf = copy_shipped(cls.tmp)
        text = conf.read_text()
        text = re.sub(r'(?m)^base_url = .*$', f'base_url = "{cls.public}";', text)
        text = text.replace("http = {", 'http = {\n  trusted_proxies = [ "127.0.0.1" ];\n'
                            "  selections_per_hour = 2;", 1)
        conf.write_text(text)
        site_config(cls.tmp, cls.nginx_port, agendad_port)
        cls.daemon = Daemon(conf, port=agendad_port).__enter__()
        cls.nginx = subprocess.Popen([NGINX, "-p", str(cls.tmp), "-c", str(cls.tmp / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cls.tls = ssl.create_default_context(cafile=str(cls.tmp / "cert.pem"))
        deadline = time.monotonic() + 15
        while True:
            try:
                if cls.get(PREFIX + "healthz")[0] == 200:
                    break
            except OSError:
                pass
            if cls.nginx.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("nginx did not come up:\n" +
                                     (cls.tmp / "nginx-error.log").read_text(errors="replace"))
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(timeout=10)
        cls.daemon.__exit__(None, None, None)
        cls.tmp_ctx.__exit__(None, None, None)

    @staticmethod
    def exchange(c, method, path, headers, body):
        """One request on connection c; (status, headers, body)."""
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    @classmethod
    def get(cls, path, headers=None, method="GET", body=None, source="127.0.0.1"):
        """One request to nginx from the address source."""
        c = http.client.HTTPSConnection("127.0.0.1", cls.nginx_port, context=cls.tls,
                                        timeout=30, source_address=(source, 0))
        return cls.exchange(c, method, path, headers, body)

    def direct(self, path, headers=None, method="GET", body=None, source="127.0.0.2"):
        """One request straight to agendad, bypassing nginx, from source."""
        c = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=30,
                                       source_address=(source, 0))
        return self.exchange(c, method, path, headers, body)

    def check_links(self, page_path, body):
        """Every link of a page resolves through the proxy; webcal links
        name the public host and prefix."""
        p = Links()
        p.feed(body.decode())
        base = f"https://127.0.0.1:{self.nginx_port}{page_path}"
        checked = 0
        for link in p.links:
            url = urllib.parse.urljoin(base, link)
            parts = urllib.parse.urlsplit(url)
            if parts.scheme == "webcal":
                self.assertEqual(parts.netloc, f"127.0.0.1:{self.nginx_port}", url)
                self.assertTrue(parts.path.startswith(PREFIX), url)
                continue
            if parts.scheme != "https" or parts.netloc != f"127.0.0.1:{self.nginx_port}":
                continue  # documents and links of the programme itself
            self.assertTrue(parts.path.startswith(PREFIX), f"{link} leaves the prefix on {page_path}")
            if link.startswith("#") or parts.path == "/agenda/my":
                continue
            status, _, _ = self.get(parts.path + ("?" + parts.query if parts.query else ""))
            self.assertEqual(status, 200, f"{link} on {page_path} gives {status} through the proxy")
            checked += 1
        return checked

    def test_index_links_resolve(self):
        status, h, body = self.get(PREFIX)
        self.assertEqual(status, 200)
        self.assertGreater(self.check_links(PREFIX, body), 10)

    def test_day_page_links_resolve(self):
        status, _, body = self.get(PREFIX + "days/2014-03-24.html")
        if status == 404:
            self.skipTest("no day pages in this build")
        self.assertEqual(status, 200)
        self.assertGreater(self.check_links(PREFIX + "days/2014-03-24.html", body), 3)

    def test_feed_names_public_urls(self):
        status, h, body = self.get(PREFIX + "calendar.ics")
        self.assertEqual(status, 200)
        self.assertTrue(h["content-type"].startswith("text/calendar"))
        text = body.decode()
        self.assertIn("BEGIN:VCALENDAR", text)
        urls = re.findall(r"^URL[^:]*:(.*)\r$", text, re.M)
        self.assertTrue(urls)
        for u in urls:
            self.assertTrue(u.startswith(self.public + "/"), u)
        try:
            import icalendar
        except ImportError:
            return
        cal = icalendar.Calendar.from_ical(body)
        self.assertEqual(len([c for c in cal.walk("VEVENT")]), 11)

    def test_gzip_and_304_pass_through(self):
        _, plain_h, plain = self.get(PREFIX + "calendar.ics")
        status, h, body = self.get(PREFIX + "calendar.ics", {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(h.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), plain)
        self.assertIn("public", h["cache-control"])
        self.assertRegex(h["cache-control"], r"max-age=\d+")
        for etag in (plain_h["etag"], h["etag"], "W/" + h["etag"]):
            status, _, body = self.get(PREFIX + "calendar.ics",
                                       {"If-None-Match": etag, "Accept-Encoding": "gzip"})
            self.assertEqual(status, 304, etag)
            self.assertEqual(body, b"")

    def post_my(self, source, extra=None):
        form = urllib.parse.urlencode([("session", "d1-opening"), ("session", "d1-wrap-up")])
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(extra or {})}
        return self.get(PREFIX + "my", headers, "POST", form, source=source)

    def test_selection_stays_under_prefix(self):
        status, h, _ = self.post_my("127.0.0.4")
        self.assertEqual(status, 303)
        where = urllib.parse.urljoin(f"https://127.0.0.1:{self.nginx_port}{PREFIX}my",
                                     h["location"])
        path = urllib.parse.urlsplit(where).path
        self.assertRegex(path, r"^/agenda/my/[A-Za-z0-9_-]+$")
        status, h, page = self.get(path)
        self.assertEqual(status, 200)
        self.assertIn("private", h["cache-control"])
        self.assertGreater(self.check_links(path, page), 0)
        status, h, feed = self.get(path + ".ics")
        self.assertEqual(status, 200)
        self.assertRegex(h["cache-control"], r"^private, max-age=\d+$")
        self.assertIn(b"SUMMARY:Opening Session", feed)

    def test_rate_limits_per_attendee(self):
        # Two attendees behind the proxy: each has 2 new selections an hour.
        for source in ("127.0.0.5", "127.0.0.6"):
            for _ in range(2):
                self.assertEqual(self.post_my(source)[0], 303, source)
        self.assertEqual(self.post_my("127.0.0.5")[0], 429)
        # Claiming another address in the header does not help: nginx
        # appends the real one, and that is the rightmost untrusted hop.
        status, h, _ = self.post_my("127.0.0.6", {"X-Forwarded-For": "198.51.100.77"})
        self.assertEqual(status, 429)
        self.assertIn("retry-after", h)

    def test_direct_client_cannot_spoof(self):
        form = urllib.parse.urlencode([("session", "d1-opening")])
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answers = [self.direct("/my", {**headers, "X-Forwarded-For": f"198.51.100.{i}",
                                       "Forwarded": f"for=198.51.100.{i}"}, "POST", form)[0]
                   for i in range(3)]
        self.assertEqual(answers, [303, 303, 429])


if __name__ == "__main__":
    unittest.main()
