# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rotation engine against a simulated world (``world.py``): each test names the behaviour it proves.

Every run is a fresh :class:`Engine`, as a new task would make, on the same world and state
directory; the clock is fake, so verify timeouts take no time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import subprocess
import sys

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._process import process_start_time
from ansible_collections.credrotate.cloud.plugins.plugin_utils._engine import INTERRUPT_STEPS
from ansible_collections.credrotate.cloud.tests.unit.plugins.plugin_utils.world import (
    DRS_JOB,
    DRS_JOB_2,
    DTS_JOB,
    DTS_JOB_2,
    NAME,
    NEW,
    OLD,
    OTHER,
    PREVIOUS,
)

STEPS = ["validate", "preflight", "pending", "set", "propagate", "verify", "promote"]
RECORD_STEPS = STEPS + ["report"]
POLICY_MSG = "The new password does not meet the password policy of the instance."


def step_names(result):
    return [s["step"] for s in result["steps"]]


def targets_of(sim):
    """The owner and every dependant endpoint: what a rollback must put back."""
    return dict(sim.world.all_stored(), owner=sim.world.password)


def everything_uses(sim, password):
    return set(targets_of(sim).values()) == {password}


def all_healthy(sim):
    return all(sim.world.healthy(job) for job in list(sim.world.drs.values()) + list(sim.world.dts.values()))


def assert_no_leak(sim, result):
    assert sim.leaked(result) == []


def interrupt(sim, step, **settings):
    """A run stopped by the test hook after ``step``."""
    result = sim.run(fail_after_step=step, **settings)
    assert result["failed"] and result["msg"].startswith("Interrupted after the %s step" % step.split("_")[0])
    return result


# -- a full rotation ----------------------------------------------------------------------------


def test_full_rotation_promotes_the_new_password_and_writes_each_target_once(sim):
    """A first rotation: current=new, previous=old, no pending; record completed; the eight steps logged; one write per target."""
    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["mode"] == "new" and result["rotation_id"] == "r1"
    new = sim.world.password
    assert new != OLD
    secrets = sim.secrets()
    assert (secrets["current"], secrets["previous"], secrets["pending"]) == (new, OLD, None)
    assert secrets["completed_rotation_id"] == "r1"
    record = sim.record()
    assert record["status"] == "completed" and record["rotation_id"] == "r1" and record["error"] is None
    assert [s["step"] for s in record["steps"]] == RECORD_STEPS
    assert record["lock"] is None and not sim.locked()
    assert step_names(result) == STEPS
    assert [s["outcome"] for s in result["steps"]] == ["new", "ok", "stored", "updated", "ok", "ok", "completed"]
    assert len(sim.lines) == len(STEPS) and all(line.startswith(NAME + ": ") for line in sim.lines)
    # exactly the writes expected: the owner first, then each dependant endpoint, once each
    assert sim.world.applied == [
        ("owner", new),
        ("drs:%s:source" % DRS_JOB, new),
        ("dts:%s:source:forward" % DTS_JOB, new),
        ("dts:%s:destination:reverse" % DTS_JOB, new),
    ]
    assert [c["name"] for c in sim.world.writes()] == ["gaussdb_mysql_user_password", "drs_job_password",
                                                       "dts_job_password"]
    assert everything_uses(sim, new) and all_healthy(sim)
    owner = record["targets"]["owner"]["actions"]
    assert owner["set"]["outcome"] == "updated" and owner["verify"]["outcome"] == "verified"
    for key in ("drs:%s:source" % DRS_JOB, "dts:%s:source:forward" % DTS_JOB, "dts:%s:destination:reverse" % DTS_JOB):
        actions = record["targets"][key]["actions"]
        assert actions["propagate"]["outcome"] == "updated" and actions["verify"]["outcome"] == "healthy"
    assert result["summary"][0].startswith("rotation r1 of orders: COMPLETED")
    assert sim.world.closed == 1
    assert_no_leak(sim, result)


def test_the_same_rotation_id_again_changes_nothing_and_writes_nothing(sim):
    """Re-running a completed rotation id is "done": no service call, secret file and record untouched, changed=false."""
    sim.run(rotation_id="r1")
    secret_bytes, record, calls = sim.file_bytes(".secrets"), sim.record(), len(sim.world.calls)

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "done" and result["changed"] is False
    assert result["decision"] == "rotation r1 has completed"
    assert len(sim.world.calls) == calls
    assert sim.file_bytes(".secrets") == secret_bytes
    assert sim.record() == record
    assert not sim.locked()
    assert "nothing to do" in result["summary"][0]
    assert_no_leak(sim, result)


def test_a_rotation_without_id_after_a_completed_one_is_a_new_rotation(sim):
    """No rotation_id means a new rotation each time (the id is the idempotency key): the old new password becomes previous."""
    sim.run(rotation_id="r1")
    first = sim.world.password

    result = sim.run()

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "new" and result["rotation_id"] != "r1"
    secrets = sim.secrets()
    assert secrets["previous"] == first and secrets["current"] == sim.world.password and sim.world.password != first
    assert sim.record()["history"][-1]["rotation_id"] == "r1"


@pytest.mark.parametrize("owner_type, service, label", [
    ("gaussdb_mysql_user", "gaussdb_mysql_user_password", "GaussDB user crdemo_orders@% on "),
    ("gaussdb_mysql_root", "gaussdb_mysql_instance_password", "GaussDB root account of "),
    ("dcs_instance", "dcs_instance_password", "DCS instance "),
])
def test_each_owner_type_rotates_through_its_own_service(make_sim, owner_type, service, label):
    """owner_for dispatch seen through the engine: the owner's service only, its label in the log and record."""
    sim = make_sim(owner_type)

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    owner_calls = set(c["name"] for c in sim.world.calls if c["name"].startswith(("gaussdb", "dcs")))
    info = "dcs_instance_info" if owner_type == "dcs_instance" else "gaussdb_mysql_instance_info"
    assert owner_calls == {service, info}  # (the read gives discovery the owner's addresses)
    assert result["steps"][3]["detail"] == label + sim.world.instance_id
    assert sim.record()["targets"]["owner"]["target"] == label + sim.world.instance_id
    assert sim.record()["details"]["owner"] == label + sim.world.instance_id
    assert everything_uses(sim, sim.secrets()["current"]) and sim.secrets()["previous"] == OLD


def test_dcs_sends_the_old_password_it_found_by_probing(make_sim):
    """DCS: the stale current password is probed (no API call spent), the previous one works and is sent as old_password."""
    sim = make_sim("dcs_instance", password=PREVIOUS)

    result = sim.run(rotation_id="r1", previous_password=PREVIOUS)

    assert not result.get("failed"), result.get("msg")
    preflight = [c for c in sim.world.calls if c["name"] == "dcs_instance_password" and c["check"]][:2]
    assert [c["args"]["old_password"] for c in preflight] == [OLD, PREVIOUS]
    sets = sim.world.writes("dcs_instance_password")
    assert len(sets) == 1 and sets[0]["args"]["old_password"] == PREVIOUS
    assert sets[0]["args"]["new_password"] == sim.world.password
    assert "uses the previous password" in result["steps"][1]["detail"]
    assert sim.secrets()["previous"] == PREVIOUS  # what it used is what a rollback restores


def test_dcs_rollback_sends_the_pending_password_as_old(make_sim):
    """DCS rollback: the owner is set back with old_password = the pending password it now uses."""
    sim = make_sim("dcs_instance")
    sim.world.job("drs", DRS_JOB)["refuses"].add(NEW)

    result = sim.run(rotation_id="r1", new_password=NEW)

    assert result["failed"] and "Rolled back" in result["msg"]
    sets = sim.world.writes("dcs_instance_password")
    assert [(c["args"]["old_password"], c["args"]["new_password"]) for c in sets] == [(OLD, NEW), (NEW, OLD)]
    assert everything_uses(sim, OLD)


def test_a_gaussdb_owner_on_its_previous_password_is_restored_to_it(sim):
    """GaussDB: when only the previous password logs in, preflight says so and a rollback restores that one."""
    sim.world.password = PREVIOUS
    for endpoint in sim.world.all_stored():
        kind, job_id, side = endpoint.split(":")[:3]
        direction = endpoint.split(":")[3] if kind == "dts" else "forward"
        sim.world.job(kind, job_id, direction)["endpoints"][side]["password"] = PREVIOUS
    sim.world.fail("dts_job_password")

    result = sim.run(rotation_id="r1", previous_password=PREVIOUS)

    assert result["failed"] and "use the previous password again (verified)" in result["msg"]
    assert everything_uses(sim, PREVIOUS)
    assert sim.record()["status"] == "rolled_back"


# -- check mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("existing_dir", [False, True], ids=["no-state-dir", "empty-state-dir"])
def test_check_mode_writes_nothing_and_plans_one_row_per_target(sim, existing_dir):
    """Check mode: no secret file, no record, no lock, no change anywhere; a plan with one row per target."""
    if existing_dir:
        os.makedirs(sim.state_dir)

    result = sim.run(check_mode=True, rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert sim.files() == ([] if existing_dir else None)
    assert sim.world.applied == [] and everything_uses(sim, OLD)
    assert all(c["check"] for c in sim.world.calls if c["name"].endswith("_password"))
    assert "record" not in result and "summary" not in result
    plan = result["plan"]
    assert plan[0].startswith("rotation r1 of orders: PLAN (check mode")
    labels = ["GaussDB user crdemo_orders@% on " + sim.world.instance_id, "DRS job %s source" % DRS_JOB,
              "DTS job %s source" % DTS_JOB, "DTS job %s destination (reverse)" % DTS_JOB]
    rows = plan[3:-1]
    assert len(rows) == len(labels)
    for label in labels:
        assert len([r for r in rows if r.startswith(label + " ")]) == 1, label
    assert all("would update" in row for row in rows)
    assert plan[-1] == "(then: verify the owner and 3 dependant job endpoint(s), promote, report)"
    assert_no_leak(sim, result)


def test_check_mode_after_an_interrupted_run_plans_to_finish_it_without_writing(sim):
    """Check mode on an unfinished rotation: it plans the resume (owner already set) and changes no file."""
    interrupt(sim, "set", rotation_id="r1")
    before = (sim.file_bytes(".secrets"), sim.record(), list(sim.world.applied))

    result = sim.run(check_mode=True)

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "resume" and result["rotation_id"] == "r1"
    assert (sim.file_bytes(".secrets"), sim.record(), sim.world.applied) == before
    owner_row = result["plan"][3]
    assert "no change" in owner_row and "uses the pending password" in owner_row


# -- resume branches ----------------------------------------------------------------------------


@pytest.mark.parametrize("rerun_id", ["r1", None], ids=["same-id", "no-id"])
def test_an_interrupted_rotation_resumes_with_its_stored_pending_password(sim, rerun_id):
    """Resume: after a run stopped after set, a new run finishes rotation r1 with the pending password it stored."""
    interrupt(sim, "set", rotation_id="r1")
    pending = sim.secrets()["pending"]
    assert pending["rotation_id"] == "r1" and sim.world.password == pending["password"]

    result = sim.run(rotation_id=rerun_id)

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "resume" and result["rotation_id"] == "r1"
    assert result["decision"] == "resuming rotation r1 with its pending password"
    assert sim.secrets()["current"] == pending["password"] and sim.secrets()["previous"] == OLD
    owner_writes = [a for a in sim.world.applied if a[0] == "owner"]
    assert owner_writes == [("owner", pending["password"])]  # set once, in the first run
    assert result["steps"][2]["outcome"] == "kept"
    assert sim.record()["status"] == "completed" and sim.record()["runs"] == 2


def test_a_resume_refuses_a_different_supplied_password(sim):
    """Resume with another rotation_new_password than the stored pending one: refused, nothing changed."""
    interrupt(sim, "pending", rotation_id="r1", new_password=NEW)
    before = sim.file_bytes(".secrets")

    result = sim.run(rotation_id="r1", new_password=NEW.replace("22", "99"))

    assert result["failed"] and "Drop rotation_new_password" in result["msg"]
    assert sim.file_bytes(".secrets") == before and sim.world.applied == []
    assert not sim.locked()


def test_another_rotation_id_conflicts_with_an_unfinished_one(sim):
    """Conflict: while r1 is unfinished, r2 is refused naming r1 and nothing changes; r1 can still be finished."""
    interrupt(sim, "set", rotation_id="r1")
    before, applied = sim.file_bytes(".secrets"), list(sim.world.applied)

    result = sim.run(rotation_id="r2")

    assert result["failed"] and result["mode"] == "conflict"
    assert "Rotation r1 of orders is unfinished" in result["msg"] and "rotation_id=r1" in result["msg"]
    assert sim.file_bytes(".secrets") == before and sim.world.applied == applied
    assert not sim.locked()
    assert_no_leak(sim, result)

    finished = sim.run(rotation_id="r1")
    assert not finished.get("failed"), finished.get("msg")
    assert sim.secrets()["completed_rotation_id"] == "r1"


@pytest.mark.parametrize("next_id", ["r2", None], ids=["other-id", "no-id"])
def test_a_rolled_back_rotation_never_blocks_a_new_one(sim, next_id):
    """Rolled back never blocks: r1 rolled back (its pending password still stored), then a new rotation completes."""
    sim.world.job("drs", DRS_JOB)["refuses"].add(NEW)
    rolled = sim.run(rotation_id="r1", new_password=NEW)
    assert "Rolled back" in rolled["msg"] and sim.secrets()["pending"]["rotation_id"] == "r1"

    result = sim.run(rotation_id=next_id)

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "new" and result["rotation_id"] != "r1"
    assert result["decision"] == "rotation r1 was rolled back; starting a new one"
    secrets = sim.secrets()
    assert secrets["completed_rotation_id"] == result["rotation_id"] and secrets["previous"] == OLD
    assert secrets["current"] == sim.world.password and sim.world.password not in (OLD, NEW)
    assert sim.record()["history"][-1] == dict(sim.record()["history"][-1], rotation_id="r1", status="rolled_back")


def test_a_rolled_back_rotation_retried_under_its_own_id_resumes_its_pending_password(sim):
    """Rolled back, same id again: it is retried with the same pending password (and completes once the fault is gone)."""
    sim.world.job("drs", DRS_JOB)["refuses"].add(NEW)
    sim.run(rotation_id="r1", new_password=NEW)
    sim.world.job("drs", DRS_JOB)["refuses"].clear()

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "resume"
    assert sim.secrets()["current"] == NEW and everything_uses(sim, NEW)


def test_a_run_stopped_before_its_password_was_stored_starts_again_under_its_id(sim):
    """No id given, record in progress, nothing pending: the same rotation id starts again (new password)."""
    first = interrupt(sim, "preflight")
    assert sim.secrets() == {}

    result = sim.run()

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "new" and result["rotation_id"] == first["rotation_id"]
    assert result["decision"].endswith("stopped before its password was stored; starting it again")


def test_a_run_stopped_after_the_secret_was_promoted_is_done_and_completes_the_record(sim):
    """No id given, the secret file says r1 completed but the record is in progress: done, and the record is completed."""
    interrupt(sim, "promote_secret", rotation_id="r1")
    assert sim.record()["status"] == "in_progress"
    calls = len(sim.world.calls)

    result = sim.run()

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "done" and result["decision"] == "rotation r1 was promoted before the run stopped"
    assert sim.record()["status"] == "completed" and len(sim.world.calls) == calls


# -- the test hook: fail_after_step -------------------------------------------------------------


@pytest.mark.parametrize("step", INTERRUPT_STEPS)
def test_fail_after_step_interrupts_leaves_the_lock_and_a_new_run_resumes(sim, step):
    """Each hook step stops the run (no rollback, no report, lock kept); the next run finishes with the same password."""
    result = interrupt(sim, step, rotation_id="r1")

    assert sim.locked() and sim.record()["lock"]["rotation_id"] == "r1"
    assert "report" not in [s["step"] for s in sim.record()["steps"]]
    assert sim.record()["status"] == ("completed" if step == "promote" else "in_progress")
    assert sim.world.closed == 1
    assert_no_leak(sim, result)
    stored = sim.secrets()
    if step in ("validate", "preflight"):
        assert stored == {} and sim.world.applied == []
        password = None
    elif step in ("promote_secret", "promote"):
        password = stored["current"]
        assert stored["pending"] is None
    else:
        password = stored["pending"]["password"]

    again = sim.run(rotation_id="r1")

    assert not again.get("failed"), again.get("msg")
    assert again["rotation_id"] == "r1" and not sim.locked()
    expected_mode = {"validate": "new", "preflight": "new", "promote_secret": "done", "promote": "done"}
    assert again["mode"] == expected_mode.get(step, "resume")
    final = sim.secrets()
    assert final["pending"] is None and final["completed_rotation_id"] == "r1" and final["previous"] == OLD
    if password:
        assert final["current"] == password
    assert everything_uses(sim, final["current"]) and all_healthy(sim)
    for target in targets_of(sim):  # every target written exactly once over both runs
        assert len([a for a in sim.world.applied if a[0] == target]) == 1, target
    assert sim.record()["status"] == "completed"


# -- failures and rollback ----------------------------------------------------------------------


def break_step(sim, step):
    """Make ``step`` fail once (new password NEW is supplied so a job can refuse it)."""
    if step == "set":
        sim.world.fail(sim.world.owner_service(), msg="the instance is busy", code="DBS.200019")
    elif step == "propagate":
        sim.world.fail("dts_job_password", msg="DTS is throttling requests", code="Throttling.User")
    else:
        sim.world.job("drs", DRS_JOB)["refuses"].add(NEW)


@pytest.mark.parametrize("step", ["set", "propagate", "verify"])
def test_a_failed_step_is_rolled_back_on_every_target_and_verified(sim, step):
    """Failure at set/propagate/verify: the owner and every dependant use the old password again, verified; status rolled_back."""
    break_step(sim, step)

    result = sim.run(rotation_id="r1", new_password=NEW)

    assert result["failed"] and result["changed"] is True  # at least the pending password was stored
    assert "failed at the %s step" % step in result["msg"]
    assert "Rolled back: GaussDB user crdemo_orders@% on" in result["msg"]
    assert "and 3 dependant job endpoint(s) use the current password again (verified)." in result["msg"]
    assert everything_uses(sim, OLD) and all_healthy(sim)
    record = sim.record()
    assert record["status"] == "rolled_back" and record["error"]["step"] == step
    owner = record["targets"]["owner"]["actions"]
    assert owner["rollback_verify"]["outcome"] == "verified"
    for key, target in record["targets"].items():
        if key != "owner":
            assert target["actions"]["rollback_verify"]["outcome"] == "healthy", key
    assert [s["step"] for s in result["steps"]][-1] == "rollback"
    assert result["steps"][-1]["outcome"] == "rolled back"
    assert sim.secrets()["current"] == OLD and sim.secrets()["pending"]["password"] == NEW
    assert not sim.locked()
    assert_no_leak(sim, result)


@pytest.mark.parametrize("step", ["set", "propagate", "verify"])
def test_rollback_false_stops_at_the_failure_and_a_rerun_resumes(sim, step):
    """rollback=false: "Not rolled back", status failed, nothing put back; the next run resumes the same pending password."""
    break_step(sim, step)

    result = sim.run(rotation_id="r1", new_password=NEW, rollback=False)

    assert result["failed"] and "Not rolled back (rotation_rollback=false)" in result["msg"]
    assert "failed at the %s step" % step in result["msg"]
    record = sim.record()
    assert record["status"] == "failed" and record["error"]["step"] == step
    assert "rollback" not in [s["step"] for s in result["steps"]]
    assert sim.world.password == (OLD if step == "set" else NEW)
    assert not any(c["args"].get("password") == OLD or c["args"].get("new_password") == OLD
                   for c in sim.world.writes())
    assert sim.secrets()["pending"]["password"] == NEW and not sim.locked()

    sim.world.job("drs", DRS_JOB)["refuses"].clear()
    again = sim.run(rotation_id="r1")
    assert not again.get("failed"), again.get("msg")
    assert again["mode"] == "resume" and everything_uses(sim, NEW)
    assert sim.record()["status"] == "completed"


@pytest.mark.parametrize("service", ["owner", "drs_job_password", "dts_job_password"])
def test_a_write_whose_answer_was_lost_is_rolled_back_too(sim, service):
    """A write that applied but answered with an error (may_have_applied): the rollback still puts that target back."""
    name = sim.world.owner_service() if service == "owner" else service
    sim.world.fail(name, msg="the connection was reset (the change may have applied)", code="ConnectionReset",
                   applied=True)

    result = sim.run(rotation_id="r1", new_password=NEW)

    assert result["failed"] and "Rolled back" in result["msg"]
    assert "the connection was reset (the change may have applied)" in result["msg"]
    assert everything_uses(sim, OLD) and all_healthy(sim)
    applied = [a[0] for a in sim.world.applied]
    assert len(applied) == 2 * len(set(applied))  # each target written forward once and back once
    assert sim.record()["status"] == "rolled_back"


def test_a_rollback_that_fails_verification_requires_reconcile(sim):
    """A job that stays unhealthy: verify fails, the rollback's verify fails too: "Reconcile required", status failed."""
    sim.world.job("drs", DRS_JOB)["stuck"] = True

    result = sim.run(rotation_id="r1", verify_timeout=30, verify_interval=5)

    assert result["failed"] and "and the rollback failed too" in result["msg"]
    assert "Reconcile required" in result["msg"]
    record = sim.record()
    assert record["status"] == "failed" and record["error"]["step"] == "verify"
    assert record["error"]["rollback"].startswith("Verification of the rollback of orders failed")
    assert everything_uses(sim, OLD)  # the writes of the rollback went through
    assert sim.secrets()["pending"] is not None and not sim.locked()
    # both waits polled on the fake clock only, never past the timeout
    assert set(sim.clock.sleeps) == {5} and sum(sim.clock.sleeps) == 2 * 30
    assert_no_leak(sim, result)


def test_a_rollback_whose_owner_write_fails_requires_reconcile(sim):
    """The owner refuses the rollback write: "Reconcile required", status failed, the owner still on the new password."""
    sim.world.fail("dts_job_password")
    sim.world.fail(sim.world.owner_service(), msg="the instance is being rebooted", code="DBS.200047", skip=1)

    result = sim.run(rotation_id="r1", new_password=NEW)

    assert result["failed"] and "Reconcile required" in result["msg"]
    assert "the owner: the instance is being rebooted" in result["msg"]
    assert sim.record()["status"] == "failed" and sim.world.password == NEW
    assert sim.secrets()["pending"]["password"] == NEW


def test_verify_polls_on_the_fake_clock_until_the_jobs_recover(sim):
    """Verify waits (fake sleeps of verify_interval) until a slow job turns healthy, then promotes."""
    job = sim.world.job("drs", DRS_JOB)
    job["stuck"] = True
    polls = []

    def recover(name, args, check):
        if name == "drs_job_info" and args.get("jobs"):
            polls.append(1)
            job["stuck"] = len(polls) < 4
    sim.world.hooks.append(recover)

    result = sim.run(rotation_id="r1", verify_interval=7)

    assert not result.get("failed"), result.get("msg")
    assert sim.clock.sleeps == [7, 7, 7] and len(polls) == 4
    assert result["steps"][5]["seconds"] == 21.0


def test_re_running_after_a_failed_rollback_resumes_and_completes(sim):
    """After "Reconcile required" (the owner refused the rollback), the same rotation re-run finishes with its pending password."""
    sim.world.fail("dts_job_password")
    sim.world.fail(sim.world.owner_service(), msg="the instance is being rebooted", code="DBS.200047", skip=1)
    failed = sim.run(rotation_id="r1", new_password=NEW)
    assert "Reconcile required" in failed["msg"] and "re-running the same rotation resumes it" in failed["msg"]

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "resume" and everything_uses(sim, NEW) and all_healthy(sim)
    assert sim.secrets()["current"] == NEW and sim.secrets()["previous"] == OLD
    assert sim.record()["status"] == "completed" and sim.record()["error"] is None


def test_a_failed_owner_preflight_changes_nothing(sim):
    """The owner's check-mode call fails (say, the instance is not ACTIVE): preflight fails, nothing stored or written."""
    sim.world.fail(sim.world.owner_service(), msg="the instance is FROZEN, not ACTIVE", code="InstanceNotActive",
                   kind="precondition", check=True)

    result = sim.run(rotation_id="r1")

    assert result["failed"] and result["msg"] == ("Preflight of orders failed, nothing was changed: the instance is "
                                                  "FROZEN, not ACTIVE")
    assert sim.world.writes() == [] and sim.secrets() == {} and sim.record()["status"] == "failed"


def test_probe_never_rotates_without_login_probes_and_skips_the_owner_verification(sim):
    """probe=never: one preflight call with the pending password, the owner verification is "skipped", the rotation completes."""
    result = sim.run(rotation_id="r1", probe="never")

    assert not result.get("failed"), result.get("msg")
    owner_calls = [c for c in sim.world.calls if c["name"] == "gaussdb_mysql_user_password"]
    assert [(c["check"], c["args"]["probe"]) for c in owner_calls] == [(True, "never"), (False, "never")]
    assert owner_calls[0]["args"]["password"] == sim.world.password
    assert sim.record()["targets"]["owner"]["actions"]["verify"]["outcome"] == "skipped"


def test_with_a_vault_secret_the_secret_file_is_encrypted_at_rest(sim):
    """vault_secret: the secret file is Ansible Vault text; without the vault secret the next run refuses to read it."""
    result = sim.run(rotation_id="r1", vault_secret="vault-pass-for-tests")

    assert not result.get("failed"), result.get("msg")
    raw = sim.file_bytes(".secrets")
    assert raw.startswith(b"$ANSIBLE_VAULT;1.2;AES256;credrotate")
    assert sim.world.password.encode() not in raw and OLD.encode() not in raw
    calls = len(sim.world.calls)

    again = sim.run(rotation_id="r2")

    assert again["failed"] and "is encrypted with Ansible Vault: set rotation_vault_secret" in again["msg"]
    assert len(sim.world.calls) == calls and not sim.locked()


# -- reconcile ----------------------------------------------------------------------------------


def test_reconcile_required_when_no_known_password_logs_in(sim):
    """No known password logs in: "Reconcile required" after login probes only; nothing written, no pending stored."""
    sim.world.password = OTHER

    result = sim.run(rotation_id="r1", previous_password=PREVIOUS)

    assert result["failed"] and result["msg"].startswith("Reconcile required: neither the pending, the current nor")
    assert "(pending, current, previous tried with a login probe" in result["msg"]
    assert "set rotation_reconcile=true to overwrite it" in result["msg"]
    assert sim.world.writes() == [] and sim.world.applied == []
    probes = [c["args"]["password"] for c in sim.world.calls if c["name"] == "gaussdb_mysql_user_password"]
    assert probes[1:] == [OLD, PREVIOUS] and len(probes) == 3
    assert sim.secrets() == {} and sim.record()["status"] == "failed"
    assert not sim.locked()
    assert_no_leak(sim, result)


@pytest.mark.parametrize("owner_type", ["gaussdb_mysql_user", "gaussdb_mysql_root"])
def test_reconcile_true_overwrites_a_gaussdb_owner(make_sim, owner_type):
    """reconcile=true on GaussDB: the unknown password is overwritten and the rotation completes."""
    sim = make_sim(owner_type, password=OTHER)

    result = sim.run(rotation_id="r1", reconcile=True)

    assert not result.get("failed"), result.get("msg")
    assert "the owner uses the unknown password" in result["steps"][1]["detail"]
    assert everything_uses(sim, sim.secrets()["current"]) and sim.world.password not in (OLD, OTHER)
    assert sim.record()["status"] == "completed"


def test_reconcile_true_never_overwrites_a_dcs_owner(make_sim):
    """reconcile=true on DCS (which needs the old password): still "Reconcile required", no API write."""
    sim = make_sim("dcs_instance", password=OTHER)

    result = sim.run(rotation_id="r1", reconcile=True)

    assert result["failed"] and result["msg"].startswith("Reconcile required")
    assert "rotation_reconcile" not in result["msg"]
    assert sim.world.writes() == [] and sim.world.password == OTHER


# -- password policy ----------------------------------------------------------------------------


def test_a_generated_password_rejected_twice_is_regenerated_and_stored_before_it_is_tried(sim):
    """Policy rejects the generated password twice: a new one is generated, stored as pending, then set."""
    sim.world.fail(sim.world.owner_service(), msg=POLICY_MSG, code="DBS.280203", times=2)
    seen = []

    def snapshot(name, args, check):
        if name == "gaussdb_mysql_user_password" and not check:
            seen.append((args["password"], sim.secrets()["pending"]["password"]))
    sim.world.hooks.append(snapshot)

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert len(seen) == 3
    first, regenerated = seen[0][0], seen[2][0]
    assert seen[1][0] == first and regenerated != first
    assert [stored for _sent, stored in seen] == [first, first, regenerated]  # stored before it was tried
    assert sim.secrets()["current"] == regenerated and everything_uses(sim, regenerated)
    details = sim.record()["details"]
    assert details["password_source"] == "regenerated"
    assert details["policy_rejections"] == ["DBS.280203", "DBS.280203"]
    assert_no_leak(sim, result)


def test_a_supplied_password_rejected_by_policy_is_not_replaced(sim):
    """Policy rejects a supplied password twice: no regeneration, the set fails and is rolled back."""
    sim.world.fail(sim.world.owner_service(), msg=POLICY_MSG, code="DBS.280203", kind="policy", times=2)

    result = sim.run(rotation_id="r1", new_password=NEW)

    assert result["failed"] and "failed at the set step" in result["msg"] and "policy rejection" in result["msg"]
    assert "Rolled back" in result["msg"]
    sets = [c["args"]["password"] for c in sim.world.writes("gaussdb_mysql_user_password")]
    assert sets == [NEW, NEW, OLD]  # two tries, then the rollback
    assert sim.secrets()["pending"]["password"] == NEW
    assert "policy_rejections" not in sim.record()["details"]
    assert everything_uses(sim, OLD)


def test_a_supplied_password_breaking_the_policy_is_refused_before_any_call(sim):
    """A supplied password that breaks the targets' policy: refused at validate, no call, no file."""
    result = sim.run(rotation_id="r1", new_password="short")

    assert result["failed"] and "breaks the password policy of its targets" in result["msg"]
    assert sim.world.calls == [] and sim.files() is None
    assert "short" not in json.dumps(result)


def test_an_unknown_current_password_is_refused_before_any_call(sim):
    """No secret file and no rotation_current_password: refused (it is needed to roll back), nothing called."""
    result = sim.run(rotation_id="r1", current_password=None)

    assert result["failed"] and "The current password of orders is unknown" in result["msg"]
    assert sim.world.calls == [] and sim.secrets() == {} and not sim.locked()


# -- discovery ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, job_id, endpoint", [
    ("drs", DRS_JOB_2, "source"),
    ("drs", DRS_JOB, "target"),  # the other side of a listed job
    ("dts", DTS_JOB_2, "destination"),
])
def test_discovery_fails_closed_on_an_unlisted_job_using_the_account(sim, kind, job_id, endpoint):
    """An unlisted job endpoint logging in as the owner: preflight fails naming it, nothing written or stored."""
    sim.world.add_job(kind, job_id, endpoint)

    result = sim.run(rotation_id="r1", discover_dependants=True)

    assert result["failed"] and "are not among its dependants, so they would break" in result["msg"]
    assert "%s job %s (job %s), %s endpoint" % (kind.upper(), job_id, job_id[-4:], endpoint) in result["msg"]
    assert ("matched by instance id" if kind == "drs" else "matched by address 192.168.0.10:3306 and user") \
        in result["msg"]
    assert sim.world.writes() == [] and sim.secrets() == {}
    assert sim.record()["status"] == "failed"


def test_discovery_honours_discover_ignore(sim):
    """discover_ignore lists the unlisted job: the rotation completes and leaves that job alone."""
    sim.world.add_job("drs", DRS_JOB_2, "source")

    result = sim.run(rotation_id="r1", discover_dependants=True, discover_ignore=[DRS_JOB_2])

    assert not result.get("failed"), result.get("msg")
    assert sim.world.stored("drs", DRS_JOB_2, "source") == OLD
    assert not any(DRS_JOB_2 in a[0] for a in sim.world.applied)


def test_discovery_ignores_jobs_of_other_accounts_and_instances(sim):
    """Jobs of another user, or another instance and address, are not the owner's: the rotation completes."""
    sim.world.add_job("drs", DRS_JOB_2, "source", user="someone_else")
    sim.world.add_job("drs", DRS_JOB_2, "target", inst_id="ffffffffffffffffffffffffffffffffin07", ip="10.1.1.1")
    sim.world.add_job("dts", DTS_JOB_2, "source", user="someone_else")
    sim.world.add_job("dts", DTS_JOB_2, "destination", ip="10.1.1.1")  # same user, another database
    sim.world.add_job("dts", "l3m1213ye7l9999", "source", port=3307)  # same address, another port

    result = sim.run(rotation_id="r1", discover_dependants=True)

    assert not result.get("failed"), result.get("msg")


@pytest.mark.parametrize("service", ["drs_job_info", "dts_job_info"])
def test_discovery_fails_closed_when_it_cannot_list_the_jobs(sim, service):
    """A listing that fails: preflight fails ("could not list the jobs"), nothing written."""
    sim.world.fail(service, msg="the endpoint is unreachable")

    result = sim.run(rotation_id="r1", discover_dependants=True)

    assert result["failed"] and "discovery could not list the jobs" in result["msg"]
    assert "the endpoint is unreachable" in result["msg"]
    assert sim.world.writes() == [] and sim.secrets() == {}


def test_discovery_is_on_by_default(sim):
    """Without discover_dependants, discovery runs: an unlisted job stops the rotation before any write."""
    sim.world.add_job("drs", DRS_JOB_2, "source")

    result = sim.run(rotation_id="r1")

    assert result["failed"] and DRS_JOB_2 in result["msg"] and sim.world.writes() == []


def test_discovery_can_be_turned_off(sim):
    """discover_dependants=false: no listing is read and an unlisted job does not stop the rotation."""
    sim.world.add_job("drs", DRS_JOB_2, "source")

    result = sim.run(rotation_id="r1", discover_dependants=False)

    assert not result.get("failed"), result.get("msg")
    assert not any(c["name"].endswith("_info") and not c["args"].get("jobs") for c in sim.world.calls)


# -- preflight failures -------------------------------------------------------------------------


def test_a_missing_dependant_job_fails_the_preflight(sim):
    """A dependant job that does not exist: the check-mode preflight of the job service fails; nothing changed."""
    sim.dependants.append({"type": "drs", "job_id": DRS_JOB_2, "endpoint": "source"})

    result = sim.run(rotation_id="r1")

    assert result["failed"] and result["msg"].startswith("Preflight of orders failed, nothing was changed")
    assert sim.world.writes() == [] and sim.secrets() == {}


# -- the lock -----------------------------------------------------------------------------------


def write_lock(sim, pid):
    os.makedirs(sim.state_dir, exist_ok=True)
    lock = {"rotation_id": "r0", "owner": "elsewhere", "controller": socket.gethostname(), "pid": pid,
            "pid_start_time": process_start_time(pid), "program": "ansible-playbook", "since": "2026-01-01T00:00:00Z"}
    with open(sim.path(".lock"), "w") as handle:
        json.dump(lock, handle)


def test_a_live_lock_of_another_process_refuses_the_run(sim):
    """Another live controller holds the lock: refused with its description, nothing called or changed."""
    write_lock(sim, os.getpid())

    result = sim.run(rotation_id="r1")

    assert result["failed"] and "is already running" in result["msg"]
    assert sim.world.calls == [] and sim.locked() and sim.secrets() == {}


def test_a_stale_lock_is_taken_over_and_said_so(sim):
    """The lock of a dead controller is stale: the run takes it over, logs it, records it, and completes."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    write_lock(sim, child.pid)

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert "a stale lock was taken over" in result["steps"][0]["detail"]
    assert sim.record()["details"]["resumed_from_stale_lock"] is True
    assert sim.record()["events"][-1]["event"] == "resumed_from_stale_lock"
    assert not sim.locked()


def test_an_interrupted_run_of_a_dead_controller_is_taken_over_and_resumed(sim):
    """The realistic resume: the interrupted run's controller is gone, its lock is stale, the next run takes it over."""
    interrupt(sim, "propagate", rotation_id="r1")
    pending = sim.secrets()["pending"]["password"]
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with open(sim.path(".lock")) as handle:
        lock = json.load(handle)
    lock.update(pid=child.pid, pid_start_time=None)
    with open(sim.path(".lock"), "w") as handle:
        json.dump(lock, handle)

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert result["mode"] == "resume" and "a stale lock was taken over" in result["steps"][0]["detail"]
    assert sim.secrets()["current"] == pending and not sim.locked()


def test_the_record_in_the_result_is_the_record_after_the_run(sim):
    """rotate's RETURN says record is "the state record after the run": it should match the file, lock released."""
    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert sim.record()["lock"] is None
    assert result["record"]["lock"] is None


def test_a_done_run_does_not_complete_another_rotations_record(sim):
    """r1 completed; r2 stopped (controller died) before storing its password; re-running r1 must not make r2 "completed"."""
    sim.run(rotation_id="r1")
    interrupt(sim, "preflight", rotation_id="r2")
    done = sim.run(rotation_id="r1")
    assert done["mode"] == "done"
    before = sim.world.password

    result = sim.run(rotation_id="r2")

    assert result["mode"] == "new"  # engine: "done", decision "rotation r2 has completed"
    assert sim.world.password != before and sim.secrets()["completed_rotation_id"] == "r2"


def test_a_resumed_supplied_password_is_not_regenerated(sim):
    """A supplied password stays the user's after an interruption: on resume, policy rejections do not replace it."""
    interrupt(sim, "pending", rotation_id="r1", new_password=NEW)
    sim.world.fail(sim.world.owner_service(), msg=POLICY_MSG, code="DBS.280203", times=2)

    result = sim.run(rotation_id="r1", new_password=NEW)

    sets = [c["args"]["password"] for c in sim.world.writes("gaussdb_mysql_user_password")]
    assert NEW in sets and set(sets) <= {NEW, OLD}  # engine: a third set with a generated password
    assert result["failed"] and sim.secrets()["pending"]["password"] == NEW


def test_a_rotation_promoted_before_a_crash_stays_done_after_another_rotation(sim):
    """r1 promoted its secret, then the run died; r2 completed; r1 again must be "done", not a third rotation."""
    interrupt(sim, "promote_secret", rotation_id="r1")
    sim.run(rotation_id="r2")
    applied = len(sim.world.applied)

    result = sim.run(rotation_id="r1")

    assert result["mode"] == "done"  # engine: "new", the password is rotated again
    assert len(sim.world.applied) == applied


# -- no password in the result ------------------------------------------------------------------


def _success(sim):
    return sim.run(rotation_id="r1")


def _check_mode(sim):
    return sim.run(check_mode=True, rotation_id="r1")


def _set_rolled_back(sim):
    break_step(sim, "set")
    return sim.run(rotation_id="r1")


def _verify_rolled_back(sim):
    break_step(sim, "verify")
    return sim.run(rotation_id="r1", new_password=NEW)


def _not_rolled_back(sim):
    break_step(sim, "propagate")
    return sim.run(rotation_id="r1", rollback=False)


def _rollback_failed(sim):
    sim.world.job("drs", DRS_JOB)["stuck"] = True
    return sim.run(rotation_id="r1")


def _reconcile(sim):
    sim.world.password = OTHER
    return sim.run(rotation_id="r1", previous_password=PREVIOUS)


def _interrupted(sim):
    return sim.run(rotation_id="r1", fail_after_step="verify")


def _conflict(sim):
    sim.run(rotation_id="r1", fail_after_step="set")
    return sim.run(rotation_id="r2")


def _resumed(sim):
    sim.run(rotation_id="r1", fail_after_step="propagate")
    return sim.run()


def _regenerated(sim):
    sim.world.fail(sim.world.owner_service(), msg=POLICY_MSG, code="DBS.280203", times=3)
    return sim.run(rotation_id="r1")


def _resume_other_supplied(sim):
    sim.run(rotation_id="r1", fail_after_step="pending")
    return sim.run(rotation_id="r1", new_password=NEW)


@pytest.mark.parametrize("scenario", [
    _success, _check_mode, _set_rolled_back, _verify_rolled_back, _not_rolled_back, _rollback_failed, _reconcile,
    _interrupted, _conflict, _resumed, _regenerated, _resume_other_supplied,
], ids=lambda f: f.__name__.strip("_"))
def test_no_password_in_the_result_the_step_lines_or_the_record(sim, scenario):
    """Whatever happens, no password the engine knew or sent appears in json.dumps(result), the lines or the record."""
    result = scenario(sim)

    text = json.dumps(result)
    assert sim.world.passwords_seen() >= {OLD, NEW}
    assert [p for p in sim.world.passwords_seen() if p in text] == []
    assert_no_leak(sim, result)
    assert NAME in text  # the result does say something


def test_check_mode_reports_changed_when_the_plan_would_update_a_target(sim):
    """Ansible's convention: a check run says changed when the real run would change something."""
    result = sim.run(check_mode=True)
    assert result["changed"] is True and sim.world.writes() == []


def test_a_supplied_password_equal_to_the_current_one_is_refused_before_any_call(sim):
    result = sim.run(new_password=OLD)
    assert result.get("failed") and "is the current password" in result["msg"]
    assert sim.world.calls == []


def test_the_failure_message_counts_every_policy_rejection_of_a_supplied_password(sim):
    """A supplied password is never replaced: two rejections, and the message says two."""
    sim.world.fail(sim.world.owner_service(), code="DBS.280203", kind="policy", times=2)
    result = sim.run(new_password=NEW)
    assert result.get("failed") and "(after 2 policy rejection(s): DBS.280203, DBS.280203)" in result["msg"]
