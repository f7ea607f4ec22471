# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""rotation_report: the fleet report over state directories of hand-written records, read without writing.

Every outcome (ok, overdue, suspended, failed, rolled back, interrupted, in progress, never rotated,
unreadable), the JSON and JUnit renderings, the only two writes (skipped in check mode), and the
module's entry point with its structured failures.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import json
import os
import socket
import xml.etree.ElementTree as ET

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.credrotate.cloud.plugins.module_utils._process import process_start_time
from ansible_collections.credrotate.cloud.plugins.modules import rotation_report as rr

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        with mock.patch.object(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))):
            yield

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def ts(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(rotation_id, status, finished, error=None):
    out = {"rotation_id": rotation_id, "status": status, "started_at": ts(finished - HOUR),
           "finished_at": None if status == "in_progress" else ts(finished)}
    if error:
        out["error"] = error
    return out


def record(name, current, history=(), **fields):
    out = {"version": 1, "name": name, "runs": 1, "steps": [], "targets": {}, "request_ids": [], "details": {},
           "lock": None, "events": [], "error": None, "updated_at": current["finished_at"], "history": list(history)}
    out.update(current)
    out.update(fields)
    return out


def fleet(now=NOW):
    """Hand-written records, one per outcome: ``{name: record or raw text}``."""
    ok = entry("ok1", "completed", now - 90 * DAY)
    return {
        "recent": record("recent", entry("r2", "completed", now - 10 * DAY), [entry("r1", "completed", now - 100 * DAY)]),
        "overdue": record("overdue", entry("o1", "completed", now - 120 * DAY)),
        "suspended": record("suspended", entry("s3", "failed", now - 1 * HOUR, {"step": "set", "msg": "DBS.280203 refused"}),
                            [ok, entry("s1", "rolled_back", now - 3 * HOUR, {"step": "verify", "msg": "job down"}),
                             entry("s2", "failed", now - 2 * HOUR, {"step": "preflight", "msg": "job busy"})]),
        "failed": record("failed", entry("f2", "failed", now - 1 * HOUR, {"step": "preflight", "msg": "job busy"}),
                         [entry("f1", "completed", now - 5 * DAY)]),
        "rolledback": record("rolledback", entry("b2", "rolled_back", now - 1 * HOUR,
                                                 {"step": "verify", "msg": "DRS job unhealthy"}),
                             [entry("b1", "completed", now - 5 * DAY)]),
        "stopped": record("stopped", entry("t2", "in_progress", now - 1 * HOUR), [entry("t1", "completed", now - 5 * DAY)]),
        "broken": "{not json",
    }


def write_fleet(directory, records):
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for name, content in records.items():
        with open(os.path.join(directory, name + ".json"), "w") as handle:
            handle.write(content if isinstance(content, str) else json.dumps(content))


def snapshot(directory):
    """``{relative path: (mode, size, mtime_ns, bytes)}`` of everything under ``directory``."""
    out = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            data = open(path, "rb").read() if os.path.isfile(path) else None
            out[os.path.relpath(path, directory)] = (info.st_mode, info.st_size, info.st_mtime_ns, data)
    return out


def params(**kwargs):
    base = {"state_dir": None, "names": None, "credentials": None, "max_age": None, "suspend_after": 3,
            "json_path": None, "junit_path": None}
    base.update(kwargs)
    return base


@pytest.fixture
def state(tmp_path):
    directory = str(tmp_path / "state")
    write_fleet(directory, fleet())
    return directory


def by_name(report):
    return dict((e["name"], e) for e in report["credentials"])


# --- build ---------------------------------------------------------------------------------------


def test_every_record_of_the_directory_with_its_outcome(state):
    report = rr.build(params(state_dir=state, max_age="90d"), NOW)
    entries = by_name(report)
    assert sorted(entries) == [e["name"] for e in report["credentials"]]  # listed: sorted by name
    assert dict((n, e["outcome"]) for n, e in entries.items()) == {
        "recent": "ok", "overdue": "overdue", "suspended": "suspended", "failed": "failed",
        "rolledback": "rolled_back", "stopped": "interrupted", "broken": "unreadable"}
    assert report["counts"] == {"ok": 1, "overdue": 1, "suspended": 1, "failed": 1, "rolled_back": 1,
                                "interrupted": 1, "unreadable": 1}
    assert report["problems"] == 6 and report["generated_at"] == "2026-05-01T12:00:00Z"
    assert report["max_age"] == "90d" and report["suspend_after"] == 3
    recent = entries["recent"]
    assert (recent["last_completed_id"], recent["last_completed_at"], recent["age"], recent["due_at"], recent["lock"]) == (
        "r2", ts(NOW - 10 * DAY), 10 * 86400, ts(NOW + 80 * DAY), "free")
    assert recent["line"] == ("recent | ok | last completed: %s (r2) | age: 10d | due: %s | suspended: no | "
                              "last error: -" % (ts(NOW - 10 * DAY), ts(NOW + 80 * DAY)))
    held = entries["suspended"]
    assert held["suspended"] and held["failures"] == 3 and held["last_error"] == "set: DBS.280203 refused"
    assert held["suspended_since"] == ts(NOW - HOUR) and held["last_completed_id"] == "ok1"
    assert entries["failed"]["last_error"] == "preflight: job busy" and entries["failed"]["failures"] == 1
    assert entries["broken"]["last_error"] == "the state record %s is not valid JSON" % os.path.join(state, "broken.json")
    assert entries["overdue"]["overdue"] and entries["overdue"]["due_at"] == ts(NOW - 30 * DAY)
    assert all(e["state_dir"] == state for e in report["credentials"])


def test_names_in_order_without_repeats_and_a_name_without_record(state):
    report = rr.build(params(state_dir=state, names=["overdue", "newcomer", "recent", "overdue"]), NOW)
    assert [(e["name"], e["outcome"], e["found"]) for e in report["credentials"]] == [
        ("overdue", "ok", True), ("newcomer", "never_rotated", False), ("recent", "ok", True)]
    # without max_age nothing is due
    assert all(e["due"] is None and e["due_at"] is None for e in report["credentials"])


def test_credentials_with_their_own_state_directories(state, tmp_path):
    other = str(tmp_path / "other")
    write_fleet(other, {"recent": record("recent", entry("x9", "completed", NOW - DAY))})
    report = rr.build(params(credentials=[{"name": "recent", "state_dir": state}, {"name": "recent", "state_dir": other},
                                          {"name": "failed", "state_dir": None}],
                             state_dir=state, max_age="30d"), NOW)
    assert [(e["name"], e["last_completed_id"], e["state_dir"]) for e in report["credentials"]] == [
        ("recent", "r2", state), ("recent", "x9", other), ("failed", "f1", state)]


def test_a_missing_state_directory_is_reported_not_created(tmp_path):
    missing = str(tmp_path / "nowhere")
    assert rr.build(params(state_dir=missing), NOW)["credentials"] == []
    assert rr.build(params(state_dir=missing, names=["a"]), NOW)["credentials"][0]["outcome"] == "never_rotated"
    assert not os.path.exists(missing)


def test_the_report_reads_without_writing(state):
    before = snapshot(state)
    rr.build(params(state_dir=state, max_age="90d"), NOW)
    rr.build(params(state_dir=state, names=["recent", "newcomer"]), NOW)
    assert snapshot(state) == before  # no guard, no lock, no record touched


def test_listing_skips_what_is_not_a_credential_record(tmp_path):
    directory = str(tmp_path / "s")
    write_fleet(directory, {"good": record("good", entry("g", "completed", NOW - DAY))})
    for extra in (".hidden.json", "bad name.json", "good.secrets", "good.lock", "good.ledger", ".good.json.tmp1234"):
        open(os.path.join(directory, extra), "w").close()
    assert rr.listed(directory) == ["good"]


def test_lock_states_tell_in_progress_from_interrupted(tmp_path):
    directory = str(tmp_path / "s")
    running = record("running", entry("r2", "in_progress", NOW), [entry("r1", "completed", NOW - DAY)])
    write_fleet(directory, {"running": running, "dead": dict(running, name="dead"),
                            "elsewhere": dict(running, name="elsewhere")})
    me = os.getpid()
    locks = {"running": {"controller": socket.gethostname(), "pid": me, "pid_start_time": process_start_time(me)},
             "dead": {"controller": socket.gethostname(), "pid": me, "pid_start_time": 1.0},
             "elsewhere": {"controller": "another-controller.example", "pid": 1, "pid_start_time": 1.0}}
    for name, lock in locks.items():
        lock.update(rotation_id="r2", owner=name, since=ts(NOW))
        with open(os.path.join(directory, name + ".lock"), "w") as handle:
            json.dump(lock, handle)
    entries = by_name(rr.build(params(state_dir=directory), NOW))
    assert (entries["running"]["lock"], entries["running"]["outcome"]) == ("live", "in_progress")
    assert (entries["dead"]["lock"], entries["dead"]["outcome"]) == ("stale", "interrupted")
    assert (entries["elsewhere"]["lock"], entries["elsewhere"]["outcome"]) == ("live", "in_progress")


@pytest.mark.parametrize("given,text", [
    (params(), "state_dir is required when neither names nor credentials are given"),
    (params(names=["a"]), "no state_dir for a: set state_dir, or state_dir in each of credentials"),
])
def test_where_to_look_must_be_known(given, text):
    with pytest.raises(rr.ReportError) as info:
        rr.build(given, NOW)
    assert "%s" % info.value == text


def test_a_record_that_is_not_an_object_or_a_bad_name_is_unreadable(tmp_path):
    directory = str(tmp_path / "s")
    write_fleet(directory, {"listy": "[1, 2]"})
    entries = by_name(rr.build(params(state_dir=directory, names=["listy"]), NOW))
    assert entries["listy"]["outcome"] == "unreadable" and "is not a JSON object" in entries["listy"]["last_error"]
    assert rr.read_state("../x", directory)[2].startswith("credential name '../x' is not usable")


# --- JUnit and JSON -----------------------------------------------------------------------------


def test_junit_has_one_case_per_credential(state):
    names = ["recent", "overdue", "suspended", "failed", "rolledback", "stopped", "broken", "newcomer"]
    report = rr.build(params(state_dir=state, max_age="90d", names=names), NOW)
    root = ET.fromstring(rr.junit(report))
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite.get("name") == "credrotate.cloud.rotation"
    assert dict((k, suite.get(k)) for k in ("tests", "failures", "errors", "skipped")) == {
        "tests": "8", "failures": "5", "errors": "1", "skipped": "1"}
    assert root.get("failures") == "5" and suite.get("timestamp") == "2026-05-01T12:00:00Z"
    cases = dict((c.get("name"), c) for c in suite.findall("testcase"))
    assert list(cases) == ["recent", "overdue", "suspended", "failed", "rolledback", "stopped", "broken", "newcomer"]
    assert all(c.get("classname") == "credrotate.cloud.rotation" for c in cases.values())
    assert [child.tag for child in cases["recent"]] == ["system-out"]
    assert cases["recent"].find("system-out").text == by_name(report)["recent"]["line"]
    failures = dict((n, c.find("failure")) for n, c in cases.items() if c.find("failure") is not None)
    assert dict((n, f.get("type")) for n, f in failures.items()) == {
        "overdue": "overdue", "suspended": "suspended", "failed": "failed", "rolledback": "rolled_back",
        "stopped": "interrupted"}
    assert failures["suspended"].get("message") == "suspended after 3 failures: set: DBS.280203 refused"
    assert failures["failed"].get("message") == "rotation f2 failed: preflight: job busy"
    assert failures["rolledback"].get("message") == "rotation b2 was rolled back: verify: DRS job unhealthy"
    assert failures["overdue"].get("message").startswith("overdue: due %s" % ts(NOW - 30 * DAY))
    assert cases["broken"].find("error").get("type") == "unreadable"
    assert cases["newcomer"].find("skipped").get("message") == "never rotated: no rotation has completed yet"


def test_junit_is_well_formed_whatever_the_error_text(tmp_path):
    directory = str(tmp_path / "s")
    nasty = "<b>&amp; \"quoted\" ]]> \x01\x1b[31m \u00e9\u202e"
    write_fleet(directory, {"odd": record("odd", entry("x", "failed", NOW, {"step": "set", "msg": nasty}))})
    report = rr.build(params(state_dir=directory), NOW)
    text = rr.junit(report)
    failure = ET.fromstring(text).find("testsuite/testcase/failure")
    assert failure.get("message") == "rotation x failed: set: <b>&amp; \"quoted\" ]]> [31m \u00e9\u202e"
    assert "\x01" not in text and "\x1b" not in text


def test_the_json_file_is_the_report(state, tmp_path):
    out, xml = str(tmp_path / "report.json"), str(tmp_path / "report.xml")
    result = rr.run(params(state_dir=state, max_age="90d", json_path=out, junit_path=xml), False, NOW)
    assert result["changed"] is True
    with open(out) as handle:
        assert json.load(handle) == result["json"]
    with open(xml) as handle:
        assert handle.read() == result["junit"]
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    assert result["lines"] == [e["line"] for e in result["credentials"]]
    assert result["summary"] == ("7 credential(s): 1 ok, 1 overdue, 1 rolled_back, 1 failed, 1 interrupted, "
                                 "1 suspended, 1 unreadable; 6 need attention")
    again = rr.run(params(state_dir=state, max_age="90d", json_path=out, junit_path=xml), False, NOW)
    assert again["changed"] is False  # same time, same content
    later = rr.run(params(state_dir=state, max_age="90d", json_path=out, junit_path=xml), False, NOW + HOUR)
    assert later["changed"] is True


def test_check_mode_writes_no_file(state, tmp_path):
    out = str(tmp_path / "report.json")
    result = rr.run(params(state_dir=state, json_path=out, junit_path=str(tmp_path / "r.xml")), True, NOW)
    assert result["changed"] is True and not os.path.exists(out) and not os.path.exists(str(tmp_path / "r.xml"))
    assert rr.run(params(state_dir=state), False, NOW)["changed"] is False


def test_a_report_into_a_missing_directory_fails_clearly(state, tmp_path):
    with pytest.raises(rr.ReportError) as info:
        rr.run(params(state_dir=state, json_path=str(tmp_path / "no" / "r.json")), False, NOW)
    assert "its directory does not exist" in "%s" % info.value


def test_summary_wording():
    assert rr.summary({"credentials": [], "counts": {}, "problems": 0}) == "0 credential(s); 0 need attention"
    assert rr.summary({"credentials": [1], "counts": {"overdue": 1}, "problems": 1}) == (
        "1 credential(s): 1 overdue; 1 needs attention")


# --- the module ----------------------------------------------------------------------------------


def call(capsys, args, check=False):
    if check:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            rr.main()
    return info.value.code, json.loads(capsys.readouterr().out)


def test_main_reports_and_writes_the_files(tmp_path, capsys):
    state = str(tmp_path / "today")
    write_fleet(state, fleet(datetime.datetime.now(UTC)))  # the module reads the real clock
    out = str(tmp_path / "r.json")
    before = snapshot(state)
    code, result = call(capsys, {"state_dir": state, "max_age": "90d", "json_path": out})
    assert code == 0 and result["changed"] is True and os.path.exists(out)
    assert result["problems"] == 6 and len(result["lines"]) == 7 and result["junit"].startswith("<?xml")
    assert snapshot(state) == before


def test_main_in_check_mode_writes_nothing(state, tmp_path, capsys):
    out = str(tmp_path / "r.json")
    code, result = call(capsys, {"state_dir": state, "json_path": out}, check=True)
    assert code == 0 and result["changed"] is True and not os.path.exists(out)


@pytest.mark.parametrize("args,code,text", [
    ({"max_age": "3 months"}, "InvalidSchedule", "max_age: '3 months' is not a duration"),
    ({"suspend_after": -1}, "InvalidSchedule", "suspend_after: -1 is not a number of failures"),
    ({"names": ["../etc"]}, "InvalidParameter", "names[0] must be 1 to 128 letters"),
])
def test_main_fails_with_a_structured_error(state, capsys, args, code, text):
    rc, result = call(capsys, dict({"state_dir": state}, **args))
    assert rc == 1 and result["failed"] is True
    assert result["error"]["code"] == code and text in result["msg"], result


def test_main_without_where_to_look(capsys):
    rc, result = call(capsys, {})
    assert rc == 1 and result["error"]["code"] == "ReportError"
    assert result["msg"] == "state_dir is required when neither names nor credentials are given"
