# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Static checks of the role's task files (promise 21): every task whose arguments use a variable that
holds a password has ``no_log: "{{ rotation_no_log }}"``, and every loop labels its items with
``loop_control.label`` (loops run over ids and indices, never over dicts holding secrets). The runs in the
other test files grep the real output for canaries; this catches a task that a test does not reach."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re

import pytest
import yaml

from harness import REPO

pytestmark = pytest.mark.integration

TASKS = os.path.join(REPO, "roles", "rotation", "tasks")
# Variables that hold a password (or a structure holding passwords).
SECRET_VARS = re.compile(
    r"(?<![\w.])(_rotation_pending|_rotation_current|_rotation_previous|_rotation_restore|_rotation_candidates"
    r"|_rotation_secrets|_rotation_secret_doc|_rotation_secret_raw|_rotation_secret_text|_rotation_verify_password"
    r"|_rotation_verify_other|_rotation_owner_password|_rotation_owner_old|rotation_new_password"
    r"|rotation_current_password|rotation_previous_password|rotation_vault_secret)(?![\w])")
TEMPLATE = re.compile(r"{{.*?}}|{%.*?%}", re.S)
KEYWORDS = ("name", "block", "rescue", "always", "when", "no_log", "register", "changed_when", "failed_when", "until",
            "delegate_to", "loop_control", "ignore_errors", "check_mode", "retries", "delay")


def _tasks(tasks, path):
    for task in tasks or []:
        yield path, task
        for section in ("block", "rescue", "always"):
            yield from _tasks(task.get(section), path)


def _all_tasks():
    for path in sorted(glob.glob(os.path.join(TASKS, "*.yml"))):
        with open(path) as handle:
            yield from _tasks(yaml.safe_load(handle), os.path.basename(path))


def _uses_secret(task):
    """True when a template in the task's arguments or vars (not its keywords) names a secret variable."""
    body = dict((k, v) for k, v in task.items() if k not in KEYWORDS)
    text = json.dumps(body)
    return any(SECRET_VARS.search(expr) for expr in TEMPLATE.findall(text))


def test_every_task_using_a_secret_has_no_log():
    """A task whose module arguments (or task vars) template a password variable hides its output."""
    missing = ["%s: %s" % (path, task.get("name")) for path, task in _all_tasks()
               if "block" not in task and _uses_secret(task) and task.get("no_log") != "{{ rotation_no_log }}"]
    assert missing == [], "tasks without no_log: %s" % missing


def test_the_check_sees_secret_uses():
    """The check above is not vacuous: the role has such tasks, and a failure message naming only a
    non-secret variable does not count."""
    users = [task.get("name") for _path, task in _all_tasks() if "block" not in task and _uses_secret(task)]
    assert "Rotate {{ rotation_credential.name }}" in users
    assert not _uses_secret({"ansible.builtin.fail": {"msg": "set rotation_current_password ({{ _rotation_name }})"}})


def test_loops_label_their_items():
    loops = [(path, task) for path, task in _all_tasks() if "loop" in task or any(k.startswith("with_") for k in task)]
    # (the role has no loop now that the engine is an action; any loop added later must label its items)
    unlabelled = ["%s: %s" % (path, task.get("name")) for path, task in loops
                  if "label" not in (task.get("loop_control") or {})]
    assert unlabelled == []
    for path, task in loops:
        assert not SECRET_VARS.search(json.dumps(task["loop"])), "%s loops over secrets" % task.get("name")
