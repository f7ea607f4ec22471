"""The emulated Huawei IAM and API gateway: tokens, AK/SK signatures, clock skew, lockout, project scope.

Requests are signed with the collection's signer (``emulator.signing.signing.huawei_sign``); the
official SDK signer is used once for a temporary (STS) key.
"""

import datetime
import json

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
FOREIGN_PROJECT = "99999999999999999999999999999999"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
AK2, SK2 = "HPUA1EXAMPLEAK000002", "exampleSecretKey0123456789abcdefghij0002"
TMP_AK, TMP_SK, TMP_TOKEN = "TMPAKEXAMPLE00000001", "tmpSecretKey0123456789abcdefghijABCDEFGH", "gQpzdG9rZW4tZXhhbXBsZQ"
IAM_PASSWORD = "Iam-Passw0rd!x"
JOB = "8d0e8e36-a618-490d-8a46-8c61ac9djb01"
LOCKED = "AK access failed to reach the limit,forbidden"

FIXTURES = {
    "iam": {"domains": [
        {"id": "d0000000000000000000000000000001", "name": "demo-domain",
         "users": [{"id": "u1", "name": "demo-user", "password": IAM_PASSWORD}],
         "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
         "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"},
                         {"access": AK2, "secret": SK2, "user": "demo-user"},
                         {"access": TMP_AK, "secret": TMP_SK, "security_token": TMP_TOKEN, "user": "demo-user"}]},
        {"id": "d0000000000000000000000000000002", "name": "other-domain", "users": [],
         "projects": [{"id": FOREIGN_PROJECT, "name": "cn-north-4"}], "access_keys": []},
    ]},
    "drs": {"jobs": [{"id": JOB, "name": "orders-sync", "project_id": PROJECT, "status": "INCRE_TRANSFER_STARTED",
                      "source": {"database": {"user": "repl"}, "password": "Src-Old-Passw0rd!"},
                      "target": {"database": {"user": "tgt"}, "password": "Tgt-Old-Passw0rd!"}}]},
}


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


def sdk_date(offset_seconds=0):
    return signing.huawei_date(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds))


def signed(emu, method, path, body=None, ak=AK, sk=SK, date=None, security_token=None, headers=None):
    """Return (url, headers, data) signed like the official SDK."""
    url = emu.base_url + path
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    hdrs = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
    hdrs.update(headers or {})
    return url, signing.huawei_sign(method, url, hdrs, data, ak, sk, date=date, security_token=security_token), data


def send(method, url, headers, data):
    return requests.request(method, url, headers=headers, data=data, timeout=10)


def batch_status(emu, project=PROJECT, **kw):
    url, hdrs, data = signed(emu, "POST", "/v3/%s/jobs/batch-status" % project, {"jobs": [JOB]}, **kw)
    return send("POST", url, hdrs, data)


def with_token(emu, token, project=PROJECT):
    return requests.post(emu.base_url + "/v3/%s/jobs/batch-status" % project, json={"jobs": [JOB]},
                         headers={"X-Auth-Token": token}, timeout=10)


def get_token(emu, scope=None, password=IAM_PASSWORD, user="demo-user", domain="demo-domain"):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": domain}}}}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return requests.post(emu.base_url + "/v3/auth/tokens?nocatalog=true", json=body, timeout=10)


def skew(emu, seconds):
    resp = requests.post(emu.base_url + "/_emulator/clock", json={"skew_seconds": seconds}, timeout=10)
    assert resp.status_code == 200


def assert_gateway_error(resp, status, code, text=None):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error_code"] == code
    assert body["request_id"] == resp.headers["X-Request-Id"]
    if text:
        assert text in body["error_msg"]


# --- IAM tokens -----------------------------------------------------------------------------------


def test_password_token_for_a_project_is_issued(emu):
    """POST /v3/auth/tokens with a project scope answers 201, X-Subject-Token and the token body."""
    resp = get_token(emu, {"project": {"name": "cn-north-4"}})
    assert resp.status_code == 201
    assert resp.headers["X-Subject-Token"].startswith("MII")
    assert resp.headers.get("X-IAM-Trace-Id")
    token = resp.json()["token"]
    assert token["project"]["id"] == PROJECT and token["project"]["domain"]["name"] == "demo-domain"
    assert token["methods"] == ["password"] and token["user"]["name"] == "demo-user"
    issued = datetime.datetime.strptime(token["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    expires = datetime.datetime.strptime(token["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert (expires - issued).total_seconds() == pytest.approx(86400, abs=1)
    assert IAM_PASSWORD not in resp.text


def test_token_scoped_by_project_id_works_on_drs(emu):
    """A token scoped by project id authorises DRS calls in that project and is journalled as token auth."""
    token = get_token(emu, {"project": {"id": PROJECT}}).headers["X-Subject-Token"]
    resp = with_token(emu, token)
    assert resp.status_code == 200 and resp.json()["results"][0]["id"] == JOB
    assert emu.journal.entries()[-1]["auth"] == "token"
    resp = requests.get(emu.base_url + "/v3/projects", params={"name": "cn-east-3"},
                        headers={"X-Auth-Token": token}, timeout=10)
    assert resp.status_code == 200
    assert [p["id"] for p in resp.json()["projects"]] == [OTHER_PROJECT]


@pytest.mark.parametrize("kwargs,status,code", [
    ({"password": "wrong-password"}, 401, "IAM.0062"),
    ({"user": "nobody"}, 401, "IAM.0062"),
    ({"domain": "no-such-domain"}, 401, "IAM.0062"),
    ({"scope": {"project": {"name": "no-such-region"}}}, 400, "IAM.1109"),
])
def test_token_request_failures(emu, kwargs, status, code):
    """Wrong password/user/domain → 401 IAM.0062; unknown project → 400 IAM.1109; no password echoed."""
    resp = get_token(emu, **kwargs)
    assert resp.status_code == status
    assert resp.json()["error_code"] == code
    assert "wrong-password" not in resp.text and IAM_PASSWORD not in resp.text
    assert "X-Subject-Token" not in resp.headers


def test_malformed_token_request_is_400(emu):
    """A body without a password identity is IAM.0008."""
    resp = requests.post(emu.base_url + "/v3/auth/tokens", json={"auth": {"identity": {"methods": ["token"]}}},
                         timeout=10)
    assert resp.status_code == 400 and resp.json()["error_code"] == "IAM.0008"
    resp = requests.post(emu.base_url + "/v3/auth/tokens", data=b"not json", timeout=10)
    assert resp.status_code == 400 and resp.json()["error_code"] == "IAM.0008"


def test_unknown_token_is_APIGW_0301(emu):
    """A token the IAM never issued is refused with APIGW.0301."""
    assert_gateway_error(with_token(emu, "MIIforged"), 401, "APIGW.0301", "decrypt token fail")


def test_token_for_another_project_is_APIGW_0307(emu):
    """A token scoped to cn-north-4 used on another project's path → 401 APIGW.0307."""
    token = get_token(emu, {"project": {"name": "cn-north-4"}}).headers["X-Subject-Token"]
    assert_gateway_error(with_token(emu, token, OTHER_PROJECT), 401, "APIGW.0307", "token must be updated")


def test_domain_scoped_token_cannot_call_project_apis(emu):
    """An unscoped (domain) token has no project, so a project API answers APIGW.0307."""
    token = get_token(emu).headers["X-Subject-Token"]
    assert "domain" in get_token(emu).json()["token"]
    assert_gateway_error(with_token(emu, token), 401, "APIGW.0307")


def test_token_expires_after_token_ttl(emulator_factory):
    """With settings.token_ttl small, the token is refused with APIGW.0307 once the emulator clock passes it."""
    fixtures = dict(FIXTURES, settings={"token_ttl": 30})
    emu = emulator_factory(fixtures)
    token = get_token(emu, {"project": {"id": PROJECT}}).headers["X-Subject-Token"]
    assert with_token(emu, token).status_code == 200
    skew(emu, 31)
    assert_gateway_error(with_token(emu, token), 401, "APIGW.0307")


def test_default_token_lives_24_hours(emu):
    """A default token still works after 23 h 59 min and is expired after 24 h (clock skew)."""
    token = get_token(emu, {"project": {"id": PROJECT}}).headers["X-Subject-Token"]
    skew(emu, 86340)
    assert with_token(emu, token).status_code == 200
    skew(emu, 86401)
    assert_gateway_error(with_token(emu, token), 401, "APIGW.0307")


# --- AK/SK -----------------------------------------------------------------------------------------


def test_signed_request_is_accepted(emu):
    """A request signed like the SDK (content-type, host, x-project-id, x-sdk-date) is accepted."""
    resp = batch_status(emu)
    assert resp.status_code == 200
    entry = emu.journal.entries()[-1]
    assert (entry["auth"], entry["status"], entry["error_code"]) == ("aksk", 200, None)


def test_no_credentials_is_APIGW_0301(emu):
    """A request with neither token nor signature is refused with APIGW.0301."""
    resp = requests.post(emu.base_url + "/v3/%s/jobs/batch-status" % PROJECT, json={"jobs": [JOB]}, timeout=10)
    assert_gateway_error(resp, 401, "APIGW.0301", "no authentication information")


def test_malformed_authorization_is_APIGW_0301(emu):
    """An Authorization header that is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=… is refused."""
    url, hdrs, data = signed(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": [JOB]})
    hdrs["Authorization"] = hdrs["Authorization"].replace("SDK-HMAC-SHA256", "AWS4-HMAC-SHA256")
    assert_gateway_error(send("POST", url, hdrs, data), 401, "APIGW.0301", "malformed")


def test_body_changed_after_signing_is_APIGW_0301(emu):
    """Tampering with the body after signing breaks the signature: APIGW.0301 verify aksk signature fail."""
    url, hdrs, data = signed(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": [JOB]})
    tampered = data.replace(JOB.encode(), b"00000000-0000-0000-0000-00000000jb99")
    assert_gateway_error(send("POST", url, hdrs, tampered), 401, "APIGW.0301", "verify aksk signature fail")
    assert emu.journal.entries()[-1]["error_code"] == "APIGW.0301"


def test_query_and_signed_headers_are_covered_by_the_signature(emu):
    """The canonical query and every signed header count; an unsigned extra header does not."""
    url, hdrs, data = signed(emu, "GET", "/v3/projects?name=cn-north-4")
    assert send("GET", url, hdrs, data).status_code == 200
    assert send("GET", url.replace("cn-north-4", "cn-east-3"), hdrs, data).status_code == 401
    changed = dict(hdrs, **{"X-Project-Id": OTHER_PROJECT})
    assert_gateway_error(send("GET", url, changed, data), 401, "APIGW.0301")
    extra = dict(hdrs, **{"X-Unsigned-Extra": "1"})
    assert send("GET", url, extra, data).status_code == 200


def test_unsigned_payload_for_non_json_content_type(emu):
    """With a non-JSON Content-Type the SDK signs UNSIGNED-PAYLOAD, and the emulator honours it."""
    url, hdrs, data = signed(emu, "GET", "/v3/projects", headers={"Content-Type": "text/plain"})
    assert hdrs["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert send("GET", url, hdrs, b"").status_code == 200


def test_host_and_date_must_be_signed(emu):
    """A signature that does not cover x-sdk-date (or host) is refused."""
    url = emu.base_url + "/v3/projects"
    hdrs = {"Content-Type": "application/json", "X-Sdk-Date": sdk_date()}
    canonical, names = signing.huawei_canonical_request("GET", "/v3/projects", [], {"content-type": "application/json"},
                                                        b"", ["content-type"])
    signature = signing.huawei_signature(SK, signing.huawei_string_to_sign(canonical, hdrs["X-Sdk-Date"]))
    hdrs["Authorization"] = signing.huawei_authorization(AK, names, signature)
    assert_gateway_error(send("GET", url, hdrs, b""), 401, "APIGW.0301", "must be signed")


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60])
def test_date_16_minutes_off_is_rejected(emu, offset):
    """An X-Sdk-Date more than 15 minutes from server time (either way) is refused: signature expired."""
    assert_gateway_error(batch_status(emu, date=sdk_date(offset)), 401, "APIGW.0301", "expired")


@pytest.mark.parametrize("offset", [-14 * 60, 14 * 60])
def test_date_14_minutes_off_is_accepted(emu, offset):
    """Skew inside the 15-minute window is tolerated."""
    assert batch_status(emu, date=sdk_date(offset)).status_code == 200


def test_server_clock_skew_applies_to_signatures(emu):
    """With the emulator clock 20 min ahead, a client with the real time is refused and a matching date accepted."""
    skew(emu, 1200)
    assert_gateway_error(batch_status(emu), 401, "APIGW.0301", "expired")
    assert batch_status(emu, date=sdk_date(1200)).status_code == 200


def test_unknown_access_key_is_APIGW_0301(emu):
    """An AK that does not exist is refused (and cannot be locked)."""
    for dummy in range(6):
        assert_gateway_error(batch_status(emu, ak="HPUANOSUCHKEY0000000"), 401, "APIGW.0301", "not exist")
    assert batch_status(emu).status_code == 200


def test_six_consecutive_failures_lock_the_key_for_five_minutes(emu):
    """More than 5 bad signatures in a row (the 6th) lock that AK: even a good signature is refused until
    5 minutes pass; other keys are unaffected. (The exact boundary: test_huawei_strict.py.)"""
    for dummy in range(6):
        assert_gateway_error(batch_status(emu, sk="wrong-secret"), 401, "APIGW.0301", "verify aksk signature fail")
    assert_gateway_error(batch_status(emu), 401, "APIGW.0301", LOCKED)
    state = {k["access"]: k for k in emu.summary()["iam"]["access_keys"]}
    assert state[AK]["locked"] is True and state[AK2]["locked"] is False
    assert SK not in json.dumps(emu.summary())
    assert batch_status(emu, ak=AK2, sk=SK2).status_code == 200  # other keys are unaffected
    skew(emu, 250)
    assert_gateway_error(batch_status(emu, date=sdk_date(250)), 401, "APIGW.0301", LOCKED)
    skew(emu, 301)
    assert batch_status(emu, date=sdk_date(301)).status_code == 200


def test_a_success_resets_the_failure_count(emu):
    """Failures must be consecutive: 5 failures, a success, 5 failures leave the key usable."""
    for _round in range(2):
        for dummy in range(5):
            assert batch_status(emu, sk="wrong-secret").status_code == 401
        assert batch_status(emu).status_code == 200


def test_lockout_counts_expired_dates_too(emu):
    """Any failed AK/SK verification counts towards the lockout, including a stale date."""
    for dummy in range(6):
        assert batch_status(emu, date=sdk_date(-3600)).status_code == 401
    assert_gateway_error(batch_status(emu), 401, "APIGW.0301", LOCKED)


def test_temporary_key_requires_signed_security_token(emu):
    """A temporary AK needs X-Security-Token, with the right value, and signed."""
    assert_gateway_error(batch_status(emu, ak=TMP_AK, sk=TMP_SK), 401, "APIGW.0301", "security token")
    assert_gateway_error(batch_status(emu, ak=TMP_AK, sk=TMP_SK, security_token="wrong"), 401, "APIGW.0301")
    url, hdrs, data = signed(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": [JOB]}, ak=TMP_AK, sk=TMP_SK)
    hdrs["X-Security-Token"] = TMP_TOKEN  # present, but added after signing
    assert_gateway_error(send("POST", url, hdrs, data), 401, "APIGW.0301")
    assert batch_status(emu, ak=TMP_AK, sk=TMP_SK, security_token=TMP_TOKEN).status_code == 200


def test_project_of_another_account_is_APIGW_0310(emu):
    """An AK/SK request for a project outside the key's account → 403 APIGW.0310 (not a lockout failure)."""
    for dummy in range(6):
        assert_gateway_error(batch_status(emu, project=FOREIGN_PROJECT), 403, "APIGW.0310")
    assert batch_status(emu).status_code == 200


def test_unknown_api_is_APIGW_0101(emu):
    """A path no service serves is APIGW.0101 with 404 (405 when only the method is wrong)."""
    url, hdrs, data = signed(emu, "GET", "/v3/%s/no-such-api" % PROJECT)
    resp = send("GET", url, hdrs, data)
    assert resp.status_code == 404 and resp.json()["error_code"] == "APIGW.0101"
    url, hdrs, data = signed(emu, "DELETE", "/v3/%s/jobs/batch-status" % PROJECT)
    resp = send("DELETE", url, hdrs, data)
    assert resp.status_code == 405 and resp.json()["error_code"] == "APIGW.0101"


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_temporary_credentials_are_accepted(emu):
    """The official SDK signing with an AK, SK and security token (STS) is accepted."""
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials

    credentials = BasicCredentials(TMP_AK, TMP_SK, PROJECT).with_security_token(TMP_TOKEN)
    client = drs.DrsClient.new_builder().with_credentials(credentials).with_endpoints([emu.base_url]).build()
    response = client.batch_list_job_status(drs.BatchListJobStatusRequest(body=drs.BatchQueryJobReqPage(jobs=[JOB])))
    assert response.results[0].status == "INCRE_TRANSFER_STARTED"


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_sees_gateway_errors_with_request_id(emu):
    """The SDK parses a gateway refusal into error_code APIGW.0301 and the request id."""
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    client = (drs.DrsClient.new_builder().with_credentials(BasicCredentials(TMP_AK, TMP_SK, PROJECT))
              .with_endpoints([emu.base_url]).build())
    with pytest.raises(ClientRequestException) as info:
        client.batch_list_job_status(drs.BatchListJobStatusRequest(body=drs.BatchQueryJobReqPage(jobs=[JOB])))
    assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")
    assert len(info.value.request_id) == 32
