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

from agendadtest import AGENDAD, BUILDDIR, SRCDIR, TempDir
from daemon import copy_shipped, free_port


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


class Unit(unittest.TestCase):
    def test_unit_is_notify_and_hardened(self):
        unit = BUILDDIR / "systemd" / "agendad.service"
        self.assertTrue(unit.exists(), f"{unit} is built by make")
        text = unit.read_text()
        for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
                     "StateDirectory=agendad", "ProtectSystem=strict", "WatchdogSec=30s"):
            self.assertIn(line, text.splitlines())
        self.assertNotIn("@sbindir@", text)
        analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(analyze, "systemd-analyze is part of Debian's systemd package")
        proc = subprocess.run([analyze, "security", "--offline=true", str(unit)],
                              capture_output=True, text=True, timeout=60)
        score = re.search(r"Overall exposure level for agendad.service: ([\d.]+)", proc.stdout)
        self.assertIsNotNone(score, proc.stdout + proc.stderr)
        self.assertLessEqual(float(score.group(1)), 2.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
