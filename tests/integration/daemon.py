"""Starting and stopping the real daemon for integration tests, and
talking HTTP to it: the one free_port and the one Daemon of the suite
(bench/run-* take their ports from here too)."""
import http.client
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from agendadtest import AGENDAD, SRCDIR

SHIPPED_PROGRAMME = "idm-2014-south-south.programme"


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    """A port nobody listens on at host now (a race with other programs,
    which Daemon.start survives by retrying)."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def wait_for(predicate, timeout=5.0, what="condition", interval=0.02):
    """predicate()'s first true value, polled every interval seconds for
    at most timeout seconds; AssertionError after that."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def fetch(url, headers=None, method="GET", data=None):
    """(status, headers, body) of one request; errors are answers too."""
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def raw_request(host, port, data, timeout=5.0):
    """Sends data as is on a new connection and returns everything the
    server sends until it closes (the daemon answers Connection: close)."""
    with socket.socket(family_of(host), socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
    return out


def copy_shipped(folder, state="state"):
    """The shipped configuration and programme in folder (made if
    missing), with state_dir set to state; returns the configuration's
    path."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SRCDIR / "etc" / SHIPPED_PROGRAMME, folder)
    conf = folder / "agendad.conf"
    text = (SRCDIR / "etc" / "agendad.conf").read_text(encoding="utf-8")
    conf.write_text(text.replace('"/var/lib/agendad"', f'"{state}"'), encoding="utf-8")
    return conf


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # lower-case name -> value
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<Response {self.status} {self.headers} {self.body[:80]!r}>"


class Daemon:
    """`agendad -f -c conf` listening on host:port (a free port unless
    given), its stdout and stderr in log (conf's folder/agendad.log unless
    given; a restart appends), env added to the environment.  start()
    returns once /healthz answers 200; a context manager too.  programme is
    only remembered, for tests that edit the file."""

    def __init__(self, conf, port=None, extra=(), host="127.0.0.1", log=None, programme=None,
                 start_timeout=20, env=None):
        self.conf = pathlib.Path(conf)
        self.host = host
        self.given_port = port
        self.port = port or free_port(family_of(host), host)
        self.extra = [str(a) for a in extra]
        self.logfile = pathlib.Path(log) if log else self.conf.parent / "agendad.log"
        self.programme = programme
        self.start_timeout = start_timeout
        self.env = {**os.environ, **env} if env else None
        self.proc = None

    @property
    def listen(self):
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self):
        return f"http://{self.listen}"

    def start(self):
        for attempt in range(5):
            if (attempt or self.proc) and not self.given_port:
                self.port = free_port(family_of(self.host), self.host)
            with open(self.logfile, "ab" if self.proc else "wb") as log:
                self.proc = subprocess.Popen(
                    [str(AGENDAD), "-f", "-c", str(self.conf), "--listen", self.listen,
                     *self.extra], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    env=self.env)
            if self._healthy():
                return self
            if self.proc.poll() == 3 and "in use" in self.log() and not self.given_port:
                continue                # somebody took the port meanwhile: retry
            self.kill()
            raise AssertionError(f"agendad did not become healthy on {self.listen} "
                                 f"(exit {self.proc.returncode}):\n{self.log()}")
        raise AssertionError(f"no free port found:\n{self.log()}")

    def _healthy(self):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if self.get("/healthz", timeout=2).status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        """Everything the daemon wrote so far."""
        try:
            return self.logfile.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    stderr = log

    def request(self, method, path, headers=None, timeout=10):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()

    def get(self, path, headers=None, timeout=10):
        return self.request("GET", path, headers, timeout)

    def raw(self, data):
        return raw_request(self.host, self.port, data)

    def metrics(self):
        """Every /metrics sample, such as 'agendad_reloads_total{result="ok"}',
        with its value."""
        resp = self.get("/metrics")
        if resp.status != 200:
            raise AssertionError(f"/metrics answered {resp.status}")
        out = {}
        for line in resp.body.decode("utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
        return out

    def metric(self, name):
        """The value of one /metrics sample."""
        value = self.metrics().get(name)
        if value is None:
            raise AssertionError(f"{name} not in /metrics")
        return value

    def wait_reloads(self, ok_count, timeout=10):
        """Waits until ok_count loads (the first included) have succeeded."""
        deadline = time.monotonic() + timeout
        while self.metric('agendad_reloads_total{result="ok"}') < ok_count:
            if time.monotonic() > deadline:
                raise AssertionError("no reload happened:\n" + self.log())
            time.sleep(0.05)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
