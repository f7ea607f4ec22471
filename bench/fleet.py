# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fleet benchmark (issue 12, item 6): rotate N credentials in one run, each a GaussDB(for MySQL) user
(a real MariaDB account) with 2 DRS jobs and 1 DTS job storing its password, against the emulator.

    .venv/bin/python bench/fleet.py [--count 1000] [--forks 5,50] [--slices 4] [--skip-slices]
                                    [--discovery on|off|both] [--scaling 50,100] [--keep]

It builds the estate (one emulator in a child process, GaussDB accounts on the machine's MariaDB),
writes an inventory with one host per credential (as playbooks/rotate.yml expects) and runs
``ansible-playbook playbooks/rotate.yml`` over it with each --forks value, then the same fleet split
in --slices interleaved slices run as that many ansible-runner jobs at once (as AWX job slicing does)
with one shared rotation_state_dir. Before each, a play of one ansible.builtin.ping task runs over the
same inventory and forks: the baseline of what Ansible costs per host. For each run it prints wall
time, controller CPU (user+sys of the ansible process trees), emulator CPU (the child's), MariaDB
CPU (the server is shared: other sessions' work is in it too), peak memory of the controller
processes, API calls (the emulator's journal) and the slowest credential (the step lines the rotate
action prints); then issue 12's ratios and the correctness checks as PASS/MISS lines. See
bench/README.md ("Fleet benchmark") and docs/scale.md. A MISS is not an error: the exit code is 1
only when a run could not be measured (the emulator did not start, a run was interrupted).

Every MariaDB account the run creates is named ``crf<4 hex>_...`` and dropped at the end, also when
the run is interrupted (Ctrl-C, SIGTERM); ``--cleanup`` drops the ``crf*`` accounts an earlier run left
behind (a SIGKILLed one).
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import json
import math
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import rotate as base  # noqa: E402  bench/rotate.py: estate constants, emulator driver, environment, reporting

MYSQL_DSN = os.environ.get("CREDROTATE_TEST_MYSQL_DSN", "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock")
ACCOUNT_PREFIX = "crf"  # every MariaDB account of a fleet run: crf<4 hex>_u0000 (users), crf<4 hex>_r000 (roots)
DRS_HEALTHY = "INCRE_TRANSFER_STARTED"
DTS_HEALTHY = "Synchronizing"
TARGETS = {
    "cpu": ("controller CPU/credential / ping CPU/host", "<=", 2.0),
    "wall": ("wall / ((controller + emulator CPU) / cores)", "<=", 1.3),
}


# -- the estate ------------------------------------------------------------------------------------


class Fleet(object):
    """N credentials: GaussDB users (``per_instance`` to an instance), each with 2 DRS jobs and 1 DTS job."""

    def __init__(self, count, per_instance, token, probe="always"):
        self.count = count
        self.probe = probe
        self.per_instance = max(1, per_instance)
        self.token = token
        self.prefix = "%s%s_" % (ACCOUNT_PREFIX, token)
        self.instances = int(math.ceil(count / float(self.per_instance)))

    def host(self, n):
        return "fleet-%04d" % n

    def user(self, n):
        return "%su%04d" % (self.prefix, n)

    def root(self, i):
        return "%sr%03d" % (self.prefix, i)

    def instance(self, n):
        return "fe0c00000000400080000000%08xin07" % (n // self.per_instance)

    @staticmethod
    def current(n):
        return "Fleet-Cur-%04d-Aa1!" % n

    @staticmethod
    def drs_id(n, k):
        return "fe%06x-0000-4000-8000-%08xjb%02d" % (n, n, k)

    @staticmethod
    def dts_id(n):
        return "fleet%010d" % n

    def accounts(self):
        return [self.user(n) for n in range(self.count)] + [self.root(i) for i in range(self.instances)]

    def fixtures(self, health_interval):
        """The emulator's estate. GaussDB password jobs finish at once; job health is checked by a real login at
        most every ``health_interval`` seconds per job (always right after a password change)."""
        instances = []
        for i in range(self.instances):
            members = range(i * self.per_instance, min(self.count, (i + 1) * self.per_instance))
            instances.append({
                "id": "fe0c00000000400080000000%08xin07" % i, "name": "fleet-db-%03d" % i, "project_id": base.PROJECT,
                "status": "ACTIVE", "db_user_name": self.root(i), "root_password": "Fleet-Root-%03d-Aa1!" % i,
                "users": [{"name": self.user(n), "host": "%", "password": self.current(n), "databases": ["app"]}
                          for n in members]})
        drs, dts = [], []
        for n in range(self.count):
            database = {"ref": self.instance(n), "user": self.user(n)}
            for k in (1, 2):
                drs.append({
                    "id": self.drs_id(n, k), "name": "fleet-drs-%04d-%d" % (n, k), "project_id": base.PROJECT,
                    "status": DRS_HEALTHY, "db_use_type": "sync", "engine_type": "mysql",
                    "source": {"database": dict(database), "password": self.current(n), "ip": "127.0.0.1",
                               "db_port": 3306},
                    "target": {"password": "Fleet-Target-Pass1!", "ip": "192.168.%d.%d" % (1 + n // 250, 1 + n % 250),
                               "db_port": 3306}})
            dts.append({
                "id": self.dts_id(n), "name": "fleet-dts-%04d" % n, "region": base.ALI_REGION, "job_type": "SYNC",
                "status": DTS_HEALTHY,
                "source": {"user": self.user(n), "password": self.current(n), "database": dict(database),
                           "engine": "MySQL", "instance_type": "other", "ip": "127.0.0.1", "port": 3306},
                "destination": {"user": "fleet_dest", "password": "Fleet-Dest-Pass1!", "engine": "MySQL",
                                "instance_type": "RDS", "ip": "10.1.%d.%d" % (n // 250, 1 + n % 250), "port": 3306}})
        interval = float(health_interval)
        return {
            "settings": {"gaussdb_job_invisible_seconds": 0, "gaussdb_job_pending_seconds": 0,
                         "gaussdb_job_run_seconds": 0, "drs_health_interval": interval,
                         "dts_health_interval": interval},
            "iam": {"domains": [{
                "id": base.IAM_DOMAIN[0], "name": base.IAM_DOMAIN[1],
                "users": [{"id": base.IAM_USER[0], "name": base.IAM_USER[1], "password": base.IAM_USER[2]}],
                "projects": [{"id": base.PROJECT, "name": base.REGION}],
                "access_keys": [{"access": base.HW_AK, "secret": base.HW_SK, "user": base.IAM_USER[1]}]}]},
            "gaussdb": {"instances": instances},
            "drs": {"jobs": drs},
            "dts": {"access_keys": [{"id": base.ALI_AK, "secret": base.ALI_SK}], "jobs": dts},
        }

    def credential(self, n):
        return {"name": self.host(n),
                "owner": {"type": "gaussdb_mysql_user", "instance_id": self.instance(n), "user": self.user(n),
                          "host": "%"},
                "dependants": [{"type": "drs", "job_id": self.drs_id(n, 1), "endpoint": "source"},
                               {"type": "drs", "job_id": self.drs_id(n, 2), "endpoint": "source"},
                               {"type": "dts", "job_id": self.dts_id(n), "endpoint": "source"}]}

    def inventory(self, url, state_dir, discovery, members=None):
        """Group ``credentials``: one host per credential; what every host shares is a group variable."""
        members = range(self.count) if members is None else members
        return {"credentials": {
            "vars": {
                "rotation_state_dir": state_dir,
                "rotation_probe": self.probe,
                "rotation_verify_timeout": 120,
                "rotation_verify_interval": 1,
                "rotation_discover_dependants": bool(discovery),
                "rotation_huaweicloud": {"endpoint_url": url, "region": base.REGION, "project_id": base.PROJECT},
                "rotation_alicloud": {"endpoint_url": url, "region": base.ALI_REGION},
            },
            "hosts": dict((self.host(n), {"rotation_credential": self.credential(n),
                                          "rotation_current_password": self.current(n)}) for n in members)}}


# -- the emulator (child process) ------------------------------------------------------------------


def serve(args):
    """``--serve-emulator``: tests/emulator with the MariaDB backend and two bench admin routes.

    ``GET /_emulator/bench/calls?since=SEQ``: counts of the journal after SEQ (by action, writes, non-2xx) and the
    last sequence number, instead of the whole journal (tens of thousands of entries).
    ``POST /_emulator/bench/check`` ``{"users": {user: password}}``: checks every DRS and DTS job by a real login
    now (as tests/integration/role does), then counts the jobs that run and whose stored source password is the
    one given for their user, and the users that log in to MariaDB with it. Answers counts and job ids only.
    """
    sys.path.insert(0, os.path.join(REPO, "tests"))
    from emulator.backends import backends_from_args
    from emulator.core import Emulator, Response, load_fixture_file

    if not args.emulator_tls_logins:
        # PyMySQL >= 1.2 prefers TLS by default and builds a new SSL context (the system CA store) for every
        # connection: 50-80 ms of CPU, most of what the emulator would spend. Its logins are job health checks
        # standing in for the cloud's own, so they go without TLS here; the controller's probes are unchanged.
        import pymysql
        plain_connect = pymysql.connect

        def connect(*a, **kw):
            if not any(key.startswith("ssl") for key in kw):
                kw["ssl_disabled"] = True
            return plain_connect(*a, **kw)

        pymysql.connect = connect
    backends = backends_from_args(args.mysql_dsn, None)
    emu = Emulator(load_fixture_file(args.fixtures), backends=backends)
    emu.journal._limit = 10 ** 7  # the default 100,000 entries is less than one discovery run of 1000 credentials
    services = dict((service.name, service) for service in emu.services)

    def calls(req):
        since = int(req.query_dict().get("since", 0))
        entries = emu.journal.entries(since)
        actions, latency = {}, {}
        for entry in entries:
            key = "%s %s" % (entry.get("service"), entry.get("action"))
            actions[key] = actions.get(key, 0) + 1
            latency[key] = latency.get(key, 0.0) + (entry.get("latency_ms") or 0.0)
        return Response(200, {"last": emu.journal._seq, "calls": len(entries), "actions": actions,
                              "action_ms": dict((k, round(v, 1)) for k, v in latency.items()),
                              "writes": sum(1 for e in entries if e.get("write")),
                              "errors": sum(1 for e in entries if not 200 <= (e.get("status") or 0) < 300),
                              "latency_ms": round(sum(e.get("latency_ms") or 0 for e in entries), 1)})

    def check(req):
        users = (req.json() or {}).get("users") or {}
        drs, dts, mysql = services["drs"], services["dts"], backends["mysql"]
        drs._health_check(list(drs.jobs.values()), force=True)
        for job in list(dts.jobs.values()):
            dts.store.check_health(job, force=True)
        out = {}
        with emu.lock:
            for kind, jobs in (("drs", list(drs.jobs.values())), ("dts", list(dts.jobs.values()))):
                row = {"jobs": 0, "healthy": 0, "new_password": 0, "unhealthy": [], "old_password": []}
                for job in jobs:
                    source = job["source"] if kind == "drs" else job["forward"]["source"]
                    healthy = (job["status"] == DRS_HEALTHY and not job.get("health_failure") if kind == "drs" else
                               job["forward"]["status"] == DTS_HEALTHY and not job["forward"]["auth_failed"])
                    user = source["database"]["user"]
                    holds = user in users and source.get("password") == users[user]
                    row["jobs"] += 1
                    row["healthy"] += int(healthy)
                    row["new_password"] += int(holds)
                    if not healthy:
                        row["unhealthy"].append(job["id"])
                    if not holds:
                        row["old_password"].append(job["id"])
                out[kind] = row
        refused = [user for user, password in sorted(users.items()) if not mysql.check_login(user, password)]
        out["owners"] = {"users": len(users), "login": len(users) - len(refused), "refused": refused}
        return Response(200, out)

    emu.admin_route("GET", r"bench/calls", calls)
    emu.admin_route("POST", r"bench/check", check)
    url = emu.start()
    print("emulator listening on %s (%s)" % (url, emu.backend_description()), flush=True)
    with open(args.ready_file, "w") as handle:
        handle.write(url + "\n")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    emu.stop()
    backends["mysql"].close()  # drops every account it created
    print("emulator stopped", flush=True)
    return 0


class FleetEmulator(base.Emulator):
    """bench/rotate.py's emulator driver, running ``fleet.py --serve-emulator`` (MariaDB backend) instead."""

    def __init__(self, workdir, dsn, fixtures, tls_logins=False):
        super(FleetEmulator, self).__init__(workdir)
        self.dsn = dsn
        self.fixtures = fixtures
        self.tls_logins = tls_logins

    def start(self):
        fixture_file = os.path.join(self.workdir, "emulator-start.json")
        ready = os.path.join(self.workdir, "emulator-ready")
        if os.path.exists(ready):
            os.remove(ready)  # an earlier emulator's
        with open(fixture_file, "w") as handle:
            json.dump(self.fixtures, handle)
        os.chmod(fixture_file, 0o600)
        self.log = open(os.path.join(self.workdir, "emulator.log"), "w")
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve-emulator", "--fixtures",
                                      fixture_file, "--ready-file", ready, "--mysql-dsn", self.dsn]
                                     + (["--emulator-tls-logins"] if self.tls_logins else []),
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
                                     start_new_session=True)
        deadline = time.time() + 600
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
                    raise SystemExit("the emulator did not start:\n" + base.tail(handle.read(), 30))
            time.sleep(0.1)

    def stop(self):
        """SIGTERM: the emulator drops its MariaDB accounts on the way out (a minute for a big estate)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(300)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def admin(self, method, path, body=None):
        """bench/rotate.py's admin call with a longer timeout: resetting or checking 1000 credentials takes a while."""
        import urllib.request
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request("%s/_emulator/%s" % (self.url, path), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=1800) as response:  # nosec: the local emulator
            text = response.read()
        return json.loads(text) if text else None

    def reset_estate(self):
        self.admin("POST", "reset", self.fixtures)

    def cpu(self):
        import psutil
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def calls(self, since):
        return self.admin("GET", "bench/calls?since=%d" % since)

    def check(self, users):
        return self.admin("POST", "bench/check", {"users": users})


def mariadb_cpu():
    """CPU seconds of the machine's MariaDB server (from its pid file), or None."""
    try:
        import psutil
        with open("/run/mysqld/mysqld.pid") as handle:
            times = psutil.Process(int(handle.read().strip())).cpu_times()
        return times.user + times.system
    except Exception:  # noqa: BLE001 - an unreadable server only loses a column
        return None


def machine_busy():
    """CPU seconds the whole machine spent busy (every process, all cores), from /proc/stat; None elsewhere."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
    except (IOError, OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / float(os.sysconf("SC_CLK_TCK"))


def drop_accounts(dsn, prefix):
    """DROP USER every MariaDB account whose name starts with ``prefix``: ``[name@host, ...]``."""
    sys.path.insert(0, os.path.join(REPO, "tests"))
    import pymysql
    from emulator.backends import parse_mysql_dsn
    admin, _address, _where = parse_mysql_dsn(dsn)
    like = prefix.replace("_", "\\_") + "%"
    dropped = []
    with pymysql.connect(**admin) as conn, conn.cursor() as cur:
        cur.execute("SELECT User, Host FROM mysql.user WHERE User LIKE %s", (like,))
        for user, host in cur.fetchall():
            cur.execute("DROP USER IF EXISTS %s@%s", (user, host))
            dropped.append("%s@%s" % (user, host))
    return dropped


# -- running the plays -----------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Peak memory of process trees: every ``interval`` s, the sum of PSS (shared pages counted once) and of RSS,
    the largest single RSS and the number of processes. Reading a process's PSS costs the kernel about 1 ms, so
    one sample of 50 workers is about 50 ms of this script's CPU (``cpu``, not counted as the controller's)."""

    def __init__(self, pids, interval=1.0):
        super(Sampler, self).__init__(name="sampler", daemon=True)
        self.pids, self.interval = pids, interval
        self.stopped = threading.Event()
        self.peak = {"pss": 0, "rss": 0, "max_rss": 0, "procs": 0}
        self.cpu = 0.0

    @staticmethod
    def _pss(pid):
        try:
            with open("/proc/%d/smaps_rollup" % pid) as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except (IOError, OSError, ValueError):
            pass
        return 0

    def run(self):
        import psutil
        started = time.thread_time()
        while not self.stopped.is_set():
            procs = []
            for pid in self.pids:
                try:
                    root = psutil.Process(pid)
                    procs.append(root)
                    procs.extend(root.children(recursive=True))
                except psutil.Error:
                    continue
            rss, pss, top = 0, 0, 0
            for proc in procs:
                try:
                    value = proc.memory_info().rss
                except psutil.Error:
                    continue
                rss += value
                top = max(top, value)
                pss += self._pss(proc.pid)
            for key, value in (("pss", pss), ("rss", rss), ("max_rss", top), ("procs", len(procs))):
                self.peak[key] = max(self.peak[key], value)
            self.cpu = time.thread_time() - started
            self.stopped.wait(self.interval)


class Bench(object):
    def __init__(self, args, workdir, emu, fleet):
        self.args, self.workdir, self.emu, self.fleet = args, workdir, emu, fleet
        self.env_maker = base.Runner(workdir, emu)
        self.bindir = self.env_maker.bindir
        self.checkout = os.path.abspath(args.checkout)
        self.running = []
        self.count = 0
        self.extra_env = {}

    # -- one measured run (one ansible-playbook, or N ansible-runner jobs at once) --

    def _measure(self, commands):
        """Start every ``(cmd, env, cwd, out_path)`` at once, wait for all; the figures of the whole."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        emu_before, db_before, busy_before = self.emu.cpu(), mariadb_cpu(), machine_busy()
        since = self.emu.calls(2 ** 62)["last"]
        started = time.perf_counter()
        procs = []
        for cmd, env, cwd, out_path in commands:
            out = open(out_path, "w")
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            procs.append((proc, out))
            self.running.append(proc)
        sampler = Sampler([p.pid for p, _o in procs])
        sampler.start()
        ended = {}
        while len(ended) < len(procs):
            for proc, out in procs:
                if proc.pid not in ended and proc.poll() is not None:
                    ended[proc.pid] = time.perf_counter() - started
                    out.close()
            time.sleep(0.1)
        walls = [ended[proc.pid] for proc, _out in procs]
        wall = max(walls)
        sampler.stopped.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        emu_after, db_after, busy_after = self.emu.cpu(), mariadb_cpu(), machine_busy()
        for proc, _out in procs:
            self.running.remove(proc)
        return {"rcs": [p.returncode for p, _o in procs], "rc": max(abs(p.returncode) for p, _o in procs),
                "wall": wall, "walls": walls,
                "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "emu_cpu": emu_after - emu_before,
                "db_cpu": None if db_before is None or db_after is None else db_after - db_before,
                "machine_cpu": None if busy_before is None or busy_after is None else busy_after - busy_before,
                "memory": dict(sampler.peak), "sampler_cpu": sampler.cpu, "journal": self.emu.calls(since),
                "outputs": [c[3] for c in commands]}

    def _env(self, tasks_file):
        env = self.env_maker.env(self.checkout, tasks_file)
        env["ANSIBLE_FORKS"] = "5"  # Ansible's default; --forks / ansible-runner --forks set the run's own
        env.update(self.extra_env)
        return env

    def run(self, label, playbook, inventory_doc, forks, slices=0):
        """One play over the fleet: ``ansible-playbook -f forks``, or ``slices`` ansible-runner jobs at once, each
        on every slices-th host (AWX job slicing), each with ``forks``."""
        self.count += 1
        tag = "run-%02d" % self.count
        commands, tasks_files = [], []
        hosts = sorted(inventory_doc["credentials"]["hosts"])
        parts = [hosts] if not slices else [hosts[k::slices] for k in range(slices)]
        for k, part in enumerate(parts):
            doc = json.loads(json.dumps(inventory_doc))
            doc["credentials"]["hosts"] = dict((h, inventory_doc["credentials"]["hosts"][h]) for h in part)
            inventory = os.path.join(self.workdir, "%s-inventory-%d.json" % (tag, k))
            with open(inventory, "w") as handle:
                json.dump(doc, handle)
            os.chmod(inventory, 0o600)  # it holds the current passwords
            tasks_file = os.path.join(self.workdir, "%s-tasks-%d.json" % (tag, k))
            tasks_files.append(tasks_file)
            out_path = os.path.join(self.workdir, "%s-%d.out" % (tag, k))
            env = self._env(tasks_file)
            if not slices:
                cmd = [os.path.join(self.bindir, "ansible-playbook"), "-i", inventory, "-f", str(forks), playbook]
                commands.append((cmd, env, self.checkout, out_path))
            else:
                private = os.path.join(self.workdir, "%s-slice-%d" % (tag, k))
                os.makedirs(os.path.join(private, "env"))
                cmd = [os.path.join(self.bindir, "ansible-runner"), "run", private, "--project-dir",
                       os.path.dirname(playbook), "-p", os.path.basename(playbook), "--inventory", inventory,
                       "--forks", str(forks), "--ident", "slice-%d" % k]
                commands.append((cmd, env, self.checkout, out_path))
        result = self._measure(commands)
        result.update(label=label, forks=forks, slices=slices, hosts=len(hosts))
        result["tasks"] = {}
        for tasks_file in tasks_files:
            if os.path.exists(tasks_file):
                with open(tasks_file) as handle:
                    result["tasks"].update(json.load(handle)["hosts"])
        result["text"] = ""
        for path in result["outputs"]:
            with open(path) as handle:
                result["text"] += handle.read()
        return result

    def ping(self, label, forks, slices=0):
        doc = self.fleet.inventory(self.emu.url, os.path.join(self.workdir, "unused-state"), True)
        return self.run(label + " ping", os.path.join(HERE, "playbooks", "ping.yml"), doc, forks, slices)

    def rotation(self, label, forks, slices=0, discovery=True):
        """A fresh estate (every password and job back to the start) and state directory, the rotation, and the
        checks: records, secret files, write counts, and every job checked by a real login."""
        self.emu.reset_estate()
        state_dir = tempfile.mkdtemp(prefix="state-", dir=self.workdir)
        doc = self.fleet.inventory(self.emu.url, state_dir, discovery)
        result = self.run(label, os.path.join(self.checkout, "playbooks", "rotate.yml"), doc, forks, slices)
        result["discovery"] = discovery
        result["credentials"] = per_credential(result["text"])
        result["checks"] = self.check(result, state_dir)
        return result

    def check(self, result, state_dir):
        """The correctness figures of one rotation run (no secret leaves this function)."""
        fleet, count = self.fleet, self.fleet.count
        statuses, twice, users, no_secret = {}, [], {}, []
        for n in range(count):
            name = fleet.host(n)
            record, stored = None, None
            try:
                with open(os.path.join(state_dir, name + ".json")) as handle:
                    record = json.load(handle)
                with open(os.path.join(state_dir, name + ".secrets")) as handle:
                    stored = json.load(handle)
            except (IOError, OSError, ValueError):
                pass
            status = (record or {}).get("status") or "no record"
            statuses[status] = statuses.get(status, 0) + 1
            if record and (record.get("history") or int(record.get("runs") or 0) != 1):
                twice.append(name)
            if stored and stored.get("current") and stored.get("completed_rotation_id") == (record or {}).get(
                    "rotation_id"):
                users[fleet.user(n)] = stored["current"]
            else:
                no_secret.append(name)
        jobs = self.emu.check(users)
        actions = result["journal"]["actions"]
        names = ("gaussdb ResetGaussMySqlDatabasePassword", "drs BatchResetPassword", "dts ModifyDtsJobPassword")
        writes = dict((a, actions.get(a, 0)) for a in names)
        hosts = result["tasks"]
        ran = [h for h, t in hosts.items() if t.get("ok", 0) >= 3 and not t.get("failed")]
        return {"statuses": statuses, "twice": twice, "no_secret": no_secret, "jobs": jobs, "writes": writes,
                "hosts_ok": len(ran), "hosts_seen": len(hosts)}


STEP_LINE = base.STEP_LINE

# --profile: every Ansible worker process (one per host and task) profiles itself with cProfile and writes its
# stats when it ends (workers leave with os._exit, so at the end of multiprocessing's _bootstrap, not atexit).
SITECUSTOMIZE = """
import os
if os.environ.get("FLEET_PROFILE_DIR"):
    import cProfile
    import multiprocessing.process as _mp
    _state = {}

    def _start():
        _state["prof"] = cProfile.Profile()
        _state["prof"].enable()

    def _dump():
        _state["prof"].disable()
        _state["prof"].dump_stats(os.path.join(os.environ["FLEET_PROFILE_DIR"], "p-%d.prof" % os.getpid()))

    _start()
    os.register_at_fork(after_in_child=_start)
    _bootstrap = _mp.BaseProcess._bootstrap

    def _profiled_bootstrap(self, *args, **kwargs):
        try:
            return _bootstrap(self, *args, **kwargs)
        finally:
            _dump()

    _mp.BaseProcess._bootstrap = _profiled_bootstrap
"""

PROFILE_BUCKETS = (
    ("the rotate action", "plugins/action/rotate.py", "_run"),
    ("  its engine (eight steps)", "plugin_utils/_engine.py", "run"),
    ("    discovery (list every job)", "plugin_utils/_discovery.py", "discover"),
    ("    probe logins (PyMySQL)", "module_utils/_probes.py", "mysql_login"),
    ("      of which: a new SSL context", "~", "<method 'set_default_verify_paths' of '_ssl._SSLContext' objects>"),
    ("    HTTP requests (signed, sent)", "module_utils/_transport.py", "request"),
    ("    fsync of state files", "~", "<built-in method posix.fsync>"),
    ("  unknown rotation_* check (YAML)", "plugins/action/rotate.py", "_unknown_variables"),
    ("Ansible: task args templating", "ansible/playbook/task.py", "post_validate"),
)


def profile_report(directory, credentials):
    """What the worker processes spent their time on: buckets and the top functions (cProfile: wall time, with the
    profiler's own overhead; read the shares, not the seconds)."""
    import glob
    import pstats
    workers = []
    for path in glob.glob(os.path.join(directory, "p-*.prof")):
        stats = pstats.Stats(path)
        if any(key[2] == "_run" and key[0].endswith("executor/process/worker.py") for key in stats.stats):
            workers.append(path)
    if not workers:
        return ["no worker profile was written"]
    stats = pstats.Stats(*workers)
    table = stats.stats

    def cumulative(path_end, function):
        return sum(v[3] for k, v in table.items()
                   if k[2] == function and ((path_end == "~" and k[0] == "~") or k[0].endswith(path_end)))

    def calls(path_end, function):
        return sum(v[1] for k, v in table.items()
                   if k[2] == function and ((path_end == "~" and k[0] == "~") or k[0].endswith(path_end)))

    total = cumulative("executor/process/worker.py", "_run")
    lines = ["%d worker processes, %.1f s in all (%.3f s per credential)"
             % (len(workers), total, total / float(credentials))]
    for label, path_end, function in PROFILE_BUCKETS:
        value = cumulative(path_end, function)
        lines.append("  %-36s %6.1f s %5.1f%%  %6d calls (%.1f per credential)" % (
            label, value, 100.0 * value / max(total, 1e-9), calls(path_end, function),
            calls(path_end, function) / float(credentials)))
    lines.append("  top functions by own time:")
    ranked = sorted(table.items(), key=lambda kv: -kv[1][2])[:12]
    for (path, line, function), value in ranked:
        where = function if path == "~" else "%s:%d(%s)" % (
            path.split("site-packages/")[-1].split("ansible_collections/")[-1], line, function)
        lines.append("    %6.1f s %5.1f%%  %s" % (value[2], 100.0 * value[2] / max(total, 1e-9), where))
    return lines


def per_credential(text):
    """``{credential: {"seconds": sum of its steps, "steps": [(step, seconds), ...]}}`` from the step lines."""
    out = {}
    for line in text.splitlines():
        line = line.strip().strip('",')
        match = STEP_LINE.match(line)
        if match:
            entry = out.setdefault(match.group("name"), {"seconds": 0.0, "steps": []})
            entry["seconds"] += float(match.group("seconds"))
            entry["steps"].append((match.group("step"), float(match.group("seconds"))))
    return out


# -- reporting -------------------------------------------------------------------------------------


def mb(value):
    return "%.0f" % (value / 1048576.0)


def slowest(result):
    creds = result.get("credentials") or {}
    if not creds:
        return "-"
    name = max(creds, key=lambda c: creds[c]["seconds"])
    entry = creds[name]
    steps = " ".join("%s %.1f" % s for s in entry["steps"] if s[1] >= 0.05)
    return "%s %.1f s (%s)" % (name, entry["seconds"], steps or "every step < 0.05 s")


def median_seconds(result):
    values = sorted(c["seconds"] for c in (result.get("credentials") or {}).values())
    return values[len(values) // 2] if values else None


def _verdict(key, value):
    _label, op, target = TARGETS[key]
    if value is None:
        return "n/a"
    return "PASS" if (value <= target if op == "<=" else value >= target) else "MISS"


ROW = "%-20s %3s %7s %8s %6s %7s %6s %7s %7s %6s %6s %6s %5s %6s %6s %6s %4s"
HEADER = ROW % ("run", "rc", "wall s", "ctl cpu", "/host", "emu cpu", "db cpu", "machine", "others", "pss MB",
                "rss MB", "max MB", "procs", "calls", "/host", "writes", "errs")


def run_line(result):
    """One row of the table (see HEADER): times in seconds, memory peaks in MB."""
    journal, memory = result["journal"], result["memory"]
    n = float(result["hosts"] or 1)
    ours = result["cpu"] + result["emu_cpu"] + (result["db_cpu"] or 0.0)
    machine = result.get("machine_cpu")
    row = ROW % (result["label"], result["rc"], "%.1f" % result["wall"], "%.1f" % result["cpu"],
                 "%.3f" % (result["cpu"] / n), "%.1f" % result["emu_cpu"],
                 "%.1f" % result["db_cpu"] if result["db_cpu"] is not None else "?",
                 "%.1f" % machine if machine is not None else "?",
                 "%.1f" % max(machine - ours, 0.0) if machine is not None else "?",
                 mb(memory["pss"]), mb(memory["rss"]), mb(memory["max_rss"]), memory["procs"], journal["calls"],
                 "%.1f" % (journal["calls"] / n), journal["writes"], journal["errors"])
    if result.get("slices"):
        row += "  slices end at %s s" % " ".join("%.1f" % w for w in result["walls"])
    return row


def check_lines(result):
    """PASS/MISS lines of the correctness checks of one rotation."""
    checks, count = result["checks"], result["hosts"]
    lines = []
    twice = checks["twice"]
    writes = checks["writes"]
    extra = dict((a, n) for a, n in writes.items() if n != count)
    lines.append(("no credential rotated twice", not twice and not extra,
                  "every record: one rotation, one run, no history%s; writes %s" % (
                      "" if not twice else " (not: %s)" % ", ".join(twice[:5]),
                      ", ".join("%s %d" % (a.split(" ")[1], n) for a, n in sorted(writes.items())))
                  + (" (expected %d each)" % count if extra else "")))
    completed = checks["statuses"].get("completed", 0)
    lines.append(("none skipped", completed == count and checks["hosts_ok"] == count and not checks["no_secret"],
                  "records %s; %d of %d hosts ran every task without failure; %d secret files hold the completed "
                  "rotation's password" % (", ".join("%s %d" % kv for kv in sorted(checks["statuses"].items())),
                                           checks["hosts_ok"], count, count - len(checks["no_secret"]))))
    jobs = checks["jobs"]
    ok = all(jobs[k]["healthy"] == jobs[k]["jobs"] == jobs[k]["new_password"] for k in ("drs", "dts"))
    ok = ok and jobs["drs"]["jobs"] == 2 * count and jobs["dts"]["jobs"] == count
    ok = ok and jobs["owners"]["login"] == jobs["owners"]["users"] == count
    bad = []
    for kind in ("drs", "dts"):
        bad += ["%s %s unhealthy" % (kind, i) for i in jobs[kind]["unhealthy"][:3]]
        bad += ["%s %s old password" % (kind, i) for i in jobs[kind]["old_password"][:3]]
    bad += ["owner %s refused" % u for u in jobs["owners"]["refused"][:3]]
    lines.append(("every job healthy, new password", ok,
                  "DRS %d/%d healthy, %d hold the new password; DTS %d/%d healthy, %d hold it; %d/%d owners log in "
                  "to MariaDB with it%s" % (jobs["drs"]["healthy"], jobs["drs"]["jobs"], jobs["drs"]["new_password"],
                                            jobs["dts"]["healthy"], jobs["dts"]["jobs"], jobs["dts"]["new_password"],
                                            jobs["owners"]["login"], jobs["owners"]["users"],
                                            " (%s)" % "; ".join(bad) if bad else "")))
    return lines


def actions_text(journal, hosts):
    """Calls by action, per host, and the emulator's mean time to answer one (ms, from its journal)."""
    return ", ".join("%s %d (%.1f/host, %.0f ms)" % (a.split(" ", 1)[1], n, n / float(hosts or 1),
                                                     journal.get("action_ms", {}).get(a, 0.0) / n)
                     for a, n in sorted(journal["actions"].items()))


def parse_list(text, cast=int):
    return [cast(v) for v in (text or "").split(",") if v.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(prog=".venv/bin/python bench/fleet.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="credentials in the fleet (default 1000)")
    parser.add_argument("--forks", default="5,50", help="ansible-playbook --forks of the one-job runs (default 5,50; "
                        "empty: none, only the slice run)")
    parser.add_argument("--slices", type=int, default=4, help="slices of the ansible-runner run (default 4)")
    parser.add_argument("--slice-forks", type=int, default=5, help="forks of each slice job (default 5: AWX's default)")
    parser.add_argument("--skip-slices", action="store_true", help="no ansible-runner slice run")
    parser.add_argument("--discovery", choices=("on", "off", "both", "full"), default="both",
                        help="rotation_discover_dependants of the rotations (the role's default is on). on/off: every "
                        "run; both: every run on, plus one run off at the largest --forks (what discovery costs); "
                        "full: every run on and off (default both)")
    parser.add_argument("--probe", choices=("always", "never"), default="always", help="rotation_probe: the "
                        "controller logs in to MariaDB to prove the passwords (always, the role's default) or not")
    parser.add_argument("--scaling", default="", help="smaller fleet sizes run first, at the largest --forks, with "
                        "discovery on and off, to show how the cost per credential grows with the fleet (e.g. 50,100)")
    parser.add_argument("--per-instance", type=int, default=10, help="GaussDB users per instance (default 10)")
    parser.add_argument("--health-interval", type=float, default=30, help="drs/dts_health_interval of the emulator: "
                        "seconds between two real-login health checks of one job (a password change always checks; "
                        "default 30)")
    parser.add_argument("--emulator-tls-logins", action="store_true", help="the emulator's health-check logins use "
                        "PyMySQL's default (preferred TLS: a new SSL context per login, 50-80 ms of CPU each)")
    parser.add_argument("--mysql-dsn", default=MYSQL_DSN, help="MariaDB for the GaussDB accounts (default: "
                        "CREDROTATE_TEST_MYSQL_DSN or the local socket, as the tests)")
    parser.add_argument("--checkout", default=REPO, help="checkout whose playbooks/rotate.yml and collection run")
    parser.add_argument("--no-ping", action="store_true", help="skip the ping baselines")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="after the runs, rotate the first N "
                        "credentials once more (forks 5) with every Ansible worker under cProfile, and print where "
                        "their time goes")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (inventories hold passwords)")
    parser.add_argument("--cleanup", action="store_true", help="only drop the crf* MariaDB accounts that an earlier, "
                        "killed run left behind, and exit")
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", help=argparse.SUPPRESS)
    parser.add_argument("--ready-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_emulator:
        return serve(args)
    if args.cleanup:
        dropped = drop_accounts(args.mysql_dsn, ACCOUNT_PREFIX)
        print("dropped %d account(s)%s" % (len(dropped), ": " + ", ".join(dropped) if dropped else ""))
        return 0

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # into a file too: a killed run keeps every line it printed
    forks = parse_list(args.forks)
    top = max(forks or [args.slice_forks])  # the scaling runs' forks, and where "both" adds its discovery-off run
    modes = {"on": [True], "off": [False], "both": [True], "full": [True, False]}[args.discovery]
    checkout = os.path.abspath(args.checkout)
    base.link_collection(checkout)
    head, dirty = base.git_state(checkout)
    cores = os.cpu_count() or 1
    token = secrets.token_hex(2)
    print("credrotate.cloud fleet benchmark, %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
    print("machine: %s" % base.machine())
    print("checkout: %s (%s)%s" % (checkout, head, "; uncommitted changes in " + ", ".join(dirty) if dirty else ""))
    print("fleet: %d credentials (GaussDB users, %d per instance, real MariaDB accounts %s*), each with 2 DRS jobs "
          "and 1 DTS job; emulator health checks by real login at most every %g s per job; "
          "GaussDB jobs finish at once" % (args.count, args.per_instance, ACCOUNT_PREFIX + token, args.health_interval))
    print("rotation_probe: %s; the emulator's logins %s" % (args.probe, "with PyMySQL's default (preferred TLS)" if
                                                            args.emulator_tls_logins else "without TLS"))
    print("runs: forks %s%s; discovery %s%s" % (
        ", ".join(map(str, forks)), "" if args.skip_slices else "; %d ansible-runner slices x %d forks" % (
            args.slices, args.slice_forks), args.discovery, "; scaling %s" % args.scaling if args.scaling else ""))
    print("load average before: %s" % base.load_text())
    print()
    print(HEADER)
    sys.stdout.flush()

    workdir = tempfile.mkdtemp(prefix="credrotate-fleet-")
    os.chmod(workdir, 0o700)
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_signal)
    rows, pings, scaling, bench, emu, profiled = [], {}, [], None, None, None
    failure = None
    try:
        for n in parse_list(args.scaling) + [args.count]:
            fleet = Fleet(n, args.per_instance, token, args.probe)
            started = time.perf_counter()
            emu = FleetEmulator(workdir, args.mysql_dsn, fleet.fixtures(args.health_interval), args.emulator_tls_logins)
            emu.start()
            print("estate of %d credentials: emulator up in %.1f s (%d MariaDB accounts)" % (
                n, time.perf_counter() - started, len(fleet.accounts())))
            sys.stdout.flush()
            bench = Bench(args, workdir, emu, fleet)
            if n != args.count:
                for discovery in (True, False):
                    run = bench.rotation("N=%d f%d %s" % (n, top, "disc" if discovery else "nodisc"), top,
                                         discovery=discovery)
                    scaling.append(run)
                    print(run_line(run))
                    for line in detail_lines(run) + target_lines(run, None, cores):
                        print(line)
                    sys.stdout.flush()
                emu.stop()
                continue
            configs = [("forks %d" % f, f, 0) for f in forks]
            if not args.skip_slices:
                configs.append(("%d slices x %d" % (args.slices, args.slice_forks), args.slice_forks, args.slices))
            for label, f, slices in configs:
                if not args.no_ping:
                    pings[label] = bench.ping(label, f, slices)
                    print(run_line(pings[label]))
                    sys.stdout.flush()
                extra = [False] if args.discovery == "both" and f == top and not slices else []
                for discovery in modes + extra:
                    run = bench.rotation("%s %s" % (label, "disc" if discovery else "nodisc"), f, slices, discovery)
                    run["config"] = label
                    rows.append(run)
                    print(run_line(run))
                    # the details at once: a run that is killed later keeps what it measured
                    for line in detail_lines(run) + target_lines(run, pings.get(label), cores):
                        print(line)
                    sys.stdout.flush()
                    if run["rc"] != 0 and failure is None:
                        failure = run
            if args.profile:
                profiled = profile_run(bench, min(args.profile, n))
                print("profiled rotation of %d credentials: rc %d, wall %.1f s" % (
                    profiled["hosts"], profiled["rc"], profiled["wall"]))
                for line in profiled["profile"]:
                    print("  " + line)
                sys.stdout.flush()
    except KeyboardInterrupt:
        print("\ninterrupted%s: stopping the runs and the emulator, dropping the accounts" % (
            " by signal %d" % interrupted[0] if interrupted else ""))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in list(bench.running if bench else []):
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # the process group of a run this script started
                proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if emu is not None:
            emu.stop()
        left = drop_accounts(args.mysql_dsn, ACCOUNT_PREFIX + token)
        print("MariaDB accounts of this run left after the emulator stopped: %d%s" % (
            len(left), " (dropped now)" if left else ""))
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work directory (inventories and state hold passwords): %s" % workdir)
    if interrupted or not rows:
        return 1
    report(args, rows, pings, scaling, cores, failure)
    if profiled is not None:
        print()
        print("where a worker's time goes (--profile: %d credentials, forks 5, discovery on; cProfile wall time with "
              "its overhead, so read the shares):" % profiled["hosts"])
        for line in profiled["profile"]:
            print("  " + line)
    return 0


def profile_run(bench, count):
    """The first ``count`` credentials rotated once more, on a fresh estate, every worker profiled."""
    directory = os.path.join(bench.workdir, "profile")
    os.makedirs(os.path.join(directory, "site"))
    os.makedirs(os.path.join(directory, "out"))
    with open(os.path.join(directory, "site", "sitecustomize.py"), "w") as handle:
        handle.write(SITECUSTOMIZE)
    bench.extra_env = {"PYTHONPATH": os.path.join(directory, "site"),
                       "FLEET_PROFILE_DIR": os.path.join(directory, "out")}
    fleet = bench.fleet
    try:
        bench.emu.reset_estate()
        state_dir = tempfile.mkdtemp(prefix="state-", dir=bench.workdir)
        doc = fleet.inventory(bench.emu.url, state_dir, True, members=range(count))
        result = bench.run("profile", os.path.join(bench.checkout, "playbooks", "rotate.yml"), doc, 5)
    finally:
        bench.extra_env = {}
    result["profile"] = profile_report(os.path.join(directory, "out"), count)
    return result


def report(args, rows, pings, scaling, cores, failure):
    print()
    print("load average after: %s" % base.load_text())
    print()
    print("ctl cpu: user+sys of the ansible processes (ansible-playbook, its workers and module runs, ansible-runner);"
          " /host: per credential")
    print("emu cpu: the emulator process; db cpu: mariadbd (shared: other sessions' queries count too); machine: "
          "every process on every core; others: machine - ctl - emu - db")
    print("pss/rss MB: peak sum over the ansible processes (PSS counts shared pages once); max MB: the largest one; "
          "calls/writes/errs: the emulator's journal")
    print(HEADER)
    for label in pings:
        print(run_line(pings[label]))
    for run in rows + scaling:
        print(run_line(run))
    print()
    print("per rotation run: API calls by action, per-credential time (sum of the rotate action's steps), slowest")
    for run in rows:
        for line in detail_lines(run):
            print(line)
    if failure is not None:
        print()
        print("note: %s ended with rc %d; the last lines of its output:" % (failure["label"], failure["rc"]))
        print(base.tail(failure["text"], 25))
    if scaling or len(set(r["discovery"] for r in rows)) > 1:
        print()
        print("discovery (rotation_discover_dependants; on by default): cost per credential by fleet size")
        top = max(parse_list(args.forks) or [args.slice_forks])
        series = scaling + [r for r in rows if r["forks"] == top and not r["slices"]]
        by_n = {}
        for run in series:
            by_n.setdefault(run["hosts"], {})[run["discovery"]] = run
        for n in sorted(by_n):
            on, off = by_n[n].get(True), by_n[n].get(False)
            if not on or not off:
                continue
            print("  N=%-5d calls/cred %6.1f on, %4.1f off; ctl cpu/cred %.3f s on, %.3f s off; emu cpu/cred %.3f s "
                  "on, %.3f s off; wall %.1f s on, %.1f s off (x%.2f)" % (
                      n, on["journal"]["calls"] / float(n), off["journal"]["calls"] / float(n), on["cpu"] / n,
                      off["cpu"] / n, on["emu_cpu"] / n, off["emu_cpu"] / n, on["wall"], off["wall"],
                      on["wall"] / max(off["wall"], 0.01)))
            extra = dict((a, c - off["journal"]["actions"].get(a, 0)) for a, c in on["journal"]["actions"].items()
                         if c != off["journal"]["actions"].get(a, 0))
            added = ", ".join("%s +%d" % (a.split(" ", 1)[1], c) for a, c in sorted(extra.items()))
            print("  %-7s discovery adds %s" % ("", added))
    print()
    print("issue 12 targets (cores = %d):" % cores)
    for run in rows:
        for line in target_lines(run, pings.get(run["config"]), cores):
            print(line)


def detail_lines(run):
    """The calls by action and the per-credential times of one rotation run."""
    med = median_seconds(run)
    return ["  %-22s %s" % (run["label"], actions_text(run["journal"], run["hosts"])),
            "  %-22s median credential %s s; slowest %s; memory sampler %.1f s CPU" % (
                "", "%.1f" % med if med is not None else "-", slowest(run), run["sampler_cpu"])]


def target_lines(run, ping, cores):
    """The PASS/MISS lines of one rotation run: the two ratios (``ping``: the baseline of its configuration) and the
    correctness checks."""
    lines = []
    if ping is not None:
        value = base.ratio(run["cpu"] / run["hosts"], ping["cpu"] / ping["hosts"])
        lines.append("  %-22s %-44s %6s  %s %-4g %-4s  %.3f s / %.3f s" % (
            run["label"], TARGETS["cpu"][0], base.fmt(value), TARGETS["cpu"][1], TARGETS["cpu"][2],
            _verdict("cpu", value), run["cpu"] / run["hosts"], ping["cpu"] / ping["hosts"]))
    busy = (run["cpu"] + run["emu_cpu"]) / cores
    value = base.ratio(run["wall"], busy)
    judged = run["forks"] == 50 and not run["slices"]
    db = run["db_cpu"] or 0.0
    machine = run.get("machine_cpu")
    detail = "wall %.1f s / ((ctl %.1f + emu %.1f) / %d)" % (run["wall"], run["cpu"], run["emu_cpu"], cores)
    if machine is not None:
        ours = run["cpu"] + run["emu_cpu"] + db
        detail += "; the machine was busy %.0f%% of the run (%.1f of %.1f core-seconds), %.0f%% of it ours " \
                  "(ctl + emu + mariadbd %.1f s), others %.1f s" % (
                      100.0 * machine / max(run["wall"] * cores, 0.01), machine, run["wall"] * cores,
                      100.0 * ours / max(machine, 0.01), ours, max(machine - ours, 0.0))
    lines.append("  %-22s %-44s %6s  %s %-4g %-4s  %s" % (
        run["label"], TARGETS["wall"][0], base.fmt(value), TARGETS["wall"][1], TARGETS["wall"][2],
        _verdict("wall", value) if judged else "info", detail))
    for name, ok, text in check_lines(run):
        lines.append("  %-22s %-44s %6s  %-12s %-4s  %s" % (run["label"], name, "", "", "PASS" if ok else "MISS", text))
    return lines


if __name__ == "__main__":
    sys.exit(main())
