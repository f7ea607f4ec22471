"""The emulated GaussDB(for MySQL) v3: show instance, root reset, db users, async password jobs.

Every test starts its own emulator (``emulator_factory``) and talks HTTP to it, signed with the
collection's own signer (``emulator.signing.signing.huawei_sign``), or through the official
``huaweicloudsdkgaussdb`` client; ``real_backend`` tests prove changes with real MariaDB logins.
"""

import copy
import json
import time
import uuid

import pytest
import requests

from emulator.signing import signing

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
AK, SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"

GDB = "5b0b0f2ec6a34c3e9bd0b36e5a2bd3c5in07"
GDB_FROZEN = "6c1c1f3fd7b45d4f0ce1c47f6b3ce4d6in07"
GDB_OTHER = "7d2d2f4fe8c56e5f1df2d58f7c4df5e7in07"
ROOT_PW = "Root-Old-Passw0rd!"
APP_PW, REPORT_PW = "App-Old-Passw0rd1", "Report-Old-Passw0rd1"
NEW_PW = "N3w-Passw0rd=rotated"
FAST = {"gaussdb_job_invisible_seconds": 0.15, "gaussdb_job_pending_seconds": 0.1, "gaussdb_job_run_seconds": 0.2}


def _iam():
    return {"domains": [{
        "id": "d0000000000000000000000000000001", "name": "demo-domain", "users": [],
        "projects": [{"id": PROJECT, "name": "cn-north-4"}, {"id": OTHER_PROJECT, "name": "cn-east-3"}],
        "access_keys": [{"access": AK, "secret": SK, "user": "demo-user"}]}]}


FIXTURES = {
    "settings": dict(FAST),
    "iam": _iam(),
    "gaussdb": {"instances": [
        {"id": GDB, "name": "gdb-orders", "project_id": PROJECT, "status": "ACTIVE", "root_password": ROOT_PW,
         "port": 3306, "users": [
             {"name": "app", "host": "%", "password": APP_PW, "databases": ["orders"]},
             {"name": "report", "host": "10.0.0.%", "password": REPORT_PW, "comment": "BI",
              "databases": [{"name": "orders", "readonly": True}]},
         ] + [{"name": "bulk%02d" % n, "host": "%", "password": "Bulk-Passw0rd%02d" % n} for n in range(5)]},
        {"id": GDB_FROZEN, "name": "gdb-frozen", "project_id": PROJECT, "status": "FROZEN", "root_password": ROOT_PW,
         "users": [{"name": "app", "host": "%", "password": APP_PW}]},
        {"id": GDB_OTHER, "name": "gdb-east", "project_id": OTHER_PROJECT, "root_password": ROOT_PW, "users": []},
    ]},
}


def call(emu, method, path, body=None, raw=None, project=PROJECT):
    """Send a GaussDB request signed like the official SDK does."""
    url = emu.base_url + path
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode("utf-8"))
    headers = signing.huawei_sign(method, url, {"Content-Type": "application/json;charset=UTF-8",
                                                "X-Project-Id": project}, data, AK, SK)
    return requests.request(method, url, data=data, headers=headers, timeout=10)


def inst_path(instance_id=GDB, project=PROJECT):
    return "/v3/%s/instances/%s" % (project, instance_id)


def reset_root(emu, password, instance_id=GDB, **kw):
    return call(emu, "POST", inst_path(instance_id) + "/password", {"password": password}, **kw)


def reset_users(emu, users, instance_id=GDB):
    return call(emu, "PUT", inst_path(instance_id) + "/db-users/password", {"users": users})


def get_job(emu, job_id, project=PROJECT):
    return call(emu, "GET", "/v3/%s/jobs?id=%s" % (project, job_id), project=project)


def wait_job(emu, job_id, timeout=5.0):
    """Poll until Completed/Failed; return (final job body, list of statuses/error codes seen)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = get_job(emu, job_id)
        if resp.status_code == 200:
            job = resp.json()["job"]
            seen.append(job["status"])
            if job["status"] in ("Completed", "Failed"):
                return job, seen
        else:
            seen.append(resp.json()["error_code"])
        time.sleep(0.02)
    raise AssertionError("job %s did not finish: %s" % (job_id, seen))


def stored_instance(emu, instance_id=GDB):
    return next(i for i in emu.dump()["gaussdb"]["instances"] if i["id"] == instance_id)


def stored_user(emu, name, host="%", instance_id=GDB):
    return next(u for u in stored_instance(emu, instance_id)["users"] if (u["name"], u["host"]) == (name, host))


def admin(emu, path, body=None):
    return requests.post(emu.base_url + "/_emulator/" + path, json=body or {}, timeout=10)


def journal(emu):
    return requests.get(emu.base_url + "/_emulator/journal", timeout=10).json()["entries"]


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(FIXTURES)


# -- show instance -----------------------------------------------------------------------------


def test_show_instance_returns_the_instance_body_with_string_port_and_loopback_address(emu):
    """ShowGaussMySqlInstanceInfo returns id, name, status, port as a string, Cluster type, root name, address, nodes."""
    resp = call(emu, "GET", inst_path())
    assert resp.status_code == 200
    inst = resp.json()["instance"]
    assert inst["id"] == GDB and inst["name"] == "gdb-orders" and inst["status"] == "ACTIVE"
    assert inst["port"] == "3306" and isinstance(inst["port"], str)
    assert inst["type"] == "Cluster" and inst["db_user_name"] == "root"
    assert inst["private_write_ips"] == ["127.0.0.1"]
    assert inst["datastore"]["type"] == "gaussdb-mysql"
    assert inst["nodes"] and inst["nodes"][0]["port"] == 3306 and inst["nodes"][0]["status"] == "ACTIVE"
    assert "password" not in resp.text.lower().replace("db_user_name", "")
    assert resp.headers["X-Request-Id"]


def test_show_instance_defaults_port_to_1_so_probes_are_refused_in_memory_mode(emu):
    """An instance without a fixture port reports port "1" (a probe against it is refused at once)."""
    inst = call(emu, "GET", inst_path(GDB_FROZEN)).json()["instance"]
    assert inst["port"] == "1" and inst["status"] == "FROZEN"


@pytest.mark.parametrize("instance_id,project", [
    ("00000000000000000000000000000000in07", PROJECT),
    (GDB_OTHER, PROJECT),  # exists, but in another project
])
def test_show_unknown_instance_is_404_dbs_201028(emu, instance_id, project):
    """An unknown instance, or one of another project, is 404 DBS.201028 'instance does not exist'."""
    resp = call(emu, "GET", inst_path(instance_id, project))
    assert resp.status_code == 404
    assert resp.json()["error_code"] == "DBS.201028"


def test_instance_of_the_other_project_is_visible_in_its_own_project(emu):
    """Project scoping works both ways: the east instance is found under its own project id."""
    resp = call(emu, "GET", inst_path(GDB_OTHER, OTHER_PROJECT), project=OTHER_PROJECT)
    assert resp.status_code == 200 and resp.json()["instance"]["id"] == GDB_OTHER


# -- root reset --------------------------------------------------------------------------------


def test_root_reset_returns_200_empty_object_and_changes_the_root_password(emu):
    """ResetGaussMySqlPassword answers 200 {} and the new root password logs in (old one no longer)."""
    resp = reset_root(emu, NEW_PW)
    assert resp.status_code == 200 and resp.json() == {}
    assert stored_instance(emu)["root_password"] == NEW_PW
    assert emu.databases.check(GDB, "root", NEW_PW) is True
    assert emu.databases.check(GDB, "root", ROOT_PW) is False
    entry = journal(emu)[-1]
    assert entry["action"] == "ResetGaussMySqlPassword" and entry["write"] is True and entry["status"] == 200


@pytest.mark.parametrize("password", [
    "Sh0rt!",                                  # too short
    "A" * 20 + "a" * 10 + "1!3",               # 33 characters
    "alllowercase1",                           # two classes
    "Has Space-1x",                            # space not allowed
    "Colon:Passw0rd",                          # ':' not in the special list
    "Admin@123",                               # common weak password
    "Root@123",                                # common weak password (case-insensitive list)
])
def test_root_reset_rejects_weak_or_policy_breaking_passwords_with_dbs_280203(emu, password):
    """A password breaking the GaussDB policy is 400 DBS.280203; the message never echoes it; nothing changes."""
    resp = reset_root(emu, password)
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "DBS.280203"
    assert password not in resp.text
    assert stored_instance(emu)["root_password"] == ROOT_PW


def test_root_reset_rejects_the_account_name_as_password(emulator_factory):
    """The account name (or its reverse) is not accepted as its password."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["gaussdb"]["instances"][0]["db_user_name"] = "Gdb_Admin_01"
    emu = emulator_factory(fixtures)
    for candidate in ("Gdb_Admin_01", "10_nimdA_bdG"):
        resp = reset_root(emu, candidate)
        assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.280203"


@pytest.mark.parametrize("raw,code", [(b"", "DBS.200006"), (b"not json", "DBS.200001"), (b"{}", "DBS.200001"),
                                      (b'{"password": 12345678}', "DBS.200001")])
def test_root_reset_validates_the_body(emu, raw, code):
    """Empty body is DBS.200006; malformed JSON or a missing/non-string password is DBS.200001."""
    resp = call(emu, "POST", inst_path() + "/password", raw=raw)
    assert resp.status_code == 400 and resp.json()["error_code"] == code


def test_root_reset_on_a_non_active_instance_is_dbs_200086(emu):
    """A write on an instance whose status is not ACTIVE is 400 DBS.200086."""
    resp = reset_root(emu, NEW_PW, GDB_FROZEN)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.200086"
    assert stored_instance(emu, GDB_FROZEN)["root_password"] == ROOT_PW


def test_root_reset_on_unknown_instance_is_404(emu):
    """Root reset on an unknown instance is 404 DBS.201028."""
    resp = reset_root(emu, NEW_PW, "00000000000000000000000000000000in07")
    assert resp.status_code == 404 and resp.json()["error_code"] == "DBS.201028"


# -- db users ----------------------------------------------------------------------------------


def test_list_db_users_pages_with_total_count_and_never_returns_passwords(emu):
    """ListGaussMySqlDatabaseUser pages by offset/limit, reports total_count and the users' databases."""
    first = call(emu, "GET", inst_path() + "/db-users?offset=0&limit=3")
    assert first.status_code == 200
    body = first.json()
    assert body["total_count"] == 7 and len(body["users"]) == 3
    assert body["users"][0] == {"name": "app", "host": "%", "comment": "",
                                "databases": [{"name": "orders", "readonly": False}]}
    assert body["users"][1]["databases"] == [{"name": "orders", "readonly": True}]
    rest = call(emu, "GET", inst_path() + "/db-users?offset=3&limit=100").json()
    names = [u["name"] for u in body["users"] + rest["users"]]
    assert names == ["app", "report"] + ["bulk%02d" % n for n in range(5)]
    default = call(emu, "GET", inst_path() + "/db-users").json()
    assert len(default["users"]) == 7
    for text in (first.text, json.dumps(rest)):
        assert "password" not in text and APP_PW not in text


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "offset=-1"])
def test_list_db_users_validates_offset_and_limit(emu, query):
    """limit must be 1-100 and offset >= 0, else 400 DBS.200001."""
    resp = call(emu, "GET", inst_path() + "/db-users?" + query)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.200001"


def test_user_password_job_is_invisible_then_runs_then_completes_and_applies_the_password(emu):
    """PUT db-users/password is 202 + job_id; the job is briefly DBS.200543, then Completed; the password
    changes only when the job completes."""
    resp = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}])
    assert resp.status_code == 202
    job_id = resp.json()["job_id"]
    assert uuid.UUID(job_id)
    early = get_job(emu, job_id)
    assert early.status_code == 400 and early.json()["error_code"] == "DBS.200543"
    assert stored_user(emu, "app")["password"] == APP_PW  # not applied yet
    job, seen = wait_job(emu, job_id)
    assert seen[0] == "DBS.200543" and seen[-1] == "Completed"
    assert job["id"] == job_id and job["name"] and job["instance"] == {"id": GDB, "name": "gdb-orders"}
    assert job["created"].endswith("+0000") and job["ended"] and job["process"] == ""
    assert job["fail_reason"] is None
    assert job["entities"]["users"] == [{"name": "app", "host": "%"}]
    assert NEW_PW not in json.dumps(job)
    assert stored_user(emu, "app")["password"] == NEW_PW
    assert emu.databases.check(GDB, "app", NEW_PW) is True
    assert emu.databases.check(GDB, "app", APP_PW) is False


def test_user_password_job_goes_pending_running_completed_with_progress(emulator_factory):
    """With no invisibility the poller sees Pending, then Running with a percentage, then Completed."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"gaussdb_job_invisible_seconds": 0, "gaussdb_job_pending_seconds": 0.25,
                            "gaussdb_job_run_seconds": 0.4}
    emu = emulator_factory(fixtures)
    job_id = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"]
    processes = []
    deadline = time.monotonic() + 5
    seen = []
    while time.monotonic() < deadline:
        job = get_job(emu, job_id).json()["job"]
        seen.append(job["status"])
        if job["status"] == "Running":
            processes.append(job["process"])
            assert job["ended"] is None
        if job["status"] == "Completed":
            break
        time.sleep(0.03)
    assert seen[0] == "Pending" and "Running" in seen and seen[-1] == "Completed"
    assert seen.index("Running") > seen.index("Pending")
    assert processes and all(p.endswith("%") for p in processes)


def test_user_password_job_completes_even_if_nobody_polls(emu):
    """The job finishes on a timer: the password is applied without any GET /jobs."""
    reset_users(emu, [{"name": "bulk00", "host": "%", "password": NEW_PW}])
    deadline = time.monotonic() + 3
    while stored_user(emu, "bulk00")["password"] != NEW_PW and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stored_user(emu, "bulk00")["password"] == NEW_PW
    assert emu.summary()["gaussdb"]["jobs"][0]["status"] == "Completed"


def test_a_second_password_write_while_a_job_runs_is_409_dbs_200047(emu):
    """While a job runs on the instance, another db-users change and a root reset both get 409 DBS.200047."""
    assert reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}]).status_code == 202
    again = reset_users(emu, [{"name": "bulk01", "host": "%", "password": NEW_PW}])
    assert again.status_code == 409 and again.json()["error_code"] == "DBS.200047"
    root = reset_root(emu, NEW_PW)
    assert root.status_code == 409 and root.json()["error_code"] == "DBS.200047"
    time.sleep(0.4)  # pending 0.1 + run 0.2
    assert reset_root(emu, NEW_PW).status_code == 200
    assert stored_user(emu, "bulk01")["password"] == "Bulk-Passw0rd01"


def test_batch_changes_many_users_in_one_job(emu):
    """One call changes several users (each with its own password) in one job."""
    users = [{"name": "bulk%02d" % n, "host": "%", "password": "Bulk-New-Passw0rd%02d" % n} for n in range(5)]
    job, dummy = wait_job(emu, reset_users(emu, users).json()["job_id"])
    assert job["status"] == "Completed"
    for n in range(5):
        assert stored_user(emu, "bulk%02d" % n)["password"] == "Bulk-New-Passw0rd%02d" % n


def test_more_than_50_users_is_rejected_with_dbs_200001(emu):
    """At most 50 users per call: 51 is 400 DBS.200001 and no job is created."""
    users = [{"name": "app", "host": "%", "password": NEW_PW}] * 51
    resp = reset_users(emu, users)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.200001"
    assert emu.summary()["gaussdb"]["jobs"] == []


@pytest.mark.parametrize("user", [
    {"name": "ghost", "host": "%", "password": NEW_PW},       # no such user
    {"name": "report", "host": "%", "password": NEW_PW},      # exists, but for host 10.0.0.%
])
def test_unknown_user_or_host_is_dbs_200824(emu, user):
    """Users are matched by name and host; a miss is 400 DBS.200824 and nothing changes."""
    resp = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}, user])
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.200824"
    assert stored_user(emu, "app")["password"] == APP_PW
    assert emu.summary()["gaussdb"]["jobs"] == []


def test_user_password_policy_violation_is_dbs_280203(emu):
    """A weak user password is 400 DBS.280203 naming the user, not the password."""
    resp = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW},
                             {"name": "report", "host": "10.0.0.%", "password": "weakpassword"}])
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.280203"
    assert "report" in resp.json()["error_msg"] and "weakpassword" not in resp.text


@pytest.mark.parametrize("raw,code", [
    (b"", "DBS.200006"),
    (b"[1, 2]", "DBS.200001"),
    (b'{"users": []}', "DBS.200001"),
    (b'{"users": [{"name": "app", "host": "%"}]}', "DBS.200001"),
    (b'{"users": [{"name": "bad-name!", "host": "%", "password": "N3w-Passw0rd=x"}]}', "DBS.200001"),
    (b'{"users": [{"name": "app", "host": "%", "password": "N3w-Passw0rd=x"},'
     b' {"name": "app", "host": "%", "password": "N3w-Passw0rd=y"}]}', "DBS.200001"),
])
def test_user_password_body_validation(emu, raw, code):
    """Empty body, non-object, empty users, missing fields, bad names and duplicates are rejected."""
    resp = call(emu, "PUT", inst_path() + "/db-users/password", raw=raw)
    assert resp.status_code == 400 and resp.json()["error_code"] == code


def test_user_password_on_non_active_instance_is_dbs_200086(emu):
    """db-users/password on a FROZEN instance is 400 DBS.200086."""
    resp = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}], GDB_FROZEN)
    assert resp.status_code == 400 and resp.json()["error_code"] == "DBS.200086"


def test_admin_fail_next_job_makes_the_job_fail_with_the_reason_and_change_nothing(emu):
    """POST /_emulator/gaussdb/instances/<id>/fail-next-job: the next job ends Failed with fail_reason."""
    resp = admin(emu, "gaussdb/instances/%s/fail-next-job" % GDB, {"fail_reason": "Injected: disk full"})
    assert resp.status_code == 200 and resp.json()["pending_failures"] == 1
    job, seen = wait_job(emu, reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"])
    assert job["status"] == "Failed" and job["fail_reason"] == "Injected: disk full"
    assert seen[-1] == "Failed" and "Completed" not in seen
    assert stored_user(emu, "app")["password"] == APP_PW
    # only the next job fails
    job, dummy = wait_job(emu, reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"])
    assert job["status"] == "Completed" and stored_user(emu, "app")["password"] == NEW_PW


def test_admin_set_status_blocks_writes_and_unknown_instance_is_404(emu):
    """POST /_emulator/gaussdb/instances/<id>/status changes the status that show-instance and writes see."""
    assert admin(emu, "gaussdb/instances/%s/status" % GDB, {"status": "MODIFYING"}).status_code == 200
    assert call(emu, "GET", inst_path()).json()["instance"]["status"] == "MODIFYING"
    assert reset_root(emu, NEW_PW).json()["error_code"] == "DBS.200086"
    assert admin(emu, "gaussdb/instances/%s/status" % GDB, {"status": "ACTIVE"}).status_code == 200
    assert reset_root(emu, NEW_PW).status_code == 200
    assert admin(emu, "gaussdb/instances/nope/status", {"status": "ACTIVE"}).status_code == 404
    assert admin(emu, "gaussdb/instances/nope/fail-next-job").status_code == 404
    assert admin(emu, "gaussdb/instances/%s/status" % GDB, {}).status_code == 400


# -- jobs --------------------------------------------------------------------------------------


def test_job_query_errors(emu):
    """Unknown job id is DBS.200543; a missing id is DBS.200001; another project's job is not found."""
    unknown = get_job(emu, str(uuid.uuid4()))
    assert unknown.status_code == 400 and unknown.json()["error_code"] == "DBS.200543"
    missing = call(emu, "GET", "/v3/%s/jobs" % PROJECT)
    assert missing.status_code == 400 and missing.json()["error_code"] == "DBS.200001"
    job_id = reset_users(emu, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"]
    wait_job(emu, job_id)
    other = get_job(emu, job_id, project=OTHER_PROJECT)
    assert other.status_code == 400 and other.json()["error_code"] == "DBS.200543"


def test_state_survives_a_restart_with_jobs_and_passwords(emulator_factory, tmp_path):
    """With a state file, a restarted emulator keeps changed passwords, finished jobs and pending failures."""
    state = str(tmp_path / "state.json")
    first = emulator_factory(FIXTURES, state_file=state)
    reset_root(first, NEW_PW)
    job_id = reset_users(first, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"]
    wait_job(first, job_id)
    admin(first, "gaussdb/instances/%s/fail-next-job" % GDB, {"fail_reason": "later"})
    first.stop()
    second = emulator_factory(FIXTURES, state_file=state)
    assert stored_instance(second)["root_password"] == NEW_PW
    assert stored_user(second, "app")["password"] == NEW_PW
    job = get_job(second, job_id).json()["job"]
    assert job["status"] == "Completed"
    assert second.summary()["gaussdb"]["instances"][0]["pending_failures"] == 1


def test_an_unfinished_job_in_the_state_finishes_after_a_restart(emulator_factory, tmp_path):
    """A job dumped while running is finished (and applied) by the restarted emulator."""
    fixtures = copy.deepcopy(FIXTURES)
    fixtures["settings"] = {"gaussdb_job_invisible_seconds": 0, "gaussdb_job_pending_seconds": 0.3,
                            "gaussdb_job_run_seconds": 0.3}
    first = emulator_factory(fixtures)
    job_id = reset_users(first, [{"name": "app", "host": "%", "password": NEW_PW}]).json()["job_id"]
    state = first.dump()
    first.stop()
    assert next(j for j in state["gaussdb"]["jobs"] if j["id"] == job_id)["status"] is None
    second = emulator_factory(state)
    job, dummy = wait_job(second, job_id)
    assert job["status"] == "Completed" and stored_user(second, "app")["password"] == NEW_PW


def test_summary_and_journal_never_contain_passwords(emu):
    """GET /_emulator/state and the journal hold no password, old or new."""
    reset_root(emu, NEW_PW)
    job_id = reset_users(emu, [{"name": "app", "host": "%", "password": "An0ther-Passw0rd"}]).json()["job_id"]
    state = requests.get(emu.base_url + "/_emulator/state", timeout=10).text
    entries = json.dumps(journal(emu))
    for secret in (ROOT_PW, NEW_PW, APP_PW, REPORT_PW, "An0ther-Passw0rd"):
        assert secret not in state and secret not in entries
    assert job_id in state


def test_databases_checker_follows_the_stored_passwords(emu):
    """The checker registered per instance answers for root and users; unknown users and refs are False/None."""
    assert emu.databases.check(GDB, "root", ROOT_PW) is True
    assert emu.databases.check(GDB, "app", APP_PW) is True
    assert emu.databases.check(GDB, "app", "wrong") is False
    assert emu.databases.check(GDB, "ghost", APP_PW) is False
    assert emu.databases.check(GDB, "report", REPORT_PW) is True
    assert emu.databases.check("no-such-instance", "app", APP_PW) is None


# -- official SDK ------------------------------------------------------------------------------


def _sdk_client(emu):
    pytest.importorskip("huaweicloudsdkgaussdb")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkgaussdb.v3 import GaussDBClient

    return GaussDBClient.new_builder() \
        .with_credentials(BasicCredentials(AK, SK, PROJECT)) \
        .with_endpoints([emu.base_url]) \
        .build()


@pytest.mark.sdk
@pytest.mark.filterwarnings("ignore:Method 'show_gauss_my_sql_instance_info':DeprecationWarning")
def test_official_sdk_show_instance_root_reset_list_users(emu):
    """huaweicloudsdkgaussdb parses show instance, root reset and list users from the emulator."""
    client = _sdk_client(emu)
    from huaweicloudsdkgaussdb.v3 import (ListGaussMySqlDatabaseUserRequest, MysqlResetPasswordRequest,
                                          ResetGaussMySqlPasswordRequest, ShowGaussMySqlInstanceInfoRequest)

    shown = client.show_gauss_my_sql_instance_info(ShowGaussMySqlInstanceInfoRequest(instance_id=GDB))
    assert shown.instance.id == GDB and shown.instance.port == "3306" and shown.instance.type == "Cluster"
    assert shown.instance.private_write_ips == ["127.0.0.1"] and shown.instance.nodes[0].port == 3306
    reset = client.reset_gauss_my_sql_password(ResetGaussMySqlPasswordRequest(
        instance_id=GDB, body=MysqlResetPasswordRequest(password=NEW_PW)))
    assert reset.status_code == 200
    assert stored_instance(emu)["root_password"] == NEW_PW
    users = client.list_gauss_my_sql_database_user(ListGaussMySqlDatabaseUserRequest(
        instance_id=GDB, offset=0, limit=2))
    assert users.total_count == 7 and [u.name for u in users.users] == ["app", "report"]
    assert users.users[1].databases[0].readonly is True


@pytest.mark.sdk
def test_official_sdk_user_password_job_and_errors(emu):
    """huaweicloudsdkgaussdb: reset db-user passwords (202 job_id), poll the job, and see DBS errors as exceptions."""
    client = _sdk_client(emu)
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkgaussdb.v3 import (MysqlResetPasswordRequest, ResetDatabasePassword,
                                          ResetDatabasePasswordRequest, ResetGaussMySqlDatabasePasswordRequest,
                                          ResetGaussMySqlPasswordRequest, ShowGaussMySqlJobInfoRequest)

    resp = client.reset_gauss_my_sql_database_password(ResetGaussMySqlDatabasePasswordRequest(
        instance_id=GDB, body=ResetDatabasePasswordRequest(
            users=[ResetDatabasePassword(name="app", host="%", password=NEW_PW)])))
    assert resp.status_code == 202 and resp.job_id
    with pytest.raises(ClientRequestException) as busy:
        client.reset_gauss_my_sql_password(ResetGaussMySqlPasswordRequest(
            instance_id=GDB, body=MysqlResetPasswordRequest(password=NEW_PW)))
    assert busy.value.status_code == 409 and busy.value.error_code == "DBS.200047"
    with pytest.raises(ClientRequestException) as hidden:
        client.show_gauss_my_sql_job_info(ShowGaussMySqlJobInfoRequest(id=resp.job_id))
    assert hidden.value.error_code == "DBS.200543" and hidden.value.request_id
    deadline = time.monotonic() + 5
    job = None
    while time.monotonic() < deadline:
        try:
            job = client.show_gauss_my_sql_job_info(ShowGaussMySqlJobInfoRequest(id=resp.job_id)).job
        except ClientRequestException as exc:
            assert exc.error_code == "DBS.200543"
        if job is not None and job.status == "Completed":
            break
        time.sleep(0.03)
    assert job.status == "Completed" and job.instance.id == GDB and job.instance.name == "gdb-orders"
    assert stored_user(emu, "app")["password"] == NEW_PW
    with pytest.raises(ClientRequestException) as weak:
        client.reset_gauss_my_sql_password(ResetGaussMySqlPasswordRequest(
            instance_id=GDB, body=MysqlResetPasswordRequest(password="weak")))
    assert weak.value.status_code == 400 and weak.value.error_code == "DBS.280203"


# -- real MariaDB backend ----------------------------------------------------------------------


def _real_fixtures(suffix):
    root, app = "gdbt_%s_root" % suffix, "gdbt_%s_app" % suffix
    fixtures = {
        "settings": dict(FAST),
        "iam": _iam(),
        "gaussdb": {"instances": [
            {"id": GDB, "name": "gdb-real", "project_id": PROJECT, "db_user_name": root, "root_password": ROOT_PW,
             "users": [{"name": app, "host": "%", "password": APP_PW}]},
        ]},
    }
    return fixtures, root, app


def _login(user, password, host="127.0.0.1", port=3306):
    import pymysql

    try:
        pymysql.connect(host=host, port=int(port), user=user, password=password, connect_timeout=3).close()
        return True
    except pymysql.err.OperationalError as exc:
        if exc.args[0] == 1045:
            return False
        raise


@pytest.mark.real_backend
def test_real_mariadb_accounts_follow_root_reset_and_user_jobs(emulator_factory):
    """Real backend: fixture accounts become MariaDB accounts; root reset and a db-users job change the real
    passwords (the new one logs in, the old one no longer does); stopping the emulator drops the accounts."""
    pytest.importorskip("pymysql")
    fixtures, root, app = _real_fixtures(uuid.uuid4().hex[:8])
    emu = emulator_factory(fixtures, real=True)
    inst = call(emu, "GET", inst_path()).json()["instance"]
    host, port = inst["private_write_ips"][0], int(inst["port"])
    assert (host, port) == ("127.0.0.1", 3306) and inst["db_user_name"] == root
    assert _login(root, ROOT_PW, host, port) and _login(app, APP_PW, host, port)

    assert reset_root(emu, NEW_PW).status_code == 200
    assert _login(root, NEW_PW, host, port) and not _login(root, ROOT_PW, host, port)

    job_id = reset_users(emu, [{"name": app, "host": "%", "password": NEW_PW}]).json()["job_id"]
    assert _login(app, APP_PW, host, port)  # not applied before the job completes
    job, dummy = wait_job(emu, job_id)
    assert job["status"] == "Completed"
    assert _login(app, NEW_PW, host, port) and not _login(app, APP_PW, host, port)
    assert emu.databases.check(GDB, app, NEW_PW) is True and emu.databases.check(GDB, app, APP_PW) is False

    emu.stop()
    emu.backends["mysql"].close()
    assert not _login(app, NEW_PW, host, port) and not _login(root, NEW_PW, host, port)


@pytest.mark.real_backend
def test_real_failed_job_leaves_the_real_password_unchanged(emulator_factory):
    """Real backend: a job failed through the admin API reports fail_reason and the old password still logs in."""
    pytest.importorskip("pymysql")
    fixtures, _root, app = _real_fixtures(uuid.uuid4().hex[:8])
    emu = emulator_factory(fixtures, real=True)
    admin(emu, "gaussdb/instances/%s/fail-next-job" % GDB, {"fail_reason": "Injected failure"})
    job, dummy = wait_job(emu, reset_users(emu, [{"name": app, "host": "%", "password": NEW_PW}]).json()["job_id"])
    assert job["status"] == "Failed" and job["fail_reason"] == "Injected failure"
    assert _login(app, APP_PW) and not _login(app, NEW_PW)


def _backends_or_skip():
    import os
    import socket

    from emulator.backends import backends_from_args

    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=1).close()
        return backends_from_args(os.environ.get("CREDROTATE_TEST_MYSQL_DSN",
                                                 "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock"), None)
    except Exception as exc:  # noqa: BLE001 - unavailable backend: skip with the reason
        pytest.skip("MariaDB unavailable: %s" % exc)


@pytest.mark.real_backend
def test_real_backend_refuses_root_as_instance_root_account():
    """With the real MySQL backend an instance whose root account is 'root' is refused at load."""
    from emulator.core import Emulator

    backends = _backends_or_skip()
    fixtures = copy.deepcopy(FIXTURES)
    try:
        with pytest.raises(ValueError, match="root account is 'root'"):
            Emulator(fixtures, backends=backends)
    finally:
        backends["mysql"].close()


@pytest.mark.real_backend
def test_real_backend_refuses_passwordless_accounts():
    """With the real MySQL backend every user needs a password: no passwordless MariaDB account is created."""
    from emulator.core import Emulator

    backends = _backends_or_skip()
    fixtures, _root, _app = _real_fixtures(uuid.uuid4().hex[:8])
    fixtures["gaussdb"]["instances"][0]["users"][0]["password"] = None
    try:
        with pytest.raises(ValueError, match="password"):
            Emulator(fixtures, backends=backends)
        assert backends["mysql"].accounts() == []
    finally:
        backends["mysql"].close()


@pytest.mark.real_backend
def test_real_backend_refuses_an_account_it_did_not_create(emulator_factory):
    """A second emulator (another backend) refuses to adopt an account the first one created."""
    from emulator.core import Emulator

    fixtures, _root, _app = _real_fixtures(uuid.uuid4().hex[:8])
    emulator_factory(fixtures, real=True)
    backends = _backends_or_skip()
    try:
        with pytest.raises(ValueError, match="existing MariaDB account"):
            Emulator(fixtures, backends=backends)
    finally:
        backends["mysql"].close()


@pytest.mark.real_backend
def test_real_admin_reset_drops_accounts_that_leave_the_state(emulator_factory):
    """Real backend: an admin reset to fixtures without the instance drops its MariaDB accounts."""
    pytest.importorskip("pymysql")
    fixtures, root, app = _real_fixtures(uuid.uuid4().hex[:8])
    emu = emulator_factory(fixtures, real=True)
    assert _login(app, APP_PW)
    resp = requests.post(emu.base_url + "/_emulator/reset", json={"iam": _iam(), "gaussdb": {"instances": []}},
                         timeout=10)
    assert resp.status_code == 204
    assert not _login(app, APP_PW) and not _login(root, ROOT_PW)
    assert emu.backends["mysql"].accounts() == []
    assert emu.databases.check(GDB, app, APP_PW) is None
