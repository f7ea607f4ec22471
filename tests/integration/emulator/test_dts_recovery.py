"""DTS job recovery in the emulator (issue 10 items 4 and 5, Alibaba side): ``job_recovery`` /
``recovery`` auto | manual, ``StartDtsJob`` in every job status, and ``reconnect_delay``.

Each test starts its own emulator with an in-memory database checker for the endpoints that have
a ``database.ref``, so "the database password changed" is one assignment. Time moves with the
emulator's clock admin (``POST /_emulator/clock``), never with sleeps. Requests are signed by the
emulator's test client (V3 and RPC) or sent by the official ``alibabacloud_dts20200101`` client.
"""

import copy
import json
import os
import sys
import urllib.error
import urllib.request

import pytest

from emulator.alibaba import DtsService, PopClient
from emulator.core import Emulator

pytestmark = pytest.mark.integration

AK, SECRET = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"
SYNC, MANUAL, MIGR, SUB, TWOWAY, BOTH = ("dtsrecsync0001", "dtsrecmanual01", "dtsrecmigr0001", "dtsrecsub00001",
                                         "dtsrectwoway01", "dtsrecboth0001")
OLD, NEW, OLD_DST, NEW_DST = "Repl-Old-Passw0rd", "Repl-N3w-Passw0rd", "Sink-Old-Passw0rd", "Sink-N3w-Passw0rd"
STARTABLE = ["NotStarted", "PreCheckPass", "Suspending", "Failed", "MigrationFailed", "InitializeFailed", "Abnormal"]
REFUSED = ["Synchronizing", "synchronizing", "Initializing", "Migrating", "Retrying", "Normal", "NotConfigured",
           "Prechecking", "PrecheckFailed", "Upgrade", "Downgrade", "Locked", "Finished", "Starting"]


def endpoint(user, password, ref=None, **extra):
    ep = {"user": user, "password": password, "engine": "MySQL", "instance_id": "rm-" + user, "port": 3306}
    if ref:
        ep["database"] = {"ref": ref, "user": user}
    ep.update(extra)
    return ep


def job(job_id, job_type="SYNC", dest_ref=None, **extra):
    spec = {"id": job_id, "region": "cn-hangzhou", "job_type": job_type,
            "source": endpoint("repl", OLD, ref="db-src"), "destination": endpoint("sink", OLD_DST, ref=dest_ref)}
    spec.update(extra)
    return spec


FIXTURES = {"dts": {"access_keys": [{"id": AK, "secret": SECRET}], "jobs": [
    job(SYNC),
    job(MANUAL, recovery="manual"),
    job(MIGR, "MIGRATION", recovery="manual"),
    job(SUB, "SUBSCRIBE", recovery="manual"),
    job(TWOWAY, recovery="manual", reverse=True, dest_ref="db-dst"),
    job(BOTH, dest_ref="db-dst"),
]}}


class FakeDatabases:
    """Checkers registered with emu.databases: user -> password per database ref."""

    def __init__(self, emu):
        self.accounts = {"db-src": {"repl": OLD}, "db-dst": {"sink": OLD_DST}}
        for ref in self.accounts:
            emu.databases.register(ref, self._checker(ref))

    def _checker(self, ref):
        return lambda user, password: self.accounts[ref].get(user) == password


def start_emulator(settings=None, jobs=None, state_file=None):
    fixtures = copy.deepcopy(FIXTURES)
    if settings:
        fixtures["settings"] = settings
    if jobs is not None:
        fixtures["dts"]["jobs"] = jobs
    emulator = Emulator(fixtures, service_classes=[DtsService], state_file=state_file)
    emulator.start()
    return emulator


@pytest.fixture
def emulators():
    started = []

    def make(**kwargs):
        emulator = start_emulator(**kwargs)
        started.append(emulator)
        return emulator, FakeDatabases(emulator)

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emu(emulators):
    return emulators()


def call(emulator, action, params, signature="v3"):
    return PopClient(emulator.base_url, AK, SECRET, signature=signature).call(action, params)


def start(emulator, job_id, signature="v3", **extra):
    status, dummy, body = call(emulator, "StartDtsJob", dict({"DtsJobId": job_id, "RegionId": "cn-hangzhou"}, **extra),
                               signature)
    return status, body


def modify(emulator, job_id, password, ep="src", user="repl", **extra):
    params = dict({"DtsJobId": job_id, "Endpoint": ep, "UserName": user, "Password": password}, **extra)
    status, dummy, body = call(emulator, "ModifyDtsJobPassword", params)
    assert status == 200 and body["Success"] is True, body


def detail(emulator, job_id, **extra):
    status, dummy, body = call(emulator, "DescribeDtsJobDetail", dict({"DtsJobId": job_id}, **extra))
    assert status == 200 and body["Success"] is True, body
    return body


def status_of(emulator, job_id, **extra):
    return detail(emulator, job_id, **extra)["Status"]


def admin(emulator, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emulator.base_url + "/_emulator/" + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def set_status(emulator, job_id, status, **extra):
    assert admin(emulator, "POST", "dts/jobs/%s/status" % job_id, dict({"status": status}, **extra))[0] == 200


def clock(emulator, seconds):
    assert admin(emulator, "POST", "clock", {"skew_seconds": seconds})[0] == 200


def summary(emulator, job_id):
    return next(j for j in admin(emulator, "GET", "state")[1]["dts"]["jobs"] if j["id"] == job_id)


def business_error(status, body, code, dynamic, http_status_code):
    assert status == 200, body
    assert (body["Success"], body["ErrCode"], body["Code"]) == (False, code, code), body
    assert (body["DynamicMessage"], body["HttpStatusCode"]) == (dynamic, http_status_code), body


def rotate_database(dbs, ref="db-src", user="repl", password=NEW):
    dbs.accounts[ref][user] = password


# -- auto vs manual -------------------------------------------------------------------------------


def test_auto_is_the_default_and_recovers_after_the_password_update(emu):
    """Without settings a job recovers by itself: Failed while its stored password is refused,
    Synchronizing again at the next read after ModifyDtsJobPassword, no StartDtsJob needed."""
    emulator, dbs = emu
    assert summary(emulator, SYNC)["recovery"] == "auto"
    rotate_database(dbs)
    failed = detail(emulator, SYNC)
    assert failed["Status"] == "Failed" and "Access denied for user 'repl'" in failed["ErrorMessage"]
    modify(emulator, SYNC, NEW)
    assert (detail(emulator, SYNC)["Status"], detail(emulator, SYNC)["ErrorMessage"]) == ("Synchronizing", "")


def test_manual_job_stays_failed_until_start(emu):
    """recovery: manual - the corrected password, and even the database restored, leave the job Failed;
    StartDtsJob re-checks the stored password and the job is Synchronizing again."""
    emulator, dbs = emu
    rotate_database(dbs)
    assert status_of(emulator, MANUAL) == "Failed"
    modify(emulator, MANUAL, NEW)
    assert [status_of(emulator, MANUAL) for dummy in range(3)] == ["Failed"] * 3
    assert "Access denied" in detail(emulator, MANUAL)["ErrorMessage"]
    status, body = start(emulator, MANUAL)
    assert status == 200 and body["Success"] is True and body["HttpStatusCode"] == 200, body
    assert (detail(emulator, MANUAL)["Status"], detail(emulator, MANUAL)["ErrorMessage"]) == ("Synchronizing", "")


def test_manual_job_does_not_recover_when_the_database_is_restored(emu):
    """A manual job failed by the health check stays Failed when the old password works again."""
    emulator, dbs = emu
    rotate_database(dbs)
    assert status_of(emulator, MANUAL) == "Failed"
    rotate_database(dbs, password=OLD)
    assert status_of(emulator, MANUAL) == "Failed"
    assert start(emulator, MANUAL)[1]["Success"] is True
    assert status_of(emulator, MANUAL) == "Synchronizing"


def test_start_with_the_stored_password_still_wrong_fails_again(emu):
    """StartDtsJob is accepted, the re-check fails: Failed again with a fresh authentication message;
    after the password update a second start succeeds."""
    emulator, dbs = emu
    rotate_database(dbs)
    assert status_of(emulator, MANUAL) == "Failed"
    status, body = start(emulator, MANUAL)
    assert status == 200 and body["Success"] is True
    failed = detail(emulator, MANUAL)
    assert failed["Status"] == "Failed" and "Access denied for user 'repl'" in failed["ErrorMessage"]
    modify(emulator, MANUAL, NEW)
    assert start(emulator, MANUAL)[1]["Success"] is True
    assert status_of(emulator, MANUAL) == "Synchronizing"


def test_global_manual_setting_and_a_job_that_overrides_it(emulators):
    """settings.job_recovery: manual applies to every job without its own value; a job with
    recovery: auto still recovers by itself."""
    jobs = [job(SYNC), job(BOTH, recovery="auto")]
    emulator, dbs = emulators(settings={"job_recovery": "manual"}, jobs=jobs)
    assert (summary(emulator, SYNC)["recovery"], summary(emulator, BOTH)["recovery"]) == ("manual", "auto")
    rotate_database(dbs)
    assert (status_of(emulator, SYNC), status_of(emulator, BOTH)) == ("Failed", "Failed")
    modify(emulator, SYNC, NEW)
    modify(emulator, BOTH, NEW)
    assert (status_of(emulator, SYNC), status_of(emulator, BOTH)) == ("Failed", "Synchronizing")


@pytest.mark.parametrize("job_id,failed,running", [(MIGR, "MigrationFailed", "Migrating"), (SUB, "Abnormal", "Normal")])
def test_start_recovers_migration_and_change_tracking_jobs(emu, job_id, failed, running):
    """Each job type fails as its own failed status and StartDtsJob brings back its running status."""
    emulator, dbs = emu
    rotate_database(dbs)
    assert status_of(emulator, job_id) == failed
    modify(emulator, job_id, NEW)
    assert status_of(emulator, job_id) == failed
    assert start(emulator, job_id)[1]["Success"] is True
    assert status_of(emulator, job_id) == running


def test_start_returns_to_the_status_before_the_failure(emu):
    """A job that failed while Retrying comes back as Synchronizing; one that failed while
    Initializing comes back as Initializing."""
    emulator, dbs = emu
    for before, after in (("Retrying", "Synchronizing"), ("Initializing", "Initializing")):
        rotate_database(dbs, password=OLD)
        set_status(emulator, MANUAL, before)
        rotate_database(dbs)
        assert status_of(emulator, MANUAL) == "Failed"
        rotate_database(dbs, password=OLD)
        assert start(emulator, MANUAL)[1]["Success"] is True
        assert status_of(emulator, MANUAL) == after


def test_start_restarts_only_the_named_direction(emu):
    """A manual two-way job with both directions failed: StartDtsJob with SynchronizationDirection
    Reverse brings back the reverse direction only."""
    emulator, dbs = emu
    rotate_database(dbs)
    rotate_database(dbs, "db-dst", "sink", NEW_DST)
    assert status_of(emulator, TWOWAY) == "Failed"
    assert status_of(emulator, TWOWAY, SynchronizationDirection="Reverse") == "Failed"
    # Forward: source repl, destination sink; Reverse: the same accounts, swapped.
    for direction, repl_side, sink_side in (("Forward", "src", "dest"), ("Reverse", "dest", "src")):
        modify(emulator, TWOWAY, NEW, ep=repl_side, user="repl", SynchronizationDirection=direction)
        modify(emulator, TWOWAY, NEW_DST, ep=sink_side, user="sink", SynchronizationDirection=direction)
    assert start(emulator, TWOWAY, SynchronizationDirection="Reverse")[1]["Success"] is True
    assert status_of(emulator, TWOWAY, SynchronizationDirection="Reverse") == "Synchronizing"
    assert status_of(emulator, TWOWAY) == "Failed"
    assert start(emulator, TWOWAY)[1]["Success"] is True
    assert status_of(emulator, TWOWAY) == "Synchronizing"


# -- StartDtsJob in each status -------------------------------------------------------------------


@pytest.mark.parametrize("state", STARTABLE)
def test_start_is_accepted_in_stopped_and_failed_states(emu, state):
    """In a state it accepts, StartDtsJob starts the job: the type's running status, error cleared
    (a failure not caused by the password, set by the admin, is taken as fixed by the restart)."""
    emulator, dummy = emu
    set_status(emulator, SYNC, state, error_message="DTS-1001: disk full" if "ail" in state else "")
    status, body = start(emulator, SYNC)
    assert status == 200 and set(body) == {"RequestId", "HttpStatusCode", "Success"} and body["Success"] is True
    assert (detail(emulator, SYNC)["Status"], detail(emulator, SYNC)["ErrorMessage"]) == ("Synchronizing", "")


@pytest.mark.parametrize("state", REFUSED)
def test_start_is_refused_in_running_and_transitional_states(emu, state):
    """In any other state StartDtsJob is DTS.Msg.OperationDenied.JobStatus naming the status (logical
    403), and the job is unchanged."""
    emulator, dummy = emu
    set_status(emulator, SYNC, state)
    business_error(*start(emulator, SYNC), "DTS.Msg.OperationDenied.JobStatus", state, 403)
    assert summary(emulator, SYNC)["status"] == state


def test_start_is_refused_while_modifying(emu):
    """Modifying: DTS.Msg.OperationDenied.JobStatusModifying (retry later), as for a password change."""
    emulator, dummy = emu
    set_status(emulator, SYNC, "Modifying")
    business_error(*start(emulator, SYNC), "DTS.Msg.OperationDenied.JobStatusModifying", "Modifying", 403)


def test_start_refused_with_the_business_error_http_status_setting(emulators):
    """With dts_business_error_http_status the refusal is HTTP 403."""
    emulator, dummy = emulators(settings={"dts_business_error_http_status": True})
    status, body = start(emulator, SYNC)
    assert status == 403 and body["ErrCode"] == "DTS.Msg.OperationDenied.JobStatus"


def test_start_parameter_errors(emu):
    """Unknown job or other region: InvalidParameter DtsJobId; no DtsJobId: 400 MissingDtsJobId;
    Reverse on a one-way job or an unknown direction: InvalidParameter SynchronizationDirection."""
    emulator, dummy = emu
    business_error(*start(emulator, "nosuchjob00001"), "InvalidParameter", "DtsJobId", 400)
    business_error(*start(emulator, SYNC, RegionId="cn-beijing"), "InvalidParameter", "DtsJobId", 400)
    business_error(*start(emulator, SYNC, SynchronizationDirection="Reverse"), "InvalidParameter",
                   "SynchronizationDirection", 400)
    business_error(*start(emulator, SYNC, SynchronizationDirection="Sideways"), "InvalidParameter",
                   "SynchronizationDirection", 400)
    status, dummy, body = call(emulator, "StartDtsJob", {"RegionId": "cn-hangzhou"})
    assert (status, body["Code"]) == (400, "MissingDtsJobId")
    set_status(emulator, SYNC, "Suspending")
    assert start(emulator, SYNC, DtsInstanceId="dts" + SYNC)[1]["Success"] is True


@pytest.mark.parametrize("signature", ["v3", "rpc"])
def test_start_is_a_signed_write(emu, signature):
    """StartDtsJob verifies under both signatures, is journalled as a write, and a tampered request
    changes nothing."""
    emulator, dummy = emu
    set_status(emulator, SYNC, "Suspending")
    client = PopClient(emulator.base_url, AK, SECRET, signature=signature)
    prepared = client.prepare("StartDtsJob", {"DtsJobId": SYNC})
    prepared["query"] = [(k, MANUAL if v == SYNC else v) for k, v in prepared["query"]]
    status, dummy, body = client.send(prepared)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert summary(emulator, SYNC)["status"] == "Suspending"
    assert start(emulator, SYNC, signature)[1]["Success"] is True
    entry = emulator.journal.entries()[-1]
    assert (entry["action"], entry["write"], entry["status"], entry["auth"]) == (
        "StartDtsJob", True, 200, "acs3" if signature == "v3" else "rpc-hmac-sha1")


# -- reconnect delay ------------------------------------------------------------------------------


def test_reconnect_delay_keeps_the_job_running_for_a_while(emulators):
    """settings.reconnect_delay: 30 - the job keeps synchronizing 29 s after the first check that saw
    its stored password refused, and is Failed once 30 s have passed (emulator clock)."""
    emulator, dbs = emulators(settings={"reconnect_delay": 30})
    rotate_database(dbs)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 29)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 31)
    failed = detail(emulator, SYNC)
    assert failed["Status"] == "Failed" and "repl" in failed["ErrorMessage"]


def test_password_update_within_the_delay_never_fails_the_job(emulators):
    """The rotation's order (database first, then ModifyDtsJobPassword) within the delay: the job never
    fails, even long after."""
    emulator, dbs = emulators(settings={"reconnect_delay": 30, "job_recovery": "manual"})
    rotate_database(dbs)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 10)
    modify(emulator, SYNC, NEW)
    for skew in (10, 40, 100):
        clock(emulator, skew)
        assert status_of(emulator, SYNC) == "Synchronizing"


def test_a_wrong_new_password_fails_at_once_despite_the_delay(emulators):
    """The endpoint whose password ModifyDtsJobPassword changed reconnects with it: a wrong one fails
    the job at once."""
    emulator, dummy = emulators(settings={"reconnect_delay": 300})
    modify(emulator, SYNC, "Not-The-Db-Passw0rd")
    assert summary(emulator, SYNC)["status"] == "Failed"


def test_the_other_endpoint_keeps_its_own_delay(emulators):
    """Both databases rotated; updating the source reconnects the source only: the destination keeps
    its delay and then fails the job, naming the destination."""
    emulator, dbs = emulators(settings={"reconnect_delay": 30})
    rotate_database(dbs)
    rotate_database(dbs, "db-dst", "sink", NEW_DST)
    assert status_of(emulator, BOTH) == "Synchronizing"
    modify(emulator, BOTH, NEW)
    assert status_of(emulator, BOTH) == "Synchronizing"
    clock(emulator, 31)
    failed = detail(emulator, BOTH)
    assert failed["Status"] == "Failed" and "destination database db-dst" in failed["ErrorMessage"]


def test_a_refusal_that_stops_restarts_the_delay(emulators):
    """The delay counts from the first check of the current refusal: a password restored in between
    is forgotten, and a later change gets the full delay again."""
    emulator, dbs = emulators(settings={"reconnect_delay": 30})
    rotate_database(dbs)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 20)
    rotate_database(dbs, password=OLD)
    assert status_of(emulator, SYNC) == "Synchronizing"
    rotate_database(dbs)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 45)
    assert status_of(emulator, SYNC) == "Synchronizing"
    clock(emulator, 51)
    assert status_of(emulator, SYNC) == "Failed"


def test_job_delay_overrides_the_setting_and_manual_still_needs_start(emulators):
    """A job's reconnect_delay: 0 wins over the setting; under manual recovery the failed job then
    needs StartDtsJob even after the update."""
    jobs = [job(SYNC), job(MANUAL, recovery="manual", reconnect_delay=0)]
    emulator, dbs = emulators(settings={"reconnect_delay": 600}, jobs=jobs)
    assert (summary(emulator, SYNC)["reconnect_delay"], summary(emulator, MANUAL)["reconnect_delay"]) == (600, 0)
    rotate_database(dbs)
    assert (status_of(emulator, SYNC), status_of(emulator, MANUAL)) == ("Synchronizing", "Failed")
    modify(emulator, MANUAL, NEW)
    assert status_of(emulator, MANUAL) == "Failed"
    assert start(emulator, MANUAL)[1]["Success"] is True
    assert status_of(emulator, MANUAL) == "Synchronizing"


# -- fixtures, state ------------------------------------------------------------------------------


@pytest.mark.parametrize("settings,jobs,message", [
    ({"job_recovery": "sometimes"}, None, "settings.job_recovery"),
    ({"reconnect_delay": -1}, None, "settings.reconnect_delay"),
    ({"reconnect_delay": "30"}, None, "settings.reconnect_delay"),
    (None, [job(SYNC, recovery="Manual")], "recovery"),
    (None, [job(SYNC, reconnect_delay=True)], "reconnect_delay"),
])
def test_bad_recovery_settings_are_refused_at_load(settings, jobs, message):
    """A recovery mode other than auto/manual, or a delay that is not a number >= 0, is a fixture error."""
    with pytest.raises(ValueError, match=message):
        start_emulator(settings=settings, jobs=jobs)


def test_state_file_keeps_recovery_and_failure(tmp_path):
    """A restarted emulator (state file) is the same cloud: the manual job is still failed by its
    password and still needs StartDtsJob; the delay's start is kept too."""
    state = str(tmp_path / "state.json")
    first = start_emulator(settings={"reconnect_delay": 30}, state_file=state)
    dbs = FakeDatabases(first)
    rotate_database(dbs)
    assert (status_of(first, SYNC), status_of(first, MANUAL)) == ("Synchronizing", "Synchronizing")
    clock(first, 31)
    assert status_of(first, MANUAL) == "Failed"  # SYNC is not read again: its delay is still running
    first.stop()
    saved = {j["id"]: j for j in json.load(open(state))["dts"]["jobs"]}
    assert saved[MANUAL]["recovery"] == "manual" and saved[MANUAL]["auth_failed"] is True
    assert set(saved[SYNC]["denied_since"]) == {"source"}
    second = start_emulator(state_file=state)
    try:
        dbs = FakeDatabases(second)
        rotate_database(dbs)
        clock(second, 31)
        assert status_of(second, SYNC) == "Failed"
        rotate_database(dbs, password=OLD)
        assert status_of(second, MANUAL) == "Failed"
        assert start(second, MANUAL)[1]["Success"] is True and status_of(second, MANUAL) == "Synchronizing"
    finally:
        second.stop()


def test_no_password_in_journal_or_state_after_recovery(emu):
    """The journal and the state summary carry no password through a fail-update-start cycle."""
    emulator, dbs = emu
    rotate_database(dbs)
    status_of(emulator, MANUAL)
    modify(emulator, MANUAL, NEW)
    start(emulator, MANUAL)
    text = json.dumps(admin(emulator, "GET", "state")[1]) + json.dumps(admin(emulator, "GET", "journal")[1])
    for secret in (OLD, NEW, OLD_DST, SECRET, "Passw0rd"):
        assert secret not in text


# -- official SDK ---------------------------------------------------------------------------------


@pytest.mark.sdk
@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["v3", "rpc-v2"])
def test_sdk_client_starts_a_failed_job(emu, config):
    """alibabacloud_dts20200101's start_dts_job (V3, and RPC with signature_algorithm v2) recovers a
    manual job after the password update; on a running job it gets the parsed refusal."""
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    models = pytest.importorskip("alibabacloud_dts20200101.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    sdk = dts_client.Client(openapi.Config(access_key_id=AK, access_key_secret=SECRET, protocol="http",
                                           endpoint="127.0.0.1:%d" % emu[0].port, region_id="cn-hangzhou", **config))
    emulator, dbs = emu
    rotate_database(dbs)
    assert status_of(emulator, MANUAL) == "Failed"
    modify(emulator, MANUAL, NEW)
    assert status_of(emulator, MANUAL) == "Failed"
    response = sdk.start_dts_job(models.StartDtsJobRequest(dts_job_id=MANUAL, region_id="cn-hangzhou"))
    assert response.status_code == 200 and response.body.success is True and response.body.http_status_code == 200
    assert response.body.request_id
    assert status_of(emulator, MANUAL) == "Synchronizing"
    refused = sdk.start_dts_job(models.StartDtsJobRequest(dts_job_id=MANUAL, region_id="cn-hangzhou")).body
    assert (refused.success, refused.err_code, refused.dynamic_message, refused.http_status_code) == (
        False, "DTS.Msg.OperationDenied.JobStatus", "Synchronizing", 403)
    assert emulator.journal.entries()[-1]["auth"] == ("acs3" if not config else "rpc-hmac-sha1")


def _collection_dts_api(emulator):
    """The collection's DtsApi on a real AlibabaClient (V3, no retries) aimed at the emulator."""
    collections = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir,
                               ".collections")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "credrotate", "cloud")):
        pytest.skip("the collection is not importable: %s has no ansible_collections/credrotate/cloud" % collections)
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import AlibabaClient
    from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import DtsApi
    from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
    from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Transport

    params = {"access_key": AK, "secret_key": SECRET, "region": "cn-hangzhou", "endpoint_url": emulator.base_url}
    return DtsApi(AlibabaClient(params, Transport(timeout=10), Retry(attempts=1)))


def test_collection_adapter_starts_a_failed_job(emu):
    """plugins/module_utils/_dts_api.py: modify_password then start_job recovers a manual job; a second
    start on the running job raises DTS's JobStatus refusal, which the adapter names in JOB_STATUS_DENIED."""
    emulator, dbs = emu
    api = _collection_dts_api(emulator)
    from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import JOB_STATUS_DENIED
    from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CloudError

    rotate_database(dbs)
    assert api.describe(MANUAL)[0]["Status"] == "Failed"
    api.modify_password(MANUAL, "source", "repl", NEW)
    assert api.describe(MANUAL)[0]["Status"] == "Failed"
    result = api.start_job(MANUAL)
    assert result.data["Success"] is True and result.request_id
    assert api.describe(MANUAL)[0]["Status"] == "Synchronizing"
    with pytest.raises(CloudError) as info:
        api.start_job(MANUAL)
    assert info.value.code == JOB_STATUS_DENIED[0] and "Synchronizing" in info.value.message
    entry = emulator.journal.entries()[-1]
    assert (entry["action"], entry["write"], entry["auth"]) == ("StartDtsJob", True, "acs3")
