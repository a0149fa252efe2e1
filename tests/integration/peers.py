"""Real peers for the reminder tests: a webhook receiver that checks
Standard Webhooks signatures on its own, and an SMTP server (aiosmtpd)."""
import asyncio
import base64
import collections
import hashlib
import hmac
import http.server
import ssl
import subprocess
import threading
import time

from aiosmtpd.controller import Controller  # Debian's python3-aiosmtpd
from aiosmtpd.smtp import AuthResult

from daemon import free_port


def self_signed(folder):
    """A certificate for 127.0.0.1 made with the openssl command; returns
    (cert, key) paths.  The cert doubles as the client's ca_file."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def password_check(user, password):
    """An aiosmtpd authenticator accepting one user."""
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok)
    return authenticator


def verify_standard(secret, headers, body):
    """Standard Webhooks v1, implemented from the specification."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split()
             if s.startswith("v1,")]
    return expected in given


class Receiver:
    """HTTP receiver on a free port.  script[path] is a list of answers
    used in turn (status, extra headers, seconds to sleep first); once
    used up, 200."""

    def __init__(self, secret=None):
        self.secret = secret
        self.requests = []
        self.script = collections.defaultdict(list)
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer.lock:
                    answer = outer.script[self.path].pop(0) if outer.script[self.path] else None
                    outer.requests.append({
                        "path": self.path, "headers": headers, "body": body,
                        "time": time.time(),
                        "verified": bool(outer.secret) and "webhook-id" in headers
                        and verify_standard(outer.secret, headers, body)})
                status, extra, delay = answer or (200, {}, 0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        # A client that gives up (a timeout, kill -9) is part of the tests.
        self.server.handle_error = lambda request, address: None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An SMTP server keeping every message (envelope and raw bytes)."""

    def __init__(self, **kwargs):
        self.messages = []
        self.delay = 0       # seconds before answering DATA
        self.active = self.max_active = 0
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer.active += 1
                outer.max_active = max(outer.max_active, outer.active)
                if outer.delay:
                    await asyncio.sleep(outer.delay)
                outer.active -= 1
                outer.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                       "helo": session.host_name,
                                       "raw": envelope.original_content or envelope.content,
                                       "time": time.time()})
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     server_hostname="127.0.0.1", **kwargs)
        self.controller.start()

    def close(self):
        self.controller.stop()
