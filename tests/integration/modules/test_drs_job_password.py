# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.drs_job_password against the emulated DRS v3.

DRS cannot reveal a stored password, so idempotence comes from the ``ledger``; every test
reads the emulator's journal (method, path, status: never bodies) to count writes, and the
emulator's own job objects (``emu.services``) to see which stored passwords changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.drs_job_password"
OLD = "Old-Drs-Passw0rd!"
NEW = "Canary-Drs-N3w-%s!" % uuid.uuid4().hex[:8]
OTHER = "Canary-Drs-0ther-%s!" % uuid.uuid4().hex[:8]
KEYTAB = "Canary-Keytab-%s" % uuid.uuid4().hex


def job_id(n):
    return "%08x-0000-4000-8000-%08xjb01" % (n, n)


JOB_A, JOB_B, JOB_C = job_id(1), job_id(2), job_id(3)
JOB_STOPPED, JOB_PAUSED, JOB_START_FAILED = job_id(4), job_id(5), job_id(6)
MISSING = job_id(99)


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000001", "name": "demo-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "demo-user"}]}]}


def _job(jid, status="INCRE_TRANSFER_STARTED"):
    return {"id": jid, "name": "job-%s" % jid[:8], "project_id": HW_PROJECT, "status": status, "db_use_type": "sync",
            "source": {"database": {"user": "repl"}, "password": OLD, "ip": "10.0.0.5", "db_port": 3306},
            "target": {"database": {"user": "sink"}, "password": OLD, "ip": "10.0.1.5", "db_port": 3306}}


FIXTURES = {
    "iam": _iam(),
    "drs": {"jobs": [_job(JOB_A), _job(JOB_B), _job(JOB_C), _job(JOB_STOPPED, "RELEASE_RESOURCE_COMPLETE"),
                     _job(JOB_PAUSED, "PAUSING"), _job(JOB_START_FAILED, "START_JOB_FAILED")]},
}


def defaults(emu):
    return {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "retries": 5, "retry_deadline": 60}}


def task(name, args, **extra):
    item = {"name": name, MODULE: args}
    item.update(extra)
    return item


SECRETS = {"new_pw": NEW, "other_pw": OTHER, "keytab": KEYTAB}


def templated(data):
    """``data`` with each secret replaced by a variable reference: on a failure, ansible-core prints the task's
    source lines, so secrets belong in variables (as in any real playbook), never literally in a task."""
    if isinstance(data, dict):
        return dict((k, templated(v)) for k, v in data.items())
    if isinstance(data, list):
        return [templated(v) for v in data]
    for name, value in SECRETS.items():
        if data == value:
            return "{{ %s }}" % name
    return data


def run(tmp_path, emu, tasks, check=False, env=None, module_defaults=None):
    return run_playbook(tmp_path, templated(tasks), env=dict(huawei_env(emu), **(env or {})), check=check,
                        module_defaults=module_defaults or defaults(emu), play_vars=SECRETS)


def writes(emu):
    return journal(emu, writes_only=True)


def stored(emu, jid, side="source"):
    drs = [s for s in emu.services if s.name == "drs"][0]
    with emu.lock:
        return drs.jobs[jid][side].get("password")


def set_stored(emu, jid, side, password):
    drs = [s for s in emu.services if s.name == "drs"][0]
    with emu.lock:
        drs.jobs[jid][side]["password"] = password


def admin(emu, path, body=None):
    response = requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(copy.deepcopy(FIXTURES))


def test_success_then_rerun_with_ledger_writes_once(tmp_path, emu):
    """Two job endpoints change in one call; the same task again (ledger) is changed=false with no second write."""
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}, {"id": JOB_B, "endpoint": "target"}], "password": NEW,
            "ledger": str(tmp_path / "ledger.json")}
    r = run(tmp_path, emu, [task("first", args), task("second", args)])
    assert r.rc == 0, r.text()
    first, second = r.result("first"), r.result("second")
    assert first["changed"] is True
    assert [(x["id"], x["endpoint"], x["outcome"], x["status"]) for x in first["results"]] == [
        (JOB_A, "source", "updated", "INCRE_TRANSFER_STARTED"), (JOB_B, "target", "updated", "INCRE_TRANSFER_STARTED")]
    assert len(first["request_ids"]) == 1 and first["results"][0]["request_id"] == first["request_ids"][0]
    assert second["changed"] is False
    assert [x["outcome"] for x in second["results"]] == ["unchanged", "unchanged"]
    assert len(writes(emu)) == 1
    assert stored(emu, JOB_A, "source") == NEW and stored(emu, JOB_B, "target") == NEW
    assert stored(emu, JOB_A, "target") == OLD
    assert (tmp_path / "ledger.json").stat().st_mode & 0o777 == 0o600
    assert NEW not in (tmp_path / "ledger.json").read_text()
    assert_no_secrets(r, emu, NEW, HW_SK)


def test_without_ledger_every_run_writes(tmp_path, emu):
    """Without a ledger DRS gives no signal, so each run writes and says changed (documented idempotent: partial)."""
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}], "password": NEW}
    r = run(tmp_path, emu, [task("first", args), task("second", args)])
    assert r.rc == 0, r.text()
    assert r.result("first")["changed"] is True and r.result("second")["changed"] is True
    assert len(writes(emu)) == 2


def test_check_mode_reads_only_and_predicts_changed(tmp_path, emu):
    """Check mode does the preflight read, writes nothing, and its changed matches the real run (before and after)."""
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}, {"id": JOB_C, "endpoint": "source"}], "password": NEW,
            "ledger": str(tmp_path / "ledger.json")}
    r = run(tmp_path, emu, [task("plan", args, check_mode=True)])
    assert r.rc == 0, r.text()
    plan = r.result("plan")
    assert plan["changed"] is True and [x["outcome"] for x in plan["results"]] == ["updated", "updated"]
    assert writes(emu) == []
    assert [e["action"] for e in journal(emu)] == ["BatchListJobStatus"]
    assert "--- before" in r.stdout and "%s/source" % JOB_A in r.stdout
    r = run(tmp_path, emu, [task("real", args), task("replan", args, check_mode=True)])
    assert r.result("real")["changed"] is True
    assert r.result("replan")["changed"] is False
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, NEW)


def test_preflight_fails_before_any_write_naming_each_job_and_state(tmp_path, emu):
    """A stopped job and a missing job fail the whole batch before any write; the message names both and the state."""
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}, {"id": JOB_STOPPED, "endpoint": "target"},
                     {"id": MISSING, "endpoint": "source"}], "password": NEW}
    r = run(tmp_path, emu, [task("batch", args)])
    assert r.rc != 0
    res = r.result("batch")
    assert r.status("batch") == "failed" and res["changed"] is False
    assert "job %s is RELEASE_RESOURCE_COMPLETE" % JOB_STOPPED in res["msg"]
    assert "job %s does not exist" % MISSING in res["msg"]
    assert JOB_A not in res["msg"]
    assert res["error"]["code"] == "PreflightFailed" and res["error"]["kind"] == "precondition"
    outcomes = dict((x["id"], (x["outcome"], x["status"], x["error_code"])) for x in res["results"])
    assert outcomes == {JOB_A: ("skipped", "INCRE_TRANSFER_STARTED", None),
                        JOB_STOPPED: ("failed", "RELEASE_RESOURCE_COMPLETE", "DRS.M00304"),
                        MISSING: ("failed", None, "DRS.M05003")}
    assert writes(emu) == []
    assert stored(emu, JOB_A) == OLD
    assert_no_secrets(r, emu, NEW)


def test_allowed_states_include_paused_and_start_job_failed(tmp_path, emu):
    """PAUSING and START_JOB_FAILED (the enum's spelling of the constraint's STARTJOB_FAILED) accept the change."""
    args = {"jobs": [{"id": JOB_PAUSED, "endpoint": "source"}, {"id": JOB_START_FAILED, "endpoint": "source"}],
            "password": NEW}
    r = run(tmp_path, emu, [task("states", args)])
    assert r.rc == 0, r.text()
    assert [x["status"] for x in r.result("states")["results"]] == ["PAUSING", "START_JOB_FAILED"]
    assert stored(emu, JOB_PAUSED) == NEW and stored(emu, JOB_START_FAILED) == NEW


def test_partial_failure_reported_per_job_and_rerun_touches_only_the_failed(tmp_path, emu):
    """One item failing inside HTTP 200 fails the task naming it; the ledger keeps the rest, so a re-run writes only it."""
    admin(emu, "drs/jobs/%s/fail-next-change" % JOB_B, {"end_point_type": "so", "error_code": "DRS.M01501"})
    ledger = str(tmp_path / "ledger.json")
    args = {"jobs": [{"id": j, "endpoint": "source"} for j in (JOB_A, JOB_B, JOB_C)], "password": NEW,
            "ledger": ledger}
    r = run(tmp_path, emu, [task("partial", args)])
    assert r.rc != 0
    res = r.result("partial")
    assert res["changed"] is True
    assert [(x["id"], x["outcome"], x["error_code"]) for x in res["results"]] == [
        (JOB_A, "updated", None), (JOB_B, "failed", "DRS.M01501"), (JOB_C, "updated", None)]
    assert "1 of 3" in res["msg"] and JOB_B in res["msg"] and JOB_A not in res["msg"]
    assert res["error"]["code"] == "DRS.M01501" and res["http_status"] == 200 and res["request_id"]
    assert len(writes(emu)) == 1
    assert (stored(emu, JOB_A), stored(emu, JOB_B), stored(emu, JOB_C)) == (NEW, OLD, NEW)
    # If the re-run touched A or C again, these markers would be overwritten.
    set_stored(emu, JOB_A, "source", "Marker-A-untouched1")
    set_stored(emu, JOB_C, "source", "Marker-C-untouched1")
    r = run(tmp_path, emu, [task("rerun", args)])
    assert r.rc == 0, r.text()
    assert [x["outcome"] for x in r.result("rerun")["results"]] == ["unchanged", "updated", "unchanged"]
    assert len(writes(emu)) == 2
    assert (stored(emu, JOB_A), stored(emu, JOB_B), stored(emu, JOB_C)) == (
        "Marker-A-untouched1", NEW, "Marker-C-untouched1")
    assert_no_secrets(r, emu, NEW)


def test_item_password_and_kerberos_override(tmp_path, emu):
    """jobs[].password overrides password per endpoint; kerberos settings are passed on and never shown."""
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"},
                     {"id": JOB_A, "endpoint": "target", "password": OTHER,
                      "kerberos": {"key_tab_file": KEYTAB, "user_principal": "repl@EXAMPLE.COM"}}],
            "password": NEW}
    r = run(tmp_path, emu, [task("mixed", args)])
    assert r.rc == 0, r.text()
    assert stored(emu, JOB_A, "source") == NEW and stored(emu, JOB_A, "target") == OTHER
    drs = [s for s in emu.services if s.name == "drs"][0]
    assert drs.jobs[JOB_A]["target"]["kerberos"] == {"key_tab_file": KEYTAB, "user_principal": "repl@EXAMPLE.COM"}
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, NEW, OTHER, KEYTAB)


def test_more_than_100_endpoints_go_in_chunks_of_100(tmp_path, emulator_factory):
    """130 job endpoints (65 jobs x 2): one preflight read and two writes (100 + 30)."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["drs"]["jobs"] = [_job(job_id(1000 + n)) for n in range(65)]
    emu = emulator_factory(fixtures)
    jobs = [{"id": job_id(1000 + n), "endpoint": side} for n in range(65) for side in ("source", "target")]
    r = run(tmp_path, emu, [task("many", {"jobs": jobs, "password": NEW})])
    assert r.rc == 0, r.text()
    assert len(r.result("many")["results"]) == 130 and len(r.result("many")["request_ids"]) == 2
    assert [e["action"] for e in journal(emu)] == ["BatchListJobStatus", "BatchResetPassword", "BatchResetPassword"]
    assert all(stored(emu, job_id(1000 + n), side) == NEW for n in range(65) for side in ("source", "target"))


def test_throttling_and_read_errors_survived_within_retry_budget(tmp_path, emu):
    """A 500 on the preflight read is retried; two 429s on the write are retried (it certainly did not apply)."""
    admin(emu, "faults", [{"kind": "error", "status": 500, "count": 1, "match": {"action": "BatchListJobStatus"}},
                          {"kind": "throttle", "count": 2, "retry_after": 0, "match": {"action": "BatchResetPassword"}}])
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}], "password": NEW}
    r = run(tmp_path, emu, [task("flaky", args)])
    assert r.rc == 0, r.text()
    assert [(e["action"], e["status"]) for e in journal(emu)] == [
        ("BatchListJobStatus", 500), ("BatchListJobStatus", 200), ("BatchResetPassword", 429),
        ("BatchResetPassword", 429), ("BatchResetPassword", 200)]
    assert stored(emu, JOB_A) == NEW


def test_persistent_throttling_fails_after_exactly_the_configured_attempts(tmp_path, emu):
    """Always throttled: exactly `retries` calls, then a failure with the gateway's code."""
    admin(emu, "faults", {"kind": "throttle", "count": 0, "retry_after": 0, "match": {"action": "BatchResetPassword"}})
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}], "password": NEW, "retries": 3}
    r = run(tmp_path, emu, [task("throttled", args)])
    res = r.result("throttled")
    assert r.status("throttled") == "failed" and res["error"]["code"] == "APIGW.0308" and res["http_status"] == 429
    assert [x["outcome"] for x in res["results"]] == ["failed"]
    assert len(writes(emu)) == 3
    assert_no_secrets(r, emu, NEW)


def test_lost_response_after_write_is_not_resent(tmp_path, emu):
    """A 500 after the write applied: no second write, the jobs are re-read, the item is reported may_have_applied."""
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True, "match": {"action": "BatchResetPassword"}})
    ledger = str(tmp_path / "ledger.json")
    args = {"jobs": [{"id": JOB_A, "endpoint": "source"}], "password": NEW, "ledger": ledger}
    r = run(tmp_path, emu, [task("lost", args)])
    res = r.result("lost")
    assert r.status("lost") == "failed" and res["changed"] is True
    item = res["results"][0]
    assert item["outcome"] == "failed" and item["may_have_applied"] is True and item["error_code"] == "APIGW.0601"
    assert [e["action"] for e in journal(emu)] == ["BatchListJobStatus", "BatchResetPassword", "BatchListJobStatus"]
    assert stored(emu, JOB_A) == NEW  # it did apply
    # The ledger did not record it, so a re-run sends it again (harmless for DRS) and converges.
    r = run(tmp_path, emu, [task("again", args), task("stable", args)])
    assert r.result("again")["changed"] is True and r.result("stable")["changed"] is False
    assert len(writes(emu)) == 2
    assert_no_secrets(r, emu, NEW)


def test_no_secret_in_any_output_on_success_and_failure_paths(tmp_path, emu):
    """Canaries never appear at -vvvv --diff: success, preflight failure, partial failure, invalid options."""
    admin(emu, "drs/jobs/%s/fail-next-change" % JOB_B, {})
    tasks = [
        task("ok", {"jobs": [{"id": JOB_A, "endpoint": "source", "password": OTHER}], "password": NEW}),
        task("preflight", {"jobs": [{"id": JOB_STOPPED, "endpoint": "source"}], "password": NEW},
             ignore_errors=True),
        task("partial", {"jobs": [{"id": JOB_B, "endpoint": "source"},
                                  {"id": JOB_C, "endpoint": "target", "kerberos": {"key_tab_file": KEYTAB}}],
                         "password": NEW}, ignore_errors=True),
        task("invalid", {"jobs": [{"id": JOB_A, "endpoint": "middle", "password": OTHER}], "password": NEW},
             ignore_errors=True),
        task("missing password", {"jobs": [{"id": JOB_A, "endpoint": "source", "kerberos": {"key_tab_file": KEYTAB}}]},
             ignore_errors=True),
    ]
    r = run(tmp_path, emu, tasks)
    assert r.rc == 0, r.text()
    assert r.status("ok") == "ok"
    assert [r.status(n) for n in ("preflight", "partial", "invalid", "missing password")] == ["failed"] * 4
    assert "middle" in r.result("invalid")["msg"]
    assert r.result("missing password")["error"]["code"] == "MissingPassword"
    assert_no_secrets(r, emu, NEW, OTHER, KEYTAB, HW_SK)


def test_adhoc_command(tmp_path, emu):
    """ansible localhost -m credrotate.cloud.drs_job_password works with credentials from the environment."""
    args = {"jobs": [{"id": JOB_C, "endpoint": "target"}], "password": NEW, "endpoint_url": emu.base_url}
    r = run_adhoc(tmp_path, "drs_job_password", args, env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "CHANGED" in r.stdout
    assert stored(emu, JOB_C, "target") == NEW
    assert_no_secrets(r, emu, NEW, HW_SK)


def test_module_defaults_group_carries_endpoint_and_credentials(tmp_path, emu):
    """group/credrotate.cloud.huaweicloud module_defaults give endpoint and AK/SK; no environment credentials."""
    group = {"endpoint_url": emu.base_url, "access_key": HW_AK, "secret_key": HW_SK, "project_id": HW_PROJECT,
             "region": "cn-north-4"}
    r = run(tmp_path, emu, [task("grouped", {"jobs": [{"id": JOB_A, "endpoint": "target"}], "password": NEW})],
            env={"HW_ACCESS_KEY": "", "HW_SECRET_KEY": "", "HW_PROJECT_ID": "", "HW_REGION_NAME": ""},
            module_defaults={"group/credrotate.cloud.huaweicloud": group})
    assert r.rc == 0, r.text()
    assert stored(emu, JOB_A, "target") == NEW
    assert [e["auth"] for e in journal(emu)] == ["aksk", "aksk"]
    assert_no_secrets(r, emu, NEW, HW_SK)
