"""A real subscribing client for the tests: Debian's vdirsyncer pulls a
feed over HTTP into a local folder, one file per event, as a calendar
app subscribed to it would."""
import pathlib
import shutil
import subprocess

import icalendar  # Debian's python3-icalendar


class Vdirsyncer:
    def __init__(self, folder, url):
        if shutil.which("vdirsyncer") is None:
            raise AssertionError("vdirsyncer is not installed (Debian package vdirsyncer)")
        self.folder = pathlib.Path(folder)
        self.local = self.folder / "local"
        self.local.mkdir(parents=True)
        self.config = self.folder / "vdirsyncer.conf"
        self.config.write_text(f"""
[general]
status_path = "{self.folder}/status/"

[pair feed]
a = "agendad"
b = "local"
collections = null
conflict_resolution = "a wins"

[storage agendad]
type = "http"
url = "{url}"

[storage local]
type = "filesystem"
path = "{self.local}/"
fileext = ".ics"
""")
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(self.folder), "LC_ALL": "C.UTF-8"}

    def sync(self):
        """Discovers and syncs; returns the VEVENTs of the local files and
        how many files there are.  vdirsyncer 0.19's http storage
        rewrites UIDs as content hashes, so compare other properties."""
        for step in (["discover"], ["sync"]):
            proc = subprocess.run(["vdirsyncer", "-c", str(self.config), *step],
                                  capture_output=True, text=True, env=self.env, timeout=120)
            if proc.returncode != 0:
                raise AssertionError(f"vdirsyncer {step[0]} failed:\n{proc.stdout}{proc.stderr}")
        files = sorted(self.local.glob("*.ics"))
        events = [ev for f in files
                  for ev in icalendar.Calendar.from_ical(f.read_bytes()).walk("VEVENT")]
        return events, len(files)
