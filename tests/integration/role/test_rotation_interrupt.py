# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Interrupted rotations converge: stop after each step (the test hook rotation_fail_after_step acts as if
the controller died there: no rollback, no report, the lock left behind), kill the playbook mid-call, or
inject a provider fault; then re-run. Every end state has each target working with a known password
and no job left failed.

Promises: 2 (interrupted after any step -> converges without a second new password), 3 (after the DB
took the password but before it was recorded), 4 (pending already works -> no change call on the
owner), 5 (no re-send to targets already done), 11 (DRS partial failure: no promote, a re-run touches
only the failed job), 14 (rollback), 6 (policy rejection -> a fresh password).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal

import pytest

from conftest import DRS1, DRS2, orders_credential, wait_for
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

# The writes a re-run still has to make after the controller died right after each step.
REMAINING_WRITES = {
    "validate": ["gaussdb", "drs", "dts"],
    "preflight": ["gaussdb", "drs", "dts"],
    "pending": ["gaussdb", "drs", "dts"],
    "set": ["drs", "dts"],
    "propagate": [],
    "verify": [],
    "promote_secret": [],
    "promote": [],
}
# After promote the rotation is complete (only the report was missing): a re-run without an id would start
# the next rotation, so that case re-runs with the rotation's id, which must change nothing.
RERUN_WITH_ID = ("promote",)


def _descendants(pid):
    """Every process below ``pid`` (read from /proc before anything is killed)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _hosts(rot, **extra):
    host = {"rotation_credential": orders_credential(rot.names), "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return {"orders-db": host}


def _pending(rot):
    stored = rot.secrets()
    return stored["pending"]["password"] if stored.get("pending") else stored["current"]


@pytest.mark.parametrize("step", sorted(REMAINING_WRITES, key=list(REMAINING_WRITES).index))
def test_interrupted_after_each_step_resumes_with_the_same_password(rotation, step):
    """The controller dies right after ``step``; a re-run without a rotation id takes over the stale lock, resumes
    the same rotation with the same pending password (never a second new one), writes only what is left, and
    ends with the user, both DRS jobs and the DTS job on that password."""
    rot = rotation()
    old = rot.names["current"]
    hosts = _hosts(rot)
    stopped = rot.run(hosts, {"rotation_fail_after_step": step}, verbosity=0)
    assert stopped.rc != 0 and "Interrupted after the %s step" % step.split("_")[0] in stopped.stdout, \
        stopped.stdout[-3000:]
    assert rot.lock_exists(), "a dead controller leaves its lock"
    rotation_id = rot.record()["rotation_id"]
    pending = _pending(rot) if os.path.exists(os.path.join(rot.state_dir, "orders.secrets")) else None
    if step in ("validate", "preflight"):
        assert pending is None, "the password is stored in the pending step, not before"

    since = rot.last_seq()
    resumed = rot.run(hosts, {"rotation_id": rotation_id} if step in RERUN_WITH_ID else None)
    assert resumed.rc == 0, resumed.stdout[-6000:] + resumed.stderr[-2000:]
    assert [w["service"] for w in rot.writes(since)] == REMAINING_WRITES[step]
    stored = rot.secrets()
    record = rot.record()
    assert record["status"] == "completed" and record["rotation_id"] == rotation_id
    assert record["lock"] is None and not rot.lock_exists()
    if step not in ("promote_secret", "promote"):  # (those re-runs have nothing left but the report)
        assert record["details"]["resumed_from_stale_lock"] is True
    assert any(e["event"] == "resumed_from_stale_lock" for e in record["events"])
    if pending is not None:
        assert stored["current"] == pending, "the re-run used another password than the stored pending one"
    assert stored["pending"] is None and stored["previous"] == old
    assert rot.login(stored["current"]) and not rot.login(old)
    rot.assert_jobs_healthy()
    assert_no_secrets(resumed, rot.emu, old, stored["current"])


def test_killed_during_propagate_resumes_with_the_same_password(rotation):
    """``kill -9`` of ansible-playbook and its workers while the DTS call is in flight (a latency fault holds it):
    the re-run finds a stale lock, the same pending password, the DB and DRS already done (no call) and DTS already
    changed by the call that the dead run had sent: its one DTS call is answered "same password" and reported
    unchanged (or, had the dead run recorded the endpoint in the ledger first, no call at all)."""
    rot = rotation()
    old = rot.names["current"]
    hosts = _hosts(rot)
    rot.fault(kind="latency", delay=4, match={"service": "dts", "write": True})
    proc, out, err = rot.popen(hosts, tag="killed")
    try:
        # a fault of count 1 leaves the list when a request takes it
        held = wait_for(lambda: rot.admin("GET", "faults")["faults"] == [], timeout=120)
        assert held, "the DTS call never came"
        assert any(w["service"] == "drs" for w in rot.writes()), "DRS goes before DTS"
        # while the DTS call is held by the latency fault: the controller and its workers die at once, as when the
        # machine or the AWX container dies (a worker runs in its own session and would otherwise finish the task)
        for pid in [proc.pid] + _descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        proc.wait(timeout=30)
    assert rot.lock_exists()
    pending = rot.secrets()["pending"]["password"]
    assert wait_for(lambda: any(w["service"] == "dts" for w in rot.writes()), timeout=30), \
        "the held DTS call finishes on the server, as a real one would"
    since = rot.last_seq()
    resumed = rot.run(hosts, verbosity=1)
    assert resumed.rc == 0, resumed.stdout[-6000:]
    writes = rot.writes(since)
    assert [w["service"] for w in writes] in ([], ["dts"]), writes
    assert all(w["error_code"] == "DTS.Msg.InvalidParameter.PasswordSame" for w in writes), writes
    stored = rot.secrets()
    assert stored["current"] == pending and rot.login(pending) and not rot.login(old)
    rot.assert_jobs_healthy()
    assert any(e["event"] == "resumed_from_stale_lock" for e in rot.record()["events"])


def test_fault_on_the_drs_write_rolls_back_then_the_same_id_converges(rotation):
    """A non-retryable provider error on the DRS call (step 5) rolls everything back to the current password and
    verifies it (status rolled_back, the host fails with a clear message); re-running the same rotation id
    retries with the same pending password and completes."""
    rot = rotation()
    old = rot.names["current"]
    hosts = _hosts(rot)
    rot.fault(kind="error", status=400, code="DRS.M01501", message="Service error",
              match={"service": "drs", "write": True})
    failed = rot.run(hosts, {"rotation_id": "rb-1"})
    assert failed.rc != 0
    assert "failed at the propagate step" in failed.stdout and "Rolled back" in failed.stdout
    assert "use the current password again (verified)" in failed.stdout
    record = rot.record()
    assert record["status"] == "rolled_back" and record["error"]["step"] == "propagate"
    assert record["targets"]["owner"]["actions"]["rollback"]["outcome"] == "updated"
    assert record["targets"]["owner"]["actions"]["rollback_verify"]["outcome"] == "verified"
    pending = rot.secrets()["pending"]["password"]
    assert rot.login(old) and not rot.login(pending)
    rot.assert_jobs_healthy()
    assert not rot.lock_exists()
    assert_no_secrets(failed, rot.emu, old, pending)

    retried = rot.run(hosts, {"rotation_id": "rb-1"}, verbosity=0)
    assert retried.rc == 0, retried.stdout[-5000:]
    stored = rot.secrets()
    assert stored["current"] == pending and rot.login(pending) and not rot.login(old)
    assert rot.record()["status"] == "completed"
    rot.assert_jobs_healthy()


def test_drs_partial_failure_without_rollback_then_rerun_touches_only_the_failed_job(rotation):
    """With rotation_rollback=false a per-job DRS failure (one job's endpoint refuses, the other takes it) stops
    the rotation before promote (status failed) and reports each job; the re-run sends DRS only the failed job
    (the ledger has the other) and completes with the same password."""
    rot = rotation()
    old = rot.names["current"]
    hosts = _hosts(rot, rotation_rollback=False)
    rot.admin("POST", "drs/jobs/%s/fail-next-change" % DRS2,
              {"end_point_type": "so", "error_code": "DRS.M01501", "error_msg": "Service error"})
    failed = rot.run(hosts, verbosity=0)
    assert failed.rc != 0 and "Not rolled back (rotation_rollback=false)" in failed.stdout
    record = rot.record()
    assert record["status"] == "failed"
    assert record["targets"]["drs:%s:source" % DRS1]["actions"]["propagate"]["outcome"] == "updated"
    assert record["targets"]["drs:%s:source" % DRS2]["actions"]["propagate"]["outcome"] == "failed"
    assert record["targets"]["drs:%s:source" % DRS2]["actions"]["propagate"]["error_code"] == "DRS.M01501"
    pending = rot.secrets()["pending"]["password"]
    assert rot.secrets()["current"] == old, "not promoted"

    since = rot.last_seq()
    resumed = rot.run(hosts, verbosity=0)
    assert resumed.rc == 0, resumed.stdout[-5000:]
    assert [w["service"] for w in rot.writes(since)] == ["drs"]
    record = rot.record()
    assert record["targets"]["drs:%s:source" % DRS2]["actions"]["propagate"]["outcome"] == "updated"
    assert record["targets"]["drs:%s:source" % DRS1]["actions"]["propagate"].get("confirmed_run") == 2
    assert rot.secrets()["current"] == pending and rot.login(pending)
    rot.assert_jobs_healthy()


def test_generated_password_rejected_twice_is_replaced(rotation):
    """GaussDB rejects the generated password as weak twice (DBS.280203): the role stores a fresh compliant one as
    pending, sets it, and completes; it never sends the rejected value a third time."""
    rot = rotation()
    hosts = _hosts(rot)
    rot.fault(kind="error", status=400, code="DBS.280203", message="The password is weak.", count=2,
              match={"service": "gaussdb", "write": True})
    run = rot.run(hosts, verbosity=0)
    assert run.rc == 0, run.stdout[-5000:]
    gaussdb_writes = [w for w in rot.writes() if w["service"] == "gaussdb"]
    assert [w["status"] for w in gaussdb_writes] == [400, 400, 202]
    details = rot.record()["details"]
    assert details["password_source"] == "regenerated" and details["policy_rejections"] == ["DBS.280203"] * 2
    assert rot.login(rot.secrets()["current"])
    rot.assert_jobs_healthy()
