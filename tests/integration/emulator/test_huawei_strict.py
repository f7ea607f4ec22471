"""The emulated Huawei API gateway is as strict as the real one about what a signature covers, and
locks an AK only after *more than* five consecutive failures (issue 10 item 4, Huawei side).

- A header left out of ``SignedHeaders`` never takes part in verification: an unsigned
  ``X-Sdk-Content-Sha256`` cannot vouch for a body swapped after signing, and an unsigned
  ``X-Project-Id`` does not choose the project. The official SDK signs ``X-Sdk-Content-Sha256:
  UNSIGNED-PAYLOAD`` itself for non-JSON bodies, and that keeps working.
- AK lockout (reference §7.2, §8.1, and the Huawei "Common Errors Related to IAM Authentication
  Information" FAQ: "fails for more than five consecutive times"): five failures in a row leave the
  key usable, the sixth locks it for 300 s, during which even a good signature is refused.

Requests are signed with the collection's signer or with the official SDK's ``Signer`` and clients.
"""

import datetime
import hashlib
import json

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
FOREIGN_PROJECT = "99999999999999999999999999999999"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
AK2, SK2 = "HPUA1EXAMPLEAK000002", "exampleSecretKey0123456789abcdefghij0002"
JOB = "8d0e8e36-a618-490d-8a46-8c61ac9djb01"
OTHER_JOB = "8d0e8e36-a618-490d-8a46-8c61ac9djb02"
SRC_PW = "Src-Old-Passw0rd!"
SIGNED_PW = "Signed-N3w-Passw0rd!"
SWAPPED_PW = "Swapped-Attacker-Passw0rd!"
LOCKED_TEXT = "AK access failed to reach the limit,forbidden"

FIXTURES = {
    "iam": {"domains": [
        {"id": "d0000000000000000000000000000001", "name": "demo-domain",
         "users": [{"id": "u1", "name": "demo-user", "password": "Iam-Passw0rd!x"}],
         "projects": [{"id": PROJECT, "name": "cn-north-4"}],
         "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"},
                         {"access": AK2, "secret": SK2, "user": "demo-user"}]},
        {"id": "d0000000000000000000000000000002", "name": "other-domain", "users": [],
         "projects": [{"id": FOREIGN_PROJECT, "name": "cn-north-4"}], "access_keys": []},
    ]},
    "drs": {"jobs": [
        {"id": job_id, "name": name, "project_id": PROJECT, "status": "INCRE_TRANSFER_STARTED",
         "source": {"database": {"user": "repl"}, "password": SRC_PW},
         "target": {"database": {"user": "tgt"}, "password": "Tgt-Old-Passw0rd!"}}
        for job_id, name in ((JOB, "orders-sync"), (OTHER_JOB, "billing-sync"))]},
}


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


def sdk_date(offset_seconds=0):
    return signing.huawei_date(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds))


def sign(emu, method, path, data=b"", headers=None, sk=SK, date=None):
    url = emu.base_url + path
    hdrs = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
    hdrs.update(headers or {})
    return url, signing.huawei_sign(method, url, hdrs, data, AK, sk, date=date)


def send(method, url, headers, data):
    return requests.request(method, url, headers=headers, data=data, timeout=10)


def modify_body(password, job_id=JOB):
    return json.dumps({"jobs": [{"job_id": job_id, "end_point_type": "so", "db_password": password}]}).encode()


def stored_source(emu, job_id=JOB):
    return next(j for j in emu.dump()["drs"]["jobs"] if j["id"] == job_id)["source"]["password"]


def batch_status(emu, sk=SK, date=None):
    data = json.dumps({"jobs": [JOB]}).encode()
    url, hdrs = sign(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, data, sk=sk, date=date)
    return send("POST", url, hdrs, data)


def skew(emu, seconds):
    assert requests.post(emu.base_url + "/_emulator/clock", json={"skew_seconds": seconds}, timeout=10).status_code == 200


def assert_gateway_error(resp, status, code, text=None):
    """The documented gateway shape: {"error_code", "error_msg", "request_id"}, request_id = X-Request-Id."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["error_code"] == code
    assert body["request_id"] == resp.headers["X-Request-Id"]
    if text:
        assert text in body["error_msg"], body["error_msg"]


# --- what the signature covers ----------------------------------------------------------------


def test_unsigned_content_sha_cannot_vouch_for_a_swapped_body(emu):
    """A batch-modify-pwd signed for one password, its body swapped and an *unsigned* X-Sdk-Content-Sha256
    carrying the signed body's hash added: refused with APIGW.0301 and nothing is applied."""
    signed_body = modify_body(SIGNED_PW)
    url, hdrs = sign(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, signed_body)
    assert "x-sdk-content-sha256" not in hdrs["Authorization"]
    forged = dict(hdrs, **{"X-Sdk-Content-Sha256": hashlib.sha256(signed_body).hexdigest()})
    resp = send("PUT", url, forged, modify_body(SWAPPED_PW))
    assert_gateway_error(resp, 401, "APIGW.0301", "verify aksk signature fail")
    assert stored_source(emu) == SRC_PW
    entry = emu.journal.entries()[-1]
    assert (entry["status"], entry["error_code"], entry["action"]) == (401, "APIGW.0301", "BatchResetPassword")
    assert SWAPPED_PW not in json.dumps(emu.journal.entries()) and SWAPPED_PW not in resp.text
    # the genuine request, as signed, still applies
    assert send("PUT", url, hdrs, signed_body).status_code == 200
    assert stored_source(emu) == SIGNED_PW


def test_unsigned_content_sha_is_ignored_not_trusted(emu):
    """An unsigned X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD on an otherwise genuine request changes nothing:
    the real body is hashed, so the request verifies (the header did not take part)."""
    data = json.dumps({"jobs": [JOB]}).encode()
    url, hdrs = sign(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, data)
    extra = dict(hdrs, **{"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    resp = send("POST", url, extra, data)
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"][0]["id"] == JOB


def test_signed_unsigned_payload_is_honoured_for_non_json_bodies(emu):
    """The SDK convention: a non-JSON Content-Type makes the signer add and sign X-Sdk-Content-Sha256:
    UNSIGNED-PAYLOAD, and the gateway then uses that literal as the payload hash."""
    data = json.dumps({"jobs": [JOB]}).encode()
    url, hdrs = sign(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, data, headers={"Content-Type": "text/plain"})
    assert hdrs["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in hdrs["Authorization"]
    resp = send("POST", url, hdrs, data)
    assert resp.status_code == 200, resp.text


def test_signed_content_sha_must_match_the_body(emu):
    """A signed X-Sdk-Content-Sha256 that is a hash must be the body's SHA-256: a swapped body is refused."""
    signed_body = modify_body(SIGNED_PW)
    good = {"X-Sdk-Content-Sha256": hashlib.sha256(signed_body).hexdigest()}
    url, hdrs = sign(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, signed_body, headers=good)
    assert "x-sdk-content-sha256" in hdrs["Authorization"]
    assert_gateway_error(send("PUT", url, hdrs, modify_body(SWAPPED_PW)), 401, "APIGW.0301",
                         "x-sdk-content-sha256 does not match the body")
    assert stored_source(emu) == SRC_PW
    assert send("PUT", url, hdrs, signed_body).status_code == 200
    assert stored_source(emu) == SIGNED_PW


def test_unsigned_project_header_does_not_choose_the_project(emu):
    """An X-Project-Id added after signing neither breaks the request nor scopes it: a request without a
    path project is judged without it (no 403 APIGW.0310 for a foreign project it names)."""
    url = emu.base_url + "/v3/projects"
    hdrs = signing.huawei_sign("GET", url, {"Content-Type": "application/json"}, b"", AK, SK)
    resp = send("GET", url, dict(hdrs, **{"X-Project-Id": FOREIGN_PROJECT}), b"")
    assert resp.status_code == 200, resp.text
    # signed, the same header does scope the request
    signed_hdrs = signing.huawei_sign("GET", url, {"Content-Type": "application/json", "X-Project-Id": FOREIGN_PROJECT},
                                      b"", AK, SK)
    assert_gateway_error(send("GET", url, signed_hdrs, b""), 403, "APIGW.0310")


# --- AK lockout: more than five consecutive failures --------------------------------------------


def test_five_consecutive_failures_do_not_lock(emu):
    """Five bad signatures in a row are each refused on their own merit; the good one after them succeeds."""
    for dummy in range(5):
        assert_gateway_error(batch_status(emu, sk="wrong-secret"), 401, "APIGW.0301", "verify aksk signature fail")
    assert batch_status(emu).status_code == 200
    assert not {k["access"]: k for k in emu.summary()["iam"]["access_keys"]}[AK]["locked"]


def test_sixth_consecutive_failure_locks_the_key_for_300_seconds(emu):
    """The sixth failure in a row is still answered as a signature failure and locks the AK: even a good
    signature is refused ("AK access failed to reach the limit,forbidden") until 300 s have passed."""
    for dummy in range(6):
        assert_gateway_error(batch_status(emu, sk="wrong-secret"), 401, "APIGW.0301", "verify aksk signature fail")
    assert_gateway_error(batch_status(emu), 401, "APIGW.0301", LOCKED_TEXT)
    keys = {k["access"]: k for k in emu.summary()["iam"]["access_keys"]}
    assert keys[AK]["locked"] is True and keys[AK2]["locked"] is False
    skew(emu, 299)
    assert_gateway_error(batch_status(emu, date=sdk_date(299)), 401, "APIGW.0301", LOCKED_TEXT)
    skew(emu, 300)
    assert batch_status(emu, date=sdk_date(300)).status_code == 200


def test_requests_during_the_lock_do_not_extend_it_and_the_count_restarts(emu):
    """Refusals while locked are not new failures: the lock ends 300 s after the sixth failure, and the
    count then starts from zero (five more failures leave the key usable)."""
    for dummy in range(6):
        batch_status(emu, sk="wrong-secret")
    skew(emu, 200)
    for dummy in range(3):
        assert_gateway_error(batch_status(emu, sk="wrong-secret", date=sdk_date(200)), 401, "APIGW.0301", LOCKED_TEXT)
    skew(emu, 301)
    for dummy in range(5):
        assert_gateway_error(batch_status(emu, sk="wrong-secret", date=sdk_date(301)), 401, "APIGW.0301",
                             "verify aksk signature fail")
    assert batch_status(emu, date=sdk_date(301)).status_code == 200


# --- the official SDK ---------------------------------------------------------------------------


def drs_client(emu, sk=SK, http_handler=None):
    drs = pytest.importorskip("huaweicloudsdkdrs.v3")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    builder = (drs.DrsClient.new_builder().with_http_config(config)
               .with_credentials(BasicCredentials(AK, sk, PROJECT)).with_endpoints([emu.base_url]))
    if http_handler is not None:
        builder = builder.with_http_handler(http_handler)
    return drs, builder.build()


def sdk_status(drs, client):
    return client.batch_list_job_status(drs.BatchListJobStatusRequest(body=drs.BatchQueryJobReqPage(jobs=[JOB])))


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_properly_signed_write_succeeds(emu):
    """huaweicloudsdkdrs batch_reset_password, signed by the SDK, passes the strict gateway and applies."""
    drs, client = drs_client(emu)
    response = client.batch_reset_password(drs.BatchResetPasswordRequest(body=drs.BatchModifyPwdReq(jobs=[
        drs.ModifyPwdEndPoint(job_id=JOB, end_point_type="so", db_password=SIGNED_PW)])))
    assert [(r.id, r.status) for r in response.results] == [(JOB, "success")]
    assert stored_source(emu) == SIGNED_PW


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_tampered_body_with_unsigned_content_sha_is_APIGW_0301(emu):
    """The SDK signs a batch_reset_password; a request hook then swaps the body and adds an unsigned
    X-Sdk-Content-Sha256 with the signed body's hash. The SDK gets 401 APIGW.0301 with a request id,
    and the stored password is unchanged."""
    pytest.importorskip("huaweicloudsdkcore")
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkcore.http.http_handler import HttpHandler

    seen = {}

    def tamper(request=None, **_ignored):
        assert "x-sdk-content-sha256" not in request.header_params["Authorization"]
        seen["hash"] = hashlib.sha256(request.body).hexdigest()
        request.header_params["X-Sdk-Content-Sha256"] = seen["hash"]
        request.body = request.body.replace(SIGNED_PW.encode(), SWAPPED_PW.encode())

    drs, client = drs_client(emu, http_handler=HttpHandler().add_request_handler(tamper))
    request = drs.BatchResetPasswordRequest(body=drs.BatchModifyPwdReq(jobs=[
        drs.ModifyPwdEndPoint(job_id=JOB, end_point_type="so", db_password=SIGNED_PW)]))
    with pytest.raises(ClientRequestException) as info:
        client.batch_reset_password(request)
    assert seen["hash"]
    assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")
    assert "verify aksk signature fail" in info.value.error_msg
    assert len(info.value.request_id) == 32
    assert stored_source(emu) == SRC_PW
    assert SWAPPED_PW not in str(info.value)


@pytest.mark.sdk
def test_sdk_signer_unsigned_payload_for_non_json_is_accepted(emu):
    """The SDK's own Signer on a text/plain body adds and signs X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD;
    the gateway accepts it."""
    pytest.importorskip("huaweicloudsdkcore")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    host = emu.base_url.split("://", 1)[1]
    data = json.dumps({"jobs": [JOB]}).encode()
    request = SdkRequest(method="POST", schema="http", host=host, resource_path="/v3/%s/jobs/batch-status" % PROJECT,
                         query_params=[], header_params={"Content-Type": "text/plain", "X-Project-Id": PROJECT},
                         body=data)
    signed = Signer(BasicCredentials(AK, SK, PROJECT)).sign(request)
    assert signed.header_params["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in signed.header_params["Authorization"]
    resp = send("POST", emu.base_url + signed.uri, signed.header_params, data)
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"][0]["id"] == JOB


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sdk_lockout_boundary(emu):
    """Through the SDK: five wrong-SK calls, then the right SK works; six more, then the right SK is refused
    (APIGW.0301, limit reached) until the emulator clock is 300 s later."""
    pytest.importorskip("huaweicloudsdkcore")
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

    drs, bad = drs_client(emu, sk="wrong-secret")
    drs, good = drs_client(emu)

    def failures(count):
        for dummy in range(count):
            with pytest.raises(ClientRequestException) as info:
                sdk_status(drs, bad)
            assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")

    failures(5)
    assert sdk_status(drs, good).results[0].status == "INCRE_TRANSFER_STARTED"
    failures(6)
    with pytest.raises(ClientRequestException) as info:
        sdk_status(drs, good)
    assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")
    assert LOCKED_TEXT in info.value.error_msg and len(info.value.request_id) == 32
    skew(emu, 300)  # the SDK signs with the real clock: 300 s is inside the 15-minute window
    assert sdk_status(drs, good).results[0].status == "INCRE_TRANSFER_STARTED"
