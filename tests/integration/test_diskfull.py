#!/usr/bin/python3
"""A full disk: an export that cannot be written leaves its folder showing
the previous programme, whole; the daemon says it still serves the last
good programme and tries again on its own once there is space.

The disk is a small tmpfs mounted for the test (root only): without one
the test is skipped (exit 77)."""
import errno
import os
import subprocess
import sys
import unittest

from agendadtest import TempDir, run, snapshot
from daemon import Daemon, copy_shipped, wait_for as poll_until

SIZE = "4m"
MOVED = ('start = "2014-03-25 17:30"; end = "2014-03-25 18:00"',
         'start = "2014-03-25 17:40"; end = "2014-03-25 18:10"')


def mount(folder):
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs",
                           str(folder)], capture_output=True, text=True)
    return proc.returncode == 0, proc.stderr.strip()


def umount(folder):
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def can_mount():
    with TempDir() as d:
        ok, why = mount(d / "probe")
        if ok:
            umount(d / "probe")
        return ok, why


def fill(folder):
    """Fills folder's file system; returns the filler's path."""
    path = folder / "filler"
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 4096, 512):
            for _ in range(10000):  # 4 MiB at most anyway
                try:
                    f.write(b"\0" * chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return path


def wait_for(cond, seconds, what):
    poll_until(cond, seconds, what, interval=0.1)


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.d = self.tmp.__enter__()
        self.disk = self.d / "disk"
        ok, why = mount(self.disk)
        self.assertTrue(ok, why)

    def tearDown(self):
        umount(self.disk)
        self.tmp.__exit__(None, None, None)

    def test_export_keeps_the_previous_programme(self):
        conf = copy_shipped(self.d)
        out = self.disk / "out"
        run("--export", out, "-c", conf, "--state-dir", self.d / "state", check=0)
        before = snapshot(out)
        filler = fill(self.disk)
        prog = self.d / "idm-2014-south-south.programme"
        prog.write_text(prog.read_text(encoding="utf-8").replace(*MOVED), encoding="utf-8")
        proc = run("--export", out, "-c", conf, "--state-dir", self.d / "state", check=3)
        self.assertIn("No space left on device", proc.stderr)
        self.assertEqual(snapshot(out), before)
        self.assertEqual(sorted(p.name for p in self.disk.iterdir()),
                         [".out.gen-1", ".out.lock", "filler", "out"])
        filler.unlink()
        run("--export", out, "-c", conf, "--state-dir", self.d / "state", check=0)
        self.assertIn(b"20140325T174000", (out / "sessions/d2-closing.ics").read_bytes())
        self.assertEqual(sorted(p.name for p in self.disk.iterdir()),
                         [".out.gen-2", ".out.lock", "out"])

    def test_daemon_serves_the_last_good_programme_and_retries(self):
        conf = copy_shipped(self.d)
        mirror = self.disk / "mirror"
        text = conf.read_text(encoding="utf-8").replace('"state"', f'"{self.disk / "state"}"')
        conf.write_text(text + f'export_dir = "{mirror}";\n', encoding="utf-8")
        with Daemon(conf) as daemon:
            before = snapshot(mirror)
            served = daemon_get(daemon, "/sessions/d2-closing.ics")
            filler = fill(self.disk)
            prog = self.d / "idm-2014-south-south.programme"
            prog.write_text(prog.read_text(encoding="utf-8").replace(*MOVED), encoding="utf-8")
            wait_for(lambda: "trying again in 5 s" in daemon.stderr(), 30, "a retry")
            log = daemon.stderr()
            self.assertEqual(snapshot(mirror), before)
            if "still serving the last good programme" in log:
                self.assertIn("database or disk is full", log)
                self.assertEqual(daemon_get(daemon, "/sessions/d2-closing.ics"), served)
            else:
                self.assertIn(f"the mirror in {mirror} still shows the last programme", log)
            filler.unlink()
            wait_for(lambda: b"20140325T174000" in (mirror / "sessions/d2-closing.ics").read_bytes(),
                     30, "the retry to write the mirror")
            # The loader writes the mirror, then the loop publishes: a moment apart.
            wait_for(lambda: b"20140325T174000" in daemon_get(daemon, "/sessions/d2-closing.ics"),
                     10, "the retried programme served")
            wait_for(lambda: "writing works again" in daemon.stderr(), 10, "the log of the retry")
            self.assertEqual(sorted(p.name for p in self.disk.iterdir() if p.name.startswith(".")),
                             [os.readlink(mirror), ".mirror.lock"])


def daemon_get(daemon, path):
    import urllib.request
    with urllib.request.urlopen(daemon.url + path, timeout=5) as r:
        return r.read()


if __name__ == "__main__":
    ok, why = can_mount()
    if not ok:
        print(f"test_diskfull.py: skipped: cannot mount a small tmpfs to fill ({why or 'not root'})")
        sys.exit(77)
    unittest.main(verbosity=2)
