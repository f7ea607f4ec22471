# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the developer entry points and the role README promise matches the code.

* ``make help`` names every target that ``make test`` runs (read from the Makefile's ``test:`` rule);
* the role README's "State on the controller" lists every file the code creates in
  ``rotation_state_dir``: the names are read from the sources that build them (``_engine.py``,
  ``_state.py``, ``_ledger.py``), so a new file without documentation fails here.
  ``test_run_from_anywhere.py`` checks the same list against a real run's directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess

import pytest

from harness import REPO

pytestmark = pytest.mark.integration


def read(path):
    with open(os.path.join(REPO, path)) as handle:
        return handle.read()


def make_test_prerequisites():
    match = re.search(r"^test:([^\n#]*)$", read("Makefile"), re.M)
    assert match, "the Makefile has no test: rule"
    return match.group(1).split()


def test_make_help_says_what_make_test_runs():
    prerequisites = make_test_prerequisites()
    assert {"lint", "sanity", "unit", "integration", "molecule"} <= set(prerequisites)
    done = subprocess.run(["make", "-s", "--no-print-directory", "-C", REPO, "help"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("make test ")]
    assert len(lines) == 1, done.stdout
    missing = [p for p in prerequisites if not re.search(r"\b%s\b" % re.escape(p), lines[0])]
    assert not missing, "`make help` says %r but `make test` also runs %s" % (lines[0], ", ".join(missing))


def state_file_suffixes():
    """Every ``<name>.<suffix>`` the code creates under the state directory, from its sources."""
    engine = read("plugins/plugin_utils/_engine.py")
    state = read("plugins/module_utils/_state.py")
    ledger = read("plugins/module_utils/_ledger.py")
    suffixes = set(re.findall(r'self\.name \+ "(\.[a-z]+)"', engine))
    suffixes.update(re.findall(r'\bname \+ "(\.[a-z]+)"', state))
    suffixes.update(re.findall(r'\bname \+ "(\.[a-z]+)"', read("plugins/plugin_utils/_stores.py")))
    ledger_suffixes = [s for s in suffixes if s == ".ledger"]
    assert ledger_suffixes, "the engine no longer names <name>.ledger: update this test"
    suffixes.update(".ledger" + s for s in re.findall(r'self\.path \+ "(\.[a-z]+)"', ledger))
    return suffixes


def state_section():
    text = read("roles/rotation/README.md")
    start = text.index("## State on the controller")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_role_readme_lists_every_state_file():
    suffixes = state_file_suffixes()
    # What the sources say today; a smaller set means this test no longer reads them right.
    assert {".secrets", ".json", ".lock", ".guard", ".ledger", ".ledger.key", ".ledger.lock"} <= suffixes
    section = state_section()
    missing = sorted(s for s in suffixes if "`<name>%s`" % s not in section)
    assert not missing, "roles/rotation/README.md does not list: %s" % ", ".join("<name>" + s for s in missing)
    # The atomic writes' temporary files (mkstemp with a ".<file>." prefix) are listed too.
    assert 'prefix=".%s."' in read("plugins/module_utils/_files.py")
    assert "`.<file>.<random>`" in section
