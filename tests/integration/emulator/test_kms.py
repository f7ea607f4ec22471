"""The emulated Alibaba Cloud KMS 2016-01-20 Secrets Manager: actions, limits, errors, auth, secrecy.

Requests are signed with the emulator's ``PopClient`` (V3 ``ACS3-HMAC-SHA256`` and RPC v1
``HMAC-SHA1``), sent by the collection's ``KmsApi`` adapter on a real ``AlibabaClient``, or by the
official ``alibabacloud_kms20160120`` client (skipped, with the reason, when it is not installed:
it is not in the project's virtual environment; run these with a Python that has it).
"""

import copy
import json
import os
import sys

import pytest
import requests

from emulator.alibaba import PopClient

pytestmark = pytest.mark.integration

AK, SECRET = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"
VERSION = "2016-01-20"
CANARY = "kms-CANARY-5d2c8e7b-Secret!"
SDK_MISSING = "alibabacloud-kms20160120 is not installed (not in the project venv: run with a Python that has it)"
RDS_CONFIG = {"SecretSubType": "SingleUser", "DBInstanceId": "rm-bp1example0001", "CustomData": {}}
REDIS_CONFIG = {"SecretSubType": "DoubleUsers", "AccountName": "app", "CloneAccountName": "app_clone",
                "AccountPrivilege": "RoleReadWrite", "InstanceId": "r-bp1example0001", "RegionId": "cn-hangzhou"}


def _fixtures():
    return {
        "dts": {"access_keys": [{"id": AK, "secret": SECRET}]},
        "kms": {"secrets": [
            {"name": "orders-app", "region": "cn-hangzhou",
             "versions": [{"version_id": "v1", "secret_data": "Old-Passw0rd!", "stages": ["ACSPrevious"]},
                          {"version_id": "v2", "secret_data": "Current-Passw0rd!", "stages": ["ACSCurrent"]}]},
            {"name": "rds/orders-root", "region": "cn-hangzhou", "secret_type": "Rds", "extended_config": RDS_CONFIG,
             "versions": [{"version_id": "rds-1", "stages": ["ACSCurrent"],
                           "secret_data": json.dumps({"Accounts": [{"AccountName": "root",
                                                                    "AccountPassword": "Rds-Passw0rd!"}]})}]},
            {"name": "cache-app", "region": "cn-hangzhou", "secret_type": "Redis", "extended_config": REDIS_CONFIG,
             "versions": [{"version_id": "r1", "secret_data": "redis-a", "stages": ["ACSCurrent"]},
                          {"version_id": "r0", "secret_data": "redis-b", "stages": ["ACSPrevious"]}]},
            {"name": "shanghai-only", "region": "cn-shanghai",
             "versions": [{"version_id": "v1", "secret_data": "sh", "stages": ["ACSCurrent"]}]},
            {"name": "leaving", "region": "cn-hangzhou", "state": "PendingDelete",
             "versions": [{"version_id": "v1", "secret_data": "bye", "stages": ["ACSCurrent"]}]},
        ]},
    }


FIXTURES = _fixtures()


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


def kms(emu, signature="v3", secret=SECRET):
    return PopClient(emu.base_url, AK, secret, signature=signature, version=VERSION)


def call(emu, action, params=None, form=None, signature="v3", **kwargs):
    status, dummy, body = kms(emu, signature).call(action, params or {}, form=form, **kwargs)
    return status, body


def code(result):
    return result[0], result[1]["Code"]


def stages(emu, name="orders-app"):
    return next(s for s in emu.summary()["kms"]["secrets"] if s["name"] == name)["stages"]


def put(emu, version_id, data, name="orders-app", stages_=None, signature="v3"):
    params = {"SecretName": name, "VersionId": version_id}
    if stages_ is not None:
        params["VersionStages"] = json.dumps(stages_)
    return call(emu, "PutSecretValue", params, form={"SecretData": data}, signature=signature)


# --- routing, auth ----------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "rpc"])
def test_kms_and_dts_share_the_pop_route_and_keys(emu, signature):
    status, body = call(emu, "GetSecretValue", {"SecretName": "orders-app"}, signature=signature)
    assert status == 200 and body["SecretData"] == "Current-Passw0rd!"
    dts = PopClient(emu.base_url, AK, SECRET, signature=signature)
    assert dts.call("DescribeDtsJobs", {"JobType": "SYNC"})[0] == 200
    entries = emu.journal.entries()
    assert [(e["service"], e["action"]) for e in entries] == [("kms", "GetSecretValue"), ("dts", "DescribeDtsJobs")]
    assert entries[0]["auth"] == ("acs3" if signature == "v3" else "rpc-hmac-sha1")


def test_wrong_secret_and_unknown_action(emu):
    status, body = kms(emu, secret=SECRET + "x").call("GetSecretValue", {"SecretName": "orders-app"})[::2]
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert code(call(emu, "RotateSecret", {"SecretName": "orders-app"})) == (404, "InvalidAction.NotFound")
    assert code(call(emu, "GetSecretValue", {})) == (400, "MissingSecretName")


def test_kms_alone_brings_its_own_gateway(emulator_factory):
    from emulator.core import Emulator
    from emulator.kms import KmsService

    fixtures = {"kms": dict(copy.deepcopy(FIXTURES["kms"]), access_keys=[{"id": AK, "secret": SECRET}])}
    with Emulator(fixtures, service_classes=[KmsService]) as emu:
        assert call(emu, "GetSecretValue", {"SecretName": "orders-app"})[0] == 200
        status, dummy, body = PopClient(emu.base_url, AK, SECRET).call("DescribeDtsJobs", {})
        assert (status, body["Code"]) == (400, "InvalidVersion")


# --- reads ------------------------------------------------------------------------------------


def test_get_secret_value_by_stage_and_version(emu):
    status, body = call(emu, "GetSecretValue", {"SecretName": "orders-app", "VersionStage": "ACSPrevious"})
    assert (status, body["SecretData"], body["VersionId"]) == (200, "Old-Passw0rd!", "v1")
    assert body["VersionStages"] == {"VersionStage": ["ACSPrevious"]} and body["SecretType"] == "Generic"
    assert call(emu, "GetSecretValue", {"SecretName": "orders-app", "VersionId": "v2"})[1]["SecretData"] == \
        "Current-Passw0rd!"
    assert code(call(emu, "GetSecretValue", {"SecretName": "orders-app", "VersionId": "v9"})) == (
        404, "Forbidden.ResourceNotFound")
    assert code(call(emu, "GetSecretValue", {"SecretName": "orders-app", "VersionStage": "Nope"})) == (
        404, "Forbidden.ResourceNotFound")
    assert code(call(emu, "GetSecretValue", {"SecretName": "nope"})) == (404, "Forbidden.ResourceNotFound")
    assert code(call(emu, "GetSecretValue", {"SecretName": "bad name"})) == (400, "InvalidParameter")
    assert code(call(emu, "GetSecretValue", {"SecretName": "leaving"})) == (409, "Rejected.ResourceInDeleteWindow")
    arn = "acs:kms:cn-hangzhou:1234567890123456:secret/orders-app"
    assert call(emu, "GetSecretValue", {"SecretName": arn})[0] == 200


def test_managed_secret_reads_ignore_version_id_and_show_the_config_on_request(emu):
    body = call(emu, "GetSecretValue", {"SecretName": "cache-app", "VersionId": "r0"})[1]
    assert body["VersionId"] == "r1" and body["SecretType"] == "Redis" and "ExtendedConfig" not in body
    body = call(emu, "GetSecretValue", {"SecretName": "cache-app", "FetchExtendedConfig": "true"})[1]
    assert json.loads(body["ExtendedConfig"]) == REDIS_CONFIG
    assert code(call(emu, "GetSecretValue", {"SecretName": "cache-app", "VersionStage": "Custom"})) == (
        400, "InvalidParameter")


def test_describe_and_list_secrets(emu):
    body = call(emu, "DescribeSecret", {"SecretName": "rds/orders-root"})[1]
    assert body["SecretType"] == "Rds" and json.loads(body["ExtendedConfig"])["DBInstanceId"] == "rm-bp1example0001"
    assert body["Arn"] == "acs:kms:cn-hangzhou:1234567890123456:secret/rds/orders-root"
    assert "ExtendedConfig" not in call(emu, "DescribeSecret", {"SecretName": "orders-app"})[1]
    listing = call(emu, "ListSecrets", {"PageSize": "2"})[1]
    assert listing["TotalCount"] == 5 and len(listing["SecretList"]["Secret"]) == 2
    managed = call(emu, "ListSecrets", {"Filters": json.dumps([{"Key": "SecretType", "Values": ["Rds", "Redis"]}])})[1]
    assert sorted(s["SecretName"] for s in managed["SecretList"]["Secret"]) == ["cache-app", "rds/orders-root"]
    assert "SecretData" not in json.dumps(listing)
    for bad in ({"PageSize": "101"}, {"PageSize": "0"}, {"PageNumber": "x"}, {"Filters": "{"}):
        assert code(call(emu, "ListSecrets", bad)) == (400, "InvalidParameter")


def test_region_comes_from_a_kms_host(emu):
    from emulator.signing import signing

    assert call(emu, "ListSecrets", {"PageSize": "100"})[1]["TotalCount"] == 5   # loopback host: every region
    url = emu.base_url + "/"
    query = [("PageSize", "100")]
    headers = signing.aliyun_v3_sign("POST", "kms.cn-shanghai.aliyuncs.com", "/", query, {}, b"", AK, SECRET,
                                     "ListSecrets", VERSION)
    response = requests.post(url + "?" + signing.encode_query(query), headers=headers, timeout=10)
    assert [s["SecretName"] for s in response.json()["SecretList"]["Secret"]] == ["shanghai-only"]


def test_list_secret_version_ids_hides_deprecated_versions_by_default(emu):
    put(emu, "v3", "third", stages_=["Custom"])
    call(emu, "UpdateSecretVersionStage", {"SecretName": "orders-app", "VersionStage": "Custom",
                                           "RemoveFromVersion": "v3"})
    body = call(emu, "ListSecretVersionIds", {"SecretName": "orders-app"})[1]
    assert [(v["VersionId"], v["VersionStages"]["VersionStage"]) for v in body["VersionIds"]["VersionId"]] == [
        ("v1", ["ACSPrevious"]), ("v2", ["ACSCurrent"])]
    every = call(emu, "ListSecretVersionIds", {"SecretName": "orders-app", "IncludeDeprecated": "true",
                                               "PageSize": "2", "PageNumber": "2"})[1]
    assert every["TotalCount"] == 3 and [v["VersionId"] for v in every["VersionIds"]["VersionId"]] == ["v3"]


# --- writes -----------------------------------------------------------------------------------


def test_put_secret_value_moves_acscurrent_and_acsprevious(emu):
    status, body = put(emu, "v3", "Rotated-Passw0rd!")
    assert status == 200 and body["VersionStages"] == {"VersionStage": ["ACSCurrent"]} and body["VersionId"] == "v3"
    assert stages(emu) == {"ACSCurrent": "v3", "ACSPrevious": "v2"}


def test_put_secret_value_is_idempotent_by_version_id(emu):
    assert put(emu, "rot-1", "Same-Value-1!", stages_=["Pending"])[0] == 200
    before = stages(emu)
    status, body = put(emu, "rot-1", "Same-Value-1!")   # repeated (stages ignored)
    assert status == 200 and body["VersionStages"] == {"VersionStage": ["Pending"]}
    assert stages(emu) == before
    assert code(put(emu, "rot-1", "Other-Value-1!")) == (409, "Rejected.ResourceExist")
    assert put(emu, "v2", "Current-Passw0rd!", signature="rpc")[0] == 200


def test_put_secret_value_refusals(emu):
    assert code(put(emu, "v3", "x", name="rds/orders-root")) == (400, "Rejected.UnsupportedOperation")
    assert code(put(emu, "v3", "x" * 30721)) == (400, "InvalidParameter")
    assert code(call(emu, "PutSecretValue", {"SecretName": "orders-app", "VersionId": "v3"})) == (
        400, "MissingSecretData")
    assert code(call(emu, "PutSecretValue", {"SecretName": "orders-app"}, form={"SecretData": "x"})) == (
        400, "MissingVersionId")
    assert code(put(emu, "v" * 65, "x")) == (400, "InvalidParameter")
    for bad in ("[]", "ACSCurrent", "[1]", "{"):
        assert code(call(emu, "PutSecretValue", {"SecretName": "orders-app", "VersionId": "v3", "VersionStages": bad},
                         form={"SecretData": "x"})) == (400, "InvalidParameter")


def test_ten_versions_delete_the_earliest(emu):
    for n in range(3, 13):
        assert put(emu, "v%d" % n, "value-%d" % n)[0] == 200
    every = call(emu, "ListSecretVersionIds", {"SecretName": "orders-app", "IncludeDeprecated": "true",
                                               "PageSize": "100"})[1]
    assert [v["VersionId"] for v in every["VersionIds"]["VersionId"]] == ["v%d" % n for n in range(3, 13)]
    assert stages(emu) == {"ACSCurrent": "v12", "ACSPrevious": "v11"}


def test_at_most_eight_stages(emu):
    for n in range(6):
        assert call(emu, "UpdateSecretVersionStage", {"SecretName": "orders-app", "VersionStage": "S%d" % n,
                                                      "MoveToVersion": "v1"})[0] == 200
    assert code(call(emu, "UpdateSecretVersionStage", {"SecretName": "orders-app", "VersionStage": "S6",
                                                       "MoveToVersion": "v1"})) == (400, "Rejected.LimitExceeded")
    assert code(put(emu, "v3", "x", stages_=["S7"])) == (400, "Rejected.LimitExceeded")


def test_update_secret_version_stage_rules(emu):
    move = {"SecretName": "orders-app", "VersionStage": "ACSCurrent", "MoveToVersion": "v1"}
    status, body = call(emu, "UpdateSecretVersionStage", move)
    assert status == 200 and body["SecretName"] == "orders-app"
    assert call(emu, "UpdateSecretVersionStage", move)[0] == 200   # already there: nothing changes
    assert stages(emu) == {"ACSCurrent": "v1", "ACSPrevious": "v2"}
    base = {"SecretName": "orders-app", "VersionStage": "ACSPrevious"}
    assert code(call(emu, "UpdateSecretVersionStage", dict(base, RemoveFromVersion="v2"))) == (
        400, "Rejected.UnsupportedOperation")
    assert code(call(emu, "UpdateSecretVersionStage", base)) == (400, "MissingMoveToVersion")
    assert code(call(emu, "UpdateSecretVersionStage", dict(base, MoveToVersion="v9"))) == (
        404, "Forbidden.ResourceNotFound")
    assert code(call(emu, "UpdateSecretVersionStage", {"SecretName": "orders-app", "VersionStage": "Custom",
                                                       "RemoveFromVersion": "v1"})) == (400, "InvalidParameter")
    assert code(call(emu, "UpdateSecretVersionStage", {"SecretName": "cache-app", "VersionStage": "ACSCurrent",
                                                       "MoveToVersion": "r0"})) == (400, "Rejected.UnsupportedOperation")


def test_moving_acscurrent_keeps_acsprevious_with_the_setting_off(emulator_factory):
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"kms_update_stage_moves_previous": False}
    emu = emulator_factory(fixtures)
    put(emu, "v3", "pending", stages_=["Pending"])
    call(emu, "UpdateSecretVersionStage", {"SecretName": "orders-app", "VersionStage": "ACSCurrent",
                                           "MoveToVersion": "v3", "RemoveFromVersion": "v2"})
    assert stages(emu) == {"ACSCurrent": "v3", "ACSPrevious": "v1", "Pending": "v3"}


def test_create_secret(emu):
    status, body = call(emu, "CreateSecret", {"SecretName": "new-app", "VersionId": "v1"},
                        form={"SecretData": "first"})
    assert status == 200 and body["SecretType"] == "Generic" and body["VersionId"] == "v1"
    assert stages(emu, "new-app") == {"ACSCurrent": "v1"}
    assert code(call(emu, "CreateSecret", {"SecretName": "new-app", "VersionId": "v1"}, form={"SecretData": "x"})) == (
        409, "Rejected.ResourceExist")
    rds = {"SecretName": "rds-two", "VersionId": "v1", "SecretType": "Rds", "ExtendedConfig": json.dumps(RDS_CONFIG)}
    assert call(emu, "CreateSecret", rds, form={"SecretData": "{}"})[1]["AutomaticRotation"] == "Disabled"
    for params in ({"SecretName": "acs/x", "VersionId": "v1"}, {"SecretName": "r3", "VersionId": "v1", "SecretType": "Rds"},
                   {"SecretName": "r4", "VersionId": "v1", "SecretType": "Nope"}):
        assert code(call(emu, "CreateSecret", params, form={"SecretData": "x"})) == (400, "InvalidParameter")


# --- secrecy, state ---------------------------------------------------------------------------


def test_a_canary_value_never_reaches_journal_state_or_errors(emu):
    put(emu, "canary-1", CANARY)
    assert call(emu, "GetSecretValue", {"SecretName": "orders-app"})[1]["SecretData"] == CANARY
    failures = [put(emu, "canary-1", CANARY + "x"), put(emu, "v9", CANARY, name="rds/orders-root"),
                put(emu, "v9", CANARY, stages_=["bad\u0001stage"])]
    assert all(status >= 400 for status, dummy in failures)
    state = requests.get(emu.base_url + "/_emulator/state", timeout=10).text
    journal = requests.get(emu.base_url + "/_emulator/journal", timeout=10).text
    for text in (state, journal, json.dumps(failures)):
        assert CANARY not in text and "5d2c8e7b" not in text
    answer = requests.post(emu.base_url + "/_emulator/kms/secrets/orders-app/verify",
                           json={"secret_data": CANARY}, timeout=10).json()
    assert answer == {"match": True, "version_id": "canary-1"}


def test_state_file_round_trip(emulator_factory, tmp_path):
    state = str(tmp_path / "state.json")
    first = emulator_factory(FIXTURES, state_file=state)
    put(first, "v3", "Saved-Value!", stages_=["Pending"])
    first.save()
    second = emulator_factory({}, state_file=state)
    assert second.dump()["kms"] == first.dump()["kms"]
    assert call(second, "GetSecretValue", {"SecretName": "orders-app", "VersionStage": "Pending"})[1]["SecretData"] \
        == "Saved-Value!"


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(name="bad name"), "does not match"),
    (lambda s: s.update(secret_type="Rds"), "extended_config"),
    (lambda s: s["versions"][1].update(stages=[]), "ACSCurrent"),
    (lambda s: s["versions"].append(dict(s["versions"][0], stages=[])), "repeated version_id"),
])
def test_bad_fixtures_are_refused(change, message):
    from emulator.core import Emulator

    fixtures = copy.deepcopy(FIXTURES)
    change(fixtures["kms"]["secrets"][0])
    with pytest.raises(ValueError, match=message):
        Emulator(fixtures)


# --- the collection's adapter -----------------------------------------------------------------


def collection_api(emu):
    """The collection's KmsApi on a real AlibabaClient (V3, version 2016-01-20, no retries)."""
    collections = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir,
                               ".collections")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "credrotate", "cloud")):
        pytest.skip("the collection is not importable: %s has no ansible_collections/credrotate/cloud" % collections)
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.credrotate.cloud.plugins.module_utils._kms_api import KmsApi, kms_client
    from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
    from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Transport

    params = {"access_key": AK, "secret_key": SECRET, "region": "cn-hangzhou", "endpoint_url": emu.base_url}
    return KmsApi(kms_client(params, Transport(timeout=10), Retry(attempts=1)))


def test_adapter_rotation_flow_against_the_emulator(emu):
    from ansible_collections.credrotate.cloud.plugins.module_utils import _kms_api

    api = collection_api(emu)
    assert api.get_secret_value("orders-app")["SecretData"] == "Current-Passw0rd!"
    answer = api.put_secret_value("orders-app", "Adapter-New-1!", "rot-77", version_stages=["Pending"])
    assert answer["VersionStages"] == ["Pending"]
    assert api.put_secret_value("orders-app", "Adapter-New-1!", "rot-77")["VersionId"] == "rot-77"   # repeat: fine
    with pytest.raises(_kms_api.CloudError) as conflict:
        api.put_secret_value("orders-app", "Other-Value-2!", "rot-77")
    assert _kms_api.is_version_conflict(conflict.value)
    assert "Other-Value-2!" not in str(conflict.value)
    api.update_version_stage("orders-app", "ACSCurrent", move_to_version="rot-77", remove_from_version="v2")
    api.update_version_stage("orders-app", "Pending", remove_from_version="rot-77")
    pending = api.get_secret_value("orders-app", version_stage="ACSCurrent")
    assert (pending["VersionId"], pending["VersionStages"]) == ("rot-77", ["ACSCurrent"])
    assert [(v["VersionId"], v["VersionStages"]) for v in api.list_version_ids("orders-app")] == [
        ("v2", ["ACSPrevious"]), ("rot-77", ["ACSCurrent"])]
    assert len(api.list_version_ids("orders-app", include_deprecated=True)) == 3
    managed = api.managed_secrets()
    assert sorted((n, t, c.get("DBInstanceId") or c.get("InstanceId")) for n, t, c in managed) == [
        ("cache-app", "Redis", "r-bp1example0001"), ("rds/orders-root", "Rds", "rm-bp1example0001")]
    assert len(api.list_secrets()) == 5
    assert {"Adapter-New-1!", "Current-Passw0rd!"} <= api.secrets
    with pytest.raises(_kms_api.NotFoundError) as missing:
        api.get_secret_value("nope")
    assert _kms_api.is_missing(missing.value) and missing.value.http_status == 404
    with pytest.raises(_kms_api.PreconditionError):
        api.describe_secret("leaving")
    assert all(e["service"] == "kms" and e["auth"] == "acs3" for e in emu.journal.entries())


def test_adapter_sends_secret_data_in_the_body_only(emu):
    from emulator import core

    seen = []
    original = core.Emulator.dispatch

    def spy(self, req):
        seen.append((req.raw_query, req.body))
        return original(self, req)

    core.Emulator.dispatch = spy
    try:
        collection_api(emu).put_secret_value("orders-app", CANARY, "canary-2")
    finally:
        core.Emulator.dispatch = original
    assert CANARY not in seen[0][0] and CANARY.encode() in seen[0][1].replace(b"%21", b"!")


def test_adapter_refuses_hostile_names_before_any_request(emu):
    from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ConfigError

    api = collection_api(emu)
    before = len(emu.journal.entries())
    for name in ("", "x" * 193, "sp ace", "a\nb", "\u00e9t\u00e9", "a;b"):
        with pytest.raises(ConfigError):
            api.get_secret_value(name)
    for token in ("", "x" * 65, "../v1", "a b", "v1\x00"):
        with pytest.raises(ConfigError):
            api.put_secret_value("orders-app", "x", token)
        with pytest.raises(ConfigError):
            api.update_version_stage("orders-app", token, move_to_version="v1")
    assert len(emu.journal.entries()) == before


# --- the official SDK -------------------------------------------------------------------------


def tea_client(emu, **config):
    client = pytest.importorskip("alibabacloud_kms20160120.client", reason=SDK_MISSING)
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models", reason="alibabacloud-tea-openapi is not installed")
    return client.Client(openapi.Config(access_key_id=AK, access_key_secret=SECRET, protocol="http",
                                        endpoint="127.0.0.1:%d" % emu.port, region_id="cn-hangzhou", **config))


@pytest.mark.sdk
@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["v3", "rpc-v2"])
def test_sdk_client_runs_every_action(emu, config):
    """alibabacloud_kms20160120 (V3 by default; RPC v1 with signature_algorithm=v2) runs all seven actions."""
    models = pytest.importorskip("alibabacloud_kms20160120.models", reason=SDK_MISSING)
    sdk = tea_client(emu, **config)
    assert sdk.get_secret_value(models.GetSecretValueRequest(secret_name="orders-app")).body.secret_data == \
        "Current-Passw0rd!"
    put_body = sdk.put_secret_value(models.PutSecretValueRequest(
        secret_name="orders-app", version_id="sdk-1", secret_data="Sdk Pass*w0rd~!&=",
        version_stages='["Pending"]')).body
    assert put_body.version_stages.version_stage == ["Pending"]
    sdk.update_secret_version_stage(models.UpdateSecretVersionStageRequest(
        secret_name="orders-app", version_stage="ACSCurrent", move_to_version="sdk-1"))
    ids = sdk.list_secret_version_ids(models.ListSecretVersionIdsRequest(secret_name="orders-app")).body
    assert [(v.version_id, v.version_stages.version_stage) for v in ids.version_ids.version_id] == [
        ("v2", ["ACSPrevious"]), ("sdk-1", ["ACSCurrent", "Pending"])]
    assert sdk.get_secret_value(models.GetSecretValueRequest(secret_name="orders-app")).body.secret_data == \
        "Sdk Pass*w0rd~!&="
    described = sdk.describe_secret(models.DescribeSecretRequest(secret_name="rds/orders-root")).body
    assert described.secret_type == "Rds" and json.loads(described.extended_config) == RDS_CONFIG
    listing = sdk.list_secrets(models.ListSecretsRequest(
        filters='[{"Key":"SecretType","Values":["Redis"]}]', page_size=10)).body
    assert [s.secret_name for s in listing.secret_list.secret] == ["cache-app"]
    created = sdk.create_secret(models.CreateSecretRequest(secret_name="sdk-made", secret_data="x",
                                                           version_id="v1")).body
    assert created.secret_name == "sdk-made" and created.version_id == "v1"


@pytest.mark.sdk
def test_sdk_client_gets_kms_errors(emu):
    models = pytest.importorskip("alibabacloud_kms20160120.models", reason=SDK_MISSING)
    tea = pytest.importorskip("Tea.exceptions", reason="alibabacloud-tea is not installed")
    sdk = tea_client(emu)
    with pytest.raises(tea.TeaException) as missing:
        sdk.get_secret_value(models.GetSecretValueRequest(secret_name="nope"))
    assert missing.value.code == "Forbidden.ResourceNotFound" and missing.value.statusCode == 404
    sdk.put_secret_value(models.PutSecretValueRequest(secret_name="orders-app", version_id="x1", secret_data="a"))
    with pytest.raises(tea.TeaException) as conflict:
        sdk.put_secret_value(models.PutSecretValueRequest(secret_name="orders-app", version_id="x1", secret_data="b"))
    assert conflict.value.code == "Rejected.ResourceExist" and conflict.value.statusCode == 409
