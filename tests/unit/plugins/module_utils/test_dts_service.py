# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The DTS services (_dts, _dts_info) on a fake DtsApi: preflight, decisions, confirmation, results, failures.

The fake keeps each job endpoint's stored password and answers like DTS: ``PasswordSame`` for a
password equal to the stored one, missing jobs as ``InvalidParameter`` on ``DtsJobId``. Scripted
faults make a call's answer get lost after the change applied (or before it did).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _dts, _dts_info
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import PASSWORD_SAME
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ProviderError, TaskFailed
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import Ledger
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult

NEW = "N3w-Dts_Passw0rd!"
OLD = "0ld-Dts_Passw0rd!"


class FakeDtsApi(object):
    """DTS as far as the services see it. ``jobs``: ``{job_id: {"Status", endpoint fields..., "reverse": {...}}}``."""

    region = "cn-hangzhou"

    def __init__(self, jobs, lost=()):
        self.jobs = jobs
        self.lost = dict(lost)  # (job_id, endpoint) -> "applied" | "not_applied": the answer of the next write is lost
        self.stored = {}
        self.calls = []
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0

    def describe(self, job_id, direction="forward"):
        self.calls.append(("describe", job_id, direction))
        job = self.jobs.get(job_id)
        if job is None:
            raise ProviderError("InvalidParameter", "The specified parameter DtsJobId is not valid.", http_status=400,
                                request_id="req-d")
        if direction == "reverse":
            if "reverse" not in job:
                raise ProviderError("InvalidParameter", "SynchronizationDirection is not valid", http_status=400)
            job = job["reverse"]
        return dict(job, DtsJobId=job_id), "req-describe-%s" % job_id

    def modify_password(self, job_id, endpoint, user, password, direction="forward", target=None):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(0.01)
            self.calls.append(("modify", job_id, endpoint, user, direction))
            key = (job_id, endpoint, direction)
            fault = self.lost.pop((job_id, endpoint), None)
            if fault == "applied":
                self.stored[key] = password
            if fault:
                err = ProviderError("ServiceUnavailable", "the answer was lost", server_error=True, http_status=503,
                                    request_id="req-lost")
                err.may_have_applied = True  # what the retry layer marks on a write it does not repeat
                raise err
            if self.stored.get(key, OLD) == password:
                raise ProviderError(PASSWORD_SAME, "The new password is the same as the old one", http_status=400,
                                    request_id="req-same")
            self.stored[key] = password
            return ApiResult({"Success": True}, "req-%s-%s" % (job_id, endpoint), 200)
        finally:
            with self.lock:
                self.in_flight -= 1


def job(status="Synchronizing", src_user="repl", dst_user="sink", can_modify=True, **extra):
    data = {"Status": status, "SourceEndpoint": {"UserName": src_user, "CanModifyPassword": can_modify},
            "DestinationEndpoint": {"UserName": dst_user, "CanModifyPassword": True}}
    data.update(extra)
    return data


def params(jobs, **extra):
    base = {"jobs": [dict({"user": None, "direction": "forward", "password": None}, **j) for j in jobs],
            "password": NEW, "password_policy": [], "concurrency": 8}
    base.update(extra)
    return base


def failure(call):
    with pytest.raises(TaskFailed) as info:
        call()
    return info.value


def test_changes_each_endpoint_once_and_reports_in_order():
    api = FakeDtsApi({"j1": job(), "j2": job("Migrating")})
    result = _dts.run_job_password(params([{"id": "j2", "endpoint": "destination"}, {"id": "j1", "endpoint": "source"}]),
                                   api)
    assert result["changed"] is True and result["warnings"] == []
    assert [(r["id"], r["endpoint"], r["user"], r["outcome"], r["status"]) for r in result["results"]] == [
        ("j2", "destination", "sink", "updated", "Migrating"), ("j1", "source", "repl", "updated", "Synchronizing")]
    assert sorted(result["request_ids"]) == ["req-j1-source", "req-j2-destination"]
    assert api.stored == {("j1", "source", "forward"): NEW, ("j2", "destination", "forward"): NEW}


def test_password_same_is_unchanged_and_a_ledger_skips_the_call_next_time(tmp_path):
    ledger = Ledger(str(tmp_path / "ledger.json"))
    api = FakeDtsApi({"j1": job()})
    api.stored[("j1", "source", "forward")] = NEW
    result = _dts.run_job_password(params([{"id": "j1", "endpoint": "source"}]), api, ledger=ledger)
    assert (result["changed"], result["results"][0]["outcome"]) == (False, "unchanged")
    assert ledger.matches("dts:j1:forward:src:repl", NEW)
    api.calls[:] = []
    result = _dts.run_job_password(params([{"id": "j1", "endpoint": "source"}]), api, ledger=ledger)
    assert result["results"][0]["outcome"] == "unchanged"
    assert [c[0] for c in api.calls] == ["describe"]  # the preflight read, no change call


def test_preflight_fails_the_whole_task_before_any_write():
    api = FakeDtsApi({"j1": job(), "j2": job("Finished"), "j3": job(can_modify="false"), "j4": job(src_user="other")})
    err = failure(lambda: _dts.run_job_password(params([
        {"id": "j1", "endpoint": "source"}, {"id": "j2", "endpoint": "source"}, {"id": "j3", "endpoint": "source"},
        {"id": "j4", "endpoint": "source", "user": "repl"}, {"id": "j5", "endpoint": "source"},
        {"id": "j1", "endpoint": "destination", "direction": "reverse"}]), api))
    assert err.code == "PreflightFailed" and err.kind == "precondition"
    assert err.msg.startswith("Preflight failed for 5 of 6 DTS job endpoint(s), nothing was changed: PreflightFailed: ")
    assert [(r["outcome"], r["error_code"]) for r in err.result["results"]] == [
        ("skipped", None), ("skipped", "JobStatus"), ("skipped", "PasswordNotModifiable"),
        ("skipped", "UserMismatch"), ("skipped", "JobNotFound"), ("skipped", "DirectionNotFound")]
    assert not [c for c in api.calls if c[0] == "modify"]


def test_a_lost_answer_is_confirmed_not_resent_blindly():
    """Applied: the confirming call gets PasswordSame -> updated. Not applied: the confirming call applies it."""
    api = FakeDtsApi({"j1": job(), "j2": job()}, lost={("j1", "source"): "applied", ("j2", "source"): "not_applied"})
    result = _dts.run_job_password(params([{"id": "j1", "endpoint": "source"}, {"id": "j2", "endpoint": "source"}],
                                          concurrency=1), api)
    assert [r["outcome"] for r in result["results"]] == ["updated", "updated"]
    assert [c[:2] for c in api.calls if c[1] == "j1"] == [
        ("describe", "j1"), ("modify", "j1"), ("describe", "j1"), ("modify", "j1")]
    assert "req-lost" in result["request_ids"] and "req-same" in result["request_ids"]


def test_a_failed_endpoint_fails_the_task_with_every_result():
    class Refusing(FakeDtsApi):
        def modify_password(self, job_id, endpoint, user, password, direction="forward", target=None):
            if job_id == "j2":
                raise ProviderError("DTS.Msg.OperationDenied.JobStatus", "refused", http_status=400, request_id="rq2")
            return FakeDtsApi.modify_password(self, job_id, endpoint, user, password, direction, target)

    api = Refusing({"j1": job(), "j2": job()})
    err = failure(lambda: _dts.run_job_password(params([{"id": "j1", "endpoint": "source"},
                                                        {"id": "j2", "endpoint": "source"}]), api))
    assert err.msg == "ModifyDtsJobPassword failed for 1 of 2 DTS job endpoint(s): j2 source " \
                      "(DTS.Msg.OperationDenied.JobStatus)"
    assert (err.code, err.result["request_id"], err.result["http_status"]) == (
        "DTS.Msg.OperationDenied.JobStatus", "rq2", 400)
    assert [r["outcome"] for r in err.result["results"]] == ["updated", "failed"] and err.result["changed"] is True
    assert not err.may_have_applied


def test_a_lost_answer_whose_confirmation_fails_may_have_applied():
    class Unreadable(FakeDtsApi):
        def describe(self, job_id, direction="forward"):
            if self.calls:
                raise ProviderError("InternalError", "down", server_error=True, http_status=500)
            return FakeDtsApi.describe(self, job_id, direction)

    api = Unreadable({"j1": job()}, lost={("j1", "source"): "applied"})
    err = failure(lambda: _dts.run_job_password(params([{"id": "j1", "endpoint": "source"}]), api))
    assert err.may_have_applied and err.result["results"][0]["error_code"] == "ServiceUnavailable"
    assert "confirmation failed" in err.result["results"][0]["error_msg"]


def test_check_mode_reads_only_and_diff_names_endpoints():
    api = FakeDtsApi({"j1": job(reverse=job(src_user="back"))})
    result = _dts.run_job_password(params([{"id": "j1", "endpoint": "source", "direction": "reverse"}]), api,
                                   check_mode=True, diff=True)
    assert result["changed"] is True and result["results"][0]["user"] == "back"
    assert result["diff"] == {"before": "j1/reverse/source: previous password\n",
                              "after": "j1/reverse/source: new password\n"}
    assert [c[0] for c in api.calls] == ["describe"]


def test_calls_stay_within_the_concurrency_bound():
    jobs = dict(("j%02d" % n, job()) for n in range(24))
    api = FakeDtsApi(jobs)
    _dts.run_job_password(params([{"id": j, "endpoint": "source"} for j in sorted(jobs)], concurrency=4), api)
    assert 1 < api.max_in_flight <= 4


@pytest.mark.parametrize("options,code", [
    ({"jobs": [{"id": "j1", "endpoint": "source"}, {"id": "j1", "endpoint": "source"}]}, "DuplicateTarget"),
    ({"jobs": [{"id": "j1", "endpoint": "source"}], "password": None}, "MissingPassword"),
    ({"jobs": []}, "InvalidParameter"),
    ({"jobs": [{"id": "j1", "endpoint": "source"}], "concurrency": 65}, "InvalidParameter"),
    ({"jobs": [{"id": "j1", "endpoint": "source"}], "password": "short", "password_policy": ["gaussdb_mysql"]},
     "PasswordPolicy"),
])
def test_input_problems_fail_before_any_call(options, code):
    api = FakeDtsApi({"j1": job()})
    err = failure(lambda: _dts.run_job_password(params(options.pop("jobs"), **options), api))
    assert err.code == code and api.calls == []
    assert "short" not in err.msg


def test_info_reads_both_directions_and_lists_missing_jobs():
    api = FakeDtsApi({"j1": job(DtsJobDirection="Forward", reverse=job("Failed")), "j2": job()})
    result = _dts_info.run_job_info({"jobs": ["j1", "j2", "j9", "j1"], "concurrency": 2}, api)
    assert [(j["id"], j["direction"], j["running"], j["failed"]) for j in result["jobs"]] == [
        ("j1", "forward", True, False), ("j1", "reverse", False, True), ("j2", "forward", True, False)]
    assert result["missing"] == ["j9"] and result["changed"] is False


def test_a_dts_listing_that_does_not_end_fails_instead_of_answering_part_of_it(monkeypatch):
    """Every page full and no total, past MAX_PAGES: the listing fails (discovery must not work from a partial list)."""
    from ansible_collections.credrotate.cloud.plugins.module_utils import _dts_info

    class Endless:
        def __init__(self):
            self.pages = []

        def list_page(self, job_type, page, page_size, status=None):
            self.pages.append(page)
            return {"DtsJobList": [{"DtsJobId": "job%04d" % page, "Status": "Synchronizing"}] * page_size}, "req"

    monkeypatch.setattr(_dts_info, "MAX_PAGES", 2)
    api = Endless()
    with pytest.raises(TaskFailed, match="did not end after 2 pages"):
        _dts_info.list_jobs(api, ["SYNC"], 1)
    assert api.pages == [1, 2]
