"""credrotate.cloud.dts_job_password against the emulator's Alibaba DTS service.

Each test's name says the behaviour it proves. The emulator keeps DTS job passwords in memory
(DTS has no data plane of its own to probe); the journal records every call (method, path,
action, status, error code, latency; never a query value or a body).
"""

import json
import urllib.request
import uuid

import pytest

from emulator.core import Fault
from harness import ALI_AK, ALI_SK, alibaba_env, assert_no_secrets, journal, run_adhoc, run_playbook

pytestmark = pytest.mark.integration

MODULE = "credrotate.cloud.dts_job_password"
JOB = "dtsjobpw0000001"         # SYNC, Synchronizing
MIGR = "dtsjobpw0000002"        # MIGRATION, Migrating
TWOWAY = "dtsjobpw0000003"      # two-way SYNC
FINISHED = "dtsjobpw0000004"    # Finished: refuses password changes
LOCKED_PW = "dtsjobpw0000005"   # source CanModifyPassword false
MODIFYING = "dtsjobpw0000006"   # Modifying: refuses password changes
OLD = {"src": "Src-Old-Passw0rd!", "dst": "Dst-Old-Passw0rd!"}


def canary(label="pw"):
    """A unique password that must never show up anywhere but in the emulator's state."""
    return "Cnry-%s-%s!" % (label, uuid.uuid4().hex[:12])


def endpoint(user, password, **extra):
    ep = {"user": user, "password": password, "engine": "MySQL", "instance_id": "rm-" + user,
          "instance_type": "RDS", "ip": "10.0.0.8", "port": 3306, "region": "cn-hangzhou",
          "database_name": "orders"}
    ep.update(extra)
    return ep


def job(job_id, status=None, job_type="SYNC", **extra):
    spec = {"id": job_id, "name": "job-" + job_id, "region": "cn-hangzhou", "job_type": job_type,
            "source": endpoint("src_" + job_id[-4:], OLD["src"]),
            "destination": endpoint("dst_" + job_id[-4:], OLD["dst"])}
    if status:
        spec["status"] = status
    spec.update(extra)
    return spec


def fixtures(extra_jobs=()):
    jobs = [
        job(JOB, "Synchronizing"),
        job(MIGR, "Migrating", job_type="MIGRATION"),
        job(TWOWAY, "Synchronizing", reverse=True),
        job(FINISHED, "Finished"),
        job(LOCKED_PW, "Synchronizing",
            source=endpoint("src_" + LOCKED_PW[-4:], OLD["src"], can_modify_password=False)),
        job(MODIFYING, "Modifying"),
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


def admin(emu, path, body):
    request = urllib.request.Request(emu.base_url + "/_emulator/" + path, data=json.dumps(body).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"null")


def stores(emu, job_id, endpoint_name, password, direction="Forward"):
    """Whether the emulator's job endpoint stores ``password`` (admin verify route; reveals nothing)."""
    return admin(emu, "dts/jobs/%s/verify" % job_id,
                 {"endpoint": endpoint_name, "password": password, "direction": direction})["match"]


def changes(emu, job_id, name, direction="forward"):
    """How many times the emulator applied a password change to the endpoint ``name`` (source/destination)."""
    for item in emu.summary()["dts"]["jobs"]:
        if item["id"] == job_id:
            side = item if direction == "forward" else item["reverse"]
            return side[name]["password_changes"]
    raise AssertionError("no job %s" % job_id)


def task(emu, name="dts", check_mode=None, **args):
    args.setdefault("endpoint_url", emu.base_url)
    spec = {"name": name, MODULE: args}
    if check_mode is not None:
        spec["check_mode"] = check_mode
    return spec


def play(tmp_path, emu, *tasks, **kwargs):
    kwargs.setdefault("env", alibaba_env(emu))
    return run_playbook(tmp_path, list(tasks), **kwargs)


def writes(emu):
    return [e for e in journal(emu) if e["action"] == "ModifyDtsJobPassword"]


def reads(emu):
    return [e for e in journal(emu) if e["action"] == "DescribeDtsJobDetail"]


# --- success, idempotence ---------------------------------------------------------------------


def test_success_then_same_task_with_ledger_is_unchanged_and_makes_no_second_write(tmp_path, emu):
    """First run changes both endpoints; the same task again reports changed=false with zero writes."""
    new = canary()
    ledger = str(tmp_path / "state" / "ledger.json")
    spec = task(emu, jobs=[{"id": JOB, "endpoint": "source"}, {"id": JOB, "endpoint": "destination"}],
                password=new, ledger=ledger)
    run = play(tmp_path, emu, spec)
    assert run.rc == 0, run.text()[-3000:]
    result = run.result("dts")
    assert result["changed"] is True
    assert [r["outcome"] for r in result["results"]] == ["updated", "updated"]
    assert [r["user"] for r in result["results"]] == ["src_0001", "dst_0001"]
    assert all(r["status"] == "Synchronizing" and r["request_id"] for r in result["results"])
    assert result["request_ids"] == [r["request_id"] for r in result["results"]]
    assert stores(emu, JOB, "src", new) and stores(emu, JOB, "dest", new)
    assert len(writes(emu)) == 2
    assert_no_secrets(run, emu, new)

    emu.journal.clear()
    again = play(tmp_path, emu, spec)
    assert again.rc == 0
    assert again.result("dts")["changed"] is False
    assert [r["outcome"] for r in again.result("dts")["results"]] == ["unchanged", "unchanged"]
    assert writes(emu) == [], "the ledger must prevent any second write"
    assert len(reads(emu)) == 1, "the preflight still reads the job"
    assert changes(emu, JOB, "source") == 1 and changes(emu, JOB, "destination") == 1
    assert_no_secrets(again, emu, new)


@pytest.mark.parametrize("http_status_errors", [False, True], ids=["business-error-200", "business-error-4xx"])
def test_same_password_without_ledger_is_unchanged_by_the_providers_signal(
        tmp_path, emulator_factory, http_status_errors):
    """DTS's PasswordSame answer (HTTP 200 or 400 with Success:false) means outcome unchanged, changed=false."""
    emu = emulator_factory(fixtures())
    emu.settings["dts_business_error_http_status"] = http_status_errors
    new = canary()
    spec = task(emu, jobs=[{"id": MIGR, "endpoint": "destination"}], password=new)
    first = play(tmp_path, emu, spec)
    assert first.rc == 0 and first.result("dts")["changed"] is True
    emu.journal.clear()
    second = play(tmp_path, emu, spec)
    assert second.rc == 0, second.text()[-3000:]
    result = second.result("dts")
    assert result["changed"] is False
    assert result["results"][0]["outcome"] == "unchanged"
    assert result["results"][0]["request_id"]
    assert [w["error_code"] for w in writes(emu)] == ["DTS.Msg.InvalidParameter.PasswordSame"]
    assert changes(emu, MIGR, "destination") == 1
    assert_no_secrets(second, emu, new)


def test_password_same_as_current_on_first_run_is_unchanged(tmp_path, emu):
    """Giving the password a job already stores changes nothing: changed=false, outcome unchanged."""
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=OLD["src"]))
    assert run.rc == 0
    assert run.result("dts")["changed"] is False
    assert run.result("dts")["results"][0]["outcome"] == "unchanged"
    assert changes(emu, JOB, "source") == 0


def test_per_item_passwords_explicit_user_and_reverse_direction(tmp_path, emu):
    """Per-endpoint passwords override `password`; a matching `user` is accepted; reverse changes the reverse side."""
    default, own, rev = canary("default"), canary("own"), canary("rev")
    run = play(tmp_path, emu, task(emu, password=default, jobs=[
        {"id": JOB, "endpoint": "source", "user": "src_0001"},
        {"id": JOB, "endpoint": "destination", "password": own},
        {"id": TWOWAY, "endpoint": "source", "direction": "reverse", "password": rev},
    ]))
    assert run.rc == 0, run.text()[-3000:]
    results = run.result("dts")["results"]
    assert [(r["id"], r["endpoint"], r["direction"], r["outcome"]) for r in results] == [
        (JOB, "source", "forward", "updated"), (JOB, "destination", "forward", "updated"),
        (TWOWAY, "source", "reverse", "updated")]
    assert stores(emu, JOB, "src", default) and stores(emu, JOB, "dest", own)
    assert stores(emu, TWOWAY, "src", rev, direction="Reverse")
    assert not stores(emu, TWOWAY, "src", rev, direction="Forward")
    assert results[2]["user"] == "dst_0003", "the reverse direction's source is the forward destination's account"
    assert_no_secrets(run, emu, default, own, rev)


# --- check mode, diff -------------------------------------------------------------------------


def test_check_mode_reads_everything_writes_nothing_and_predicts_the_real_run(tmp_path, emu):
    """Check mode reads every job, sends no write, and reports the changed the real run then reports."""
    new = canary()
    ledger = str(tmp_path / "ledger.json")
    spec = task(emu, jobs=[{"id": JOB, "endpoint": "source"}, {"id": MIGR, "endpoint": "source"}],
                password=new, ledger=ledger)

    predicted = play(tmp_path, emu, spec, check=True)
    assert predicted.rc == 0, predicted.text()[-3000:]
    assert predicted.result("dts")["changed"] is True
    assert [r["outcome"] for r in predicted.result("dts")["results"]] == ["updated", "updated"]
    assert sorted(e["action"] for e in journal(emu)) == ["DescribeDtsJobDetail"] * 2
    assert writes(emu) == []
    assert not stores(emu, JOB, "src", new)

    real = play(tmp_path, emu, spec)
    assert real.result("dts")["changed"] is predicted.result("dts")["changed"]

    emu.journal.clear()
    predicted_again = play(tmp_path, emu, spec, check=True)
    assert predicted_again.result("dts")["changed"] is False
    assert writes(emu) == []
    real_again = play(tmp_path, emu, spec)
    assert real_again.result("dts")["changed"] is False
    assert writes(emu) == []
    for run in (predicted, real, predicted_again, real_again):
        assert_no_secrets(run, emu, new)


def test_diff_names_the_changed_endpoints_and_never_a_password(tmp_path, emu):
    """--diff shows which job endpoints change; no password in it."""
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new), check=True)
    diff = run.result("dts")["diff"]
    assert JOB in diff["after"] and "source" in diff["after"]
    assert "%s/forward/source" % JOB in run.stdout
    assert_no_secrets(run, emu, new)


# --- preflight and policy ---------------------------------------------------------------------


def test_preflight_fails_the_whole_task_before_any_write_naming_each_target_and_state(tmp_path, emu):
    """Missing job, refused states, CanModifyPassword false, user mismatch, no reverse side: no write at all."""
    new = canary()
    run = play(tmp_path, emu, task(emu, password=new, jobs=[
        {"id": JOB, "endpoint": "source"},                              # fine on its own
        {"id": "dtsnosuchjob01", "endpoint": "source"},
        {"id": FINISHED, "endpoint": "destination"},
        {"id": MODIFYING, "endpoint": "source"},
        {"id": LOCKED_PW, "endpoint": "source"},
        {"id": MIGR, "endpoint": "destination", "user": "someone_else"},
        {"id": MIGR, "endpoint": "source", "direction": "reverse"},
    ]))
    assert run.rc != 0
    result = run.result("dts")
    msg = result["msg"]
    assert "Preflight failed for 6 of 7" in msg
    for needle in ("dts job dtsnosuchjob01 source endpoint (missing): the job does not exist in region cn-hangzhou",
                   "dts job %s destination endpoint (Finished): the job's state Finished refuses" % FINISHED,
                   "dts job %s source endpoint (Modifying): the job's state Modifying refuses" % MODIFYING,
                   "dts job %s source endpoint (Synchronizing): CanModifyPassword is false" % LOCKED_PW,
                   "dts job %s destination endpoint (Migrating): the job uses account dst_0002, not someone_else"
                   % MIGR,
                   "dts job %s source endpoint (reverse direction) (missing): the job has no reverse direction"
                   % MIGR):
        assert needle in msg, msg
    assert result["error"]["code"] == "PreflightFailed"
    assert result["error"]["kind"] == "precondition"
    outcomes = dict(((r["id"], r["endpoint"], r["direction"]), (r["outcome"], r["error_code"], r["status"]))
                    for r in result["results"])
    assert outcomes[(JOB, "source", "forward")] == ("skipped", None, "Synchronizing")
    assert outcomes[("dtsnosuchjob01", "source", "forward")] == ("skipped", "JobNotFound", "missing")
    assert outcomes[(FINISHED, "destination", "forward")] == ("skipped", "JobStatus", "Finished")
    assert outcomes[(LOCKED_PW, "source", "forward")] == ("skipped", "PasswordNotModifiable", "Synchronizing")
    assert outcomes[(MIGR, "destination", "forward")] == ("skipped", "UserMismatch", "Migrating")
    assert writes(emu) == []
    assert changes(emu, JOB, "source") == 0
    assert_no_secrets(run, emu, new)


def test_policy_violation_fails_before_any_call_naming_the_rule(tmp_path, emu):
    """A password that breaks password_policy fails before any API call, naming the policy and the rule."""
    weak = "cnry%s" % uuid.uuid4().hex[:4]  # 8 chars, lower-case and digits only
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=weak + ".",
                                   password_policy=["gaussdb_mysql"]))
    assert run.rc != 0
    result = run.result("dts")
    assert "gaussdb_mysql: must contain at least 3 of" in result["msg"]
    assert "character '.' is not an allowed special" in result["msg"]
    assert result["error"]["code"] == "PasswordPolicy"
    assert journal(emu) == [], "no API call at all"
    assert_no_secrets(run, emu, weak + ".")


def test_missing_password_and_duplicates_fail_before_any_call(tmp_path, emu):
    """No password for an endpoint, or an endpoint listed twice, fails before any call."""
    new = canary()
    no_password = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}]))
    assert no_password.rc != 0
    assert "No password for dts job %s source endpoint" % JOB in no_password.result("dts")["msg"]
    twice = play(tmp_path, emu, task(emu, password=new, jobs=[{"id": JOB, "endpoint": "source"},
                                                              {"id": JOB, "endpoint": "source"}]))
    assert twice.rc != 0 and "listed twice" in twice.result("dts")["msg"]
    bad_bound = play(tmp_path, emu, task(emu, password=new, concurrency=0, jobs=[{"id": JOB, "endpoint": "source"}]))
    assert bad_bound.rc != 0 and "concurrency must be between 1 and 64" in bad_bound.result("dts")["msg"]
    assert journal(emu) == []
    for run in (no_password, twice, bad_bound):
        assert_no_secrets(run, emu, new)


# --- retries and uncertain writes -------------------------------------------------------------


def test_throttling_and_read_5xx_are_survived_within_the_retry_budget(tmp_path, emu):
    """Throttled writes (certainly not applied) are retried; a 503 on the preflight read is retried."""
    add_fault(emu, kind="throttle", count=2, retry_after=50, match={"action": "ModifyDtsJobPassword"})
    add_fault(emu, kind="error", status=503, count=1, match={"action": "DescribeDtsJobDetail"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new))
    assert run.rc == 0, run.text()[-3000:]
    assert run.result("dts")["results"][0]["outcome"] == "updated"
    assert [(e["action"], e["status"], e["error_code"]) for e in journal(emu)] == [
        ("DescribeDtsJobDetail", 503, "ServiceUnavailable"),
        ("DescribeDtsJobDetail", 200, None),
        ("ModifyDtsJobPassword", 400, "Throttling.User"),
        ("ModifyDtsJobPassword", 400, "Throttling.User"),
        ("ModifyDtsJobPassword", 200, None),
    ]
    assert changes(emu, JOB, "source") == 1
    assert_no_secrets(run, emu, new)


def test_persistent_throttling_fails_after_the_configured_attempts_with_the_providers_code(tmp_path, emu):
    """Always throttled: exactly `retries` write attempts, then a failure carrying Throttling.User."""
    add_fault(emu, kind="throttle", count=0, retry_after=20, match={"action": "ModifyDtsJobPassword"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new, retries=3))
    assert run.rc != 0
    result = run.result("dts")
    assert result["results"][0]["outcome"] == "failed"
    assert result["results"][0]["error_code"] == "Throttling.User"
    assert result["error"]["code"] == "Throttling.User"
    assert "ModifyDtsJobPassword failed for 1 of 1" in result["msg"] and JOB in result["msg"]
    assert result["error"]["kind"] == "throttled" and result["http_status"] == 400
    assert len(writes(emu)) == 3
    assert_no_secrets(run, emu, new)


def test_write_5xx_after_it_applied_is_confirmed_not_blindly_resent(tmp_path, emu):
    """A 500 after the change applied: the module re-reads the job and confirms; DTS's PasswordSame proves it.

    The password is applied exactly once, and the endpoint is reported updated (changed=true).
    """
    add_fault(emu, kind="error", status=500, count=1, after=True, match={"action": "ModifyDtsJobPassword"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new))
    assert run.rc == 0, run.text()[-3000:]
    result = run.result("dts")
    assert result["changed"] is True
    assert result["results"][0]["outcome"] == "updated"
    assert [(e["action"], e["status"], e["error_code"]) for e in journal(emu)] == [
        ("DescribeDtsJobDetail", 200, None),
        ("ModifyDtsJobPassword", 500, "InternalError"),
        ("DescribeDtsJobDetail", 200, None),
        ("ModifyDtsJobPassword", 200, "DTS.Msg.InvalidParameter.PasswordSame"),
    ]
    assert changes(emu, JOB, "source") == 1
    assert stores(emu, JOB, "src", new)
    assert len(result["request_ids"]) == 3
    assert_no_secrets(run, emu, new)


def test_write_5xx_before_it_applied_is_confirmed_by_one_call_that_applies(tmp_path, emu):
    """A 503 before the change applied: after the re-read, one confirming call applies it (still once)."""
    add_fault(emu, kind="error", status=503, count=1, match={"action": "ModifyDtsJobPassword"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new))
    assert run.rc == 0, run.text()[-3000:]
    assert run.result("dts")["results"][0]["outcome"] == "updated"
    assert [(e["action"], e["status"]) for e in writes(emu)] == [
        ("ModifyDtsJobPassword", 503), ("ModifyDtsJobPassword", 200)]
    assert changes(emu, JOB, "source") == 1
    assert_no_secrets(run, emu, new)


def test_uncertain_write_with_persistent_5xx_fails_saying_it_may_have_applied(tmp_path, emu):
    """Both the write and its confirmation get 5xx: failed, never a third write, and the result says so."""
    add_fault(emu, kind="error", status=500, count=0, match={"action": "ModifyDtsJobPassword"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=new))
    assert run.rc != 0
    entry = run.result("dts")["results"][0]
    assert entry["outcome"] == "failed" and entry["error_code"] == "InternalError"
    assert "may have applied" in entry["error_msg"]
    assert run.result("dts")["may_have_applied"] is True and run.result("dts")["http_status"] == 500
    assert len(writes(emu)) == 2
    assert_no_secrets(run, emu, new)


def test_partial_failure_is_reported_per_endpoint_and_a_ledger_rerun_touches_only_the_failed_one(tmp_path, emu):
    """One endpoint refused (auth error, not retried), the other updated; the re-run writes only the failed one."""
    add_fault(emu, kind="error", status=403, code="Forbidden.RAM", message="User not authorized to operate.",
              count=1, match={"action": "ModifyDtsJobPassword"})
    new = canary()
    ledger = str(tmp_path / "ledger.json")
    spec = task(emu, jobs=[{"id": JOB, "endpoint": "source"}, {"id": MIGR, "endpoint": "source"}], password=new,
                ledger=ledger, concurrency=1)
    run = play(tmp_path, emu, spec)
    assert run.rc != 0
    result = run.result("dts")
    assert [(r["id"], r["outcome"], r["error_code"]) for r in result["results"]] == [
        (JOB, "failed", "Forbidden.RAM"), (MIGR, "updated", None)]
    assert result["changed"] is True
    assert "ModifyDtsJobPassword failed for 1 of 2 DTS job endpoint(s): %s source (Forbidden.RAM)" % JOB \
        in result["msg"]
    assert len(writes(emu)) == 2

    emu.journal.clear()
    rerun = play(tmp_path, emu, spec)
    assert rerun.rc == 0, rerun.text()[-3000:]
    assert [(r["id"], r["outcome"]) for r in rerun.result("dts")["results"]] == [
        (JOB, "updated"), (MIGR, "unchanged")]
    assert len(writes(emu)) == 1
    assert changes(emu, MIGR, "source") == 1 and changes(emu, JOB, "source") == 1
    for r in (run, rerun):
        assert_no_secrets(r, emu, new)


# --- concurrency and secrecy ------------------------------------------------------------------


def max_in_flight(entries, slack=0.005):
    """Most calls in flight at once, from journal entries (time at completion, latency in ms)."""
    events = []
    for e in entries:
        end = e["time"]
        start = end - e["latency_ms"] / 1000.0
        events.append((start + slack, 1))
        events.append((end - slack, -1))
    current = peak = 0
    for dummy, delta in sorted(events, key=lambda item: (item[0], item[1])):
        current += delta
        peak = max(peak, current)
    return peak


def test_many_jobs_run_concurrently_under_the_bound(tmp_path, emulator_factory):
    """40 job endpoints with 0.3 s per change: at most `concurrency` (8) in flight, and clearly more than one."""
    many = ["dtsmany%07d" % i for i in range(40)]
    emu = emulator_factory(fixtures(extra_jobs=[job(i, "Synchronizing") for i in many]))
    add_fault(emu, kind="latency", delay=0.3, count=0, match={"action": "ModifyDtsJobPassword"})
    add_fault(emu, kind="latency", delay=0.1, count=0, match={"action": "DescribeDtsJobDetail"})
    new = canary()
    run = play(tmp_path, emu, task(emu, jobs=[{"id": i, "endpoint": "source"} for i in many], password=new,
                                   concurrency=8), verbosity=1)
    assert run.rc == 0, run.text()[-3000:]
    assert [r["outcome"] for r in run.result("dts")["results"]] == ["updated"] * 40
    changes_made = writes(emu)
    assert len(changes_made) == 40
    assert all(e["latency_ms"] >= 290 for e in changes_made)
    peak = max_in_flight(changes_made)
    assert 4 <= peak <= 8, peak
    assert 2 <= max_in_flight(reads(emu)) <= 8
    span = max(e["time"] for e in changes_made) - min(e["time"] - e["latency_ms"] / 1000.0 for e in changes_made)
    assert span < 0.5 * 40 * 0.3, "40 changes of 0.3 s took %.1f s: not concurrent" % span
    assert all(stores(emu, i, "src", new) for i in many)
    assert_no_secrets(run, emu, new)


def test_concurrency_one_is_serial(tmp_path, emulator_factory):
    """concurrency=1: never two calls in flight."""
    many = ["dtsser%08d" % i for i in range(5)]
    emu = emulator_factory(fixtures(extra_jobs=[job(i, "Synchronizing") for i in many]))
    add_fault(emu, kind="latency", delay=0.1, count=0, match={"action": "ModifyDtsJobPassword"})
    add_fault(emu, kind="latency", delay=0.05, count=0, match={"action": "DescribeDtsJobDetail"})
    run = play(tmp_path, emu, task(emu, jobs=[{"id": i, "endpoint": "destination"} for i in many],
                                   password=canary(), concurrency=1), verbosity=1)
    assert run.rc == 0
    assert max_in_flight(writes(emu)) == 1
    assert max_in_flight(reads(emu)) == 1


def test_password_is_never_in_a_url_only_in_the_signed_body(tmp_path, emu):
    """Every request's path, raw query and headers are free of the password; it travels as a form field."""
    seen = []
    original = emu.dispatch

    def recording(req):
        seen.append({"path": req.path, "raw_query": req.raw_query, "headers": req.headers.items(),
                     "query_keys": [pair[0] for pair in req.query], "form": req.form()})
        return original(req)

    emu.dispatch = recording
    new, own = canary("default"), canary("own")
    run = play(tmp_path, emu, task(emu, password=new, jobs=[{"id": JOB, "endpoint": "source"},
                                                            {"id": JOB, "endpoint": "destination", "password": own}]))
    assert run.rc == 0, run.text()[-3000:]
    assert len(seen) == 3
    for request in seen:
        for secret in (new, own):
            assert secret not in request["path"]
            assert secret not in request["raw_query"]
            assert all(secret not in pair[1] for pair in request["headers"])
        assert "Password" not in request["query_keys"]
    written = sorted(dict(r["form"]).get("Password") for r in seen if r["form"])
    assert written == sorted([new, own]), "the passwords travel only in the form body"
    assert all(e["path"] == "/" for e in journal(emu))
    assert_no_secrets(run, emu, new, own)


def test_no_secret_in_any_output_on_success_and_failure_paths(tmp_path, emu):
    """-vvvv --diff: neither the passwords nor the secret key show, on success and on every failure path."""
    new, own = canary("default"), canary("own")
    runs = [play(tmp_path, emu, task(emu, password=new, jobs=[{"id": JOB, "endpoint": "source", "password": own},
                                                              {"id": MIGR, "endpoint": "source"}]))]
    # preflight failure, policy failure, write failure, invalid option, unreachable endpoint
    runs.append(play(tmp_path, emu, task(emu, password=new, jobs=[{"id": FINISHED, "endpoint": "source",
                                                                   "password": own}])))
    runs.append(play(tmp_path, emu, task(emu, password=new + "\u00e9", password_policy=["dcs"],
                                         jobs=[{"id": JOB, "endpoint": "source", "password": own + ":"}])))
    add_fault(emu, kind="error", status=400, code="InvalidParameter", message="Bad request.", count=1,
              match={"action": "ModifyDtsJobPassword"})
    runs.append(play(tmp_path, emu, task(emu, password=new, jobs=[{"id": TWOWAY, "endpoint": "source"}])))
    runs.append(play(tmp_path, emu, task(emu, password=new, no_such_option=own,
                                         jobs=[{"id": JOB, "endpoint": "source", "password": own}])))
    runs.append(play(tmp_path, emu, task(emu, password=new, endpoint_url="http://127.0.0.1:9", retries=1,
                                         jobs=[{"id": JOB, "endpoint": "source", "password": own}])))
    assert runs[0].rc == 0
    assert all(r.rc != 0 for r in runs[1:])
    assert runs[3].result("dts")["results"][0]["error_code"] == "InvalidParameter"
    for run in runs:
        assert_no_secrets(run, emu, new, own, ALI_SK)


def test_auth_failure_in_preflight_is_structured_and_writes_nothing(tmp_path, emu):
    """A wrong secret key: the first read fails with the provider's code, http status and request id."""
    run = play(tmp_path, emu, task(emu, jobs=[{"id": JOB, "endpoint": "source"}], password=canary()),
               env=dict(alibaba_env(emu), ALICLOUD_SECRET_KEY="not-the-secret-0001"))
    assert run.rc != 0
    result = run.result("dts")
    assert result["error"]["code"] == "SignatureDoesNotMatch"
    assert result["http_status"] == 400 and result["request_id"]
    assert "Cannot read dts job %s" % JOB in result["msg"]
    assert writes(emu) == []
    assert_no_secrets(run, emu, "not-the-secret-0001")


# --- ad hoc and module_defaults ---------------------------------------------------------------


def test_works_ad_hoc(tmp_path, emu):
    """ansible localhost -m credrotate.cloud.dts_job_password -a '{...}' changes the password."""
    new = canary()
    run = run_adhoc(tmp_path, "dts_job_password",
                    {"endpoint_url": emu.base_url, "password": new, "jobs": [{"id": JOB, "endpoint": "destination"}]},
                    env=alibaba_env(emu))
    assert run.rc == 0, run.text()[-3000:]
    assert "outcome: updated" in run.stdout
    assert run.results == [] or run.results[-1]["result"]["results"][0]["outcome"] == "updated"
    assert stores(emu, JOB, "dest", new)
    assert_no_secrets(run, emu, new, ALI_SK)


def test_works_under_module_defaults_for_the_alicloud_group(tmp_path, emu):
    """Connection options and credentials set once with module_defaults: group/credrotate.cloud.alicloud."""
    new = canary()
    defaults = {"group/credrotate.cloud.alicloud": {"endpoint_url": emu.base_url, "access_key": ALI_AK,
                                                    "secret_key": ALI_SK, "region": "cn-hangzhou"}}
    run = run_playbook(tmp_path, [{"name": "dts", MODULE: {"password": new,
                                                           "jobs": [{"id": MIGR, "endpoint": "destination"}]}}],
                       env={}, module_defaults=defaults)
    assert run.rc == 0, run.text()[-3000:]
    assert run.result("dts")["changed"] is True
    assert stores(emu, MIGR, "dest", new)
    assert_no_secrets(run, emu, new, ALI_SK)
