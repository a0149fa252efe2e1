#!/usr/bin/env python3
"""Integration tests of my (being written)."""
import unittest


class Placeholder(unittest.TestCase):
    def test_daemon_binary_exists(self):
        import os
        self.assertTrue(os.access(os.environ["AGENDAD"], os.X_OK))


if __name__ == "__main__":
    unittest.main()
