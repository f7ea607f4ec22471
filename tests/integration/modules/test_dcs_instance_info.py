# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.dcs_instance_info against the emulated DCS v2 (read-only; it never spends a lockout attempt)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.dcs_instance_info"
ACTION = "ShowInstance"
DCS = "3c49ab51-5bb1-4b6a-8e0f-%012x" % (uuid.uuid4().int & 0xffffffffffff)
DCS_FREE = "4d5abc62-6cc2-4c7b-9f10-000000000002"
DCS_ACL = "5e6bcd73-7dd3-4d8c-a021-000000000003"
OTHER_PROJECT = "6f7cde84-8ee4-4e9d-b132-000000000005"
MISSING = "6f7cde84-8ee4-4e9d-b132-000000000004"
PASSWORD = "Canary-Dcs-%s!" % uuid.uuid4().hex[:8]
ACL_PASSWORD = "Canary-Acl-%s!" % uuid.uuid4().hex[:8]
SECRETS = (PASSWORD, ACL_PASSWORD, HW_SK)


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000009", "name": "dcs-info-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "dcs-info-user"}]}]}


FIXTURES = {
    "iam": _iam(),
    "dcs": {"instances": [
        {"instance_id": DCS, "name": "orders-cache", "project_id": HW_PROJECT, "password": PASSWORD, "port": 6379,
         "engine_version": "5.0", "domain_name": "redis-orders.dcs.example.com"},
        {"instance_id": DCS_FREE, "name": "free-cache", "project_id": HW_PROJECT, "no_password_access": True,
         "port": 6380},
        {"instance_id": DCS_ACL, "name": "acl-cache", "project_id": HW_PROJECT, "password": ACL_PASSWORD,
         "access_user": "cacheuser", "engine_version": "6.0", "status": "RESTARTING", "cache_mode": "ha",
         "capacity": 4},
        {"instance_id": OTHER_PROJECT, "name": "elsewhere", "project_id": "fedcba9876543210fedcba9876543210",
         "password": PASSWORD},
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
    emulator = emulator_factory(copy.deepcopy(FIXTURES))
    yield emulator
    for inst in emulator.summary()["dcs"]["instances"]:
        assert inst["failed_attempts"] == 0 and not inst["locked"], inst


def test_instances_match_the_fixture_without_passwords(tmp_path, emu):
    """Status, address, port, engine and version; password_set is the inverse of no_password_access."""
    r = run(tmp_path, emu, [task("orders", {"instance_id": DCS}), task("free", {"instance_id": DCS_FREE}),
                            task("acl", {"instance_id": DCS_ACL})])
    assert r.rc == 0, r.text()
    orders = r.result("orders")
    assert orders["changed"] is False and orders["request_id"]
    assert orders["instance"] == {
        "instance_id": DCS, "name": "orders-cache", "status": "RUNNING", "sub_status": "", "engine": "Redis",
        "engine_version": "5.0", "ip": "127.0.0.1", "ips": ["127.0.0.1"], "port": 6379,
        "domain_name": "redis-orders.dcs.example.com", "readonly_domain_name": "", "publicip_address": "",
        "access_user": None, "no_password_access": False, "password_set": True, "enable_ssl": False,
        "cache_mode": "single", "capacity": 1, "password_change_allowed": True}
    free = r.result("free")["instance"]
    assert (free["no_password_access"], free["password_set"], free["password_change_allowed"], free["port"]) == (
        True, False, False, 6380)
    acl = r.result("acl")["instance"]
    assert (acl["status"], acl["access_user"], acl["engine_version"], acl["cache_mode"], acl["capacity"]) == (
        "RESTARTING", "cacheuser", "6.0", "ha", 4)
    assert (acl["password_set"], acl["password_change_allowed"]) == (True, False)
    assert [(e["action"], e["method"], e["path"]) for e in journal(emu)] == [
        (ACTION, "GET", "/v2/%s/instances/%s" % (HW_PROJECT, i)) for i in (DCS, DCS_FREE, DCS_ACL)]
    assert_no_secrets(r, emu, *SECRETS)


def test_status_changes_are_seen(tmp_path, emu):
    admin(emu, "dcs/instances/%s/status" % DCS, {"status": "ERROR"})
    r = run(tmp_path, emu, [task("error", {"instance_id": DCS})])
    assert r.rc == 0, r.text()
    assert (r.result("error")["instance"]["status"], r.result("error")["instance"]["password_change_allowed"]) == (
        "ERROR", False)


def test_check_mode_returns_the_same_and_writes_nothing(tmp_path, emu):
    r = run(tmp_path, emu, [task("checked", {"instance_id": DCS})], check=True)
    assert r.rc == 0, r.text()
    assert r.result("checked")["changed"] is False and r.result("checked")["instance"]["password_set"] is True
    assert journal(emu, writes_only=True) == []
    assert [e["action"] for e in journal(emu)] == [ACTION]


@pytest.mark.parametrize("instance_id", [MISSING, OTHER_PROJECT])
def test_unknown_instance_fails_structured(tmp_path, emu, instance_id):
    r = run(tmp_path, emu, [task("unknown", {"instance_id": instance_id})])
    assert r.rc != 0
    res = r.result("unknown")
    assert r.status("unknown") == "failed" and res.get("changed", False) is False
    assert (res["error"]["code"], res["error"]["kind"], res["http_status"]) == ("DCS.3022", "not_found", 404)
    assert res["msg"] == "DCS instance %s does not exist (DCS.3022); nothing was changed" % instance_id
    assert "instance" not in res
    assert [e["action"] for e in journal(emu)] == [ACTION]
    assert_no_secrets(r, emu, *SECRETS)


def test_server_errors_on_the_read_are_retried(tmp_path, emu):
    admin(emu, "faults", [{"kind": "error", "status": 500, "code": "DCS.5000", "match": {"action": ACTION}}])
    r = run(tmp_path, emu, [task("flaky", {"instance_id": DCS})])
    assert r.rc == 0, r.text()
    assert [e["status"] for e in journal(emu)] == [500, 200]


HOSTILE = [
    ("traversal", {"instance_id": "../instances/" + DCS}, "instance_id"),
    ("encoded-traversal", {"instance_id": "%2e%2e%2F" + DCS}, "instance_id"),
    ("suffix-path", {"instance_id": DCS + "/password"}, "instance_id"),
    ("crlf", {"instance_id": DCS + "\r\nX-Injected: 1"}, "instance_id"),
    ("query", {"instance_id": DCS + "?x=1"}, "instance_id"),
    ("upper-case", {"instance_id": DCS.upper()}, "instance_id"),
    ("empty", {"instance_id": ""}, "instance_id"),
    ("as-dict", {"instance_id": {"id": DCS}}, "instance_id"),
    ("region-injection", {"instance_id": DCS, "region": "x.attacker.net/"}, "region"),
    ("plain-http-remote", {"instance_id": DCS, "endpoint_url": "http://192.0.2.10:8080"}, "endpoint_url"),
    ("misspelt-secret", {"instance_id": DCS, "secret_kye": "{{ canary }}"}, "secret_kye"),
]


def test_hostile_ids_are_refused_before_any_request(tmp_path, emu):
    canary = "Canary-Typo-%s!" % uuid.uuid4().hex[:8]
    tasks = [task(case, args, ignore_errors=True) for case, args, _field in HOSTILE]
    r = run_playbook(tmp_path, tasks, env=huawei_env(emu), play_vars={"canary": canary},
                     module_defaults={"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url}})
    assert r.rc == 0, r.text()
    for case, _args, field in HOSTILE:
        res = r.result(case)
        assert r.status(case) == "failed", (case, res)
        assert field in res["msg"], (case, res["msg"])
        assert res["error"]["code"] == "InvalidParameter" and field in res["invalid"], (case, res)
    assert journal(emu) == [], "validation must come before the first request: %r" % journal(emu)[:3]
    assert_no_secrets(r, emu, canary, *SECRETS)


def test_adhoc_command(tmp_path, emu):
    r = run_adhoc(tmp_path, "dcs_instance_info", {"instance_id": DCS, "endpoint_url": emu.base_url},
                  env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "orders-cache" in r.stdout and "redis-orders.dcs.example.com" in r.stdout
    assert_no_secrets(r, emu, *SECRETS)


def test_module_defaults_group_carries_credentials(tmp_path, emu):
    """No project_id: looked up once by region name; then the show call."""
    md = {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "access_key": HW_AK,
                                                 "secret_key": HW_SK, "region": "cn-north-4"}}
    r = run(tmp_path, emu, [task("grouped", {"instance_id": DCS})], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert r.result("grouped")["instance"]["instance_id"] == DCS
    assert [e["service"] for e in journal(emu)] == ["iam", "dcs"]
    assert_no_secrets(r, emu, *SECRETS)
