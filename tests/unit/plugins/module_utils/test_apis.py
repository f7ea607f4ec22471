# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The API adapters (DrsApi, DcsApi, GaussDbApi, DtsApi) on a client that records each call.

Each test pins what the adapter asks the client for: service, method, path *template* and its
``path_params`` (no value is ever pasted into a path), query, body, and the ``write`` flag that
decides whether the retry layer may repeat it. The answers are plain data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi, job_exists
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import (
    DtsApi,
    is_missing_direction,
    is_missing_job,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import FakeClient

JOB1, JOB2 = "11111111-2222-4333-8444-5555555555jb", "66666666-7777-4888-9999-0000000000jb"
PASSWORD = "N3w-Passw0rd_2026"


def no_value_in_path(calls):
    """Every path is a template: only ``{name}`` placeholders and literal segments, never an id."""
    for call in calls:
        assert JOB1 not in call.path and "inst-1" not in call.path and "job-9" not in call.path, call.path


# --- DRS --------------------------------------------------------------------------------------------


def test_drs_batch_status_and_detail_read_100_ids_a_call():
    ids = ["%08d-0000-4000-8000-0000000000jb" % n for n in range(150)]
    client = FakeClient([{"results": [{"id": i, "status": "INCRE_TRANSFER_STARTED"} for i in ids[:100]]},
                         {"results": [{"id": i, "status": "INCRE_TRANSFER_STARTED"} for i in ids[100:]]},
                         {"results": [{"id": ids[0], "status": "PAUSING", "source_endpoint": {}}]}])
    api = DrsApi(client)
    found = api.batch_status(ids + ids[:3])  # repeats are read once
    assert sorted(found) == sorted(ids)
    assert [(c.service, c.method, c.path, c.path_params, c.write) for c in client.calls] == [
        ("drs", "POST", "/v3/{project_id}/jobs/{action}", {"action": "batch-status"}, False)] * 2
    assert [len(c.body["jobs"]) for c in client.calls] == [100, 50]
    assert client.calls[0].body["page_req"] == {"cur_page": 1, "per_page": 100}
    assert api.batch_detail([ids[0]])[ids[0]]["status"] == "PAUSING"
    assert client.calls[2].path_params == {"action": "batch-detail"}
    no_value_in_path(client.calls)


def test_drs_job_exists_tells_missing_ids():
    assert job_exists({"id": JOB1, "status": "PAUSING"})
    assert not job_exists({"id": JOB1, "status": "", "error_code": "DRS.M05003"})
    assert not job_exists({"id": JOB1, "status": "x", "error_code": "DRS.M05004"})
    assert not job_exists(None)


def test_drs_list_jobs_reads_every_page_with_the_filters():
    client = FakeClient([{"jobs": [{"id": JOB1}], "total_record": 2}, {"jobs": [{"id": JOB2}], "total_record": 2}])
    jobs = DrsApi(client).list_jobs(name="orders", db_use_type="sync")
    assert [j["id"] for j in jobs] == [JOB1, JOB2]
    assert [(c.method, c.path, c.write) for c in client.calls] == [("POST", "/v3/{project_id}/jobs", False)] * 2
    assert [c.body for c in client.calls] == [
        {"name": "orders", "db_use_type": "sync", "cur_page": 1, "per_page": 100},
        {"name": "orders", "db_use_type": "sync", "cur_page": 2, "per_page": 100}]


def test_drs_list_jobs_is_bounded_and_fails_instead_of_answering_part_of_a_list(monkeypatch):
    """A listing that never ends (every page full, no total) stops after MAX_LIST_PAGES with an error: discovery
    must not work from a partial list."""
    from ansible_collections.credrotate.cloud.plugins.module_utils import _drs_api
    monkeypatch.setattr(_drs_api, "MAX_LIST_PAGES", 3)
    client = FakeClient([{"jobs": [{"id": JOB1}]}] * 5)
    with pytest.raises(e.ProviderError, match="did not end after 3 pages"):
        DrsApi(client).list_jobs()
    assert len(client.calls) == 3


def test_drs_batch_modify_pwd_is_one_write_with_the_items_as_given():
    items = [{"job_id": JOB1, "end_point_type": "so", "db_password": PASSWORD}]
    answer = ApiResult({"results": [{"id": JOB1, "end_point_type": "so", "status": "success"}]}, "req-w", 200)
    client = FakeClient([answer])
    assert DrsApi(client).batch_modify_pwd(items) is answer
    call = client.calls[0]
    assert (call.service, call.method, call.path, call.path_params, call.write) == (
        "drs", "PUT", "/v3/{project_id}/jobs/batch-modify-pwd", {}, True)
    assert call.body == {"jobs": items}


def test_drs_batch_retry_task_body_is_the_sdk_shape():
    """POST .../jobs/batch-retry-task {"jobs": [{"job_id"}]} (BatchRetryReq/RetryInfo); a write; ids once each."""
    client = FakeClient([{"results": [{"id": JOB1, "status": "success"}], "count": 1}, {"results": []}])
    api = DrsApi(client)
    answer = api.batch_retry_task([JOB1, JOB2, JOB1])
    assert answer.data["results"][0]["status"] == "success" and answer.request_id
    call = client.calls[0]
    assert (call.service, call.method, call.path, call.path_params, call.write) == (
        "drs", "POST", "/v3/{project_id}/jobs/batch-retry-task", {}, True)
    assert call.body == {"jobs": [{"job_id": JOB1}, {"job_id": JOB2}]}
    api.batch_retry_task([JOB1], is_sync_re_edit=True)
    assert client.calls[1].body == {"jobs": [{"job_id": JOB1, "is_sync_re_edit": True}]}


def test_adapters_raise_the_clients_typed_errors_unchanged():
    busy = e.BusyError("DRS.M01504", "another operation is running")
    client = FakeClient([busy])
    with pytest.raises(e.BusyError) as info:
        DrsApi(client).batch_modify_pwd([])
    assert info.value is busy


# --- DCS --------------------------------------------------------------------------------------------


def test_dcs_show_instance_and_change_password():
    client = FakeClient([{"instance_id": "inst-1", "status": "RUNNING"},
                         {"result": "success", "retry_times_left": "5", "lock_time_left": "0"}])
    api = DcsApi(client)
    assert api.show_instance("inst-1")["status"] == "RUNNING"
    answer = api.change_password("inst-1", "Old-Passw0rd!", PASSWORD)
    assert answer.data["result"] == "success"
    show, change = client.calls
    assert (show.service, show.method, show.path, show.path_params, show.write, show.target) == (
        "dcs", "GET", "/v2/{project_id}/instances/{instance_id}", {"instance_id": "inst-1"}, False,
        "DCS instance inst-1")
    assert (change.method, change.path, change.path_params, change.write) == (
        "PUT", "/v2/{project_id}/instances/{instance_id}/password", {"instance_id": "inst-1"}, True)
    assert change.body == {"old_password": "Old-Passw0rd!", "new_password": PASSWORD}
    no_value_in_path(client.calls)


# --- GaussDB ----------------------------------------------------------------------------------------


def test_gaussdb_show_instance_and_root_reset():
    client = FakeClient([{"instance": {"id": "inst-1", "status": "ACTIVE"}}, {}])
    api = GaussDbApi(client)
    assert api.show_instance("inst-1") == {"id": "inst-1", "status": "ACTIVE"}
    api.reset_root_password("inst-1", PASSWORD)
    show, reset = client.calls
    assert (show.service, show.method, show.path, show.path_params, show.write) == (
        "gaussdb", "GET", "/v3/{project_id}/instances/{instance_id}", {"instance_id": "inst-1"}, False)
    assert (reset.method, reset.path, reset.body, reset.write) == (
        "POST", "/v3/{project_id}/instances/{instance_id}/password", {"password": PASSWORD}, True)
    assert reset.target == "GaussDB(for MySQL) instance inst-1"
    no_value_in_path(client.calls)


def test_gaussdb_list_db_users_pages_by_offset_until_total():
    client = FakeClient([{"users": [{"name": "a", "host": "%"}, {"name": "b", "host": "%"}], "total_count": 3},
                         {"users": [{"name": "c", "host": "10.%"}], "total_count": 3}])
    users = GaussDbApi(client).list_db_users("inst-1", page_size=2)
    assert [(u["name"], u["host"]) for u in users] == [("a", "%"), ("b", "%"), ("c", "10.%")]
    assert [(c.method, c.path, c.query, c.write) for c in client.calls] == [
        ("GET", "/v3/{project_id}/instances/{instance_id}/db-users", {"offset": 0, "limit": 2}, False),
        ("GET", "/v3/{project_id}/instances/{instance_id}/db-users", {"offset": 2, "limit": 2}, False)]


def test_gaussdb_change_db_user_passwords_sends_name_host_password_only():
    client = FakeClient([ApiResult({"job_id": "job-9"}, "req-1", 202), {"job": {"id": "job-9", "status": "Running"}}])
    api = GaussDbApi(client)
    users = [{"name": "app", "host": "%", "password": PASSWORD, "evidence": None}]
    assert api.change_db_user_passwords("inst-1", users).data["job_id"] == "job-9"
    assert api.show_job("job-9").data["job"]["status"] == "Running"
    put, job = client.calls
    assert (put.method, put.path, put.path_params, put.write) == (
        "PUT", "/v3/{project_id}/instances/{instance_id}/db-users/password", {"instance_id": "inst-1"}, True)
    assert put.body == {"users": [{"name": "app", "host": "%", "password": PASSWORD}]}
    assert (job.method, job.path, job.query, job.write) == ("GET", "/v3/{project_id}/jobs", {"id": "job-9"}, False)
    no_value_in_path(client.calls)


# --- DTS --------------------------------------------------------------------------------------------


def test_dts_describe_both_directions():
    client = FakeClient([ApiResult({"Status": "Synchronizing"}, "req-d", 200), {"Status": "Synchronizing"}])
    api = DtsApi(client)
    assert api.describe("dtsjob0000001") == ({"Status": "Synchronizing"}, "req-d")
    api.describe("dtsjob0000001", "reverse")
    forward, reverse = client.calls
    assert (forward.action, forward.params, forward.write) == (
        "DescribeDtsJobDetail", [("DtsJobId", "dtsjob0000001"), ("RegionId", "cn-hangzhou")], False)
    assert reverse.params[-1] == ("SynchronizationDirection", "Reverse")


def test_dts_list_page_drops_an_empty_status():
    client = FakeClient([{"DtsJobList": []}])
    DtsApi(client).list_page("SYNC", 2, 30)
    call = client.calls[0]
    assert call.action == "DescribeDtsJobs" and call.write is False
    assert call.params == [("JobType", "SYNC"), ("PageNumber", 2), ("PageSize", 30), ("Status", None),
                           ("Region", "cn-hangzhou")]


def test_dts_modify_password_puts_the_password_only_in_the_secret_params():
    client = FakeClient([{"Success": True}, {"Success": True}])
    api = DtsApi(client)
    api.modify_password("dtsjob0000001", "source", "repl", PASSWORD)
    api.modify_password("dtsjob0000001", "destination", "sink", PASSWORD, direction="reverse", target="label")
    first, second = client.calls
    assert (first.action, first.write) == ("ModifyDtsJobPassword", True)
    assert first.params == [("DtsJobId", "dtsjob0000001"), ("RegionId", "cn-hangzhou"), ("Endpoint", "src"),
                            ("UserName", "repl")]
    assert first.secret_params == [("Password", PASSWORD)]
    assert PASSWORD not in repr(first.params)
    assert second.params[2:] == [("Endpoint", "dest"), ("UserName", "sink"), ("SynchronizationDirection", "Reverse")]
    assert second.target == "label"


def test_dts_missing_job_and_direction_are_recognised():
    assert is_missing_job(e.NotFoundError("InvalidJobId.NotFound", "x"))
    assert is_missing_job(e.ProviderError("InvalidParameter", "The DtsJobId is invalid"))
    assert not is_missing_job(e.ProviderError("InvalidParameter", "The RegionId is invalid"))
    assert is_missing_direction(e.ProviderError("InvalidParameter", "SynchronizationDirection is invalid"))
