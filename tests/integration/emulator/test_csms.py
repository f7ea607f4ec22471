"""The emulated Huawei DEW CSMS v1: secrets, versions, stages, limits, errors, auth, secrecy.

Every test starts its own emulator (``emulator_factory``) and talks HTTP to it, signed with the
collection's signer (``emulator.signing.signing.huawei_sign``), through the collection's
``CsmsApi`` adapter on a real ``HuaweiClient``, or through the official ``huaweicloudsdkcsms``
client (skipped, with the reason, when that package is not installed: it is not in the project's
virtual environment; run these with a Python that has it).
"""

import copy
import json
import os
import sys

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
IAM_PASSWORD = "Iam-Passw0rd!x"
INSTANCE = "6a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
CANARY = "csms-CANARY-7f3e9a1c-Secret!"
OLD, CURRENT = "Old-Root-Passw0rd!", "Current-Root-Passw0rd!"


def _fixtures():
    return {
        "iam": {"domains": [{
            "id": "d0000000000000000000000000000001", "name": "demo-domain",
            "users": [{"id": "u1", "name": "demo-user", "password": IAM_PASSWORD}],
            "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
            "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"}]}]},
        "csms": {"secrets": [
            {"name": "orders-db-root", "project_id": PROJECT, "secret_type": "GaussDB-FG",
             "rotation_config": {"InstanceId": INSTANCE, "SecretSubType": "SingleUser"},
             "versions": [{"id": "v1", "secret_string": OLD, "version_stages": ["SYSPREVIOUS"]},
                          {"id": "v2", "secret_string": CURRENT, "version_stages": ["SYSCURRENT"]}]},
            {"name": "app-config", "project_id": PROJECT,
             "versions": [{"id": "v1", "secret_string": "plain", "version_stages": ["SYSCURRENT"]}]},
            {"name": "billing-rds", "project_id": PROJECT, "secret_type": "RDS-FG",
             "rotation_config": json.dumps({"InstanceId": "rds-instance-1", "SecretSubType": "MultiUser"}),
             "versions": [{"id": "v1", "secret_string": "rds", "version_stages": ["SYSCURRENT"]}]},
            {"name": "east-only", "project_id": OTHER_PROJECT,
             "versions": [{"id": "v1", "secret_string": "east", "version_stages": ["SYSCURRENT"]}]},
            {"name": "switched-off", "project_id": PROJECT, "state": "DISABLED",
             "versions": [{"id": "v1", "secret_string": "off", "version_stages": ["SYSCURRENT"]}]},
            {"name": "going-away", "project_id": PROJECT, "state": "PENDING_DELETE",
             "versions": [{"id": "v1", "secret_string": "gone", "version_stages": ["SYSCURRENT"]}]},
        ]},
    }


FIXTURES = _fixtures()


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


def call(emu, method, path, body=None, sk=SK, project=PROJECT, raw=None, headers=None):
    """A CSMS request signed like the official SDK; ``path`` is relative to ``/v1/{project}``."""
    url = emu.base_url + "/v1/%s%s" % (project, path)
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode("utf-8"))
    hdrs = {"Content-Type": "application/json", "X-Project-Id": project}
    hdrs.update(headers or {})
    hdrs = signing.huawei_sign(method, url, hdrs, data, AK, sk)
    response = requests.request(method, url, data=data, headers=hdrs, timeout=10)
    return response.status_code, (response.json() if response.content else None)


def error(result):
    status, body = result
    return status, body["error_code"]


def stages(emu, name="orders-db-root"):
    return next(s for s in emu.summary()["csms"]["secrets"] if s["name"] == name)["stages"]


def admin(emu, path, body):
    response = requests.post(emu.base_url + "/_emulator/" + path, json=body, timeout=10)
    return response.status_code, response.json()


# --- secrets --------------------------------------------------------------------------------


def test_list_secrets_is_per_project_with_rotation_config_as_json_text(emu):
    status, body = call(emu, "GET", "/secrets")
    assert status == 200
    names = [s["name"] for s in body["secrets"]]
    assert names == sorted(["orders-db-root", "app-config", "billing-rds", "switched-off", "going-away"])
    root = next(s for s in body["secrets"] if s["name"] == "orders-db-root")
    assert root["secret_type"] == "GaussDB-FG" and root["state"] == "ENABLED"
    assert json.loads(root["rotation_config"]) == {"InstanceId": INSTANCE, "SecretSubType": "SingleUser"}
    assert body["page_info"] == {"next_marker": None, "previous_marker": None, "current_count": 5}
    assert [s["name"] for s in call(emu, "GET", "/secrets", project=OTHER_PROJECT)[1]["secrets"]] == ["east-only"]


def test_list_secrets_pages_with_limit_and_marker(emu):
    first = call(emu, "GET", "/secrets?limit=2")[1]
    assert [s["name"] for s in first["secrets"]] == ["app-config", "billing-rds"]
    assert first["page_info"]["next_marker"] == "billing-rds"
    second = call(emu, "GET", "/secrets?limit=2&marker=billing-rds")[1]
    assert [s["name"] for s in second["secrets"]] == ["going-away", "orders-db-root"]
    last = call(emu, "GET", "/secrets?limit=2&marker=orders-db-root")[1]
    assert [s["name"] for s in last["secrets"]] == ["switched-off"] and last["page_info"]["next_marker"] is None
    for bad in ("limit=0", "limit=1001", "limit=x", "marker=a.b"):
        assert error(call(emu, "GET", "/secrets?" + bad)) == (400, "CSMS.0002")


def test_show_secret_and_unknown_or_invalid_names(emu):
    status, body = call(emu, "GET", "/secrets/orders-db-root")
    assert status == 200 and body["secret"]["name"] == "orders-db-root"
    assert "secret_string" not in json.dumps(body)
    assert error(call(emu, "GET", "/secrets/nope")) == (404, "CSMS.0005")
    assert error(call(emu, "GET", "/secrets/east-only")) == (404, "CSMS.0005")  # another project's
    assert error(call(emu, "GET", "/secrets/a%2Fb")) == (400, "CSMS.0002")
    assert error(call(emu, "GET", "/secrets/" + "a" * 65)) == (400, "CSMS.0002")


def test_create_secret_starts_with_v1_syscurrent(emu):
    status, body = call(emu, "POST", "/secrets", {"name": "new-one", "secret_string": "first"})
    assert status == 200 and body["secret"]["secret_type"] == "COMMON" and body["secret"]["state"] == "ENABLED"
    assert stages(emu, "new-one") == {"SYSCURRENT": "v1"}
    rotated = {"name": "new-gauss", "secret_string": "x", "secret_type": "GaussDB-FG",
               "rotation_config": json.dumps({"InstanceId": INSTANCE, "SecretSubType": "MultiUser"})}
    assert call(emu, "POST", "/secrets", rotated)[0] == 200


@pytest.mark.parametrize("body", [
    {"name": "orders-db-root", "secret_string": "x"},                      # exists
    {"name": "bad.name", "secret_string": "x"},
    {"name": "x", "secret_string": "a", "secret_binary": "YQ=="},          # both
    {"name": "x"},                                                          # neither
    {"name": "x", "secret_string": "a" * 32769},
    {"name": "x", "secret_string": "a", "secret_type": "RDS"},             # no longer supported
    {"name": "x", "secret_string": "a", "secret_type": "RDS-FG"},          # no rotation_config
    {"name": "x", "secret_string": "a", "secret_type": "GaussDB-FG", "rotation_config": "{}"},
    {"name": "x", "secret_string": "a", "secret_type": "GaussDB-FG",
     "rotation_config": json.dumps({"InstanceId": "i", "SecretSubType": "Triple"})},
])
def test_create_secret_refusals(emu, body):
    assert error(call(emu, "POST", "/secrets", body)) == (400, "CSMS.0002")


def test_malformed_bodies_are_csms_0004(emu):
    assert error(call(emu, "POST", "/secrets", raw=b"{not json")) == (400, "CSMS.0004")
    assert error(call(emu, "POST", "/secrets/app-config/versions", raw=b"[1]")) == (400, "CSMS.0004")
    assert error(call(emu, "PUT", "/secrets/app-config/stages/S1", raw=b"")) == (400, "CSMS.0004")


# --- versions -------------------------------------------------------------------------------


def test_new_version_becomes_syscurrent_and_the_old_one_syspprevious(emu):
    status, body = call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": "Rotated-1!"})
    assert status == 200
    meta = body["version_metadata"]
    assert (meta["id"], meta["version_stages"], meta["secret_name"]) == ("v3", ["SYSCURRENT"], "orders-db-root")
    assert isinstance(meta["create_time"], int) and meta["create_time"] > 10 ** 12  # milliseconds
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v2"}
    versions = call(emu, "GET", "/secrets/orders-db-root/versions")[1]["version_metadatas"]
    assert [(v["id"], v["version_stages"]) for v in versions] == [
        ("v1", []), ("v2", ["SYSPREVIOUS"]), ("v3", ["SYSCURRENT"])]


def test_pending_version_with_its_own_stage_leaves_syscurrent(emu):
    body = call(emu, "POST", "/secrets/orders-db-root/versions",
                {"secret_string": "Pending-1!", "version_stages": ["rot-0001"]})[1]
    assert body["version_metadata"]["version_stages"] == ["rot-0001"]
    assert stages(emu) == {"SYSCURRENT": "v2", "SYSPREVIOUS": "v1", "rot-0001": "v3"}


def test_explicit_syspprevious_is_not_overwritten(emu):
    call(emu, "POST", "/secrets/orders-db-root/versions",
         {"secret_string": "X-1!", "version_stages": ["SYSCURRENT", "SYSPREVIOUS"]})
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v3"}


def test_version_stage_limits_and_rules(emu):
    path = "/secrets/app-config/versions"
    too_many = ["s%02d" % i for i in range(13)]
    assert error(call(emu, "POST", path, {"secret_string": "x", "version_stages": too_many})) == (400, "CSMS.0204")
    eleven = ["s%02d" % i for i in range(11)]
    assert call(emu, "POST", path, {"secret_string": "x", "version_stages": eleven})[0] == 200   # 12 with SYSCURRENT
    assert error(call(emu, "POST", path, {"secret_string": "x", "version_stages": ["one-more"]})) == (400, "CSMS.0203")
    assert call(emu, "POST", path, {"secret_string": "x", "version_stages": ["s00"]})[0] == 200  # moving is fine
    for bad in ([], ["bad.stage"], ["x" * 65], [""], "SYSCURRENT", [1]):
        assert error(call(emu, "POST", path, {"secret_string": "x", "version_stages": bad})) == (400, "CSMS.0002")
    assert error(call(emu, "POST", path, {"secret_string": "x", "expire_time": "soon"})) == (400, "CSMS.0002")


def test_twenty_versions_drop_the_oldest_without_a_stage(emu):
    path = "/secrets/orders-db-root/versions"
    call(emu, "POST", path, {"secret_string": "keep", "version_stages": ["keep-me"]})   # v3
    for n in range(4, 26):
        assert call(emu, "POST", path, {"secret_string": "value-%d" % n})[0] == 200
    versions = [v["id"] for v in call(emu, "GET", path + "?limit=100")[1]["version_metadatas"]]
    assert len(versions) == 20
    assert "v3" in versions and versions[-2:] == ["v24", "v25"]   # the staged v3 is kept
    assert "v1" not in versions and "v2" not in versions and "v4" not in versions
    assert stages(emu) == {"SYSCURRENT": "v25", "SYSPREVIOUS": "v24", "keep-me": "v3"}


def test_show_version_by_id_and_latest(emu):
    status, body = call(emu, "GET", "/secrets/orders-db-root/versions/v1")
    assert status == 200
    assert body["version"]["secret_string"] == OLD and body["version"]["version_metadata"]["version_stages"] == [
        "SYSPREVIOUS"]
    call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": "Pending!", "version_stages": ["p1"]})
    latest = call(emu, "GET", "/secrets/orders-db-root/versions/latest")[1]["version"]
    assert latest["version_metadata"]["id"] == "v3" and latest["secret_string"] == "Pending!"  # newest, not current
    assert error(call(emu, "GET", "/secrets/orders-db-root/versions/v9")) == (404, "CSMS.0005")
    assert error(call(emu, "GET", "/secrets/orders-db-root/versions/SYSCURRENT")) == (400, "CSMS.0002")


def test_list_versions_pages_by_version_id_marker(emu):
    for n in range(3):
        call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": "n%d" % n})
    first = call(emu, "GET", "/secrets/orders-db-root/versions?limit=2")[1]
    assert [v["id"] for v in first["version_metadatas"]] == ["v1", "v2"] and first["page_info"]["next_marker"] == "v2"
    rest = call(emu, "GET", "/secrets/orders-db-root/versions?limit=2&marker=v4")[1]
    assert [v["id"] for v in rest["version_metadatas"]] == ["v5"] and rest["page_info"]["next_marker"] is None
    assert error(call(emu, "GET", "/secrets/orders-db-root/versions?marker=x")) == (400, "CSMS.0002")


def test_disabled_and_pending_delete_secrets(emu):
    assert error(call(emu, "GET", "/secrets/switched-off/versions/v1")) == (403, "CSMS.0109")
    assert error(call(emu, "POST", "/secrets/switched-off/versions", {"secret_string": "x"})) == (403, "CSMS.0109")
    assert error(call(emu, "PUT", "/secrets/switched-off/stages/SYSCURRENT", {"version_id": "v1"})) == (
        403, "CSMS.0109")
    assert error(call(emu, "GET", "/secrets/going-away/versions/v1")) == (400, "CSMS.0103")
    assert call(emu, "GET", "/secrets/switched-off")[0] == 200   # metadata stays readable
    assert admin(emu, "csms/secrets/switched-off/state", {"state": "ENABLED"})[0] == 200
    assert call(emu, "GET", "/secrets/switched-off/versions/v1")[1]["version"]["secret_string"] == "off"


# --- stages ---------------------------------------------------------------------------------


def test_show_update_delete_stage(emu):
    status, body = call(emu, "GET", "/secrets/orders-db-root/stages/SYSCURRENT")
    assert status == 200
    assert {k: body["stage"][k] for k in ("name", "version_id", "secret_name")} == {
        "name": "SYSCURRENT", "version_id": "v2", "secret_name": "orders-db-root"}
    assert body["stage"]["update_time"] > 10 ** 12
    assert call(emu, "PUT", "/secrets/orders-db-root/stages/mine", {"version_id": "v1"})[1]["stage"]["version_id"] == "v1"
    assert call(emu, "PUT", "/secrets/orders-db-root/stages/mine", {"version_id": "v2"})[0] == 200  # moves
    assert stages(emu)["mine"] == "v2"
    assert call(emu, "DELETE", "/secrets/orders-db-root/stages/mine") == (204, None)
    assert error(call(emu, "GET", "/secrets/orders-db-root/stages/mine")) == (404, "CSMS.0005")
    assert error(call(emu, "DELETE", "/secrets/orders-db-root/stages/mine")) == (404, "CSMS.0005")
    for built_in in ("SYSCURRENT", "SYSPREVIOUS"):
        assert error(call(emu, "DELETE", "/secrets/orders-db-root/stages/" + built_in)) == (400, "CSMS.0105")
    assert error(call(emu, "PUT", "/secrets/orders-db-root/stages/mine", {"version_id": "v7"})) == (404, "CSMS.0005")
    assert error(call(emu, "PUT", "/secrets/orders-db-root/stages/mine", {"version_id": "latest"})) == (
        400, "CSMS.0002")
    assert error(call(emu, "PUT", "/secrets/orders-db-root/stages/bad.stage", {"version_id": "v1"})) == (
        400, "CSMS.0002")
    assert error(call(emu, "GET", "/secrets/orders-db-root/stages/%20")) == (400, "CSMS.0002")


def test_moving_syscurrent_moves_syspprevious_by_default(emu):
    call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": "New!", "version_stages": ["rot-1"]})
    assert call(emu, "PUT", "/secrets/orders-db-root/stages/SYSCURRENT", {"version_id": "v3"})[0] == 200
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v2", "rot-1": "v3"}
    assert call(emu, "PUT", "/secrets/orders-db-root/stages/SYSCURRENT", {"version_id": "v3"})[0] == 200  # no-op
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v2", "rot-1": "v3"}


def test_moving_syscurrent_leaves_syspprevious_with_the_setting_off(emulator_factory):
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"csms_update_stage_moves_previous": False}
    emu = emulator_factory(fixtures)
    call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": "New!", "version_stages": ["rot-1"]})
    call(emu, "PUT", "/secrets/orders-db-root/stages/SYSCURRENT", {"version_id": "v3"})
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v1", "rot-1": "v3"}


def test_a_thirteenth_stage_is_refused(emu):
    for n in range(10):
        assert call(emu, "PUT", "/secrets/orders-db-root/stages/s%d" % n, {"version_id": "v1"})[0] == 200
    assert error(call(emu, "PUT", "/secrets/orders-db-root/stages/s10", {"version_id": "v1"})) == (400, "CSMS.0203")
    assert call(emu, "PUT", "/secrets/orders-db-root/stages/s9", {"version_id": "v2"})[0] == 200   # existing: moves


def test_a_rotation_stage_makes_a_lost_answer_recoverable(emu):
    """The idempotent way: the answer of create-version is lost, the rotation's own stage finds the version."""
    requests.post(emu.base_url + "/_emulator/faults", json={
        "kind": "drop", "after": True, "match": {"action": "CreateSecretVersion"}}, timeout=10)
    with pytest.raises(requests.exceptions.ConnectionError):
        call(emu, "POST", "/secrets/orders-db-root/versions",
             {"secret_string": "Lost-Answer-1!", "version_stages": ["rot-20260101"]})
    stage = call(emu, "GET", "/secrets/orders-db-root/stages/rot-20260101")[1]["stage"]
    assert call(emu, "GET", "/secrets/orders-db-root/versions/" + stage["version_id"])[1]["version"][
        "secret_string"] == "Lost-Answer-1!"
    for dummy in range(2):
        assert call(emu, "PUT", "/secrets/orders-db-root/stages/SYSCURRENT", {"version_id": stage["version_id"]})[0] == 200
    assert call(emu, "DELETE", "/secrets/orders-db-root/stages/rot-20260101")[0] == 204
    assert stages(emu) == {"SYSCURRENT": "v3", "SYSPREVIOUS": "v2"}


# --- gateway, journal, secrecy -------------------------------------------------------------


def test_wrong_signature_is_refused_and_locks_the_ak_like_drs(emu):
    for dummy in range(6):
        assert error(call(emu, "GET", "/secrets", sk=SK + "x")) == (401, "APIGW.0301")
    status, body = call(emu, "GET", "/secrets")
    assert status == 401 and "limit" in body["error_msg"]
    entry = emu.journal.entries()[-1]
    assert (entry["service"], entry["action"], entry["auth"], entry["error_code"]) == (
        "csms", "ListSecrets", "aksk", "APIGW.0301")


def test_an_iam_token_works_too(emu):
    response = requests.post(emu.base_url + "/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo-user", "password": IAM_PASSWORD, "domain": {"name": "demo-domain"}}}},
        "scope": {"project": {"id": PROJECT}}}}, timeout=10)
    token = response.headers["X-Subject-Token"]
    answer = requests.get(emu.base_url + "/v1/%s/secrets/app-config/versions/latest" % PROJECT,
                          headers={"X-Auth-Token": token}, timeout=10)
    assert answer.status_code == 200 and answer.json()["version"]["secret_string"] == "plain"
    other = requests.get(emu.base_url + "/v1/%s/secrets" % OTHER_PROJECT, headers={"X-Auth-Token": token}, timeout=10)
    assert other.status_code == 401 and other.json()["error_code"] == "APIGW.0307"


def test_a_canary_value_never_reaches_journal_state_or_errors(emu):
    call(emu, "POST", "/secrets", {"name": "canary", "secret_string": CANARY})
    call(emu, "POST", "/secrets/orders-db-root/versions", {"secret_string": CANARY, "version_stages": ["c1"]})
    assert call(emu, "GET", "/secrets/canary/versions/v1")[1]["version"]["secret_string"] == CANARY
    errors = [call(emu, "POST", "/secrets/canary/versions", {"secret_string": CANARY, "version_stages": ["bad.x"]}),
              call(emu, "POST", "/secrets", {"name": "canary", "secret_string": CANARY}),
              call(emu, "POST", "/secrets/switched-off/versions", {"secret_string": CANARY})]
    assert all(status >= 400 for status, dummy in errors)
    state = requests.get(emu.base_url + "/_emulator/state", timeout=10).text
    journal = requests.get(emu.base_url + "/_emulator/journal", timeout=10).text
    for text in [state, journal, json.dumps(errors)]:
        assert CANARY not in text and "7f3e9a1c" not in text
    assert admin(emu, "csms/secrets/canary/verify", {"secret_string": CANARY}) == (200, {"match": True,
                                                                                         "version_id": "v1"})
    assert admin(emu, "csms/secrets/orders-db-root/verify", {"stage": "c1", "secret_string": "nope"})[1]["match"] is False


def test_state_file_round_trip_keeps_values_and_stages(emulator_factory, tmp_path):
    state = str(tmp_path / "state.json")
    first = emulator_factory(FIXTURES, state_file=state)
    call(first, "POST", "/secrets/orders-db-root/versions", {"secret_string": "Saved!", "version_stages": ["r1"]})
    first.save()
    assert oct(os.stat(state).st_mode & 0o777) == "0o600"
    second = emulator_factory({}, state_file=state)
    assert second.dump()["csms"] == first.dump()["csms"]
    assert call(second, "GET", "/secrets/orders-db-root/stages/r1")[1]["stage"]["version_id"] == "v3"


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(name="bad name"), "does not match"),
    (lambda s: s.update(secret_type="RDS"), "secret_type"),
    (lambda s: s.pop("rotation_config"), "rotation_config"),
    (lambda s: s["versions"].append(dict(s["versions"][0])), "repeated version"),
    (lambda s: s["versions"][1]["version_stages"].append("SYSPREVIOUS"), "repeated stage"),
    (lambda s: s.update(versions=[]), "no versions"),
])
def test_bad_fixtures_are_refused(change, message):
    from emulator.core import Emulator

    fixtures = copy.deepcopy(FIXTURES)
    change(fixtures["csms"]["secrets"][0])
    with pytest.raises(ValueError, match=message):
        Emulator(fixtures)


# --- the collection's adapter ---------------------------------------------------------------


def collection_api(emu, **extra):
    """The collection's CsmsApi on a real HuaweiClient (AK/SK, no retries) aimed at the emulator."""
    collections = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir,
                               ".collections")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "credrotate", "cloud")):
        pytest.skip("the collection is not importable: %s has no ansible_collections/credrotate/cloud" % collections)
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.credrotate.cloud.plugins.module_utils._csms_api import CsmsApi
    from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
    from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
    from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Transport

    params = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "access_key": AK,
              "secret_key": SK, "endpoint_url": emu.base_url}
    params.update(extra)
    return CsmsApi(HuaweiClient(params, Transport(timeout=10), Retry(attempts=1)))


def test_adapter_rotation_flow_against_the_emulator(emu):
    from ansible_collections.credrotate.cloud.plugins.module_utils import _csms_api

    api = collection_api(emu)
    rotated = api.rotated_secrets()
    assert sorted((s["name"], i, t) for s, i, t in rotated) == [
        ("billing-rds", "rds-instance-1", "MultiUser"), ("orders-db-root", INSTANCE, "SingleUser")]
    assert api.show_secret("orders-db-root")["secret_type"] == "GaussDB-FG"
    assert api.show_version("orders-db-root")["secret_string"] == CURRENT            # SYSCURRENT by default
    assert api.show_version("orders-db-root", stage="SYSPREVIOUS")["secret_string"] == OLD
    meta = api.create_version("orders-db-root", "Adapter-New-1!", version_stages=["rot-42"])
    assert meta["id"] == "v3" and meta["version_stages"] == ["rot-42"]
    assert api.show_stage("orders-db-root", "rot-42")["version_id"] == "v3"
    assert api.update_stage("orders-db-root", "SYSCURRENT", "v3")["version_id"] == "v3"
    api.delete_stage("orders-db-root", "rot-42")
    assert [(v["id"], v["version_stages"]) for v in api.list_versions("orders-db-root")] == [
        ("v1", []), ("v2", ["SYSPREVIOUS"]), ("v3", ["SYSCURRENT"])]
    assert api.show_version("orders-db-root", version_id="latest")["secret_string"] == "Adapter-New-1!"
    assert {"Adapter-New-1!", CURRENT, OLD} <= api.secrets
    assert [e["auth"] for e in emu.journal.entries()] == ["aksk"] * len(emu.journal.entries())
    assert all(e["service"] == "csms" for e in emu.journal.entries())
    with pytest.raises(_csms_api.NotFoundError) as missing:
        api.show_stage("orders-db-root", "rot-42")
    assert missing.value.code == "CSMS.0005" and _csms_api.is_missing(missing.value)
    with pytest.raises(_csms_api.PreconditionError):
        api.show_version("switched-off", version_id="v1")
    with pytest.raises(_csms_api.PreconditionError):
        api.create_version("orders-db-root", "x", version_stages=["s%d" % n for n in range(11)])


def test_adapter_lists_every_page(emu):
    for n in range(60):
        call(emu, "POST", "/secrets", {"name": "bulk-%02d" % n, "secret_string": "b"})
    api = collection_api(emu)
    assert len(api.list_secrets()) == 65
    assert [e["action"] for e in emu.journal.entries()].count("ListSecrets") == 2


def test_adapter_refuses_hostile_names_before_any_request(emu):
    from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ConfigError

    api = collection_api(emu)
    before = len(emu.journal.entries())
    for name in ("../secrets", "a/b", "", "x" * 65, "sp ace", "dot.ted", "\u00e9"):
        with pytest.raises(ConfigError):
            api.show_secret(name)
        with pytest.raises(ConfigError):
            api.update_stage("orders-db-root", name, "v1")
    with pytest.raises(ConfigError):
        api.show_version("orders-db-root", version_id="../v1")
    assert len(emu.journal.entries()) == before


# --- the official SDK -----------------------------------------------------------------------


def sdk(emu, sk=SK):
    pytest.importorskip("huaweicloudsdkcore", reason="huaweicloudsdkcore is not installed (not in the project venv)")
    csms = pytest.importorskip("huaweicloudsdkcsms.v1", reason="huaweicloudsdkcsms is not installed (not in the "
                                                               "project venv: run with a Python that has it)")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    client = (csms.CsmsClient.new_builder().with_http_config(config)
              .with_credentials(BasicCredentials(AK, sk, PROJECT)).with_endpoints([emu.base_url]).build())
    return csms, client


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_client_runs_every_call(emu):
    """huaweicloudsdkcsms CsmsClient (AK/SK, endpoint override) parses every answer into its models."""
    csms, client = sdk(emu)
    listing = client.list_secrets(csms.ListSecretsRequest(limit="10"))
    assert listing.page_info.current_count == 5
    assert json.loads(next(s for s in listing.secrets if s.name == "orders-db-root").rotation_config)["InstanceId"] \
        == INSTANCE
    assert client.show_secret(csms.ShowSecretRequest(secret_name="orders-db-root")).secret.secret_type == "GaussDB-FG"
    created = client.create_secret(csms.CreateSecretRequest(body=csms.CreateSecretRequestBody(
        name="sdk-made", secret_string="Sdk-Value-1!")))
    assert created.secret.name == "sdk-made"
    meta = client.create_secret_version(csms.CreateSecretVersionRequest(
        secret_name="orders-db-root", body=csms.CreateSecretVersionRequestBody(
            secret_string="Sdk-Rotated-1!", version_stages=["rot-sdk"]))).version_metadata
    assert (meta.id, meta.version_stages) == ("v3", ["rot-sdk"])
    stage = client.update_secret_stage(csms.UpdateSecretStageRequest(
        secret_name="orders-db-root", stage_name="SYSCURRENT",
        body=csms.UpdateSecretStageRequestBody(version_id="v3"))).stage
    assert (stage.name, stage.version_id) == ("SYSCURRENT", "v3")
    shown = client.show_secret_stage(csms.ShowSecretStageRequest(secret_name="orders-db-root", stage_name="SYSPREVIOUS"))
    assert shown.stage.version_id == "v2"
    version = client.show_secret_version(csms.ShowSecretVersionRequest(secret_name="orders-db-root",
                                                                       version_id="latest")).version
    assert version.secret_string == "Sdk-Rotated-1!" and version.version_metadata.id == "v3"
    deleted = client.delete_secret_stage(csms.DeleteSecretStageRequest(secret_name="orders-db-root",
                                                                       stage_name="rot-sdk"))
    assert deleted.status_code == 204
    versions = client.list_secret_versions(csms.ListSecretVersionsRequest(secret_name="orders-db-root"))
    assert [v.id for v in versions.version_metadatas] == ["v1", "v2", "v3"]
    assert all(e["auth"] == "aksk" and e["service"] == "csms" for e in emu.journal.entries())


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_client_gets_csms_errors_and_gateway_refusals(emu):
    csms, client = sdk(emu)
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    with pytest.raises(ClientRequestException) as missing:
        client.show_secret(csms.ShowSecretRequest(secret_name="nope"))
    assert (missing.value.status_code, missing.value.error_code) == (404, "CSMS.0005")
    assert missing.value.request_id
    with pytest.raises(ClientRequestException) as built_in:
        client.delete_secret_stage(csms.DeleteSecretStageRequest(secret_name="orders-db-root", stage_name="SYSCURRENT"))
    assert built_in.value.error_code == "CSMS.0105"
    wrong, bad = sdk(emu, sk=SK + "x")
    with pytest.raises(ClientRequestException) as refused:
        bad.list_secrets(wrong.ListSecretsRequest())
    assert (refused.value.status_code, refused.value.error_code) == (401, "APIGW.0301")
