# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.gaussdb_mysql_user_password against the emulated GaussDB(for MySQL) v3.

The password call is asynchronous (202 + job_id). ``real_backend`` tests make every account a
real MariaDB account with a name unique to the test, so probes and job results are real.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pymysql
import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.gaussdb_mysql_user_password"
OLD = "Canary-User-0ld-%s!" % uuid.uuid4().hex[:6]
NEW = "Canary-User-N3w-%s!" % uuid.uuid4().hex[:6]
OTHER = "Canary-User-0ther-%s!" % uuid.uuid4().hex[:6]
BAD = "Canary:User.%s" % uuid.uuid4().hex[:6]
GDB = "4d5e6f7a8b9c4aab0011ddeeff001122in07"
SECRETS = {"old_pw": OLD, "new_pw": NEW, "other_pw": OTHER, "bad_pw": BAD}
# Jobs are invisible (DBS.200543) right after submission, as on the real service.
FAST = {"gaussdb_job_invisible_seconds": 0.3, "gaussdb_job_pending_seconds": 0.05, "gaussdb_job_run_seconds": 0.15}


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000005", "name": "gdb-users-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "gdb-user"}]}]}


class Names(object):
    """Account names unique to one test (the MariaDB is shared)."""

    def __init__(self):
        suffix = uuid.uuid4().hex[:8]
        self.root = "crt_r_%s" % suffix
        self.app = "crt_app_%s" % suffix
        self.report = "crt_rep_%s" % suffix
        self.dup = "crt_dup_%s" % suffix


def fixtures(names, settings=None, bulk=0, status="ACTIVE"):
    users = [{"name": names.app, "host": "%", "password": OLD}, {"name": names.report, "host": "%", "password": OLD},
             {"name": names.dup, "host": "%", "password": NEW}, {"name": names.dup, "host": "10.9.%", "password": OLD}]
    users += [{"name": "bulk_%03d" % n, "host": "%", "password": OLD} for n in range(bulk)]
    return {
        "settings": dict(FAST, **(settings or {})),
        "iam": _iam(),
        "gaussdb": {"instances": [{"id": GDB, "name": "gdb-users", "project_id": HW_PROJECT, "status": status,
                                   "db_user_name": names.root, "root_password": OLD, "users": users}]},
    }


def templated(data):
    """Secrets as variable references: ansible-core prints a failed task's source lines."""
    if isinstance(data, dict):
        return dict((k, templated(v)) for k, v in data.items())
    if isinstance(data, list):
        return [templated(v) for v in data]
    for name, value in SECRETS.items():
        if data == value:
            return "{{ %s }}" % name
    return data


def task(name, args, **extra):
    item = {"name": name, MODULE: args}
    item.update(extra)
    return item


def change(users, password=NEW, **extra):
    args = {"instance_id": GDB, "users": [u if isinstance(u, dict) else {"name": u} for u in users]}
    if password is not None:
        args["password"] = password
    args.update(extra)
    return args


def run(tmp_path, emu, tasks, check=False, env=None, module_defaults=None):
    md = module_defaults or {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "probe_timeout": 2}}
    return run_playbook(tmp_path, templated(tasks), env=huawei_env(emu) if env is None else env, check=check,
                        module_defaults=md, play_vars=SECRETS)


def writes(emu):
    return journal(emu, writes_only=True)


def admin(emu, path, body=None):
    response = requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def service(emu):
    return [s for s in emu.services if s.name == "gaussdb"][0]


def stored(emu, name, host="%"):
    with emu.lock:
        return [u["password"] for u in service(emu).instances[GDB]["users"] if (u["name"], u["host"]) == (name, host)][0]


def job_status(emu, job_id):
    with emu.lock:
        return service(emu).jobs[job_id]["final"]


def mysql_works(emu, user, password):
    host, port = emu.summary()["gaussdb"]["instances"][0]["address"].rsplit(":", 1)
    try:
        pymysql.connect(host=host, port=int(port), user=user, password=password, connect_timeout=3).close()
        return True
    except pymysql.err.OperationalError:
        return False


@pytest.fixture
def names():
    return Names()


@pytest.fixture
def emu(emulator_factory, names):
    return emulator_factory(fixtures(names))


@pytest.fixture
def real_emu(emulator_factory, names):
    return emulator_factory(fixtures(names), real=True)


@pytest.mark.real_backend
def test_success_waits_for_the_job_then_rerun_unchanged_through_the_probe(tmp_path, real_emu, names):
    """Real MariaDB: one job, waited for through 'job not found' until Completed; the rerun probes and writes nothing."""
    emu = real_emu
    args = change([names.app, {"name": names.report, "host": "%"}])
    r = run(tmp_path, emu, [task("first", args), task("second", args)])
    assert r.rc == 0, r.text()
    first, second = r.result("first"), r.result("second")
    assert first["changed"] is True and len(first["job_ids"]) == 1
    assert [(x["name"], x["host"], x["outcome"], x["status"], x["job_id"]) for x in first["results"]] == [
        (names.app, "%", "updated", "Completed", first["job_ids"][0]),
        (names.report, "%", "updated", "Completed", first["job_ids"][0])]
    assert job_status(emu, first["job_ids"][0]) == "Completed"
    polls = [(e["status"], e["error_code"]) for e in journal(emu) if e["action"] == "ShowGaussMySqlJobInfo"]
    assert polls[0] == (400, "DBS.200543") and polls[-1] == (200, None)
    assert second["changed"] is False and second["job_ids"] == []
    assert [(x["outcome"], x["evidence"]) for x in second["results"]] == [("unchanged", "probe")] * 2
    assert [e["action"] for e in writes(emu)] == ["ResetGaussMySqlDatabasePassword"]
    assert mysql_works(emu, names.app, NEW) and mysql_works(emu, names.report, NEW)
    assert not mysql_works(emu, names.app, OLD)
    assert "--- before" in r.stdout and "%s@%%" % names.app in r.stdout
    assert_no_secrets(r, emu, OLD, NEW, HW_SK)


@pytest.mark.real_backend
def test_check_mode_reads_and_probes_only_and_predicts_changed(tmp_path, real_emu, names):
    """Check mode: instance, user list and probes, no write; changed matches the real run before and after."""
    emu = real_emu
    args = change([names.app])
    r = run(tmp_path, emu, [task("plan", args)], check=True)
    assert r.result("plan")["changed"] is True and r.result("plan")["results"][0]["outcome"] == "updated"
    assert [e["action"] for e in journal(emu)] == ["ShowGaussMySqlInstanceInfo", "ListGaussMySqlDatabaseUser"]
    r = run(tmp_path, emu, [task("real", args), task("replan", args, check_mode=True)])
    assert r.result("real")["changed"] is True and r.result("replan")["changed"] is False
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


@pytest.mark.real_backend
def test_a_name_with_several_accounts_is_not_trusted_to_the_probe(tmp_path, real_emu, names):
    """dup@'10.9.%' differs from dup@'%': a login from here reaches dup@'%', so the module must not call it unchanged."""
    emu = real_emu
    r = run(tmp_path, emu, [task("dup", change([{"name": names.dup, "host": "10.9.%"}]))])
    assert r.rc == 0, r.text()
    res = r.result("dup")["results"][0]
    assert (res["outcome"], res["status"]) == ("updated", "Completed")
    assert r.result("dup")["probe"]["results"] == {}
    assert stored(emu, names.dup, "10.9.%") == NEW


def test_preflight_names_every_missing_user_before_any_write(tmp_path, emu, names):
    """Two unknown accounts (one a known name on another host) fail the task before any write, both named."""
    r = run(tmp_path, emu, [task("missing", change([names.app, "nobody", {"name": names.report, "host": "10.%"}]))])
    assert r.status("missing") == "failed"
    res = r.result("missing")
    assert res["missing"] == ["nobody@%", "%s@10.%%" % names.report]
    assert "has no database user nobody@%%, %s@10.%%" % names.report in res["msg"] and GDB in res["msg"]
    assert res["error"]["code"] == "DBS.200824"
    assert writes(emu) == []


def test_instance_not_active_fails_before_any_write(tmp_path, emulator_factory, names):
    """An instance in another status than ACTIVE fails naming the status, before the user list or any write."""
    emu = emulator_factory(fixtures(names, status="MODIFYING"))
    r = run(tmp_path, emu, [task("modifying", change([names.app]))])
    assert r.status("modifying") == "failed"
    assert "is MODIFYING, not ACTIVE" in r.result("modifying")["msg"]
    assert [e["action"] for e in journal(emu)] == ["ShowGaussMySqlInstanceInfo"]


def test_policy_violation_fails_before_any_call_naming_user_and_rule(tmp_path, emu, names):
    """One user's own password breaks the policy: no call at all, and the message names that user and the rule."""
    r = run(tmp_path, emu, [task("policy", change([names.app, {"name": names.report, "password": BAD}]))])
    assert r.status("policy") == "failed"
    msg = r.result("policy")["msg"]
    assert "%s@%%: gaussdb_mysql: character ':' is not an allowed special" % names.report in msg
    assert names.app not in msg
    assert journal(emu) == []
    assert_no_secrets(r, emu, BAD, NEW)


def test_more_than_50_users_go_in_chunks_and_all_jobs_complete(tmp_path, emulator_factory, names):
    """120 users: ceil(120/50) = 3 writes of 50, 50, 20; the task returns only after every job is Completed."""
    emu = emulator_factory(fixtures(names, bulk=120))
    r = run(tmp_path, emu, [task("bulk", change(["bulk_%03d" % n for n in range(120)]))])
    assert r.rc == 0, r.text()
    res = r.result("bulk")
    assert len(res["job_ids"]) == 3
    assert [e["action"] for e in writes(emu)] == ["ResetGaussMySqlDatabasePassword"] * 3
    with emu.lock:
        sizes = [len(service(emu).jobs[j]["targets"]) for j in res["job_ids"]]
    assert sizes == [50, 50, 20]
    assert [job_status(emu, j) for j in res["job_ids"]] == ["Completed"] * 3
    assert all(x["outcome"] == "updated" and x["status"] == "Completed" for x in res["results"])
    assert all(stored(emu, "bulk_%03d" % n) == NEW for n in range(120))


def test_failed_job_surfaces_fail_reason(tmp_path, emu, names):
    """A job that ends Failed fails the task with the job's fail_reason, per user, and changes nothing."""
    admin(emu, "gaussdb/instances/%s/fail-next-job" % GDB, {"fail_reason": "Injected: disk quota exceeded"})
    r = run(tmp_path, emu, [task("failed job", change([names.app]), ignore_errors=True)])
    assert r.status("failed job") == "failed"
    res = r.result("failed job")
    assert "fail_reason: Injected: disk quota exceeded" in res["msg"] and names.app in res["msg"]
    item = res["results"][0]
    assert (item["outcome"], item["status"], item["error_code"], item["fail_reason"]) == (
        "failed", "Failed", "JobFailed", "Injected: disk quota exceeded")
    assert res["changed"] is False and res["error"]["code"] == "JobFailed"
    assert stored(emu, names.app) == OLD


def test_busy_instance_409_is_retried(tmp_path, emulator_factory, names):
    """A second change while the first job runs gets 409 DBS.200047, which is retried until the instance is free."""
    emu = emulator_factory(fixtures(names, settings={"gaussdb_job_run_seconds": 2.0}))
    r = run(tmp_path, emu, [task("no wait", change([names.app], wait=False)),
                            task("busy", change([names.report], retries=8))])
    assert r.rc == 0, r.text()
    no_wait = r.result("no wait")["results"][0]
    assert (no_wait["outcome"], no_wait["status"]) == ("updated", "Submitted")
    statuses = [(e["status"], e["error_code"]) for e in writes(emu)]
    assert statuses[0] == (202, None) and statuses[-1] == (202, None)
    assert (409, "DBS.200047") in statuses[1:-1]
    assert r.result("busy")["results"][0]["status"] == "Completed"
    assert stored(emu, names.app) == NEW and stored(emu, names.report) == NEW


def test_throttling_and_read_errors_survived(tmp_path, emu, names):
    """500 on the user list, 503 on a job poll and a 429 on the write are all retried within the budget."""
    admin(emu, "faults", [{"kind": "error", "status": 500, "match": {"action": "ListGaussMySqlDatabaseUser"}},
                          {"kind": "throttle", "retry_after": 0, "match": {"action": "ResetGaussMySqlDatabasePassword"}},
                          {"kind": "error", "status": 503, "match": {"action": "ShowGaussMySqlJobInfo"}}])
    r = run(tmp_path, emu, [task("flaky", change([names.app]))])
    assert r.rc == 0, r.text()
    assert [(e["action"], e["status"]) for e in writes(emu)] == [
        ("ResetGaussMySqlDatabasePassword", 429), ("ResetGaussMySqlDatabasePassword", 202)]
    assert ("ListGaussMySqlDatabaseUser", 500) in [(e["action"], e["status"]) for e in journal(emu)]
    assert r.result("flaky")["results"][0]["status"] == "Completed"


@pytest.mark.real_backend
# The injected 500 after the job was created is the case the module warns about (the answer was an error, the
# login probe proves the new password applied).
@pytest.mark.allow_warnings(r"^\[WARNING\]: The password change of 1 user\(s\) of GaussDB\(for MySQL\) instance \S+ "
                            r"answered APIGW\.0601, but 1 of the new passwords now log in: that part applied")
def test_lost_response_after_the_write_is_probed_not_resent(tmp_path, real_emu, names):
    """Real MariaDB: a 500 after the job was created; no resend, the probe sees the new password once the job ran."""
    emu = real_emu
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True,
                          "match": {"action": "ResetGaussMySqlDatabasePassword"}})
    r = run(tmp_path, emu, [task("lost", change([names.app]))])
    assert r.rc == 0, r.text()
    item = r.result("lost")["results"][0]
    assert (item["outcome"], item["evidence"], item["job_id"]) == ("updated", "probe", None)
    assert len(writes(emu)) == 1 and mysql_works(emu, names.app, NEW)
    assert_no_secrets(r, emu, OLD, NEW)


def test_lost_response_without_a_probe_is_reported_not_resent(tmp_path, emu, names):
    """In memory (data plane unreachable): a 500 after the write fails with may_have_applied, after one write."""
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True,
                          "match": {"action": "ResetGaussMySqlDatabasePassword"}})
    r = run(tmp_path, emu, [task("lost", change([names.app]))])
    assert r.status("lost") == "failed"
    res = r.result("lost")
    assert res["results"][0]["may_have_applied"] is True and "not resent" in res["results"][0]["error_msg"]
    assert len(writes(emu)) == 1


def test_ledger_gives_idempotence_when_the_probe_cannot_tell(tmp_path, emu, names):
    """In memory the probe is unreachable; with a ledger the second run is unchanged, and wait=false is not recorded."""
    ledger = str(tmp_path / "ledger.json")
    r = run(tmp_path, emu, [task("first", change([names.app], ledger=ledger)),
                            task("second", change([names.app], ledger=ledger)),
                            task("not waited", change([names.report], ledger=ledger, wait=False)),
                            task("not recorded", change([names.report], ledger=ledger), check_mode=True)])
    assert r.rc == 0, r.text()
    assert r.result("first")["changed"] is True
    assert (r.result("second")["changed"], r.result("second")["results"][0]["evidence"]) == (False, "ledger")
    assert r.result("not recorded")["changed"] is True
    assert len(writes(emu)) == 2


def test_per_user_passwords_and_missing_password(tmp_path, emu, names):
    """users[].password overrides password; a user left without any password fails before any call."""
    r = run(tmp_path, emu, [
        task("own", change([{"name": names.app, "password": OTHER}, names.report])),
        task("none", change([names.app], password=None), ignore_errors=True),
    ])
    assert r.status("own") == "ok"
    assert stored(emu, names.app) == OTHER and stored(emu, names.report) == NEW
    assert r.result("none")["error"]["code"] == "MissingPassword"
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OTHER, NEW, OLD)


def test_no_secret_on_success_failure_and_invalid_options(tmp_path, emu, names):
    """Canaries stay out of -vvvv --diff output on success, job failure, preflight, policy and argument errors."""
    admin(emu, "gaussdb/instances/%s/fail-next-job" % GDB, {})
    r = run(tmp_path, emu, [
        task("job fails", change([names.app]), ignore_errors=True),
        task("ok", change([names.app, {"name": names.report, "password": OTHER}])),
        task("missing user", change(["nobody"]), ignore_errors=True),
        task("policy", change([names.app], password=BAD), ignore_errors=True),
        task("bad option", change([{"name": names.app, "hots": "%"}]), ignore_errors=True),
    ])
    assert r.rc == 0, r.text()
    assert [r.status(n) for n in ("job fails", "ok", "missing user", "policy", "bad option")] == [
        "failed", "ok", "failed", "failed", "failed"]
    assert_no_secrets(r, emu, NEW, OTHER, BAD, OLD, HW_SK)


def test_adhoc_command(tmp_path, emu, names):
    """ansible localhost -m credrotate.cloud.gaussdb_mysql_user_password works ad hoc."""
    r = run_adhoc(tmp_path, "gaussdb_mysql_user_password", dict(change([names.app]), endpoint_url=emu.base_url),
                  env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "CHANGED" in r.stdout and stored(emu, names.app) == NEW
    assert_no_secrets(r, emu, NEW, HW_SK)


def test_module_defaults_group_carries_credentials(tmp_path, emu, names):
    """group/credrotate.cloud.huaweicloud module_defaults supply endpoint and AK/SK (no environment credentials)."""
    group = {"endpoint_url": emu.base_url, "access_key": HW_AK, "secret_key": HW_SK, "project_id": HW_PROJECT}
    md = {"group/credrotate.cloud.huaweicloud": group}
    r = run(tmp_path, emu, [task("grouped", change([names.app]))], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert stored(emu, names.app) == NEW
    assert_no_secrets(r, emu, NEW, HW_SK)
