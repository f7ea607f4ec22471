# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers for the rotation role's tests: an estate built from the demo fixture with account names
and passwords unique to the test, and ``playbooks/rotate.yml`` run against it.

``estate(...)`` returns the fixture dict and the names in it; the ``rotation`` fixture gives a
:class:`Rotation` bound to a started emulator (real MariaDB accounts and redis-servers) and to a
state directory under ``tmp_path``: ``run()`` writes an inventory with one host per credential
and runs the main playbook at ``-vvvv`` with the cloud credentials in the environment.
"""

import copy
import json
import os
import secrets
import subprocess
import time

import pytest
import yaml

from harness import BIN, REPO, Run, _read_results, alibaba_env, base_env, huawei_env, journal

DEMO = os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")
PLAYBOOK = os.path.join(REPO, "playbooks", "rotate.yml")

GAUSS = "6a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
DCS = "3f2e1d0c-9b8a-4776-8655-443322110099"
DRS1 = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"
DRS2 = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02"
DTS1 = "l3m1213ye7l1234"


def canary(tag):
    """A password every policy accepts, unique to the test, that the tests grep for."""
    return "Cnry-%s-%s-Aa1!" % (tag, secrets.token_hex(4))


def estate(extra_drs=None):
    """The demo estate with unique accounts and passwords: ``(fixtures, names)``.

    ``names``: ``user``, ``report``, ``root`` (account names), ``current`` (the application user's
    password, also stored in every job), ``root_password``, ``dcs_password``.
    """
    with open(DEMO) as handle:
        fixtures = yaml.safe_load(handle)
    suffix = secrets.token_hex(3)
    names = {"user": "cr%s_orders" % suffix, "report": "cr%s_report" % suffix, "root": "cr%s_root" % suffix,
             "current": canary("cur"), "root_password": canary("root"), "dcs_password": canary("dcs"),
             "report_password": canary("rep")}
    instance = fixtures["gaussdb"]["instances"][0]
    instance["db_user_name"] = names["root"]
    instance["root_password"] = names["root_password"]
    instance["users"][0].update(name=names["user"], password=names["current"])
    instance["users"][1].update(name=names["report"], password=names["report_password"])
    fixtures["dcs"]["instances"][0]["password"] = names["dcs_password"]
    for job in fixtures["drs"]["jobs"]:
        job["source"]["database"]["user"] = names["user"]
        job["source"]["password"] = names["current"]
    for job in fixtures["dts"]["jobs"]:
        job["source"]["user"] = names["user"]
        job["source"]["database"]["user"] = names["user"]
        job["source"]["password"] = names["current"]
    fixtures["drs"]["jobs"].extend(extra_drs or [])
    return fixtures, names


def orders_credential(names, name="orders", dependants=None):
    return {
        "name": name,
        "owner": {"type": "gaussdb_mysql_user", "instance_id": GAUSS, "user": names["user"], "host": "%"},
        "dependants": dependants if dependants is not None else [
            {"type": "drs", "job_id": DRS1, "endpoint": "source"},
            {"type": "drs", "job_id": DRS2, "endpoint": "source"},
            {"type": "dts", "job_id": DTS1, "endpoint": "source"},
        ],
    }


class Rotation:
    """Runs ``playbooks/rotate.yml`` against ``emu`` with state under ``tmp_path/state``."""

    def __init__(self, emu, tmp_path, names):
        self.emu = emu
        self.tmp_path = tmp_path
        self.names = names
        self.state_dir = str(tmp_path / "state")
        self.runs = 0

    # -- running --

    def inventory(self, hosts):
        """``hosts``: {inventory host: host vars}; every host gets the emulator and the state dir."""
        common = {
            "rotation_state_dir": self.state_dir,
            "rotation_huaweicloud": {"endpoint_url": self.emu.base_url},
            "rotation_alicloud": {"endpoint_url": self.emu.base_url},
            "rotation_verify_timeout": 8,
            "rotation_verify_interval": 1,
            "rotation_probe_timeout": 2,
        }
        inventory = {"credentials": {"hosts": dict((h, dict(common, **v)) for h, v in hosts.items())}}
        self.runs += 1
        path = self.tmp_path / ("inventory-%d.yml" % self.runs)
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        return str(path)

    def command(self, hosts, extra_vars=None, check=False, verbosity=4, diff=True):
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", self.inventory(hosts), PLAYBOOK]
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        if diff:
            cmd.append("--diff")
        if check:
            cmd.append("--check")
        if extra_vars:
            path = self.tmp_path / ("extra-%d.json" % self.runs)
            path.write_text(json.dumps(extra_vars))
            cmd.extend(["-e", "@%s" % path])
        return cmd

    def env(self, dump_name="results.jsonl"):
        env = dict(huawei_env(self.emu), **alibaba_env(self.emu))
        environment = base_env(self.tmp_path, env)
        environment["CREDROTATE_RESULT_DUMP"] = str(self.tmp_path / dump_name)
        return environment

    def run(self, hosts, extra_vars=None, check=False, verbosity=4, diff=True):
        environment = self.env()
        proc = subprocess.run(self.command(hosts, extra_vars, check, verbosity, diff), env=environment, cwd=REPO,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600, check=False)
        return Run(proc, _read_results(environment["CREDROTATE_RESULT_DUMP"]))

    def popen(self, hosts, extra_vars=None, tag="bg"):
        environment = self.env("results-%s.jsonl" % tag)
        out = open(self.tmp_path / ("%s.out" % tag), "w+")
        err = open(self.tmp_path / ("%s.err" % tag), "w+")
        proc = subprocess.Popen(self.command(hosts, extra_vars), env=environment, cwd=REPO, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        return proc, out, err

    # -- the emulator --

    def admin(self, method, path, body=None):
        """Call the emulator's admin API (``/_emulator/<path>``)."""
        import requests
        response = requests.request(method, "%s/_emulator/%s" % (self.emu.base_url, path), json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def fault(self, **spec):
        return self.admin("POST", "faults", spec)

    # -- looking --

    def secrets(self, name="orders"):
        with open(os.path.join(self.state_dir, name + ".secrets")) as handle:
            return json.load(handle)

    def secret_mode(self, name="orders"):
        return os.stat(os.path.join(self.state_dir, name + ".secrets")).st_mode & 0o777

    def record(self, name="orders"):
        with open(os.path.join(self.state_dir, name + ".json")) as handle:
            return json.load(handle)

    def lock_exists(self, name="orders"):
        return os.path.exists(os.path.join(self.state_dir, name + ".lock"))

    def state_text(self):
        """Every non-secret state file, concatenated (for canary checks): record, lock, ledger."""
        out = []
        for entry in sorted(os.listdir(self.state_dir)):
            if entry.endswith((".json", ".lock", ".ledger")):
                with open(os.path.join(self.state_dir, entry)) as handle:
                    out.append(handle.read())
        return "\n".join(out)

    def login(self, password, user=None):
        """True when the application user (or ``user``) logs in to the real MariaDB with ``password``."""
        return self.emu.backends["mysql"].check_login(user or self.names["user"], password)

    def _service(self, name):
        return next(s for s in self.emu.services if s.name == name)

    def job_states(self):
        """``{job id: status}`` of every DRS and DTS job after a fresh check of each stored password
        against the real database (a job whose password does not log in is failed)."""
        drs, dts = self._service("drs"), self._service("dts")
        drs._health_check(list(drs.jobs.values()), force=True)
        for job in list(dts.jobs.values()):
            dts.store.check_health(job, force=True)
        summary = self.emu.summary()
        states = dict((j["id"], j["status"]) for j in summary["drs"]["jobs"])
        states.update((j["id"], j["status"]) for j in summary["dts"]["jobs"])
        return states

    def assert_jobs_healthy(self):
        states = self.job_states()
        bad = dict((k, v) for k, v in states.items() if v.endswith("FAILED") or v in ("Failed", "MigrationFailed"))
        assert not bad, "jobs left failed: %s" % bad
        return states

    def dcs_address(self):
        instance = self.emu.summary()["dcs"]["instances"][0]
        host, port = instance["address"].rsplit(":", 1)
        return host, int(port)

    def redis_login(self, password):
        import redis
        host, port = self.dcs_address()
        client = redis.Redis(host=host, port=port, password=password, socket_timeout=2)
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False
        finally:
            client.close()

    def writes(self, since=0):
        return journal(self.emu, since=since, writes_only=True)

    def last_seq(self):
        entries = journal(self.emu)
        return entries[-1]["seq"] if entries else 0


def summary_rows(run):
    """The summary table rows ``(target, action, outcome, request id)`` of the last summary printed."""
    results = [r for r in run.results if r["task"].startswith("Report | Summary")]
    assert results, "no summary printed:\n%s\n%s" % (run.stdout[-4000:], run.stderr[-2000:])
    return table_rows(results[-1]["result"]["msg"])


def plan_rows(run):
    results = [r for r in run.results if r["task"].startswith("Report | Summary")]
    assert results, "no plan printed:\n%s\n%s" % (run.stdout[-4000:], run.stderr[-2000:])
    return table_rows(results[-1]["result"]["msg"])


def table_rows(lines):
    if isinstance(lines, str):
        lines = lines.splitlines()
    rows, started = [], False
    for line in lines:
        if line.startswith("-") and "-+-" in line:
            started = True
            continue
        if started and " | " in line:
            rows.append(tuple(cell.strip() for cell in line.split(" | ")))
    return rows


def wait_for(predicate, timeout=60, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def rotation(emulator_factory, tmp_path):
    """``make(fixtures, names)`` -> :class:`Rotation` on a started real-backend emulator."""

    def make(fixtures=None, names=None):
        if fixtures is None:
            fixtures, names = estate()
        emu = emulator_factory(copy.deepcopy(fixtures), real=True)
        return Rotation(emu, tmp_path, names)

    return make
