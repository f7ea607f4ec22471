# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No dependant left behind: discovery on by default, ignored jobs watched, failed jobs healed (issue 10).

The world (world.py) has a recovery mode: ``auto`` (a job recovers once its password is right) and
``manual`` (a job that failed stays failed until it is retried, as DRS tasks may).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils._validate import format_problem
from ansible_collections.credrotate.cloud.plugins.plugin_utils._checks import problems
from ansible_collections.credrotate.cloud.tests.unit.plugins.plugin_utils.world import (
    DRS_JOB,
    DRS_JOB_2,
    DTS_JOB,
    DTS_JOB_2,
    OLD,
)


def _entries(record, action):
    return dict((key, t["actions"][action]) for key, t in record["targets"].items() if action in t["actions"])


# -- discovery ----------------------------------------------------------------------------------


def test_an_ignored_job_is_left_alone_recorded_with_its_reason_and_watched(sim):
    """discover_ignore with a reason: the job is never written, the reason is in the record and the plan,
    and verify reads its health (a "watch" entry)."""
    sim.world.add_job("drs", DRS_JOB_2, "source")

    result = sim.run(rotation_id="r1", discover_ignore=[{"job_id": DRS_JOB_2, "reason": "decommissioned on Friday"}])

    assert not result.get("failed"), result.get("msg")
    assert sim.world.stored("drs", DRS_JOB_2, "source") == OLD
    record = sim.record()
    ignored = _entries(record, "ignore")["drs:%s:source" % DRS_JOB_2]
    assert ignored["outcome"] == "ignored" and ignored["status"] == "decommissioned on Friday"
    assert ignored["error_msg"].startswith("by instance id")
    assert _entries(record, "watch")["drs:%s:source" % DRS_JOB_2]["outcome"] == "unhealthy"
    assert any(DRS_JOB_2 in line and "ignore" in line and "decommissioned on Friday" in line
               for line in result["summary"])


def test_an_ignored_job_that_breaks_is_reported_by_id_without_failing_the_rotation(sim):
    """The ignored job loses its login when the owner changes: the step log and the summary name it."""
    sim.world.add_job("dts", DTS_JOB_2, "source")

    result = sim.run(rotation_id="r1", discover_ignore=[DTS_JOB_2])

    assert not result.get("failed"), result.get("msg")
    verify = [s for s in result["steps"] if s["step"] == "verify"][0]
    assert "NOT healthy" in verify["detail"] and DTS_JOB_2 in verify["detail"]
    assert any(DTS_JOB_2 in line and "watch" in line and "unhealthy" in line for line in result["summary"])
    assert _entries(sim.record(), "ignore")["dts:%s:source:forward" % DTS_JOB_2]["status"] == "no reason given"


def test_a_healthy_ignored_job_is_counted_not_listed(sim):
    """An ignored job that keeps working (it stores another account's password) is counted in the head line."""
    sim.world.add_job("drs", DRS_JOB_2, "source")
    sim.world.job("drs", DRS_JOB_2)["endpoints"]["source"]["password"] = "not-the-owners"  # ... and it is not
    sim.world.job("drs", DRS_JOB_2)["stuck"] = False
    sim.world.healthy = lambda job, _h=sim.world.healthy: True if job is sim.world.job("drs", DRS_JOB_2) else _h(job)

    result = sim.run(rotation_id="r1", discover_ignore=[{"job_id": DRS_JOB_2, "reason": "uses a proxy user"}])

    assert not result.get("failed"), result.get("msg")
    assert "1 ignored job endpoint(s) healthy" in result["summary"][0]
    assert not any("watch" in line for line in result["summary"][1:])


@pytest.mark.parametrize("service, name", [("drs_job_info", "DRS"), ("dts_job_info", "DTS")])
def test_a_listing_refused_for_permission_names_the_permission_and_the_opt_out(sim, service, name):
    """Permission denied on a listing: preflight stops before any write, naming the permission and the way out."""
    sim.world.fail(service, msg="You are not authorized to do this action.", code="Forbidden.RAM", kind="auth",
                   check=None)

    result = sim.run(rotation_id="r1")

    assert result["failed"] and "%s: permission denied" % name in result["msg"]
    assert ("dts:DescribeDtsJobs" if name == "DTS" else "docs/huaweicloud.md") in result["msg"]
    assert "rotation_discover_dependants: false" in result["msg"]
    assert sim.world.writes() == [] and sim.secrets() == {}


def test_the_owners_address_read_failing_stops_discovery_before_any_write(sim):
    """Discovery cannot match by address without the owner's show-instance read: fail closed."""
    sim.world.fail("gaussdb_mysql_instance_info", msg="instance busy", check=None)

    result = sim.run(rotation_id="r1")

    assert result["failed"] and "the owner: instance busy" in result["msg"] and sim.world.writes() == []


def test_dts_is_not_searched_without_alibaba_credentials_and_the_log_says_so(make_sim):
    """A Huawei-only estate (no Alibaba credentials, no DTS dependants): DTS is not listed; the step log says so."""
    sim = make_sim(deps=False)
    sim.depend("drs", DRS_JOB, "source")
    sim.world.unconfigured.add("alicloud")

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert not any(c["name"] == "dts_job_info" for c in sim.world.calls)
    preflight = [s for s in result["steps"] if s["step"] == "preflight"][0]
    assert "DTS was not searched: no Alibaba Cloud credentials" in preflight["detail"]


@pytest.mark.parametrize("value, message", [
    ([{"job_id": DRS_JOB_2, "reason": "x", "note": "y"}], "takes job_id and reason only, not note"),
    ([{"reason": "no id"}], "discover_ignore[0].job_id must be a DRS or DTS job id"),
    (["not a job id!"], "discover_ignore[0] must be a DRS or DTS job id"),
    ([42], "discover_ignore[0] must be a DRS or DTS job id"),
])
def test_bad_discover_ignore_entries_are_refused_naming_the_entry(sim, value, message):
    """Each discover_ignore entry is a job id or a {job_id, reason} dict; anything else is named."""
    settings = dict(sim.settings(), discover_ignore=value)

    found = problems(settings, "rotation_")

    assert any(message in text for _top, _path, text in found), found


# -- healing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("owner_type", ["gaussdb_mysql_user", "dcs_instance"])
def test_with_manual_recovery_failed_jobs_are_retried_once_then_verified(make_sim, owner_type):
    """The jobs fail when the owner changes and stay failed: verify retries each one once, then they are healthy."""
    sim = make_sim(owner_type, recovery="manual")

    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    retries = [c for c in sim.world.calls if c["name"] in ("drs_job_retry", "dts_job_start")]
    expected = [("drs_job_retry", [DRS_JOB])] + ([] if owner_type == "dcs_instance" else [
        ("dts_job_start", [{"id": DTS_JOB, "direction": "forward"}, {"id": DTS_JOB, "direction": "reverse"}])])
    assert [(c["name"], c["args"]["jobs"]) for c in retries] == expected
    heals = _entries(sim.record(), "heal")
    assert heals and all(h["outcome"] == "retried" and h.get("request_id") for h in heals.values())
    assert "healed by a retry" in [s for s in result["steps"] if s["step"] == "verify"][0]["detail"]
    assert sim.record()["status"] == "completed"


def test_with_automatic_recovery_nothing_is_retried(sim):
    """Jobs that recover by themselves once their password is right are not retried."""
    result = sim.run(rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    assert not any(c["name"] in ("drs_job_retry", "dts_job_start") for c in sim.world.calls)


def test_a_job_failing_for_another_reason_is_not_retried(sim):
    """Only authentication failures are healed: a job stuck on the network is waited for, never retried."""
    sim.world.job("drs", DRS_JOB)["stuck"] = True

    result = sim.run(rotation_id="r1", verify_timeout=0)

    assert result["failed"] and "DRS job %s source is unhealthy" % DRS_JOB in result["msg"]
    assert not any(c["name"] == "drs_job_retry" for c in sim.world.calls)


def test_a_retry_that_fails_rolls_back_and_the_rollback_heals_the_same_way(make_sim):
    """The retry of verify fails: verify fails, the rollback restores every password, retries again and verifies."""
    sim = make_sim(recovery="manual")
    sim.world.fail("drs_job_retry", msg="the task cannot be retried now", code="DRS.M00304")

    result = sim.run(rotation_id="r1", verify_timeout=0)

    assert result["failed"] and "Rolled back" in result["msg"], result["msg"]
    record = sim.record()
    assert record["status"] == "rolled_back"
    assert _entries(record, "heal")["drs:%s:source" % DRS_JOB]["outcome"] == "failed"
    assert _entries(record, "rollback_heal")["drs:%s:source" % DRS_JOB]["outcome"] == "retried"
    assert all(p == OLD for p in sim.world.all_stored().values()) and sim.world.password == OLD
    retried = [c["args"]["jobs"] for c in sim.world.calls if c["name"] == "drs_job_retry"]
    assert retried == [[DRS_JOB], [DRS_JOB]]  # once in verify, once in the rollback's verify


def test_a_job_retried_in_verify_is_not_retried_again_in_the_same_step(make_sim):
    """Bounded: a job that is still failed after its retry is waited for, not retried in a loop."""
    sim = make_sim(recovery="manual")
    job = sim.world.job("drs", DRS_JOB)
    sim.world.hooks.append(lambda name, args, check: job.update(latched=True) if name == "drs_job_info" else None)

    result = sim.run(rotation_id="r1", verify_timeout=20, verify_interval=5)

    assert result["failed"]
    verify_retries = [c for c in sim.world.calls if c["name"] == "drs_job_retry"]
    assert len(verify_retries) == 2  # one in verify, one in the rollback's verify; never more


# -- generated hostile discover_ignore entries ------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "../../etc", "x\n", "\x00", "a" * 256, "%2F", "jb01/..", "\u202e", "job id"]))


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(job_id=HOSTILE_TEXT, reason=HOSTILE_TEXT)
def test_generated_discover_ignore_entries_are_refused_naming_the_field_never_the_value(sim, job_id, reason):
    """A {job_id, reason} entry is accepted only when job_id is a DRS or DTS job id and the reason is plain text
    (or empty); otherwise the problem names rotation_discover_ignore[0].job_id or .reason, without the value."""
    found = problems(dict(sim.settings(), discover_ignore=[{"job_id": job_id, "reason": reason}]), "rotation_")
    paths = set(path for _top, path, _text in found)
    bad_id = bool(format_problem("p", job_id, "drs_job_id") and format_problem("p", job_id, "dts_job_id"))
    bad_reason = reason != "" and bool(format_problem("p", reason, "text"))
    assert ("rotation_discover_ignore[0].job_id" in paths) == bad_id, found
    assert ("rotation_discover_ignore[0].reason" in paths) == bad_reason, found
    for _top, path, text in found:
        rule = text.split(" (got ")[0]  # the path and the rule: fixed words a short value may happen to spell
        for value in (job_id, reason):
            if len(value) >= 4 and value.strip() and value not in rule:
                assert value not in text, text
