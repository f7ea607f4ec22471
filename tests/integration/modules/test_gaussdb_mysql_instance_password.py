# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.gaussdb_mysql_instance_password against the emulated GaussDB(for MySQL) v3.

``real_backend`` tests make the instance's root account a real MariaDB account with a unique
name, so the module's MySQL login probe and the reset are real.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pymysql
import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.gaussdb_mysql_instance_password"
OLD = "Canary-Root-0ld-%s!" % uuid.uuid4().hex[:6]
NEW = "Canary-Root-N3w-%s!" % uuid.uuid4().hex[:6]
BAD = "Canary:Root.%s" % uuid.uuid4().hex[:6]   # ':' and '.' are not GaussDB specials
WEAK = "Passw0rd!"                               # passes the rules, rejected by the provider as weak
GDB = "1a2b3c4d5e6f47788899aabbccddeeffin07"
GDB_FROZEN = "2b3c4d5e6f7a48899900bbccddeeff00in07"
MISSING = "3c4d5e6f7a8b49900011ccddeeff0011in07"
SECRETS = {"old_pw": OLD, "new_pw": NEW, "bad_pw": BAD, "weak_pw": WEAK}


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000004", "name": "gdb-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "gdb-user"}]}]}


def fixtures():
    """A fresh fixture with root account names unique to this test (the MariaDB is shared)."""
    suffix = uuid.uuid4().hex[:8]
    return {
        "iam": _iam(),
        "gaussdb": {"instances": [
            {"id": GDB, "name": "gdb-orders", "project_id": HW_PROJECT, "status": "ACTIVE",
             "db_user_name": "crt_root_%s" % suffix, "root_password": OLD, "users": []},
            {"id": GDB_FROZEN, "name": "gdb-frozen", "project_id": HW_PROJECT, "status": "FROZEN",
             "db_user_name": "crt_rootf_%s" % suffix, "root_password": OLD, "users": []},
        ]},
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


def reset(instance_id=GDB, password=NEW, **extra):
    args = {"instance_id": instance_id, "password": password}
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


def root_of(emu, instance_id=GDB):
    gaussdb = [s for s in emu.services if s.name == "gaussdb"][0]
    with emu.lock:
        inst = gaussdb.instances[instance_id]
        return inst["db_user_name"], inst["root_password"]


def mysql_works(emu, user, password):
    host, port = [i for i in emu.summary()["gaussdb"]["instances"] if i["id"] == GDB][0]["address"].rsplit(":", 1)
    try:
        pymysql.connect(host=host, port=int(port), user=user, password=password, connect_timeout=3).close()
        return True
    except pymysql.err.OperationalError:
        return False


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(fixtures())


@pytest.fixture
def real_emu(emulator_factory):
    return emulator_factory(fixtures(), real=True)


@pytest.mark.real_backend
def test_success_then_rerun_unchanged_through_the_probe(tmp_path, real_emu):
    """Real MariaDB: the reset applies (login works), and the same task again is changed=false with no second write."""
    emu = real_emu
    user = root_of(emu)[0]
    r = run(tmp_path, emu, [task("first", reset()), task("second", reset())])
    assert r.rc == 0, r.text()
    first, second = r.result("first"), r.result("second")
    assert (first["changed"], first["outcome"], first["probe"]["results"]) == (True, "updated", {"password": "denied"})
    assert first["request_id"] and first["instance"]["db_user_name"] == user
    assert (second["changed"], second["outcome"], second["evidence"]) == (False, "unchanged", "probe")
    assert [e["action"] for e in writes(emu)] == ["ResetGaussMySqlPassword"]
    assert mysql_works(emu, user, NEW) and not mysql_works(emu, user, OLD)
    assert "--- before" in r.stdout and GDB in r.stdout
    assert_no_secrets(r, emu, OLD, NEW, HW_SK)


@pytest.mark.real_backend
def test_check_mode_reads_and_probes_only_and_predicts_changed(tmp_path, real_emu):
    """Check mode: show-instance and the probe, zero writes; changed matches the real run before and after."""
    emu = real_emu
    r = run(tmp_path, emu, [task("plan", reset())], check=True)
    assert r.result("plan")["changed"] is True
    assert [e["action"] for e in journal(emu)] == ["ShowGaussMySqlInstanceInfo"]
    r = run(tmp_path, emu, [task("real", reset()), task("replan", reset(), check_mode=True)])
    assert r.result("real")["changed"] is True and r.result("replan")["changed"] is False
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


def test_preflight_missing_and_not_active_fail_before_any_write(tmp_path, emu):
    """A missing instance and a FROZEN one fail before any write; the message names the instance and its status."""
    r = run(tmp_path, emu, [task("missing", reset(MISSING), ignore_errors=True),
                            task("frozen", reset(GDB_FROZEN), ignore_errors=True)])
    assert r.rc == 0, r.text()
    missing, frozen = r.result("missing"), r.result("frozen")
    assert missing["error"]["code"] == "DBS.201028" and missing["http_status"] == 404 and MISSING in missing["msg"]
    assert frozen["error"]["code"] == "InstanceNotActive" and "is FROZEN, not ACTIVE" in frozen["msg"]
    assert GDB_FROZEN in frozen["msg"]
    assert writes(emu) == []
    assert_no_secrets(r, emu, NEW)


def test_policy_violation_fails_before_any_call_naming_the_rule(tmp_path, emu):
    """A password with specials GaussDB refuses fails before any API call, naming the characters and the policy."""
    r = run(tmp_path, emu, [task("bad", reset(password=BAD))])
    assert r.status("bad") == "failed"
    res = r.result("bad")
    assert res["error"]["kind"] == "policy"
    assert "gaussdb_mysql: character ':' is not an allowed special" in res["msg"]
    assert "character '.' is not an allowed special" in res["msg"]
    assert journal(emu) == []
    assert_no_secrets(r, emu, BAD)


def test_provider_weak_password_rejection_is_surfaced(tmp_path, emu):
    """A common weak password passes the local rules; the provider's DBS.280203 comes back structured, not retried."""
    r = run(tmp_path, emu, [task("weak", reset(password=WEAK))])
    assert r.status("weak") == "failed"
    res = r.result("weak")
    assert (res["error"]["code"], res["error"]["kind"], res["http_status"]) == ("DBS.280203", "policy", 400)
    assert res["request_id"] and GDB in res["msg"]
    assert [(e["action"], e["status"]) for e in writes(emu)] == [("ResetGaussMySqlPassword", 400)]
    assert root_of(emu)[1] == OLD


def test_throttling_and_read_errors_survived(tmp_path, emu):
    """A 502 on show-instance and a 429 on the reset are retried within the budget."""
    admin(emu, "faults", [{"kind": "error", "status": 502, "match": {"action": "ShowGaussMySqlInstanceInfo"}},
                          {"kind": "throttle", "retry_after": 0, "match": {"action": "ResetGaussMySqlPassword"}}])
    r = run(tmp_path, emu, [task("flaky", reset())])
    assert r.rc == 0, r.text()
    assert [(e["action"], e["status"]) for e in journal(emu)] == [
        ("ShowGaussMySqlInstanceInfo", 502), ("ShowGaussMySqlInstanceInfo", 200), ("ResetGaussMySqlPassword", 429),
        ("ResetGaussMySqlPassword", 200)]
    assert root_of(emu)[1] == NEW


@pytest.mark.real_backend
# The injected 500 after the reset applied is the case the module warns about (the answer was an error, the
# login probe proves the reset applied).
@pytest.mark.allow_warnings(r"^\[WARNING\]: The root password reset of GaussDB\(for MySQL\) instance \S+ answered "
                            r"APIGW\.0601, but a login with the new password works: the change applied")
def test_lost_response_after_the_write_is_probed_not_resent(tmp_path, real_emu):
    """Real MariaDB: a 500 after the reset applied; one write, the login probe confirms it, the task succeeds."""
    emu = real_emu
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True, "match": {"action": "ResetGaussMySqlPassword"}})
    r = run(tmp_path, emu, [task("lost", reset())])
    assert r.rc == 0, r.text()
    lost = r.result("lost")
    assert (lost["changed"], lost["outcome"], lost["evidence"]) == (True, "updated", "probe")
    assert lost["probe"]["results"]["after_write"] == "ok"
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


def test_lost_response_without_a_probe_is_reported_not_resent(tmp_path, emu):
    """In memory (data plane unreachable): a 500 after the reset fails with may_have_applied after one call."""
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True, "match": {"action": "ResetGaussMySqlPassword"}})
    r = run(tmp_path, emu, [task("lost", reset())])
    assert r.status("lost") == "failed"
    res = r.result("lost")
    assert res["may_have_applied"] is True and "not resent" in res["msg"] and res["http_status"] == 500
    assert len(writes(emu)) == 1 and root_of(emu)[1] == NEW


def test_probe_always_fails_before_any_write_when_unreachable(tmp_path, emu):
    """probe=always and an unreachable address fail before the reset; probe=never writes without probing."""
    r = run(tmp_path, emu, [task("always", reset(probe="always"), ignore_errors=True),
                            task("never", reset(probe="never"))])
    assert r.result("always")["error"]["code"] == "ProbeUnreachable"
    assert r.result("never")["probe"] == {"mode": "never", "address": "127.0.0.1:1", "results": {"password": None}}
    assert len(writes(emu)) == 1


def test_probe_host_and_port_override_the_reported_address(tmp_path, emu):
    """probe_host/probe_port replace the address show-instance reports (here: another unreachable one)."""
    r = run(tmp_path, emu, [task("override", reset(probe_host="127.0.0.2", probe_port=9), check_mode=True)])
    assert r.result("override")["probe"]["address"] == "127.0.0.2:9"


def test_ledger_gives_idempotence_when_the_probe_cannot_tell(tmp_path, emu):
    """In memory the probe is unreachable; with a ledger the second run is unchanged and makes no call."""
    args = reset(ledger=str(tmp_path / "ledger.json"))
    r = run(tmp_path, emu, [task("first", args), task("second", args)])
    assert r.rc == 0, r.text()
    assert (r.result("second")["changed"], r.result("second")["evidence"]) == (False, "ledger")
    assert len(writes(emu)) == 1


def test_no_secret_on_success_failure_and_invalid_options(tmp_path, emu):
    """Canaries stay out of -vvvv --diff output on success, policy, provider, preflight and argument errors."""
    admin(emu, "gaussdb/instances/%s/status" % GDB_FROZEN, {"status": "FROZEN"})
    r = run(tmp_path, emu, [
        task("ok", reset()),
        task("policy", reset(password=BAD), ignore_errors=True),
        task("weak", reset(password=WEAK), ignore_errors=True),
        task("frozen", reset(GDB_FROZEN), ignore_errors=True),
        task("bad option", reset(probe="maybe"), ignore_errors=True),
        task("no id", {"password": NEW}, ignore_errors=True),
    ])
    assert r.rc == 0, r.text()
    assert [r.status(n) for n in ("ok", "policy", "weak", "frozen", "bad option", "no id")] == ["ok"] + ["failed"] * 5
    assert_no_secrets(r, emu, NEW, BAD, OLD, HW_SK)


def test_adhoc_command(tmp_path, emu):
    """ansible localhost -m credrotate.cloud.gaussdb_mysql_instance_password works ad hoc."""
    r = run_adhoc(tmp_path, "gaussdb_mysql_instance_password", dict(reset(), endpoint_url=emu.base_url),
                  env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "CHANGED" in r.stdout and root_of(emu)[1] == NEW
    assert_no_secrets(r, emu, NEW, HW_SK)


def test_module_defaults_group_carries_credentials(tmp_path, emu):
    """group/credrotate.cloud.huaweicloud module_defaults supply endpoint and AK/SK (no environment credentials)."""
    group = {"endpoint_url": emu.base_url, "access_key": HW_AK, "secret_key": HW_SK, "project_id": HW_PROJECT}
    md = {"group/credrotate.cloud.huaweicloud": group}
    r = run(tmp_path, emu, [task("grouped", reset())], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert root_of(emu)[1] == NEW
    assert_no_secrets(r, emu, NEW, HW_SK)
