# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Promises 10-14 of ../shared/guides/rotation-promises.md under both job-recovery behaviours (issue 10).

The emulator's ``job_recovery`` setting: ``auto`` (a DRS/DTS job that failed on its stored password
recovers by itself once the password is right) or ``manual`` (it stays failed until it is retried:
DRS ``batch-retry-task``, DTS ``StartDtsJob``). Every test runs the real playbook against real
MariaDB and Redis under both. A job "fails in the window" when it is read while the owner already
has the new password and the job still stores the old one: the tests interrupt the rotation after
the set step and read the jobs then, as a replication job would reconnect.
"""

import pytest

from conftest import DRS1, DRS2, DTS1, GAUSS, estate, orders_credential
from harness import assert_no_secrets

STRAY = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6djb09"
RECOVERY = ["auto", "manual"]


def _estate(recovery):
    fixtures, names = estate()
    fixtures.setdefault("settings", {})["job_recovery"] = recovery
    return fixtures, names


def _hosts(rot, credential=None, **extra):
    host = {"rotation_credential": credential or orders_credential(rot.names),
            "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return {"orders-db": host}


def _actions(record, action):
    return dict((key, t["actions"][action]) for key, t in record["targets"].items() if action in t["actions"])


def _failed(states):
    return sorted(k for k, v in states.items() if v.endswith("FAILED") or v in ("Failed", "MigrationFailed"))


@pytest.mark.parametrize("recovery", RECOVERY)
def test_jobs_failed_in_the_window_are_verified_healed_and_promoted(rotation, recovery):
    """Promise 10: the jobs fail between the owner's change and propagate; the re-run propagates, retries the
    jobs that stay failed (manual recovery only), verifies every job healthy, then promotes."""
    rot = rotation(*_estate(recovery))
    hosts = _hosts(rot)
    stopped = rot.run(hosts, extra_vars={"rotation_fail_after_step": "set"}, verbosity=0)
    assert stopped.rc != 0 and "Interrupted after the set step" in stopped.stdout
    pending = rot.secrets()["pending"]["password"]
    assert _failed(rot.job_states()) == sorted([DRS1, DRS2, DTS1]), "the jobs noticed the new password"

    resumed = rot.run(hosts)
    assert resumed.rc == 0, resumed.stdout[-5000:]
    record = rot.record()
    heals = _actions(record, "heal")
    if recovery == "manual":
        assert sorted(heals) == sorted(["drs:%s:source" % DRS1, "drs:%s:source" % DRS2,
                                        "dts:%s:source:forward" % DTS1])
        assert all(h["outcome"] == "retried" and h.get("request_id") for h in heals.values())
        retried = [w for w in rot.writes() if w["action"] in ("BatchRestoreTask", "StartDtsJob")]
        assert sorted(w["action"] for w in retried) == ["BatchRestoreTask", "StartDtsJob"]  # one call per service
    else:
        assert heals == {}, "jobs that recover by themselves are not retried"
    assert record["status"] == "completed" and rot.secrets()["current"] == pending and rot.login(pending)
    rot.assert_jobs_healthy()
    assert_no_secrets(resumed, rot.emu, rot.names["current"], pending)


@pytest.mark.parametrize("recovery", RECOVERY)
def test_drs_partial_failure_is_reported_per_job_and_the_rerun_touches_only_that_job(rotation, recovery):
    """Promise 11: one DRS job refuses the change: the rotation is not promoted and names that job; the re-run
    writes only that job (the ledger has the rest), heals it if it stays failed, and completes."""
    rot = rotation(*_estate(recovery))
    hosts = _hosts(rot, rotation_rollback=False)
    rot.admin("POST", "drs/jobs/%s/fail-next-change" % DRS2,
              {"end_point_type": "so", "error_code": "DRS.M01501", "error_msg": "Service error"})
    failed = rot.run(hosts, verbosity=0)
    assert failed.rc != 0 and DRS2 in failed.stdout and "DRS.M01501" in failed.stdout
    record = rot.record()
    assert record["status"] == "failed" and rot.secrets()["current"] == rot.names["current"]
    assert record["targets"]["drs:%s:source" % DRS2]["actions"]["propagate"]["outcome"] == "failed"
    assert DRS2 in _failed(rot.job_states())  # it still stores the old password

    since = rot.last_seq()
    resumed = rot.run(hosts, verbosity=0)
    assert resumed.rc == 0, resumed.stdout[-5000:]
    changes = [w for w in rot.writes(since) if w["action"] == "BatchResetPassword"]
    assert len(changes) == 1, "only the failed job is written again"
    assert rot.record()["status"] == "completed"
    rot.assert_jobs_healthy()


@pytest.mark.parametrize("recovery", RECOVERY)
def test_a_job_in_a_refusing_state_stops_the_rotation_before_any_write(rotation, recovery):
    """Promise 12: a DRS job that is being released cannot take a password: nothing is written, not even the owner."""
    fixtures, names = _estate(recovery)
    fixtures["drs"]["jobs"][1]["status"] = "RELEASE_RESOURCE_STARTED"
    rot = rotation(fixtures, names)
    run = rot.run(_hosts(rot), verbosity=0)
    assert run.rc != 0 and DRS2 in run.stdout and "RELEASE_RESOURCE_STARTED" in run.stdout
    assert rot.writes() == [] and rot.login(names["current"])


@pytest.mark.parametrize("recovery", RECOVERY)
def test_discovery_stops_on_an_unlisted_job_and_watches_an_ignored_one(rotation, recovery):
    """Promise 13: an unlisted DRS job using the account stops the rotation before any write (discovery is on by
    default); ignored with a reason, it is left alone, and when it breaks the report names it by id."""
    fixtures, names = _estate(recovery)
    stray = dict(fixtures["drs"]["jobs"][0], id=STRAY, name="orders-forgotten")
    stray["source"] = dict(stray["source"], database={"ref": GAUSS, "user": names["user"]})
    fixtures["drs"]["jobs"].append(stray)
    rot = rotation(fixtures, names)
    refused = rot.run(_hosts(rot), verbosity=0)
    assert refused.rc != 0 and STRAY in refused.stdout and "matched by instance id" in refused.stdout
    assert rot.writes() == []

    ignore = [{"job_id": STRAY, "reason": "moved to the new cluster next week"}]
    run = rot.run(_hosts(rot, rotation_discover_ignore=ignore))
    assert run.rc == 0, run.stdout[-5000:]
    record = rot.record()
    assert _actions(record, "ignore")["drs:%s:source" % STRAY]["status"] == "moved to the new cluster next week"
    assert _actions(record, "watch")["drs:%s:source" % STRAY]["outcome"] == "unhealthy"
    assert "NOT healthy" in run.stdout and STRAY in run.stdout
    assert not any(STRAY in (w.get("path") or "") for w in rot.writes())


@pytest.mark.parametrize("recovery", RECOVERY)
def test_a_failed_verification_rolls_back_and_heals_the_jobs_on_the_old_password(rotation, recovery):
    """Promise 14: a listed job that cannot work with the new password fails verify; the rollback restores the
    owner and every job, retries the jobs that stay failed (manual recovery), and verifies the old password."""
    fixtures, names = _estate(recovery)
    names["report_password"] = names["current"]
    fixtures["gaussdb"]["instances"][0]["users"][1]["password"] = names["current"]
    fixtures["drs"]["jobs"][1]["source"]["database"]["user"] = names["report"]  # shares the password, not the user
    rot = rotation(fixtures, names)
    run = rot.run(_hosts(rot, rotation_verify_timeout=4))
    assert run.rc != 0 and "failed at the verify step" in run.stdout and "Rolled back" in run.stdout
    record = rot.record()
    assert record["status"] == "rolled_back"
    if recovery == "manual":
        assert _actions(record, "rollback_heal"), "the rollback retried the jobs that stayed failed"
    assert rot.secrets()["current"] == names["current"] and rot.login(names["current"])
    rot.assert_jobs_healthy()
