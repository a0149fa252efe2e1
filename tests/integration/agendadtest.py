"""Shared helpers of agendad's integration tests: where things are, and
running the real binary."""
import hashlib
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SRCDIR = pathlib.Path(os.environ.get("AGENDAD_TOP_SRCDIR", HERE.parent.parent))
BUILDDIR = pathlib.Path(os.environ.get("AGENDAD_TOP_BUILDDIR", SRCDIR))
AGENDAD = pathlib.Path(os.environ.get("AGENDAD", BUILDDIR / "src" / "agendad"))
# The npm test tools (tests/js with its node_modules): make distcheck's
# read-only tarball tree has none, so configure may point elsewhere.
JSDIR = pathlib.Path(os.environ.get("AGENDAD_JS_TOOLS") or SRCDIR / "tests" / "js")
# Our own small import fixtures, written for the tests (tests/data/README.md).
FIXTURES = SRCDIR / "tests" / "data"

# External reference material that is not ours to ship: real schedules, the
# official C3VOC schema and XSD, the seed text.  AGENDAD_TEST_DATA names a
# folder holding data/real/ (or real/) and seed/; see tests/data/README.md.
TEST_DATA = os.environ.get("AGENDAD_TEST_DATA") or None
SKIP = 77  # automake's exit status for "skipped"


def test_data(*parts):
    """The path parts name inside AGENDAD_TEST_DATA (data/real/... is also
    found as real/...), or None when the variable is unset.  A variable that
    names a folder without the thing is a mistake: AssertionError."""
    if TEST_DATA is None:
        return None
    top = pathlib.Path(TEST_DATA).resolve()
    for base in ((top / "data", top) if parts[0] == "real" else (top,)):
        path = base.joinpath(*parts)
        if path.exists():
            return path
    raise AssertionError(f"AGENDAD_TEST_DATA={TEST_DATA} has no {'/'.join(parts)}")


def need_test_data(what):
    """Exits with automake's SKIP status and a one-line reason when
    AGENDAD_TEST_DATA is unset: what needs external material never fails
    for its absence, and never passes without it."""
    if TEST_DATA is None:
        print(f"SKIP: {what} needs AGENDAD_TEST_DATA (a folder with data/real/ and seed/; "
              "see tests/data/README.md)")
        sys.exit(SKIP)


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


def write_conf(folder, programme, extra="", base_url="http://feeds.example.org"):
    """Writes folder/agendad.conf naming programme (a path, or a name in
    folder) and base_url, then extra; returns the configuration's path."""
    conf = pathlib.Path(folder) / "agendad.conf"
    conf.write_text(f'programme = "{programme}";\nbase_url = "{base_url}";\n' + extra,
                    encoding="utf-8")
    return conf


def write_programme(folder, programme, conf_extra=""):
    """Writes folder/agendad.conf naming folder/test.programme; returns the
    configuration's path."""
    (pathlib.Path(folder) / "test.programme").write_text(programme, encoding="utf-8")
    return write_conf(folder, "test.programme", conf_extra)


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
    return test_data("real", name) if TEST_DATA else None


def snapshot(folder):
    """Every file below folder (through an export's link), by relative
    path: the SHA-256 of its bytes."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


def built_with(feature):
    """Whether the agendad under test was configured with feature, a
    HAVE_ macro of config.h such as "HAVE_QRENCODE" (configure's
    --without-qrencode, --without-libidn2, --without-systemd unset them).
    Without a config.h to read (an agendad built elsewhere), the default
    build is assumed: every feature on."""
    try:
        text = (BUILDDIR / "config.h").read_text()
    except OSError:
        return True
    return re.search(rf"^#define {feature} 1$", text, re.M) is not None
