"""Shared helpers of agendad's integration tests: where things are, and
running the real binary."""
import os
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SRCDIR = pathlib.Path(os.environ.get("AGENDAD_TOP_SRCDIR", HERE.parent.parent))
BUILDDIR = pathlib.Path(os.environ.get("AGENDAD_TOP_BUILDDIR", SRCDIR))
AGENDAD = pathlib.Path(os.environ.get("AGENDAD", BUILDDIR / "src" / "agendad"))
# resolve(): configure gives paths such as build-asan/.., which .parent would not climb.
SHARED = pathlib.Path(os.environ.get("AGENDAD_TEST_SUPPORT") or SRCDIR).resolve().parent / "shared"


def run(*args, check=None, timeout=120, env=None):
    """Runs agendad with args (and env added to the environment); returns
    the CompletedProcess (text)."""
    if not AGENDAD.exists():
        raise AssertionError(f"agendad binary not found at {AGENDAD}: build it first")
    proc = subprocess.run([str(AGENDAD), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if check is not None and proc.returncode != check:
        raise AssertionError(
            f"agendad {' '.join(map(str, args))} exited {proc.returncode}, expected {check}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


class TempDir:
    """A temporary folder that tests can write into (a context manager)."""

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="agendad-test-")
        return pathlib.Path(self._tmp.name)

    def __exit__(self, *exc):
        self._tmp.cleanup()


def write_programme(folder, programme, conf_extra=""):
    """Writes folder/agendad.conf naming folder/test.programme; returns the
    configuration's path."""
    folder = pathlib.Path(folder)
    (folder / "test.programme").write_text(programme, encoding="utf-8")
    conf = folder / "agendad.conf"
    conf.write_text('programme = "test.programme";\n'
                    'base_url = "http://feeds.example.org";\n' + conf_extra,
                    encoding="utf-8")
    return conf


def events(path):
    """The VEVENTs of an exported feed, read by python3-icalendar (an
    independent parser), keyed by UID."""
    import icalendar  # Debian's python3-icalendar

    cal = icalendar.Calendar.from_ical(pathlib.Path(path).read_bytes())
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def real_data(name):
    """The path of an external real programme (FOSDEM, 39C3, ...), or None
    when the test data are not on this machine: tests that need one skip
    (exit 77) with the reason."""
    path = SHARED / "data" / "real" / name
    return path if path.is_file() else None
