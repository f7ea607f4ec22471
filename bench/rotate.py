# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark: rotate one credential with K DRS and K DTS dependants against the cloud emulator.

    .venv/bin/python bench/rotate.py [--ks 10,100,1000] [--dts-ks ...] [--repeat N] [--old-checkout PATH]

Runs ``ansible-playbook -i <inventory> playbooks/rotate.yml`` (one inventory host, one credential:
a GaussDB user and its DRS/DTS job endpoints) against the emulator (tests/emulator, in memory, in a
child process) and prints, per run: wall time, controller CPU (user+sys of the ansible-playbook
process tree), tasks run for the credential host, API calls and writes (the emulator's journal)
and the exit code. Then the figures issue 9 names, each marked PASS or MISS: tasks per credential,
wall(K=1000)/wall(K=10) for DRS, the rotation's own time over the API floor at 100 ms latency,
an ansible.builtin.uri loop over the rotation, and the new engine's CPU over the old role's.
See bench/README.md for what each figure means. A MISS is not an error: the exit code is 1 only
when a rotation run itself failed (its last output lines are printed).
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OLD_COMMIT = "af0864b"
DEFAULT_OLD_CHECKOUT = "/tmp/oldrole"

# The bench estate (made-up values, in the providers' formats).
PROJECT = "be0c0000000040000000000000000001"
REGION = "cn-north-4"
ALI_REGION = "cn-hangzhou"
IAM_DOMAIN = ("be0c0000000040000000000000000d0e", "credrotate-bench")
IAM_USER = ("be0c0000000040000000000000000a5e", "bench-operator", "Bench-Operator-Pass1!")
HW_AK, HW_SK = "HPUABENCHROTATE00001", "benchRotateSecretKey0123456789abcdefghij"
ALI_AK, ALI_SK = "LTAI5tBENCHROTATE0001", "benchRotateAccessKeySecret01"
GAUSS = "be0c0000000040000000000000000db1in07"
OWNER_USER = "bench_app"
CURRENT = "Bench-Current-Pass1!"
URI_PASSWORD = "Bench-Uri-Loop-Pass2@"
CREDENTIAL = "bench"
DTS_CONCURRENCY = 8

STEP_LINE = re.compile(r"^(?P<name>\S+): (?P<step>validate|preflight|pending|set|propagate|verify|promote|rollback|"
                       r"report)\s+(?P<outcome>.*?) \((?P<seconds>[0-9.]+) s\)\s*$")

TARGETS = {
    "tasks": ("tasks run per credential", "<=", 3),
    "drs_scaling": ("wall(K=1000) / wall(K=10), DRS", "<=", 1.3),
    "latency_drs": ("own time / API floor, 100 ms, K=100 DRS", "<=", 1.5),
    "latency_dts": ("own time / API floor, 100 ms, K=100 DTS", "<=", 1.5),
    "uri": ("uri loop / rotation, K=100 DRS", ">=", 10),
    "cpu": ("new CPU / old CPU, K=10 DRS+DTS", "<=", 0.25),
}


def drs_id(n):
    """A DRS job id: 8-4-4-4-12 lower-case letters or digits."""
    return "be%06x-0000-4000-8000-%08xjb01" % (n, n)


def dts_id(n):
    """A DTS job id: 1 to 64 lower-case letters or digits."""
    return "bench%010d" % n


def fixtures(drs_k, dts_k):
    """The emulator's estate: one GaussDB user, ``drs_k`` DRS jobs and ``dts_k`` DTS jobs storing its password.

    GaussDB password jobs finish at once (no emulated wait), so the API floor is the requests alone.
    """
    database = {"ref": GAUSS, "user": OWNER_USER}
    return {
        "settings": {"gaussdb_job_invisible_seconds": 0, "gaussdb_job_pending_seconds": 0,
                     "gaussdb_job_run_seconds": 0, "drs_health_interval": 0, "dts_health_interval": 0},
        "iam": {"domains": [{
            "id": IAM_DOMAIN[0], "name": IAM_DOMAIN[1],
            "users": [{"id": IAM_USER[0], "name": IAM_USER[1], "password": IAM_USER[2]}],
            "projects": [{"id": PROJECT, "name": REGION}],
            "access_keys": [{"access": HW_AK, "secret": HW_SK, "user": IAM_USER[1]}]}]},
        "gaussdb": {"instances": [{
            "id": GAUSS, "name": "bench-db", "project_id": PROJECT, "status": "ACTIVE",
            "db_user_name": "bench_root", "root_password": "Bench-Root-Pass1!", "port": 1,
            "users": [{"name": OWNER_USER, "host": "%", "password": CURRENT, "databases": ["app"]}]}]},
        "drs": {"jobs": [{
            "id": drs_id(n), "name": "bench-drs-%04d" % n, "project_id": PROJECT, "status": "INCRE_TRANSFER_STARTED",
            "db_use_type": "sync", "engine_type": "mysql",
            "source": {"database": dict(database), "password": CURRENT, "ip": "192.168.0.10", "db_port": 3306},
            "target": {"password": "Bench-Target-Pass1!", "ip": "192.168.%d.%d" % (1 + n // 250, 1 + n % 250),
                       "db_port": 3306}} for n in range(drs_k)]},
        "dts": {"access_keys": [{"id": ALI_AK, "secret": ALI_SK}], "jobs": [{
            "id": dts_id(n), "name": "bench-dts-%04d" % n, "region": ALI_REGION, "job_type": "SYNC",
            "status": "Synchronizing",
            "source": {"user": OWNER_USER, "password": CURRENT, "database": dict(database), "engine": "MySQL",
                       "instance_type": "other", "ip": "203.0.113.10", "port": 3306},
            "destination": {"user": "bench_dest", "password": "Bench-Dest-Pass1!", "engine": "MySQL",
                            "instance_type": "RDS", "ip": "10.1.%d.%d" % (n // 250, 1 + n % 250), "port": 3306}}
            for n in range(dts_k)]},
    }


def inventory(url, state_dir, drs_k, dts_k):
    dependants = ([{"type": "drs", "job_id": drs_id(n), "endpoint": "source"} for n in range(drs_k)]
                  + [{"type": "dts", "job_id": dts_id(n), "endpoint": "source"} for n in range(dts_k)])
    host = {
        "rotation_credential": {"name": CREDENTIAL, "owner": {"type": "gaussdb_mysql_user", "instance_id": GAUSS,
                                                              "user": OWNER_USER},
                                "dependants": dependants},
        "rotation_current_password": CURRENT,
        "rotation_state_dir": state_dir,
        "rotation_probe": "never",
        "rotation_verify_timeout": 60,
        "rotation_verify_interval": 1,
        "rotation_huaweicloud": {"endpoint_url": url, "region": REGION, "project_id": PROJECT},
        "rotation_alicloud": {"endpoint_url": url, "region": ALI_REGION},
    }
    return {"credentials": {"hosts": {CREDENTIAL: host}}}


# -- the emulator -------------------------------------------------------------------------------


class Emulator(object):
    """tests/emulator in a child process (its own GIL, its CPU not counted as the controller's)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None
        self.url = None

    def start(self):
        fixture_file = os.path.join(self.workdir, "emulator-start.json")
        ready = os.path.join(self.workdir, "emulator-ready")
        with open(fixture_file, "w") as handle:
            json.dump(fixtures(0, 0), handle)
        self.log = open(os.path.join(self.workdir, "emulator.log"), "w")
        self.proc = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "emulator"), "--fixtures",
                                      fixture_file, "--ready-file", ready], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=REPO)
        deadline = time.time() + 60
        while True:
            if os.path.exists(ready):
                with open(ready) as handle:
                    text = handle.read()
                if text.endswith("\n"):
                    self.url = text.strip()
                    return self.url
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                with open(self.log.name) as handle:
                    raise SystemExit("the emulator did not start:\n" + handle.read())
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request("%s/_emulator/%s" % (self.url, path), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:  # nosec: the local emulator
            text = response.read()
        return json.loads(text) if text else None

    def reset(self, drs_k, dts_k, latency=0.0):
        """A fresh estate (journal, faults and tokens cleared), with a latency fault on every request if asked."""
        self.admin("POST", "reset", fixtures(drs_k, dts_k))
        if latency:
            self.admin("POST", "faults", {"kind": "latency", "delay": latency, "count": 0})

    def journal(self):
        return self.admin("GET", "journal?since=0")["entries"]


def journal_figures(entries, latency=0.0, concurrency=DTS_CONCURRENCY):
    """Calls, writes, failures, a per-action count, and the API floor at ``latency`` s per request."""
    huawei = sum(1 for e in entries if e.get("cloud") != "alibaba")
    alibaba = sum(1 for e in entries if e.get("cloud") == "alibaba")
    actions = {}
    for entry in entries:
        key = "%s %s" % (entry.get("service"), entry.get("action"))
        actions[key] = actions.get(key, 0) + 1
    return {
        "calls": len(entries), "writes": sum(1 for e in entries if e.get("write")),
        "errors": sum(1 for e in entries if not 200 <= (e.get("status") or 0) < 300),
        "serial": huawei, "dts": alibaba, "actions": actions,
        "floor": latency * (huawei + int(math.ceil(alibaba / float(concurrency)))),
    }


# -- running ansible-playbook --------------------------------------------------------------------


class Runner(object):
    def __init__(self, workdir, emulator, verbose=False):
        self.workdir = workdir
        self.emu = emulator
        self.verbose = verbose
        self.count = 0
        bindir = os.path.dirname(sys.executable)
        if not os.path.exists(os.path.join(bindir, "ansible-playbook")):
            bindir = os.path.join(REPO, ".venv", "bin")
        self.bindir = bindir

    def env(self, checkout, tasks_file):
        env = dict((k, v) for k, v in os.environ.items()
                   if not k.startswith(("HW_", "OS_", "ALICLOUD_", "ALIBABA_CLOUD_", "ANSIBLE_")))
        env.update({
            "ANSIBLE_CONFIG": os.path.join(checkout, "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": os.path.join(checkout, ".collections"),
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_tasks",
            "ANSIBLE_HOME": os.path.join(self.workdir, "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "BENCH_TASKS_FILE": tasks_file,
            "PATH": self.bindir + os.pathsep + os.environ.get("PATH", ""),
            "HW_ACCESS_KEY": HW_AK, "HW_SECRET_KEY": HW_SK,
            "ALICLOUD_ACCESS_KEY": ALI_AK, "ALICLOUD_SECRET_KEY": ALI_SK,
        })
        return env

    def playbook(self, playbook, checkout=REPO, inventory_doc=None, extra_vars=None, timeout=1800):
        """Run one playbook; wall, CPU of the process tree, tasks per host, output."""
        self.count += 1
        tag = "run-%02d" % self.count
        tasks_file = os.path.join(self.workdir, tag + "-tasks.json")
        cmd = [os.path.join(self.bindir, "ansible-playbook")]
        if inventory_doc is not None:
            path = os.path.join(self.workdir, tag + "-inventory.json")
            with open(path, "w") as handle:
                json.dump(inventory_doc, handle)
            cmd += ["-i", path]
        cmd.append(playbook)
        if extra_vars is not None:
            path = os.path.join(self.workdir, tag + "-vars.json")
            with open(path, "w") as handle:
                json.dump(extra_vars, handle)
            cmd += ["-e", "@" + path]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=self.env(checkout, tasks_file), cwd=checkout, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, timeout=timeout,
                              check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(os.path.join(self.workdir, tag + ".out"), "w") as handle:
            handle.write(proc.stdout)
        hosts = {}
        if os.path.exists(tasks_file):
            with open(tasks_file) as handle:
                hosts = json.load(handle)["hosts"]
        if self.verbose:
            print(proc.stdout)
        return {"rc": proc.returncode, "wall": wall, "output": proc.stdout, "hosts": hosts,
                "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}

    def rotation(self, drs_k, dts_k, latency=0.0, checkout=REPO, noop=True, discover=True, store=None):
        """One rotation of the bench credential on a fresh estate, and the no-op play on its inventory.

        ``discover=False`` turns the dependant discovery off (it is on by default), to measure its cost.
        """
        state_dir = tempfile.mkdtemp(prefix="state-", dir=self.workdir)
        doc = inventory(self.emu.url, state_dir, drs_k, dts_k)
        if not discover:
            doc["credentials"]["hosts"][CREDENTIAL]["rotation_discover_dependants"] = False
        if store:
            doc["credentials"]["hosts"][CREDENTIAL]["rotation_store"] = store
        self.emu.reset(drs_k, dts_k, latency)
        out = {"drs": drs_k, "dts": dts_k, "latency": latency}
        if noop:
            out["noop"] = self.playbook(os.path.join(HERE, "playbooks", "noop.yml"), checkout, doc)
        run = self.playbook(os.path.join(checkout, "playbooks", "rotate.yml"), checkout, doc)
        out.update(run)
        entries = self.emu.journal()
        out["journal"] = journal_figures(entries, latency)
        store_entries = [e for e in entries if e.get("service") in ("csms", "kms")]
        out["store_calls"] = len(store_entries)
        out["store_writes"] = sum(1 for e in store_entries if e.get("write"))
        host = run["hosts"].get(CREDENTIAL) or {}
        out["tasks"] = host.get("ok", 0) + host.get("failed", 0)
        out["skipped"] = host.get("skipped", 0)
        out["task_names"] = host.get("tasks", [])
        out["steps"] = [m.groupdict() for m in (STEP_LINE.match(line.strip()) for line in run["output"].splitlines())
                        if m]
        record = os.path.join(state_dir, CREDENTIAL + ".json")
        out["status"] = "no record"
        if os.path.exists(record):
            with open(record) as handle:
                out["status"] = json.load(handle).get("status")
        return out

    def uri_loop(self, drs_k):
        self.emu.reset(drs_k, 0)
        extra = {"bench_endpoint_url": self.emu.url, "bench_project_id": PROJECT, "bench_iam_domain": IAM_DOMAIN[1],
                 "bench_iam_user": IAM_USER[1], "bench_iam_password": IAM_USER[2],
                 "bench_new_password": URI_PASSWORD, "bench_drs_jobs": [drs_id(n) for n in range(drs_k)]}
        out = self.playbook(os.path.join(HERE, "playbooks", "uri_loop.yml"), REPO, extra_vars=extra)
        entries = self.emu.journal()
        out["journal"] = journal_figures(entries)
        out["modify_ok"] = sum(1 for e in entries if e.get("action") == "BatchResetPassword" and e.get("status") == 200)
        out["token_ok"] = sum(1 for e in entries if e.get("action") == "CreateToken" and e.get("status") == 201)
        return out


# -- the old role ----------------------------------------------------------------------------------


def link_collection(path):
    """``path/.collections/ansible_collections/credrotate/cloud`` -> ``path`` (as ``make venv`` and conftest.py do)."""
    link = os.path.join(path, ".collections", "ansible_collections", "credrotate", "cloud")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.join("..", "..", ".."), link)


def prepare_old_checkout(path):
    """``path`` holds the role of commit af0864b (made with git worktree when missing); '' or why not."""
    if not os.path.exists(path):
        proc = subprocess.run(["git", "-C", REPO, "worktree", "add", "--detach", path, OLD_COMMIT],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if proc.returncode:
            return "git worktree add %s %s failed: %s" % (path, OLD_COMMIT, proc.stdout.strip())
    if not os.path.exists(os.path.join(path, "playbooks", "rotate.yml")):
        return "%s has no playbooks/rotate.yml" % path
    link_collection(path)
    venv = os.path.join(path, ".venv")
    if not os.path.lexists(venv):
        os.symlink(os.path.join(REPO, ".venv"), venv)
    return ""


# -- reporting -------------------------------------------------------------------------------------


def median_run(runs):
    """The run with the median wall time (its other figures go with it)."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    return ordered[(len(ordered) - 1) // 2]


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(key, value):
    _label, op, target = TARGETS[key]
    if value is None:
        return "n/a"
    return "PASS" if (value <= target if op == "<=" else value >= target) else "MISS"


def fmt(value, digits=2):
    return "-" if value is None else ("%.*f" % (digits, value))


def actions_text(journal):
    short = []
    for key, n in sorted(journal["actions"].items()):
        short.append("%s %d" % (key.split(" ", 1)[1], n))
    return ", ".join(short)


def steps_text(run):
    return " ".join("%s %s" % (s["step"], s["seconds"]) for s in run.get("steps") or [])


def short_task(name):
    name = name.split(" : ", 1)[-1]
    return "arg spec" if name.startswith("Validating arguments") else name


def tail(text, lines=40):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def git_state(checkout):
    head = subprocess.run(["git", "-C", checkout, "log", "-1", "--format=%h %s"], stdout=subprocess.PIPE, text=True,
                          check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", checkout, "status", "--porcelain", "--", "plugins", "roles", "playbooks"],
                           stdout=subprocess.PIPE, text=True, check=False).stdout.split("\n")
    dirty = [line[3:] for line in dirty if line.strip()]
    return head[:72], dirty


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except (IOError, OSError):
        pass
    try:
        import ansible.release
        core = ansible.release.__version__
    except ImportError:
        core = "?"
    return "%d CPU(s) %s; Python %s; ansible-core %s; %s" % (
        os.cpu_count() or 0, model, platform.python_version(), core, platform.platform(terse=True))


def load_text():
    load = os.getloadavg()
    busy = load[0] > 0.5 * (os.cpu_count() or 1)
    return "%.2f %.2f %.2f%s" % (load + ((" (busy machine: other processes compete for the CPUs, the wall times "
                                          "are inflated)",) if busy else ("",)))


def parse_ks(text):
    return [int(k) for k in text.split(",") if k.strip()] if text else []


def main(argv=None):
    parser = argparse.ArgumentParser(prog=".venv/bin/python bench/rotate.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", default="10,100,1000", help="K values of the DRS-only series (default 10,100,1000)")
    parser.add_argument("--dts-ks", default=None, help="K values of the DTS-only series (default: --ks)")
    parser.add_argument("--mixed-ks", default="10", help="K values of the K DRS + K DTS series (default 10; the old "
                        "role runs at the smallest)")
    parser.add_argument("--latency", type=float, default=0.1, help="latency fault per request, s (default 0.1)")
    parser.add_argument("--latency-k", type=int, default=100, help="K of the latency runs (default 100)")
    parser.add_argument("--uri-k", type=int, default=100, help="DRS jobs of the uri loop baseline (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration with K <= 100 (K > 100 and the "
                        "old role run once); the run with the median wall is kept (default 3)")
    parser.add_argument("--old-checkout", default=DEFAULT_OLD_CHECKOUT, help="checkout of the old YAML role (commit "
                        "%s; made with git worktree when missing; default %s)" % (OLD_COMMIT, DEFAULT_OLD_CHECKOUT))
    parser.add_argument("--checkout", default=REPO, help="checkout whose playbooks/rotate.yml and collection run as "
                        "the new engine (default: this repository's working tree)")
    parser.add_argument("--discovery-ks", default="100,1000", help="K values of DRS+DTS runs repeated with the "
                        "discovery off, to print what discovery costs (default 100,1000; empty: none)")
    parser.add_argument("--stores", default="csms,kms", help="cloud stores to compare with the secret file on the same "
                        "K DRS + K DTS rotation (issue 11; default csms,kms; '' skips)")
    parser.add_argument("--store-k", type=int, default=10, help="K of the store runs (default 10)")
    parser.add_argument("--no-old", action="store_true", help="skip the old role")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency runs")
    parser.add_argument("--no-uri", action="store_true", help="skip the uri loop baseline")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (inventories, outputs)")
    parser.add_argument("--verbose", action="store_true", help="print every ansible-playbook output")
    args = parser.parse_args(argv)
    drs_ks = parse_ks(args.ks)
    dts_ks = parse_ks(args.dts_ks if args.dts_ks is not None else args.ks)
    mixed_ks = parse_ks(args.mixed_ks)
    repeat = max(1, args.repeat)

    checkout = os.path.abspath(args.checkout)
    link_collection(checkout)
    head, dirty = git_state(checkout)
    print("credrotate.cloud rotation benchmark, %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
    print("machine: %s" % machine())
    print("checkout: %s (%s)%s" % (checkout, head, "; uncommitted changes in " + ", ".join(dirty) if dirty else ""))
    print("emulator in memory (rotation_probe: never), GaussDB jobs finish at once; repeat %d (K <= 100)" % repeat)
    print("load average before: %s" % load_text())
    print()

    workdir = tempfile.mkdtemp(prefix="credrotate-bench-")
    emu = Emulator(workdir)
    emu.start()
    runner = Runner(workdir, emu, args.verbose)
    rows, failure = [], None
    # Warm-up, not reported: the first ansible-playbook of a session pays for cold caches.
    warm = runner.rotation(1, 1, 0.0, checkout)
    print("warm-up (K=1 DRS+DTS, not counted): rc %d, wall %.2f s, noop %.2f s" % (
        warm["rc"], warm["wall"], warm["noop"]["wall"]))
    if warm["rc"] != 0:
        warm["label"] = "warm-up"
        failure = warm

    def rotate(label, drs_k, dts_k, latency=0.0, old=False, discover=True, store=None):
        nonlocal failure
        runs = []
        for _n in range(1 if old or max(drs_k, dts_k) > 100 else repeat):
            run = runner.rotation(drs_k, dts_k, latency, old or checkout, discover=discover, store=store)
            runs.append(run)
            if run["rc"] != 0:
                break
        run = median_run(runs) if all(r["rc"] == 0 for r in runs) else runs[-1]
        run["label"] = label
        if len(runs) > 1:
            noops = [r["noop"]["wall"] for r in runs]
            run = dict(run, noop=dict(run["noop"], wall=statistics.median(noops)),
                       cpu=statistics.median(r["cpu"] for r in runs))
        journal = run["journal"]
        print("%-16s rc %d  wall %6.2f s  cpu %6.2f s  tasks %3d  calls %5d  writes %5d  noop %5.2f s  %s%s" % (
            label, run["rc"], run["wall"], run["cpu"], run["tasks"], journal["calls"], journal["writes"],
            run["noop"]["wall"], run["status"], "  (walls %s; noops %s)" % (
                " ".join("%.2f" % r["wall"] for r in runs), " ".join("%.2f" % r["noop"]["wall"] for r in runs))
            if len(runs) > 1 else ""))
        sys.stdout.flush()
        rows.append(run)
        if run["rc"] != 0 and not old:
            failure = run
        return run

    try:
        drs, dts, mixed = {}, {}, {}
        for k in drs_ks if not failure else ():
            drs[k] = rotate("drs K=%d" % k, k, 0)
            if failure:
                break
        for k in dts_ks if not failure else ():
            dts[k] = rotate("dts K=%d" % k, 0, k)
            if failure:
                break
        for k in mixed_ks if not failure else ():
            mixed[k] = rotate("drs+dts K=%d" % k, k, k)
            if failure:
                break
        discovery = {}
        for k in parse_ks(args.discovery_ks) if not failure else ():
            discovery[k] = (rotate("d+d K=%d disc" % k, k, k), rotate("d+d K=%d nodisc" % k, k, k, discover=False))
            if failure:
                break
        stores = {}
        for store in [s for s in args.stores.split(",") if s] if not failure else ():
            if not stores:
                stores["file"] = rotate("d+d K=%d file" % args.store_k, args.store_k, args.store_k)
            stores[store] = rotate("d+d K=%d %s" % (args.store_k, store), args.store_k, args.store_k, store=store)
            if failure:
                break
        latency = {}
        if not failure and not args.no_latency:
            for kind, (drs_k, dts_k) in (("drs", (args.latency_k, 0)), ("dts", (0, args.latency_k))):
                latency[kind] = rotate("%s K=%d %dms" % (kind, args.latency_k, args.latency * 1000), drs_k, dts_k,
                                       args.latency)
                if failure:
                    break
        uri = None
        if not failure and not args.no_uri:
            uri = runner.uri_loop(args.uri_k)
            print("%-16s rc %d  wall %6.2f s  cpu %6.2f s  tasks %3d  calls %5d  writes %5d  (%d of %d PUT 200)" % (
                "uri loop K=%d" % args.uri_k, uri["rc"], uri["wall"], uri["cpu"],
                sum(h.get("ok", 0) + h.get("failed", 0) for h in uri["hosts"].values()), uri["journal"]["calls"],
                uri["journal"]["writes"], uri["modify_ok"], args.uri_k))
        old, old_why = None, ""
        old_k = min(mixed_ks) if mixed_ks else None
        if not failure and not args.no_old and old_k is not None:
            old_why = prepare_old_checkout(os.path.abspath(args.old_checkout))
            if not old_why:
                old = rotate("old drs+dts K=%d" % old_k, old_k, old_k, old=os.path.abspath(args.old_checkout))
                if old["rc"] != 0:
                    old_why = "the old role failed (rc %d):\n%s" % (old["rc"], tail(old["output"], 25))
                elif old["status"] != "completed":
                    old_why = "the old role ended with record status %s" % old["status"]
    finally:
        emu.stop()

    if failure is not None:
        print()
        print("FAILED: %s ended with rc %d; the last lines of its output:" % (failure["label"], failure["rc"]))
        print(tail(failure["output"]))
        print("(work directory kept: %s)" % workdir)
        return 1

    # -- the table --
    print()
    print("load average after: %s" % load_text())
    print()
    print("%-16s %3s %8s %8s %8s %8s %5s %6s %6s %7s %8s  %s" % (
        "run", "rc", "wall s", "noop s", "own s", "cpu s", "tasks", "calls", "writes", "floor s", "own/flr",
        "record"))
    for run in rows:
        own = run["wall"] - run["noop"]["wall"]
        floor = run["journal"]["floor"] if run["latency"] else None
        print("%-16s %3d %8.2f %8.2f %8.2f %8.2f %5d %6d %6d %7s %8s  %s" % (
            run["label"], run["rc"], run["wall"], run["noop"]["wall"], own, run["cpu"], run["tasks"],
            run["journal"]["calls"], run["journal"]["writes"], fmt(floor), fmt(ratio(own, floor)), run["status"]))
    if uri is not None:
        print("%-16s %3d %8.2f %8s %8s %8.2f %5s %6d %6d" % (
            "uri loop K=%d" % args.uri_k, uri["rc"], uri["wall"], "-", "-", uri["cpu"], "-", uri["journal"]["calls"],
            uri["journal"]["writes"]))
    print()
    print("API calls per run (emulator journal) and the engine's step log (seconds per step):")
    for run in rows:
        print("  %-16s %s" % (run["label"], actions_text(run["journal"])))
        if run.get("steps"):
            print("  %-16s steps: %s" % ("", steps_text(run)))
        if not run["label"].startswith("old"):
            tasks = ["%s %.2f" % (short_task(task[0]), task[3]) for task in run["task_names"]]
            print("  %-16s tasks: %s" % ("", ", ".join(tasks)))
    first = rows[0] if rows else None
    if first is not None:
        print()
        print("tasks run for the credential host (%s): %s" % (first["label"], "; ".join(
            "%s [%s]" % (task[0], task[2]) for task in first["task_names"])))
    for run in rows:
        slow = sorted(run["task_names"], key=lambda task: -task[3])[:5]
        if run["label"].startswith("old") and slow:
            total = sum(task[3] for task in run["task_names"])
            print("slowest tasks of %s (%.1f s in %d tasks): %s" % (run["label"], total, len(run["task_names"]), "; ".join(
                "%s %.1f s" % (task[0].split(" : ", 1)[-1], task[3]) for task in slow)))
    for run in rows:
        if run["journal"]["errors"]:
            print("note: %s had %d API answer(s) that were not 2xx" % (run["label"], run["journal"]["errors"]))

    # -- the figures of issue 9 --
    figures = []
    new_tasks = max(r["tasks"] for r in rows if not r["label"].startswith("old")) if rows else None
    figures.append(("tasks", new_tasks, "most tasks in one run of the new role (skipped tasks not counted)"))
    if len(drs) < 2:
        figures.append(("drs_scaling", None, "needs two K values in --ks"))
    else:
        k_lo, k_hi = min(drs), max(drs)
        figures.append(("drs_scaling", ratio(drs[k_hi]["wall"], drs[k_lo]["wall"]), "wall %.2f s / %.2f s%s; cpu %.2f s "
                        "/ %.2f s" % (drs[k_hi]["wall"], drs[k_lo]["wall"], "" if (k_lo, k_hi) == (10, 1000) else
                                      " (K=%d / K=%d)" % (k_hi, k_lo), drs[k_hi]["cpu"], drs[k_lo]["cpu"])))
    for kind in ("drs", "dts"):
        run = latency.get(kind)
        if run is None:
            figures.append(("latency_" + kind, None, "not run"))
            continue
        own = run["wall"] - run["noop"]["wall"]
        floor = run["journal"]["floor"]
        detail = "own %.2f s (wall %.2f - noop %.2f) / floor %.2f s = %g s x (%d serial + ceil(%d DTS / %d))" % (
            own, run["wall"], run["noop"]["wall"], floor, args.latency, run["journal"]["serial"], run["journal"]["dts"],
            DTS_CONCURRENCY)
        figures.append(("latency_" + kind, ratio(own, floor), detail))
    base = drs.get(args.uri_k)
    if uri is None:
        figures.append(("uri", None, "not run"))
    elif uri["rc"] != 0 or uri["modify_ok"] != args.uri_k:
        figures.append(("uri", None, "the uri loop failed (rc %d, %d of %d PUT 200): %s" % (
            uri["rc"], uri["modify_ok"], args.uri_k, tail(uri["output"], 10))))
    elif base is None:
        figures.append(("uri", None, "no DRS rotation at K=%d to compare with (add it to --ks)" % args.uri_k))
    else:
        figures.append(("uri", ratio(uri["wall"], base["wall"]), "uri loop %.2f s / rotation %.2f s"
                        % (uri["wall"], base["wall"])))
    new_mixed = mixed.get(old_k) if old_k is not None else None
    if old is not None and not old_why and new_mixed is not None:
        figures.append(("cpu", ratio(new_mixed["cpu"], old["cpu"]), "cpu new %.2f s / old %.2f s; wall new %.2f s, "
                        "old %.2f s (%.2fx); tasks new %d, old %d; calls new %d, old %d" % (
                            new_mixed["cpu"], old["cpu"], new_mixed["wall"], old["wall"],
                            ratio(new_mixed["wall"], old["wall"]), new_mixed["tasks"], old["tasks"],
                            new_mixed["journal"]["calls"], old["journal"]["calls"])))
    else:
        figures.append(("cpu", None, old_why or "the old role was not run"))
    print()
    print("issue 9 targets:")
    for key, value, detail in figures:
        label, op, target = TARGETS[key]
        print("  %-42s %8s  %s %-5g %-4s  %s" % (label, fmt(value, 0 if key == "tasks" else 2), op, target,
                                                 verdict(key, value), detail))
    if discovery:
        print()
        print("discovery (issue 10; on by default): the same K DRS + K DTS rotation with and without it")
        for k, (on, off) in sorted(discovery.items()):
            calls = on["journal"]["calls"] - off["journal"]["calls"]
            acts = dict((a, n - off["journal"]["actions"].get(a, 0)) for a, n in on["journal"]["actions"].items()
                        if n != off["journal"]["actions"].get(a, 0))
            print("  K=%-5d +%d calls (%s); own time %.2f s with, %.2f s without (x%.2f); cpu %.2f s / %.2f s" % (
                k, calls, ", ".join("%s +%d" % kv for kv in sorted(acts.items())),
                on["wall"] - on["noop"]["wall"], off["wall"] - off["noop"]["wall"],
                (on["wall"] - on["noop"]["wall"]) / max(off["wall"] - off["noop"]["wall"], 0.01), on["cpu"], off["cpu"]))
    if stores:
        print()
        print("secret stores (issue 11): the same K=%d DRS + K=%d DTS rotation with the passwords in a cloud secret"
              % (args.store_k, args.store_k))
        base = stores["file"]
        for store, run in sorted(stores.items()):
            if store == "file":
                continue
            print("  %-5s +%d calls (%d to the store: %d reads, %d writes); %d calls in all vs %d with the file; "
                  "own time %.2f s vs %.2f s (x%.2f)" % (
                      store, run["journal"]["calls"] - base["journal"]["calls"], run["store_calls"],
                      run["store_calls"] - run["store_writes"], run["store_writes"], run["journal"]["calls"],
                      base["journal"]["calls"], run["wall"] - run["noop"]["wall"], base["wall"] - base["noop"]["wall"],
                      (run["wall"] - run["noop"]["wall"]) / max(base["wall"] - base["noop"]["wall"], 0.01)))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("\nwork directory: %s" % workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
