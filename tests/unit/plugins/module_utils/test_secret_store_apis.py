# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret-store adapters (CsmsApi on the Huawei client, KmsApi on the Alibaba client) on a recording client.

Each test pins what the adapter asks the client for (service, method, path *template* with its
``path_params``, query, body, action, parameters, the form-only secret parameters, the ``write``
flag), how errors are retyped and redacted, and (Hypothesis) that a name outside the documented
rules is refused with ``ConfigError`` before any request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils import _csms_api, _kms_api
from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import KMS_VERSION, kms_endpoint
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PreconditionError,
    ProviderError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import service_endpoint
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import FakeClient

VALUE = "Secret-Value-0123456789!"
_EXAMPLES = os.environ.get("CREDROTATE_HYPOTHESIS_EXAMPLES", "").strip()
PROPERTY_SETTINGS = settings(max_examples=int(_EXAMPLES) * 100 if _EXAMPLES else 300, derandomize=not _EXAMPLES,
                             database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("/.%2eE\\?#@:;= \r\n\x00\u00e9\u202e-_aZ09+")), max_size=70),
    st.sampled_from(["", ".", "..", "../x", "a/b", "%2e%2e", "%2F", "x" * 64, "x" * 65, "v1", "v" + "1" * 63,
                     "latest", "SYSCURRENT", "ACSCurrent", "a" * 192, "a" * 193]),
)
CSMS_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CSMS_VERSION = re.compile(r"v[0-9]{1,63}|latest")
KMS_NAME = re.compile(r"[A-Za-z0-9_/+=.@-]{1,192}")
KMS_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def csms(script=()):
    client = FakeClient(script)
    return _csms_api.CsmsApi(client), client


def kms(script=()):
    client = FakeClient(script)
    return _kms_api.KmsApi(client), client


def huawei_calls(client):
    return [(c.service, c.method, c.path, c.path_params, c.query, c.body, c.write) for c in client.calls]


# --- host tables ------------------------------------------------------------------------------------


def test_kms_hosts_on_both_clouds():
    assert service_endpoint("huaweicloud", "kms", "cn-north-4") == "https://kms.cn-north-4.myhuaweicloud.com"
    assert service_endpoint("otc", "kms", "eu-de") == "https://kms.eu-de.otc.t-systems.com"
    assert kms_endpoint("cn-hangzhou") == "https://kms.cn-hangzhou.aliyuncs.com"
    with pytest.raises(ConfigError):
        kms_endpoint("")
    with pytest.raises(ConfigError):
        kms_endpoint("cn-hangzhou/../x")


def test_kms_client_uses_the_kms_version_and_host():
    client = _kms_api.kms_client({"access_key": "AK", "secret_key": "SK", "region": "cn-shanghai"}, None, None)
    assert client.version == KMS_VERSION and client.endpoint() == "https://kms.cn-shanghai.aliyuncs.com"


# --- CSMS -------------------------------------------------------------------------------------------


def test_csms_reads_are_templates_with_path_params():
    api, client = csms([{"secret": {"name": "s1"}}, {"stage": {"name": "SYSCURRENT", "version_id": "v3"}},
                        {"version": {"version_metadata": {"id": "v3"}, "secret_string": VALUE}},
                        {"version": {"version_metadata": {"id": "v1"}, "secret_string": "old"}}])
    assert api.show_secret("s1") == {"name": "s1"}
    assert api.show_version("s1")["secret_string"] == VALUE          # SYSCURRENT: stage, then version
    assert api.show_version("s1", version_id="v1")["secret_string"] == "old"
    assert huawei_calls(client) == [
        ("kms", "GET", "/v1/{project_id}/secrets/{secret_name}", {"secret_name": "s1"}, None, None, False),
        ("kms", "GET", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
         {"secret_name": "s1", "stage_name": "SYSCURRENT"}, None, None, False),
        ("kms", "GET", "/v1/{project_id}/secrets/{secret_name}/versions/{version_id}",
         {"secret_name": "s1", "version_id": "v3"}, None, None, False),
        ("kms", "GET", "/v1/{project_id}/secrets/{secret_name}/versions/{version_id}",
         {"secret_name": "s1", "version_id": "v1"}, None, None, False)]
    assert {VALUE, "old"} <= api.secrets


def test_csms_create_version_is_a_write_with_optional_stages():
    api, client = csms([{"version_metadata": {"id": "v4", "version_stages": ["SYSCURRENT"]}},
                        {"version_metadata": {"id": "v5", "version_stages": ["rot-1"]}}])
    assert api.create_version("s1", VALUE)["id"] == "v4"
    assert api.create_version("s1", VALUE, version_stages=["rot-1"])["version_stages"] == ["rot-1"]
    assert [(c.method, c.path, c.path_params, c.body, c.write) for c in client.calls] == [
        ("POST", "/v1/{project_id}/secrets/{secret_name}/versions", {"secret_name": "s1"},
         {"secret_string": VALUE}, True),
        ("POST", "/v1/{project_id}/secrets/{secret_name}/versions", {"secret_name": "s1"},
         {"secret_string": VALUE, "version_stages": ["rot-1"]}, True)]
    for stages in ([], ["s%d" % n for n in range(13)], ["bad.stage"]):
        with pytest.raises(ConfigError):
            api.create_version("s1", VALUE, version_stages=stages)
    for value in ("", None, "x" * 32769):
        with pytest.raises(ConfigError):
            api.create_version("s1", value)
    assert len(client.calls) == 2


def test_csms_stage_calls():
    api, client = csms([{"stage": {"name": "SYSCURRENT", "version_id": "v4"}}, {}])
    assert api.update_stage("s1", "SYSCURRENT", "v4")["version_id"] == "v4"
    assert api.delete_stage("s1", "rot-1") is None
    assert huawei_calls(client) == [
        ("kms", "PUT", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
         {"secret_name": "s1", "stage_name": "SYSCURRENT"}, None, {"version_id": "v4"}, True),
        ("kms", "DELETE", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
         {"secret_name": "s1", "stage_name": "rot-1"}, None, None, True)]
    for stage in ("SYSCURRENT", "SYSPREVIOUS"):
        with pytest.raises(ConfigError):
            api.delete_stage("s1", stage)
    with pytest.raises(ConfigError):
        api.update_stage("s1", "SYSCURRENT", "latest")
    assert len(client.calls) == 2


def test_csms_lists_follow_the_marker():
    api, client = csms([
        {"secrets": [{"name": "a", "secret_type": "COMMON"}], "page_info": {"next_marker": "a"}},
        {"secrets": [{"name": "b", "secret_type": "GaussDB-FG",
                      "rotation_config": json.dumps({"InstanceId": "i-1", "SecretSubType": "SingleUser"})},
                     {"name": "c", "secret_type": "RDS-FG", "rotation_config": "not json"}],
         "page_info": {"next_marker": None}},
        {"version_metadatas": [{"id": "v1"}], "page_info": {"next_marker": "v1"}},
        {"version_metadatas": [], "page_info": {"next_marker": None}}])
    rotated = api.rotated_secrets()
    assert [(s["name"], i, t) for s, i, t in rotated] == [("b", "i-1", "SingleUser")]
    assert [c.query for c in client.calls] == [[("limit", 50)], [("limit", 50), ("marker", "a")]]
    assert api.list_versions("s1") == [{"id": "v1"}]
    assert client.calls[3].query == [("limit", 50), ("marker", "v1")]


def test_csms_rotation_instance():
    assert _csms_api.rotation_instance({"secret_type": "GaussDB-FG", "rotation_config": {"InstanceId": "x"}}) == (
        "x", None)
    assert _csms_api.rotation_instance({"secret_type": "COMMON", "rotation_config": '{"InstanceId": "x"}'}) is None
    assert _csms_api.rotation_instance({"secret_type": "RDS-FG", "rotation_config": "[]"}) is None
    assert _csms_api.rotation_instance(None) is None


@pytest.mark.parametrize("code, status, cls", [
    ("CSMS.0005", 404, NotFoundError), ("CSMS.0005", 400, NotFoundError), ("CSMS.0106", 400, NotFoundError),
    ("CSMS.0109", 403, PreconditionError), ("CSMS.0103", 400, PreconditionError), ("CSMS.0203", 400, PreconditionError),
    ("CSMS.0002", 400, ProviderError), ("APIGW.0301", 401, AuthError),
])
def test_csms_errors_are_retyped_and_redacted(code, status, cls):
    raw = (AuthError if status == 401 else ProviderError)(code, "refused %s here" % VALUE, http_status=status,
                                                          request_id="r-1", target="CSMS secrets")
    seen = []
    client = FakeClient([raw])
    api = _csms_api.CsmsApi(client, add_secret=seen.append)
    with pytest.raises(cls) as info:
        api.create_version("s1", VALUE)
    err = info.value
    assert (err.code, err.http_status, err.request_id) == (code, status, "r-1")
    assert VALUE not in str(err) and VALUE not in err.message and "********" in err.message
    assert VALUE not in json.dumps(err.failure_dict())
    assert seen == [VALUE]
    assert _csms_api.is_missing(err) == (cls is NotFoundError)


# --- KMS --------------------------------------------------------------------------------------------


def test_kms_put_secret_value_sends_the_data_in_the_form_only_and_may_be_repeated():
    api, client = kms([{"SecretName": "app", "VersionId": "r1", "VersionStages": {"VersionStage": ["Pending"]}}])
    answer = api.put_secret_value("app", VALUE, "r1", version_stages=["Pending"])
    assert answer["VersionStages"] == ["Pending"]
    call = client.calls[0]
    assert (call.action, call.params, call.secret_params, call.write) == (
        "PutSecretValue", [("SecretName", "app"), ("VersionId", "r1"), ("VersionStages", '["Pending"]')],
        [("SecretData", VALUE)], False)
    assert VALUE not in json.dumps(call.params)


def test_kms_actions():
    api, client = kms([
        {"SecretName": "app", "SecretData": VALUE, "VersionStages": {"VersionStage": ["ACSCurrent"]}},
        {"SecretName": "app"},
        {"SecretName": "app", "VersionId": "v1"},
        {"SecretName": "rds", "SecretType": "Rds", "ExtendedConfig": '{"DBInstanceId": "rm-1"}'}])
    assert api.get_secret_value("app", version_stage="ACSCurrent")["VersionStages"] == ["ACSCurrent"]
    api.update_version_stage("app", "ACSCurrent", move_to_version="v2", remove_from_version="v1")
    api.create_secret("app", VALUE, "v1")
    assert _kms_api.extended_config(api.describe_secret("rds")) == {"DBInstanceId": "rm-1"}
    assert [(c.action, c.params, c.secret_params, c.write) for c in client.calls] == [
        ("GetSecretValue", [("SecretName", "app"), ("VersionId", None), ("VersionStage", "ACSCurrent")], [], False),
        ("UpdateSecretVersionStage", [("SecretName", "app"), ("VersionStage", "ACSCurrent"), ("MoveToVersion", "v2"),
                                      ("RemoveFromVersion", "v1")], [], True),
        ("CreateSecret", [("SecretName", "app"), ("VersionId", "v1"), ("SecretType", "Generic"),
                          ("Description", None)], [("SecretData", VALUE)], True),
        ("DescribeSecret", [("SecretName", "rds")], [], False)]
    assert VALUE in api.secrets
    with pytest.raises(ConfigError):
        api.update_version_stage("app", "ACSPrevious", remove_from_version="v1")
    with pytest.raises(ConfigError):
        api.update_version_stage("app", "Custom")
    assert len(client.calls) == 4


def test_kms_lists_read_every_page_and_managed_secrets_describe_each():
    api, client = kms([
        {"TotalCount": 3, "SecretList": {"Secret": [{"SecretName": "rds", "SecretType": "Rds"},
                                                    {"SecretName": "gen", "SecretType": "Generic"}]}},
        {"TotalCount": 3, "SecretList": {"Secret": [{"SecretName": "redis", "SecretType": "Redis"}]}},
        {"ExtendedConfig": '{"DBInstanceId": "rm-1"}'},
        {"ExtendedConfig": '{"InstanceId": "r-1", "AccountName": "app"}'},
        {"TotalCount": 1, "VersionIds": {"VersionId": [{"VersionId": "v1", "VersionStages": {
            "VersionStage": ["ACSCurrent"]}}]}}])
    assert api.managed_secrets() == [("rds", "Rds", {"DBInstanceId": "rm-1"}),
                                     ("redis", "Redis", {"InstanceId": "r-1", "AccountName": "app"})]
    filters = json.dumps([{"Key": "SecretType", "Values": ["Rds", "Redis", "PolarDB"]}], separators=(",", ":"))
    assert [c.params for c in client.calls[:2]] == [
        [("Filters", filters), ("PageNumber", 1), ("PageSize", 100)],
        [("Filters", filters), ("PageNumber", 2), ("PageSize", 100)]]
    assert api.list_version_ids("app") == [{"VersionId": "v1", "VersionStages": ["ACSCurrent"]}]
    assert client.calls[-1].params == [("SecretName", "app"), ("IncludeDeprecated", False), ("PageNumber", 1),
                                       ("PageSize", 100)]


@pytest.mark.parametrize("raw, cls", [
    (AuthError("Forbidden.ResourceNotFound", "The resource is not found. %s" % VALUE, http_status=404), NotFoundError),
    (ProviderError("Rejected.ResourceInDeleteWindow", "planned", http_status=409), PreconditionError),
    (ProviderError("Rejected.ResourceExist", "exists %s" % VALUE, http_status=409), ProviderError),
    (AuthError("SignatureDoesNotMatch", "bad", http_status=400), AuthError),
])
def test_kms_errors_are_retyped_and_redacted(raw, cls):
    api, client = kms([raw])
    with pytest.raises(cls) as info:
        api.put_secret_value("app", VALUE, "r1")
    assert VALUE not in str(info.value) and VALUE not in json.dumps(info.value.failure_dict())
    assert info.value.http_status == raw.http_status
    assert _kms_api.is_missing(info.value) == (cls is NotFoundError)
    assert _kms_api.is_version_conflict(info.value) == (raw.code == "Rejected.ResourceExist")


def test_kms_stages_of_and_extended_config_tolerate_odd_answers():
    assert _kms_api.stages_of({"VersionStages": ["a"]}) == ["a"]
    assert _kms_api.stages_of({}) == [] and _kms_api.stages_of(None) == []
    assert _kms_api.extended_config({"ExtendedConfig": "nope"}) == {}
    assert _kms_api.extended_config({"ExtendedConfig": "[1]"}) == {}


# --- hostile names: refused before any request (properties) -----------------------------------------


@PROPERTY_SETTINGS
@given(name=HOSTILE)
def test_csms_secret_names_outside_the_rules_send_nothing(name):
    api, client = csms([{"secret": {}}])
    if CSMS_NAME.fullmatch(name):
        api.show_secret(name)
        assert client.calls[0].path_params == {"secret_name": name}
        assert "{secret_name}" in client.calls[0].path
    else:
        with pytest.raises(ConfigError) as info:
            api.show_secret(name)
        assert client.calls == []
        assert info.value.message == _csms_api.secret_name_problem(name)   # the rule and a length, not the value
        assert info.value.message.startswith("secret name must be 1 to 64 letters")


@PROPERTY_SETTINGS
@given(stage=HOSTILE, version=HOSTILE)
def test_csms_stage_names_and_version_ids_outside_the_rules_send_nothing(stage, version):
    api, client = csms([{"stage": {}}, {"version": {}}])
    stage_ok, version_ok = bool(CSMS_NAME.fullmatch(stage)), bool(CSMS_VERSION.fullmatch(version))
    if stage_ok and version_ok and version != "latest":
        api.update_stage("s1", stage, version)
        assert client.calls[0].path_params == {"secret_name": "s1", "stage_name": stage}
    else:
        with pytest.raises(ConfigError):
            api.update_stage("s1", stage, version)
        assert client.calls == []
    api, client = csms([{"version": {}}])
    if version_ok:
        api.show_version("s1", version_id=version)
        assert client.calls[0].path_params == {"secret_name": "s1", "version_id": version}
    else:
        with pytest.raises(ConfigError):
            api.show_version("s1", version_id=version)
        assert client.calls == []


@PROPERTY_SETTINGS
@given(name=HOSTILE, token=HOSTILE)
def test_kms_names_version_ids_and_stages_outside_the_rules_send_nothing(name, token):
    api, client = kms([{}, {}])
    if KMS_NAME.fullmatch(name) and KMS_TOKEN.fullmatch(token):
        api.put_secret_value(name, VALUE, token)
        api.update_version_stage(name, token, move_to_version="v1")
        assert [c.params[0] for c in client.calls] == [("SecretName", name)] * 2
    else:
        with pytest.raises(ConfigError):
            api.put_secret_value(name, VALUE, token)
        with pytest.raises(ConfigError):
            api.update_version_stage(name, token, move_to_version="v1")
        with pytest.raises(ConfigError):
            api.get_secret_value(name, version_id=token)
        assert client.calls == []
