"""DRS job recovery in the emulator (issue 10 item 5, Huawei side): ``job_recovery`` auto | manual,
``batch-retry-task`` (SDK ``BatchRestoreTask``) and ``reconnect_delay``.

Each test starts its own emulator and registers an in-memory database checker for the source
endpoint, so "the database password changed" is one assignment. Time moves with the emulator's
clock-skew admin, never with sleeps. Requests are signed with the collection's signer, or sent by the
official ``huaweicloudsdkdrs`` client and by the collection's own DRS adapter.
"""

import copy
import json
import os
import sys

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"

J_RUN = "5c1a0000-0000-4000-8000-00000000jb01"      # INCRE_TRANSFER_STARTED, recovery from settings
J_MANUAL = "5c1a0000-0000-4000-8000-00000000jb02"   # INCRE_TRANSFER_STARTED, recovery: manual
J_FULL = "5c1a0000-0000-4000-8000-00000000jb03"     # FULL_TRANSFER_STARTED, recovery: manual
J_PAUSED = "5c1a0000-0000-4000-8000-00000000jb04"   # PAUSING
J_STOPPED = "5c1a0000-0000-4000-8000-00000000jb05"  # RELEASE_RESOURCE_COMPLETE
J_EAST = "5c1a0000-0000-4000-8000-00000000jb06"     # another project
UNKNOWN = "00000000-0000-0000-0000-00000000jb99"
REF = "gauss-src-in07"
OLD_PW, NEW_PW = "Repl-Old-Passw0rd!", "Repl-N3w-Passw0rd!"


def _job(job_id, status="INCRE_TRANSFER_STARTED", project=PROJECT, **extra):
    job = {"id": job_id, "name": "job-" + job_id[-4:], "project_id": project, "status": status, "db_use_type": "sync",
           "source": {"database": {"ref": REF, "user": "repl"}, "password": OLD_PW},
           "target": {"database": {"ref": "external:192.168.7.9:3307", "user": "tgt"}, "password": "Tgt-Passw0rd!"}}
    job.update(extra)
    return job


FIXTURES = {
    "iam": {"domains": [{
        "id": "d0000000000000000000000000000001", "name": "demo-domain",
        "users": [{"id": "u1", "name": "demo-user", "password": "Iam-Passw0rd!x"}],
        "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
        "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"}]}]},
    "drs": {"jobs": [
        _job(J_RUN),
        _job(J_MANUAL, recovery="manual"),
        _job(J_FULL, "FULL_TRANSFER_STARTED", recovery="manual"),
        _job(J_PAUSED, "PAUSING"),
        _job(J_STOPPED, "RELEASE_RESOURCE_COMPLETE"),
        _job(J_EAST, project=OTHER_PROJECT),
    ]},
}


class Database:
    """The source database as the jobs see it: one user, one password (``emu.databases`` checker)."""

    def __init__(self, password=OLD_PW):
        self.password = password

    def __call__(self, user, password):
        return user == "repl" and password == self.password


def start(emulator_factory, settings=None, **job_overrides):
    fixtures = copy.deepcopy(FIXTURES)
    if settings:
        fixtures["settings"] = settings
    for job in fixtures["drs"]["jobs"]:
        job.update(job_overrides.get(job["id"], {}))
    emu = emulator_factory(fixtures)
    db = Database()
    emu.databases.register(REF, db)
    return emu, db


def call(emu, method, path, body=None, raw=None, sign=True, sk=SK):
    url = emu.base_url + path
    data = raw if raw is not None else json.dumps(body).encode("utf-8")
    hdrs = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
    if sign:
        hdrs = signing.huawei_sign(method, url, hdrs, data, AK, sk)
    return requests.request(method, url, data=data, headers=hdrs, timeout=10)


def status(emu, job_id):
    resp = call(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": [job_id]})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"][0]


def retry(emu, *job_ids, **item_extra):
    return call(emu, "POST", "/v3/%s/jobs/batch-retry-task" % PROJECT,
                {"jobs": [dict({"job_id": job_id}, **item_extra) for job_id in job_ids]})


def set_source(emu, job_id, password):
    resp = call(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT,
                {"jobs": [{"job_id": job_id, "end_point_type": "so", "db_password": password}]})
    assert resp.status_code == 200 and resp.json()["results"][0]["status"] == "success", resp.text


def state(emu, job_id):
    return next(j for j in emu.summary()["drs"]["jobs"] if j["id"] == job_id)


def skew(emu, seconds):
    """Move the emulator clock (requests are signed with the real clock: keep it under 15 minutes)."""
    assert requests.post(emu.base_url + "/_emulator/clock", json={"skew_seconds": seconds}, timeout=10).status_code == 200


FAILED = {"status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.KE0002",
          "error_message": "The username or password is incorrect"}


def strip_id(entry):
    return dict((k, v) for k, v in entry.items() if k != "id")


# --- job_recovery ---------------------------------------------------------------------------------


def test_auto_recovery_is_the_default(emulator_factory):
    """Without settings a job fails when its stored password is refused and runs again, by itself, once
    the stored password is right (the emulator's behaviour before job_recovery existed)."""
    emu, db = start(emulator_factory)
    assert (state(emu, J_RUN)["recovery"], state(emu, J_RUN)["reconnect_delay"]) == ("auto", 0)
    db.password = NEW_PW
    assert strip_id(status(emu, J_RUN)) == FAILED
    set_source(emu, J_RUN, NEW_PW)
    assert status(emu, J_RUN) == {"id": J_RUN, "status": "INCRE_TRANSFER_STARTED"}


def test_manual_job_stays_failed_after_its_password_is_corrected_until_retried(emulator_factory):
    """recovery: manual: the corrected job stays INCRE_TRANSFER_FAILED (DRS.KE0002) on every read until
    batch-retry-task names it; the retry then finds the password right and the job runs again."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    assert strip_id(status(emu, J_MANUAL)) == FAILED
    set_source(emu, J_MANUAL, NEW_PW)
    for dummy in range(2):
        assert strip_id(status(emu, J_MANUAL)) == FAILED
    assert state(emu, J_MANUAL)["health_failure"] == {"from": "INCRE_TRANSFER_STARTED", "endpoints": []}
    resp = retry(emu, J_MANUAL)
    assert resp.status_code == 200
    assert resp.json() == {"count": 1, "results": [{"id": J_MANUAL, "status": "success"}]}
    assert status(emu, J_MANUAL) == {"id": J_MANUAL, "status": "INCRE_TRANSFER_STARTED"}
    assert state(emu, J_MANUAL)["health_failure"] is None


def test_manual_full_transfer_resumes_its_full_transfer(emulator_factory):
    """A manual job that failed in full transfer stays FULL_TRANSFER_FAILED when corrected, and the retry
    resumes FULL_TRANSFER_STARTED (the state it failed from)."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    assert status(emu, J_FULL)["status"] == "FULL_TRANSFER_FAILED"
    set_source(emu, J_FULL, NEW_PW)
    assert status(emu, J_FULL)["status"] == "FULL_TRANSFER_FAILED"
    assert retry(emu, J_FULL).json()["results"] == [{"id": J_FULL, "status": "success"}]
    assert status(emu, J_FULL) == {"id": J_FULL, "status": "FULL_TRANSFER_STARTED"}


def test_global_manual_setting_and_per_job_override(emulator_factory):
    """settings.job_recovery: manual applies to every job without its own value; recovery: auto on a job
    overrides it."""
    emu, db = start(emulator_factory, settings={"job_recovery": "manual"}, **{J_MANUAL: {"recovery": "auto"}})
    assert (state(emu, J_RUN)["recovery"], state(emu, J_MANUAL)["recovery"]) == ("manual", "auto")
    db.password = NEW_PW
    assert status(emu, J_RUN)["status"] == status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_FAILED"
    db.password = OLD_PW  # e.g. the database change was rolled back
    assert strip_id(status(emu, J_RUN)) == FAILED
    assert status(emu, J_MANUAL) == {"id": J_MANUAL, "status": "INCRE_TRANSFER_STARTED"}


def test_retry_with_a_still_wrong_password_fails_again(emulator_factory):
    """A retry while the stored password is still refused is accepted ("success": it was submitted) and the
    job fails again at once, with a new update_time; after the fix, another retry brings it back."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    assert strip_id(status(emu, J_MANUAL)) == FAILED
    failed_at = state(emu, J_MANUAL)["update_time"]
    skew(emu, 30)
    assert retry(emu, J_MANUAL).json()["results"] == [{"id": J_MANUAL, "status": "success"}]
    after = state(emu, J_MANUAL)  # as the retry left it, before any read checks the job again
    assert (after["status"], after["error_code"]) == ("INCRE_TRANSFER_FAILED", "DRS.KE0002")
    assert int(after["update_time"]) >= int(failed_at) + 30000
    assert after["health_failure"] == {"from": "INCRE_TRANSFER_STARTED", "endpoints": ["source"]}
    assert strip_id(status(emu, J_MANUAL)) == FAILED
    set_source(emu, J_MANUAL, NEW_PW)
    assert retry(emu, J_MANUAL).json()["results"][0]["status"] == "success"
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"


def test_retry_answers_each_job_in_request_order(emulator_factory):
    """One result per job, HTTP 200: a failed job succeeds; a healthy or stopped job fails with DRS.M00304
    naming its status; an unknown job or one of another project fails with DRS.M05003. Refused jobs are
    left as they were."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)  # fails
    db.password = OLD_PW
    resp = retry(emu, J_RUN, UNKNOWN, J_MANUAL, J_STOPPED, J_EAST)
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 5
    assert body["results"] == [
        {"id": J_RUN, "status": "failed", "error_code": "DRS.M00304",
         "error_msg": "This API cannot be called in the current task status: INCRE_TRANSFER_STARTED"},
        {"id": UNKNOWN, "status": "failed", "error_code": "DRS.M05003", "error_msg": "Task information not found"},
        {"id": J_MANUAL, "status": "success"},
        {"id": J_STOPPED, "status": "failed", "error_code": "DRS.M00304",
         "error_msg": "This API cannot be called in the current task status: RELEASE_RESOURCE_COMPLETE"},
        {"id": J_EAST, "status": "failed", "error_code": "DRS.M05003", "error_msg": "Task information not found"},
    ]
    assert state(emu, J_RUN)["status"] == "INCRE_TRANSFER_STARTED"
    assert state(emu, J_STOPPED)["status"] == "RELEASE_RESOURCE_COMPLETE"
    assert state(emu, J_EAST)["status"] == "INCRE_TRANSFER_STARTED"
    assert state(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"


def test_retry_resumes_other_failures_and_paused_jobs_after_a_login_check(emulator_factory):
    """A job failed for another reason (admin-set DRS.M00004) resumes and loses its error; a PAUSING job
    resumes as INCRE_TRANSFER_STARTED, or goes INCRE_TRANSFER_FAILED if its stored password is refused."""
    emu, db = start(emulator_factory)
    requests.post(emu.base_url + "/_emulator/drs/jobs/%s/status" % J_RUN, timeout=10,
                  json={"status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.M00004", "error_message": "abnormal"})
    assert retry(emu, J_RUN, J_PAUSED).json()["results"] == [
        {"id": J_RUN, "status": "success"}, {"id": J_PAUSED, "status": "success"}]
    assert status(emu, J_RUN) == {"id": J_RUN, "status": "INCRE_TRANSFER_STARTED"}
    assert status(emu, J_PAUSED) == {"id": J_PAUSED, "status": "INCRE_TRANSFER_STARTED"}
    requests.post(emu.base_url + "/_emulator/drs/jobs/%s/status" % J_PAUSED, json={"status": "PAUSING"}, timeout=10)
    db.password = NEW_PW
    assert status(emu, J_PAUSED)["status"] == "PAUSING"  # a paused job is not checked
    retry(emu, J_PAUSED)
    assert (state(emu, J_PAUSED)["status"], state(emu, J_PAUSED)["error_code"]) == ("INCRE_TRANSFER_FAILED", "DRS.KE0002")


@pytest.mark.parametrize("raw,code", [
    (b"", "DRS.M00201"),
    (b"[1]", "DRS.M00200"),
    (b"{}", "DRS.M00201"),
    (b'{"jobs": []}', "DRS.M00201"),
    (b'{"jobs": "5c1a"}', "DRS.M00202"),
    (b'{"jobs": ["5c1a"]}', "DRS.M00202"),
    (b'{"jobs": [{"job_id": ""}]}', "DRS.M00201"),
    (b'{"jobs": [{"job_id": 7}]}', "DRS.M00202"),
    (('{"jobs": [{"job_id": "%s", "is_sync_re_edit": "yes"}]}' % J_MANUAL).encode(), "DRS.M00202"),
    (('{"jobs": [{"job_id": "%s"}, {"job_id": "%s"}]}' % (J_MANUAL, J_MANUAL)).encode(), "DRS.M00301"),
])
def test_malformed_retry_is_rejected_as_a_whole(emulator_factory, raw, code):
    """A malformed body is HTTP 400 with the DRS code and retries nothing (the failed job stays failed)."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)
    set_source(emu, J_MANUAL, NEW_PW)
    resp = call(emu, "POST", "/v3/%s/jobs/batch-retry-task" % PROJECT, raw=raw)
    assert resp.status_code == 400 and resp.json()["error_code"] == code, resp.text
    assert state(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_FAILED"


def test_is_sync_re_edit_is_accepted(emulator_factory):
    """RetryInfo.is_sync_re_edit (true or false) is accepted and does not change the outcome."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)
    set_source(emu, J_MANUAL, NEW_PW)
    assert retry(emu, J_MANUAL, is_sync_re_edit=True).json()["results"][0]["status"] == "success"
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"


def test_retry_is_signed_and_journalled_without_bodies(emulator_factory):
    """An unsigned or badly signed retry is refused by the gateway (401 APIGW.0301) and changes nothing; the
    journal has the call as BatchRestoreTask (a write) and never a body or a password."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)
    set_source(emu, J_MANUAL, NEW_PW)
    body = {"jobs": [{"job_id": J_MANUAL}]}
    for resp in (call(emu, "POST", "/v3/%s/jobs/batch-retry-task" % PROJECT, body, sign=False),
                 call(emu, "POST", "/v3/%s/jobs/batch-retry-task" % PROJECT, body, sk="wrong-secret")):
        assert resp.status_code == 401 and resp.json()["error_code"] == "APIGW.0301"
    assert state(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_FAILED"
    assert retry(emu, J_MANUAL).status_code == 200
    entry = emu.journal.entries()[-1]
    assert (entry["method"], entry["action"], entry["write"], entry["status"], entry["auth"]) == (
        "POST", "BatchRestoreTask", True, 200, "aksk")
    journal = json.dumps(emu.journal.entries())
    assert J_MANUAL not in journal and "job_id" not in journal
    assert NEW_PW not in journal and OLD_PW not in journal


# --- reconnect_delay --------------------------------------------------------------------------------


def test_reconnect_delay_keeps_a_job_running_then_fails_it(emulator_factory):
    """With reconnect_delay 60, a running job whose stored password is refused stays INCRE_TRANSFER_STARTED
    for 60 s (emulator clock) from the first check that saw the refusal, then fails; update_time is the
    moment it became due."""
    emu, db = start(emulator_factory, **{J_RUN: {"reconnect_delay": 60}})
    db.password = NEW_PW
    assert status(emu, J_RUN) == {"id": J_RUN, "status": "INCRE_TRANSFER_STARTED"}
    since = state(emu, J_RUN)["refused_since"]["source"]
    assert strip_id(status(emu, J_MANUAL)) == FAILED  # no delay on the other jobs
    skew(emu, 59)
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_STARTED"
    skew(emu, 61)
    assert strip_id(status(emu, J_RUN)) == FAILED
    assert state(emu, J_RUN)["update_time"] == str(int((since + 60) * 1000))
    assert state(emu, J_RUN)["refused_since"] is None


def test_job_updated_within_the_delay_never_fails(emulator_factory):
    """When the job gets the new password before the delay ends, it never fails and the pending refusal is
    forgotten."""
    emu, db = start(emulator_factory, settings={"reconnect_delay": 60})
    db.password = NEW_PW
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"
    skew(emu, 30)
    set_source(emu, J_MANUAL, NEW_PW)
    assert state(emu, J_MANUAL)["refused_since"] is None
    skew(emu, 120)
    assert status(emu, J_MANUAL) == {"id": J_MANUAL, "status": "INCRE_TRANSFER_STARTED"}


def test_a_password_that_logs_in_again_cancels_the_delay(emulator_factory):
    """A refusal that goes away (the database change was rolled back) is forgotten: a later refusal starts a
    new delay."""
    emu, db = start(emulator_factory, settings={"reconnect_delay": 60})
    db.password = NEW_PW
    status(emu, J_RUN)
    skew(emu, 50)
    db.password = OLD_PW
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_STARTED"
    assert state(emu, J_RUN)["refused_since"] is None
    db.password = NEW_PW
    skew(emu, 70)
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_STARTED"  # 20 s into the new delay
    skew(emu, 131)
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_FAILED"


def test_global_delay_and_per_job_zero(emulator_factory):
    """settings.reconnect_delay applies to every job without its own value; reconnect_delay: 0 on a job
    makes it fail at the first refused check."""
    emu, db = start(emulator_factory, settings={"reconnect_delay": 30}, **{J_RUN: {"reconnect_delay": 0}})
    assert (state(emu, J_RUN)["reconnect_delay"], state(emu, J_MANUAL)["reconnect_delay"]) == (0, 30)
    db.password = NEW_PW
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_FAILED"
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"
    skew(emu, 31)
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_FAILED"


def test_changing_the_jobs_own_password_is_checked_without_delay(emulator_factory):
    """batch-modify-pwd makes DRS reconnect the changed endpoint at once: a new stored password the database
    refuses fails the job immediately, whatever the delay."""
    emu, db = start(emulator_factory, settings={"reconnect_delay": 600})
    set_source(emu, J_RUN, "Not-The-Db-Passw0rd!")
    assert strip_id(status(emu, J_RUN)) == FAILED
    assert state(emu, J_RUN)["health_failure"] == {"from": "INCRE_TRANSFER_STARTED", "endpoints": ["source"]}


def test_delay_then_manual_recovery(emulator_factory):
    """Both settings together: the job survives the delay, fails after it, stays failed when corrected, and
    runs after batch-retry-task."""
    emu, db = start(emulator_factory, settings={"reconnect_delay": 45, "job_recovery": "manual"})
    db.password = NEW_PW
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_STARTED"
    skew(emu, 46)
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_FAILED"
    set_source(emu, J_RUN, NEW_PW)
    assert status(emu, J_RUN)["status"] == "INCRE_TRANSFER_FAILED"
    retry(emu, J_RUN)
    assert status(emu, J_RUN) == {"id": J_RUN, "status": "INCRE_TRANSFER_STARTED"}


# --- fixtures and state -------------------------------------------------------------------------------


@pytest.mark.parametrize("settings,job,message", [
    ({"job_recovery": "sometimes"}, {}, "settings.job_recovery must be auto or manual"),
    ({"reconnect_delay": -1}, {}, "settings.reconnect_delay must be a number of seconds"),
    ({"reconnect_delay": "60"}, {}, "settings.reconnect_delay must be a number of seconds"),
    ({"reconnect_delay": float("nan")}, {}, "settings.reconnect_delay must be a number of seconds"),
    ({}, {"recovery": "Manual"}, "recovery must be auto or manual"),
    ({}, {"reconnect_delay": True}, "reconnect_delay must be a number of seconds"),
])
def test_bad_recovery_settings_are_refused_at_load(settings, job, message):
    """An unknown recovery mode or a delay that is not a non-negative number fails loudly at load."""
    from emulator.core import Emulator

    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = settings
    fixtures["drs"]["jobs"][0].update(job)
    with pytest.raises(ValueError, match=message):
        Emulator(fixtures)


def test_waiting_and_pending_states_survive_a_restart(emulator_factory, tmp_path):
    """A manual job waiting for a retry and a job inside its reconnect delay are the same after a restart
    from the state file (the state file is the fixture format)."""
    state_file = str(tmp_path / "state.json")
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["drs"]["jobs"][0]["reconnect_delay"] = 60
    emu = emulator_factory(fixtures, state_file=state_file)
    db = Database(NEW_PW)
    emu.databases.register(REF, db)
    status(emu, J_MANUAL)
    status(emu, J_RUN)
    set_source(emu, J_MANUAL, NEW_PW)
    since = state(emu, J_RUN)["refused_since"]
    emu.stop()
    again = emulator_factory({}, state_file=state_file)
    again.databases.register(REF, db)
    assert state(again, J_RUN)["refused_since"] == since
    assert strip_id(status(again, J_MANUAL)) == FAILED
    assert retry(again, J_MANUAL).json()["results"][0]["status"] == "success"
    assert status(again, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"


# --- clients: the official SDK and the collection's adapter ------------------------------------------


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_batch_restore_task(emulator_factory):
    """huaweicloudsdkdrs DrsClient.batch_restore_task (BatchRestoreTaskRequest / BatchRetryReq / RetryInfo)
    is accepted with the SDK's own signature and parses into RetryTaskResp entries."""
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)
    set_source(emu, J_MANUAL, NEW_PW)
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    client = (drs.DrsClient.new_builder().with_http_config(config)
              .with_credentials(BasicCredentials(AK, SK, PROJECT)).with_endpoints([emu.base_url]).build())
    request = drs.BatchRestoreTaskRequest(body=drs.BatchRetryReq(jobs=[
        drs.RetryInfo(job_id=J_MANUAL, is_sync_re_edit=True), drs.RetryInfo(job_id=UNKNOWN)]))
    response = client.batch_restore_task(request)
    assert response.status_code == 200 and response.count == 2
    assert [(r.id, r.status, r.error_code) for r in response.results] == [
        (J_MANUAL, "success", None), (UNKNOWN, "failed", "DRS.M05003")]
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"
    entry = emu.journal.entries()[-2]  # the status read above is the last entry
    assert (entry["action"], entry["auth"], entry["status"]) == ("BatchRestoreTask", "aksk", 200)


def _collection_drs_api(emu):
    """The collection's DrsApi on a real HuaweiClient (AK/SK, no retries) aimed at the emulator."""
    collections = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir,
                               ".collections")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "credrotate", "cloud")):
        pytest.skip("the collection is not importable: %s has no ansible_collections/credrotate/cloud" % collections)
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi
    from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
    from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
    from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Transport

    params = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "access_key": AK,
              "secret_key": SK, "endpoint_url": emu.base_url}
    return DrsApi(HuaweiClient(params, Transport(timeout=10), Retry(attempts=1)))


def test_collection_adapter_batch_retry_task_agrees_with_the_emulator(emulator_factory):
    """plugins/module_utils/_drs_api.py DrsApi.batch_retry_task (ids once each, is_sync_re_edit) gets one
    result per job and resumes the corrected manual job."""
    emu, db = start(emulator_factory)
    db.password = NEW_PW
    status(emu, J_MANUAL)
    set_source(emu, J_MANUAL, NEW_PW)
    answer = _collection_drs_api(emu).batch_retry_task([J_MANUAL, J_RUN, J_MANUAL], is_sync_re_edit=True)
    assert answer.http_status == 200
    assert [(r["id"], r["status"], r.get("error_code")) for r in answer.data["results"]] == [
        (J_MANUAL, "success", None), (J_RUN, "failed", "DRS.M00304")]
    assert status(emu, J_MANUAL)["status"] == "INCRE_TRANSFER_STARTED"
