"""The emulator core: admin API, secret-free state and journal, fault injection, clock, TLS, state file.

DRS (batch-status, batch-modify-pwd) and IAM (projects) serve as the cloud calls under test.
"""

import datetime
import json
import os
import stat
import time

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
TMP_AK, TMP_SK, TMP_TOKEN = "TMPAKEXAMPLE00000001", "tmpSecretKey0123456789abcdefghijABCDEFGH", "gQpzdG9rZW4tZXhhbXBsZQ"
IAM_PASSWORD = "Iam-Passw0rd!x"
JOB = "8d0e8e36-a618-490d-8a46-8c61ac9djb01"
JOB2 = "8d0e8e36-a618-490d-8a46-8c61ac9djb02"
SRC_PW, TGT_PW, NEW_PW = "Src-Old-Passw0rd!", "Tgt-Old-Passw0rd!", "N3w-Passw0rd!rotated"
SECRETS = (SK, TMP_SK, TMP_TOKEN, IAM_PASSWORD, SRC_PW, TGT_PW, NEW_PW)


def _job(job_id, name):
    return {"id": job_id, "name": name, "project_id": PROJECT, "status": "INCRE_TRANSFER_STARTED",
            "source": {"database": {"user": "repl"}, "password": SRC_PW},
            "target": {"database": {"user": "tgt"}, "password": TGT_PW}}


FIXTURES = {
    "iam": {"domains": [
        {"id": "d0000000000000000000000000000001", "name": "demo-domain",
         "users": [{"id": "u1", "name": "demo-user", "password": IAM_PASSWORD}],
         "projects": [{"id": PROJECT, "name": "cn-north-4"}],
         "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"},
                         {"access": TMP_AK, "secret": TMP_SK, "security_token": TMP_TOKEN, "user": "demo-user"}]},
    ]},
    "drs": {"jobs": [_job(JOB, "orders-sync")]},
}


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


def sdk_date(offset_seconds=0):
    return signing.huawei_date(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds))


def call(emu, method, path, body=None, timeout=10, verify=None, base=None, date=None):
    url = (base or emu.base_url) + path
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    hdrs = signing.huawei_sign(method, url, {"Content-Type": "application/json", "X-Project-Id": PROJECT}, data,
                               AK, SK, date=date)
    kwargs = {} if verify is None else {"verify": verify}
    return requests.request(method, url, headers=hdrs, data=data, timeout=timeout, **kwargs)


def status(emu, **kw):
    return call(emu, "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": [JOB]}, **kw)


def modify(emu, password=NEW_PW):
    return call(emu, "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT,
                {"jobs": [{"job_id": JOB, "end_point_type": "so", "db_password": password}]})


def admin(emu, method, path, body=None):
    kwargs = {} if body is None else {"json": body}
    return requests.request(method, emu.base_url + "/_emulator/" + path, timeout=10, **kwargs)


def fault(emu, spec):
    resp = admin(emu, "POST", "faults", spec)
    assert resp.status_code == 201, resp.text
    return resp.json()["faults"]


def stored(emu, job_id=JOB, side="source"):
    return next(j for j in emu.dump()["drs"]["jobs"] if j["id"] == job_id)[side]["password"]


# --- admin API, state and journal ---------------------------------------------------------------


def test_health_reports_base_url(emu):
    """GET /_emulator/health answers ok and the base URL."""
    resp = admin(emu, "GET", "health")
    assert resp.status_code == 200 and resp.json() == {"status": "ok", "base_url": emu.base_url}


def test_state_is_public_and_secret_free(emu):
    """GET /_emulator/state shows every service's resources but no password, secret key or token."""
    modify(emu)
    resp = admin(emu, "GET", "state")
    assert resp.status_code == 200
    state = resp.json()
    assert state["clock_skew"] == 0 and state["faults"] == []
    assert [j["id"] for j in state["drs"]["jobs"]] == [JOB]
    assert state["drs"]["jobs"][0]["source"]["user"] == "repl"
    assert {k["access"]: k["temporary"] for k in state["iam"]["access_keys"]} == {AK: False, TMP_AK: True}
    assert state["iam"]["domains"][0]["users"] == ["demo-user"]
    for secret in SECRETS:
        assert secret not in resp.text


def test_journal_records_calls_without_bodies_or_query_values(emu):
    """The journal has method/path/action/status/auth/latency per call, never a body, header or query value."""
    modify(emu)
    url = emu.base_url + "/v3/projects?name=QueryValueMustNotAppear"
    hdrs = signing.huawei_sign("GET", url, {"Content-Type": "application/json"}, b"", AK, SK)
    requests.get(url, headers=hdrs, timeout=10)
    admin(emu, "GET", "state")  # admin calls are not journalled
    resp = admin(emu, "GET", "journal")
    entries = resp.json()["entries"]
    assert [(e["method"], e["path"], e["action"], e["status"]) for e in entries] == [
        ("PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, "BatchResetPassword", 200),
        ("GET", "/v3/projects", "KeystoneListProjects", 200),
    ]
    assert entries[0]["write"] is True and entries[0]["cloud"] == "huawei" and entries[0]["service"] == "drs"
    assert entries[0]["auth"] == "aksk" and entries[0]["latency_ms"] >= 0
    text = resp.text
    assert "QueryValueMustNotAppear" not in text
    for secret in SECRETS:
        assert secret not in text
    assert "Authorization" not in text and "SDK-HMAC-SHA256" not in text


def test_journal_since_and_clear(emu):
    """``?since=seq`` returns newer entries only; DELETE empties the journal."""
    status(emu)
    first = admin(emu, "GET", "journal").json()["entries"][-1]["seq"]
    status(emu)
    status(emu)
    newer = requests.get(emu.base_url + "/_emulator/journal", params={"since": first}, timeout=10).json()["entries"]
    assert len(newer) == 2 and all(e["seq"] > first for e in newer)
    assert admin(emu, "DELETE", "journal").status_code == 204
    assert admin(emu, "GET", "journal").json()["entries"] == []


def test_unknown_admin_route_is_404_and_bad_input_400(emu):
    """Unknown admin paths answer 404; malformed admin input answers 400 instead of crashing."""
    assert admin(emu, "GET", "no-such-thing").status_code == 404
    assert admin(emu, "POST", "clock", {"skew_seconds": "soon"}).status_code == 400
    assert admin(emu, "POST", "faults", {"kind": "earthquake"}).status_code == 400
    assert admin(emu, "GET", "health").status_code == 200


def test_reset_restores_fixtures_and_clears_faults_clock_journal(emu):
    """POST /_emulator/reset reloads the start fixtures (or the body) and clears faults, clock skew and journal."""
    modify(emu)
    fault(emu, {"kind": "throttle", "count": 0})
    admin(emu, "POST", "clock", {"skew_seconds": 42})
    assert admin(emu, "POST", "reset").status_code == 204
    assert stored(emu) == SRC_PW
    state = admin(emu, "GET", "state").json()
    assert state["faults"] == [] and state["clock_skew"] == 0
    assert admin(emu, "GET", "journal").json()["entries"] == []
    assert status(emu).status_code == 200
    other = json.loads(json.dumps(FIXTURES))
    other["drs"]["jobs"] = [_job(JOB2, "replacement")]
    assert admin(emu, "POST", "reset", other).status_code == 204
    assert [j["id"] for j in emu.summary()["drs"]["jobs"]] == [JOB2]


def test_fixtures_route_merges_resources(emu):
    """POST /_emulator/fixtures adds resources to the running state, keeping the existing ones."""
    modify(emu)
    assert admin(emu, "POST", "fixtures", {"drs": {"jobs": [_job(JOB2, "added")]}}).status_code == 204
    assert sorted(j["id"] for j in emu.summary()["drs"]["jobs"]) == sorted([JOB, JOB2])
    assert stored(emu) == NEW_PW  # existing state kept


# --- faults -------------------------------------------------------------------------------------------


def test_throttle_fault_answers_429_with_retry_after(emu):
    """A throttle fault answers 429 APIGW.0308 with Retry-After, ``count`` times, then calls pass."""
    added = fault(emu, {"kind": "throttle", "count": 2, "retry_after": 3})
    assert added[0]["kind"] == "throttle"
    for dummy in range(2):
        resp = status(emu)
        assert resp.status_code == 429
        assert resp.headers["Retry-After"] == "3"
        assert resp.json()["error_code"] == "APIGW.0308"
        assert "ratelimit" in resp.json()["error_msg"]
    assert status(emu).status_code == 200
    assert admin(emu, "GET", "faults").json()["faults"] == []
    codes = [(e["status"], e["error_code"]) for e in emu.journal.entries()]
    assert codes == [(429, "APIGW.0308"), (429, "APIGW.0308"), (200, None)]


def test_throttle_default_retry_after_is_one_second(emu):
    """Without retry_after, the throttle response says Retry-After: 1."""
    fault(emu, {"kind": "throttle"})
    assert status(emu).headers["Retry-After"] == "1"


def test_fault_matching_by_action_and_write(emu):
    """A fault matching ``write: true`` (or an action) hits the password write and leaves reads alone."""
    fault(emu, {"kind": "throttle", "count": 0, "match": {"write": True}})
    assert status(emu).status_code == 200
    assert modify(emu).status_code == 429
    assert stored(emu) == SRC_PW
    assert admin(emu, "DELETE", "faults").status_code == 204
    fault(emu, {"kind": "throttle", "match": {"action": "BatchListJobStatus", "service": "drs"}})
    assert modify(emu).status_code == 200
    assert status(emu).status_code == 429


def test_fault_count_zero_lasts_until_cleared(emu):
    """``count: 0`` keeps the fault until DELETE /_emulator/faults; hits are counted."""
    fault(emu, {"kind": "error", "status": 503, "count": 0})
    for dummy in range(3):
        resp = status(emu)
        assert resp.status_code == 503 and resp.json()["error_code"] == "APIGW.0613"
    assert admin(emu, "GET", "faults").json()["faults"][0]["hits"] == 3
    admin(emu, "DELETE", "faults")
    assert status(emu).status_code == 200


@pytest.mark.parametrize("spec,status_code,code", [
    ({"kind": "error"}, 500, "APIGW.0601"),
    ({"kind": "error", "status": 502}, 502, "APIGW.0202"),
    ({"kind": "error", "status": 504}, 504, "APIGW.0203"),
    ({"kind": "error", "status": 500, "code": "DRS.M00004", "message": "Service is abnormal. Check logs."},
     500, "DRS.M00004"),
])
def test_error_fault_on_a_write_answers_5xx_and_applies_nothing(emu, spec, status_code, code):
    """An injected 5xx before the handler answers with the Huawei error body; the write is not applied."""
    fault(emu, spec)
    resp = modify(emu)
    assert resp.status_code == status_code
    assert resp.json()["error_code"] == code and resp.json()["request_id"]
    assert stored(emu) == SRC_PW
    assert modify(emu).status_code == 200


def test_several_faults_in_one_post_apply_in_order(emu):
    """A list of fault specs is accepted; the first matching fault is used first."""
    fault(emu, [{"kind": "throttle"}, {"kind": "error", "status": 500}])
    assert [status(emu).status_code for dummy in range(3)] == [429, 500, 200]


def test_latency_fault_delays_the_answer(emu):
    """A latency fault delays the response by ``delay`` seconds and then serves it normally."""
    fault(emu, {"kind": "latency", "delay": 0.3})
    started = time.perf_counter()
    resp = status(emu)
    assert resp.status_code == 200
    assert time.perf_counter() - started >= 0.3
    assert emu.journal.entries()[-1]["latency_ms"] >= 300


def test_drop_fault_closes_the_connection(emu):
    """A drop fault closes the connection without an answer; the journal says ``dropped``."""
    fault(emu, {"kind": "drop", "match": {"write": True}})
    with pytest.raises(requests.ConnectionError):
        modify(emu)
    entry = emu.journal.entries()[-1]
    assert (entry["status"], entry["error_code"], entry["action"]) == (0, "dropped", "BatchResetPassword")
    assert stored(emu) == SRC_PW
    assert modify(emu).status_code == 200


def test_timeout_fault_makes_the_client_time_out(emu):
    """A timeout fault holds the request for ``delay`` seconds, so a client with a shorter timeout gives up."""
    fault(emu, {"kind": "timeout", "delay": 0.6})
    with pytest.raises(requests.exceptions.ReadTimeout):
        status(emu, timeout=0.2)
    assert status(emu).status_code == 200


# --- clock ----------------------------------------------------------------------------------------------


def test_clock_skew_shifts_server_time(emu):
    """POST /_emulator/clock shifts emulator time: a client on real time is then outside the 15-minute window."""
    resp = admin(emu, "POST", "clock", {"skew_seconds": 1000})
    assert resp.json() == {"clock_skew": 1000.0}
    assert admin(emu, "GET", "state").json()["clock_skew"] == 1000.0
    assert emu.now() == pytest.approx(time.time() + 1000, abs=5)
    resp = status(emu)
    assert resp.status_code == 401 and "expired" in resp.json()["error_msg"]
    assert status(emu, date=sdk_date(1000)).status_code == 200
    admin(emu, "POST", "clock", {"skew_seconds": 0})
    assert status(emu).status_code == 200


# --- TLS --------------------------------------------------------------------------------------------------


def test_tls_mode_serves_https_with_the_generated_ca(emulator_factory):
    """With tls=True the emulator serves HTTPS; requests trusts it with verify=ca_file and refuses it without."""
    emu = emulator_factory(FIXTURES, tls=True)
    assert emu.base_url.startswith("https://127.0.0.1:")
    assert emu.ca_file and os.path.exists(emu.ca_file)
    resp = status(emu, verify=emu.ca_file)
    assert resp.status_code == 200 and resp.json()["results"][0]["id"] == JOB
    with pytest.raises(requests.exceptions.SSLError):
        status(emu)
    # the certificate also names localhost
    localhost = emu.base_url.replace("127.0.0.1", "localhost")
    assert status(emu, verify=emu.ca_file, base=localhost).status_code == 200
    health = requests.get(emu.base_url + "/_emulator/health", verify=emu.ca_file, timeout=10)
    assert health.json()["base_url"] == emu.base_url


def test_plain_http_client_cannot_talk_to_tls_emulator(emulator_factory):
    """An http:// request to the TLS port fails instead of being served in clear text."""
    emu = emulator_factory(FIXTURES, tls=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emu.base_url.replace("https://", "http://") + "/_emulator/health", timeout=5)


# --- state file ----------------------------------------------------------------------------------------------


def test_state_file_makes_a_restarted_emulator_the_same_cloud(emulator_factory, tmp_path):
    """State is written 0600 on stop (and on POST /save); a restart with the file ignores the fixtures."""
    state_file = str(tmp_path / "cloud-state.json")
    fixtures = dict(FIXTURES, settings={"token_ttl": 600})
    emu = emulator_factory(fixtures, state_file=state_file)
    assert not os.path.exists(state_file)
    assert modify(emu).status_code == 200
    assert admin(emu, "POST", "save").status_code == 204
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600
    with open(state_file) as handle:
        saved = json.load(handle)
    assert saved["settings"] == {"token_ttl": 600}
    assert saved["drs"]["jobs"][0]["source"]["password"] == NEW_PW  # the state file is the cloud's storage
    modify(emu, "Second-N3w-Passw0rd!")
    emu.stop()

    other = json.loads(json.dumps(FIXTURES))
    other["drs"]["jobs"] = [_job(JOB2, "would-be-ignored")]
    again = emulator_factory(other, state_file=state_file)
    assert [j["id"] for j in again.summary()["drs"]["jobs"]] == [JOB]
    assert stored(again) == "Second-N3w-Passw0rd!"
    assert again.setting("token_ttl", None) == 600
    assert status(again).status_code == 200
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600


def test_fault_after_applies_the_write_then_fails_the_response(emulator_factory):
    """An ``after`` fault lets the handler run (the write applies) and only then returns the error,
    so clients can be tested on "the write applied but the answer was a 5xx"."""
    import requests
    emu = emulator_factory({})
    requests.post(emu.base_url + "/_emulator/faults", json={
        "kind": "error", "status": 500, "after": True, "match": {"path": "^/_none_$"}})
    faults = requests.get(emu.base_url + "/_emulator/faults").json()["faults"]
    assert faults[0]["after"] is True
