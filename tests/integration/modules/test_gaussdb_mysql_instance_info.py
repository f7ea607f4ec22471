# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.gaussdb_mysql_instance_info against the emulated GaussDB(for MySQL) v3 (read-only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.gaussdb_mysql_instance_info"
ACTION = "ShowGaussMySqlInstanceInfo"
GDB = "5b0b0f2ec6a34c3e9bd0b36e5a2bd3c5in07"
FROZEN = "6c1c1f3fd7b45d4f0ce1c47f6b3ce4d6in07"
OTHER_PROJECT_GDB = "7d2d2a4ae8c56e5a1df2d58a7c4df5e7in07"
MISSING = "8e3e3b5bf9d67f6b2ea3e69b8d5ea6f8in07"
ROOT_PW = "Canary-Root-%s!" % uuid.uuid4().hex[:8]
USER_PW = "Canary-User-%s!" % uuid.uuid4().hex[:8]
SECRETS = (ROOT_PW, USER_PW, HW_SK)


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000008", "name": "gdb-instance-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "gdb-instance-user"}]}]}


FIXTURES = {
    "iam": _iam(),
    "gaussdb": {"instances": [
        {"id": GDB, "name": "orders-db", "project_id": HW_PROJECT, "status": "ACTIVE", "db_user_name": "gdb_admin",
         "root_password": ROOT_PW, "port": 3307, "version": "8.0", "users": [
             {"name": "app", "host": "%", "password": USER_PW}]},
        {"id": FROZEN, "name": "frozen-db", "project_id": HW_PROJECT, "status": "FROZEN", "root_password": ROOT_PW,
         "port": 3308, "version": "5.7"},
        {"id": OTHER_PROJECT_GDB, "name": "elsewhere", "project_id": "fedcba9876543210fedcba9876543210",
         "root_password": ROOT_PW},
    ]},
}


def task(name, args=None, **extra):
    item = {"name": name, MODULE: args or {}}
    item.update(extra)
    return item


def run(tmp_path, emu, tasks, check=False, env=None, module_defaults=None):
    md = module_defaults or {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url}}
    return run_playbook(tmp_path, tasks, env=huawei_env(emu) if env is None else env, check=check,
                        module_defaults=md)


def admin(emu, path, body=None):
    response = requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(copy.deepcopy(FIXTURES))


def test_instance_matches_the_fixture_without_passwords(tmp_path, emu):
    """Status, name, type, version, port, write address, administrator name and nodes, as the fixture defines them."""
    r = run(tmp_path, emu, [task("show", {"instance_id": GDB})])
    assert r.rc == 0, r.text()
    res = r.result("show")
    assert res["changed"] is False and res["request_id"]
    instance = res["instance"]
    assert (instance["id"], instance["name"], instance["status"], instance["type"], instance["version"]) == (
        GDB, "orders-db", "ACTIVE", "Cluster", "8.0")
    assert (instance["port"], instance["address"], instance["private_write_ips"]) == (3307, "127.0.0.1", ["127.0.0.1"])
    assert (instance["db_user_name"], instance["password_change_allowed"]) == ("gdb_admin", True)
    assert instance["datastore"]["type"] == "gaussdb-mysql"
    assert (instance["public_ips"], instance["private_dns_names"], instance["node_count"]) == ([], [], 1)
    node, = instance["nodes"]
    assert (node["type"], node["status"], node["port"], node["private_read_ips"]) == (
        "master", "ACTIVE", 3307, ["127.0.0.1"])
    assert [(e["action"], e["method"], e["path"]) for e in journal(emu)] == [
        (ACTION, "GET", "/v3/%s/instances/%s" % (HW_PROJECT, GDB))]
    assert_no_secrets(r, emu, *SECRETS)


def test_a_status_that_forbids_password_changes_is_reported_not_failed(tmp_path, emu):
    """FROZEN (fixture) and MODIFYING (set through the admin API) read fine; password_change_allowed is false."""
    admin(emu, "gaussdb/instances/%s/status" % GDB, {"status": "MODIFYING"})
    r = run(tmp_path, emu, [task("frozen", {"instance_id": FROZEN}), task("modifying", {"instance_id": GDB})])
    assert r.rc == 0, r.text()
    frozen, modifying = r.result("frozen")["instance"], r.result("modifying")["instance"]
    assert (frozen["status"], frozen["version"], frozen["port"], frozen["password_change_allowed"]) == (
        "FROZEN", "5.7", 3308, False)
    assert (modifying["status"], modifying["password_change_allowed"]) == ("MODIFYING", False)


def test_check_mode_returns_the_same_and_writes_nothing(tmp_path, emu):
    r = run(tmp_path, emu, [task("checked", {"instance_id": GDB})], check=True)
    assert r.rc == 0, r.text()
    assert r.result("checked")["changed"] is False and r.result("checked")["instance"]["port"] == 3307
    assert journal(emu, writes_only=True) == []
    assert [e["action"] for e in journal(emu)] == [ACTION]


@pytest.mark.parametrize("instance_id", [MISSING, OTHER_PROJECT_GDB])
def test_unknown_instance_fails_structured(tmp_path, emu, instance_id):
    r = run(tmp_path, emu, [task("unknown", {"instance_id": instance_id})])
    assert r.rc != 0
    res = r.result("unknown")
    assert r.status("unknown") == "failed" and res.get("changed", False) is False
    assert (res["error"]["code"], res["error"]["kind"], res["http_status"]) == ("DBS.201028", "not_found", 404)
    assert res["request_id"]
    assert res["msg"].startswith("GaussDB(for MySQL) instance %s does not exist (DBS.201028)" % instance_id)
    assert "instance" not in res
    assert [e["action"] for e in journal(emu)] == [ACTION]
    assert_no_secrets(r, emu, *SECRETS)


def test_server_errors_on_the_read_are_retried(tmp_path, emu):
    admin(emu, "faults", [{"kind": "error", "status": 503, "match": {"action": ACTION}},
                          {"kind": "throttle", "retry_after": 0, "match": {"action": ACTION}}])
    r = run(tmp_path, emu, [task("flaky", {"instance_id": GDB})])
    assert r.rc == 0, r.text()
    assert r.result("flaky")["instance"]["status"] == "ACTIVE"
    assert [e["status"] for e in journal(emu)] == [503, 429, 200]


HOSTILE = [
    ("traversal", {"instance_id": "../instances/" + GDB}, "instance_id"),
    ("encoded-traversal", {"instance_id": "%2e%2e%2F" + GDB}, "instance_id"),
    ("suffix-path", {"instance_id": GDB + "/password"}, "instance_id"),
    ("crlf", {"instance_id": GDB + "\r\nX-Injected: 1"}, "instance_id"),
    ("fragment", {"instance_id": GDB + "#x"}, "instance_id"),
    ("empty", {"instance_id": ""}, "instance_id"),
    ("missing", {}, "instance_id"),
    ("as-list", {"instance_id": [GDB]}, "instance_id"),
    ("userinfo-url", {"instance_id": GDB, "endpoint_url": "http://user:{{ canary }}@127.0.0.1:9"}, "endpoint_url"),
    ("crlf-token", {"instance_id": GDB, "auth_token": "abc\r\nX-Injected: 1"}, "auth_token"),
]


def test_hostile_ids_are_refused_before_any_request(tmp_path, emu):
    canary = "Canary-Url-%s" % uuid.uuid4().hex[:8]
    tasks = [task(case, args, ignore_errors=True) for case, args, _field in HOSTILE]
    r = run_playbook(tmp_path, tasks, env=huawei_env(emu), play_vars={"canary": canary},
                     module_defaults={"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url}})
    assert r.rc == 0, r.text()
    for case, _args, field in HOSTILE:
        res = r.result(case)
        assert r.status(case) == "failed", (case, res)
        assert field in res["msg"], (case, res["msg"])
        if res["msg"].startswith("Invalid input"):
            assert res["error"]["code"] == "InvalidParameter" and field in res["invalid"], (case, res)
    assert journal(emu) == [], "validation must come before the first request: %r" % journal(emu)[:3]
    assert_no_secrets(r, emu, canary, *SECRETS)


def test_iam_password_authentication_keeps_the_password_out_of_the_output(tmp_path, emulator_factory):
    """IAM user/password auth: a token is issued once; -vvvv shows neither the password nor the token value."""
    iam_password = "Canary-Iam-%s!" % uuid.uuid4().hex[:8]
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["iam"]["domains"][0]["users"] = [{"id": "u0000000000000000000000000000008", "name": "op",
                                               "password": iam_password}]
    emu = emulator_factory(fixtures)
    env = {"HW_USER_NAME": "op", "HW_PASSWORD": iam_password, "HW_DOMAIN_NAME": "gdb-instance-domain",
           "HW_REGION_NAME": "cn-north-4"}
    r = run(tmp_path, emu, [task("token", {"instance_id": GDB})], env=env)
    assert r.rc == 0, r.text()
    assert r.result("token")["instance"]["name"] == "orders-db"
    assert [e["service"] for e in journal(emu)] == ["iam", "gaussdb"]
    assert_no_secrets(r, emu, iam_password, *SECRETS)


def test_adhoc_command(tmp_path, emu):
    r = run_adhoc(tmp_path, "gaussdb_mysql_instance_info", {"instance_id": GDB, "endpoint_url": emu.base_url},
                  env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "orders-db" in r.stdout and "gdb_admin" in r.stdout
    assert_no_secrets(r, emu, *SECRETS)


def test_module_defaults_group_carries_credentials(tmp_path, emu):
    md = {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "access_key": HW_AK,
                                                 "secret_key": HW_SK, "project_id": HW_PROJECT}}
    r = run(tmp_path, emu, [task("grouped", {"instance_id": GDB})], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert r.result("grouped")["instance"]["id"] == GDB
    assert_no_secrets(r, emu, *SECRETS)
