"""The emulator's Alibaba POP gateway: V3 ACS3-HMAC-SHA256 and RPC v1 HMAC-SHA1 verification,
timestamps, nonce replay, access keys, STS tokens, error shapes and faults.

The signing functions themselves are pinned by the reference vectors in the unit tests; here a
request signed with them must verify, and any tampering must not.
"""

import datetime
import json
import urllib.error
import urllib.request

import pytest

from emulator.alibaba import DtsService, PopClient
from emulator.core import Emulator
from emulator.signing import signing

AK, SECRET = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"
STS_AK, STS_SECRET, STS_TOKEN = "STS.NTEXAMPLE0001", "stsSecretExample0001", "CAIS-example-security-token"
OLD_STS_AK = "STS.NTEXPIRED0001"
JOB = "l3m1213ye7l1234"
PASSWORD = "N3w Pass*w0rd~!&="

FIXTURES = {
    "dts": {
        "access_keys": [
            {"id": AK, "secret": SECRET},
            {"id": STS_AK, "secret": STS_SECRET, "security_token": STS_TOKEN},
            {"id": OLD_STS_AK, "secret": STS_SECRET, "security_token": STS_TOKEN, "expires": "2001-01-01T00:00:00Z"},
            {"id": "LTAIdisabled", "secret": SECRET, "disabled": True},
        ],
        "jobs": [{"id": JOB, "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
                  "source": {"user": "dtstest", "password": "Old-Passw0rd-1"},
                  "destination": {"user": "dtsdest", "password": "Old-Passw0rd-2"}}],
    },
}
MODIFY = {"DtsJobId": JOB, "Endpoint": "src", "UserName": "dtstest", "RegionId": "cn-hangzhou"}


@pytest.fixture
def emu():
    emulator = Emulator(json.loads(json.dumps(FIXTURES)), service_classes=[DtsService])
    emulator.start()
    yield emulator
    emulator.stop()


def v3(emu, **kwargs):
    return PopClient(emu.base_url, kwargs.pop("ak", AK), kwargs.pop("secret", SECRET), signature="v3", **kwargs)


def rpc(emu, **kwargs):
    return PopClient(emu.base_url, kwargs.pop("ak", AK), kwargs.pop("secret", SECRET), signature="rpc", **kwargs)


def admin(emu, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emu.base_url + "/_emulator/" + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        payload = resp.read()
        return resp.status, json.loads(payload) if payload else None


def stored_password_is(emu, password, endpoint="src"):
    return admin(emu, "POST", "dts/jobs/%s/verify" % JOB, {"endpoint": endpoint, "password": password})[1]["match"]


def assert_pop_error(status, body, want_status, code):
    assert status == want_status, body
    assert body["Code"] == code, body
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["HostId"] == "dts.aliyuncs.com"
    assert code in body["Recommend"] and body["RequestId"] in body["Recommend"]


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- V3 ACS3-HMAC-SHA256 --------------------------------------------------------------------------


def test_v3_signed_request_with_password_in_query_is_accepted_and_applied(emu):
    """A V3-signed POST with the parameters in the query string verifies and changes the password."""
    status, dummy, body = v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    assert status == 200 and body["Success"] is True and body["HttpStatusCode"] == 200
    assert stored_password_is(emu, PASSWORD)
    entry = emu.journal.entries()[-1]
    assert (entry["auth"], entry["action"], entry["write"], entry["status"]) == \
        ("acs3", "ModifyDtsJobPassword", True, 200)


def test_v3_signed_form_body_is_verified_through_content_sha256(emu):
    """The password may travel in a form body; its SHA-256 is signed via x-acs-content-sha256."""
    status, dummy, body = v3(emu).call("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    assert status == 200 and body["Success"] is True
    assert stored_password_is(emu, PASSWORD)


def test_v3_get_request_is_accepted(emu):
    """GET / with V3 signing works for a read."""
    status, dummy, body = v3(emu).call("DescribeDtsJobDetail", {"DtsJobId": JOB}, method="GET")
    assert status == 200 and body["DtsJobId"] == JOB


def test_v3_tampered_query_value_fails(emu):
    """Changing a signed query value after signing gives SignatureDoesNotMatch and changes nothing."""
    client = v3(emu)
    prepared = client.prepare("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    prepared["query"] = [(k, "Evil-Passw0rd" if k == "Password" else v) for k, v in prepared["query"]]
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
    assert "Evil" not in body["Message"]
    assert stored_password_is(emu, "Old-Passw0rd-1")


def test_v3_tampered_body_fails_on_content_hash(emu):
    """A body that is not the one whose hash was signed is refused."""
    client = v3(emu)
    prepared = client.prepare("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    prepared["body"] = b"Password=Evil-Passw0rd"
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
    assert "x-acs-content-sha256" in body["Message"]
    assert stored_password_is(emu, "Old-Passw0rd-1")


def test_v3_tampered_body_with_recomputed_hash_fails(emu):
    """Recomputing x-acs-content-sha256 without the secret does not help: the header is signed."""
    client = v3(emu)
    prepared = client.prepare("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    prepared["body"] = b"Password=Evil-Passw0rd"
    prepared["headers"]["x-acs-content-sha256"] = signing.sha256_hex(prepared["body"])
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")


def test_v3_tampered_signed_header_fails(emu):
    """Changing a signed header (the action) breaks the signature."""
    client = v3(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["headers"]["x-acs-action"] = "DescribeDtsJobDetail"
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")


def test_v3_wrong_secret_fails(emu):
    """A signature made with another secret does not verify."""
    status, dummy, body = v3(emu, secret="not-the-secret").call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")


def test_v3_unsigned_acs_header_is_incomplete_signature(emu):
    """Every x-acs-* header sent must be signed."""
    client = v3(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["headers"]["x-acs-extra"] = "1"
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "IncompleteSignature")
    assert "x-acs-extra" in body["Message"]


def test_v3_content_type_of_a_body_must_be_signed(emu):
    """With a body, content-type must be among the signed headers (documented rule)."""
    client = v3(emu)
    prepared = client.prepare("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    auth = prepared["headers"]["Authorization"]
    prepared["headers"]["Authorization"] = auth.replace("content-type;", "")
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "IncompleteSignature")


@pytest.mark.parametrize("authorization", [
    "ACS3-HMAC-SHA256 Credential=%s" % AK,
    "ACS3-HMAC-SM3 Credential=%s,SignedHeaders=host,Signature=00" % AK,
    "Bearer abc",
])
def test_v3_malformed_or_unsupported_authorization_is_incomplete_signature(emu, authorization):
    """A malformed Authorization header, or another algorithm, is IncompleteSignature."""
    client = v3(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["headers"]["Authorization"] = authorization
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "IncompleteSignature")


def test_v3_replayed_nonce_is_refused_and_a_fresh_nonce_works(emu):
    """The same signed request sent twice: the second is SignatureNonceUsed."""
    client = v3(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    assert client.send(prepared)[0] == 200
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureNonceUsed")
    assert client.call("DescribeDtsJobs", {"JobType": "SYNC"})[0] == 200


def test_nonce_of_a_failed_request_is_not_consumed(emu):
    """A nonce is remembered only once a request passed every other check."""
    nonce = signing.aliyun_nonce()
    assert v3(emu, secret="wrong").call("DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce)[0] == 400
    assert v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce)[0] == 200


def test_nonces_are_per_access_key(emu):
    """Two access keys may use the same nonce."""
    nonce = signing.aliyun_nonce()
    assert v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce)[0] == 200
    status, dummy, dummy = v3(emu, ak=STS_AK, secret=STS_SECRET, security_token=STS_TOKEN).call(
        "DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce)
    assert status == 200


def test_nonce_is_forgotten_after_fifteen_minutes(emu):
    """After 15 minutes (emulator clock) a nonce may be used again."""
    nonce = signing.aliyun_nonce()
    assert v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce)[0] == 200
    admin(emu, "POST", "clock", {"skew_seconds": 901})
    status, dummy, body = v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, nonce=nonce, date=iso(emu.now()))
    assert status == 200, body


def test_v3_expired_timestamp_is_refused(emu):
    """x-acs-date more than 15 minutes from server time: InvalidTimeStamp.Expired."""
    status, dummy, body = v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, date=iso(emu.now() - 16 * 60))
    assert_pop_error(status, body, 400, "InvalidTimeStamp.Expired")
    status, dummy, body = v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, date=iso(emu.now() + 16 * 60))
    assert_pop_error(status, body, 400, "InvalidTimeStamp.Expired")
    assert v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, date=iso(emu.now() - 14 * 60))[0] == 200


def test_injected_clock_skew_expires_current_signatures(emu):
    """The emulator's clock skew (admin API) is what timestamps are checked against."""
    admin(emu, "POST", "clock", {"skew_seconds": -3600})
    status, dummy, body = v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidTimeStamp.Expired")


def test_v3_malformed_date_is_format_error(emu):
    """An unparsable x-acs-date: InvalidTimeStamp.Format."""
    status, dummy, body = v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"}, date="Tue, 02 Jan 2024 03:04:05 GMT")
    assert_pop_error(status, body, 400, "InvalidTimeStamp.Format")


def test_unknown_access_key_is_404_not_found(emu):
    """An unknown AccessKeyId: 404 InvalidAccessKeyId.NotFound (both signatures)."""
    for client in (v3(emu, ak="LTAIunknown"), rpc(emu, ak="LTAIunknown")):
        status, dummy, body = client.call("DescribeDtsJobs", {"JobType": "SYNC"})
        assert_pop_error(status, body, 404, "InvalidAccessKeyId.NotFound")


def test_disabled_access_key_is_inactive(emu):
    """A disabled key: InvalidAccessKeyId.Inactive."""
    status, dummy, body = v3(emu, ak="LTAIdisabled").call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidAccessKeyId.Inactive")


def test_v3_sts_key_needs_its_security_token(emu):
    """An STS key works with its token; absent, wrong or expired tokens are InvalidSecurityToken.*."""
    ok = v3(emu, ak=STS_AK, secret=STS_SECRET, security_token=STS_TOKEN)
    assert ok.call("DescribeDtsJobs", {"JobType": "SYNC"})[0] == 200
    status, dummy, body = v3(emu, ak=STS_AK, secret=STS_SECRET).call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidSecurityToken.Malformed")
    status, dummy, body = v3(emu, ak=STS_AK, secret=STS_SECRET, security_token="other").call(
        "DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidSecurityToken.MismatchWithAccessKey")
    status, dummy, body = v3(emu, ak=OLD_STS_AK, secret=STS_SECRET, security_token=STS_TOKEN).call(
        "DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidSecurityToken.Expired")


def test_v3_security_token_header_is_signed(emu):
    """x-acs-security-token is an x-acs-* header and must be signed."""
    client = v3(emu, ak=STS_AK, secret=STS_SECRET)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["headers"]["x-acs-security-token"] = STS_TOKEN
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "IncompleteSignature")


# -- RPC v1 HMAC-SHA1 -----------------------------------------------------------------------------


def test_rpc_signed_post_is_accepted(emu):
    """An RPC v1 HMAC-SHA1 POST with everything in the query verifies and applies."""
    status, dummy, body = rpc(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    assert status == 200 and body["Success"] is True
    assert stored_password_is(emu, PASSWORD)
    assert emu.journal.entries()[-1]["auth"] == "rpc-hmac-sha1"


def test_rpc_form_parameters_are_signed_too(emu):
    """Form-body parameters take part in the RPC signature."""
    status, dummy, body = rpc(emu).call("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    assert status == 200 and body["Success"] is True
    assert stored_password_is(emu, PASSWORD)


def test_rpc_get_is_accepted(emu):
    """The documented GET form works."""
    status, dummy, body = rpc(emu).call("DescribeDtsJobDetail", {"DtsJobId": JOB}, method="GET")
    assert status == 200 and body["Status"] == "Synchronizing"


def test_rpc_tampered_query_or_form_fails(emu):
    """Changing a query or form parameter after signing: SignatureDoesNotMatch."""
    client = rpc(emu)
    prepared = client.prepare("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    prepared["query"] = [(k, "dest" if k == "Endpoint" else v) for k, v in prepared["query"]]
    assert_pop_error(*client.send(prepared)[::2], 400, "SignatureDoesNotMatch")
    prepared = client.prepare("ModifyDtsJobPassword", MODIFY, form={"Password": PASSWORD})
    prepared["body"] = b"Password=Evil-Passw0rd"
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
    assert stored_password_is(emu, "Old-Passw0rd-1")


def test_rpc_method_is_signed(emu):
    """A request signed for GET but sent as POST fails."""
    client = rpc(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"}, method="GET")
    prepared["method"] = "POST"
    assert_pop_error(*client.send(prepared)[::2], 400, "SignatureDoesNotMatch")


def test_rpc_replayed_nonce_and_expired_timestamp(emu):
    """RPC: a replay is SignatureNonceUsed; a 16-minute-old Timestamp is InvalidTimeStamp.Expired."""
    client = rpc(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    assert client.send(prepared)[0] == 200
    assert_pop_error(*client.send(prepared)[::2], 400, "SignatureNonceUsed")
    status, dummy, body = client.call("DescribeDtsJobs", {"JobType": "SYNC"}, date=iso(emu.now() - 16 * 60))
    assert_pop_error(status, body, 400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("dropped", ["Signature", "SignatureNonce", "Timestamp", "SignatureMethod"])
def test_rpc_missing_common_parameter(emu, dropped):
    """A missing RPC common parameter: MissingParameter naming it."""
    client = rpc(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["query"] = [(k, v) for k, v in prepared["query"] if k != dropped]
    status, dummy, body = client.send(prepared)
    assert_pop_error(status, body, 400, "MissingParameter")
    assert '"%s"' % dropped in body["Message"]


def test_rpc_other_signature_method_is_incomplete_signature(emu):
    """SignatureMethod other than HMAC-SHA1 is refused."""
    client = rpc(emu)
    prepared = client.prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    prepared["query"] = [(k, "HMAC-SHA256" if k == "SignatureMethod" else v) for k, v in prepared["query"]]
    assert_pop_error(*client.send(prepared)[::2], 400, "IncompleteSignature")


def test_rpc_sts_key_needs_security_token_parameter(emu):
    """RPC with an STS key: SecurityToken parameter required and checked."""
    assert rpc(emu, ak=STS_AK, secret=STS_SECRET, security_token=STS_TOKEN).call(
        "DescribeDtsJobs", {"JobType": "SYNC"})[0] == 200
    status, dummy, body = rpc(emu, ak=STS_AK, secret=STS_SECRET).call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidSecurityToken.Malformed")
    status, dummy, body = rpc(emu, ak=STS_AK, secret=STS_SECRET, security_token="x").call(
        "DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(status, body, 400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_unsigned_request_is_missing_parameter(emu):
    """No Authorization header and no RPC signature: MissingParameter (AccessKeyId)."""
    req = urllib.request.Request(emu.base_url + "/?Action=DescribeDtsJobs&Version=2020-01-01", method="POST", data=b"")
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected an error")
    except urllib.error.HTTPError as err:
        body = json.loads(err.read())
        assert_pop_error(err.code, body, 400, "MissingParameter")
        assert "AccessKeyId" in body["Message"]


# -- version, action ------------------------------------------------------------------------------


def test_wrong_version_and_unknown_action(emu):
    """Version other than 2020-01-01: InvalidVersion; unknown action: 404 InvalidAction.NotFound."""
    client = PopClient(emu.base_url, AK, SECRET, version="2016-08-01")
    assert_pop_error(*client.call("DescribeDtsJobs")[::2], 400, "InvalidVersion")
    assert_pop_error(*rpc(emu).call("DescribeRegions")[::2], 404, "InvalidAction.NotFound")
    assert_pop_error(*v3(emu).call("DescribeRegions")[::2], 404, "InvalidAction.NotFound")


# -- faults ---------------------------------------------------------------------------------------


def test_throttle_fault_is_throttling_user_with_retry_after_ms(emu):
    """A throttle fault on the write answers 400 Throttling.User with x-acs-retry-after (ms); reads pass."""
    admin(emu, "POST", "faults", {"kind": "throttle", "retry_after": 250,
                                  "match": {"cloud": "alibaba", "action": "ModifyDtsJobPassword"}})
    assert v3(emu).call("DescribeDtsJobs", {"JobType": "SYNC"})[0] == 200
    status, headers, body = v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    assert_pop_error(status, body, 400, "Throttling.User")
    assert headers["x-acs-retry-after"] == "250"
    assert stored_password_is(emu, "Old-Passw0rd-1")
    entry = emu.journal.entries()[-1]
    assert (entry["action"], entry["write"], entry["error_code"]) == ("ModifyDtsJobPassword", True, "Throttling.User")
    assert v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))[0] == 200


def test_throttle_fault_default_retry_after_and_none(emu):
    """Without retry_after the header carries the alibaba_retry_after_ms setting; 0 omits it."""
    emu.settings["alibaba_retry_after_ms"] = 40
    admin(emu, "POST", "faults", [{"kind": "throttle", "match": {"write": True}},
                                  {"kind": "throttle", "retry_after": 0, "match": {"write": True}}])
    assert v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))[1]["x-acs-retry-after"] == "40"
    status, headers, body = v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    assert body["Code"] == "Throttling.User" and "x-acs-retry-after" not in headers


@pytest.mark.parametrize("status,code", [(503, "ServiceUnavailable"), (500, "InternalError"), (502, "InternalError")])
def test_error_fault_statuses(emu, status, code):
    """An error fault answers its status with ServiceUnavailable (503) or InternalError."""
    admin(emu, "POST", "faults", {"kind": "error", "status": status, "match": {"service": "dts"}})
    got, dummy, body = rpc(emu).call("DescribeDtsJobs", {"JobType": "SYNC"})
    assert_pop_error(got, body, status, code)


def test_journal_and_state_never_carry_secrets(emu):
    """Neither the journal nor GET /_emulator/state contains a password, secret or token."""
    v3(emu).call("ModifyDtsJobPassword", dict(MODIFY, Password=PASSWORD))
    rpc(emu, ak=STS_AK, secret=STS_SECRET, security_token=STS_TOKEN).call(
        "ModifyDtsJobPassword", dict(MODIFY, Endpoint="dest", UserName="dtsdest"), form={"Password": "Form-Passw0rd"})
    dummy, state = admin(emu, "GET", "state")
    dummy, journal = admin(emu, "GET", "journal")
    text = json.dumps(state) + json.dumps(journal)
    for secret in (PASSWORD, "Form-Passw0rd", "Old-Passw0rd", SECRET, STS_SECRET, STS_TOKEN, "N3w"):
        assert secret not in text
    assert [e["action"] for e in journal["entries"]] == ["ModifyDtsJobPassword"] * 2


# -- official SDKs --------------------------------------------------------------------------------


@pytest.mark.sdk
def test_sdk_v3_client_with_sts_credentials(emu):
    """alibabacloud_dts20200101 with STS credentials (V3, x-acs-security-token) succeeds."""
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    dts_models = pytest.importorskip("alibabacloud_dts20200101.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    config = openapi.Config(access_key_id=STS_AK, access_key_secret=STS_SECRET, security_token=STS_TOKEN,
                            endpoint="127.0.0.1:%d" % emu.port, protocol="http", region_id="cn-hangzhou")
    response = dts_client.Client(config).describe_dts_job_detail(
        dts_models.DescribeDtsJobDetailRequest(dts_job_id=JOB, region_id="cn-hangzhou"))
    assert response.body.success is True and response.body.status == "Synchronizing"


@pytest.mark.sdk
def test_sdk_v3_wrong_secret_raises_client_exception_with_code(emu):
    """The SDK surfaces the gateway error code and request id from the POP error body."""
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    dts_models = pytest.importorskip("alibabacloud_dts20200101.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    config = openapi.Config(access_key_id=AK, access_key_secret="wrong", endpoint="127.0.0.1:%d" % emu.port,
                            protocol="http", region_id="cn-hangzhou")
    with pytest.raises(Exception) as info:
        dts_client.Client(config).describe_dts_jobs(dts_models.DescribeDtsJobsRequest(job_type="SYNC"))
    assert getattr(info.value, "code", None) == "SignatureDoesNotMatch"
    assert getattr(info.value, "status_code", None) == 400


@pytest.mark.sdk
def test_sdk_v3_throttling_exception_carries_retry_after(emu):
    """tea-openapi turns x-acs-retry-after into ThrottlingException.retry_after."""
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    dts_models = pytest.importorskip("alibabacloud_dts20200101.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    admin(emu, "POST", "faults", {"kind": "throttle", "retry_after": 1500, "match": {"write": True}})
    config = openapi.Config(access_key_id=AK, access_key_secret=SECRET, endpoint="127.0.0.1:%d" % emu.port,
                            protocol="http", region_id="cn-hangzhou")
    with pytest.raises(Exception) as info:
        dts_client.Client(config).modify_dts_job_password(dts_models.ModifyDtsJobPasswordRequest(
            dts_job_id=JOB, endpoint="src", user_name="dtstest", password=PASSWORD))
    assert type(info.value).__name__ == "ThrottlingException"
    assert info.value.code == "Throttling.User" and info.value.retry_after == 1500


@pytest.mark.sdk
def test_sdk_legacy_acs_client_unknown_key_raises_server_exception(emu):
    """aliyun-python-sdk-core (RPC v1) reports 404 InvalidAccessKeyId.NotFound as a ServerException."""
    client_mod = pytest.importorskip("aliyunsdkcore.client")
    request_mod = pytest.importorskip("aliyunsdkcore.request")
    exceptions = pytest.importorskip("aliyunsdkcore.acs_exception.exceptions")
    client = client_mod.AcsClient("LTAIunknown", SECRET, "cn-hangzhou", auto_retry=False)
    request = request_mod.CommonRequest(domain="127.0.0.1:%d" % emu.port, version="2020-01-01",
                                        action_name="DescribeDtsJobs")
    request.set_protocol_type("http")
    request.set_method("POST")
    with pytest.raises(exceptions.ServerException) as info:
        client.do_action_with_exception(request)
    assert info.value.get_error_code() == "InvalidAccessKeyId.NotFound"
    assert info.value.get_http_status() == 404
