"""credrotate.cloud.dts_job_info against the emulator's Alibaba DTS service.

Each test's name says the behaviour it proves. The real-backend test ties a DTS job to a real
MariaDB account, so the job's health is the emulator's real login check.
"""

import uuid

import pytest

from emulator.core import Fault
from harness import ALI_AK, ALI_SK, alibaba_env, assert_no_secrets, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.dts_job_info"
SYNC = "dtsinfo0000001"
MIGR = "dtsinfo0000002"
TWOWAY = "dtsinfo0000003"
SUB = "dtsinfo0000004"
NOPW = "dtsinfo0000005"
SECRETS = dict((name, "Cnry-%s-%s!" % (name, uuid.uuid4().hex[:10])) for name in ("a", "b", "c", "d", "e", "f"))


def endpoint(user, password, **extra):
    ep = {"user": user, "password": password, "engine": "MySQL", "instance_id": "rm-" + user,
          "instance_type": "RDS", "ip": "10.0.0.8", "port": 3306, "region": "cn-hangzhou", "database_name": "orders"}
    ep.update(extra)
    return ep


def fixtures(extra_jobs=()):
    jobs = [
        {"id": SYNC, "name": "orders-sync", "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
         "source": endpoint("orders_app", SECRETS["a"]), "destination": endpoint("orders_copy", SECRETS["b"])},
        {"id": MIGR, "name": "orders-move", "region": "cn-hangzhou", "job_type": "MIGRATION",
         "status": "MigrationFailed", "error_message": "DTS-1: disk full",
         "source": endpoint("orders_app", SECRETS["c"]), "destination": endpoint("mover", SECRETS["d"])},
        {"id": TWOWAY, "name": "two-way", "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
         "reverse": {"status": "Suspending"},
         "source": endpoint("east", SECRETS["e"]), "destination": endpoint("west", SECRETS["f"])},
        {"id": SUB, "name": "orders-feed", "region": "cn-hangzhou", "job_type": "SUBSCRIBE", "status": "Normal",
         "source": endpoint("feed", SECRETS["a"])},
        {"id": NOPW, "name": "fixed-pw", "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
         "source": endpoint("fixed", SECRETS["b"], can_modify_password=False),
         "destination": endpoint("fixed_dst", SECRETS["c"])},
    ]
    jobs.extend(extra_jobs)
    return {"settings": {"alibaba_retry_after_ms": 50},
            "dts": {"access_keys": [{"id": ALI_AK, "secret": ALI_SK}], "jobs": jobs}}


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(fixtures())


def add_fault(emu, **spec):
    spec.setdefault("match", {})
    spec["match"].setdefault("cloud", "alibaba")
    with emu.lock:
        emu.faults.append(Fault(spec))


def task(emu, name="info", **args):
    args.setdefault("endpoint_url", emu.base_url)
    return {"name": name, MODULE: args}


def play(tmp_path, emu, *tasks, **kwargs):
    kwargs.setdefault("env", alibaba_env(emu))
    return run_playbook(tmp_path, list(tasks), **kwargs)


def by_key(jobs):
    return dict(((j["id"], j["direction"]), j) for j in jobs)


def test_jobs_by_id_return_status_accounts_and_health_never_a_password(tmp_path, emu):
    """Detail of each job (both directions of a two-way job), unknown ids in `missing`, no password anywhere."""
    run = play(tmp_path, emu, task(emu, jobs=[SYNC, TWOWAY, "dtsnosuchjob9", MIGR, NOPW, SYNC]))
    assert run.rc == 0, run.text()[-3000:]
    result = run.result("info")
    assert result["changed"] is False
    assert result["missing"] == ["dtsnosuchjob9"]
    assert [(j["id"], j["direction"]) for j in result["jobs"]] == [
        (SYNC, "forward"), (TWOWAY, "forward"), (TWOWAY, "reverse"), (MIGR, "forward"), (NOPW, "forward")]
    jobs = by_key(result["jobs"])
    sync = jobs[(SYNC, "forward")]
    assert sync["status"] == "Synchronizing" and sync["running"] is True and sync["failed"] is False
    assert sync["name"] == "orders-sync" and sync["job_type"] == "SYNC" and sync["two_way"] is False
    assert sync["source"] == {"user_name": "orders_app", "engine_name": "MySQL", "ip": "10.0.0.8", "port": "3306",
                              "instance_id": "rm-orders_app", "instance_type": "RDS", "region": "cn-hangzhou",
                              "database_name": "orders", "can_modify_password": True}
    assert sync["destination"]["user_name"] == "orders_copy"
    migr = jobs[(MIGR, "forward")]
    assert migr["failed"] is True and migr["running"] is False and migr["error_message"] == "DTS-1: disk full"
    assert jobs[(TWOWAY, "reverse")]["status"] == "Suspending"
    assert jobs[(TWOWAY, "reverse")]["source"]["user_name"] == "west"
    assert jobs[(TWOWAY, "forward")]["two_way"] is True
    assert jobs[(NOPW, "forward")]["source"]["can_modify_password"] is False
    assert len(result["request_ids"]) == 5
    assert [e["action"] for e in journal(emu)].count("DescribeDtsJobDetail") == 6
    assert_no_secrets(run, emu, *SECRETS.values())


def test_listing_reads_every_page_of_every_job_type(tmp_path, emulator_factory):
    """Without jobs: DescribeDtsJobs for MIGRATION, SYNC and SUBSCRIBE, every page (25 SYNC jobs, pages of 10)."""
    extra = [{"id": "dtsmany%07d" % i, "region": "cn-hangzhou", "job_type": "SYNC",
              "source": endpoint("u%d" % i, SECRETS["a"]), "destination": endpoint("v%d" % i, SECRETS["b"])}
             for i in range(22)]
    emu = emulator_factory(fixtures(extra))
    run = play(tmp_path, emu, task(emu, page_size=10))
    assert run.rc == 0, run.text()[-3000:]
    jobs = run.result("info")["jobs"]
    ids = [(j["id"], j["direction"]) for j in jobs]
    assert len(ids) == len(set(ids)) == 1 + 25 + 1 + 1  # MIGRATION, SYNC (+ the reverse of the two-way), SUBSCRIBE
    assert (TWOWAY, "reverse") in ids and (SUB, "forward") in ids
    calls = [e["action"] for e in journal(emu)]
    assert calls == ["DescribeDtsJobs"] * 5  # MIGRATION 1 page, SYNC 3 pages, SUBSCRIBE 1 page
    sub = by_key(jobs)[(SUB, "forward")]
    assert sub["job_type"] == "SUBSCRIBE" and sub["destination"] is None
    assert sub["source"]["can_modify_password"] is None, "listings do not report CanModifyPassword"
    assert_no_secrets(run, emu, *SECRETS.values())


def test_listing_filters_by_job_type_and_status(tmp_path, emu):
    """job_type and status narrow the listing (one call)."""
    run = play(tmp_path, emu, task(emu, job_type="MIGRATION", status="MigrationFailed"),
               task(emu, name="sync", job_type="SYNC", status="Failed"))
    assert run.rc == 0, run.text()[-3000:]
    assert [(j["id"], j["status"]) for j in run.result("info")["jobs"]] == [(MIGR, "MigrationFailed")]
    assert run.result("sync")["jobs"] == []
    assert len(journal(emu)) == 2


def test_check_mode_reads_and_reports_the_same(tmp_path, emu):
    """The module only reads: check mode returns the same jobs, changed=false, zero writes."""
    run = play(tmp_path, emu, task(emu, jobs=[SYNC]), check=True)
    assert run.rc == 0
    assert run.result("info")["changed"] is False
    assert run.result("info")["jobs"][0]["id"] == SYNC
    assert [e["write"] for e in journal(emu)] == [False]


def test_throttling_and_5xx_on_reads_are_retried(tmp_path, emu):
    """A throttled and a 503 detail read are retried within the budget; listing survives a 500."""
    add_fault(emu, kind="throttle", count=1, retry_after=20, match={"action": "DescribeDtsJobDetail"})
    add_fault(emu, kind="error", status=503, count=1, match={"action": "DescribeDtsJobDetail"})
    add_fault(emu, kind="error", status=500, count=1, match={"action": "DescribeDtsJobs"})
    run = play(tmp_path, emu, task(emu, jobs=[SYNC]), task(emu, name="list", job_type="SUBSCRIBE"))
    assert run.rc == 0, run.text()[-3000:]
    assert run.result("info")["jobs"][0]["status"] == "Synchronizing"
    assert [j["id"] for j in run.result("list")["jobs"]] == [SUB]
    assert [(e["action"], e["status"]) for e in journal(emu)] == [
        ("DescribeDtsJobDetail", 400), ("DescribeDtsJobDetail", 503), ("DescribeDtsJobDetail", 200),
        ("DescribeDtsJobs", 500), ("DescribeDtsJobs", 200)]


def test_auth_failure_is_structured(tmp_path, emu):
    """An unknown access key fails with the provider's code, HTTP status and request id, naming the job."""
    env = dict(alibaba_env(emu), ALICLOUD_ACCESS_KEY="LTAI5tNOSUCHKEY000001")
    run = play(tmp_path, emu, task(emu, jobs=[SYNC]), env=env)
    assert run.rc != 0
    result = run.result("info")
    assert result["error"]["code"] == "InvalidAccessKeyId.NotFound"
    assert result["error"]["kind"] == "auth"
    assert result["http_status"] == 404 and result["request_id"]
    assert "Cannot read dts job %s" % SYNC in result["msg"]
    assert_no_secrets(run, emu, ALI_SK)


def test_jobs_and_listing_filters_are_mutually_exclusive(tmp_path, emu):
    """jobs with job_type is an option error, before any call."""
    run = play(tmp_path, emu, task(emu, jobs=[SYNC], job_type="SYNC"))
    assert run.rc != 0
    assert "mutually exclusive" in run.result("info")["msg"]
    assert journal(emu) == []


def test_reads_run_concurrently_under_the_bound(tmp_path, emulator_factory):
    """12 detail reads of 0.2 s with concurrency 3: at most 3 in flight, more than 1."""
    extra = [{"id": "dtsconc%07d" % i, "region": "cn-hangzhou", "job_type": "SYNC",
              "source": endpoint("u%d" % i, SECRETS["a"]), "destination": endpoint("v%d" % i, SECRETS["b"])}
             for i in range(12)]
    emu = emulator_factory(fixtures(extra))
    add_fault(emu, kind="latency", delay=0.2, count=0, match={"action": "DescribeDtsJobDetail"})
    run = play(tmp_path, emu, task(emu, jobs=[j["id"] for j in extra], concurrency=3), verbosity=1)
    assert run.rc == 0
    events = []
    for e in journal(emu):
        events += [(e["time"] - e["latency_ms"] / 1000.0 + 0.005, 1), (e["time"] - 0.005, -1)]
    current = peak = 0
    for dummy, delta in sorted(events):
        current += delta
        peak = max(peak, current)
    assert 2 <= peak <= 3, peak


def test_works_ad_hoc_and_under_module_defaults(tmp_path, emu):
    """As an ad-hoc command, and with credentials from module_defaults: group/credrotate.cloud.alicloud."""
    adhoc = run_adhoc(tmp_path, "dts_job_info", {"endpoint_url": emu.base_url, "jobs": [SYNC]}, env=alibaba_env(emu))
    assert adhoc.rc == 0, adhoc.text()[-3000:]
    assert "user_name: orders_app" in adhoc.stdout
    defaults = {"group/credrotate.cloud.alicloud": {"endpoint_url": emu.base_url, "access_key": ALI_AK,
                                                    "secret_key": ALI_SK, "region": "cn-hangzhou"}}
    run = run_playbook(tmp_path, [{"name": "info", MODULE: {"jobs": [MIGR]}}], env={}, module_defaults=defaults)
    assert run.rc == 0, run.text()[-3000:]
    assert run.result("info")["jobs"][0]["status"] == "MigrationFailed"
    for r in (adhoc, run):
        assert_no_secrets(r, emu, ALI_SK, *SECRETS.values())


@pytest.mark.real_backend
def test_health_follows_the_real_database_login_and_recovers_after_the_password_change(tmp_path, emulator_factory):
    """A DTS job whose stored password no longer logs in to its real MariaDB account shows failed (with the
    reason); after dts_job_password stores the account's password it shows running again."""
    suffix = uuid.uuid4().hex[:8]
    user, account_password = "dtsi_%s" % suffix, "Acct-Pw-%s-1!" % suffix
    stale = "Stale-Pw-%s-1!" % suffix
    instance = "%s0000000000000000000000in07" % suffix
    fixture = fixtures([{
        "id": "dtsreal%s" % suffix, "region": "cn-hangzhou", "job_type": "SYNC", "status": "Synchronizing",
        "source": dict(endpoint(user, stale), database={"ref": instance, "user": user}),
        "destination": endpoint("dst_" + suffix, SECRETS["b"]),
    }])
    fixture["gaussdb"] = {"instances": [{
        "id": instance, "name": "dts-real", "status": "ACTIVE", "db_user_name": "dtsr_%s" % suffix,
        "root_password": "Root-Pw-%s-1!" % suffix, "port": 1,
        "users": [{"name": user, "host": "%", "password": account_password}]}]}
    emu = emulator_factory(fixture, real=True)
    job_id = "dtsreal%s" % suffix
    run = play(tmp_path, emu,
               task(emu, name="before", jobs=[job_id]),
               {"name": "fix", "credrotate.cloud.dts_job_password": {
                   "endpoint_url": emu.base_url, "password": account_password,
                   "jobs": [{"id": job_id, "endpoint": "source"}]}},
               task(emu, name="after", jobs=[job_id]))
    assert run.rc == 0, run.text()[-3000:]
    before = run.result("before")["jobs"][0]
    assert before["failed"] is True and before["status"] == "Failed"
    assert "Access denied for user '%s'" % user in before["error_message"]
    assert run.result("fix")["results"][0]["outcome"] == "updated"
    after = run.result("after")["jobs"][0]
    assert after["status"] == "Synchronizing" and after["running"] is True and after["error_message"] == ""
    assert_no_secrets(run, emu, account_password, stale)
