# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a failed rotation prints: one failed task, with a message that says what to do (issue 13).

An owner whose login probe cannot be reached (``rotation_probe: always``, the default) used to print
its message three times: the rotate task's ignored error, then the summary task's failure. Now the
rotate task never fails (its result is no_log-censored anyway) and the summary fails the host once,
with the summary and the message; ``rotation_result.msg`` is set exactly when the rotation failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from conftest import orders_credential
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

MESSAGE = "probe=always but the login probe could not reach 127.0.0.1:1"


def _sections(stdout):
    """``{task name: the output printed under its TASK banner}``."""
    parts = re.split(r"^TASK \[(?:credrotate\.cloud\.rotation : )?(.*?)\] \**$", stdout, flags=re.M)
    return dict((parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2))


def test_an_unreachable_probe_fails_the_host_once_saying_what_to_do(rotation):
    rot = rotation()
    credential = orders_credential(rot.names)
    credential["owner"].update(probe_host="127.0.0.1", probe_port=1)
    since = rot.last_seq()
    run = rot.run({"orders-db": {"rotation_credential": credential,
                                 "rotation_current_password": rot.names["current"]}}, verbosity=0, diff=False)
    assert run.rc != 0
    sections = _sections(run.stdout)
    rotate = sections["Rotate orders"]
    summary = sections["Report | Summary of the rotation"]
    assert MESSAGE not in rotate and "ok: [orders-db]" in rotate and "ignoring" not in run.stdout
    assert MESSAGE in summary and "rotation_probe: never" in summary and "probe_host" in summary
    assert re.search(r"orders-db\s+: ok=2 .* failed=1 .* ignored=0", run.stdout), run.stdout[-600:]
    failed = [r for r in run.results if r["status"] == "failed"]
    assert [r["task"] for r in failed] == ["Report | Summary of the rotation"]
    assert rot.writes(since) == [], "nothing was written"
    assert_no_secrets(run, rot.emu, rot.names["current"])


def test_a_successful_rotation_has_no_msg_and_does_not_fail(rotation):
    """The other side of the contract: a completed rotation's summary task is ok and its result has no msg key
    that the role would take for a failure."""
    rot = rotation()
    run = rot.run({"orders-db": {"rotation_credential": orders_credential(rot.names),
                                 "rotation_current_password": rot.names["current"]}}, verbosity=0, diff=False)
    assert run.rc == 0, run.stdout[-3000:]
    assert not [r for r in run.results if r["status"] == "failed"]
    assert rot.record()["status"] == "completed"
