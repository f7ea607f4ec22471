# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.gaussdb_mysql_user_info against the emulated GaussDB(for MySQL) v3 (read-only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.gaussdb_mysql_user_info"
ACTION = "ListGaussMySqlDatabaseUser"
GDB = "7a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
OTHER_PROJECT_GDB = "8a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
MISSING = "9a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
ROOT_PW = "Canary-Root-%s!" % uuid.uuid4().hex[:8]
APP_PW = "Canary-App-%s!" % uuid.uuid4().hex[:8]
REPORT_PW = "Canary-Report-%s!" % uuid.uuid4().hex[:8]
LOCAL_PW = "Canary-Local-%s!" % uuid.uuid4().hex[:8]
SECRETS = (ROOT_PW, APP_PW, REPORT_PW, LOCAL_PW, HW_SK)

USERS = [
    {"name": "app", "host": "%", "password": APP_PW, "comment": "orders service",
     "databases": ["orders", {"name": "audit", "readonly": True}]},
    {"name": "report", "host": "10.0.0.%", "password": REPORT_PW, "databases": [{"name": "orders", "readonly": True}]},
    {"name": "app", "host": "192.168.0.7", "password": LOCAL_PW, "databases": [{"name": "audit", "readonly": False}]},
    {"name": "nodb", "host": "%", "password": LOCAL_PW},
]


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000007", "name": "gdb-info-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "gdb-info-user"}]}]}


FIXTURES = {
    "iam": _iam(),
    "gaussdb": {"instances": [
        {"id": GDB, "name": "orders-db", "project_id": HW_PROJECT, "root_password": ROOT_PW, "users": USERS},
        {"id": OTHER_PROJECT_GDB, "name": "elsewhere", "project_id": "fedcba9876543210fedcba9876543210",
         "root_password": ROOT_PW, "users": [{"name": "app", "host": "%", "password": APP_PW}]},
    ]},
}

EXPECTED = [
    {"name": "app", "hosts": ["%", "192.168.0.7"], "comment": "orders service",
     "databases": [{"name": "orders", "readonly": False}, {"name": "audit", "readonly": False}],
     "accounts": [
         {"name": "app", "host": "%", "comment": "orders service",
          "databases": [{"name": "orders", "readonly": False}, {"name": "audit", "readonly": True}]},
         {"name": "app", "host": "192.168.0.7", "comment": None, "databases": [{"name": "audit", "readonly": False}]}]},
    {"name": "report", "hosts": ["10.0.0.%"], "comment": None, "databases": [{"name": "orders", "readonly": True}],
     "accounts": [{"name": "report", "host": "10.0.0.%", "comment": None,
                   "databases": [{"name": "orders", "readonly": True}]}]},
    {"name": "nodb", "hosts": ["%"], "comment": None, "databases": [],
     "accounts": [{"name": "nodb", "host": "%", "comment": None, "databases": []}]},
]


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


def test_users_hosts_and_databases_match_the_fixture_without_passwords(tmp_path, emu):
    """One page: every user grouped by name with its hosts, databases (readonly) and comment; no password anywhere."""
    r = run(tmp_path, emu, [task("all", {"instance_id": GDB})])
    assert r.rc == 0, r.text()
    res = r.result("all")
    assert res["changed"] is False
    assert res["users"] == EXPECTED
    assert res["accounts"] == [{"name": "app", "host": "%"}, {"name": "app", "host": "192.168.0.7"},
                               {"name": "report", "host": "10.0.0.%"}, {"name": "nodb", "host": "%"}]
    assert (res["missing"], res["total_count"], res["truncated"]) == ([], 4, False)
    assert len(res["request_ids"]) == 1
    assert [(e["action"], e["method"], e["status"]) for e in journal(emu)] == [(ACTION, "GET", 200)]
    assert_no_secrets(r, emu, *SECRETS)


def test_names_filter_keeps_api_order_and_lists_missing_names(tmp_path, emu):
    """names: only those users (in the API's order), unknown names in missing; still one read."""
    r = run(tmp_path, emu, [task("some", {"instance_id": GDB, "names": ["report", "ghost", "app", "report"]})])
    assert r.rc == 0, r.text()
    res = r.result("some")
    assert [u["name"] for u in res["users"]] == ["app", "report"]
    assert res["users"] == [EXPECTED[0], EXPECTED[1]]
    assert res["missing"] == ["ghost"]
    assert [e["action"] for e in journal(emu)] == [ACTION]
    assert_no_secrets(r, emu, *SECRETS)


def test_paging_reads_every_page_of_more_than_100_accounts(tmp_path, emulator_factory):
    """230 accounts: three pages of 100 (offset/limit); every account once; the filter finds one on the last page."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["gaussdb"]["instances"][0]["users"] = [
        {"name": "bulk_%03d" % n, "host": "%" if n % 2 else "10.%d.0.%%" % (n % 7), "password": APP_PW,
         "databases": ["db_%d" % (n % 5)]} for n in range(230)]
    emu = emulator_factory(fixtures)
    r = run(tmp_path, emu, [task("all", {"instance_id": GDB}), task("last", {"instance_id": GDB, "names": ["bulk_229"]})])
    assert r.rc == 0, r.text()
    res = r.result("all")
    assert [u["name"] for u in res["users"]] == ["bulk_%03d" % n for n in range(230)]
    assert (res["total_count"], res["truncated"], len(res["request_ids"])) == (230, False, 3)
    assert res["users"][6]["hosts"] == ["10.6.0.%"]
    assert res["users"][6]["databases"] == [{"name": "db_1", "readonly": False}]
    assert [u["name"] for u in r.result("last")["users"]] == ["bulk_229"]
    assert [e["action"] for e in journal(emu)] == [ACTION] * 6
    assert_no_secrets(r, emu, APP_PW)


def test_throttled_and_failed_page_reads_are_retried(tmp_path, emu):
    """429 then 500 on a page read: both retried; the result is whole."""
    admin(emu, "faults", [{"kind": "throttle", "retry_after": 0, "match": {"action": ACTION}},
                          {"kind": "error", "status": 500, "match": {"action": ACTION}}])
    r = run(tmp_path, emu, [task("flaky", {"instance_id": GDB})])
    assert r.rc == 0, r.text()
    assert r.result("flaky")["users"] == EXPECTED
    assert [(e["action"], e["status"]) for e in journal(emu)] == [(ACTION, 429), (ACTION, 500), (ACTION, 200)]


def test_check_mode_returns_the_same_and_writes_nothing(tmp_path, emu):
    r = run(tmp_path, emu, [task("checked", {"instance_id": GDB})], check=True)
    assert r.rc == 0, r.text()
    assert r.result("checked")["changed"] is False and r.result("checked")["users"] == EXPECTED
    assert journal(emu, writes_only=True) == []
    assert [e["action"] for e in journal(emu)] == [ACTION]


@pytest.mark.parametrize("instance_id", [MISSING, OTHER_PROJECT_GDB])
def test_unknown_instance_fails_structured(tmp_path, emu, instance_id):
    """An instance that does not exist (or is another project's) fails: not_found, the provider's code, HTTP 404."""
    r = run(tmp_path, emu, [task("unknown", {"instance_id": instance_id})])
    assert r.rc != 0
    res = r.result("unknown")
    assert r.status("unknown") == "failed" and res.get("changed", False) is False
    assert (res["error"]["code"], res["error"]["kind"], res["http_status"]) == ("DBS.201028", "not_found", 404)
    assert res["msg"].startswith("GaussDB(for MySQL) instance %s does not exist (DBS.201028)" % instance_id)
    assert "users" not in res
    assert [e["action"] for e in journal(emu)] == [ACTION]
    assert_no_secrets(r, emu, *SECRETS)


HOSTILE = [
    ("traversal", {"instance_id": "../instances/" + GDB}, "instance_id"),
    ("encoded-traversal", {"instance_id": "%2e%2e%2F" + GDB}, "instance_id"),
    ("slash", {"instance_id": GDB + "/db-users"}, "instance_id"),
    ("crlf", {"instance_id": GDB + "\r\nX-Injected: 1"}, "instance_id"),
    ("query", {"instance_id": GDB + "?offset=0"}, "instance_id"),
    ("empty", {"instance_id": ""}, "instance_id"),
    ("upper-case", {"instance_id": GDB.upper()}, "instance_id"),
    ("name-traversal", {"instance_id": GDB, "names": ["app", "../root"]}, "names[1]"),
    ("name-too-long", {"instance_id": GDB, "names": ["a" * 33]}, "names[0]"),
    ("name-with-space", {"instance_id": GDB, "names": ["app x"]}, "names[0]"),
    ("region-injection", {"instance_id": GDB, "region": "attacker.example#"}, "region"),
    ("project-injection", {"instance_id": GDB, "project_id": "../" + HW_PROJECT}, "project_id"),
    ("names-as-dict", {"instance_id": GDB, "names": {"app": 1}}, "names"),
]


def test_hostile_ids_are_refused_before_any_request(tmp_path, emu):
    """Every hostile id, name or connection value fails naming its field (InvalidParameter); the emulator sees nothing."""
    tasks = [task(case, args, ignore_errors=True) for case, args, _field in HOSTILE]
    r = run(tmp_path, emu, tasks)
    assert r.rc == 0, r.text()
    for case, _args, field in HOSTILE:
        res = r.result(case)
        assert r.status(case) == "failed", (case, res)
        assert field in res["msg"], (case, res["msg"])
        assert res["error"]["code"] == "InvalidParameter" and res["error"]["kind"] == "validation", (case, res)
        assert field in res["invalid"], (case, res["invalid"])
    assert journal(emu) == [], "validation must come before the first request: %r" % journal(emu)[:3]


def test_no_secret_at_vvvv_with_token_auth_and_a_misspelt_secret_option(tmp_path, emu):
    """-vvvv: the caller's auth_token and a misspelt secret option's value appear nowhere, on success or failure."""
    token_env = {"HW_AUTH_TOKEN": "Canary-Token-%s" % uuid.uuid4().hex, "HW_PROJECT_ID": HW_PROJECT}
    typo = "Canary-Typo-%s!" % uuid.uuid4().hex[:8]
    r = run(tmp_path, emu, [task("aksk", {"instance_id": GDB}),
                            task("typo", {"instance_id": GDB, "secret_kye": typo}, ignore_errors=True)])
    assert r.rc == 0, r.text()
    assert "secret_kye is not an option" in r.result("typo")["msg"]
    r2 = run(tmp_path, emu, [task("token", {"instance_id": GDB}, ignore_errors=True)], env=token_env)
    assert r2.status("token") == "failed" and r2.result("token")["error"]["kind"] == "auth"
    assert_no_secrets(r, emu, typo, *SECRETS)
    assert_no_secrets(r2, emu, token_env["HW_AUTH_TOKEN"], *SECRETS)


def test_adhoc_command(tmp_path, emu):
    """ansible localhost -m credrotate.cloud.gaussdb_mysql_user_info works ad hoc."""
    r = run_adhoc(tmp_path, "gaussdb_mysql_user_info", {"instance_id": GDB, "endpoint_url": emu.base_url},
                  env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "192.168.0.7" in r.stdout and "orders service" in r.stdout
    assert_no_secrets(r, emu, *SECRETS)


def test_module_defaults_group_carries_credentials(tmp_path, emu):
    """group/credrotate.cloud.huaweicloud module_defaults supply endpoint and AK/SK (no environment credentials)."""
    md = {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "access_key": HW_AK,
                                                 "secret_key": HW_SK, "project_id": HW_PROJECT}}
    r = run(tmp_path, emu, [task("grouped", {"instance_id": GDB})], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert r.result("grouped")["users"] == EXPECTED
    assert_no_secrets(r, emu, *SECRETS)
