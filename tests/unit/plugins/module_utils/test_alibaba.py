# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AlibabaClient at the HTTP boundary: endpoints, V3 signing, secrets in the body, errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _alibaba as ali
from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils import _signing
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import reply
from emulator import verify  # the emulator's Authorization parsers and legacy RPC signer

try:
    from urllib.parse import parse_qsl, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qsl, urlsplit  # type: ignore

PARAMS = {"access_key": "LTAI5tEXAMPLEAKID0001", "secret_key": "exampleAccessKeySecret0001", "region": "cn-hangzhou"}
OK = {"RequestId": "8C498360-7892-433C-847A-BA71A850AAAA", "HttpStatusCode": 200, "Success": True}
NEW_PASSWORD = "N3w Pass*w0rd~!&="


def client(transport, make_retry, **params):
    return ali.AlibabaClient(dict(PARAMS, **params), transport, make_retry())


def modify(c):
    return c.call("ModifyDtsJobPassword",
                  {"RegionId": "cn-hangzhou", "DtsJobId": "l3m1213ye7l1234", "Endpoint": "src", "UserName": "dtstest"},
                  secret_params={"Password": NEW_PASSWORD}, write=True)


def verify_v3(call, secret=PARAMS["secret_key"]):
    """Rebuild the canonical request from the sent SignedHeaders, as the server does; return the names."""
    names, signature = verify.parse_aliyun_v3_authorization(call.headers["Authorization"])[1:]
    parts = urlsplit(call.url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    assert call.headers["x-acs-content-sha256"] == _signing.sha256_hex(call.body)
    canonical = _signing.aliyun_v3_canonical_request(call.method, parts.path, pairs, call.headers,
                                                     call.headers["x-acs-content-sha256"], signed_headers=names)[0]
    assert _signing.aliyun_v3_signature(secret, _signing.aliyun_v3_string_to_sign(canonical)) == signature
    return names


@pytest.mark.parametrize("region,expected", [
    ("cn-hangzhou", "https://dts.aliyuncs.com"),
    ("ap-southeast-1", "https://dts.aliyuncs.com"),
    ("eu-central-1", "https://dts.aliyuncs.com"),
    ("cn-wulanchabu", "https://dts.aliyuncs.com"),
    ("ap-northeast-1", "https://dts.ap-northeast-1.aliyuncs.com"),
    ("cn-heyuan", "https://dts.cn-heyuan.aliyuncs.com"),
    ("me-central-1", "https://dts.me-central-1.aliyuncs.com"),
])
def test_dts_endpoint_table(region, expected):
    """Central regions use dts.aliyuncs.com, all others dts.{region}.aliyuncs.com (reference §3.2)."""
    assert ali.dts_endpoint(region) == expected


def test_endpoint_url_overrides_and_bare_host_gets_https(transport, make_retry):
    """endpoint_url replaces the table; a host without scheme gets https://."""
    assert client(transport, make_retry, endpoint_url="http://127.0.0.1:9000/").endpoint() == "http://127.0.0.1:9000"
    assert client(transport, make_retry, endpoint_url="dts.cn-hangzhou.aliyuncs.com").endpoint() == (
        "https://dts.cn-hangzhou.aliyuncs.com")


def test_missing_credentials_is_a_config_error(transport, make_retry):
    """No AccessKey pair: ConfigError before any request."""
    with pytest.raises(e.ConfigError):
        ali.AlibabaClient({"region": "cn-hangzhou"}, transport, make_retry())


def test_password_goes_in_the_signed_form_body_never_in_the_url(transport, make_retry):
    """Secret params travel only in the form body; the URL has no Password; the body hash is signed."""
    transport.add(reply(200, OK))
    result = modify(client(transport, make_retry))
    assert result.request_id == OK["RequestId"] and result.data["Success"] is True
    call = transport.calls[0]
    assert call.method == "POST" and "Password" not in call.url and "N3w" not in call.url
    assert dict(parse_qsl(urlsplit(call.url).query)) == {
        "RegionId": "cn-hangzhou", "DtsJobId": "l3m1213ye7l1234", "Endpoint": "src", "UserName": "dtstest"}
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(call.body.decode())) == {"Password": NEW_PASSWORD}
    assert call.body == b"Password=N3w%20Pass%2Aw0rd~%21%26%3D"
    names = verify_v3(call)
    assert {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
            "x-acs-content-sha256", "content-type", "user-agent", "accept"} <= set(names)
    assert call.headers["x-acs-action"] == "ModifyDtsJobPassword" and call.headers["x-acs-version"] == "2020-01-01"
    assert call.url.startswith("https://dts.aliyuncs.com/?")


def test_read_without_secrets_has_an_empty_body(transport, make_retry):
    """Without secret params the body is empty and hashed as such."""
    transport.add(reply(200, dict(OK, Status="synchronizing")))
    client(transport, make_retry).call("DescribeDtsJobDetail", {"DtsJobId": "j", "RegionId": "cn-hangzhou"})
    call = transport.calls[0]
    assert call.body == b"" and call.headers["x-acs-content-sha256"] == _signing.EMPTY_SHA256
    assert "content-type" not in call.headers
    verify_v3(call)


def test_sts_token_headers(transport, make_retry):
    """STS credentials add x-acs-security-token (signed)."""
    transport.add(reply(200, OK))
    client(transport, make_retry, security_token="sts-token").call("DescribeDtsJobs", {"RegionId": "cn-hangzhou"})
    call = transport.calls[0]
    assert call.headers["x-acs-security-token"] == "sts-token"
    assert "x-acs-security-token" in verify_v3(call)


def test_every_attempt_gets_a_fresh_nonce_and_signature(transport, make_retry):
    """Retried calls are re-signed: a new nonce (the server rejects a reused one)."""
    transport.add(reply(400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.",
                              "RequestId": "r1"}), reply(200, OK))
    client(transport, make_retry).call("DescribeDtsJobs", {"RegionId": "cn-hangzhou"})
    first, second = transport.calls
    assert first.headers["x-acs-signature-nonce"] != second.headers["x-acs-signature-nonce"]
    verify_v3(first)
    verify_v3(second)


def test_signature_nonce_used_is_retried_even_for_a_write(transport, make_retry):
    """SignatureNonceUsed: the request was rejected, so a write is retried with a new nonce."""
    transport.add(reply(400, {"Code": "SignatureNonceUsed", "Message": "nonce used", "RequestId": "r"}),
                  reply(200, OK))
    modify(client(transport, make_retry))
    assert len(transport.calls) == 2


@pytest.mark.parametrize("body,text,code,message", [
    ({"Success": False, "ErrCode": "InvalidParameter", "ErrMessage": "The Value of Input Parameter %s is not valid.",
      "DynamicMessage": "DtsJobId", "RequestId": "r"}, "", "InvalidParameter",
     "The Value of Input Parameter DtsJobId is not valid."),
    ({"Success": False, "ErrCode": "InternalError", "ErrMessage": "oops"}, "", "InternalError", "oops"),
    ({"Success": False, "Code": "Forbidden.RAM", "ErrMessage": "no permission"}, "", "Forbidden.RAM", "no permission"),
    ({"RequestId": "r", "HostId": "dts.aliyuncs.com", "Code": "SignatureDoesNotMatch", "Message": "bad sig",
      "Recommend": "https://example"}, "", "SignatureDoesNotMatch", "bad sig"),
    (None, "<Error><RequestId>x</RequestId><Code>Throttling</Code><Message>slow</Message></Error>", "Throttling",
     "slow"),
    (None, "", None, ""),
])
def test_error_body_shapes(body, text, code, message):
    """DTS ErrCode/ErrMessage with DynamicMessage, gateway Code/Message (JSON and XML)."""
    assert ali.parse_error(body, text) == (code, message)


@pytest.mark.parametrize("status,code,cls,retry", [
    (400, "Throttling", e.ThrottledError, "safe"),
    (400, "Throttling.User", e.ThrottledError, "safe"),
    (400, "Throttling.Api", e.ThrottledError, "safe"),
    (200, "DTS.Msg.Throttling.User", e.ThrottledError, "safe"),
    (429, "TooManyRequests", e.ThrottledError, "safe"),
    (503, "ServiceUnavailable", e.ProviderError, "unsafe"),
    (500, "InternalError", e.ProviderError, "unsafe"),
    (200, "DTS.Msg.CheckJobFailed.ServerUnAvailable", e.ProviderError, "unsafe"),
    (404, "InvalidAccessKeyId.NotFound", e.AuthError, None),
    (400, "InvalidAccessKeyId.Inactive", e.AuthError, None),
    (400, "SignatureDoesNotMatch", e.AuthError, None),
    (403, "Forbidden.RAM", e.AuthError, None),
    (400, "InvalidSecurityToken.Expired", e.AuthError, None),
    (400, "SignatureNonceUsed", e.ProviderError, "safe"),
    (200, "DTS.Msg.OperationDenied.JobStatusModifying", e.BusyError, "safe"),
    (404, "InvalidApi.NotFound", e.ProviderError, None),
    (400, "InvalidDtsJobId.NotFound", e.NotFoundError, None),
    (400, "InvalidParameter", e.ProviderError, None),
    (400, "MissingDtsJobId", e.ProviderError, None),
])
def test_classification(status, code, cls, retry):
    """Reference §8.6/8.7 codes map to the hierarchy and its retry policy."""
    err = ali.classify(status, code, "m")
    assert err.__class__ is cls and err.retry == retry


def test_success_false_in_http_200_is_an_error_with_request_id(transport, make_retry):
    """HTTP 200 with Success:false raises; the body's HttpStatusCode and RequestId are reported."""
    transport.add(reply(200, {"Success": False, "HttpStatusCode": 400, "ErrCode": "InvalidParameter",
                              "ErrMessage": "The Value of Input Parameter %s is not valid.",
                              "DynamicMessage": "Endpoint", "RequestId": "req-7"}))
    with pytest.raises(e.ProviderError) as info:
        modify(client(transport, make_retry))
    err = info.value
    assert err.code == "InvalidParameter" and err.request_id == "req-7" and err.http_status == 400
    assert err.message == "The Value of Input Parameter Endpoint is not valid."
    assert len(transport.calls) == 1


def test_x_acs_retry_after_is_milliseconds(transport, make_retry, clock):
    """x-acs-retry-after: 2500 means a 2.5 s wait before the next attempt."""
    transport.add(reply(400, {"Code": "Throttling", "Message": "x", "RequestId": "r"}, {"x-acs-retry-after": "2500"}),
                  reply(200, OK))
    client(transport, make_retry).call("DescribeDtsJobs", {})
    assert clock.sleeps == [2.5]


def test_server_error_on_write_is_one_call_and_may_have_applied(transport, make_retry):
    """InternalError on ModifyDtsJobPassword is not repeated and may have applied."""
    transport.add(reply(500, {"Code": "InternalError", "Message": "unknown", "RequestId": "r"}))
    with pytest.raises(e.ProviderError) as info:
        modify(client(transport, make_retry))
    assert len(transport.calls) == 1 and info.value.may_have_applied is True


def test_always_throttled_makes_the_configured_attempts(transport, make_retry):
    """Persistent throttling: exactly `attempts` calls, then the provider code is raised."""
    transport.add(*[reply(400, {"Code": "Throttling.User", "Message": "x", "RequestId": "r"})] * 5)
    with pytest.raises(e.ThrottledError) as info:
        modify(client(transport, make_retry))
    assert len(transport.calls) == 5 and info.value.code == "Throttling.User"


def test_password_never_appears_in_an_error(transport, make_retry):
    """An error message echoing the secret key is redacted (the password is redacted by the module)."""
    transport.add(reply(400, {"Code": "SignatureDoesNotMatch",
                              "Message": "string to sign ... key " + PARAMS["secret_key"], "RequestId": "r"}))
    with pytest.raises(e.AuthError) as info:
        modify(client(transport, make_retry))
    assert PARAMS["secret_key"] not in str(info.value) and NEW_PASSWORD not in str(info.value)


def test_request_id_falls_back_to_header(transport, make_retry):
    """Without a body RequestId the x-acs-request-id header is used."""
    transport.add(reply(200, {"Success": True}, {"x-acs-request-id": "hdr-id"}))
    assert client(transport, make_retry).call("DescribeDtsJobs", {}).request_id == "hdr-id"
