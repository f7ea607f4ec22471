# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""gaussdb_mysql_user_info, gaussdb_mysql_instance_info and dcs_instance_info at the HTTP boundary.

Every request is declared (scripted transport); the read methods they add to ``GaussDbApi`` and
``DcsApi`` (bounded paging, the answer with its request id) are pinned here too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.modules import dcs_instance_info as dcs_info
from ansible_collections.credrotate.cloud.plugins.modules import gaussdb_mysql_instance_info as gdb_instance_info
from ansible_collections.credrotate.cloud.plugins.modules import gaussdb_mysql_user_info as gdb_user_info
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import (
    FakeClient,
    FakeHuaweiModule,
    reply,
)

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

PROJECT = "0123456789abcdef0123456789abcdef"
GDB = "4d5e6f7a8b9c4aab0011ddeeff001122in07"
DCS = "3f2e1d0c-9b8a-4776-8655-443322110099"
SK = "exampleSecretKey0123456789abcdefghijABCD"
BASE = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "endpoint_url": "https://api.test",
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": SK, "names": None}


class FakeModule(FakeHuaweiModule):
    base = BASE
    attempts = 3


def query(call):
    return dict((k, v[0]) for k, v in parse_qs(urlsplit(call.url).query).items())


def path(call):
    return urlsplit(call.url).path


def account(name, host="%", databases=(), comment=""):
    return {"name": name, "host": host, "comment": comment, "databases": list(databases)}


def page(users, total, request_id=None):
    return reply(200, {"users": users, "total_count": total}, {"X-Request-Id": request_id} if request_id else None)


# --- GaussDbApi.read_db_users ----------------------------------------------------------------------


def test_read_db_users_follows_offset_pages_until_total_count():
    client = FakeClient([{"users": [account("a"), account("b")], "total_count": 5},
                         {"users": [account("c"), account("d")], "total_count": 5},
                         {"users": [account("e")], "total_count": 5}])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=2)
    assert [u["name"] for u in listing["users"]] == ["a", "b", "c", "d", "e"]
    assert (listing["total_count"], listing["complete"], listing["pages"]) == (5, True, 3)
    assert listing["request_ids"] == ["req-1", "req-2", "req-3"]
    assert [c.query for c in client.calls] == [{"offset": 0, "limit": 2}, {"offset": 2, "limit": 2},
                                               {"offset": 4, "limit": 2}]
    assert all((c.method, c.path, c.path_params, c.write) == (
        "GET", "/v3/{project_id}/instances/{instance_id}/db-users", {"instance_id": GDB}, False) for c in client.calls)


def test_read_db_users_stops_at_an_empty_page_or_a_short_page_without_total():
    client = FakeClient([{"users": [account("a"), account("b")], "total_count": 9}, {"users": [], "total_count": 9}])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=2)
    assert ([u["name"] for u in listing["users"]], listing["complete"], len(client.calls)) == (["a", "b"], True, 2)
    client = FakeClient([{"users": [account("a"), account("b")]}, {"users": [account("c")]}])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=2)
    assert (len(listing["users"]), listing["total_count"], listing["complete"], len(client.calls)) == (3, None, True, 2)


def test_read_db_users_is_bounded_by_max_pages():
    """A listing longer than max_pages pages stops there and says it is incomplete."""
    client = FakeClient([{"users": [account("u%d" % n)], "total_count": 10} for n in range(3)])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=1, max_pages=3)
    assert (len(listing["users"]), listing["complete"], listing["pages"], len(client.calls)) == (3, False, 3, 3)


def test_read_db_users_stops_when_the_server_ignores_offset():
    """The same page again brings no new account: paging stops (incomplete) instead of looping to the bound."""
    same = {"users": [account("a"), account("b")], "total_count": 50}
    client = FakeClient([dict(same), dict(same), dict(same)])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=2)
    assert ([u["name"] for u in listing["users"]], listing["complete"], len(client.calls)) == (["a", "b"], False, 2)


def test_read_db_users_last_allowed_page_that_completes_the_listing_is_complete():
    client = FakeClient([{"users": [account("a")], "total_count": "2"}, {"users": [account("b")], "total_count": "2"}])
    listing = GaussDbApi(client).read_db_users(GDB, page_size=1, max_pages=2)
    assert (listing["total_count"], listing["complete"]) == (2, True)


def test_list_db_users_is_unchanged_by_the_page_method():
    """The rotation's list_db_users still pages until total_count with its own page size."""
    client = FakeClient([{"users": [account("a")], "total_count": 2}, {"users": [account("b", "10.%")], "total_count": 2}])
    assert GaussDbApi(client).list_db_users(GDB, page_size=1) == [account("a"), account("b", "10.%")]
    assert [c.query for c in client.calls] == [{"offset": 0, "limit": 1}, {"offset": 1, "limit": 1}]


def test_show_instance_result_keeps_the_request_id_and_show_instance_is_unchanged():
    client = FakeClient([{"instance": {"id": GDB, "status": "ACTIVE"}}, {"instance": {"id": GDB}}])
    api = GaussDbApi(client)
    answer = api.show_instance_result(GDB)
    assert (answer.data["instance"]["status"], answer.request_id) == ("ACTIVE", "req-1")
    assert api.show_instance(GDB) == {"id": GDB}
    client = FakeClient([{"instance_id": DCS, "status": "RUNNING"}, {}])
    api = DcsApi(client)
    assert api.show_instance_result(DCS).data["status"] == "RUNNING"
    assert api.show_instance(DCS) == {}
    assert [(c.method, c.path, c.path_params) for c in client.calls] == [
        ("GET", "/v2/{project_id}/instances/{instance_id}", {"instance_id": DCS})] * 2


# --- gaussdb_mysql_user_info -----------------------------------------------------------------------


def run_users(params, script):
    module = FakeModule(dict({"instance_id": GDB}, **params), script)
    return module, module.run(lambda: gdb_user_info.run_info(module.params, GaussDbApi(module.client)))


def test_user_info_groups_accounts_by_name_and_never_passes_unknown_fields():
    """Hosts and databases per name; a database is read-only only if read-only in every account; extra fields dropped."""
    leaky = dict(account("app", "%", [{"name": "orders", "readonly": False}, {"name": "audit", "readonly": True}],
                         "svc"), password="Leaked-Passw0rd!", password_hash="*ABC")
    script = [page([leaky, account("rep", "10.%", [{"name": "orders", "readonly": True}]),
                    account("app", "192.168.0.7", [{"name": "audit", "readonly": True}])], 3, "req-a")]
    module, done = run_users({}, script)
    assert not done.failed
    app, rep = done.result["users"]
    assert app == {"name": "app", "hosts": ["%", "192.168.0.7"], "comment": "svc",
                   "databases": [{"name": "orders", "readonly": False}, {"name": "audit", "readonly": True}],
                   "accounts": [{"name": "app", "host": "%", "comment": "svc",
                                 "databases": [{"name": "orders", "readonly": False},
                                               {"name": "audit", "readonly": True}]},
                                {"name": "app", "host": "192.168.0.7", "comment": None,
                                 "databases": [{"name": "audit", "readonly": True}]}]}
    assert rep["hosts"] == ["10.%"] and rep["databases"] == [{"name": "orders", "readonly": True}]
    assert done.result["accounts"] == [{"name": "app", "host": "%"}, {"name": "app", "host": "192.168.0.7"},
                                       {"name": "rep", "host": "10.%"}]
    assert (done.result["changed"], done.result["missing"], done.result["truncated"]) == (False, [], False)
    assert done.result["request_ids"] == ["req-a"] and module.warnings == []
    assert "Leaked" not in json.dumps(done.result) and "ABC" not in json.dumps(done.result)
    call, = module.transport.calls
    assert (call.method, path(call), query(call)) == (
        "GET", "/v3/%s/instances/%s/db-users" % (PROJECT, GDB), {"offset": "0", "limit": "100"})
    assert call.body == b""


def test_user_info_readonly_is_false_once_any_account_can_write():
    script = [page([account("app", "%", [{"name": "orders", "readonly": True}]),
                    account("app", "10.%", [{"name": "orders", "readonly": "false"}])], 2)]
    _module, done = run_users({}, script)
    assert done.result["users"][0]["databases"] == [{"name": "orders", "readonly": False}]


def test_user_info_names_filter_keeps_api_order_and_reports_missing():
    script = [page([account("a"), account("b"), account("c")], 3)]
    _module, done = run_users({"names": ["c", "zz", "a", "c"]}, script)
    assert [u["name"] for u in done.result["users"]] == ["a", "c"]
    assert done.result["missing"] == ["zz"]
    assert done.result["accounts"] == [{"name": "a", "host": "%"}, {"name": "c", "host": "%"}]


def test_user_info_truncated_listing_warns():
    same = [account("a"), account("b")]
    module, done = run_users({}, [page(same, 500), page(same, 500)])
    assert not done.failed and done.result["truncated"] is True
    assert len(module.warnings) == 1 and "read only in part" in module.warnings[0]
    assert "500" in module.warnings[0]


def test_user_info_unknown_instance_fails_structured():
    body = {"error_code": "DBS.201028", "error_msg": "The DB instance does not exist."}
    _module, done = run_users({}, [reply(404, body, {"X-Request-Id": "req-404"})])
    assert done.failed
    assert done.result["error"] == {"code": "DBS.201028", "message": "The DB instance does not exist.",
                                    "kind": "not_found"}
    assert (done.result["http_status"], done.result["request_id"]) == (404, "req-404")
    assert done.result["msg"] == ("GaussDB(for MySQL) instance %s does not exist (DBS.201028); nothing was changed"
                                  % GDB)


def test_user_info_other_read_errors_name_the_instance():
    body = {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information."}
    _module, done = run_users({}, [reply(401, body)])
    assert done.failed and done.result["error"]["kind"] == "auth"
    assert done.result["msg"].startswith("Cannot read GaussDB(for MySQL) instance %s: APIGW.0301" % GDB)


# --- gaussdb_mysql_instance_info -------------------------------------------------------------------

SHOWN = {
    "id": GDB, "name": "orders-db", "project_id": PROJECT, "status": "ACTIVE", "port": "3306", "alias": "",
    "type": "Cluster", "node_count": 2, "db_user_name": "root", "private_write_ips": ["192.168.0.10"],
    "private_dns_names": [], "public_ips": "", "az_mode": "single", "created": "2024-01-01T00:00:00+0000",
    "updated": "2024-01-02T00:00:00+0000", "vpc_id": "vpc-1",
    "datastore": {"type": "gaussdb-mysql", "version": "8.0", "kernel_version": "2.0.57.240900"},
    "nodes": [{"id": "n1", "name": "orders-db_node01", "type": "master", "status": "ACTIVE", "port": 3306,
               "private_read_ips": ["192.168.0.11"], "az_code": "cn-north-4a", "flavor_ref": "x"},
              {"id": "n2", "name": "orders-db_node02", "type": "slave", "status": "ACTIVE", "port": 3306,
               "private_read_ips": ["192.168.0.12"], "az_code": "cn-north-4b"}],
    "root_password": "Leaked-Passw0rd!",
}


def run_instance(script, instance_id=GDB):
    module = FakeModule({"instance_id": instance_id}, script)
    return module, module.run(lambda: gdb_instance_info.run_info(module.params, GaussDbApi(module.client)))


def test_instance_info_whitelists_the_show_instance_fields():
    module, done = run_instance([reply(200, {"instance": SHOWN}, {"X-Request-Id": "req-i"})])
    assert not done.failed
    instance = done.result["instance"]
    assert instance == {
        "id": GDB, "name": "orders-db", "alias": "", "status": "ACTIVE", "type": "Cluster", "db_user_name": "root",
        "az_mode": "single", "created": "2024-01-01T00:00:00+0000", "updated": "2024-01-02T00:00:00+0000",
        "datastore": {"type": "gaussdb-mysql", "version": "8.0", "kernel_version": "2.0.57.240900"},
        "version": "8.0", "port": 3306, "private_write_ips": ["192.168.0.10"], "private_dns_names": [],
        "public_ips": [], "address": "192.168.0.10", "node_count": 2, "password_change_allowed": True,
        "nodes": [{"id": "n1", "name": "orders-db_node01", "type": "master", "status": "ACTIVE", "port": 3306,
                   "private_read_ips": ["192.168.0.11"], "az_code": "cn-north-4a"},
                  {"id": "n2", "name": "orders-db_node02", "type": "slave", "status": "ACTIVE", "port": 3306,
                   "private_read_ips": ["192.168.0.12"], "az_code": "cn-north-4b"}]}
    assert (done.result["changed"], done.result["request_id"]) == (False, "req-i")
    assert "Leaked" not in json.dumps(done.result)
    call, = module.transport.calls
    assert (call.method, path(call), urlsplit(call.url).query) == ("GET", "/v3/%s/instances/%s" % (PROJECT, GDB), "")


def test_instance_info_tolerates_sparse_answers_and_reports_other_statuses():
    sparse = {"id": GDB, "status": "FROZEN", "public_ips": "203.0.113.5, 203.0.113.6", "port": None}
    _module, done = run_instance([reply(200, {"instance": sparse})])
    instance = done.result["instance"]
    assert (instance["status"], instance["password_change_allowed"], instance["port"], instance["address"]) == (
        "FROZEN", False, None, None)
    assert instance["public_ips"] == ["203.0.113.5", "203.0.113.6"]
    assert (instance["nodes"], instance["node_count"], instance["version"]) == ([], 0, None)
    _module, done = run_instance([reply(200, {})])
    assert not done.failed and done.result["instance"]["id"] is None


def test_instance_info_unknown_instance_fails_structured():
    body = {"error_code": "DBS.201028", "error_msg": "The DB instance does not exist."}
    _module, done = run_instance([reply(404, body)])
    assert done.failed and done.result["error"]["code"] == "DBS.201028"
    assert done.result["msg"].startswith("GaussDB(for MySQL) instance %s does not exist" % GDB)


# --- dcs_instance_info -----------------------------------------------------------------------------

DCS_SHOWN = {
    "instance_id": DCS, "name": "orders-cache", "status": "RUNNING", "sub_status": "", "engine": "Redis",
    "engine_version": "5.0", "no_password_access": "false", "access_user": None, "ip": "192.168.0.25",
    "port": 6379, "domain_name": "redis-3f2e1d0c.dcs.huaweicloud.com", "readonly_domain_name": "",
    "publicip_address": "", "enable_ssl": False, "cache_mode": "single", "capacity": 1, "password": "Leaked-1!",
    "spec_code": "redis.single.xu1.large.1",
}


def run_dcs(script, instance_id=DCS):
    module = FakeModule({"instance_id": instance_id}, script)
    return module, module.run(lambda: dcs_info.run_info(module.params, DcsApi(module.client)))


def test_dcs_info_whitelists_fields_and_inverts_no_password_access():
    module, done = run_dcs([reply(200, DCS_SHOWN, {"X-Request-Id": "req-d"})])
    assert not done.failed
    assert done.result["instance"] == {
        "instance_id": DCS, "name": "orders-cache", "status": "RUNNING", "sub_status": "", "engine": "Redis",
        "engine_version": "5.0", "ip": "192.168.0.25", "ips": ["192.168.0.25"], "port": 6379,
        "domain_name": "redis-3f2e1d0c.dcs.huaweicloud.com", "readonly_domain_name": "", "publicip_address": "",
        "access_user": None, "no_password_access": False, "password_set": True, "enable_ssl": False,
        "cache_mode": "single", "capacity": 1, "password_change_allowed": True}
    assert (done.result["changed"], done.result["request_id"]) == (False, "req-d")
    assert "Leaked" not in json.dumps(done.result)
    call, = module.transport.calls
    assert (call.method, path(call)) == ("GET", "/v2/%s/instances/%s" % (PROJECT, DCS))


@pytest.mark.parametrize("fields,password_set,allowed", [
    ({"no_password_access": "true"}, False, False),
    ({"no_password_access": True}, False, False),
    ({"no_password_access": "false", "status": "RESTARTING"}, True, False),
    ({"no_password_access": False, "status": "RUNNING"}, True, True),
])
def test_dcs_info_password_set_and_change_allowed(fields, password_set, allowed):
    _module, done = run_dcs([reply(200, dict(DCS_SHOWN, **fields))])
    instance = done.result["instance"]
    assert (instance["password_set"], instance["no_password_access"], instance["password_change_allowed"]) == (
        password_set, not password_set, allowed)


def test_dcs_info_cluster_addresses_and_string_port():
    _module, done = run_dcs([reply(200, dict(DCS_SHOWN, ip="10.0.0.1,10.0.0.2, 10.0.0.3", port="6380",
                                             enable_ssl="true"))])
    instance = done.result["instance"]
    assert instance["ips"] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert (instance["port"], instance["enable_ssl"]) == (6380, True)


def test_dcs_info_unknown_instance_fails_structured():
    body = {"error_code": "DCS.3022", "error_msg": "This DCS instance does not exist.", "error_ext_msg": None}
    _module, done = run_dcs([reply(404, body, {"X-Request-Id": "req-x"})])
    assert done.failed
    assert (done.result["error"]["code"], done.result["error"]["kind"], done.result["http_status"]) == (
        "DCS.3022", "not_found", 404)
    assert done.result["msg"] == "DCS instance %s does not exist (DCS.3022); nothing was changed" % DCS


def test_path_values_are_percent_encoded_whole():
    """The client encodes every path value: a value with '/' cannot add a segment (validation refuses it first)."""
    module = FakeModule({"instance_id": "a/../b?x"}, [reply(200, DCS_SHOWN)])
    module.run(lambda: dcs_info.run_info(module.params, DcsApi(module.client)))
    assert path(module.transport.calls[0]) == "/v2/%s/instances/a%%2F..%%2Fb%%3Fx" % PROJECT


def test_argument_specs_validate_ids_and_names():
    """The modules' rules: provider id formats and GaussDB user names (checked by _validate before any request)."""
    assert gdb_user_info.RULES == {"instance_id": "gaussdb_instance_id", "names[]": "gaussdb_user"}
    assert gdb_instance_info.RULES == {"instance_id": "gaussdb_instance_id"}
    assert dcs_info.RULES == {"instance_id": "dcs_instance_id"}
    for spec in (gdb_user_info.ARGUMENT_SPEC, gdb_instance_info.ARGUMENT_SPEC, dcs_info.ARGUMENT_SPEC):
        assert spec["instance_id"] == {"type": "str", "required": True}
        assert not any(o.get("no_log") is False or "password" in name for name, o in spec.items())
