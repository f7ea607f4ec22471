"""The emulated DCS v2 (Redis): show/list instances, password change with lockout, password reset.

Every test starts its own emulator (``emulator_factory``) and talks HTTP to it, signed with the
collection's own signer (``emulator.signing.signing.huawei_sign``), or through the official
``huaweicloudsdkdcs`` client; ``real_backend`` tests prove changes with redis-py against the
redis-server the emulator spawned for the instance.
"""

import copy
import json
import time

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"

DCS = "3c49ab51-5bb1-4b6a-8e0f-6f6f3a0f1c11"
DCS_FREE = "4d5abc62-6cc2-4c7b-9f10-707f4b102d22"
DCS_ERROR = "5e6bcd73-7dd3-4d8c-a021-8180a5213e33"
DCS_EAST = "6f7cde84-8ee4-4e9d-b132-9291b6324f44"
UNKNOWN = "00000000-0000-0000-0000-000000000000"
OLD_PW = "Redis-Old-Passw0rd!"
NEW_PW = "Redis-N3w-Passw0rd?"
SUCCESS = {"lock_time": "0", "result": "success", "lock_time_left": "0", "retry_times_left": "5",
           "message": "Modify DCSInstance password success."}


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000001", "name": "demo-domain", "users": [],
        "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
        "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"}]}]}


FIXTURES = {
    "iam": _iam(),
    "dcs": {"instances": [
        {"instance_id": DCS, "name": "dcs-orders", "project_id": PROJECT, "password": OLD_PW, "port": 6379,
         "engine_version": "5.0"},
        {"instance_id": DCS_FREE, "name": "dcs-free", "project_id": PROJECT, "no_password_access": True},
        {"instance_id": DCS_ERROR, "name": "dcs-broken", "project_id": PROJECT, "password": OLD_PW, "status": "ERROR"},
        {"instance_id": DCS_EAST, "name": "dcs-east", "project_id": OTHER_PROJECT, "password": OLD_PW},
    ]},
}


def call(emu, method, path, body=None, raw=None, project=PROJECT):
    """Send a DCS request signed like the official SDK does."""
    url = emu.base_url + path
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode("utf-8"))
    headers = signing.huawei_sign(method, url, {"Content-Type": "application/json;charset=UTF-8",
                                                "X-Project-Id": project}, data, AK, SK)
    return requests.request(method, url, data=data, headers=headers, timeout=10)


def inst_path(instance_id=DCS, project=PROJECT):
    return "/v2/%s/instances/%s" % (project, instance_id)


def change(emu, old, new, instance_id=DCS):
    return call(emu, "PUT", inst_path(instance_id) + "/password", {"old_password": old, "new_password": new})


def reset(emu, body, instance_id=DCS):
    return call(emu, "POST", inst_path(instance_id) + "/password/reset", body)


def stored(emu, instance_id=DCS):
    return next(i for i in emu.dump()["dcs"]["instances"] if i["instance_id"] == instance_id)


def admin(emu, path, body=None):
    return requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)


def assert_all_strings(body):
    assert all(isinstance(value, str) for value in body.values()), body


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


# -- show / list -------------------------------------------------------------------------------


def test_show_instance_returns_redis_fields_with_string_no_password_access(emu):
    """ShowInstance: instance_id, name, status, engine, no_password_access as the STRING "false", ip, int port."""
    resp = call(emu, "GET", inst_path())
    assert resp.status_code == 200
    body = resp.json()
    assert body["instance_id"] == DCS and body["name"] == "dcs-orders" and body["status"] == "RUNNING"
    assert body["engine"] == "Redis" and body["engine_version"] == "5.0"
    assert body["no_password_access"] == "false"
    assert body["ip"] == "127.0.0.1" and body["port"] == 6379
    assert body["domain_name"]
    assert OLD_PW not in resp.text and "password\"" not in resp.text
    free = call(emu, "GET", inst_path(DCS_FREE)).json()
    assert free["no_password_access"] == "true" and free["port"] == 1  # default port: probes refused at once


@pytest.mark.parametrize("instance_id", [UNKNOWN, DCS_EAST])
def test_show_unknown_or_foreign_project_instance_is_404_dcs_3022(emu, instance_id):
    """An unknown instance, or one of another project, is 404 DCS.3022 with error_ext_msg null."""
    resp = call(emu, "GET", inst_path(instance_id))
    assert resp.status_code == 404
    assert resp.json() == {"error_code": "DCS.3022", "error_msg": "This DCS instance does not exist.",
                           "error_ext_msg": None}


def test_list_instances_is_project_scoped_and_filters(emu):
    """ListInstances returns instance_num and the project's instances; name/status/instance_id filter."""
    body = call(emu, "GET", "/v2/%s/instances" % PROJECT).json()
    assert body["instance_num"] == 3
    assert sorted(i["instance_id"] for i in body["instances"]) == sorted([DCS, DCS_FREE, DCS_ERROR])
    assert call(emu, "GET", "/v2/%s/instances?status=ERROR" % PROJECT).json()["instances"][0]["instance_id"] == DCS_ERROR
    assert call(emu, "GET", "/v2/%s/instances?name=free" % PROJECT).json()["instance_num"] == 1
    assert call(emu, "GET", "/v2/%s/instances?name=free&name_equal=true" % PROJECT).json()["instance_num"] == 0
    assert call(emu, "GET", "/v2/%s/instances?instance_id=%s" % (PROJECT, DCS)).json()["instance_num"] == 1
    page = call(emu, "GET", "/v2/%s/instances?offset=1&limit=1" % PROJECT).json()
    assert page["instance_num"] == 3 and len(page["instances"]) == 1
    east = call(emu, "GET", "/v2/%s/instances" % OTHER_PROJECT, project=OTHER_PROJECT).json()
    assert [i["instance_id"] for i in east["instances"]] == [DCS_EAST]


# -- update password ---------------------------------------------------------------------------


def test_update_password_success_returns_the_documented_body_and_changes_the_password(emu):
    """A correct old password and a valid new one: 200 with the exact documented success body."""
    resp = change(emu, OLD_PW, NEW_PW)
    assert resp.status_code == 200 and resp.json() == SUCCESS
    assert stored(emu)["password"] == NEW_PW
    assert emu.databases.check(DCS, None, NEW_PW) is True
    assert emu.databases.check(DCS, "ignored-user", OLD_PW) is False
    entry = requests.get(emu.base_url + "/_emulator/journal", timeout=10).json()["entries"][-1]
    assert entry["action"] == "UpdatePassword" and entry["write"] is True and entry["status"] == 200


@pytest.mark.parametrize("raw,code", [
    (b"", "DCS.4004"),
    (b"{not json", "DCS.4005"),
    (b"[]", "DCS.4005"),
    (b'{"new_password": "Redis-N3w-Passw0rd?"}', "DCS.4845"),
    (b'{"old_password": "Redis-Old-Passw0rd!"}', "DCS.4845"),
    (b'{"old_password": 1, "new_password": "Redis-N3w-Passw0rd?"}', "DCS.4845"),
])
def test_update_password_body_validation(emu, raw, code):
    """Empty body DCS.4004, non-JSON DCS.4005, missing or non-string passwords DCS.4845; no attempt is spent."""
    resp = call(emu, "PUT", inst_path() + "/password", raw=raw)
    assert resp.status_code == 400 and resp.json()["error_code"] == code
    assert stored(emu)["failed_attempts"] == 0


def test_update_password_on_password_free_instance_is_dcs_4850(emu):
    """An instance with password-free access rejects a password change with 400 DCS.4850."""
    resp = change(emu, OLD_PW, NEW_PW, DCS_FREE)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DCS.4850"


def test_update_password_on_non_running_instance_is_dcs_4049(emu):
    """An instance not RUNNING (fixture ERROR, or set through the admin API) is 400 DCS.4049."""
    resp = change(emu, OLD_PW, NEW_PW, DCS_ERROR)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DCS.4049"
    assert admin(emu, "dcs/instances/%s/status" % DCS, {"status": "RESTARTING"}).status_code == 200
    assert call(emu, "GET", inst_path()).json()["status"] == "RESTARTING"
    assert change(emu, OLD_PW, NEW_PW).json()["error_code"] == "DCS.4049"
    admin(emu, "dcs/instances/%s/status" % DCS, {"status": "RUNNING"})
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS


def test_update_password_on_unknown_instance_is_404(emu):
    """PUT password on an unknown instance is 404 DCS.3022."""
    resp = change(emu, OLD_PW, NEW_PW, UNKNOWN)
    assert resp.status_code == 404 and resp.json()["error_code"] == "DCS.3022"


@pytest.mark.parametrize("new", [
    "Sh0rt!",                       # too short
    "Aa1!" * 8 + "x",               # 33 characters
    "onlylowercase1",               # two classes
    "Space In-Passw0rd",            # space not allowed
    "Quote\"Passw0rd",              # '"' not in the special list
    OLD_PW,                         # same as the old password
])
def test_update_password_policy_violation_is_dcs_4019_and_spends_no_attempt(emu, new):
    """A new password breaking the policy (or equal to the old one) is 400 DCS.4019, never echoed."""
    resp = change(emu, OLD_PW, new)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DCS.4019"
    assert new not in resp.text
    assert stored(emu)["password"] == OLD_PW and stored(emu)["failed_attempts"] == 0


def test_five_wrong_old_passwords_lock_the_instance_for_five_minutes(emu):
    """Wrong old passwords count retry_times_left down 4..1 (HTTP 200, passwordFailed, all strings); the 5th
    locks for 5 minutes; while locked even the right old password gets result 'locked'; state is dumped."""
    for left in (4, 3, 2, 1):
        body = change(emu, "Wrong-Passw0rd!", NEW_PW).json()
        assert_all_strings(body)
        assert body["result"] == "passwordFailed" and body["retry_times_left"] == str(left)
        assert body["lock_time"] == "0" and body["lock_time_left"] == "0"
    fifth = change(emu, "Wrong-Passw0rd!", NEW_PW)
    assert fifth.status_code == 200
    body = fifth.json()
    assert_all_strings(body)
    assert body["result"] == "passwordFailed" and body["retry_times_left"] == "0"
    assert body["lock_time"] == "5" and body["lock_time_left"] == "5"
    locked = change(emu, OLD_PW, NEW_PW)
    assert locked.status_code == 200
    body = locked.json()
    assert_all_strings(body)
    assert body["result"] == "locked" and body["lock_time_left"] == "5" and body["retry_times_left"] == "0"
    assert stored(emu)["password"] == OLD_PW
    assert stored(emu)["failed_attempts"] == 5 and stored(emu)["locked_until"] > time.time() + 290
    summary = emu.summary()["dcs"]["instances"][0]
    assert summary["locked"] is True and summary["retry_times_left"] == 0
    codes = [e["error_code"] for e in requests.get(emu.base_url + "/_emulator/journal", timeout=10).json()["entries"]]
    assert codes == ["passwordFailed"] * 5 + ["locked"]


def test_admin_unlock_ends_the_lock(emu):
    """POST /_emulator/dcs/instances/<id>/unlock resets the lock and the failure count."""
    for dummy in range(5):
        change(emu, "Wrong-Passw0rd!", NEW_PW)
    assert change(emu, OLD_PW, NEW_PW).json()["result"] == "locked"
    resp = admin(emu, "dcs/instances/%s/unlock" % DCS)
    assert resp.status_code == 200 and resp.json()["retry_times_left"] == 5
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS
    assert admin(emu, "dcs/instances/%s/unlock" % UNKNOWN).status_code == 404


def test_lock_expires_after_dcs_lock_seconds(emulator_factory):
    """The lock lasts dcs_lock_seconds (300 by default); afterwards the attempts start again from 5."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"dcs_lock_seconds": 0.3}
    emu = emulator_factory(fixtures)
    for dummy in range(5):
        change(emu, "Wrong-Passw0rd!", NEW_PW)
    assert change(emu, OLD_PW, NEW_PW).json()["result"] == "locked"
    time.sleep(0.35)
    body = change(emu, "Wrong-Passw0rd!", NEW_PW).json()
    assert body["result"] == "passwordFailed" and body["retry_times_left"] == "4"
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS


def test_success_resets_the_failure_count(emu):
    """After two wrong attempts, a success restores retry_times_left to 5."""
    change(emu, "Wrong-Passw0rd!", NEW_PW)
    change(emu, "Wrong-Passw0rd!", NEW_PW)
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS
    assert change(emu, "Wrong-Passw0rd!", OLD_PW).json()["retry_times_left"] == "4"


def test_lockout_state_survives_a_restart(emulator_factory, tmp_path):
    """The lock is part of the state: a restarted emulator (same state file) still reports 'locked'."""
    state = str(tmp_path / "state.json")
    first = emulator_factory(FIXTURES, state_file=state)
    for dummy in range(5):
        change(first, "Wrong-Passw0rd!", NEW_PW)
    first.stop()
    second = emulator_factory(FIXTURES, state_file=state)
    assert change(second, OLD_PW, NEW_PW).json()["result"] == "locked"


# -- reset password ----------------------------------------------------------------------------


def test_reset_password_sets_a_new_password_without_the_old_one(emu):
    """POST password/reset: code "1", message "success"; the new password is in force."""
    resp = reset(emu, {"new_password": NEW_PW, "no_password_access": False})
    assert resp.status_code == 200
    assert resp.json() == {"retry_times_left": "5", "lock_time": "0", "lock_time_left": "0", "code": "1",
                           "message": "success", "ext_message": ""}
    assert stored(emu)["password"] == NEW_PW


def test_reset_password_while_locked_answers_code_3(emu):
    """password/reset on a locked instance: 200 with code "3", "instance is locked"; nothing changes."""
    for dummy in range(5):
        change(emu, "Wrong-Passw0rd!", NEW_PW)
    body = reset(emu, {"new_password": NEW_PW}).json()
    assert body["code"] == "3" and body["message"] == "instance is locked" and body["lock_time_left"] == "5"
    assert stored(emu)["password"] == OLD_PW


def test_reset_password_can_switch_password_free_access_on_and_off(emu):
    """no_password_access true makes the instance password-free ("true" in show); a new password turns it off."""
    assert reset(emu, {"no_password_access": True}).json()["code"] == "1"
    assert call(emu, "GET", inst_path()).json()["no_password_access"] == "true"
    assert change(emu, OLD_PW, NEW_PW).json()["error_code"] == "DCS.4850"
    assert reset(emu, {"new_password": NEW_PW, "no_password_access": False}).json()["code"] == "1"
    assert call(emu, "GET", inst_path()).json()["no_password_access"] == "false"
    assert change(emu, NEW_PW, OLD_PW).json() == SUCCESS


@pytest.mark.parametrize("body,code", [
    ({"no_password_access": True, "new_password": NEW_PW}, "DCS.4849"),
    ({"no_password_access": False}, "DCS.4845"),
    ({"no_password_access": "yes", "new_password": NEW_PW}, "DCS.4843"),
    ({"new_password": "weak"}, "DCS.4019"),
])
def test_reset_password_validation(emu, body, code):
    """password/reset rejects contradictory, missing, mistyped and weak parameters with 400."""
    resp = reset(emu, body)
    assert resp.status_code == 400 and resp.json()["error_code"] == code


def test_reset_password_on_non_running_instance_is_dcs_4049(emu):
    """password/reset on an ERROR instance is 400 DCS.4049."""
    resp = reset(emu, {"new_password": NEW_PW}, DCS_ERROR)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DCS.4049"


def test_summary_never_contains_passwords(emu):
    """GET /_emulator/state shows lockout state but no password."""
    change(emu, "Wrong-Passw0rd!", NEW_PW)
    change(emu, OLD_PW, NEW_PW)
    state = requests.get(emu.base_url + "/_emulator/state", timeout=10).text
    for secret in (OLD_PW, NEW_PW, "Wrong-Passw0rd!"):
        assert secret not in state
    assert json.loads(state)["dcs"]["instances"][0]["retry_times_left"] == 5


def test_databases_checker_in_memory(emu):
    """The checker compares with the stored password; a password-free instance accepts anything."""
    assert emu.databases.check(DCS, None, OLD_PW) is True
    assert emu.databases.check(DCS, None, "nope") is False
    assert emu.databases.check(DCS_FREE, None, "anything") is True


# -- official SDK ------------------------------------------------------------------------------


def _sdk_client(emu):
    pytest.importorskip("huaweicloudsdkdcs")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkdcs.v2 import DcsClient

    return DcsClient.new_builder() \
        .with_credentials(BasicCredentials(AK, SK, PROJECT)) \
        .with_endpoints([emu.base_url]) \
        .build()


@pytest.mark.sdk
def test_official_sdk_show_instance_and_update_password(emu):
    """huaweicloudsdkdcs parses show_instance and update_password (success, passwordFailed, 400 DCS.4850)."""
    client = _sdk_client(emu)
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkdcs.v2 import (ListInstancesRequest, ModifyInstancePasswordBody, ShowInstanceRequest,
                                      UpdatePasswordRequest)

    shown = client.show_instance(ShowInstanceRequest(instance_id=DCS))
    assert shown.instance_id == DCS and shown.no_password_access == "false" and shown.port == 6379
    assert shown.engine == "Redis" and shown.ip == "127.0.0.1"
    listed = client.list_instances(ListInstancesRequest())
    assert listed.instance_num == 3
    failed = client.update_password(UpdatePasswordRequest(
        instance_id=DCS, body=ModifyInstancePasswordBody(old_password="Wrong-Passw0rd!", new_password=NEW_PW)))
    assert failed.result == "passwordFailed" and failed.retry_times_left == "4"
    ok = client.update_password(UpdatePasswordRequest(
        instance_id=DCS, body=ModifyInstancePasswordBody(old_password=OLD_PW, new_password=NEW_PW)))
    assert ok.result == "success" and ok.retry_times_left == "5" and ok.lock_time == "0"
    assert stored(emu)["password"] == NEW_PW
    with pytest.raises(ClientRequestException) as free:
        client.update_password(UpdatePasswordRequest(
            instance_id=DCS_FREE, body=ModifyInstancePasswordBody(old_password=OLD_PW, new_password=NEW_PW)))
    assert free.value.status_code == 400 and free.value.error_code == "DCS.4850"


@pytest.mark.sdk
def test_official_sdk_reset_password(emu):
    """huaweicloudsdkdcs parses reset_password (code "1")."""
    client = _sdk_client(emu)
    from huaweicloudsdkdcs.v2 import ResetInstancePasswordBody, ResetPasswordRequest

    resp = client.reset_password(ResetPasswordRequest(
        instance_id=DCS, body=ResetInstancePasswordBody(new_password=NEW_PW, no_password_access=False)))
    assert resp.code == "1" and resp.message == "success"
    assert stored(emu)["password"] == NEW_PW


# -- real Redis backend ------------------------------------------------------------------------


def _redis_auth(port, password):
    redis = pytest.importorskip("redis")
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # no retries: redis-py retries a failed AUTH with backoff by default, which only costs time here
    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=3,
                         retry=Retry(NoBackoff(), 0))
    try:
        return client.ping() is True
    except redis.exceptions.AuthenticationError:
        return False
    except redis.exceptions.ResponseError as exc:  # WRONGPASS on some versions
        if "WRONGPASS" in str(exc) or "invalid" in str(exc).lower():
            return False
        raise
    finally:
        client.close()


@pytest.mark.real_backend
def test_real_redis_password_changes_through_the_api(emulator_factory):
    """Real backend: show-instance reports the spawned redis-server; after a change through the API the new
    password AUTHs with redis-py and the old one no longer does; stopping the emulator stops the server."""
    emu = emulator_factory(FIXTURES, real=True)
    shown = call(emu, "GET", inst_path()).json()
    port = shown["port"]
    assert shown["ip"] == "127.0.0.1" and port not in (1, 6379)
    assert _redis_auth(port, OLD_PW) and not _redis_auth(port, NEW_PW)
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS
    assert _redis_auth(port, NEW_PW) and not _redis_auth(port, OLD_PW)
    assert emu.databases.check(DCS, None, NEW_PW) is True and emu.databases.check(DCS, None, OLD_PW) is False
    # password-free instance: no AUTH needed
    free_port = call(emu, "GET", inst_path(DCS_FREE)).json()["port"]
    assert _redis_auth(free_port, None)
    emu.stop()
    with pytest.raises(Exception):
        _redis_auth(port, NEW_PW)


@pytest.mark.real_backend
def test_real_redis_lockout_after_five_wrong_old_passwords(emulator_factory):
    """Real backend, an instance of its own: five wrong old passwords lock it; the real password is unchanged."""
    fixtures = {"iam": _iam(), "dcs": {"instances": [
        {"instance_id": DCS, "name": "dcs-lockout", "project_id": PROJECT, "password": OLD_PW}]}}
    emu = emulator_factory(fixtures, real=True)
    port = call(emu, "GET", inst_path()).json()["port"]
    results = [change(emu, "Wrong-Passw0rd!", NEW_PW).json() for dummy in range(5)]
    assert [r["retry_times_left"] for r in results] == ["4", "3", "2", "1", "0"]
    assert results[-1]["lock_time"] == "5"
    assert change(emu, OLD_PW, NEW_PW).json()["result"] == "locked"
    assert _redis_auth(port, OLD_PW) and not _redis_auth(port, NEW_PW)


@pytest.mark.real_backend
def test_real_redis_4850_4049_and_reset(emulator_factory):
    """Real backend: DCS.4850 and DCS.4049 still apply; password/reset changes the real server's password."""
    emu = emulator_factory(FIXTURES, real=True)
    assert change(emu, OLD_PW, NEW_PW, DCS_FREE).json()["error_code"] == "DCS.4850"
    assert change(emu, OLD_PW, NEW_PW, DCS_ERROR).json()["error_code"] == "DCS.4049"
    port = call(emu, "GET", inst_path()).json()["port"]
    assert reset(emu, {"new_password": NEW_PW}).json()["code"] == "1"
    assert _redis_auth(port, NEW_PW) and not _redis_auth(port, OLD_PW)
    assert reset(emu, {"no_password_access": True}).json()["code"] == "1"
    assert _redis_auth(port, None)


@pytest.mark.real_backend
def test_real_redis_servers_survive_a_fixture_merge_and_follow_a_reset(emulator_factory):
    """Real backend: merging fixtures keeps running servers (same port, same password) and starts new ones;
    an admin reset without an instance stops its server."""
    emu = emulator_factory(FIXTURES, real=True)
    port = call(emu, "GET", inst_path()).json()["port"]
    assert change(emu, OLD_PW, NEW_PW).json() == SUCCESS
    extra = {"dcs": {"instances": [{"instance_id": UNKNOWN, "name": "dcs-new", "password": OLD_PW}]}}
    assert requests.post(emu.base_url + "/_emulator/fixtures", json=extra, timeout=10).status_code == 204
    assert call(emu, "GET", inst_path()).json()["port"] == port and _redis_auth(port, NEW_PW)
    new_port = call(emu, "GET", inst_path(UNKNOWN)).json()["port"]
    assert new_port != port and _redis_auth(new_port, OLD_PW)
    reset_to = dict(extra, iam=_iam())
    assert requests.post(emu.base_url + "/_emulator/reset", json=reset_to, timeout=10).status_code == 204
    assert call(emu, "GET", inst_path()).status_code == 404
    with pytest.raises(Exception):
        _redis_auth(port, NEW_PW)
    assert _redis_auth(new_port, OLD_PW)
