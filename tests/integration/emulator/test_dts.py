"""The emulator's Alibaba DTS 2020-01-01 service: ModifyDtsJobPassword, DescribeDtsJobDetail,
DescribeDtsJobs, job health against the databases, admin routes, state, and the official SDKs.
"""

import json
import os
import socket
import stat
import urllib.error
import urllib.request
import uuid

import pytest

from emulator.alibaba import DtsService, PopClient
from emulator.core import Emulator

AK, SECRET = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"
SYNC, MIGR, TWOWAY, LOCKED_PW = "dtssync0000001", "dtsmigr0000001", "dtstwoway00001", "dtsnopw0000001"
SUB = "dtssub00000001"
MYSQL_DSN = os.environ.get("CREDROTATE_TEST_MYSQL_DSN", "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock")


def endpoint(user, password, ref=None, **extra):
    ep = {"user": user, "password": password, "engine": "MySQL", "instance_id": "rm-" + user, "instance_type": "RDS",
          "ip": "10.0.0.8", "port": 3306, "region": "cn-hangzhou", "database_name": "orders"}
    if ref:
        ep["database"] = {"ref": ref, "user": user}
    ep.update(extra)
    return ep


def fixtures():
    return {
        "dts": {
            "access_keys": [{"id": AK, "secret": SECRET}],
            "jobs": [
                {"id": SYNC, "name": "orders-sync", "instance_id": "dtsi" + SYNC, "region": "cn-hangzhou",
                 "job_type": "SYNC", "status": "Synchronizing",
                 "source": endpoint("repl_src", "Src-Passw0rd", ref="db-src"),
                 "destination": endpoint("repl_dst", "Dst-Passw0rd", ref="db-dst")},
                {"id": MIGR, "name": "orders-migration", "region": "cn-hangzhou", "job_type": "MIGRATION",
                 "status": "Migrating",
                 "source": endpoint("mig_src", "Mig-Passw0rd", ref="db-src"),
                 "destination": endpoint("mig_dst", "MigD-Passw0rd")},
                {"id": TWOWAY, "name": "two-way", "region": "cn-hangzhou", "job_type": "SYNC",
                 "status": "Synchronizing", "reverse": True,
                 "source": endpoint("tw_a", "TwA-Passw0rd"), "destination": endpoint("tw_b", "TwB-Passw0rd")},
                {"id": LOCKED_PW, "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
                 "source": endpoint("np_src", "Np-Passw0rd", can_modify_password=False),
                 "destination": endpoint("np_dst", "NpD-Passw0rd")},
                {"id": SUB, "region": "cn-beijing", "job_type": "SUBSCRIBE", "status": "Normal",
                 "source": endpoint("sub_src", "Sub-Passw0rd")},
            ],
        },
    }


class FakeDatabases:
    """Checkers registered directly with emu.databases: name -> password per ref."""

    def __init__(self, emu, accounts):
        self.accounts = accounts
        self.calls = []
        for ref in accounts:
            emu.databases.register(ref, self._checker(ref))

    def _checker(self, ref):
        def check(user, password):
            self.calls.append((ref, user))
            return self.accounts[ref].get(user) == password
        return check


@pytest.fixture
def emu():
    emulator = Emulator(fixtures(), service_classes=[DtsService])
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def dbs(emu):
    return FakeDatabases(emu, {"db-src": {"repl_src": "Src-Passw0rd", "mig_src": "Mig-Passw0rd"},
                               "db-dst": {"repl_dst": "Dst-Passw0rd"}})


def client(emu, signature="v3"):
    return PopClient(emu.base_url, AK, SECRET, signature=signature)


def modify(emu, job=SYNC, ep="src", user="repl_src", password="New-Passw0rd-1", signature="v3", **extra):
    params = {"DtsJobId": job, "Endpoint": ep, "UserName": user, "Password": password, "RegionId": "cn-hangzhou"}
    params.update(extra)
    params = dict((k, v) for k, v in params.items() if v is not None)
    return client(emu, signature).call("ModifyDtsJobPassword", params)


def detail(emu, job=SYNC, **extra):
    status, dummy, body = client(emu).call("DescribeDtsJobDetail", dict({"DtsJobId": job}, **extra))
    assert status == 200, body
    return body


def jobs(emu, **params):
    status, dummy, body = client(emu).call("DescribeDtsJobs", params)
    assert status == 200, body
    return body


def admin(emu, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emu.base_url + "/_emulator/" + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def matches(emu, password, job=SYNC, ep="src", direction="Forward"):
    return admin(emu, "POST", "dts/jobs/%s/verify" % job,
                 {"endpoint": ep, "password": password, "direction": direction})[1]["match"]


def set_status(emu, status, job=SYNC, **extra):
    code, dummy = admin(emu, "POST", "dts/jobs/%s/status" % job, dict({"status": status}, **extra))
    assert code == 200


def business_error(status, body, code, dynamic, http_status_code):
    assert status == 200, body
    assert body["Success"] is False
    assert body["ErrCode"] == code and body["Code"] == code
    assert body["DynamicMessage"] == dynamic
    assert body["HttpStatusCode"] == http_status_code
    assert body["RequestId"] and body["ErrMessage"]


def job_summary(emu, job_id):
    return next(j for j in admin(emu, "GET", "state")[1]["dts"]["jobs"] if j["id"] == job_id)


# -- ModifyDtsJobPassword -------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "rpc"])
def test_modify_password_success_updates_stored_password(emu, signature):
    """Success answers {RequestId, HttpStatusCode: 200, Success: true} and stores the new password."""
    status, dummy, body = modify(emu, signature=signature)
    assert status == 200
    assert set(body) == {"RequestId", "HttpStatusCode", "Success"}
    assert body["Success"] is True and body["HttpStatusCode"] == 200
    assert matches(emu, "New-Passw0rd-1") and not matches(emu, "Src-Passw0rd")
    assert matches(emu, "Dst-Passw0rd", ep="dest")
    assert job_summary(emu, SYNC)["source"]["password_changes"] == 1
    entry = emu.journal.entries()[-1]
    assert (entry["action"], entry["write"], entry["status"], entry["error_code"]) == \
        ("ModifyDtsJobPassword", True, 200, None)


def test_modify_destination_password(emu):
    """Endpoint=dest changes the destination account only."""
    assert modify(emu, ep="dest", user="repl_dst", password="Dst-New-1")[2]["Success"] is True
    assert matches(emu, "Dst-New-1", ep="dest") and matches(emu, "Src-Passw0rd")


def test_missing_dts_job_id_is_a_gateway_error(emu):
    """DtsJobId is required by the API definition: 400 MissingDtsJobId in the POP error shape."""
    status, dummy, body = modify(emu, job=None)
    assert status == 400 and body["Code"] == "MissingDtsJobId"
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


@pytest.mark.parametrize("override,dynamic", [
    ({"ep": None}, "Endpoint"),
    ({"ep": "source"}, "Endpoint"),
    ({"user": None}, "UserName"),
    ({"password": None}, "Password"),
    ({"password": ""}, "Password"),
    ({"user": "someone_else"}, "UserName"),
    ({"SynchronizationDirection": "Sideways"}, "SynchronizationDirection"),
    ({"SynchronizationDirection": "Reverse"}, "SynchronizationDirection"),
    ({"job": "nosuchjob00001"}, "DtsJobId"),
    ({"RegionId": "cn-beijing"}, "DtsJobId"),
    ({"DtsInstanceId": "dtsiother"}, "DtsJobId"),
])
def test_modify_invalid_parameters(emu, override, dynamic):
    """Invalid or missing parameters, unknown jobs: Success:false InvalidParameter naming the parameter."""
    status, dummy, body = modify(emu, **override)
    business_error(status, body, "InvalidParameter", dynamic, 400)
    assert body["ErrMessage"] == "The Value of Input Parameter %s is not valid."
    assert matches(emu, "Src-Passw0rd")


def test_modify_same_password_is_refused(emu):
    """New password equal to the current one: DTS.Msg.InvalidParameter.PasswordSame, nothing changes."""
    status, dummy, body = modify(emu, password="Src-Passw0rd")
    business_error(status, body, "DTS.Msg.InvalidParameter.PasswordSame", "Password", 400)
    assert "Src-Passw0rd" not in json.dumps(body)
    assert job_summary(emu, SYNC)["source"]["password_changes"] == 0
    assert emu.journal.entries()[-1]["error_code"] == "DTS.Msg.InvalidParameter.PasswordSame"


def test_modify_endpoint_that_cannot_modify_password(emu):
    """CanModifyPassword false: DTS.Msg.OperationDenied.PasswordNotModifiable."""
    status, dummy, body = modify(emu, job=LOCKED_PW, user="np_src")
    business_error(status, body, "DTS.Msg.OperationDenied.PasswordNotModifiable", "src", 403)
    assert matches(emu, "Np-Passw0rd", job=LOCKED_PW)
    assert modify(emu, job=LOCKED_PW, ep="dest", user="np_dst")[2]["Success"] is True


@pytest.mark.parametrize("state", ["Finished", "Locked", "Upgrade", "Downgrade", "Prechecking", "PrecheckFailed",
                                   "PreCheckPass", "NotConfigured"])
def test_modify_refused_in_job_states(emu, state):
    """States that do not accept a password change: DTS.Msg.OperationDenied.JobStatus naming the state."""
    set_status(emu, state)
    status, dummy, body = modify(emu)
    business_error(status, body, "DTS.Msg.OperationDenied.JobStatus", state, 403)
    assert matches(emu, "Src-Passw0rd")


def test_modify_refused_while_modifying(emu):
    """Modifying: the documented DTS.Msg.OperationDenied.JobStatusModifying."""
    set_status(emu, "Modifying")
    business_error(*modify(emu)[::2], "DTS.Msg.OperationDenied.JobStatusModifying", "Modifying", 403)


@pytest.mark.parametrize("state", ["NotStarted", "Initializing", "Synchronizing", "synchronizing", "Failed",
                                   "InitializeFailed", "Suspending", "Retrying"])
def test_modify_accepted_in_job_states(emu, state):
    """States that accept a password change."""
    set_status(emu, state)
    assert modify(emu)[2]["Success"] is True
    assert matches(emu, "New-Passw0rd-1")


@pytest.mark.parametrize("state", ["Migrating", "MigrationFailed"])
def test_modify_accepted_in_migration_states(emu, state):
    """Migration jobs accept it while Migrating or MigrationFailed."""
    set_status(emu, state, job=MIGR)
    assert modify(emu, job=MIGR, user="mig_src", password="Mig-New-1")[2]["Success"] is True


def test_modify_reverse_direction_of_two_way_sync(emu):
    """SynchronizationDirection=Reverse changes the reverse task's endpoint only."""
    assert modify(emu, job=TWOWAY, user="tw_b", password="TwB-Reverse-1", SynchronizationDirection="Reverse")[2][
        "Success"] is True
    assert matches(emu, "TwB-Reverse-1", job=TWOWAY, direction="Reverse")
    assert matches(emu, "TwB-Passw0rd", job=TWOWAY, ep="dest")
    rev = detail(emu, TWOWAY, SynchronizationDirection="Reverse")
    assert rev["SourceEndpoint"]["UserName"] == "tw_b" and rev["DtsJobDirection"] == "Reverse"


def test_business_error_http_status_setting(emu):
    """dts_business_error_http_status: true sends the logical status as the HTTP status."""
    emu.settings["dts_business_error_http_status"] = True
    status, dummy, body = modify(emu, password="Src-Passw0rd")
    assert status == 400 and body["ErrCode"] == "DTS.Msg.InvalidParameter.PasswordSame"


# -- DescribeDtsJobDetail -------------------------------------------------------------------------


def test_detail_fields_and_no_password(emu):
    """DescribeDtsJobDetail returns status, ids and both endpoints with CanModifyPassword, never a password."""
    body = detail(emu, SYNC, SynchronizationDirection="Forward")
    assert body["Success"] is True and body["HttpStatusCode"] == 200 and body["RequestId"]
    assert (body["DtsJobId"], body["DtsInstanceID"], body["DtsJobName"], body["JobType"], body["Status"]) == \
        (SYNC, "dtsi" + SYNC, "orders-sync", "SYNC", "Synchronizing")
    assert body["ErrorMessage"] == ""
    src = body["SourceEndpoint"]
    assert src == {"UserName": "repl_src", "CanModifyPassword": True, "EngineName": "MySQL",
                   "InstanceID": "rm-repl_src", "InstanceType": "RDS", "Ip": "10.0.0.8", "Port": "3306",
                   "Region": "cn-hangzhou", "DatabaseName": "orders"}
    assert body["DestinationEndpoint"]["UserName"] == "repl_dst"
    assert "Passw0rd" not in json.dumps(body) and "password" not in json.dumps(body).lower().replace(
        "canmodifypassword", "")


def test_detail_by_instance_id_and_errors(emu):
    """Lookup by DtsInstanceID; unknown job, one-way Reverse and no id are InvalidParameter."""
    status, dummy, body = client(emu).call("DescribeDtsJobDetail", {"DtsInstanceID": "dtsi" + SYNC})
    assert body["DtsJobId"] == SYNC
    business_error(*client(emu).call("DescribeDtsJobDetail", {"DtsJobId": "nope"})[::2], "InvalidParameter",
                   "DtsJobId", 400)
    business_error(*client(emu).call("DescribeDtsJobDetail", {"DtsJobId": SYNC, "SynchronizationDirection": "Reverse"})[
        ::2], "InvalidParameter", "SynchronizationDirection", 400)
    business_error(*client(emu).call("DescribeDtsJobDetail", {})[::2], "InvalidParameter", "DtsJobId", 400)


def test_detail_cannot_modify_flag(emu):
    """CanModifyPassword reflects the fixture."""
    assert detail(emu, LOCKED_PW)["SourceEndpoint"]["CanModifyPassword"] is False


# -- DescribeDtsJobs ------------------------------------------------------------------------------


def test_jobs_default_job_type_is_migration(emu):
    """Without JobType only MIGRATION jobs are listed."""
    body = jobs(emu)
    assert [j["DtsJobId"] for j in body["DtsJobList"]] == [MIGR]
    assert (body["PageNumber"], body["PageRecordCount"], body["TotalRecordCount"]) == (1, 1, 1)
    assert body["Success"] is True


def test_jobs_sync_listing_with_reverse_job_and_no_passwords(emu):
    """SYNC jobs with their endpoints (no CanModifyPassword, no password); two-way jobs carry ReverseJob."""
    body = jobs(emu, JobType="SYNC")
    listed = dict((j["DtsJobId"], j) for j in body["DtsJobList"])
    assert set(listed) == {SYNC, TWOWAY, LOCKED_PW}
    assert listed[SYNC]["SourceEndpoint"]["UserName"] == "repl_src"
    assert "CanModifyPassword" not in listed[SYNC]["SourceEndpoint"]
    assert listed[TWOWAY]["ReverseJob"]["SourceEndpoint"]["UserName"] == "tw_b"
    assert "Passw0rd" not in json.dumps(body)


def test_jobs_filters(emu):
    """DtsJobId comma list, Status, Region, SUBSCRIBE and Type/Params filters."""
    assert [j["DtsJobId"] for j in jobs(emu, JobType="SYNC", DtsJobId="%s,%s" % (SYNC, MIGR))["DtsJobList"]] == [SYNC]
    set_status(emu, "Suspending", job=LOCKED_PW)
    assert [j["DtsJobId"] for j in jobs(emu, JobType="SYNC", Status="Suspending")["DtsJobList"]] == [LOCKED_PW]
    assert [j["DtsJobId"] for j in jobs(emu, JobType="SUBSCRIBE", Region="cn-beijing")["DtsJobList"]] == [SUB]
    assert jobs(emu, JobType="SUBSCRIBE", Region="cn-hangzhou")["TotalRecordCount"] == 0
    assert [j["DtsJobId"] for j in jobs(emu, JobType="SYNC", Type="name", Params="two")["DtsJobList"]] == [TWOWAY]


def test_jobs_paging(emu):
    """PageSize 10/20/30 pages the list; TotalRecordCount counts all matches."""
    extra = {"dts": {"jobs": [{"id": "page%04d" % i, "job_type": "SYNC", "status": "NotStarted",
                               "source": endpoint("p", "Pp-Passw0rd"), "destination": endpoint("q", "Qq-Passw0rd")}
                              for i in range(22)]}}
    assert admin(emu, "POST", "fixtures", extra)[0] == 204
    first = jobs(emu, JobType="SYNC", PageSize=10)
    third = jobs(emu, JobType="SYNC", PageSize=10, PageNumber=3)
    assert (first["PageRecordCount"], first["TotalRecordCount"]) == (10, 25)
    assert (third["PageNumber"], third["PageRecordCount"]) == (3, 5)
    assert jobs(emu, JobType="SYNC")["PageRecordCount"] == 20


@pytest.mark.parametrize("params,dynamic", [
    ({"PageSize": 25}, "PageSize"), ({"PageNumber": 0}, "PageNumber"), ({"PageNumber": "x"}, "PageNumber"),
    ({"JobType": "ETL"}, "JobType"),
])
def test_jobs_invalid_parameters(emu, params, dynamic):
    """Bad PageSize/PageNumber/JobType: InvalidParameter."""
    business_error(*client(emu).call("DescribeDtsJobs", params)[::2], "InvalidParameter", dynamic, 400)


# -- health ---------------------------------------------------------------------------------------


def test_job_fails_when_database_password_changes_and_recovers_after_modify(emu, dbs):
    """The stored password stops logging in: Failed with an auth message; after ModifyDtsJobPassword: Synchronizing."""
    assert detail(emu)["Status"] == "Synchronizing"
    dbs.accounts["db-src"]["repl_src"] = "Rotated-Passw0rd"
    failed = detail(emu)
    assert failed["Status"] == "Failed"
    assert "repl_src" in failed["ErrorMessage"] and "Access denied" in failed["ErrorMessage"]
    assert "Passw0rd" not in failed["ErrorMessage"]
    listed = jobs(emu, JobType="SYNC", DtsJobId=SYNC)["DtsJobList"][0]
    assert listed["Status"] == "Failed"
    assert modify(emu, password="Rotated-Passw0rd")[2]["Success"] is True
    assert detail(emu)["Status"] == "Synchronizing" and detail(emu)["ErrorMessage"] == ""


def test_failed_job_recovers_when_database_password_is_restored(emu, dbs):
    """A job failed for authentication recovers once its stored password logs in again."""
    dbs.accounts["db-dst"]["repl_dst"] = "Other-1"
    assert detail(emu)["Status"] == "Failed"
    dbs.accounts["db-dst"]["repl_dst"] = "Dst-Passw0rd"
    assert detail(emu)["Status"] == "Synchronizing"


def test_migration_job_fails_as_migration_failed(emu, dbs):
    """A migration job fails as MigrationFailed and recovers to Migrating."""
    dbs.accounts["db-src"]["mig_src"] = "Other-1"
    assert detail(emu, MIGR)["Status"] == "MigrationFailed"
    assert modify(emu, job=MIGR, user="mig_src", password="Other-1")[2]["Success"] is True
    assert detail(emu, MIGR)["Status"] == "Migrating"


def test_modify_to_a_wrong_password_fails_the_job(emu, dbs):
    """A password change that does not log in turns the job Failed right away."""
    assert modify(emu, password="Not-The-Db-Password")[2]["Success"] is True
    assert job_summary(emu, SYNC)["status"] == "Failed"
    assert job_summary(emu, SYNC)["auth_failed"] is True


def test_retrying_job_recovers_to_synchronizing(emu, dbs):
    """A job that failed while Retrying goes back to Synchronizing, not Retrying."""
    set_status(emu, "Retrying")
    dbs.accounts["db-src"]["repl_src"] = "Other-1"
    assert detail(emu)["Status"] == "Failed"
    dbs.accounts["db-src"]["repl_src"] = "Src-Passw0rd"
    assert detail(emu)["Status"] == "Synchronizing"


def test_subscribe_job_fails_as_abnormal(emu):
    """A change-tracking job whose source password no longer logs in is Abnormal, then Normal again."""
    fake = FakeDatabases(emu, {"db-sub": {"sub_src": "Other-1"}})
    emu.load({"dts": dict(fixtures()["dts"], jobs=[{"id": SUB, "job_type": "SUBSCRIBE",
                                                    "source": endpoint("sub_src", "Sub-Passw0rd", ref="db-sub")}])})
    assert detail(emu, SUB)["Status"] == "Abnormal"
    fake.accounts["db-sub"]["sub_src"] = "Sub-Passw0rd"
    assert detail(emu, SUB)["Status"] == "Normal"


def test_not_running_jobs_are_not_checked(emu, dbs):
    """NotStarted / Finished jobs do not connect, so they do not fail."""
    set_status(emu, "Finished")
    dbs.accounts["db-src"]["repl_src"] = "Other-1"
    assert detail(emu)["Status"] == "Finished"
    assert dbs.calls == []


def test_failure_for_another_reason_is_not_cleared(emu, dbs):
    """A job failed for a non-authentication reason (set by admin) is not recovered by the health check."""
    set_status(emu, "Failed", error_message="DTS-1001: disk full")
    body = detail(emu)
    assert (body["Status"], body["ErrorMessage"]) == ("Failed", "DTS-1001: disk full")


def test_unknown_database_ref_counts_as_healthy(emu):
    """Without a registered checker the job stays as it is."""
    assert detail(emu)["Status"] == "Synchronizing"


def test_health_interval_limits_checks(emu, dbs):
    """dts_health_interval: reads within the interval reuse the last verdict; a write always checks."""
    emu.settings["dts_health_interval"] = 3600
    detail(emu)
    calls = len(dbs.calls)
    dbs.accounts["db-src"]["repl_src"] = "Other-1"
    assert detail(emu)["Status"] == "Synchronizing"
    assert len(dbs.calls) == calls
    modify(emu, password="Other-1")
    assert len(dbs.calls) > calls


# -- admin and state ------------------------------------------------------------------------------


def test_admin_routes_errors(emu):
    """Admin routes answer 404 for an unknown job and 400 for a bad endpoint or direction."""
    assert admin(emu, "POST", "dts/jobs/nope/status", {"status": "Failed"})[0] == 404
    assert admin(emu, "POST", "dts/jobs/%s/verify" % SYNC, {"endpoint": "x", "password": "p"})[0] == 400
    assert admin(emu, "POST", "dts/jobs/%s/status" % SYNC, {"status": "Failed", "direction": "Reverse"})[0] == 400
    assert admin(emu, "POST", "dts/jobs/%s/status" % SYNC, {})[0] == 400


def test_state_file_keeps_passwords_across_restart(tmp_path):
    """With a state file, a restarted emulator has the changed password (file written 0600)."""
    state = str(tmp_path / "state.json")
    first = Emulator(fixtures(), service_classes=[DtsService], state_file=state)
    first.start()
    try:
        assert modify(first, job=TWOWAY, user="tw_a", password="Persisted-1")[2]["Success"] is True
        set_status(first, "Suspending", job=MIGR)
    finally:
        first.stop()
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    second = Emulator({}, service_classes=[DtsService], state_file=state)
    second.start()
    try:
        assert matches(second, "Persisted-1", job=TWOWAY)
        assert matches(second, "TwB-Passw0rd", job=TWOWAY, ep="src", direction="Reverse")
        assert detail(second, MIGR)["Status"] == "Suspending"
        assert job_summary(second, TWOWAY)["source"]["password_changes"] == 1
        assert second.dump()["dts"] == first.dump()["dts"]
    finally:
        second.stop()


def test_summary_has_no_secrets(emu):
    """GET /_emulator/state lists jobs and keys without passwords or secrets."""
    text = json.dumps(admin(emu, "GET", "state")[1]["dts"])
    assert "Passw0rd" not in text and SECRET not in text
    assert AK in text


def test_fixture_with_unknown_job_type_is_rejected():
    """A fixture job_type outside SYNC/MIGRATION/SUBSCRIBE fails loudly."""
    bad = {"dts": {"jobs": [{"id": "x", "job_type": "ETL", "source": endpoint("a", "b")}]}}
    with pytest.raises(ValueError):
        Emulator(bad, service_classes=[DtsService])


# -- official SDKs --------------------------------------------------------------------------------


def _tea_client(emu, **config):
    dts_client = pytest.importorskip("alibabacloud_dts20200101.client")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    return dts_client.Client(openapi.Config(access_key_id=AK, access_key_secret=SECRET, protocol="http",
                                            endpoint="127.0.0.1:%d" % emu.port, region_id="cn-hangzhou", **config))


@pytest.mark.sdk
@pytest.mark.parametrize("config", [{}, {"signature_algorithm": "v2"}], ids=["v3", "rpc-v2"])
def test_sdk_tea_client_all_actions(emu, config):
    """alibabacloud_dts20200101 (V3 by default; RPC v1 with signature_algorithm=v2) runs all three actions."""
    models = pytest.importorskip("alibabacloud_dts20200101.models")
    sdk = _tea_client(emu, **config)
    response = sdk.modify_dts_job_password(models.ModifyDtsJobPasswordRequest(
        dts_job_id=SYNC, endpoint="src", user_name="repl_src", password="Sdk Pass*w0rd~!&=", region_id="cn-hangzhou"))
    assert response.status_code == 200 and response.body.success is True and response.body.http_status_code == 200
    assert matches(emu, "Sdk Pass*w0rd~!&=")

    body = sdk.describe_dts_job_detail(models.DescribeDtsJobDetailRequest(
        dts_job_id=SYNC, region_id="cn-hangzhou")).body
    assert (body.status, body.dts_job_id, body.dts_instance_id, body.job_type) == \
        ("Synchronizing", SYNC, "dtsi" + SYNC, "SYNC")
    assert body.source_endpoint.user_name == "repl_src" and body.source_endpoint.can_modify_password is True
    assert body.destination_endpoint.port == "3306"

    listing = sdk.describe_dts_jobs(models.DescribeDtsJobsRequest(job_type="SYNC", page_size=10, page_number=1,
                                                                  region_id="cn-hangzhou")).body
    assert listing.total_record_count == 3 and listing.page_record_count == 3
    by_id = dict((j.dts_job_id, j) for j in listing.dts_job_list)
    assert by_id[SYNC].source_endpoint.user_name == "repl_src"
    assert by_id[TWOWAY].reverse_job.source_endpoint.user_name == "tw_b"


@pytest.mark.sdk
def test_sdk_tea_client_business_error_is_a_parsed_body(emu):
    """A DTS business error reaches the SDK as HTTP 200 with Success false and ErrCode parsed."""
    models = pytest.importorskip("alibabacloud_dts20200101.models")
    body = _tea_client(emu).modify_dts_job_password(models.ModifyDtsJobPasswordRequest(
        dts_job_id=SYNC, endpoint="src", user_name="repl_src", password="Src-Passw0rd")).body
    assert body.success is False and body.err_code == "DTS.Msg.InvalidParameter.PasswordSame"
    assert body.dynamic_message == "Password" and body.http_status_code == 400


def _acs_request(emu, action, query, body_params=None):
    request_mod = pytest.importorskip("aliyunsdkcore.request")
    request = request_mod.CommonRequest(domain="127.0.0.1:%d" % emu.port, version="2020-01-01", action_name=action)
    request.set_protocol_type("http")
    request.set_method("POST")
    for key, value in query.items():
        request.add_query_param(key, value)
    for key, value in (body_params or {}).items():
        request.add_body_params(key, value)
    return request


@pytest.mark.sdk
def test_sdk_legacy_acs_client_all_actions(emu):
    """aliyun-python-sdk-core AcsClient + CommonRequest (RPC v1 HMAC-SHA1) runs all three actions."""
    client_mod = pytest.importorskip("aliyunsdkcore.client")
    acs = client_mod.AcsClient(AK, SECRET, "cn-hangzhou", auto_retry=False)
    raw = acs.do_action_with_exception(_acs_request(
        emu, "ModifyDtsJobPassword", {"DtsJobId": SYNC, "Endpoint": "dest", "UserName": "repl_dst",
                                      "RegionId": "cn-hangzhou"}, {"Password": "Acs Pass*w0rd~!&="}))
    assert json.loads(raw)["Success"] is True
    assert matches(emu, "Acs Pass*w0rd~!&=", ep="dest")
    assert emu.journal.entries()[-1]["auth"] == "rpc-hmac-sha1"

    body = json.loads(acs.do_action_with_exception(_acs_request(emu, "DescribeDtsJobDetail", {"DtsJobId": SYNC})))
    assert body["Status"] == "Synchronizing" and body["DestinationEndpoint"]["UserName"] == "repl_dst"
    listing = json.loads(acs.do_action_with_exception(_acs_request(emu, "DescribeDtsJobs", {"JobType": "MIGRATION"})))
    assert [j["DtsJobId"] for j in listing["DtsJobList"]] == [MIGR] and listing["TotalRecordCount"] == 1


# -- real backends --------------------------------------------------------------------------------


def _mysql_backend_or_skip():
    try:
        with socket.create_connection(("127.0.0.1", 3306), timeout=1):
            pass
    except OSError:
        pytest.skip("MariaDB is not reachable on 127.0.0.1:3306 (.ci/run starts it)")
    pytest.importorskip("pymysql")
    from emulator.backends import BackendError, MysqlBackend
    try:
        return MysqlBackend(MYSQL_DSN)
    except BackendError as exc:
        pytest.skip("MariaDB backend unavailable: %s" % exc)


@pytest.mark.real_backend
def test_real_mariadb_checker_drives_job_health(emu):
    """A checker registered in the test logs in to the real MariaDB: the job fails when the account's
    password changes there, and recovers after ModifyDtsJobPassword with the new one."""
    backend = _mysql_backend_or_skip()
    user = "dtsemu_%s" % uuid.uuid4().hex[:8]
    try:
        backend.ensure_account(user, "%", "Real-Passw0rd-1")
        emu.databases.register("mariadb-real", backend.check_login)
        emu.load({"dts": {"access_keys": [{"id": AK, "secret": SECRET}], "jobs": [
            {"id": "realjob0000001", "job_type": "SYNC", "status": "Synchronizing",
             "source": endpoint(user, "Real-Passw0rd-1", ref="mariadb-real"),
             "destination": endpoint("d", "Dd-Pw-1")}]}})
        assert detail(emu, "realjob0000001")["Status"] == "Synchronizing"
        backend.set_password(user, "%", "Real-Passw0rd-2")
        failed = detail(emu, "realjob0000001")
        assert failed["Status"] == "Failed" and user in failed["ErrorMessage"]
        assert modify(emu, job="realjob0000001", user=user, password="Real-Passw0rd-2")[2]["Success"] is True
        assert detail(emu, "realjob0000001")["Status"] == "Synchronizing"
    finally:
        backend.close()


@pytest.mark.real_backend
def test_real_gaussdb_instance_backs_dts_job_health():
    """With the GaussDB service on the real MariaDB backend, a DTS job replicating from a GaussDB
    instance fails when the account's real password changes and recovers after the DTS update."""
    gaussdb = pytest.importorskip("emulator.gaussdb")
    huawei = pytest.importorskip("emulator.huawei")
    backend = _mysql_backend_or_skip()
    instance = "%sin07" % uuid.uuid4().hex
    user = "dtsgdb_%s" % uuid.uuid4().hex[:8]
    fx = {"gaussdb": {"instances": [{"id": instance, "db_user_name": "gdbroot_%s" % uuid.uuid4().hex[:6],
                                     "root_password": "Root-Passw0rd-1",
                                     "users": [{"name": user, "host": "%", "password": "Gdb-Passw0rd-1"}]}]},
          "dts": {"access_keys": [{"id": AK, "secret": SECRET}], "jobs": [
              {"id": "gdbjob00000001", "job_type": "MIGRATION", "status": "Migrating",
               "source": endpoint(user, "Gdb-Passw0rd-1", ref=instance),
               "destination": endpoint("d", "Dd-Pw-1")}]}}
    emulator = Emulator(fx, service_classes=[huawei.IamService, gaussdb.GaussDbService, DtsService],
                        backends={"mysql": backend, "redis": None})
    emulator.start()
    try:
        assert backend.check_login(user, "Gdb-Passw0rd-1") is True
        assert detail(emulator, "gdbjob00000001")["Status"] == "Migrating"
        backend.set_password(user, "%", "Gdb-Passw0rd-2")
        assert detail(emulator, "gdbjob00000001")["Status"] == "MigrationFailed"
        assert modify(emulator, job="gdbjob00000001", user=user, password="Gdb-Passw0rd-2")[2]["Success"] is True
        assert detail(emulator, "gdbjob00000001")["Status"] == "Migrating"
    finally:
        emulator.stop()
        backend.close()
