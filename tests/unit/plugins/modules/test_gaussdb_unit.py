# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""GaussDB(for MySQL) password logic (``_gaussdb``) at the HTTP boundary, with the MySQL probe stubbed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _gaussdb
from ansible_collections.credrotate.cloud.plugins.module_utils import _gaussdb_users
from ansible_collections.credrotate.cloud.plugins.module_utils import _probes
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import (
    FakeHuaweiModule,
    reply,
)

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

PROJECT = "0123456789abcdef0123456789abcdef"
GDB = "4d5e6f7a8b9c4aab0011ddeeff001122in07"
NEW = "N3w-Gauss_Passw0rd"
BASE = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "endpoint_url": "https://gdb.test",
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": "exampleSecretKey0123456789abcdefghijABCD",
        "instance_id": GDB, "password": NEW, "ledger": None, "probe": "auto", "probe_host": None, "probe_port": None,
        "probe_timeout": 1, "wait": True, "wait_timeout": 600}


class FakeModule(FakeHuaweiModule):
    """HuaweiCloudModule as ``_gaussdb`` uses it, on this file's ``BASE`` params."""

    base = BASE


@pytest.fixture
def mysql_probe(monkeypatch):
    """Stub the MySQL probe: ``answers`` maps (user, password) to ok/denied; ``tried`` records users."""
    state = {"answers": {}, "tried": []}

    def fake(host, port, user, password, timeout=5):
        state["tried"].append(user)
        return state["answers"].get((user, password), "denied")

    monkeypatch.setattr(_probes, "mysql_login", fake)
    return state


def show(status="ACTIVE"):
    return reply(200, {"instance": {"id": GDB, "name": "gdb", "status": status, "db_user_name": "root",
                                    "private_write_ips": ["10.0.0.7"], "port": "3306"}})


def users_page(names, total):
    return reply(200, {"users": [{"name": n, "host": h} for n, h in names], "total_count": total})


def accepted(job_id):
    return reply(202, {"job_id": job_id}, {"X-Request-Id": "req-%s" % job_id})


def job(job_id, status, reason=None):
    return reply(200, {"job": {"id": job_id, "status": status, "fail_reason": reason}})


def not_found():
    return reply(400, {"error_code": "DBS.200543", "error_msg": "The job does not exist."})


def run(module, entry=_gaussdb_users.run_user_password):
    return module.run(lambda: entry(module.params, GaussDbApi(module.client), module.prober("mysql"),
                                    ledger=module.ledger(), check_mode=module.check_mode))


def query(call):
    return dict((k, v[0]) for k, v in parse_qs(urlsplit(call.url).query).items())


def test_user_list_is_read_page_by_page():
    """150 accounts: offset 0 then offset 100, limit 100; the named users are all found."""
    page1 = [("u%03d" % n, "%") for n in range(100)]
    page2 = [("u%03d" % n, "%") for n in range(100, 150)]
    module = FakeModule({"users": [{"name": "u149", "host": "%"}], "probe": "never"},
                        [show(), users_page(page1, 150), users_page(page2, 150)], check_mode=True)
    done = run(module)
    assert not done.failed and done.result["changed"] is True
    assert [query(c) for c in module.transport.calls[1:]] == [{"offset": "0", "limit": "100"},
                                                              {"offset": "100", "limit": "100"}]


def test_chunks_of_50_waiting_between_calls_even_without_wait(mysql_probe):
    """60 users: PUT 50, wait for that job (through 'not found'), PUT 10; wait=false skips only the last wait."""
    names = [("u%02d" % n, "%") for n in range(60)]
    module = FakeModule({"users": [{"name": n, "host": h} for n, h in names], "wait": False}, [
        show(), users_page(names, 60), accepted("j1"), not_found(), job("j1", "Running"), job("j1", "Completed"),
        accepted("j2")])
    done = run(module)
    assert not done.failed and done.result["job_ids"] == ["j1", "j2"]
    puts = [json.loads(c.body.decode()) for c in module.transport.calls if c.method == "PUT"]
    assert [len(p["users"]) for p in puts] == [50, 10]
    assert puts[0]["users"][0] == {"name": "u00", "host": "%", "password": NEW}
    assert [r["status"] for r in done.result["results"]] == ["Completed"] * 50 + ["Submitted"] * 10
    assert len(mysql_probe["tried"]) == 60


def test_failed_job_reports_fail_reason_per_user(mysql_probe):
    module = FakeModule({"users": [{"name": "app", "host": "%"}]}, [
        show(), users_page([("app", "%")], 1), accepted("j1"), job("j1", "Failed", "disk full")])
    done = run(module)
    assert done.failed and "fail_reason: disk full" in done.result["msg"]
    item = done.result["results"][0]
    assert (item["outcome"], item["status"], item["fail_reason"], item["job_id"]) == ("failed", "Failed",
                                                                                      "disk full", "j1")


def test_probe_is_trusted_only_for_a_name_with_one_account(mysql_probe):
    """dup has two accounts: a login as dup proves nothing about dup@10.%, so it is written; app is unchanged."""
    mysql_probe["answers"] = {("app", NEW): "ok", ("dup", NEW): "ok"}
    module = FakeModule({"users": [{"name": "app", "host": "%"}, {"name": "dup", "host": "10.%"}]}, [
        show(), users_page([("app", "%"), ("dup", "%"), ("dup", "10.%")], 3), accepted("j1"), job("j1", "Completed")])
    done = run(module)
    assert [(r["name"], r["outcome"]) for r in done.result["results"]] == [("app", "unchanged"), ("dup", "updated")]
    assert mysql_probe["tried"] == ["app"]
    put = [json.loads(c.body.decode()) for c in module.transport.calls if c.method == "PUT"][0]
    assert put == {"users": [{"name": "dup", "host": "10.%", "password": NEW}]}


def test_missing_users_and_inactive_instance_fail_before_writes():
    module = FakeModule({"users": [{"name": "ghost", "host": "%"}, {"name": "app", "host": "10.%"}]},
                        [show(), users_page([("app", "%")], 1)])
    done = run(module)
    assert done.failed and done.result["missing"] == ["ghost@%", "app@10.%"]
    module = FakeModule({"users": [{"name": "app", "host": "%"}]}, [show("REBOOTING")])
    done = run(module)
    assert done.failed and "is REBOOTING, not ACTIVE" in done.result["msg"]
    assert len(module.transport.calls) == 1


def test_wait_timeout_reports_may_have_applied(mysql_probe):
    """A job still Running at wait_timeout: users failed with may_have_applied, the task says so."""
    module = FakeModule({"users": [{"name": "app", "host": "%"}], "wait_timeout": 3}, [
        show(), users_page([("app", "%")], 1), accepted("j1")] + [job("j1", "Running")] * 10)
    done = run(module)
    assert done.failed and done.result["error"]["code"] == "JobTimeout"
    assert done.result["results"][0]["may_have_applied"] is True and done.result["changed"] is True


def test_root_reset_skipped_when_the_probe_logs_in(mysql_probe):
    mysql_probe["answers"] = {("root", NEW): "ok"}
    module = FakeModule({}, [show()])
    done = run(module, _gaussdb.run_instance_password)
    assert not done.failed and (done.result["changed"], done.result["evidence"]) == (False, "probe")


def test_root_reset_posts_once(mysql_probe):
    module = FakeModule({}, [show(), reply(200, {}, {"X-Request-Id": "req-root"})])
    done = run(module, _gaussdb.run_instance_password)
    assert not done.failed and done.result["changed"] is True and done.result["request_id"] == "req-root"
    post = module.transport.calls[1]
    assert post.url == "https://gdb.test/v3/%s/instances/%s/password" % (PROJECT, GDB)
    assert json.loads(post.body.decode()) == {"password": NEW}


def test_unreachable_address_stops_probing_after_two_tries(monkeypatch):
    """An address that never answers is not probed once per user (each probe could cost probe_timeout)."""
    tried = []
    monkeypatch.setattr(_probes, "mysql_login", lambda h, p, u, pw, timeout=5: tried.append(u) or "unreachable")
    names = [("u%02d" % n, "%") for n in range(5)]
    module = FakeModule({"users": [{"name": n, "host": h} for n, h in names]},
                        [show(), users_page(names, 5)], check_mode=True)
    done = run(module)
    assert done.result["changed"] is True and len(tried) == 2
