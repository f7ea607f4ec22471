# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report (issue 12): ``ansible-playbook credrotate.cloud.report`` over an inventory like
``playbooks/rotate.yml``'s, on state directories of hand-written records - completed recently,
overdue, suspended after three failures, failed once, rolled back, suspended by the engine's marker,
resumed by the operator, never rotated - with the real ``ansible-playbook``.

It prints one line per credential (name, outcome, last completed, age, due, suspended, last error)
and a summary, writes the JSON and JUnit files it is asked for and nothing else: every file under the
state directories is byte for byte, mode and mtime the same afterwards, and no file appears there. It
needs no cloud (no emulator) and no credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from harness import BIN, REPO, Run, _read_results, base_env

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
LINES_TASK = "Report | One line per credential"


def ts(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(rotation_id, status, finished, error=None):
    out = {"rotation_id": rotation_id, "status": status, "started_at": ts(finished - HOUR),
           "finished_at": ts(finished)}
    if error:
        out["error"] = error
    return out


def record(name, current, history=(), **fields):
    """A record as plugins/module_utils/_state.py writes it (no secret in it, as ever)."""
    out = {"version": 1, "name": name, "runs": 1, "steps": [{"step": "validate", "at": current["started_at"], "run": 1}],
           "targets": {}, "request_ids": ["req-%s" % current["rotation_id"]], "details": {}, "lock": None,
           "events": [], "error": None, "updated_at": current["finished_at"], "history": list(history)}
    out.update(current)
    out.update(fields)
    return out


class Fleet(object):
    """Hand-written records under ``tmp_path/state`` (and one credential under ``tmp_path/state-eu``)."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.now = datetime.datetime.now(UTC).replace(microsecond=0)
        now = self.now
        self.state = str(tmp_path / "state")
        self.state_eu = str(tmp_path / "state-eu")
        self.times = {"recent": now - 10 * DAY, "overdue": now - 120 * DAY, "base": now - 30 * DAY,
                      "marked": now - 2 * DAY}
        base = entry("s0", "completed", self.times["base"])
        self.records = {
            self.state: {
                "orders-app": record("orders-app", entry("2026-q2", "completed", self.times["recent"]),
                                     [entry("2026-q1", "completed", now - 100 * DAY)]),
                "billing-app": record("billing-app", entry("2025-q4", "completed", self.times["overdue"])),
                "sessions-cache": record(
                    "sessions-cache",
                    entry("s3", "failed", now - 1 * HOUR, {"step": "set", "msg": "DCS.4019 password policy refused"}),
                    [base, entry("s1", "rolled_back", now - 3 * HOUR, {"step": "verify", "msg": "DRS job unhealthy"}),
                     entry("s2", "failed", now - 2 * HOUR, {"step": "preflight", "msg": "job is busy"})]),
                "orders-root": record("orders-root",
                                      entry("r2", "failed", now - 1 * HOUR, {"step": "preflight", "msg": "instance busy"}),
                                      [entry("r1", "completed", now - 5 * DAY)]),
                "reports-app": record("reports-app", entry("p2", "rolled_back", now - 1 * HOUR,
                                                           {"step": "verify", "msg": "DTS job failed"}),
                                      [entry("p1", "completed", now - 5 * DAY)]),
                # suspended by the engine's marker after one failure (rotation_suspend_after was 1 then)
                "audit-app": record("audit-app", entry("a2", "failed", self.times["marked"],
                                                       {"step": "set", "msg": "DBS.280203 refused"}),
                                    [entry("a1", "completed", now - 40 * DAY)],
                                    suspended={"at": ts(self.times["marked"]), "failures": 1,
                                               "last_error": "set: DBS.280203 refused", "rotation_id": "a2"}),
                # three failures, then the operator resumed it, then one more failure: not suspended, 1 failure
                "ledger-app": record("ledger-app", entry("l4", "failed", now - 1 * HOUR, {"step": "set", "msg": "x"}),
                                     [entry("l0", "completed", now - 20 * DAY), entry("l1", "failed", now - 6 * HOUR),
                                      entry("l2", "failed", now - 5 * HOUR), entry("l3", "failed", now - 4 * HOUR)],
                                     suspended=None, resumed_at=ts(now - 3 * HOUR)),
            },
            self.state_eu: {
                "eu-app": record("eu-app", entry("e1", "completed", now - 1 * DAY)),
            },
        }
        for directory, records in self.records.items():
            os.makedirs(directory, mode=0o700)
            for name, content in records.items():
                path = os.path.join(directory, name + ".json")
                with open(path, "w") as handle:
                    json.dump(content, handle, indent=1, sort_keys=True)
                os.chmod(path, 0o600)
        # a secret file, a ledger and a stale lock of the kind the role leaves: read by nobody here
        with open(os.path.join(self.state, "orders-app.secrets"), "w") as handle:
            handle.write('{"current": "Never-Read-By-The-Report-1!"}')
        with open(os.path.join(self.state, "orders-app.ledger"), "w") as handle:
            handle.write("{}")

    def inventory(self, extra_hosts=None):
        hosts = dict((name, {"rotation_credential": {"name": name, "owner": {"type": "gaussdb_mysql_root",
                                                                             "instance_id": "x"}}})
                     for name in sorted(self.records[self.state]) + ["new-app"])
        hosts["eu-app"] = {"rotation_credential": {"name": "eu-app"}, "rotation_state_dir": self.state_eu}
        hosts.update(extra_hosts or {})
        inventory = {"credentials": {"vars": {"rotation_state_dir": self.state}, "hosts": hosts}}
        path = self.tmp_path / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        return str(path)

    def run(self, extra_vars=None, check=False, extra_hosts=None, args=()):
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", self.inventory(extra_hosts), "credrotate.cloud.report"]
        if extra_vars:
            path = self.tmp_path / "extra.json"
            path.write_text(json.dumps(extra_vars))
            cmd.extend(["-e", "@%s" % path])
        if check:
            cmd.append("--check")
        cmd.extend(args)
        env = base_env(self.tmp_path)
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=600, check=False)
        return Run(proc, _read_results(env["CREDROTATE_RESULT_DUMP"]))

    def fingerprint(self):
        """Every path under the state directories with its mode, mtime and content hash."""
        out = {}
        for directory in (self.state, self.state_eu):
            for root, dirs, files in os.walk(directory):
                for name in sorted(dirs + files):
                    path = os.path.join(root, name)
                    info = os.lstat(path)
                    digest = None
                    if os.path.isfile(path):
                        with open(path, "rb") as handle:
                            digest = hashlib.sha256(handle.read()).hexdigest()
                    out[path] = (info.st_mode, info.st_mtime_ns, digest)
            info = os.lstat(directory)
            out[directory] = (info.st_mode, info.st_mtime_ns, None)
        return out


def expected_lines(fleet):
    t = fleet.times
    now = fleet.now

    def due(moment):
        return ts(moment + 90 * DAY)

    return {
        "orders-app": "orders-app | ok | last completed: %s (2026-q2) | age: 10d | due: %s | suspended: no | "
                      "last error: -" % (ts(t["recent"]), due(t["recent"])),
        "billing-app": "billing-app | overdue | last completed: %s (2025-q4) | age: 120d | due: %s (overdue) | "
                       "suspended: no | last error: -" % (ts(t["overdue"]), due(t["overdue"])),
        "sessions-cache": "sessions-cache | suspended | last completed: %s (s0) | age: 30d | due: %s | suspended: yes, "
                          "after 3 failures since %s | last error: set: DCS.4019 password policy refused"
                          % (ts(t["base"]), due(t["base"]), ts(now - HOUR)),
        "orders-root": "orders-root | failed | last completed: %s (r1) | age: 5d | due: %s | suspended: no | "
                       "last error: preflight: instance busy" % (ts(now - 5 * DAY), due(now - 5 * DAY)),
        "reports-app": "reports-app | rolled_back | last completed: %s (p1) | age: 5d | due: %s | suspended: no | "
                       "last error: verify: DTS job failed" % (ts(now - 5 * DAY), due(now - 5 * DAY)),
        "audit-app": "audit-app | suspended | last completed: %s (a1) | age: 40d | due: %s | suspended: yes, after 1 "
                     "failures since %s | last error: set: DBS.280203 refused"
                     % (ts(now - 40 * DAY), due(now - 40 * DAY), ts(t["marked"])),
        "ledger-app": "ledger-app | failed | last completed: %s (l0) | age: 20d | due: %s | suspended: no | "
                      "last error: set: x" % (ts(now - 20 * DAY), due(now - 20 * DAY)),
        "new-app": "new-app | never_rotated | last completed: never | age: - | due: now | suspended: no | last error: -",
        "eu-app": "eu-app | ok | last completed: %s (e1) | age: 1d | due: %s | suspended: no | last error: -"
                  % (ts(now - DAY), due(now - DAY)),
    }


OUTCOMES = {"orders-app": "ok", "billing-app": "overdue", "sessions-cache": "suspended", "orders-root": "failed",
            "reports-app": "rolled_back", "audit-app": "suspended", "ledger-app": "failed", "new-app": "never_rotated",
            "eu-app": "ok"}


def printed_lines(run):
    msg = run.result(LINES_TASK)["msg"]
    return msg.splitlines() if isinstance(msg, str) else list(msg)


def test_report_prints_one_line_per_credential_and_writes_json_and_junit(tmp_path):
    fleet = Fleet(tmp_path)
    before = fleet.fingerprint()
    out_json, out_xml = str(tmp_path / "out" / "rotation.json"), str(tmp_path / "out" / "rotation.xml")
    os.makedirs(str(tmp_path / "out"))
    run = fleet.run({"rotation_max_age": "90d", "report_json": out_json, "report_junit": out_xml})
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-3000:]

    expected = expected_lines(fleet)
    lines = printed_lines(run)
    assert lines[:-1] == [expected[name] for name in sorted(expected, key=list(fleet_order(fleet)).index)]
    assert lines[-1] == ("9 credential(s): 2 ok, 1 never_rotated, 1 overdue, 1 rolled_back, 2 failed, 2 suspended; "
                         "6 need attention")
    screen = [line.strip() for line in run.stdout.splitlines()]
    for line in lines:  # printed as such on the screen too (the YAML callback's block of text)
        assert line in screen, line

    with open(out_json) as handle:
        document = json.load(handle)
    assert document["max_age"] == "90d" and document["suspend_after"] == 3 and document["problems"] == 6
    entries = dict((e["name"], e) for e in document["credentials"])
    assert dict((n, e["outcome"]) for n, e in entries.items()) == OUTCOMES
    assert entries["eu-app"]["state_dir"] == fleet.state_eu and entries["orders-app"]["state_dir"] == fleet.state
    assert entries["sessions-cache"]["failures"] == 3 and entries["sessions-cache"]["suspended"] is True
    assert entries["ledger-app"]["failures"] == 1 and entries["ledger-app"]["suspended"] is False
    assert entries["new-app"]["found"] is False and entries["orders-app"]["lock"] == "free"
    assert dict((n, e["line"]) for n, e in entries.items()) == expected
    assert oct(os.stat(out_json).st_mode & 0o777) == "0o600"

    with open(out_xml) as handle:
        root = ET.fromstring(handle.read())
    suite = root.find("testsuite")
    assert dict((k, suite.get(k)) for k in ("tests", "failures", "errors", "skipped")) == {
        "tests": "9", "failures": "6", "errors": "0", "skipped": "1"}
    cases = dict((c.get("name"), c) for c in suite.findall("testcase"))
    assert sorted(cases) == sorted(OUTCOMES)
    kinds = {}
    for name, case in cases.items():
        failure, skipped = case.find("failure"), case.find("skipped")
        kinds[name] = failure.get("type") if failure is not None else ("skipped" if skipped is not None else "pass")
        assert case.find("system-out").text == expected[name]
    assert kinds == {"orders-app": "pass", "billing-app": "overdue", "sessions-cache": "suspended",
                     "orders-root": "failed", "reports-app": "rolled_back", "audit-app": "suspended",
                     "ledger-app": "failed", "new-app": "skipped", "eu-app": "pass"}
    assert cases["sessions-cache"].find("failure").get("message") == (
        "suspended after 3 failures: set: DCS.4019 password policy refused")

    assert fleet.fingerprint() == before, "the report changed something under the state directories"
    assert "Never-Read-By-The-Report-1!" not in run.text() + json.dumps(run.results) + json.dumps(document)


def fleet_order(fleet):
    """The inventory's host order: ansible_play_hosts_all follows the inventory file."""
    return sorted(fleet.records[fleet.state]) + ["new-app", "eu-app"]


def test_check_mode_and_limit_write_nothing(tmp_path):
    fleet = Fleet(tmp_path)
    before = fleet.fingerprint()
    out_json = str(tmp_path / "rotation.json")
    run = fleet.run({"report_json": out_json, "report_junit": str(tmp_path / "rotation.xml")}, check=True,
                    args=("--limit", "orders-app,new-app"))
    assert run.rc == 0, run.stdout[-4000:] + run.stderr[-3000:]
    lines = printed_lines(run)
    assert [line.split(" | ")[:2] for line in lines[:-1]] == [["orders-app", "ok"], ["new-app", "never_rotated"]]
    assert "| due: - |" in lines[0]  # no rotation_max_age: no due date
    assert lines[-1] == "2 credential(s): 1 ok, 1 never_rotated; 0 need attention"
    assert not os.path.exists(out_json) and not os.path.exists(str(tmp_path / "rotation.xml"))
    assert fleet.fingerprint() == before


def test_report_fail_fails_the_play_after_printing(tmp_path):
    fleet = Fleet(tmp_path)
    run = fleet.run({"report_fail": True, "rotation_suspend_after": 0})
    assert run.rc != 0
    lines = printed_lines(run)
    by_name = dict((line.split(" | ")[0], line) for line in lines[:-1])
    # suspension off: the marker and the three failures no longer suspend
    assert by_name["sessions-cache"].split(" | ")[1] == "failed"
    assert by_name["audit-app"].split(" | ")[1] == "failed"
    assert lines[-1].endswith("; 5 need attention")  # without rotation_max_age nothing is overdue
    assert run.status(LINES_TASK) == "failed"


def test_a_host_without_a_credential_name_is_named(tmp_path):
    fleet = Fleet(tmp_path)
    run = fleet.run(extra_hosts={"stray-host": {"rotation_state_dir": fleet.state}})
    assert run.rc != 0
    assert "rotation_credential.name is not set for: stray-host" in run.text()
