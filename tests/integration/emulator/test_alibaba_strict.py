"""The Alibaba POP gateway under hostile input: non-ASCII anywhere, and error answers the SDKs parse.

Every request here gets an answer in a documented shape with the right status: a POP gateway
error (``RequestId``, ``HostId``, ``Code``, ``Message``, ``Recommend``) or a DTS answer. A
dropped connection or a server traceback fails the test where the request is sent. Hypothesis
draws the non-ASCII text; hand-picked cases pin the answers and the official SDKs' exceptions.
``SignatureDoesNotMatch`` keeps the real gateway's "...server string to sign is:<string>" shape
that aliyun-python-sdk-core parses, with every value of that string replaced by ``*``.
"""

import http.client
import json
import logging
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.alibaba import DtsService, PopClient
from emulator.alibaba_auth import MASK, masked_rpc_string_to_sign, masked_v3_string_to_sign
from emulator.core import Emulator
from emulator.signing import signing

pytestmark = pytest.mark.integration

AK, SECRET = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"
STS_AK, STS_TOKEN = "STS.NTSTRICT0001", "CAIS-strict-token-0001"
UTF8_AK, UTF8_TOKEN = "STS.NTSTRICT0002", "CAIS-令牌-tökén"
JOB, OLD = "dtsstrict00001", "Old-Passw0rd-1"
MODIFY = {"DtsJobId": JOB, "Endpoint": "src", "UserName": "repl", "RegionId": "cn-hangzhou"}
PREFIX = "Specified signature is not matched with our calculation. server string to sign is:"
STYLES = ["v3", "rpc"]

FIXTURES = {"dts": {
    "access_keys": [{"id": AK, "secret": SECRET},
                    {"id": STS_AK, "secret": SECRET, "security_token": STS_TOKEN},
                    {"id": UTF8_AK, "secret": SECRET, "security_token": UTF8_TOKEN}],
    "jobs": [{"id": JOB, "region": "cn-hangzhou", "job_type": "SYNC",
              "source": {"user": "repl", "password": OLD}, "destination": {"user": "sink", "password": "Old-2"}}]}}

# Text with at least one non-ASCII character; no surrogates (not encodable) and no control
# characters (they cannot travel in a header line).
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
NON_ASCII = st.tuples(st.text(_CHARS, max_size=8), st.characters(min_codepoint=0x80, blacklist_categories=("Cs", "Cc")),
                      st.text(_CHARS, max_size=8)).map("".join)
# An access key id must stay one token of the Authorization header: no separators, no spaces.
NON_ASCII_TOKEN = NON_ASCII.filter(lambda s: "," not in s and ";" not in s and not any(c.isspace() for c in s))
FAST = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _make():
    emulator = Emulator(json.loads(json.dumps(FIXTURES)), service_classes=[DtsService])
    emulator.start()
    return emulator


@pytest.fixture(scope="module")
def shared():
    """One emulator for the Hypothesis properties (none of them changes state)."""
    emulator = _make()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu():
    emulator = _make()
    yield emulator
    emulator.stop()


def client(emu, style, ak=AK, secret=SECRET, token=None):
    return PopClient(emu.base_url, ak, secret, security_token=token, signature=style)


def send_raw(emu, prepared, latin1=()):
    """Send a prepared request with http.client, header values as UTF-8 bytes (``latin1``: as ISO-8859-1).

    Returns ``(status, json_body)``; a dropped connection raises.
    """
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        path = "/" + ("?" + signing.encode_query(prepared["query"]) if prepared["query"] else "")
        names = set(name.lower() for name in prepared["headers"])
        conn.putrequest(prepared["method"], path, skip_host="host" in names, skip_accept_encoding=True)
        for name, value in prepared["headers"].items():
            conn.putheader(name, value.encode("latin-1" if name.lower() in latin1 else "utf-8"))
        conn.putheader("Content-Length", str(len(prepared["body"])))
        conn.endheaders(prepared["body"] or None)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def call(emu, style, action, params=None, form=None, latin1=(), headers=None, **kwargs):
    return send_raw(emu, client(emu, style, **kwargs).prepare(action, params, form, headers=headers), latin1)


def assert_pop_error(status, body, want_status, code):
    assert status == want_status, body
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}, body
    assert body["Code"] == code, body
    assert body["RequestId"] in body["Recommend"]


def assert_masked(message):
    """After the colon: a string to sign whose every value is ``*`` (RPC) or a V3 hash line.

    ``message`` is the gateway's, or an SDK's text that contains it (tea adds "code: ..." before
    and " request id: ..." after).
    """
    assert PREFIX in message, message
    message = message[message.index(PREFIX):].split(" request id: ")[0]
    assert message.count(":") == 1, message
    masked = message.split(":")[1]
    if masked.startswith("ACS3-HMAC-SHA256\n"):
        assert len(masked.split("\n")[1]) == 64 and int(masked.split("\n")[1], 16) >= 0
        return
    method, slash, canonical = masked.split("&")
    assert (method, slash) in (("POST", "%2F"), ("GET", "%2F"))
    for pair in unquote(canonical).split("&"):
        assert pair.split("=")[1] == "%2A", pair  # '*' percent-encoded: no value survives


def stored_is(emu, password, endpoint="src"):
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    body = json.dumps({"endpoint": endpoint, "password": password})
    conn.request("POST", "/_emulator/dts/jobs/%s/verify" % JOB, body)
    return json.loads(conn.getresponse().read())["match"]


def business_error(status, body, code, dynamic):
    assert status == 200, body
    assert (body["Success"], body["ErrCode"], body["DynamicMessage"]) == (False, code, dynamic), body


# -- Hypothesis: non-ASCII in each place, both signature styles ----------------------------------


@FAST
@given(password=NON_ASCII, where=st.sampled_from(["query", "form"]), style=st.sampled_from(STYLES))
def test_non_ascii_password_is_refused_as_invalid_parameter(shared, password, where, style):
    """A correctly signed ModifyDtsJobPassword with a non-ASCII Password verifies, and DTS refuses it:
    InvalidParameter on Password; the stored password stays; the answer does not carry the value."""
    params, form = (dict(MODIFY, Password=password), None) if where == "query" else (MODIFY, {"Password": password})
    status, body = call(shared, style, "ModifyDtsJobPassword", params, form)
    business_error(status, body, "InvalidParameter", "Password")
    assert password not in json.dumps(body, ensure_ascii=False)
    assert stored_is(shared, OLD)


@FAST
@given(access_key=NON_ASCII_TOKEN, style=st.sampled_from(STYLES))
def test_non_ascii_access_key_id_is_not_found(shared, access_key, style):
    """A non-ASCII AccessKeyId (V3 Credential or RPC parameter) is 404 InvalidAccessKeyId.NotFound."""
    assert_pop_error(*call(shared, style, "DescribeDtsJobs", {"JobType": "SYNC"}, ak=access_key),
                     404, "InvalidAccessKeyId.NotFound")


@FAST
@given(token=NON_ASCII, style=st.sampled_from(STYLES))
def test_non_ascii_security_token_is_a_mismatch(shared, token, style):
    """A wrong, non-ASCII STS token (V3 header sent as UTF-8, RPC parameter) verifies as signed and is
    InvalidSecurityToken.MismatchWithAccessKey."""
    status, body = call(shared, style, "DescribeDtsJobs", {"JobType": "SYNC"}, ak=STS_AK, token=token)
    assert_pop_error(status, body, 400, "InvalidSecurityToken.MismatchWithAccessKey")
    assert token not in json.dumps(body, ensure_ascii=False)


@FAST
@given(signature=NON_ASCII, style=st.sampled_from(STYLES))
def test_non_ascii_signature_is_refused(shared, signature, style):
    """A non-ASCII signature: RPC 400 SignatureDoesNotMatch (masked string to sign), V3 400
    IncompleteSignature (the Authorization signature must be hex)."""
    prepared = client(shared, style).prepare("DescribeDtsJobs", {"JobType": "SYNC"})
    if style == "rpc":
        prepared["query"] = [(k, signature if k == "Signature" else v) for k, v in prepared["query"]]
        status, body = send_raw(shared, prepared)
        assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
        assert_masked(body["Message"])
    else:
        auth = prepared["headers"]["Authorization"]
        prepared["headers"]["Authorization"] = auth[:auth.index("Signature=") + 10] + signature
        assert_pop_error(*send_raw(shared, prepared), 400, "IncompleteSignature")


@FAST
@given(value=NON_ASCII, style=st.sampled_from(STYLES))
def test_non_ascii_header_value_sent_as_utf8(shared, value, style):
    """A non-ASCII user-agent sent as UTF-8: V3 signs it and hashes the bytes received, so it verifies;
    RPC does not sign headers, so it is ignored. Both answer the read."""
    status, body = call(shared, style, "DescribeDtsJobs", {"JobType": "SYNC"}, headers={"user-agent": value})
    assert status == 200 and body["Success"] is True, body


@FAST
@given(pairs=st.lists(st.tuples(st.text(_CHARS, min_size=1, max_size=12), st.text(_CHARS, max_size=12)), max_size=4),
       action=st.sampled_from(["ModifyDtsJobPassword", "StartDtsJob", "DescribeDtsJobDetail", "DescribeDtsJobs",
                               "Dëscribe"]),
       style=st.sampled_from(STYLES))
def test_any_signed_parameters_get_a_documented_answer(shared, pairs, action, style):
    """Signed requests with arbitrary parameter names and values are answered: a DTS answer or a POP
    error with a documented status, never a dropped connection."""
    prepared = client(shared, style).prepare(action, dict(pairs))
    status, body = send_raw(shared, prepared)
    assert isinstance(body, dict), body
    if "Success" in body:
        assert status == 200 and isinstance(body["Success"], bool) and body["RequestId"], body
    else:
        assert status in (400, 404) and set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}, body


# -- hand-picked cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_correct_non_ascii_token_verifies(emu, style):
    """An STS key whose token is non-ASCII works when the token arrives as UTF-8."""
    status, body = call(emu, style, "DescribeDtsJobs", {"JobType": "SYNC"}, ak=UTF8_AK, token=UTF8_TOKEN)
    assert status == 200 and body["Success"] is True, body


def test_header_signed_as_utf8_but_sent_as_latin1_does_not_match(emu):
    """Signing the UTF-8 of a value and sending it as ISO-8859-1 (what http.client, and so the official
    V3 SDK, do with a non-ASCII str) is SignatureDoesNotMatch: the gateway hashes the bytes it got."""
    status, body = call(emu, "v3", "DescribeDtsJobs", {"JobType": "SYNC"}, headers={"user-agent": "tëst"},
                        latin1=("user-agent",))
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
    assert_masked(body["Message"])


@pytest.mark.parametrize("style", STYLES)
def test_non_ascii_timestamp_is_a_format_error(emu, style):
    """x-acs-date / Timestamp with non-ASCII digits: InvalidTimeStamp.Format."""
    prepared = client(emu, style).prepare("DescribeDtsJobs", {"JobType": "SYNC"}, date="２０２４-01-02T03:04:05Z")
    assert_pop_error(*send_raw(emu, prepared), 400, "InvalidTimeStamp.Format")


def test_form_body_that_is_not_utf8(emu):
    """A form body with bytes that are not UTF-8: V3-signed as such it verifies and the password is
    invalid; under RPC it cannot match the signature. Neither drops the connection."""
    body = b"Password=\xff\xfe\xfd"
    headers = signing.aliyun_v3_sign("POST", "127.0.0.1:%d" % emu.port, "/", list(MODIFY.items()),
                                     {"content-type": "application/x-www-form-urlencoded"}, body, AK, SECRET,
                                     "ModifyDtsJobPassword", "2020-01-01")
    business_error(*send_raw(emu, {"method": "POST", "query": list(MODIFY.items()), "headers": headers,
                                   "body": body}), "InvalidParameter", "Password")
    prepared = client(emu, "rpc").prepare("ModifyDtsJobPassword", MODIFY, {"Password": "x"})
    prepared["body"] = body
    assert_pop_error(*send_raw(emu, prepared), 400, "SignatureDoesNotMatch")
    assert stored_is(emu, OLD)


def test_password_with_a_control_character_is_invalid(emu):
    """Password characters must be printable ASCII: a tab is refused like a non-ASCII letter."""
    business_error(*call(emu, "v3", "ModifyDtsJobPassword", dict(MODIFY, Password="Tab\tPassw0rd")),
                   "InvalidParameter", "Password")


def test_admin_verify_with_any_text_answers(emu):
    """The admin verify route compares any text, even a lone surrogate, without failing."""
    for candidate in ("pässwörd", "\ud800", OLD):
        conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
        conn.request("POST", "/_emulator/dts/jobs/%s/verify" % JOB,
                     json.dumps({"endpoint": "src", "password": candidate}).encode())
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read()) == {"match": candidate == OLD}


# -- SignatureDoesNotMatch: masked string to sign -------------------------------------------------


@pytest.mark.parametrize("style,where", [("rpc", "query"), ("rpc", "form"), ("v3", "query"), ("v3", "form")])
def test_signature_mismatch_masks_every_value(emu, style, where):
    """A wrong secret on a password change: the message has the real shape, the string to sign after
    the colon is the client's own one with every value masked (a client can compare), and neither the
    password (in any encoding) nor the secret appears."""
    password = "Leak Me*~!&=Pw"
    params, form = (dict(MODIFY, Password=password), None) if where == "query" else (MODIFY, {"Password": password})
    prepared = client(emu, style, secret="wrong-secret").prepare("ModifyDtsJobPassword", params, form)
    status, body = send_raw(emu, prepared)
    assert_pop_error(status, body, 400, "SignatureDoesNotMatch")
    message = body["Message"]
    assert_masked(message)
    if style == "rpc":
        own = masked_rpc_string_to_sign("POST", [p for p in prepared["query"] if p[0] != "Signature"]
                                        + list((form or {}).items()))
    else:
        names = prepared["headers"]["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
        own = masked_v3_string_to_sign("POST", "/", prepared["query"], names)
    assert message == PREFIX + own
    for leak in (password, signing.percent_encode(password), signing.percent_encode(signing.percent_encode(password)),
                 "Leak", SECRET, "wrong-secret", MASK * 2):
        assert leak not in message
    assert stored_is(emu, OLD)


def test_journal_and_state_carry_no_non_ascii_secret(emu):
    """After non-ASCII passwords and tokens, neither the journal nor the state holds them."""
    call(emu, "rpc", "ModifyDtsJobPassword", dict(MODIFY, Password="Pässwörd-Ünïcødé"))
    call(emu, "v3", "DescribeDtsJobs", {"JobType": "SYNC"}, ak=UTF8_AK, token=UTF8_TOKEN)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    text = ""
    for path in ("/_emulator/journal", "/_emulator/state"):
        conn.request("GET", path)
        text += conn.getresponse().read().decode()
    for secret in ("Pässwörd", "P\\u00e4ssw", "令牌", "\\u4ee4", OLD, SECRET):
        assert secret not in text


# -- official SDKs --------------------------------------------------------------------------------


def _acs(emu, ak, secret, action="DescribeDtsJobs", query=None, body=None, token=None):
    client_mod = pytest.importorskip("aliyunsdkcore.client")
    request_mod = pytest.importorskip("aliyunsdkcore.request")
    credentials = pytest.importorskip("aliyunsdkcore.auth.credentials")
    if token:
        credential = credentials.StsTokenCredential(ak, secret, token)
        acs = client_mod.AcsClient(region_id="cn-hangzhou", credential=credential, auto_retry=False)
    else:
        acs = client_mod.AcsClient(ak, secret, "cn-hangzhou", auto_retry=False)
    request = request_mod.CommonRequest(domain="127.0.0.1:%d" % emu.port, version="2020-01-01", action_name=action)
    request.set_protocol_type("http")
    request.set_method("POST")
    for key, value in (query or {"JobType": "SYNC"}).items():
        request.add_query_param(key, value)
    for key, value in (body or {}).items():
        request.add_body_params(key, value)
    return acs.do_action_with_exception(request)


@pytest.mark.sdk
@pytest.mark.parametrize("case,ak,secret,token,code,http_status", [
    ("wrong secret", AK, "not-the-secret", None, "SignatureDoesNotMatch", 400),
    ("non-ASCII secret", AK, "sécret-秘密", None, "SignatureDoesNotMatch", 400),
    ("unknown key", "LTAIunknown", SECRET, None, "InvalidAccessKeyId.NotFound", 404),
    ("non-ASCII key", "LTAIé-键", SECRET, None, "InvalidAccessKeyId.NotFound", 404),
    ("non-ASCII token", STS_AK, SECRET, "tökén-令牌", "InvalidSecurityToken.MismatchWithAccessKey", 400),
])
def test_sdk_core_acs_client_raises_server_exception(emu, caplog, case, ak, secret, token, code, http_status):
    """aliyun-python-sdk-core (RPC v1) raises ServerException with the code and status, not IndexError:
    its SignatureDoesNotMatch parsing finds the colon; what it logs carries no secret."""
    exceptions = pytest.importorskip("aliyunsdkcore.acs_exception.exceptions")
    with caplog.at_level(logging.ERROR, logger="aliyunsdkcore"), pytest.raises(exceptions.ServerException) as info:
        _acs(emu, ak, secret, "ModifyDtsJobPassword", MODIFY, {"Password": "Sdk-N3w-Pw"}, token=token)
    assert (info.value.get_error_code(), info.value.get_http_status()) == (code, http_status), case
    assert info.value.get_request_id()
    if code == "SignatureDoesNotMatch":
        assert_masked(info.value.get_error_msg())
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "ServerException occurred" in logged and code in logged
    for secret_value in ("Sdk-N3w-Pw", secret, token or SECRET):
        assert secret_value not in logged
    assert stored_is(emu, OLD)


@pytest.mark.sdk
def test_sdk_core_non_ascii_password_is_a_business_error(emu):
    """aliyun-python-sdk-core with a non-ASCII password: signed correctly, DTS answers InvalidParameter
    (HTTP 200 body); with dts_business_error_http_status the SDK raises ServerException."""
    exceptions = pytest.importorskip("aliyunsdkcore.acs_exception.exceptions")
    body = json.loads(_acs(emu, AK, SECRET, "ModifyDtsJobPassword", MODIFY, {"Password": "Pässwörd-密码"}))
    assert (body["Success"], body["ErrCode"], body["DynamicMessage"]) == (False, "InvalidParameter", "Password")
    emu.settings["dts_business_error_http_status"] = True
    with pytest.raises(exceptions.ServerException) as info:
        _acs(emu, AK, SECRET, "ModifyDtsJobPassword", MODIFY, {"Password": "Pässwörd-密码"})
    assert (info.value.get_error_code(), info.value.get_http_status()) == ("InvalidParameter", 400)
    assert stored_is(emu, OLD)


def _tea(emu, ak, secret, token=None, **config):
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    return dts_client.Client(openapi.Config(access_key_id=ak, access_key_secret=secret, security_token=token,
                                            protocol="http", endpoint="127.0.0.1:%d" % emu.port,
                                            region_id="cn-hangzhou", **config))


@pytest.mark.sdk
@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["v3", "rpc-v2"])
@pytest.mark.parametrize("case,ak,secret,token,code,http_status", [
    ("wrong secret", AK, "not-the-secret", None, "SignatureDoesNotMatch", 400),
    ("unknown key", "LTAIunknown", SECRET, None, "InvalidAccessKeyId.NotFound", 404),
    ("non-ASCII key", "LTAIé", SECRET, None, "InvalidAccessKeyId.NotFound", 404),
    ("non-ASCII token", STS_AK, SECRET, "tökén", None, 400),
])
def test_sdk_tea_client_raises_tea_exception(emu, config, case, ak, secret, token, code, http_status):
    """alibabacloud_dts20200101 (V3 and RPC v2 signing) raises a TeaException (ClientException) with the
    gateway code and status. A non-ASCII token: RPC sends it percent-encoded UTF-8 and it is a token
    mismatch; V3 signs its UTF-8 but sends it as ISO-8859-1, so the gateway's hash differs. (Under V3
    a key outside ISO-8859-1 never leaves the SDK: its HTTP layer cannot encode the header.)"""
    tea = pytest.importorskip("Tea.exceptions")
    models = pytest.importorskip("alibabacloud_dts20200101.models")
    if code is None:
        code = "InvalidSecurityToken.MismatchWithAccessKey" if config else "SignatureDoesNotMatch"
    with pytest.raises(tea.TeaException) as info:
        _tea(emu, ak, secret, token, **config).modify_dts_job_password(models.ModifyDtsJobPasswordRequest(
            dts_job_id=JOB, endpoint="src", user_name="repl", password="Tea-N3w-Pw", region_id="cn-hangzhou"))
    assert (info.value.code, info.value.status_code) == (code, http_status), case
    if code == "SignatureDoesNotMatch":
        assert_masked(info.value.message)
    assert "Tea-N3w-Pw" not in str(info.value)
    assert stored_is(emu, OLD)


@pytest.mark.sdk
@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["v3", "rpc-v2"])
def test_sdk_tea_client_non_ascii_password(emu, config):
    """alibabacloud_dts20200101 with a non-ASCII password: a parsed Success:false InvalidParameter body;
    with dts_business_error_http_status a TeaException with that code."""
    tea = pytest.importorskip("Tea.exceptions")
    models = pytest.importorskip("alibabacloud_dts20200101.models")
    request = models.ModifyDtsJobPasswordRequest(dts_job_id=JOB, endpoint="src", user_name="repl",
                                                 password="Pässwörd-密码", region_id="cn-hangzhou")
    body = _tea(emu, AK, SECRET, **config).modify_dts_job_password(request).body
    assert (body.success, body.err_code, body.dynamic_message) == (False, "InvalidParameter", "Password")
    emu.settings["dts_business_error_http_status"] = True
    with pytest.raises(tea.TeaException) as info:
        _tea(emu, AK, SECRET, **config).modify_dts_job_password(request)
    assert (info.value.code, info.value.status_code) == ("InvalidParameter", 400)
    assert stored_is(emu, OLD)
