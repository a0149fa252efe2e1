"""Reading feeds with independent parsers: Mozilla's ical.js
(tests/js/check_ical.mjs), python3-icalendar (check_ical.py) and Ruby's
icalendar gem (check_ical.rb, start and end only).  Each prints, per .ics
file of a folder, what it read as JSON."""
import json
import shutil
import subprocess

from agendadtest import JSDIR, SRCDIR  # noqa: F401 (JSDIR is imported from here)


def js_tool(name):
    """(script, cwd) to run this tree's tests/js/NAME with node: Node
    resolves packages from the script's folder, so when this tree has no
    node_modules of its own the script runs from JSDIR's."""
    own = SRCDIR / "tests" / "js"
    if (own / "node_modules").is_dir() or own.resolve() == JSDIR.resolve():
        return own / name, own
    return JSDIR / name, JSDIR


PY_CHECKER = SRCDIR / "tests" / "integration" / "check_ical.py"
RB_CHECKER = SRCDIR / "tests" / "integration" / "check_ical.rb"


def read_both(testcase, folder):
    """The parsers' readings of every .ics under folder, which must
    succeed and agree on every event; returns the ical.js one."""
    node = shutil.which("node")
    testcase.assertIsNotNone(node, "node is not on PATH")
    js = subprocess.run([node, str(JSDIR / "check_ical.mjs"), str(folder)], cwd=JSDIR,
                        capture_output=True, text=True, timeout=120)
    py = subprocess.run(["/usr/bin/python3", str(PY_CHECKER), str(folder)],
                        capture_output=True, text=True, timeout=120)
    rb = subprocess.run(["ruby", str(RB_CHECKER), str(folder)],
                        capture_output=True, text=True, timeout=120)
    testcase.assertEqual(js.returncode, 0, "ical.js rejected a feed:\n" + js.stderr[-3000:])
    testcase.assertEqual(rb.returncode, 0, "ruby icalendar rejected a feed:\n" + rb.stderr[-3000:])
    testcase.assertEqual(py.returncode, 0, "python3-icalendar rejected a feed:\n" + py.stderr[-3000:])
    js_out, py_out = json.loads(js.stdout), json.loads(py.stdout)
    testcase.assertEqual(sorted(js_out), sorted(py_out))
    for name in js_out:
        js_events = [(e["uid"], e["dtstart_utc"], e["dtend_utc"], e["status"], e["alarms"])
                     for e in js_out[name]["events"]]
        py_events = [(e["uid"], e["dtstart_utc"], e["dtend_utc"], e["status"], e["alarms"])
                     for e in py_out[name]["events"]]
        testcase.assertEqual(js_events, py_events, f"the parsers disagree on {name}")
        rb_events = sorted((e["uid"], e["dtstart_utc"], e["dtend_utc"])
                           for e in json.loads(rb.stdout)[name]["events"])
        testcase.assertEqual(sorted(e[:3] for e in js_events), rb_events,
                             f"ical.js and ruby icalendar disagree on {name}")
    return js_out
