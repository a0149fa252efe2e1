#!/usr/bin/python3
"""What systemd sees of agendad: the sd_notify protocol (READY, RELOADING
with MONOTONIC_USEC, STOPPING, WATCHDOG) on a real notification socket,
journal priority prefixes, and the unit's hardening score."""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.request

from agendadtest import AGENDAD, BUILDDIR, SRCDIR, TempDir, built_with
from daemon import Daemon, copy_shipped, free_port


NO_NOTIFY = "built --without-systemd: agendad sends no sd_notify messages"


@unittest.skipUnless(built_with("HAVE_LIBSYSTEMD"), NO_NOTIFY)
class Notify(unittest.TestCase):
    def test_notify_protocol_and_journal_prefixes(self):
        with TempDir() as d:
            conf = copy_shipped(d)
            sock_path = str(d / "notify.sock")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(sock_path)
            sock.settimeout(10)
            log = open(d / "agendad.log", "w+")
            st = os.fstat(log.fileno())
            env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="200000",
                       JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
            proc = subprocess.Popen([str(AGENDAD), "-f", "-c", str(conf), "--listen",
                                     f"127.0.0.1:{free_port()}"], stdout=log, stderr=log, env=env)
            try:
                messages = []

                def wait_for(pattern):
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline:
                        msg = sock.recv(4096).decode()
                        messages.append(msg)
                        if re.search(pattern, msg):
                            return msg
                    raise AssertionError(f"no {pattern!r} in {messages}")

                wait_for(r"^READY=1$")
                wait_for(r"^WATCHDOG=1$")
                wait_for(r"^WATCHDOG=1$")
                proc.send_signal(signal.SIGHUP)
                reloading = wait_for(r"RELOADING=1")
                usec = int(re.search(r"MONOTONIC_USEC=(\d+)", reloading).group(1))
                now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
                self.assertLess(abs(now - usec), 10_000_000)
                wait_for(r"^READY=1$")
                proc.send_signal(signal.SIGTERM)
                wait_for(r"^STOPPING=1$")
                self.assertEqual(proc.wait(timeout=10), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                sock.close()
            log.seek(0)
            lines = log.read().splitlines()
            self.assertTrue(lines)
            for line in lines:
                self.assertRegex(line, r"^<[3-7]>", "every log line has a syslog priority")
            self.assertTrue(any(line.startswith("<6>serving 11 sessions") for line in lines), lines)


def break_programme(conf):
    """Makes the shipped programme fail with a FILE:LINE error; returns
    (path, line)."""
    prog = pathlib.Path(conf).parent / "idm-2014-south-south.programme"
    lines = prog.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "this is not libconfig\n")
    prog.write_text("".join(lines), encoding="utf-8")
    return prog, 4


class NotifySocket:
    """A notification socket like systemd's; recv() gives every message."""

    def __init__(self, folder, name="notify.sock"):
        self.path = str(pathlib.Path(folder) / name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(10)
        self.messages = []
        self.seen = 0

    def wait_for(self, pattern, timeout=10):
        """The first message after the last one matched that matches."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(self.seen, len(self.messages)):
                m = re.search(pattern, self.messages[i], re.M)
                if m:
                    self.seen = i + 1
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"no {pattern!r} in {self.messages[self.seen:]}")
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass

    def close(self):
        self.sock.close()


class Status(unittest.TestCase):
    """STATUS= says what is served and, after a rejection, why the programme
    served is not the newest; a start with a rejected programme serves the
    last good one; agendad --reload checks before it signals."""

    def start(self, d, conf, note):
        daemon = Daemon(conf, env={"NOTIFY_SOCKET": note.path})
        self.addCleanup(daemon.kill)
        daemon.start()
        return daemon.proc, daemon.port

    def feed(self, port):
        url = f"http://127.0.0.1:{port}/calendar.ics"
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    @unittest.skipUnless(built_with("HAVE_LIBSYSTEMD"), NO_NOTIFY)
    def test_status_reload_and_restart_with_a_broken_programme(self):
        with TempDir() as d:
            conf = copy_shipped(d)
            note = NotifySocket(d)
            self.addCleanup(note.close)
            proc, port = self.start(d, conf, note)
            note.wait_for(r"^STATUS=serving 11 sessions in \d+ feeds; \d+ reminders pending$")
            note.wait_for(r"^READY=1$")
            good = self.feed(port)
            self.assertEqual(good.count("BEGIN:VEVENT"), 11)
            saved = d / "state" / "programme.last-good"
            self.assertTrue(saved.exists(), "the programme that loaded is kept")

            prog, line = break_programme(conf)
            # --reload checks, signals anyway (the daemon reports it), and fails.
            r = subprocess.run([str(AGENDAD), "--reload", str(proc.pid), "-c", str(conf)],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"{prog}:{line}:", r.stderr)
            m = note.wait_for(r"^STATUS=programme rejected \((.*)\); serving the one loaded "
                              r"at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: 11 sessions")
            self.assertTrue(m.group(1).startswith(f"{prog}:{line}:"), m.group(0))
            self.assertEqual(self.feed(port), good)

            # A restart: the rejected programme gives way to the last good one.
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=20), 0)
            # Its own socket: the first daemon's messages (the file change
            # and the SIGHUP each made a rejected reload) are not its.
            note = NotifySocket(d, "notify2.sock")
            self.addCleanup(note.close)
            proc, port = self.start(d, conf, note)
            m = note.wait_for(r"^STATUS=programme rejected \((.*)\); serving the one loaded at")
            note.wait_for(r"^READY=1$")
            self.assertTrue(m.group(1).startswith(f"{prog}:{line}:"), m.group(0))
            self.assertEqual(self.feed(port).count("BEGIN:VEVENT"), 11)
            self.assertIn("starting from the last good programme",
                          (d / "agendad.log").read_text())

            # Mended: --reload succeeds and the status is plain again.
            shutil.copy(SRCDIR / "etc" / "idm-2014-south-south.programme", prog)
            r = subprocess.run([str(AGENDAD), "--reload", str(proc.pid), "-c", str(conf)],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            note.wait_for(r"^STATUS=serving 11 sessions")

    def test_a_rejected_start_without_a_last_good_programme_fails(self):
        with TempDir() as d:
            conf = copy_shipped(d)
            prog, line = break_programme(conf)
            r = subprocess.run([str(AGENDAD), "-f", "-c", str(conf), "--listen",
                                f"127.0.0.1:{free_port()}"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"{prog}:{line}:", r.stderr)

    def test_reload_needs_a_process_id(self):
        r = subprocess.run([str(AGENDAD), "--reload", "x"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 2)


class Unit(unittest.TestCase):
    def test_unit_is_notify_and_hardened(self):
        unit = BUILDDIR / "systemd" / "agendad.service"
        self.assertTrue(unit.exists(), f"{unit} is built by make")
        text = unit.read_text()
        for line in ("Type=notify", "DynamicUser=yes", "StateDirectory=agendad",
                     "ProtectSystem=strict", "WatchdogSec=30s", "InaccessiblePaths=-/dev/shm",
                     "RestartPreventExitStatus=1", "StartLimitBurst=5"):
            self.assertIn(line, text.splitlines())
        self.assertNotIn("@sbindir@", text)
        # Every program the unit runs is agendad: nothing from procps.
        execs = re.findall(r"^Exec\w+=[-@:+!]*(\S+)", text, re.M)
        self.assertEqual(len(execs), 2)
        for prog in execs:
            self.assertTrue(prog.endswith("/agendad"), prog)
        self.assertRegex(text, r"(?m)^ExecReload=\S+/agendad --reload \$MAINPID ")
        analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(analyze, "systemd-analyze is part of Debian's systemd package")
        proc = subprocess.run([analyze, "security", "--offline=true", str(unit)],
                              capture_output=True, text=True, timeout=60)
        score = re.search(r"Overall exposure level for agendad.service: ([\d.]+)", proc.stdout)
        self.assertIsNotNone(score, proc.stdout + proc.stderr)
        self.assertLessEqual(float(score.group(1)), 2.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
