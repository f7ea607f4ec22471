# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fleet operations in the role (issue 12): rotate only what is due, within a window; suspend what keeps failing.

``playbooks/rotate.yml`` against the emulator: a credential rotated moments ago is skipped with
``rotation_max_age`` (zero cloud writes) unless ``rotation_force``; a window that excludes today skips it;
after ``rotation_suspend_after`` consecutive rolled-back rotations the credential is suspended, later runs
skip it with a non-zero outcome and no write, until the operator's ``rotation_state action=resume``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import subprocess

import pytest

from conftest import orders_credential
from harness import BIN, REPO, assert_no_secrets, base_env

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]


def _hosts(rot, **extra):
    host = {"rotation_credential": orders_credential(rot.names), "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return {"orders-db": host}


def test_a_credential_that_is_not_due_is_skipped_with_zero_writes_unless_forced(rotation):
    """Right after a completed rotation, rotation_max_age=90d makes the next run a no-op (no cloud write, the record
    untouched, the host ok, the summary says when it is due); rotation_force=true rotates anyway."""
    rot = rotation()
    first = rot.run(_hosts(rot))
    assert first.rc == 0, first.stdout[-3000:]
    record = rot.record()
    since = rot.last_seq()
    skipped = rot.run(_hosts(rot, rotation_max_age="90d"))
    assert skipped.rc == 0, skipped.stdout[-3000:]
    assert rot.writes(since) == []
    assert "SKIPPED (not_due)" in skipped.stdout and "due" in skipped.stdout
    assert rot.record() == record, "a skipped run writes nothing, not even the record"

    forced = rot.run(_hosts(rot, rotation_max_age="90d", rotation_force=True))
    assert forced.rc == 0, forced.stdout[-3000:]
    assert rot.writes(since), "forced: rotated"
    assert rot.record()["rotation_id"] != record["rotation_id"] and rot.record()["status"] == "completed"
    assert_no_secrets(skipped, rot.emu, rot.names["current"])


def test_outside_the_window_nothing_starts(rotation):
    """A window open only on another day of the week: the run is skipped, says when the window opens next, and
    writes nothing."""
    rot = rotation()
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%a").lower()
    since = rot.last_seq()
    run = rot.run(_hosts(rot, rotation_window={"days": [tomorrow], "hours": "00:00-23:59", "timezone": "UTC"}))
    assert run.rc == 0, run.stdout[-3000:]
    assert "SKIPPED (window)" in run.stdout and "next opens" in run.stdout
    assert rot.writes(since) == []
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets"))


def test_repeated_failures_suspend_the_credential_until_an_operator_resumes_it(rotation, tmp_path):
    """Two rotations rolled back in a row with rotation_suspend_after=2: the second run says the credential is
    suspended; the third run skips it (host failed, "suspended after 2 failures: <last error>", no write) even
    with rotation_force. `ansible localhost -m credrotate.cloud.rotation_state -a '... action=resume'` lifts it,
    and the next run rotates. Every failure left every target on a working password."""
    rot = rotation()
    old = rot.names["current"]
    for attempt in (1, 2):  # the propagate write fails once; the rollback goes through
        rot.fault(kind="error", status=400, code="DRS.M01501", message="Service error", count=1,
                  match={"service": "drs", "write": True, "action": "BatchResetPassword"})
        failed = rot.run(_hosts(rot, rotation_suspend_after=2))
        assert failed.rc != 0 and "Rolled back" in failed.stdout, failed.stdout[-3000:]
        assert rot.login(old)
        rot.assert_jobs_healthy()
    assert "suspended after 2 failures" in failed.stdout
    assert rot.record()["suspended"]["failures"] == 2

    since = rot.last_seq()
    held = rot.run(_hosts(rot, rotation_suspend_after=2, rotation_force=True))
    assert held.rc != 0
    assert "SKIPPED (suspended)" in held.stdout and "suspended after 2 failures" in held.stdout
    assert "DRS.M01501" in held.stdout or "Service error" in held.stdout, "the last error is named"
    assert rot.writes(since) == []

    resume = subprocess.run(
        [os.path.join(BIN, "ansible"), "localhost", "-m", "credrotate.cloud.rotation_state", "-a",
         "state_dir=%s name=orders action=resume owner=operator" % rot.state_dir],
        env=base_env(tmp_path, {}), cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        check=False)
    assert resume.returncode == 0 and "CHANGED" in resume.stdout, resume.stdout + resume.stderr
    assert rot.record()["suspended"] is None and rot.record()["resumed_by"] == "operator"

    done = rot.run(_hosts(rot, rotation_suspend_after=2))
    assert done.rc == 0, done.stdout[-3000:]
    assert rot.record()["status"] == "completed" and rot.login(rot.secrets()["current"])
    assert_no_secrets(held, rot.emu, old)
