# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module base helpers: merged argument spec, environment fallbacks, structured and redacted failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.credrotate.cloud.plugins.module_utils import _module as m
from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import AlibabaClient
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ProviderError, TransportError
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerError

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))):
            yield

OWN_SPEC = {"new_password": {"type": "str", "no_log": True, "required": True},
            "job_ids": {"type": "list", "elements": "str", "default": []}}
SK = "exampleSecretKey0123456789abcdefghijABCD"
NEW = "N3w-Rotated_Passw0rd"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("HW_REGION_NAME", "OS_REGION_NAME", "HW_PROJECT_ID", "OS_PROJECT_ID", "HW_ACCESS_KEY", "OS_ACCESS_KEY",
                 "HW_SECRET_KEY", "OS_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_AUTH_TOKEN", "OS_AUTH_TOKEN",
                 "HW_USER_NAME", "HW_PASSWORD", "HW_DOMAIN_NAME", "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID",
                 "ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECURITY_TOKEN",
                 "ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _args_stack():
    """Module args stay patched for the whole test (exit_json/fail_json need them on ansible-core 2.19)."""
    with contextlib.ExitStack() as stack:
        _STACK[:] = [stack]
        yield
    _STACK[:] = []


_STACK = []


def with_args(args):
    _STACK[0].enter_context(patch_module_args(args))


def huawei(args, **kwargs):
    with_args(args)
    return m.HuaweiCloudModule(argument_spec=OWN_SPEC, supports_check_mode=True, **kwargs)


def failure(capsys, action):
    with pytest.raises(SystemExit):
        action()
    return json.loads(capsys.readouterr().out)


def test_shared_and_own_options_are_merged_with_defaults():
    """The module sees its own options plus every shared option with its default."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK})
    p = module.params
    assert p["new_password"] == NEW and p["job_ids"] == []
    assert (p["cloud"], p["validate_certs"], p["timeout"], p["retries"], p["retry_deadline"]) == (
        "huaweicloud", True, 30, 5, 120)
    assert module.check_mode is False


@pytest.mark.parametrize("env,option,value", [
    ({"HW_ACCESS_KEY": "AK1"}, "access_key", "AK1"),
    ({"OS_ACCESS_KEY": "AK2"}, "access_key", "AK2"),
    ({"HW_SECRET_KEY": "SK1"}, "secret_key", "SK1"),
    ({"OS_SECRET_KEY": "SK2"}, "secret_key", "SK2"),
    ({"HW_REGION_NAME": "cn-north-4"}, "region", "cn-north-4"),
    ({"OS_REGION_NAME": "eu-de"}, "region", "eu-de"),
    ({"HW_PROJECT_ID": "1" * 32}, "project_id", "1" * 32),
    ({"OS_PROJECT_ID": "2" * 32}, "project_id", "2" * 32),
    ({"HW_SECURITY_TOKEN": "st"}, "security_token", "st"),
    ({"HW_AUTH_TOKEN": "t1"}, "auth_token", "t1"),
    ({"OS_AUTH_TOKEN": "t2"}, "auth_token", "t2"),
    ({"HW_USER_NAME": "u"}, "iam_user_name", "u"),
    ({"HW_PASSWORD": "pw"}, "iam_password", "pw"),
    ({"HW_DOMAIN_NAME": "d"}, "iam_domain_name", "d"),
])
def test_huawei_environment_fallbacks(monkeypatch, env, option, value):
    """Each Huawei option falls back to its HW_* / OS_* environment variable."""
    for name, val in env.items():
        monkeypatch.setenv(name, val)
    assert huawei({"new_password": NEW}).params[option] == value


@pytest.mark.parametrize("env,option,value", [
    ({"ALICLOUD_ACCESS_KEY": "a1"}, "access_key", "a1"),
    ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "a2"}, "access_key", "a2"),
    ({"ALICLOUD_SECRET_KEY": "s1"}, "secret_key", "s1"),
    ({"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s2"}, "secret_key", "s2"),
    ({"ALICLOUD_SECURITY_TOKEN": "t1"}, "security_token", "t1"),
    ({"ALIBABA_CLOUD_SECURITY_TOKEN": "t2"}, "security_token", "t2"),
    ({"ALICLOUD_REGION": "cn-hangzhou"}, "region", "cn-hangzhou"),
    ({"ALIBABA_CLOUD_REGION_ID": "cn-beijing"}, "region", "cn-beijing"),
])
def test_alibaba_environment_fallbacks(monkeypatch, env, option, value):
    """Each Alibaba option falls back to its ALICLOUD_* / ALIBABA_CLOUD_* environment variable."""
    for name, val in env.items():
        monkeypatch.setenv(name, val)
    with_args({})
    assert m.AlibabaCloudModule(argument_spec={}).params[option] == value


def test_secret_options_are_no_log_and_access_keys_are_not():
    """secret_key, security_token, auth_token, iam_password are no_log; access_key explicitly is not."""
    for spec in (m.HUAWEI_ARGUMENT_SPEC, m.ALIBABA_ARGUMENT_SPEC):
        assert spec["access_key"]["no_log"] is False
        assert spec["secret_key"]["no_log"] is True and spec["security_token"]["no_log"] is True
    assert m.HUAWEI_ARGUMENT_SPEC["auth_token"]["no_log"] is True
    assert m.HUAWEI_ARGUMENT_SPEC["iam_password"]["no_log"] is True


def test_client_is_built_on_first_use_with_transport_and_retry_from_options(tmp_path):
    """.client is a HuaweiClient whose transport and retry follow timeout/validate_certs/retries/deadline."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK,
                     "timeout": 9, "validate_certs": False, "retries": 3, "retry_deadline": 40})
    client = module.client
    assert isinstance(client, HuaweiClient) and module.client is client
    assert client.transport.timeout == 9 and client.transport.verify is False
    assert client.retry.attempts == 3 and client.retry.deadline == 40
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    with_args({"access_key": "a", "secret_key": "s", "region": "cn-hangzhou", "ca_path": str(bundle)})
    ali = m.AlibabaCloudModule(argument_spec={})
    assert isinstance(ali.client, AlibabaClient) and ali.client.transport.verify == str(bundle)


def test_missing_credentials_fail_with_structured_config_error(capsys):
    """No credentials: the module fails with error.code MissingCredentials, before any request."""
    module = huawei({"new_password": NEW, "region": "cn-north-4"})
    result = failure(capsys, lambda: module.client)
    assert result["failed"] is True and result["error"]["code"] == "MissingCredentials"


def test_fail_from_shape_and_redaction_of_every_secret(capsys):
    """fail_from(): msg + error{code,message} + http_status + request_id, with every secret value masked."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AKPUBLIC", "secret_key": SK,
                     "iam_password": "IamSecret1"})
    module.add_secret("Runtime-Generated-Secret")
    err = ProviderError("DCS.4019", "password %s rejected; sk %s; %s; %s" % (NEW, SK, "IamSecret1",
                                                                             "Runtime-Generated-Secret"),
                        http_status=400, request_id="req-5", target="dcs:i1")
    result = failure(capsys, lambda: module.fail_from(err, "Cannot change the password of DCS instance i1",
                                                      results=[{"id": "i1", "outcome": "failed"}]))
    assert result["error"]["code"] == "DCS.4019" and result["http_status"] == 400 and result["request_id"] == "req-5"
    assert result["msg"].startswith("Cannot change the password of DCS instance i1: DCS.4019: ")
    assert result["results"] == [{"id": "i1", "outcome": "failed"}]
    text = json.dumps(result)
    for secret in (NEW, SK, "IamSecret1", "Runtime-Generated-Secret"):
        assert secret not in text


def test_redact_is_our_own_last_defence():
    """module.redact() masks secrets itself (not only Ansible's output filter), access keys stay visible."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AKPUBLIC", "secret_key": SK})
    assert module.redact({"m": "k=%s ak=AKPUBLIC p=%s" % (SK, NEW)}) == {"m": "k=******** ak=AKPUBLIC p=********"}


def test_fail_from_transport_error_and_ledger_error(capsys):
    """Transport failures keep may_have_applied; ledger failures get code LedgerError."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK})
    result = failure(capsys, lambda: module.fail_from(TransportError("ReadTimeout", "PUT https://h/p: no response",
                                                                     may_have_applied=True)))
    assert result["may_have_applied"] is True and result["error"]["kind"] == "transport"
    result = failure(capsys, lambda: module.fail_from(LedgerError("cannot write the ledger /x: denied"), "Ledger"))
    assert result["error"]["code"] == "LedgerError" and result["msg"].startswith("Ledger: ")


def test_fail_from_refuses_other_exceptions():
    """Only the collection's own errors become structured failures (no catch-all)."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK})
    with pytest.raises(TypeError):
        module.fail_from(ValueError("x"))


def test_require_lib_fails_with_missing_required_lib(capsys, monkeypatch):
    """A missing optional library fails with Ansible's missing_required_lib message."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK})
    monkeypatch.setitem(m._LIBRARIES, "pymysql", (lambda: False, lambda: "Traceback: No module named pymysql"))
    result = failure(capsys, lambda: module.require_lib("pymysql"))
    assert "Failed to import the required Python library (PyMySQL)" in result["msg"]


def test_ansible_module_methods_pass_through(capsys):
    """exit_json and friends are AnsibleModule's."""
    module = huawei({"new_password": NEW, "region": "cn-north-4", "access_key": "AK", "secret_key": SK})
    with pytest.raises(SystemExit):
        module.exit_json(changed=False, results=[])
    assert json.loads(capsys.readouterr().out)["changed"] is False
