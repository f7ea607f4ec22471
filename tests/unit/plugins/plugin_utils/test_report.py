# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record entries from service results, and the summary and plan texts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._targets import record_key, record_label
from ansible_collections.credrotate.cloud.plugins.plugin_utils._report import (
    change_entries,
    health_entries,
    plan_lines,
    summary_lines,
)

DRS = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"
DTS = "l3m1213ye7l1234"


def test_one_key_scheme_names_every_target():
    """Keys: drs:<job>:<endpoint>, dts:<job>:<endpoint>:<direction> (forward by default)."""
    assert record_key("drs", DRS, "source") == "drs:%s:source" % DRS
    assert record_key("dts", DTS, "source") == "dts:%s:source:forward" % DTS
    assert record_key("dts", DTS, "destination", "reverse") == "dts:%s:destination:reverse" % DTS
    assert record_label("drs", DRS, "target") == "DRS job %s target" % DRS
    assert record_label("dts", DTS, "source", "forward") == "DTS job %s source" % DTS
    assert record_label("dts", DTS, "source", "reverse") == "DTS job %s source (reverse)" % DTS


def test_change_entries_keep_the_fields_that_have_a_value():
    """A password call's results become entries; empty fields are dropped, values become text."""
    results = [{"id": DRS, "endpoint": "source", "outcome": "updated", "status": "INCRE_TRANSFER_STARTED",
                "request_id": "r-1", "error_code": None, "error_msg": ""},
               {"id": DTS, "endpoint": "destination", "direction": "reverse", "outcome": "failed",
                "error_code": 403, "error_msg": "denied"}]
    drs = change_entries("drs", "propagate", results[:1])
    dts = change_entries("dts", "rollback", results[1:])
    assert drs == [{"key": "drs:%s:source" % DRS, "target": "DRS job %s source" % DRS, "kind": "drs",
                    "action": "propagate", "outcome": "updated", "status": "INCRE_TRANSFER_STARTED",
                    "request_id": "r-1"}]
    assert dts[0]["key"] == "dts:%s:destination:reverse" % DTS and dts[0]["error_code"] == "403"
    assert change_entries("drs", "propagate", None) == []


def test_health_entries_drs_by_the_healthy_flag_or_the_status():
    """DRS health: the info's healthy flag, else a status not ending in _FAILED and no error code."""
    dependants = [{"id": "a", "endpoint": "source"}, {"id": "b", "endpoint": "source"},
                  {"id": "c", "endpoint": "target"}, {"id": "d", "endpoint": "source"}]
    jobs = [{"id": "a", "healthy": True, "status": "INCRE_TRANSFER_STARTED"},
            {"id": "b", "status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.KE0002", "error_message": "denied"},
            {"id": "c", "status": "INCRE_TRANSFER_STARTED"}]
    out = health_entries("drs", "verify", jobs, dependants)
    assert [e["outcome"] for e in out] == ["healthy", "unhealthy", "healthy", "missing"]
    assert out[1]["error_code"] == "DRS.KE0002" and out[1]["error_msg"] == "denied"
    assert "error_code" not in out[0]
    assert out[3]["error_msg"] == "the job was not found"


def test_health_entries_dts_per_direction():
    """DTS health: matched by job and direction; failed flag or a failure status makes it unhealthy."""
    dependants = [{"id": DTS, "endpoint": "source", "direction": "forward"},
                  {"id": DTS, "endpoint": "destination", "direction": "reverse"},
                  {"id": "other", "endpoint": "source"}]
    jobs = [{"id": DTS, "direction": "forward", "status": "Synchronizing", "failed": False},
            {"id": DTS, "direction": "reverse", "status": "Failed", "error_message": "Access denied"},
            {"id": "other", "status": "InitializeFailed"}]
    out = health_entries("dts", "verify", jobs, dependants)
    assert [e["outcome"] for e in out] == ["healthy", "unhealthy", "unhealthy"]
    assert out[1]["key"] == "dts:%s:destination:reverse" % DTS and out[1]["error_msg"] == "Access denied"


def test_health_entries_of_many_dependants_are_linear():
    """Thousands of dependants: one entry each, looked up by key."""
    dependants = [{"id": "j%d" % i, "endpoint": "source"} for i in range(5000)]
    jobs = [{"id": "j%d" % i, "healthy": i % 2 == 0} for i in range(5000)]
    out = health_entries("drs", "verify", jobs, dependants)
    assert len(out) == 5000 and sum(e["outcome"] == "healthy" for e in out) == 2500


def record():
    return {
        "rotation_id": "r1", "name": "orders", "status": "rolled_back", "runs": 2,
        "started_at": "2026-05-01T10:00:00Z", "finished_at": "2026-05-01T10:01:30Z",
        "error": {"step": "verify", "msg": "a job is unhealthy", "rollback": "the owner refused"},
        "targets": {
            "drs:%s:source" % DRS: {"target": "DRS job %s source" % DRS, "actions": {
                "rollback": {"outcome": "updated", "run": 2, "request_id": "r-3"},
                "propagate": {"outcome": "updated", "run": 1, "request_id": "r-2"},
                "verify": {"outcome": "unhealthy", "status": "INCRE_TRANSFER_FAILED", "run": 2}}},
            "owner": {"target": "GaussDB user u@% on i", "actions": {
                "set": {"outcome": "updated", "run": 1, "request_id": "r-1"}}},
        },
    }


def test_summary_lists_the_owner_first_then_actions_in_step_order():
    """Summary: head line (id, status, run, seconds), the error, then owner rows, then dependants in action order."""
    lines = summary_lines(record(), "orders")
    assert lines[0] == "rotation r1 of orders: ROLLED_BACK (run 2, 90.0 s)"
    assert lines[1] == "error at the verify step: a job is unhealthy"
    assert lines[2] == "rollback failed: the owner refused"
    rows = lines[5:]
    assert [r.split(" | ")[1].strip() for r in rows] == ["set", "propagate", "verify", "rollback"]
    assert rows[0].startswith("GaussDB user u@% on i")
    assert "updated (run 1)" in rows[0] and "updated (run 1)" in rows[1]  # done by an earlier run
    assert "unhealthy (INCRE_TRANSFER_FAILED)" in rows[2]
    assert rows[3].split(" | ")[2].strip() == "updated" and rows[3].endswith("r-3")


def test_summary_of_no_record_and_a_note():
    """Summary of nothing yet: an UNKNOWN head with the note, and an empty table."""
    lines = summary_lines(None, "orders", "nothing to do: rotation r1 has completed")
    assert lines[0] == "rotation - of orders: UNKNOWN (run 0, 0 s, nothing to do: rotation r1 has completed)"
    assert len(lines) == 3


@pytest.mark.parametrize("outcome, word", [("updated", "would update"), ("unchanged", "no change")])
def test_plan_has_one_row_per_target_and_a_trailer(outcome, word):
    """Plan: one row per target with what a real run would do, then the steps that would follow."""
    plan = [{"target": "GaussDB user u@% on i", "action": "set", "outcome": outcome, "status": "uses the current password"},
            {"target": "DRS job %s source" % DRS, "action": "propagate", "outcome": "updated"}]
    lines = plan_lines(plan, "r1", "orders", "a new rotation")
    assert lines[0] == "rotation r1 of orders: PLAN (check mode: a new rotation; nothing was changed)"
    assert len(lines) == 3 + len(plan) + 1
    assert word in lines[3] and lines[3].endswith("uses the current password")
    assert "would update" in lines[4]
    assert lines[-1] == "(then: verify the owner and 1 dependant job endpoint(s), promote, report)"
