# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HuaweiClient at the HTTP boundary: endpoints, AK/SK and IAM token auth, error classification (_huawei_errors)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils import _huawei as hw
from ansible_collections.credrotate.cloud.plugins.module_utils import _huawei_errors as hwe
from ansible_collections.credrotate.cloud.plugins.module_utils import _signing
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import reply
from emulator import verify  # the emulator's Authorization parsers and legacy RPC signer

PROJECT = "0123456789abcdef0123456789abcdef"
AKSK = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT,
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": "exampleSecretKey0123456789abcdefghijABCD"}
PASSWORD_AUTH = {"cloud": "huaweicloud", "region": "cn-north-4", "iam_user_name": "rotator",
                 "iam_password": "IamPassw0rd!", "iam_domain_name": "acme"}


@pytest.fixture(autouse=True)
def empty_token_cache():
    hw._TOKEN_CACHE.clear()
    yield
    hw._TOKEN_CACHE.clear()


def token_reply(token="MIItoken-1", project_id=PROJECT, status=201):
    body = {"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "project": {"id": project_id, "name": "cn-north-4"}}}
    return reply(status, body, {"X-Subject-Token": token, "X-IAM-Trace-Id": "iam-trace"})


def client(transport, make_retry, **params):
    return hw.HuaweiClient(dict(params), transport, make_retry())


def verify_aksk(call, sk=AKSK["secret_key"]):
    """Rebuild the canonical request from the sent SignedHeaders list, as a server does."""
    names, signature = verify.parse_huawei_authorization(call.headers["Authorization"])[1:]
    path, pairs = _signing.split_url(call.url)[1:]
    canonical = _signing.huawei_canonical_request(call.method, path, pairs, call.headers, call.body,
                                                  signed_headers=names)[0]
    date = call.headers["X-Sdk-Date"]
    assert _signing.huawei_signature(sk, _signing.huawei_string_to_sign(canonical, date)) == signature
    return names


# --- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud,service,region,expected", [
    ("huaweicloud", "drs", "cn-north-4", "https://drs.cn-north-4.myhuaweicloud.com"),
    ("huaweicloud", "drs", "eu-west-101", "https://drs.eu-west-101.myhuaweicloud.eu"),
    ("huaweicloud", "dcs", "eu-west-101", "https://dcs.eu-west-101.myhuaweicloud.com"),
    ("huaweicloud", "dcs", "ap-southeast-1", "https://dcs.ap-southeast-1.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "cn-north-4", "https://gaussdb.cn-north-4.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "ap-southeast-1", "https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "tr-west-1", "https://gaussdbformysql.tr-west-1.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "af-south-1", "https://gaussdb-mysql.af-south-1.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "cn-southwest-3", "https://gaussdb-mysql.cn-southwest-3.myhuaweicloud.com"),
    ("huaweicloud", "gaussdb", "xx-new-1", "https://gaussdb.xx-new-1.myhuaweicloud.com"),
    ("huaweicloud", "iam", "cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"),
    ("huaweicloud", "iam", "xx-new-1", "https://iam.myhuaweicloud.com"),
    ("otc", "drs", "eu-de", "https://drs.eu-de.otc.t-systems.com"),
    ("otc", "dcs", "eu-nl", "https://dcs.eu-nl.otc.t-systems.com"),
    ("otc", "gaussdb", "eu-de", "https://gaussdb-mysql.eu-de.otc.t-systems.com"),
    ("otc", "iam", "eu-nl", "https://iam.eu-nl.otc.t-systems.com"),
])
def test_endpoint_tables(cloud, service, region, expected):
    """Host patterns per cloud, service and region, including the reference's exceptions."""
    assert hw.service_endpoint(cloud, service, region) == expected


def test_endpoint_url_overrides_every_service_and_iam_endpoint_url_only_iam(transport, make_retry):
    """endpoint_url is one base for all services (and IAM); iam_endpoint_url overrides IAM alone."""
    c = client(transport, make_retry, endpoint_url="http://127.0.0.1:8080/", **AKSK)
    assert [c.endpoint(s) for s in ("drs", "dcs", "gaussdb", "iam")] == ["http://127.0.0.1:8080"] * 4
    c = client(transport, make_retry, endpoint_url="http://127.0.0.1:8080", iam_endpoint_url="http://127.0.0.1:9",
               **AKSK)
    assert c.endpoint("iam") == "http://127.0.0.1:9" and c.endpoint("dcs") == "http://127.0.0.1:8080"


def test_missing_region_without_endpoint_url_is_a_config_error():
    """No region and no endpoint_url: ConfigError before any request."""
    with pytest.raises(e.ConfigError):
        hw.service_endpoint("huaweicloud", "drs", None)


def test_missing_credentials_is_a_config_error(transport, make_retry):
    """Neither AK/SK, a token nor user/password: ConfigError naming the choices."""
    with pytest.raises(e.ConfigError) as info:
        client(transport, make_retry, region="cn-north-4")
    assert "access_key" in info.value.message


# --- AK/SK --------------------------------------------------------------------------------------


def test_aksk_request_is_signed_with_project_header_and_user_agent(transport, make_retry):
    """AK/SK: the request carries X-Project-Id, Host and User-Agent, all signed, and the signature verifies."""
    transport.add(reply(200, {"count": 1, "results": [{"id": "j1", "status": "success"}]},
                        {"X-Request-Id": "req-42"}))
    c = client(transport, make_retry, **AKSK)
    result = c.request("drs", "PUT", "/v3/{project_id}/jobs/batch-modify-pwd",
                       body={"jobs": [{"job_id": "j1", "end_point_type": "so", "db_password": "N3w-Passw0rd!"}]},
                       write=True)
    assert result.data["count"] == 1 and result.request_id == "req-42" and result.http_status == 200
    call = transport.calls[0]
    assert call.url == "https://drs.cn-north-4.myhuaweicloud.com/v3/%s/jobs/batch-modify-pwd" % PROJECT
    names = verify_aksk(call)
    assert {"host", "user-agent", "x-project-id", "x-sdk-date", "content-type"} <= set(names)
    assert call.headers["X-Project-Id"] == PROJECT
    assert json.loads(call.body.decode())["jobs"][0]["db_password"] == "N3w-Passw0rd!"
    assert "N3w-Passw0rd!" not in call.url


def test_every_attempt_is_signed_afresh(transport, make_retry, monkeypatch):
    """A retried request gets a new X-Sdk-Date and a new valid signature (signed inside the loop)."""
    dates = iter(["20240102T030405Z", "20240102T030409Z"])
    monkeypatch.setattr(_signing, "huawei_date", lambda now=None: next(dates))
    transport.add(reply(429, {"error_code": "APIGW.0308", "error_msg": "over ratelimit"}), reply(200, {}))
    client(transport, make_retry, **AKSK).request("dcs", "GET", "/v2/{project_id}/instances/i1")
    first, second = transport.calls
    assert first.headers["X-Sdk-Date"] != second.headers["X-Sdk-Date"]
    assert first.headers["Authorization"] != second.headers["Authorization"]
    verify_aksk(first)
    verify_aksk(second)


def test_security_token_is_sent_and_signed(transport, make_retry):
    """Temporary AK/SK: X-Security-Token is on the request and in SignedHeaders."""
    transport.add(reply(200, {}))
    client(transport, make_retry, security_token="sts-token-value", **AKSK).request("dcs", "GET", "/v2/{project_id}/x")
    call = transport.calls[0]
    assert call.headers["X-Security-Token"] == "sts-token-value"
    assert "x-security-token" in verify_aksk(call)


def test_query_is_encoded_and_signed(transport, make_retry):
    """Query values are RFC 3986 encoded on the wire and covered by the signature."""
    transport.add(reply(200, {"job": {"status": "Running"}}))
    client(transport, make_retry, **AKSK).request("gaussdb", "GET", "/v3/{project_id}/jobs", query={"id": "a b*c"})
    call = transport.calls[0]
    assert call.url.endswith("/v3/%s/jobs?id=a%%20b%%2Ac" % PROJECT)
    verify_aksk(call)


def test_project_id_lookup_with_aksk(transport, make_retry):
    """No project_id: one signed GET /v3/projects?name=<region>; the id is used in path and header."""
    params = dict(AKSK)
    del params["project_id"]
    transport.add(reply(200, {"projects": [{"id": "other", "name": "cn-north-4_sub"},
                                           {"id": PROJECT, "name": "cn-north-4"}]}),
                  reply(200, {}), reply(200, {}))
    c = client(transport, make_retry, **params)
    c.request("dcs", "GET", "/v2/{project_id}/instances/i1")
    c.request("dcs", "GET", "/v2/{project_id}/instances/i2")
    lookup, first, _second = transport.calls
    assert lookup.url == "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4"
    assert "X-Project-Id" not in lookup.headers
    verify_aksk(lookup)
    assert first.url.endswith("/v2/%s/instances/i1" % PROJECT) and first.headers["X-Project-Id"] == PROJECT
    assert len(transport.calls) == 3  # looked up once


def test_project_id_lookup_without_match_is_not_found(transport, make_retry):
    """An unknown region name gives NotFoundError telling the user to set project_id."""
    params = dict((k, v) for k, v in AKSK.items() if k != "project_id")
    params["region"] = "xx-none-1"
    transport.add(reply(200, {"projects": []}))
    with pytest.raises(e.NotFoundError) as info:
        client(transport, make_retry, **params).request("dcs", "GET", "/v2/{project_id}/instances")
    assert "project_id" in info.value.message


# --- IAM token ----------------------------------------------------------------------------------


def test_iam_token_is_requested_once_and_cached(transport, make_retry):
    """Password auth: two requests make one POST /v3/auth/tokens; the token and project id are reused."""
    transport.add(token_reply(), reply(200, {"a": 1}), reply(200, {"b": 2}))
    c = client(transport, make_retry, **PASSWORD_AUTH)
    c.request("dcs", "GET", "/v2/{project_id}/instances/i1")
    c.request("dcs", "GET", "/v2/{project_id}/instances/i2")
    token_call = transport.calls[0]
    assert token_call.method == "POST"
    assert token_call.url == "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
    sent = json.loads(token_call.body.decode())["auth"]
    assert sent["identity"]["methods"] == ["password"]
    assert sent["identity"]["password"]["user"] == {"name": "rotator", "password": "IamPassw0rd!",
                                                    "domain": {"name": "acme"}}
    assert sent["scope"] == {"project": {"name": "cn-north-4"}}
    assert [call.url.count("auth/tokens") for call in transport.calls] == [1, 0, 0]
    for call in transport.calls[1:]:
        assert call.headers["X-Auth-Token"] == "MIItoken-1" and "Authorization" not in call.headers
        assert ("/v2/%s/instances/" % PROJECT) in call.url


def test_iam_token_cache_is_shared_by_clients_of_one_process(transport, make_retry):
    """A second client with the same credentials reuses the cached token (no second token call)."""
    transport.add(token_reply(), reply(200, {}), reply(200, {}))
    client(transport, make_retry, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/x")
    client(transport, make_retry, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/y")
    assert sum("auth/tokens" in call.url for call in transport.calls) == 1


def test_iam_token_scope_uses_project_id_when_known(transport, make_retry):
    """With project_id set, the token is scoped by project id instead of by name."""
    transport.add(token_reply(), reply(200, {}))
    client(transport, make_retry, project_id=PROJECT, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/x")
    assert json.loads(transport.calls[0].body.decode())["auth"]["scope"] == {"project": {"id": PROJECT}}


def test_expired_token_is_refreshed_exactly_once(transport, make_retry):
    """APIGW.0307 on a call: one new token, the call is repeated once and succeeds."""
    transport.add(token_reply("MIIold"), reply(401, {"error_code": "APIGW.0307", "error_msg": "token must be updated"}),
                  token_reply("MIInew"), reply(200, {"ok": True}))
    result = client(transport, make_retry, **PASSWORD_AUTH).request("drs", "PUT", "/v3/{project_id}/x", body={},
                                                                    write=True)
    assert result.data == {"ok": True}
    assert sum("auth/tokens" in call.url for call in transport.calls) == 2
    assert transport.calls[3].headers["X-Auth-Token"] == "MIInew"


@pytest.mark.parametrize("code", ["APIGW.0307", "APIG.0307", "DRS.M00100", "DCS.1002", "DBS.280056"])
def test_token_still_rejected_after_refresh_raises_without_a_loop(transport, make_retry, code):
    """Every token-expired code triggers one refresh only; a second rejection raises AuthError."""
    rejected = reply(401, {"error_code": code, "error_msg": "token expired"})
    transport.add(token_reply(), rejected, token_reply("MIInew"), rejected)
    with pytest.raises(e.AuthError) as info:
        client(transport, make_retry, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/x")
    assert info.value.token_expired is True and len(transport.calls) == 4


def test_concurrent_workers_share_one_token_request(make_retry):
    """Eight threads using one client at once make a single token request between them."""
    lock = threading.Lock()
    seen = []

    class Routing(object):
        user_agent = "test"

        def request(self, method, url, headers=None, body=None, timeout=None):
            with lock:
                seen.append(url)
            if "auth/tokens" in url:
                time.sleep(0.05)
                return token_reply()
            assert headers["X-Auth-Token"] == "MIItoken-1"
            return reply(200, {})

    c = hw.HuaweiClient(dict(PASSWORD_AUTH, project_id=PROJECT), Routing(), make_retry())
    threads = [threading.Thread(target=c.request, args=("dcs", "GET", "/v2/{project_id}/i%d" % n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sum("auth/tokens" in url for url in seen) == 1 and len(seen) == 9


def test_caller_token_is_used_as_is_and_never_refreshed(transport, make_retry):
    """auth_token: sent as X-Auth-Token; APIGW.0307 raises AuthError without any token request."""
    transport.add(reply(401, {"error_code": "APIGW.0307", "error_msg": "token must be updated"}))
    with pytest.raises(e.AuthError):
        client(transport, make_retry, region="cn-north-4", project_id=PROJECT, auth_token="MIIcaller").request(
            "dcs", "GET", "/v2/{project_id}/x")
    assert len(transport.calls) == 1 and transport.calls[0].headers["X-Auth-Token"] == "MIIcaller"


def test_wrong_iam_password_is_not_retried(transport, make_retry):
    """IAM rejects the password: one token call, AuthError, no retry (IAM locks accounts)."""
    transport.add(reply(401, {"error": {"code": 401, "message": "The username or password is wrong.",
                                        "title": "Unauthorized"}}, {"X-IAM-Trace-Id": "trace-9"}))
    with pytest.raises(e.AuthError) as info:
        client(transport, make_retry, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/x")
    assert len(transport.calls) == 1
    assert info.value.request_id == "trace-9" and "IamPassw0rd!" not in str(info.value)


def test_token_reply_without_subject_token_is_an_auth_error(transport, make_retry):
    """A 201 without X-Subject-Token is reported, not used."""
    transport.add(reply(201, {"token": {}}))
    with pytest.raises(e.AuthError):
        client(transport, make_retry, **PASSWORD_AUTH).request("dcs", "GET", "/v2/{project_id}/x")


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body,code,message", [
    ({"error_code": "DRS.M00202", "error_msg": "value of job_id invalid"}, "DRS.M00202", "value of job_id invalid"),
    ({"error_msg": "x", "error_code": "DCS.4049", "error_ext_msg": None}, "DCS.4049", "x"),
    ({"errorCode": "DBS.200022", "errorMsg": "instance does not exist"}, "DBS.200022", "instance does not exist"),
    ({"code": "APIGW.0101", "message": "API not found"}, "APIGW.0101", "API not found"),
    ({"error": {"code": 401, "message": "token invalid", "title": "Unauthorized"}}, "401", "token invalid"),
    ({"error": {"error_code": "IAM.0062", "error_msg": "Incorrect password"}}, "IAM.0062", "Incorrect password"),
    ({"error_code": "APIGW.0308", "error_msg": "over ratelimit", "request_id": "gw-1"}, "APIGW.0308",
     "over ratelimit"),
    ({"unrelated": 1}, None, None),
    (None, None, None),
])
def test_error_body_shapes(body, code, message):
    """Each documented error body shape gives (code, message) in the SDK's order."""
    assert hwe.parse_error(body) == (code, message)


@pytest.mark.parametrize("status,code,cls,extra", [
    (401, "APIGW.0307", e.AuthError, {"token_expired": True}),
    (401, "APIGW.0301", e.AuthError, {"token_expired": False}),
    (403, "DRS.M00102", e.AuthError, {}),
    (429, "APIGW.0308", e.ThrottledError, {}),
    (429, "APIG.0308", e.ThrottledError, {}),
    (400, "DRS.M01503", e.ThrottledError, {}),
    (202, "DRS.M01504", e.BusyError, {}),
    (400, "DCS.4115", e.BusyError, {}),
    (400, "111400115", e.BusyError, {}),
    (409, "DBS.200047", e.BusyError, {}),
    (400, "DRS.M00304", e.PreconditionError, {}),
    (400, "DCS.4049", e.PreconditionError, {}),
    (400, "DCS.4850", e.PreconditionError, {}),
    (400, "DBS.200086", e.PreconditionError, {}),
    (400, "DCS.4019", e.PolicyError, {"rule": "password complexity"}),
    (400, "111400019", e.PolicyError, {}),
    (400, "DBS.280203", e.PolicyError, {"rule": "weak password"}),
    (404, "DCS.3022", e.NotFoundError, {}),
    (400, "DRS.M05003", e.NotFoundError, {}),
    (400, "DBS.200543", e.NotFoundError, {}),
    (404, "APIGW.0101", e.ProviderError, {"retry": None}),
    (400, "DRS.KE0002", e.ProviderError, {"retry": None}),
    (400, "DCS.4080", e.ProviderError, {"retry": None}),
    (500, "DCS.5000", e.ProviderError, {"retry": "unsafe"}),
    (422, "DRS.M00004", e.ProviderError, {"retry": "unsafe"}),
    (502, "APIGW.0202", e.ProviderError, {"retry": "unsafe"}),
    (503, "503", e.ProviderError, {"retry": "unsafe"}),
    (400, "DRS.M00202", e.ProviderError, {"retry": None}),
])
def test_classification_tables(status, code, cls, extra):
    """Reference §8 codes map to the hierarchy (with HTTP status as the fallback)."""
    err = hwe.classify(status, code, "m")
    assert err.__class__ is cls
    for name, value in extra.items():
        assert getattr(err, name) == value


@pytest.mark.parametrize("headers,body,expected", [
    ({"X-Request-Id": "hdr"}, {"error_code": "DCS.3022", "error_msg": "x", "request_id": "body"}, "hdr"),
    ({"x-request-id": "lower"}, {"error_code": "DCS.3022", "error_msg": "x"}, "lower"),
    ({"X-IAM-Trace-Id": "trace"}, {"error_code": "DCS.3022", "error_msg": "x"}, "trace"),
    ({}, {"error_code": "DCS.3022", "error_msg": "x", "request_id": "body"}, "body"),
])
def test_request_id_sources(transport, make_retry, headers, body, expected):
    """Request id from X-Request-Id, then X-IAM-Trace-Id, then the body's request_id."""
    transport.add(reply(404, body, headers))
    with pytest.raises(e.NotFoundError) as info:
        client(transport, make_retry, **AKSK).request("dcs", "GET", "/v2/{project_id}/instances/i1")
    assert info.value.request_id == expected and info.value.http_status == 404


def test_error_without_body_uses_http_status_as_code(transport, make_retry):
    """A 502 with an HTML body: code '502', message names the status, the body is not echoed."""
    transport.add(*[reply(502, "<html>Bad gateway secret-ish</html>")] * 5)
    with pytest.raises(e.ProviderError) as info:
        client(transport, make_retry, **AKSK).request("dcs", "GET", "/v2/{project_id}/x")
    assert info.value.code == "502" and "html" not in info.value.message
    assert len(transport.calls) == 5


def test_retry_after_header_reaches_the_retry_layer(transport, make_retry, clock):
    """Retry-After (seconds) on a 429 is the wait before the next attempt."""
    transport.add(reply(429, {"error_code": "APIGW.0308", "error_msg": "x"}, {"Retry-After": "7"}), reply(200, {}))
    client(transport, make_retry, **AKSK).request("dcs", "GET", "/v2/{project_id}/x")
    assert clock.sleeps == [7.0]


def test_server_error_on_write_is_one_call_and_may_have_applied(transport, make_retry):
    """A 500 on a password write is not repeated; the error says it may have applied."""
    transport.add(reply(500, {"error_code": "DCS.5000", "error_msg": "internal"}))
    with pytest.raises(e.ProviderError) as info:
        client(transport, make_retry, **AKSK).request("dcs", "PUT", "/v2/{project_id}/instances/i/password",
                                                      body={"old_password": "a", "new_password": "b"}, write=True)
    assert len(transport.calls) == 1 and info.value.may_have_applied is True


def test_secrets_in_provider_messages_are_redacted(transport, make_retry):
    """A provider message echoing a credential is redacted before it reaches the error."""
    echo = "canonical: x-security-token:sts-secret|sk " + AKSK["secret_key"]
    transport.add(reply(401, {"error_code": "APIGW.0303", "error_msg": echo}))
    with pytest.raises(e.AuthError) as info:
        client(transport, make_retry, security_token="sts-secret", **AKSK).request("dcs", "GET", "/v2/{project_id}/x")
    text = str(info.value)
    assert "sts-secret" not in text and AKSK["secret_key"] not in text and "********" in text
