# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""dcs_instance_password logic (``_dcs``) at the HTTP boundary, with the Redis probe stubbed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _dcs
from ansible_collections.credrotate.cloud.plugins.module_utils import _probes
from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import (
    FakeHuaweiModule,
    reply,
)

PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "3c49ab51-5bb1-4b6a-8e0f-6f6f3a0f1c11"
OLD, NEW = "0ld-Cache-Passw0rd", "N3w-Cache-Passw0rd"
BASE = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "endpoint_url": "https://dcs.test",
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": "exampleSecretKey0123456789abcdefghijABCD",
        "instance_id": INSTANCE, "old_password": OLD, "new_password": NEW, "ledger": None, "probe": "auto",
        "probe_host": None, "probe_port": None, "probe_timeout": 1}


class FakeModule(FakeHuaweiModule):
    """HuaweiCloudModule as ``_dcs`` uses it, on this file's ``BASE`` params."""

    base = BASE


@pytest.fixture
def redis_probe(monkeypatch):
    """Stub the AUTH probe: ``answers`` maps a password to ok/denied/unreachable; ``tried`` records the order."""
    state = {"answers": {}, "tried": []}

    def fake(host, port, password, timeout=5, username=None, tls=False):
        state["tried"].append(password)
        return state["answers"].get(password, "unreachable")

    monkeypatch.setattr(_probes, "redis_auth", fake)
    return state


def instance(**extra):
    body = {"instance_id": INSTANCE, "name": "cache", "status": "RUNNING", "no_password_access": "false",
            "ip": "10.0.0.9", "port": 6379, "access_user": None, "enable_ssl": False}
    body.update(extra)
    return reply(200, body)


def result(value, left="5", lock="0"):
    return reply(200, {"result": value, "retry_times_left": left, "lock_time_left": lock, "lock_time": "0",
                       "message": "m"}, {"X-Request-Id": "req-pwd"})


def run(module):
    return module.run(lambda: _dcs.run(module.params, DcsApi(module.client), module.prober("redis"),
                                       ledger=module.ledger(), check_mode=module.check_mode))


def test_new_password_already_works_no_call(redis_probe):
    redis_probe["answers"] = {NEW: "ok"}
    module = FakeModule({}, [instance()])
    done = run(module)
    assert (done.failed, done.result["changed"], done.result["outcome"]) == (False, False, "unchanged")
    assert redis_probe["tried"] == [NEW] and len(module.transport.calls) == 1


def test_rejected_old_password_never_reaches_the_api(redis_probe):
    """old denied by AUTH: fail with no PUT, so no lockout attempt is spent; both denied: says so (drift)."""
    redis_probe["answers"] = {NEW: "denied", OLD: "denied"}
    module = FakeModule({}, [instance()])
    done = run(module)
    assert done.failed and done.result["error"]["code"] == "OldPasswordRejected"
    assert "reconcile" in done.result["msg"]
    assert [c.method for c in module.transport.calls] == ["GET"]


def test_password_failed_is_never_retried(redis_probe):
    """passwordFailed (HTTP 200) fails at once with retry_times_left as an int: exactly one PUT."""
    module = FakeModule({"probe": "never"}, [instance(), result("passwordFailed", left="3")])
    done = run(module)
    assert done.failed and (done.result["retry_times_left"], done.result["lock_time_left"]) == (3, 0)
    assert done.result["error"]["code"] == "passwordFailed" and done.result["http_status"] == 200
    assert done.result["request_id"] == "req-pwd"
    assert [c.method for c in module.transport.calls] == ["GET", "PUT"]
    assert redis_probe["tried"] == []
    assert json.loads(module.transport.calls[1].body.decode()) == {"old_password": OLD, "new_password": NEW}


def test_locked_reports_lock_time_left(redis_probe):
    module = FakeModule({}, [instance(), result("locked", left="0", lock="4")])
    done = run(module)
    assert done.failed and done.result["lock_time_left"] == 4 and "try again in 4 minutes" in done.result["msg"]
    assert redis_probe["tried"] == [NEW, OLD]


def test_busy_instance_is_retried_then_succeeds(redis_probe):
    """DCS.4115 (password being changed) certainly did not apply, so the write is retried; success is changed."""
    busy = reply(400, {"error_code": "DCS.4115", "error_msg": "The instance is changing the password"})
    module = FakeModule({}, [instance(), busy, result("success")])
    done = run(module)
    assert not done.failed and done.result["changed"] is True and done.result["result"] == "success"
    assert [c.method for c in module.transport.calls] == ["GET", "PUT", "PUT"]


def test_preflight_failures_make_no_write(redis_probe):
    for body, code in ((instance(status="FROZEN"), "DCS.4049"), (instance(no_password_access="true"), "DCS.4850")):
        module = FakeModule({}, [body])
        done = run(module)
        assert done.failed and done.result["error"]["code"] == code
        assert len(module.transport.calls) == 1 and redis_probe["tried"] == []


def test_missing_instance_is_dcs_3022(redis_probe):
    module = FakeModule({}, [reply(404, {"error_code": "DCS.3022", "error_msg": "This DCS instance does not exist."})])
    done = run(module)
    assert done.failed and done.result["error"]["code"] == "DCS.3022" and INSTANCE in done.result["msg"]


def test_otc_policy_refuses_percent_huawei_accepts_it(redis_probe):
    module = FakeModule({"cloud": "otc", "new_password": "Pct%Passw0rd"}, [instance()])
    done = run(module)
    assert done.failed and done.result["error"]["kind"] == "policy" and "dcs_otc" in done.result["msg"]
    module = FakeModule({"new_password": "Pct%Passw0rd"}, [instance()], check_mode=True)
    done = run(module)
    assert not done.failed and done.result["changed"] is True


def test_probe_always_and_unreachable_fails_before_write(redis_probe):
    module = FakeModule({"probe": "always"}, [instance()])
    done = run(module)
    assert done.failed and done.result["error"]["code"] == "ProbeUnreachable"
    assert [c.method for c in module.transport.calls] == ["GET"]


def test_lost_response_probe_decides(redis_probe):
    """A 502 on the PUT (may have applied): no resend; the new password works, so it is a success with a warning."""
    redis_probe["answers"] = {NEW: "denied", OLD: "ok"}
    lost = reply(502, {"error_code": "APIGW.0202", "error_msg": "Bad gateway"})

    def applied(call):
        redis_probe["answers"] = {NEW: "ok", OLD: "denied"}
        return lost

    module = FakeModule({}, [instance(), applied])
    done = run(module)
    assert not done.failed and done.result["evidence"] == "probe" and module.warnings
    assert [c.method for c in module.transport.calls] == ["GET", "PUT"]
    # and when the probe shows it did not apply: a clear failure, still no resend
    redis_probe["answers"] = {NEW: "denied", OLD: "ok"}
    module = FakeModule({}, [instance(), lost])
    done = run(module)
    assert done.failed and "did not apply" in done.result["msg"]
    assert [c.method for c in module.transport.calls] == ["GET", "PUT"]
