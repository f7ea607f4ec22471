# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.drs_job_info against the emulated DRS v3 (read-only).

Also the home of the transport tests that need only one module: IAM token authentication and
TLS verification (``validate_certs`` default, ``ca_path``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.drs_job_info"
STORED = "Canary-Stored-%s!" % uuid.uuid4().hex[:8]
IAM_USER, IAM_PASSWORD, IAM_DOMAIN = "info-operator", "Canary-Iam-%s!" % uuid.uuid4().hex[:8], "info-domain"
GDB = "0f1e2d3c4b5a49687766554433221100in07"
GDB_USER_PW = "Gdb-User-Passw0rd!"


def job_id(n):
    return "%08x-1111-4000-8000-%08xjb01" % (n, n)


JOB_SYNC, JOB_MIG, JOB_DR, JOB_STOPPED = job_id(1), job_id(2), job_id(3), job_id(4)
MISSING = job_id(404)


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000002", "name": IAM_DOMAIN,
        "users": [{"id": "u0000000000000000000000000000002", "name": IAM_USER, "password": IAM_PASSWORD}],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": IAM_USER}]}]}


def _job(jid, name, status="INCRE_TRANSFER_STARTED", db_use_type="sync", source_ref=None, source_password=STORED):
    source = {"database": {"user": "repl"}, "password": source_password, "ip": "10.0.0.5", "db_port": 3306,
              "db_type": "mysql"}
    if source_ref:
        source["database"]["ref"] = source_ref
        source["database"]["user"] = "gdb_app"
    return {"id": jid, "name": name, "project_id": HW_PROJECT, "status": status, "db_use_type": db_use_type,
            "engine_type": "mysql",
            "source": source,
            "target": {"database": {"user": "sink"}, "password": STORED, "ip": "10.0.1.5", "db_port": 3307}}


FIXTURES = {
    "iam": _iam(),
    "gaussdb": {"instances": [{"id": GDB, "name": "gdb-info", "project_id": HW_PROJECT, "root_password": "Root-Passw0rd!",
                               "users": [{"name": "gdb_app", "host": "%", "password": GDB_USER_PW}]}]},
    "drs": {"jobs": [
        _job(JOB_SYNC, "orders-sync", source_ref=GDB, source_password=GDB_USER_PW),
        _job(JOB_MIG, "orders-migration", db_use_type="migration"),
        _job(JOB_DR, "orders-dr", db_use_type="cloudDataGuard", status="PAUSING"),
        _job(JOB_STOPPED, "old-sync", status="RELEASE_RESOURCE_COMPLETE"),
    ]},
}


def defaults(emu, **extra):
    group = {"endpoint_url": emu.base_url}
    group.update(extra)
    return {"group/credrotate.cloud.huaweicloud": group}


def task(name, args=None, **extra):
    item = {"name": name, MODULE: args or {}}
    item.update(extra)
    return item


def run(tmp_path, emu, tasks, check=False, env=None, module_defaults=None):
    return run_playbook(tmp_path, tasks, env=env if env is not None else huawei_env(emu), check=check,
                        module_defaults=module_defaults or defaults(emu))


def admin(emu, path, body=None):
    response = requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10, verify=False)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(copy.deepcopy(FIXTURES))


def test_jobs_by_id_return_details_without_passwords_and_list_missing(tmp_path, emu):
    """batch-detail by id: status, scenario, endpoints (user, ip, port, instance), unknown ids in missing; no password."""
    r = run(tmp_path, emu, [task("by id", {"jobs": [JOB_SYNC, MISSING, JOB_STOPPED]})])
    assert r.rc == 0, r.text()
    res = r.result("by id")
    assert res["changed"] is False
    assert res["missing"] == [MISSING]
    sync, stopped = res["jobs"]
    assert (sync["id"], sync["name"], sync["status"], sync["db_use_type"], sync["engine_type"]) == (
        JOB_SYNC, "orders-sync", "INCRE_TRANSFER_STARTED", "sync", "mysql")
    assert sync["source_endpoint"]["db_user"] == "gdb_app" and sync["source_endpoint"]["inst_id"] == GDB
    assert (sync["target_endpoint"]["ip"], sync["target_endpoint"]["db_port"]) == ("10.0.1.5", 3307)
    assert sync["password_change_allowed"] is True and sync["healthy"] is True
    assert stopped["password_change_allowed"] is False
    assert [e["action"] for e in journal(emu)] == ["BatchListJobDetails"]
    assert_no_secrets(r, emu, STORED, GDB_USER_PW, HW_SK)


def test_list_filters_and_details(tmp_path, emu):
    """Listing filters by scenario and status, and reads each listed job's details."""
    r = run(tmp_path, emu, [task("sync", {"db_use_type": "sync"}),
                            task("paused", {"status": "PAUSING", "details": False}),
                            task("named", {"name": "orders"})])
    assert r.rc == 0, r.text()
    assert [j["id"] for j in r.result("sync")["jobs"]] == [JOB_SYNC, JOB_STOPPED]
    assert r.result("sync")["jobs"][0]["source_endpoint"]["db_user"] == "gdb_app"
    paused = r.result("paused")["jobs"]
    assert [j["id"] for j in paused] == [JOB_DR] and "source_endpoint" not in paused[0]
    assert sorted(j["name"] for j in r.result("named")["jobs"]) == ["orders-dr", "orders-migration", "orders-sync"]
    assert [e["action"] for e in journal(emu)] == [
        "ShowJobList", "BatchListJobDetails", "ShowJobList", "ShowJobList", "BatchListJobDetails"]
    assert_no_secrets(r, emu, STORED)


def test_listing_pages_through_more_than_100_jobs(tmp_path, emulator_factory):
    """230 jobs: three list pages of 100 and three detail reads of 100."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["drs"]["jobs"] = [_job(job_id(1000 + n), "bulk-%03d" % n) for n in range(230)]
    emu = emulator_factory(fixtures)
    r = run(tmp_path, emu, [task("all")])
    assert r.rc == 0, r.text()
    assert len(r.result("all")["jobs"]) == 230
    assert len(set(j["id"] for j in r.result("all")["jobs"])) == 230
    assert [e["action"] for e in journal(emu)] == ["ShowJobList"] * 3 + ["BatchListJobDetails"] * 3


def test_health_follows_the_database(tmp_path, emu):
    """A job whose stored password stops logging in turns unhealthy (DRS.KE0002), and healthy again once it matches."""
    gaussdb = [s for s in emu.services if s.name == "gaussdb"][0]
    with emu.lock:
        gaussdb.instances[GDB]["users"][0]["password"] = "Changed-Elsewhere1!"
    r = run(tmp_path, emu, [task("broken", {"jobs": [JOB_SYNC]})])
    job = r.result("broken")["jobs"][0]
    assert (job["status"], job["error_code"], job["healthy"]) == ("INCRE_TRANSFER_FAILED", "DRS.KE0002", False)
    assert job["password_change_allowed"] is True
    with emu.lock:
        gaussdb.instances[GDB]["users"][0]["password"] = GDB_USER_PW
    r = run(tmp_path, emu, [task("healed", {"jobs": [JOB_SYNC]})])
    job = r.result("healed")["jobs"][0]
    assert (job["status"], job["error_code"], job["healthy"]) == ("INCRE_TRANSFER_STARTED", None, True)


def test_check_mode_returns_the_same(tmp_path, emu):
    """A read-only module runs the same in check mode and never writes."""
    r = run(tmp_path, emu, [task("checked", {"jobs": [JOB_MIG]})], check=True)
    assert r.rc == 0, r.text()
    assert r.result("checked")["jobs"][0]["id"] == JOB_MIG
    assert journal(emu, writes_only=True) == []


def test_throttling_and_server_errors_on_reads_are_retried(tmp_path, emu):
    """429 then 503 on the list, 500 on the detail read: all retried within the budget."""
    admin(emu, "faults", [{"kind": "throttle", "retry_after": 0, "match": {"action": "ShowJobList"}},
                          {"kind": "error", "status": 503, "match": {"action": "ShowJobList"}},
                          {"kind": "error", "status": 500, "match": {"action": "BatchListJobDetails"}}])
    r = run(tmp_path, emu, [task("flaky", {"db_use_type": "migration"})])
    assert r.rc == 0, r.text()
    assert [j["id"] for j in r.result("flaky")["jobs"]] == [JOB_MIG]
    assert [(e["action"], e["status"]) for e in journal(emu)] == [
        ("ShowJobList", 429), ("ShowJobList", 503), ("ShowJobList", 200), ("BatchListJobDetails", 500),
        ("BatchListJobDetails", 200)]


def test_iam_token_authentication(tmp_path, emu):
    """iam_user_name/iam_password/iam_domain_name get a project-scoped IAM token once; the calls carry it."""
    env = {"HW_USER_NAME": IAM_USER, "HW_PASSWORD": IAM_PASSWORD, "HW_DOMAIN_NAME": IAM_DOMAIN,
           "HW_REGION_NAME": "cn-north-4"}
    r = run(tmp_path, emu, [task("token", {"jobs": [JOB_SYNC, JOB_MIG]}), task("listed", {"status": "PAUSING"})],
            env=env)
    assert r.rc == 0, r.text()
    assert [j["id"] for j in r.result("token")["jobs"]] == [JOB_SYNC, JOB_MIG]
    entries = journal(emu)
    assert [e["auth"] for e in entries if e["service"] == "drs"] == ["token"] * 3
    assert [e["path"] for e in entries if e["service"] == "iam"] == ["/v3/auth/tokens"] * 2  # one per module run
    assert_no_secrets(r, emu, IAM_PASSWORD, STORED)


def test_iam_token_wrong_password_fails_structured_without_leaking(tmp_path, emu):
    """A wrong IAM password fails with the IAM error, never echoing the password."""
    wrong = "Canary-Wrong-Iam-%s" % uuid.uuid4().hex[:6]
    env = {"HW_USER_NAME": IAM_USER, "HW_PASSWORD": wrong, "HW_DOMAIN_NAME": IAM_DOMAIN, "HW_REGION_NAME": "cn-north-4"}
    r = run(tmp_path, emu, [task("denied", {"jobs": [JOB_SYNC]})], env=env)
    assert r.rc != 0
    res = r.result("denied")
    assert res["error"]["kind"] == "auth" and res["http_status"] == 401
    assert [e["service"] for e in journal(emu)] == ["iam"]
    assert_no_secrets(r, emu, wrong)


def test_tls_verification_by_default_and_with_ca_path(tmp_path, emulator_factory, monkeypatch):
    """With TLS, validate_certs (default true) rejects the emulator's private CA; ca_path=emu.ca_file trusts it."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    emu = emulator_factory(copy.deepcopy(FIXTURES), tls=True)
    assert emu.base_url.startswith("https://")
    r = run(tmp_path, emu, [task("default", {"jobs": [JOB_SYNC]}, ignore_errors=True),
                            task("with ca", {"jobs": [JOB_SYNC], "ca_path": emu.ca_file})])
    assert r.status("default") == "failed"
    assert r.result("default")["error"]["code"] == "TLSError"
    assert r.status("with ca") == "ok"
    assert r.result("with ca")["jobs"][0]["id"] == JOB_SYNC
    assert len(journal(emu)) == 1  # the rejected handshake never reached the API


def test_adhoc_command(tmp_path, emu):
    """ansible localhost -m credrotate.cloud.drs_job_info works ad hoc."""
    r = run_adhoc(tmp_path, "drs_job_info", {"jobs": [JOB_DR], "endpoint_url": emu.base_url}, env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert JOB_DR in r.stdout and "PAUSING" in r.stdout
    assert_no_secrets(r, emu, STORED, HW_SK)


def test_module_defaults_group_carries_credentials(tmp_path, emu):
    """group/credrotate.cloud.huaweicloud module_defaults supply endpoint and AK/SK (no environment credentials)."""
    md = defaults(emu, access_key=HW_AK, secret_key=HW_SK, project_id=HW_PROJECT, region="cn-north-4")
    r = run(tmp_path, emu, [task("grouped", {"jobs": [JOB_MIG]})], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert r.result("grouped")["jobs"][0]["id"] == JOB_MIG
    assert_no_secrets(r, emu, HW_SK)
