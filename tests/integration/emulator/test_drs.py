"""The emulated Huawei DRS v3: batch password change, batch status/detail, job list, job health.

Every test starts its own emulator (``emulator_factory``) and talks HTTP to it, signed with the
collection's own signer (``emulator.signing.signing.huawei_sign``) or through the official
``huaweicloudsdkdrs`` client.
"""

import copy
import json
import os
import time
import uuid

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
FOREIGN_PROJECT = "99999999999999999999999999999999"  # belongs to another domain
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
IAM_PASSWORD = "Iam-Passw0rd!x"

J_SYNC = "8d0e8e36-a618-490d-8a46-8c61ac9djb01"
J_MIGRATION = "8d0e8e36-a618-490d-8a46-8c61ac9djb02"
J_STOPPED = "8d0e8e36-a618-490d-8a46-8c61ac9djb03"
J_OTHER_PROJECT = "8d0e8e36-a618-490d-8a46-8c61ac9djb04"
J_START_FAILED = "8d0e8e36-a618-490d-8a46-8c61ac9djb05"
J_FULL = "8d0e8e36-a618-490d-8a46-8c61ac9djb06"
UNKNOWN = "00000000-0000-0000-0000-00000000jb99"

SRC_PW, TGT_PW = "Src-Old-Passw0rd!", "Tgt-Old-Passw0rd!"
NEW_PW = "N3w-Passw0rd!rotated"


def _job(job_id, name, status="INCRE_TRANSFER_STARTED", project=PROJECT, db_use_type="sync", **extra):
    job = {
        "id": job_id, "name": name, "project_id": project, "status": status, "db_use_type": db_use_type,
        "engine_type": "mysql", "job_direction": "up",
        "source": {"database": {"ref": "gauss-src-in07", "user": "repl"}, "password": SRC_PW,
                   "ip": "10.0.0.5", "db_port": 3306},
        "target": {"database": {"ref": "external:192.168.7.9:3307", "user": "drs_tgt"}, "password": TGT_PW},
    }
    job.update(extra)
    return job


FIXTURES = {
    "iam": {"domains": [
        {"id": "d0000000000000000000000000000001", "name": "demo-domain",
         "users": [{"id": "u1", "name": "demo-user", "password": IAM_PASSWORD}],
         "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
         "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"}]},
        {"id": "d0000000000000000000000000000002", "name": "other-domain", "users": [],
         "projects": [{"id": FOREIGN_PROJECT, "name": "cn-north-4"}], "access_keys": []},
    ]},
    "drs": {"jobs": [
        _job(J_SYNC, "orders-sync"),
        _job(J_MIGRATION, "billing-migration", "FULL_TRANSFER_COMPLETE", db_use_type="migration"),
        _job(J_STOPPED, "old-stopped", "RELEASE_RESOURCE_COMPLETE", db_use_type="migration"),
        _job(J_OTHER_PROJECT, "east-sync", project=OTHER_PROJECT),
        _job(J_START_FAILED, "start-failed", "STARTJOB_FAILED"),
        _job(J_FULL, "full-running", "FULL_TRANSFER_STARTED", db_use_type="migration"),
    ]},
}
PAGING_IDS = ["aaaaaaaa-0000-0000-0000-0000000jb%03d" % i for i in range(12)]


def paging_fixtures():
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["drs"]["jobs"] += [_job(i, "bulk-%02d" % n, db_use_type="migration") for n, i in enumerate(PAGING_IDS)]
    return fixtures


def call(emu, method, path, body=None, token=None, ak=AK, sk=SK, headers=None, raw=None):
    """Send a DRS request signed like the official SDK (or with an IAM token)."""
    url = emu.base_url + path
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode("utf-8"))
    hdrs = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
    hdrs.update(headers or {})
    if token:
        hdrs["X-Auth-Token"] = token
    else:
        hdrs = signing.huawei_sign(method, url, hdrs, data, ak, sk)
    return requests.request(method, url, data=data, headers=hdrs, timeout=10)


def modify(emu, items, project=PROJECT, **kw):
    return call(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % project, {"jobs": items}, **kw)


def status(emu, ids, page_req=None, project=PROJECT):
    body = {"jobs": ids}
    if page_req is not None:
        body["page_req"] = page_req
    return call(emu, "POST", "/v3/%s/jobs/batch-status" % project, body)


def detail(emu, ids, page_req=None, project=PROJECT):
    body = {"jobs": ids}
    if page_req is not None:
        body["page_req"] = page_req
    return call(emu, "POST", "/v3/%s/jobs/batch-detail" % project, body)


def list_jobs(emu, body=None, project=PROJECT):
    return call(emu, "POST", "/v3/%s/jobs" % project, body if body is not None else {})


def item(job_id, ept, password=NEW_PW, **extra):
    out = {"job_id": job_id, "end_point_type": ept, "db_password": password}
    out.update(extra)
    return out


def stored(emu, job_id, side):
    job = next(j for j in emu.dump()["drs"]["jobs"] if j["id"] == job_id)
    return job[side]["password"]


def job_state(emu, job_id):
    return next(j for j in emu.summary()["drs"]["jobs"] if j["id"] == job_id)


def admin(emu, path, body=None):
    return requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)


def assert_unchanged(emu):
    for job_id in (J_SYNC, J_MIGRATION, J_STOPPED, J_START_FAILED):
        assert stored(emu, job_id, "source") == SRC_PW
        assert stored(emu, job_id, "target") == TGT_PW


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


class Logins:
    """An in-memory database checker registered directly with ``emu.databases`` (no GaussDB service needed)."""

    def __init__(self, users):
        self.users = dict(users)
        self.calls = 0

    def __call__(self, user, password):
        self.calls += 1
        return self.users.get(user) == password


# --- batch-modify-pwd ---------------------------------------------------------------------


def test_batch_modify_pwd_changes_both_endpoints_and_reports_each_item(emu):
    """A valid batch returns 200 with one success entry per item and stores the new passwords."""
    resp = modify(emu, [item(J_SYNC, "so"), item(J_SYNC, "ta", "Other-N3w-Pass!"), item(J_MIGRATION, "ta")])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["count"] == 3
    assert body["results"] == [
        {"id": J_SYNC, "status": "success", "end_point_type": "so"},
        {"id": J_SYNC, "status": "success", "end_point_type": "ta"},
        {"id": J_MIGRATION, "status": "success", "end_point_type": "ta"},
    ]
    assert resp.headers.get("X-Request-Id")
    assert stored(emu, J_SYNC, "source") == NEW_PW
    assert stored(emu, J_SYNC, "target") == "Other-N3w-Pass!"
    assert stored(emu, J_MIGRATION, "target") == NEW_PW
    assert stored(emu, J_MIGRATION, "source") == SRC_PW
    entry = emu.journal.entries()[-1]
    assert (entry["service"], entry["action"], entry["write"], entry["status"], entry["auth"]) == (
        "drs", "BatchResetPassword", True, 200, "aksk")
    # neither the journal nor the public state ever carries a password
    public = json.dumps(emu.summary()) + json.dumps(emu.journal.entries())
    for secret in (NEW_PW, SRC_PW, TGT_PW, "Other-N3w-Pass!"):
        assert secret not in public


def test_batch_modify_pwd_accepts_kerberos_and_keeps_it_out_of_public_state(emu):
    """The optional ``kerberos`` object is accepted, stored with the job, and never summarised."""
    krb = {"krb5_conf_file": "a2VyYmVyb3M=", "key_tab_file": "c2VjcmV0", "domain_name": "EXAMPLE.COM",
           "user_principal": "repl@EXAMPLE.COM"}
    resp = modify(emu, [item(J_SYNC, "so", kerberos=krb)])
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "success"
    job = next(j for j in emu.dump()["drs"]["jobs"] if j["id"] == J_SYNC)
    assert job["source"]["kerberos"] == krb
    assert "c2VjcmV0" not in json.dumps(emu.summary())


@pytest.mark.parametrize("field", ["job_id", "end_point_type", "db_password"])
def test_batch_modify_pwd_missing_field_is_M00201_and_applies_nothing(emu, field):
    """An item without job_id/end_point_type/db_password fails the whole batch with DRS.M00201."""
    bad = item(J_SYNC, "ta")
    del bad[field]
    resp = modify(emu, [item(J_SYNC, "so"), bad])
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "DRS.M00201"
    assert "jobs[1].%s" % field in resp.json()["error_msg"]
    assert NEW_PW not in resp.text
    assert_unchanged(emu)


@pytest.mark.parametrize("items,code", [
    ([item(J_SYNC, "src")], "DRS.M00202"),
    ([item(J_SYNC, "SO")], "DRS.M00202"),
    ([item(J_SYNC, "so", password=12345678)], "DRS.M00202"),
    ([item(J_SYNC, "so", kerberos="not-an-object")], "DRS.M00202"),
    (["just-a-string"], "DRS.M00202"),
    ([], "DRS.M00201"),
    ([item(J_SYNC, "so"), item(J_MIGRATION, "so"), item(J_SYNC, "so", password="Another-Pass1!")], "DRS.M00301"),
])
def test_batch_modify_pwd_invalid_items_are_rejected_as_a_whole(emu, items, code):
    """Bad end_point_type / types → DRS.M00202, empty list → M00201, duplicate (job, side) → M00301."""
    resp = modify(emu, items)
    assert resp.status_code == 400
    assert resp.json()["error_code"] == code
    assert NEW_PW not in resp.text and "Another-Pass1!" not in resp.text
    assert_unchanged(emu)


@pytest.mark.parametrize("raw,code", [(b"not json", "DRS.M00200"), (b"[]", "DRS.M00200"),
                                      (b"", "DRS.M00201"), (b'{"jobs": {"job_id": "x"}}', "DRS.M00202")])
def test_batch_modify_pwd_malformed_body(emu, raw, code):
    """A body that is not a JSON object with a ``jobs`` list is a parameter error."""
    resp = call(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, raw=raw)
    assert resp.status_code == 400
    assert resp.json()["error_code"] == code


def test_batch_modify_pwd_same_job_both_sides_is_not_a_duplicate(emu):
    """(job, so) and (job, ta) are different items; only the same pair twice is a duplicate."""
    resp = modify(emu, [item(J_SYNC, "so"), item(J_SYNC, "ta")])
    assert resp.status_code == 200 and resp.json()["count"] == 2


def test_batch_modify_pwd_unknown_job_fails_whole_batch_with_M05003(emu):
    """DECISION: an unknown job id → top-level 400 DRS.M05003 naming it; the valid items are not applied."""
    resp = modify(emu, [item(J_SYNC, "so"), item(UNKNOWN, "ta")])
    assert resp.status_code == 400
    body = resp.json()
    assert body["error_code"] == "DRS.M05003"
    assert body["error_msg"].startswith("Task information not found")
    assert UNKNOWN in body["error_msg"]
    assert_unchanged(emu)


def test_batch_modify_pwd_job_of_another_project_is_not_found(emu):
    """A job that exists in another project of the same account is invisible: DRS.M05003."""
    resp = modify(emu, [item(J_OTHER_PROJECT, "so")])
    assert resp.status_code == 400 and resp.json()["error_code"] == "DRS.M05003"
    assert stored(emu, J_OTHER_PROJECT, "source") == SRC_PW
    # ... and it is found in its own project
    resp = modify(emu, [item(J_OTHER_PROJECT, "so")], project=OTHER_PROJECT, headers={"X-Project-Id": OTHER_PROJECT})
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "success"


def test_batch_modify_pwd_disallowed_state_fails_whole_batch_with_M00304(emu):
    """DECISION: a job whose state forbids the change → top-level 400 DRS.M00304 naming job and state; nothing applied."""
    resp = modify(emu, [item(J_SYNC, "so"), item(J_STOPPED, "so"), item(J_STOPPED, "ta")])
    assert resp.status_code == 400
    body = resp.json()
    assert body["error_code"] == "DRS.M00304"
    assert body["error_msg"].startswith("This API cannot be called in the current task status")
    assert J_STOPPED in body["error_msg"] and "RELEASE_RESOURCE_COMPLETE" in body["error_msg"]
    assert J_SYNC not in body["error_msg"]
    assert_unchanged(emu)


def test_unknown_job_is_reported_before_wrong_state(emu):
    """With both an unknown and a stopped job in the batch, the unknown job decides the error (M05003)."""
    resp = modify(emu, [item(J_STOPPED, "so"), item(UNKNOWN, "so")])
    assert resp.json()["error_code"] == "DRS.M05003"


ALLOWED = ["STARTJOBING", "START_JOB_FAILED", "STARTJOB_FAILED", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED",
           "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "PAUSING"]
FORBIDDEN = ["CREATING", "CREATE_FAILED", "CONFIGURATION", "WAITING_FOR_START", "RELEASE_RESOURCE_STARTED",
             "RELEASE_RESOURCE_FAILED", "RELEASE_RESOURCE_COMPLETE", "CHANGE_JOB_STARTED", "DELETED",
             "CHILD_TRANSFER_STARTED", "NODE_UPGRADE_START"]


def test_password_change_allowed_exactly_in_the_documented_states(emu):
    """Every documented state (both START_JOB_FAILED spellings) accepts the change; others get M00304."""
    for state in ALLOWED + FORBIDDEN:
        resp = admin(emu, "drs/jobs/%s/status" % J_SYNC, {"status": state})
        assert resp.status_code == 200, resp.text
        resp = modify(emu, [item(J_SYNC, "so", password="Pw-%s-1!" % state)])
        if state in ALLOWED:
            assert resp.status_code == 200, (state, resp.text)
            assert stored(emu, J_SYNC, "source") == "Pw-%s-1!" % state
        else:
            assert resp.status_code == 400, state
            assert resp.json()["error_code"] == "DRS.M00304"
            assert state in resp.json()["error_msg"]


def test_startjob_failed_spelling_is_emitted_as_start_job_failed(emu):
    """A fixture saying STARTJOB_FAILED is served as START_JOB_FAILED and accepts a password change."""
    assert status(emu, [J_START_FAILED]).json()["results"][0]["status"] == "START_JOB_FAILED"
    resp = modify(emu, [item(J_START_FAILED, "ta")])
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "success"


def test_injected_item_failure_is_reported_inside_http_200_and_other_items_apply(emu):
    """fail-next-change makes one item ``failed`` (default DRS.M01501) in a 200 response; the rest apply; it is one-shot."""
    resp = admin(emu, "drs/jobs/%s/fail-next-change" % J_SYNC, {"end_point_type": "ta"})
    assert resp.status_code == 200 and resp.json()["pending_failures"] == 1
    resp = modify(emu, [item(J_SYNC, "so"), item(J_SYNC, "ta"), item(J_MIGRATION, "so")])
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert results[0] == {"id": J_SYNC, "status": "success", "end_point_type": "so"}
    assert results[1]["status"] == "failed" and results[1]["end_point_type"] == "ta"
    assert results[1]["error_code"] == "DRS.M01501" and results[1]["error_msg"]
    assert results[2]["status"] == "success"
    assert stored(emu, J_SYNC, "source") == NEW_PW
    assert stored(emu, J_SYNC, "target") == TGT_PW
    assert stored(emu, J_MIGRATION, "source") == NEW_PW
    # one-shot: the retry of the failed item succeeds
    resp = modify(emu, [item(J_SYNC, "ta")])
    assert resp.json()["results"][0]["status"] == "success"
    assert stored(emu, J_SYNC, "target") == NEW_PW


def test_injected_failure_with_custom_code_and_count(emu):
    """An injected failure carries the given error_code and a known message; ``count`` queues several."""
    admin(emu, "drs/jobs/%s/fail-next-change" % J_MIGRATION, {"error_code": "DRS.M01504", "count": 2})
    for dummy in range(2):
        result = modify(emu, [item(J_MIGRATION, "so")]).json()["results"][0]
        assert (result["status"], result["error_code"]) == ("failed", "DRS.M01504")
        assert "Another operation" in result["error_msg"]
    assert modify(emu, [item(J_MIGRATION, "so")]).json()["results"][0]["status"] == "success"


def test_fail_next_change_flag_in_fixture(emulator_factory):
    """``fail_next_change: true`` on a job in the fixtures fails its next item."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["drs"]["jobs"][0]["fail_next_change"] = True
    emu = emulator_factory(fixtures)
    assert job_state(emu, J_SYNC)["pending_failures"] == 1
    result = modify(emu, [item(J_SYNC, "so")]).json()["results"][0]
    assert result["status"] == "failed" and result["error_code"] == "DRS.M01501"


def test_admin_routes_reject_unknown_job_and_status(emu):
    """The admin routes answer 404 for an unknown job and 400 for an unknown status."""
    assert admin(emu, "drs/jobs/%s/status" % UNKNOWN, {"status": "PAUSING"}).status_code == 404
    assert admin(emu, "drs/jobs/%s/fail-next-change" % UNKNOWN).status_code == 404
    assert admin(emu, "drs/jobs/%s/status" % J_SYNC, {"status": "RUNNING"}).status_code == 400
    assert admin(emu, "drs/jobs/%s/fail-next-change" % J_SYNC, {"end_point_type": "xx"}).status_code == 400


# --- batch-status / batch-detail -------------------------------------------------------------


def test_batch_status_returns_each_job_in_request_order(emu):
    """batch-status answers id/status per job in request order; count is the number of ids."""
    resp = status(emu, [J_MIGRATION, J_SYNC, J_STOPPED])
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 3
    assert [(r["id"], r["status"]) for r in body["results"]] == [
        (J_MIGRATION, "FULL_TRANSFER_COMPLETE"), (J_SYNC, "INCRE_TRANSFER_STARTED"), (J_STOPPED, "RELEASE_RESOURCE_COMPLETE")]
    entry = emu.journal.entries()[-1]
    assert (entry["action"], entry["write"], entry["status"]) == ("BatchListJobStatus", False, 200)


def test_batch_status_unknown_or_foreign_job_is_an_item_error(emu):
    """An unknown id (or one in another project) is answered with a per-item DRS.M05003 entry."""
    body = status(emu, [J_SYNC, UNKNOWN, J_OTHER_PROJECT]).json()
    assert body["results"][0]["status"] == "INCRE_TRANSFER_STARTED"
    for result, job_id in zip(body["results"][1:], (UNKNOWN, J_OTHER_PROJECT)):
        assert result == {"id": job_id, "error_code": "DRS.M05003", "error_message": "Task information not found"}


def test_batch_status_paging_rules(emulator_factory):
    """page_req: default per_page 5, per_page 0 = all (cur_page 0/1 only), cur_page past the last page and per_page > 100 rejected."""
    emu = emulator_factory(paging_fixtures())
    ids = PAGING_IDS  # 12 jobs
    body = status(emu, ids).json()
    assert body["count"] == 12 and [r["id"] for r in body["results"]] == ids[:5]
    body = status(emu, ids, {"cur_page": 3, "per_page": 5}).json()
    assert [r["id"] for r in body["results"]] == ids[10:]
    body = status(emu, ids, {"cur_page": 2, "per_page": 10}).json()
    assert [r["id"] for r in body["results"]] == ids[10:]
    for page_req in ({"cur_page": 1, "per_page": 0}, {"cur_page": 0, "per_page": 0}):
        assert len(status(emu, ids, page_req).json()["results"]) == 12
    for page_req, code in (({"cur_page": 2, "per_page": 0}, "DRS.M00210"),
                           ({"cur_page": 4, "per_page": 5}, "DRS.M00210"),
                           ({"cur_page": -1, "per_page": 5}, "DRS.M00210"),
                           ({"cur_page": 1, "per_page": 101}, "DRS.M00211"),
                           ({"cur_page": "x", "per_page": 5}, "DRS.M00202")):
        resp = status(emu, ids, page_req)
        assert resp.status_code == 400 and resp.json()["error_code"] == code, page_req


@pytest.mark.parametrize("body,code", [({}, "DRS.M00201"), ({"jobs": []}, "DRS.M00201"),
                                       ({"jobs": "id"}, "DRS.M00202"), ({"jobs": [1]}, "DRS.M00202"),
                                       ({"jobs": [J_SYNC], "page_req": 3}, "DRS.M00202")])
def test_batch_reads_validate_their_body(emu, body, code):
    """batch-status and batch-detail need a non-empty list of job id strings."""
    for path in ("batch-status", "batch-detail"):
        resp = call(emu, "POST", "/v3/%s/jobs/%s" % (PROJECT, path), body)
        assert resp.status_code == 400 and resp.json()["error_code"] == code


def test_batch_detail_describes_endpoints_without_passwords(emu):
    """batch-detail gives db_user/ip/db_port/inst_id per endpoint plus job fields, never a password."""
    resp = detail(emu, [J_SYNC, J_MIGRATION])
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 2
    job = body["results"][0]
    assert job["id"] == J_SYNC and job["name"] == "orders-sync"
    assert (job["status"], job["db_use_type"], job["engine_type"], job["job_direction"]) == (
        "INCRE_TRANSFER_STARTED", "sync", "mysql", "up")
    assert job["source_endpoint"] == {"db_user": "repl", "ip": "10.0.0.5", "db_port": 3306, "inst_id": "gauss-src-in07"}
    assert job["target_endpoint"] == {"db_user": "drs_tgt", "ip": "192.168.7.9", "db_port": 3307}
    assert "error_code" not in job
    for secret in (SRC_PW, TGT_PW):
        assert secret not in resp.text
    assert "password" not in resp.text


# --- list ---------------------------------------------------------------------------------------


def test_list_jobs_shows_only_the_callers_project(emu):
    """POST /v3/{project}/jobs lists the project's jobs with total_record and the JobInfo fields."""
    resp = list_jobs(emu, {"cur_page": 1, "per_page": 10})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total_record"] == 5
    ids = [j["id"] for j in body["jobs"]]
    assert J_OTHER_PROJECT not in ids and J_SYNC in ids
    first = body["jobs"][0]
    assert set(first) >= {"id", "name", "status", "engine_type", "db_use_type", "task_type", "children"}
    assert first["children"] == []
    other = list_jobs(emu, {}, project=OTHER_PROJECT).json()
    assert [j["id"] for j in other["jobs"]] == [J_OTHER_PROJECT]


def test_list_jobs_filters(emu):
    """db_use_type, status and name (substring, or comma-separated ids) filter the list."""
    def ids(body):
        return sorted(j["id"] for j in list_jobs(emu, body).json()["jobs"])
    assert ids({"db_use_type": "migration"}) == sorted([J_MIGRATION, J_STOPPED, J_FULL])
    assert ids({"status": "FULL_TRANSFER_COMPLETE"}) == [J_MIGRATION]
    assert ids({"status": "STARTJOB_FAILED"}) == [J_START_FAILED]
    assert ids({"name": "orders"}) == [J_SYNC]
    assert ids({"name": "%s,%s" % (J_SYNC, J_STOPPED)}) == sorted([J_SYNC, J_STOPPED])
    assert ids({"name": J_OTHER_PROJECT}) == []
    assert ids({"db_use_type": "sync", "status": "INCRE_TRANSFER_STARTED"}) == [J_SYNC]


def test_list_jobs_paging_and_validation(emulator_factory):
    """per_page defaults to 10 and is capped at 100; bad db_use_type/status are parameter errors."""
    emu = emulator_factory(paging_fixtures())
    body = list_jobs(emu, {}).json()
    assert body["total_record"] == 17 and len(body["jobs"]) == 10
    body = list_jobs(emu, {"cur_page": 2}).json()
    assert len(body["jobs"]) == 7
    assert len(list_jobs(emu, {"per_page": 0}).json()["jobs"]) == 17
    assert list_jobs(emu, {"cur_page": 5}).json()["jobs"] == []
    for body, code in (({"per_page": 101}, "DRS.M00211"), ({"per_page": 0, "cur_page": 2}, "DRS.M00210"),
                       ({"db_use_type": "replication"}, "DRS.M00202"), ({"status": "RUNNING"}, "DRS.M00202")):
        resp = list_jobs(emu, body)
        assert resp.status_code == 400 and resp.json()["error_code"] == code, body


def test_path_project_outside_the_callers_domain_is_refused(emu):
    """An AK/SK caller naming a project of another account gets the gateway's APIGW.0310."""
    resp = status(emu, [J_SYNC], project=FOREIGN_PROJECT)
    assert resp.status_code == 403 and resp.json()["error_code"] == "APIGW.0310"


# --- IAM token path (SDK-free client) ---------------------------------------------------------


def iam_token(emu, project_name="cn-north-4"):
    resp = requests.post(emu.base_url + "/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo-user", "password": IAM_PASSWORD, "domain": {"name": "demo-domain"}}}},
        "scope": {"project": {"name": project_name}}}}, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def test_iam_token_client_reads_and_writes(emu):
    """A project-scoped IAM token (requests only, no SDK) can list, read and change DRS jobs."""
    token = iam_token(emu)
    assert list_jobs(emu, {}, ).status_code == 200
    resp = call(emu, "POST", "/v3/%s/jobs" % PROJECT, {"db_use_type": "sync"}, token=token)
    assert resp.status_code == 200 and resp.json()["total_record"] == 2
    resp = call(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, {"jobs": [item(J_SYNC, "so")]}, token=token)
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "success"
    assert stored(emu, J_SYNC, "source") == NEW_PW
    assert emu.journal.entries()[-1]["auth"] == "token"
    # a token scoped to this project does not open another project's jobs
    resp = call(emu, "POST", "/v3/%s/jobs/batch-status" % OTHER_PROJECT, {"jobs": [J_OTHER_PROJECT]}, token=token)
    assert resp.status_code == 401 and resp.json()["error_code"] == "APIGW.0307"


# --- health ------------------------------------------------------------------------------------


def test_forgotten_job_fails_on_read_and_recovers_after_update(emu):
    """A job whose stored password no longer logs in goes INCRE_TRANSFER_FAILED (DRS.KE0002) and recovers once updated."""
    db = Logins({"repl": SRC_PW})
    emu.databases.register("gauss-src-in07", db)
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"
    assert db.calls == 1
    db.users["repl"] = NEW_PW  # the database password was rotated, the job was forgotten
    result = status(emu, [J_SYNC]).json()["results"][0]
    assert result == {"id": J_SYNC, "status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.KE0002",
                      "error_message": "The username or password is incorrect"}
    assert detail(emu, [J_SYNC]).json()["results"][0]["error_code"] == "DRS.KE0002"
    assert [j["id"] for j in list_jobs(emu, {"status": "INCRE_TRANSFER_FAILED"}).json()["jobs"]] == [J_SYNC]
    assert job_state(emu, J_SYNC)["health_failure"] == {"from": "INCRE_TRANSFER_STARTED", "endpoints": ["source"]}
    # updating the job (the check runs right after the change) brings it back
    assert modify(emu, [item(J_SYNC, "so")]).json()["results"][0]["status"] == "success"
    assert job_state(emu, J_SYNC)["status"] == "INCRE_TRANSFER_STARTED"
    result = status(emu, [J_SYNC]).json()["results"][0]
    assert result == {"id": J_SYNC, "status": "INCRE_TRANSFER_STARTED"}


def test_job_recovers_when_the_database_password_is_rolled_back(emu):
    """Recovery needs only that the stored password logs in again (e.g. the database was rolled back)."""
    db = Logins({"repl": "something-else"})
    emu.databases.register("gauss-src-in07", db)
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_FAILED"
    db.users["repl"] = SRC_PW
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"


def test_full_transfer_job_fails_to_full_transfer_failed(emu):
    """A running full transfer with a broken stored password goes FULL_TRANSFER_FAILED and comes back."""
    db = Logins({"repl": "rotated"})
    emu.databases.register("gauss-src-in07", db)
    assert status(emu, [J_FULL]).json()["results"][0]["status"] == "FULL_TRANSFER_FAILED"
    modify(emu, [item(J_FULL, "so", password="rotated")])
    assert status(emu, [J_FULL]).json()["results"][0]["status"] == "FULL_TRANSFER_STARTED"


def test_health_leaves_other_failures_and_states_alone(emu):
    """Only failures the health check caused are undone; a paused or otherwise-failed job keeps its state."""
    emu.databases.register("gauss-src-in07", Logins({"repl": SRC_PW}))
    admin(emu, "drs/jobs/%s/status" % J_SYNC, {"status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.M00004",
                                               "error_message": "Service is abnormal. Check logs."})
    result = status(emu, [J_SYNC]).json()["results"][0]
    assert (result["status"], result["error_code"]) == ("INCRE_TRANSFER_FAILED", "DRS.M00004")
    emu.databases.register("gauss-src-in07", Logins({"repl": "rotated"}))
    admin(emu, "drs/jobs/%s/status" % J_MIGRATION, {"status": "PAUSING"})
    assert status(emu, [J_MIGRATION]).json()["results"][0] == {"id": J_MIGRATION, "status": "PAUSING"}


def test_unknown_database_reference_counts_as_healthy(emu):
    """With no checker registered for a job's database, health checks change nothing."""
    for dummy in range(2):
        assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"


def test_health_interval_limits_checks(emulator_factory):
    """With drs_health_interval set, a job is checked at most once per interval (emulator clock)."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"drs_health_interval": 60}
    emu = emulator_factory(fixtures)
    db = Logins({"repl": SRC_PW})
    emu.databases.register("gauss-src-in07", db)
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"
    db.users["repl"] = "rotated"
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"
    assert db.calls == 1
    requests.post(emu.base_url + "/_emulator/clock", json={"skew_seconds": 61}, timeout=10)
    # requests are signed with the real clock; 61 s of skew is well inside the 15-minute window
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_FAILED"
    assert db.calls == 2


def test_checker_errors_do_not_fail_jobs(emu):
    """A checker that raises (database unreachable) says nothing about the password: state unchanged."""
    def broken(user, password):
        raise OSError("connection refused")
    emu.databases.register("gauss-src-in07", broken)
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"


def test_check_new_password_setting_fails_item_that_cannot_log_in(emulator_factory):
    """With drs_check_new_password, a new password that does not log in fails per item with DRS.KE0002."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"drs_check_new_password": True}
    emu = emulator_factory(fixtures)
    emu.databases.register("gauss-src-in07", Logins({"repl": NEW_PW}))
    resp = modify(emu, [item(J_SYNC, "so", password="Wrong-Passw0rd!"), item(J_SYNC, "ta")])
    results = resp.json()["results"]
    assert resp.status_code == 200
    assert (results[0]["status"], results[0]["error_code"]) == ("failed", "DRS.KE0002")
    assert results[1]["status"] == "success"  # external target: no checker, accepted
    assert stored(emu, J_SYNC, "source") == SRC_PW
    assert modify(emu, [item(J_SYNC, "so")]).json()["results"][0]["status"] == "success"


def test_state_round_trips_through_dump(emulator_factory, tmp_path):
    """dump() is the fixture format: a changed password, a health failure and pending failures survive a restart."""
    state_file = str(tmp_path / "state.json")
    emu = emulator_factory(FIXTURES, state_file=state_file)
    emu.databases.register("gauss-src-in07", Logins({"repl": "rotated"}))
    modify(emu, [item(J_MIGRATION, "ta")])
    status(emu, [J_SYNC])
    admin(emu, "drs/jobs/%s/fail-next-change" % J_MIGRATION, {"end_point_type": "so"})
    emu.stop()
    assert oct(os.stat(state_file).st_mode & 0o777) == "0o600"
    again = emulator_factory({}, state_file=state_file)
    assert stored(again, J_MIGRATION, "target") == NEW_PW
    state = job_state(again, J_SYNC)
    assert (state["status"], state["error_code"]) == ("INCRE_TRANSFER_FAILED", "DRS.KE0002")
    assert job_state(again, J_MIGRATION)["pending_failures"] == 1
    # the restored health failure still recovers once the password logs in
    again.databases.register("gauss-src-in07", Logins({"repl": SRC_PW}))
    assert status(again, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"


# --- with the GaussDB service (in memory, and on the real MariaDB) ------------------------------

GDB = "5b0b0f2ec6a34c3e9bd0b36e5a2bd3c5in07"
GDB_FAST = {"gaussdb_job_invisible_seconds": 0, "gaussdb_job_pending_seconds": 0, "gaussdb_job_run_seconds": 0.05}


def gaussdb_fixtures(repl_user):
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = dict(GDB_FAST)
    fixtures["gaussdb"] = {"instances": [{
        "id": GDB, "name": "gdb-src", "project_id": PROJECT, "db_user_name": repl_user + "_root",
        "root_password": "Root-Old-Passw0rd!", "users": [{"name": repl_user, "host": "%", "password": SRC_PW}]}]}
    fixtures["drs"]["jobs"][0]["source"]["database"] = {"ref": GDB, "user": repl_user}
    return fixtures


def rotate_gaussdb_user(emu, user, password):
    """Change the user's password through the GaussDB API and wait for the async job."""
    resp = call(emu, "PUT", "/v3/%s/instances/%s/db-users/password" % (PROJECT, GDB),
                {"users": [{"name": user, "host": "%", "password": password}]})
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        resp = call(emu, "GET", "/v3/%s/jobs?id=%s" % (PROJECT, job_id))
        if resp.status_code == 200 and resp.json()["job"]["status"] in ("Completed", "Failed"):
            assert resp.json()["job"]["status"] == "Completed"
            return
        time.sleep(0.02)
    raise AssertionError("GaussDB job %s did not finish" % job_id)


@pytest.mark.parametrize("real", [False, pytest.param(True, marks=pytest.mark.real_backend)], ids=["memory", "mariadb"])
def test_gaussdb_rotation_breaks_forgotten_job_until_it_is_updated(emulator_factory, real):
    """Rotating a GaussDB user without the DRS job fails the job (DRS.KE0002); updating the job heals it."""
    if real:
        pytest.importorskip("pymysql")
    user = "crdrs_%s" % uuid.uuid4().hex[:8]
    emu = emulator_factory(gaussdb_fixtures(user), real=real)
    assert status(emu, [J_SYNC]).json()["results"][0]["status"] == "INCRE_TRANSFER_STARTED"
    rotate_gaussdb_user(emu, user, NEW_PW)
    result = status(emu, [J_SYNC]).json()["results"][0]
    assert (result["status"], result["error_code"]) == ("INCRE_TRANSFER_FAILED", "DRS.KE0002")
    resp = modify(emu, [item(J_SYNC, "so")])
    assert resp.json()["results"] == [{"id": J_SYNC, "status": "success", "end_point_type": "so"}]
    assert status(emu, [J_SYNC]).json()["results"][0] == {"id": J_SYNC, "status": "INCRE_TRANSFER_STARTED"}


# --- official SDK -------------------------------------------------------------------------------


def drs_client(emu):
    pytest.importorskip("huaweicloudsdkcore")
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    client = (drs.DrsClient.new_builder().with_http_config(config)
              .with_credentials(BasicCredentials(AK, SK, PROJECT)).with_endpoints([emu.base_url]).build())
    return drs, client


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_batch_reset_password_parses_per_item_results(emu):
    """huaweicloudsdkdrs DrsClient.batch_reset_password is accepted (AK/SK) and parses success and failed items."""
    drs, client = drs_client(emu)
    admin(emu, "drs/jobs/%s/fail-next-change" % J_SYNC, {"end_point_type": "ta"})
    request = drs.BatchResetPasswordRequest(body=drs.BatchModifyPwdReq(jobs=[
        drs.ModifyPwdEndPoint(job_id=J_SYNC, end_point_type="so", db_password=NEW_PW),
        drs.ModifyPwdEndPoint(job_id=J_SYNC, end_point_type="ta", db_password=NEW_PW)]))
    response = client.batch_reset_password(request)
    assert response.status_code == 200
    assert response.count == 2
    assert [(r.id, r.status, r.end_point_type) for r in response.results] == [
        (J_SYNC, "success", "so"), (J_SYNC, "failed", "ta")]
    assert response.results[1].error_code == "DRS.M01501"
    assert stored(emu, J_SYNC, "source") == NEW_PW
    assert emu.journal.entries()[-1]["auth"] == "aksk"


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_reads_parse_into_models(emu):
    """batch_list_job_status, batch_list_job_details and show_job_list parse into the SDK's models."""
    drs, client = drs_client(emu)
    st = client.batch_list_job_status(drs.BatchListJobStatusRequest(body=drs.BatchQueryJobReqPage(
        jobs=[J_SYNC, J_MIGRATION], page_req=drs.PageReq(cur_page=1, per_page=10))))
    assert st.count == 2 and [r.status for r in st.results] == ["INCRE_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE"]
    dt = client.batch_list_job_details(drs.BatchListJobDetailsRequest(body=drs.BatchQueryJobReqPage(jobs=[J_SYNC])))
    job = dt.results[0]
    assert (job.id, job.db_use_type, job.job_direction) == (J_SYNC, "sync", "up")
    assert (job.source_endpoint.db_user, job.source_endpoint.ip, job.source_endpoint.db_port) == ("repl", "10.0.0.5", 3306)
    assert job.source_endpoint.db_password is None
    lst = client.show_job_list(drs.ShowJobListRequest(body=drs.QueryJobsReq(cur_page=1, per_page=10, db_use_type="sync")))
    assert lst.total_record == 2
    assert sorted(j.id for j in lst.jobs) == sorted([J_SYNC, J_START_FAILED])
    assert all(j.children == [] for j in lst.jobs)


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_raises_service_error_with_code_and_request_id(emu):
    """A top-level DRS error reaches the SDK as ClientRequestException with error_code and request_id."""
    drs, client = drs_client(emu)
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    request = drs.BatchResetPasswordRequest(body=drs.BatchModifyPwdReq(jobs=[
        drs.ModifyPwdEndPoint(job_id=J_STOPPED, end_point_type="so", db_password=NEW_PW)]))
    with pytest.raises(ClientRequestException) as info:
        client.batch_reset_password(request)
    assert info.value.status_code == 400
    assert info.value.error_code == "DRS.M00304"
    assert info.value.request_id
    assert NEW_PW not in str(info.value)


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_with_wrong_secret_is_refused_by_the_gateway(emu):
    """The SDK signing with a wrong SK gets APIGW.0301 from the emulated gateway."""
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    client = (drs.DrsClient.new_builder().with_credentials(BasicCredentials(AK, SK + "x", PROJECT))
              .with_endpoints([emu.base_url]).build())
    with pytest.raises(ClientRequestException) as info:
        client.batch_list_job_status(drs.BatchListJobStatusRequest(body=drs.BatchQueryJobReqPage(jobs=[J_SYNC])))
    assert info.value.status_code == 401 and info.value.error_code == "APIGW.0301"


def test_fixture_with_unknown_status_or_duplicate_id_is_refused():
    """Loading DRS fixtures with an unknown status or a repeated job id fails loudly."""
    from emulator.core import Emulator

    bad_status = copy.deepcopy(FIXTURES)
    bad_status["drs"]["jobs"][0]["status"] = "RUNNING"
    with pytest.raises(ValueError, match="unknown status"):
        Emulator(bad_status)
    duplicate = copy.deepcopy(FIXTURES)
    duplicate["drs"]["jobs"].append(copy.deepcopy(duplicate["drs"]["jobs"][0]))
    with pytest.raises(ValueError, match="duplicate job id"):
        Emulator(duplicate)


def test_jobs_that_cannot_fail_are_not_probed(emu):
    """Stopped or paused jobs are not health-checked: no database login is spent on them."""
    db = Logins({"repl": SRC_PW})
    emu.databases.register("gauss-src-in07", db)
    admin(emu, "drs/jobs/%s/status" % J_MIGRATION, {"status": "PAUSING"})
    status(emu, [J_STOPPED, J_MIGRATION, J_START_FAILED])
    assert db.calls == 0
    status(emu, [J_SYNC])
    assert db.calls == 1
