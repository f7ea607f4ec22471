# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The warning check of ``conftest.py`` works: a ``[WARNING]`` or ``[DEPRECATION WARNING]`` line that an
Ansible run prints reaches the collector, and a test that does not expect it fails, quoting it.

The first test makes a real ``ansible-playbook`` run through the harness; the second runs pytest on small
tests under a copy of this directory's ``conftest.py`` and checks the outcome of each.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

import harness
from harness import base_env, find_warnings, run_playbook

try:  # imported here, so that conftest's watcher wraps ansible_runner.run before the test runs
    import ansible_runner
except ImportError:  # pragma: no cover - ansible-runner is in tests/requirements.txt
    ansible_runner = None

HERE = os.path.dirname(os.path.abspath(__file__))

pytestmark = pytest.mark.integration


# The play variable named `environment` provokes Ansible's reserved-name warning, and the templated
# conditional its deprecation (with the "can be disabled" hint, which is not reported on its own).
@pytest.mark.allow_warnings(r"^\[WARNING\]: Found variable using reserved name 'environment'",
                            r"^\[DEPRECATION WARNING\]: Conditionals should not be surrounded by templating delimiters")
def test_a_warning_of_a_harness_run_is_collected(tmp_path):
    tasks = [{"name": "templated conditional", "ansible.builtin.debug": {"msg": "hi"}, "when": "{{ true }}"}]
    run = run_playbook(tmp_path, tasks, play_vars={"environment": 1}, verbosity=0)
    assert run.rc == 0, run.text()[-3000:]
    assert len(run.warnings) == 2, run.warnings
    assert run.warnings[0].startswith("[WARNING]: Found variable using reserved name 'environment'.\n"), run.warnings
    assert run.warnings[1].startswith("[DEPRECATION WARNING]: Conditionals should not be surrounded by templating"), \
        run.warnings
    assert run.warnings[0].splitlines()[1].startswith("Origin: " + str(tmp_path / "playbook.yml"))
    pending = harness.WARNINGS.pending()
    assert [warning for warning, _command in pending] == run.warnings
    assert all(command.startswith("ansible-playbook -i localhost, ") for _warning, command in pending)


# The same reserved-name warning, from a playbook run by ansible-runner (as AWX runs one).
@pytest.mark.allow_warnings(r"^\[WARNING\]: Found variable using reserved name 'environment'")
def test_a_warning_of_an_ansible_runner_run_is_collected(tmp_path):
    if ansible_runner is None:
        pytest.skip("ansible-runner is not installed")
    project = tmp_path / "pdd" / "project"
    project.mkdir(parents=True)
    (project / "site.yml").write_text("- hosts: localhost\n  gather_facts: false\n  vars: {environment: 1}\n"
                                      "  tasks: [{ansible.builtin.debug: {msg: hi}}]\n")
    # The venv's ansible-playbook first in PATH, the harness's ANSIBLE_* settings (no result_dump file needed).
    env = dict((k, v) for k, v in base_env(tmp_path).items() if k.startswith("ANSIBLE_") or k == "PATH")
    runner = ansible_runner.run(private_data_dir=str(tmp_path / "pdd"), playbook="site.yml", quiet=True,
                                inventory="localhost ansible_connection=local", envvars=env)
    assert runner.rc == 0, runner.stdout.read()
    assert [warning.splitlines()[0] for warning, _command in harness.WARNINGS.pending()] == [
        "[WARNING]: Found variable using reserved name 'environment'."]


def test_find_warnings_reads_colours_carriage_returns_and_origins_but_not_indented_text():
    text = ("ok: [localhost] => {\n    \"msg\": \"[WARNING]: quoted, not printed\"\n}\n"
            "\x1b[0;35m[WARNING]: runner style\x1b[0m\r\n"
            "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.\n"
            "[DEPRECATION WARNING]: old thing. This feature will be removed\nOrigin: /p.yml:1:2\n\n1 - x\n")
    assert find_warnings(text) == ["[WARNING]: runner style",
                                   "[DEPRECATION WARNING]: old thing. This feature will be removed\nOrigin: /p.yml:1:2"]
    assert find_warnings("[WARNING]: Deprecation warnings can be disabled by setting x") != []


INNER_TESTS = r'''
import subprocess
import sys

import pytest

import harness


class Done:
    def __init__(self, stdout="", stderr=""):
        self.args, self.returncode = ["ansible-playbook", "-a", "password=x"], 0
        self.stdout, self.stderr = stdout, stderr


def test_unexpected_warning_of_a_run():
    harness.Run(Done(stderr="[WARNING]: the unexpected one\nOrigin: /x.yml:3:5\n"), [])


@pytest.mark.allow_warnings(r"the expected one")
def test_expected_warning_of_a_run():
    harness.Run(Done(stderr="[WARNING]: the expected one\n"), [])


@pytest.mark.allow_warnings(r"the expected one")
def test_one_expected_one_not():
    harness.Run(Done(stderr="[WARNING]: the expected one\n[DEPRECATION WARNING]: the other one\n"), [])


@pytest.mark.allow_warnings(r"never printed")
def test_stale_pattern():
    pass


@pytest.mark.allow_warnings(r"never printed", strict=False)
def test_stale_pattern_not_strict():
    pass


def test_warning_of_a_subprocess_outside_the_harness():
    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('[DEPRECATION WARNING]: from a script\\n')"],
                   capture_output=True, text=True, check=True)


def test_warning_of_a_popen_output_file(tmp_path):
    program = tmp_path / "ansible-fake"
    program.write_text("#!/bin/sh\necho '[WARNING]: from a background run'\n")
    program.chmod(0o755)
    with open(tmp_path / "bg.out", "w+") as out:
        subprocess.Popen([str(program)], stdout=out).wait()


def test_no_warning():
    harness.Run(Done(stdout="ok: [localhost]\n", stderr=""), [])
'''


def test_the_conftest_fails_a_test_on_an_unexpected_warning_and_quotes_it(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    shutil.copy(os.path.join(HERE, "conftest.py"), str(inner / "conftest.py"))
    (inner / "test_inner.py").write_text(INNER_TESTS)
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "-rA",
               "--strict-markers", "--rootdir", str(inner), "--basetemp", str(tmp_path / "base"), str(inner)]
    done = subprocess.run(command, cwd=str(inner), env=env, capture_output=True, text=True, timeout=300, check=False)
    out = done.stdout + done.stderr
    outcomes = dict((name, outcome)
                    for outcome, name in re.findall(r"^(PASSED|FAILED|ERROR) test_inner\.py::(\w+)", out, re.M))
    assert outcomes == {
        "test_unexpected_warning_of_a_run": "FAILED",
        "test_expected_warning_of_a_run": "PASSED",
        "test_one_expected_one_not": "FAILED",
        "test_stale_pattern": "FAILED",
        "test_stale_pattern_not_strict": "PASSED",
        "test_warning_of_a_subprocess_outside_the_harness": "FAILED",
        "test_warning_of_a_popen_output_file": "FAILED",
        "test_no_warning": "PASSED",
    }, out
    # The failure quotes the warning line, its Origin line and the command, without the -a value.
    assert "    [WARNING]: the unexpected one\n      Origin: /x.yml:3:5\n" in out, out
    assert "printed by: ansible-playbook -a <-a value hidden>" in out, out
    assert "password=x" not in out
    assert "[DEPRECATION WARNING]: the other one" in out
    assert "[DEPRECATION WARNING]: from a script" in out
    assert "[WARNING]: from a background run" in out
    assert "pattern(s) matched no Ansible warning of this test: r'never printed'" in out
