#!/usr/bin/python3
"""The checks of test_import.py and test_schedule.py on external reference
material that is not ours to ship: real schedule.json and schedule.xml
files (pretalx, frab, pentabarf, C3VOC), and the official C3VOC JSON
schema and XSD.  They come from AGENDAD_TEST_DATA (tests/data/README.md);
without it the test is skipped (exit 77), never failed.

    AGENDAD_TEST_DATA=DIR /usr/bin/python3 tests/integration/test_real_data.py [-v]
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agendadtest  # noqa: E402

if __name__ == "__main__":
    agendadtest.need_test_data("test_real_data.py (real schedules, the official C3VOC schema and XSD)")

import test_import  # noqa: E402
import test_schedule  # noqa: E402

REAL = agendadtest.test_data("real") if agendadtest.TEST_DATA else None
FILES = test_import.schedules(REAL) if REAL else []
SCHEMA = REAL / "c3voc-schedule.schema.json" if REAL else None
XSD = REAL / "c3voc-schedule.xml.xsd" if REAL else None


class RealCheckMode(test_import.CheckMode):
    FILES = FILES

    def test_json_and_xml_of_39c3_agree(self):
        test_import.same_model(self, REAL / "39c3-everything.schedule.json",
                               REAL / "39c3-everything.schedule.xml")


class RealExport(test_import.Export):
    FILES, SCHEMA, XSD = FILES, SCHEMA, XSD


class OfficialSchema(test_schedule.ScheduleDocuments):
    """Our documents against the official C3VOC schema and XSD."""
    SCHEMA, XSD = str(SCHEMA), str(XSD)


def load_tests(loader, tests, pattern):
    """Only the classes above: not the fixture runs imported with them."""
    suite = unittest.TestSuite()
    for case in (RealCheckMode, RealExport, OfficialSchema):
        suite.addTests(loader.loadTestsFromTestCase(case))
    return suite


if __name__ == "__main__":
    unittest.main()
