# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""credrotate.cloud.dcs_instance_password against the emulated DCS v2.

``real_backend`` tests give every instance its own spawned ``redis-server``, so the module's
AUTH probes and the password change are real. Every emulator started here is checked at
teardown: no instance may have spent a lockout attempt unless the test names it in
``may_lock`` (only the lockout test does).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

import pytest
import redis
import requests

from harness import HW_AK, HW_PROJECT, HW_SK, assert_no_secrets, huawei_env, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.dcs_instance_password"
OLD = "Canary-Dcs-0ld-%s!" % uuid.uuid4().hex[:6]
NEW = "Canary-Dcs-N3w-%s!" % uuid.uuid4().hex[:6]
WRONG = "Canary-Dcs-Wr0ng-%s!" % uuid.uuid4().hex[:6]
DCS = "3c49ab51-5bb1-4b6a-8e0f-%012x" % (uuid.uuid4().int & 0xffffffffffff)
DCS_FREE = "4d5abc62-6cc2-4c7b-9f10-000000000002"
DCS_LOCKME = "5e6bcd73-7dd3-4d8c-a021-000000000003"
MISSING = "6f7cde84-8ee4-4e9d-b132-000000000004"
SHORT, SPACED, PERCENT = "Sh0rt!", "Has Space-%s" % uuid.uuid4().hex[:6], "Otc-Percent%%%s" % uuid.uuid4().hex[:6]
ACCENT = WRONG + "\u00e9"
SECRETS = {"old_pw": OLD, "new_pw": NEW, "wrong_pw": WRONG, "short_pw": SHORT, "spaced_pw": SPACED,
           "percent_pw": PERCENT, "accent_pw": ACCENT}


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000003", "name": "dcs-domain", "users": [],
        "projects": [{"id": HW_PROJECT, "name": "cn-north-4"},
                     {"id": "fedcba9876543210fedcba9876543210", "name": "eu-de"}],
        "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": "dcs-user"}]}]}


FIXTURES = {
    "settings": {"dcs_lock_seconds": 300},
    "iam": _iam(),
    "dcs": {"instances": [
        {"instance_id": DCS, "name": "cache-orders", "project_id": HW_PROJECT, "password": OLD},
        {"instance_id": DCS_FREE, "name": "cache-free", "project_id": HW_PROJECT, "no_password_access": True},
        {"instance_id": DCS_LOCKME, "name": "cache-lockout-victim", "project_id": HW_PROJECT, "password": OLD},
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


def change(instance_id=DCS, old=OLD, new=NEW, **extra):
    args = {"instance_id": instance_id, "old_password": old, "new_password": new}
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


def instance_state(emu, instance_id=DCS):
    return [i for i in emu.summary()["dcs"]["instances"] if i["instance_id"] == instance_id][0]


def redis_works(emu, password, instance_id=DCS):
    host, port = instance_state(emu, instance_id)["address"].rsplit(":", 1)
    client = redis.Redis(host=host, port=int(port), password=password, socket_timeout=2)
    try:
        return client.ping()
    except redis.exceptions.AuthenticationError:
        return False
    finally:
        client.close()


@pytest.fixture
def dcs_emulator(emulator_factory):
    """Start emulators; at teardown assert no instance spent a lockout attempt unless listed in ``may_lock``."""
    started = []

    def start(real=False, fixtures=None, may_lock=()):
        emu = emulator_factory(copy.deepcopy(fixtures or FIXTURES), real=real)
        started.append((emu, set(may_lock)))
        return emu

    yield start
    for emu, allowed in started:
        for inst in emu.summary()["dcs"]["instances"]:
            if inst["instance_id"] not in allowed:
                assert inst["failed_attempts"] == 0 and not inst["locked"], \
                    "instance %s spent lockout attempts: %r" % (inst["instance_id"], inst)


@pytest.mark.real_backend
def test_success_then_rerun_unchanged_through_the_probe(tmp_path, dcs_emulator):
    """Real redis: the change applies (AUTH works), and the same task again is changed=false with no second write."""
    emu = dcs_emulator(real=True)
    r = run(tmp_path, emu, [task("first", change()), task("second", change())])
    assert r.rc == 0, r.text()
    first, second = r.result("first"), r.result("second")
    assert (first["changed"], first["outcome"], first["result"], first["retry_times_left"], first["lock_time_left"]) \
        == (True, "updated", "success", 5, 0)
    assert first["probe"]["results"] == {"new_password": "denied", "old_password": "ok"}
    assert (second["changed"], second["outcome"], second["evidence"], second["result"]) == (
        False, "unchanged", "probe", None)
    assert [e["action"] for e in writes(emu)] == ["UpdatePassword"]
    assert redis_works(emu, NEW) and not redis_works(emu, OLD)
    assert "--- before" in r.stdout and "dcs:%s" % DCS in r.stdout
    assert_no_secrets(r, emu, OLD, NEW, HW_SK)


@pytest.mark.real_backend
def test_check_mode_reads_and_probes_only_and_predicts_changed(tmp_path, dcs_emulator):
    """Check mode: show-instance and probes only, zero writes; its changed matches the real run before and after."""
    emu = dcs_emulator(real=True)
    r = run(tmp_path, emu, [task("plan", change())], check=True)
    assert r.rc == 0, r.text()
    assert r.result("plan")["changed"] is True and r.result("plan")["outcome"] == "updated"
    assert [e["action"] for e in journal(emu)] == ["ShowInstance"]
    assert redis_works(emu, OLD)
    r = run(tmp_path, emu, [task("real", change())])
    assert r.result("real")["changed"] is True
    r = run(tmp_path, emu, [task("replan", change())], check=True)
    assert r.result("replan")["changed"] is False
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


@pytest.mark.real_backend
def test_wrong_old_password_fails_without_calling_the_api(tmp_path, dcs_emulator):
    """A wrong old_password is caught by an AUTH probe: failure, no write, no lockout attempt spent, ever."""
    emu = dcs_emulator(real=True)
    r = run(tmp_path, emu, [task("wrong %d" % n, change(old=WRONG), ignore_errors=True) for n in range(6)])
    assert r.rc == 0, r.text()
    res = r.result("wrong 5")
    assert r.status("wrong 5") == "failed"
    assert res["error"]["code"] == "OldPasswordRejected" and "no lockout attempt was spent" in res["msg"]
    assert DCS in res["msg"] and res["retry_times_left"] is None and res["result"] is None
    assert writes(emu) == []
    assert instance_state(emu)["retry_times_left"] == 5
    assert redis_works(emu, OLD)
    assert_no_secrets(r, emu, OLD, NEW, WRONG)


def test_lockout_only_when_a_test_sets_out_to_lock(tmp_path, dcs_emulator):
    """probe=never and five wrong old passwords: each is one call, never retried, counting down; then locked."""
    emu = dcs_emulator(may_lock=[DCS_LOCKME])
    tasks = [task("attempt %d" % n, change(DCS_LOCKME, old=WRONG, probe="never"), ignore_errors=True)
             for n in range(1, 7)]
    r = run(tmp_path, emu, tasks)
    assert r.rc == 0, r.text()
    left = [r.result("attempt %d" % n)["retry_times_left"] for n in range(1, 6)]
    assert left == [4, 3, 2, 1, 0]
    assert [r.result("attempt %d" % n)["error"]["code"] for n in range(1, 7)] == ["passwordFailed"] * 5 + ["locked"]
    assert "not retried" in r.result("attempt 1")["msg"].lower() and "4 attempts left" in r.result("attempt 1")["msg"]
    assert "now locked for 5 minutes" in r.result("attempt 5")["msg"]
    locked = r.result("attempt 6")
    assert locked["result"] == "locked" and locked["lock_time_left"] == 5 and "try again in 5 minutes" in locked["msg"]
    assert len(writes(emu)) == 6  # one call per run: passwordFailed is never retried
    assert instance_state(emu, DCS_LOCKME)["locked"] is True
    assert instance_state(emu, DCS)["failed_attempts"] == 0
    assert_no_secrets(r, emu, OLD, NEW, WRONG)


def test_preflight_missing_not_running_and_password_free_fail_before_any_write(tmp_path, dcs_emulator):
    """Missing instance (DCS.3022), a non-RUNNING one (named status) and password-free access (DCS.4850): no write."""
    emu = dcs_emulator()
    admin(emu, "dcs/instances/%s/status" % DCS_LOCKME, {"status": "RESTARTING"})
    r = run(tmp_path, emu, [task("missing", change(MISSING), ignore_errors=True),
                            task("restarting", change(DCS_LOCKME), ignore_errors=True),
                            task("free", change(DCS_FREE), ignore_errors=True)])
    assert r.rc == 0, r.text()
    missing, restarting, free = r.result("missing"), r.result("restarting"), r.result("free")
    assert missing["error"]["code"] == "DCS.3022" and missing["http_status"] == 404 and MISSING in missing["msg"]
    assert restarting["error"]["code"] == "DCS.4049" and "is RESTARTING, not RUNNING" in restarting["msg"]
    assert free["error"]["code"] == "DCS.4850" and DCS_FREE in free["msg"]
    assert all(r.status(n) == "failed" for n in ("missing", "restarting", "free"))
    assert writes(emu) == []
    assert_no_secrets(r, emu, OLD, NEW)


def test_policy_violations_fail_before_any_write_naming_the_rule(tmp_path, dcs_emulator):
    """Too short, a disallowed special, new == old, and OTC's specials (no %): each fails naming its rule, no write."""
    emu = dcs_emulator()
    r = run(tmp_path, emu, [
        task("short", change(new=SHORT), ignore_errors=True),
        task("space", change(new=SPACED), ignore_errors=True),
        task("same", change(new=OLD), ignore_errors=True),
        task("otc", change(new=PERCENT, cloud="otc"), ignore_errors=True),
        task("huawei accepts %", change(new=PERCENT), check_mode=True),
    ])
    assert r.rc == 0, r.text()
    assert "length must be 8 to 32" in r.result("short")["msg"]
    assert "a space is not an allowed special" in r.result("space")["msg"]
    assert "must differ from the current password" in r.result("same")["msg"]
    assert "dcs_otc: character '%' is not an allowed special" in r.result("otc")["msg"]
    assert all(r.result(n)["error"]["kind"] == "policy" for n in ("short", "space", "same", "otc"))
    assert r.status("huawei accepts %") == "ok"
    assert writes(emu) == []
    assert_no_secrets(r, emu, OLD, NEW, SPACED, PERCENT)


def test_throttling_and_read_errors_survived(tmp_path, dcs_emulator):
    """A 500 on show-instance and two 429s on the password call are retried; exactly one call applies."""
    emu = dcs_emulator()
    admin(emu, "faults", [{"kind": "error", "status": 500, "match": {"action": "ShowInstance"}},
                          {"kind": "throttle", "count": 2, "retry_after": 0, "match": {"action": "UpdatePassword"}}])
    r = run(tmp_path, emu, [task("flaky", change())])
    assert r.rc == 0, r.text()
    assert [(e["action"], e["status"]) for e in journal(emu)] == [
        ("ShowInstance", 500), ("ShowInstance", 200), ("UpdatePassword", 429), ("UpdatePassword", 429),
        ("UpdatePassword", 200)]
    assert r.result("flaky")["result"] == "success"


@pytest.mark.real_backend
# The injected 500 after the change applied is the case the module warns about (the answer was an error, the
# probe proves the change applied); the test asserts that warning in the result too.
@pytest.mark.allow_warnings(r"^\[WARNING\]: The password change of DCS instance \S+ answered APIGW\.0601, but AUTH "
                            r"with new_password works: the change applied")
def test_lost_response_after_the_write_is_probed_not_resent(tmp_path, dcs_emulator):
    """Real redis: a 500 after the change applied; one write only, the AUTH probe confirms it, the task succeeds."""
    emu = dcs_emulator(real=True)
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True, "match": {"action": "UpdatePassword"}})
    r = run(tmp_path, emu, [task("lost", change()), task("again", change())])
    assert r.rc == 0, r.text()
    lost = r.result("lost")
    assert (lost["changed"], lost["outcome"], lost["evidence"]) == (True, "updated", "probe")
    assert lost["probe"]["results"]["after_write"] == "ok"
    assert any("the change applied" in w for w in lost.get("warnings", []))
    assert r.result("again")["changed"] is False
    assert len(writes(emu)) == 1 and redis_works(emu, NEW)
    assert_no_secrets(r, emu, OLD, NEW)


def test_lost_response_without_a_probe_is_reported_not_resent(tmp_path, dcs_emulator):
    """In memory (no reachable data plane): a 500 after the write fails with may_have_applied, after one call."""
    emu = dcs_emulator()
    admin(emu, "faults", {"kind": "error", "status": 500, "after": True, "match": {"action": "UpdatePassword"}})
    r = run(tmp_path, emu, [task("lost", change())])
    assert r.status("lost") == "failed"
    res = r.result("lost")
    assert res["may_have_applied"] is True and res["error"]["code"] == "APIGW.0601" and "not resent" in res["msg"]
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


def test_probe_always_fails_before_any_write_when_unreachable(tmp_path, dcs_emulator):
    """probe=always with an unreachable data plane (in memory) fails before the API is called."""
    emu = dcs_emulator()
    r = run(tmp_path, emu, [task("always", change(probe="always"))])
    assert r.status("always") == "failed"
    assert r.result("always")["error"]["code"] == "ProbeUnreachable"
    assert writes(emu) == []


def test_ledger_gives_idempotence_when_the_probe_cannot_tell(tmp_path, dcs_emulator):
    """In memory the probe is unreachable; with a ledger the second run is unchanged and makes no call."""
    emu = dcs_emulator()
    args = change(ledger=str(tmp_path / "ledger.json"))
    r = run(tmp_path, emu, [task("first", args), task("second", args)])
    assert r.rc == 0, r.text()
    assert r.result("first")["changed"] is True
    assert (r.result("second")["changed"], r.result("second")["evidence"]) == (False, "ledger")
    assert len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW)


def test_no_secret_on_success_failure_and_invalid_options(tmp_path, dcs_emulator):
    """Canaries stay out of -vvvv --diff output on success, passwordFailed, policy and argument errors."""
    emu = dcs_emulator(may_lock=[DCS_LOCKME])
    r = run(tmp_path, emu, [
        task("ok", change()),
        task("password failed", change(DCS_LOCKME, old=WRONG, probe="never"), ignore_errors=True),
        task("policy", change(new=ACCENT), ignore_errors=True),
        task("bad probe option", change(probe="sometimes"), ignore_errors=True),
        task("missing option", {"instance_id": DCS, "new_password": NEW}, ignore_errors=True),
    ])
    assert r.rc == 0, r.text()
    assert r.status("ok") == "ok"
    assert [r.status(n) for n in ("password failed", "policy", "bad probe option", "missing option")] == ["failed"] * 4
    assert_no_secrets(r, emu, OLD, NEW, WRONG, HW_SK)


def test_adhoc_command(tmp_path, dcs_emulator):
    """ansible localhost -m credrotate.cloud.dcs_instance_password works ad hoc."""
    emu = dcs_emulator()
    r = run_adhoc(tmp_path, "dcs_instance_password", dict(change(), endpoint_url=emu.base_url), env=huawei_env(emu))
    assert r.rc == 0, r.text()
    assert "CHANGED" in r.stdout and len(writes(emu)) == 1
    assert_no_secrets(r, emu, OLD, NEW, HW_SK)


def test_module_defaults_group_carries_credentials(tmp_path, dcs_emulator):
    """group/credrotate.cloud.huaweicloud module_defaults supply endpoint and AK/SK (no environment credentials)."""
    emu = dcs_emulator()
    group = {"endpoint_url": emu.base_url, "access_key": HW_AK, "secret_key": HW_SK, "region": "cn-north-4"}
    md = {"group/credrotate.cloud.huaweicloud": group}
    r = run(tmp_path, emu, [task("grouped", change())], env={}, module_defaults=md)
    assert r.rc == 0, r.text()
    assert r.result("grouped")["result"] == "success"
    # no project_id given: it is looked up once by region name
    assert [e["service"] for e in journal(emu)] == ["iam", "dcs", "dcs"]
    assert_no_secrets(r, emu, OLD, NEW, HW_SK)
