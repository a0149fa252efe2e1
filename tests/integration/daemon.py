"""Starting and stopping the real daemon for integration tests."""
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.request

from agendadtest import AGENDAD, SRCDIR


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_shipped(folder):
    """The shipped configuration and programme in folder, with the state
    there too; returns the configuration's path."""
    folder = pathlib.Path(folder)
    shutil.copy(SRCDIR / "etc" / "idm-2014-south-south.programme", folder)
    conf = folder / "agendad.conf"
    text = (SRCDIR / "etc" / "agendad.conf").read_text(encoding="utf-8")
    conf.write_text(text.replace('"/var/lib/agendad"', '"state"'), encoding="utf-8")
    return conf


class Daemon:
    """agendad -f on a free loopback port; a context manager."""

    def __init__(self, conf, port=None, extra=()):
        self.conf = conf
        self.port = port or free_port()
        self.extra = list(extra)
        self.proc = None
        self.log = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = open(pathlib.Path(self.conf).parent / "agendad.log", "w+")
        self.proc = subprocess.Popen(
            [str(AGENDAD), "-f", "-c", str(self.conf), "--listen", f"127.0.0.1:{self.port}",
             *self.extra], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"agendad exited {self.proc.returncode}:\n{self.stderr()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("agendad did not become healthy:\n" + self.stderr())

    def metric(self, name):
        """The value of one /metrics sample, such as
        'agendad_reloads_total{result="ok"}'."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[-1])
        raise AssertionError(f"{name} not in /metrics")

    def wait_reloads(self, ok_count, timeout=10):
        """Waits until ok_count loads (the first included) have succeeded."""
        deadline = time.monotonic() + timeout
        while self.metric('agendad_reloads_total{result="ok"}') < ok_count:
            if time.monotonic() > deadline:
                raise AssertionError("no reload happened:\n" + self.stderr())
            time.sleep(0.05)

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
