"""GaussDB(for MySQL) / TaurusDB v3: instances, root reset, database users and async jobs.

Cloud API (reference §5, §6, §8.4), all under ``/v3/{project_id}``:

* ``GET  /instances/{instance_id}`` -- ShowGaussMySqlInstanceInfo
* ``POST /instances/{instance_id}/password`` -- ResetGaussMySqlPassword (root; synchronous, 200 ``{}``)
* ``GET  /instances/{instance_id}/db-users?offset=&limit=`` -- ListGaussMySqlDatabaseUser
* ``PUT  /instances/{instance_id}/db-users/password`` -- ResetGaussMySqlDatabasePassword (202 ``{"job_id"}``)
* ``GET  /jobs?id=`` -- ShowGaussMySqlJobInfo

Error codes chosen (body ``{"error_code", "error_msg"}``):

=====  ==========  ==========================================================================
HTTP   code        when
=====  ==========  ==========================================================================
404    DBS.201028  the instance does not exist (or belongs to another project); one code of
                   the reference's 404 list, used everywhere for "instance does not exist"
400    DBS.200006  empty request body
400    DBS.200001  parameter error (malformed JSON, ``users`` missing/empty/over 50, a bad
                   user name/host, ``offset``/``limit`` out of range, ``jobs`` without ``id``)
400    DBS.280203  the password is weak or breaks the policy (8-32 characters, at least three of
                   upper, lower, digit and ``~!@#$%^*-_=+?,()&``, nothing else, not a common
                   password, not the account name or its reverse)
400    DBS.200824  a user of the batch does not exist on the instance (matched by name and host)
400    DBS.200086  a write on an instance whose status is not ``ACTIVE``
409    DBS.200047  a password write while a password job of the instance has not finished
400    DBS.200543  the job does not exist, or was created less than
                   ``gaussdb_job_invisible_seconds`` ago, or is older than 30 days
500    DBS.108000  the real MySQL backend failed (root reset)
=====  ==========  ==========================================================================

Async jobs: ``job.name`` is ``ResetGaussDBforMySQLDatabasePassword`` (the real value is not
documented). From its creation a job is ``Pending`` for ``gaussdb_job_pending_seconds``
(default 0.2), then ``Running`` for ``gaussdb_job_run_seconds`` (0.5; ``process`` counts up to
``99%``), then ``Completed`` (or ``Failed`` with ``fail_reason``); independently it is invisible
(``DBS.200543``) for the first ``gaussdb_job_invisible_seconds`` (1.0). The new passwords are
applied when the job finishes -- by a timer, so also when nobody polls -- with ``ALTER USER`` on
the real MySQL backend. Settings are read from the fixture ``settings`` section when the job is
created.

Fixture section ``gaussdb`` (``dump()`` returns the same, with current passwords and jobs)::

    gaussdb:
      instances:
        - id: 5b0b0f2ec6a34c3e9bd0b36e5a2bd3c5in07   # 36 characters ending in07
          name: gdb-demo
          project_id: 0123456789abcdef0123456789abcdef   # optional: omitted = any project
          status: ACTIVE                 # BUILD, ACTIVE, FAILED, FROZEN, MODIFYING, ...
          db_user_name: gdb_demo_root    # default root (refused with the real MySQL backend)
          root_password: "..."
          port: 3306                     # in-memory mode only (default 1: probes are refused)
          version: "8.0"
          users:
            - {name: app, host: "%", password: "...", comment: "", databases: [appdb]}
          fail_next_jobs: ["reason", ...]  # admin-injected failures still pending (optional)
      jobs: []                           # jobs as dumped (optional)

With the MySQL backend, the root account and every user become MariaDB accounts
``name@host`` with the stored passwords, and show-instance reports the backend's address in
``private_write_ips`` and ``port``. In memory, ``private_write_ips`` is ``["127.0.0.1"]`` and
``port`` the fixture's.

Admin routes (under ``/_emulator/``):

* ``POST gaussdb/instances/<id>/fail-next-job`` ``{"fail_reason": "..."}`` -- the next password
  job of the instance ends ``Failed`` with that reason and changes nothing;
* ``POST gaussdb/instances/<id>/status`` ``{"status": "FROZEN"}`` -- set the instance status.
"""

import datetime
import fnmatch
import re
import threading
import uuid

from emulator.backends import BackendError
from emulator.core import Response, Service

JOB_NAME = "ResetGaussDBforMySQLDatabasePassword"
MAX_USERS_PER_CALL = 50
JOB_RETENTION_SECONDS = 30 * 86400
PASSWORD_SPECIALS = "~!@#$%^*-_=+?,()&"
WEAK_PASSWORDS = frozenset(p.lower() for p in (
    "Passw0rd!", "P@ssw0rd", "P@ssw0rd1", "Admin@123", "Admin@1234", "Root@123", "Root@1234", "Huawei@123",
    "Huawei@1234", "Gauss@123", "Gaussdb@123", "Test@123", "Test@1234", "Abc@1234", "Abc@12345", "Aa123456!",
    "Qwer@1234", "Qwerty@123", "Welcome@1", "Welcome@123", "Password@1", "Password@123", "Mysql@123",
    "Changeme@1", "Changeme1!", "1qaz@WSX", "1qaz!QAZ", "!QAZ2wsx", "Zaq1@wsx"))
_USER_NAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_HOST = re.compile(r"^[A-Za-z0-9_.%:,\-]{1,255}$")
DEFAULT_FAIL_REASON = "Failed to reset the password of the database user."
P = r"/v3/(?P<project_id>[^/]+)"
INSTANCE = P + r"/instances/(?P<instance_id>[^/]+)"


def _error(status, code, message):
    return Response(status, {"error_code": code, "error_msg": message})


def _time(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _epoch(value, default):
    if value is None or value == "":
        return default
    if isinstance(value, (int, float)):
        return float(value)
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            parsed = datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed.timestamp()
    raise ValueError("invalid time %r (epoch seconds or yyyy-mm-ddThh:mm:ss+0000)" % (value,))


def password_problem(password, account=None):
    """Why ``password`` breaks the GaussDB(for MySQL) policy, or None. Never echoes the password."""
    if not isinstance(password, str) or not 8 <= len(password) <= 32:
        return "the password must be 8 to 32 characters long"
    if any(not (c.isascii() and (c.isalnum() or c in PASSWORD_SPECIALS)) for c in password):
        return "the password may only contain letters, digits and the special characters %s" % PASSWORD_SPECIALS
    classes = sum([any(c.isupper() for c in password), any(c.islower() for c in password),
                   any(c.isdigit() for c in password), any(c in PASSWORD_SPECIALS for c in password)])
    if classes < 3:
        return ("the password must contain at least three of: uppercase letters, lowercase letters, digits, "
                "special characters")
    lowered = password.lower()
    if lowered in WEAK_PASSWORDS:
        return "the password is a common weak password"
    if account and lowered in (account.lower(), account.lower()[::-1]):
        return "the password must not be the account name or the account name reversed"
    return None


def _host_reaches_loopback(host):
    """Whether a MySQL account host pattern admits a client connecting from 127.0.0.1."""
    pattern = host.replace("*", "[*]").replace("?", "[?]").replace("%", "*").replace("_", "?")
    return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in ("127.0.0.1", "localhost"))


def _normalise_databases(databases):
    out = []
    for entry in databases or []:
        if isinstance(entry, str):
            out.append({"name": entry, "readonly": False})
        else:
            out.append({"name": entry["name"], "readonly": bool(entry.get("readonly", False))})
    return out


class GaussDbService(Service):
    name = "gaussdb"
    cloud = "huawei"

    def __init__(self, emu):
        super().__init__(emu)
        self.instances = {}
        self.jobs = {}
        self._timers = {}
        self._accounts = set()  # (name, host) this service put on the MySQL backend

    @property
    def backend(self):
        return (self.emu.backends or {}).get("mysql")

    # -- registration ----------------------------------------------------------------------
    def register(self):
        route = self.emu.route
        route("GET", INSTANCE, self.show_instance, "huawei", "gaussdb", "ShowGaussMySqlInstanceInfo")
        route("POST", INSTANCE + r"/password", self.reset_root_password, "huawei", "gaussdb",
              "ResetGaussMySqlPassword", write=True)
        route("GET", INSTANCE + r"/db-users", self.list_users, "huawei", "gaussdb", "ListGaussMySqlDatabaseUser")
        route("PUT", INSTANCE + r"/db-users/password", self.reset_user_passwords, "huawei", "gaussdb",
              "ResetGaussMySqlDatabasePassword", write=True)
        route("GET", P + r"/jobs", self.show_job, "huawei", "gaussdb", "ShowGaussMySqlJobInfo")
        self.emu.admin_route("POST", r"gaussdb/instances/(?P<id>[^/]+)/fail-next-job", self.admin_fail_next_job)
        self.emu.admin_route("POST", r"gaussdb/instances/(?P<id>[^/]+)/status", self.admin_status)

    # -- state -----------------------------------------------------------------------------
    def load(self, section):
        self._cancel_timers()
        now = self.emu.now()
        instances = {}
        for raw in section.get("instances") or []:
            inst = self._parse_instance(raw)
            if inst["id"] in instances:
                raise ValueError("gaussdb: duplicate instance id %r" % inst["id"])
            instances[inst["id"]] = inst
        jobs = {}
        for raw in section.get("jobs") or []:
            job = self._parse_job(raw, now)
            jobs[job["id"]] = job
        for old in set(self.instances) - set(instances):
            self.emu.databases.unregister(old)
        self.instances, self.jobs = instances, jobs
        self._sync_backend()
        for instance_id in self.instances:
            self.emu.databases.register(instance_id, self._checker(instance_id))
        for job in self.jobs.values():
            if job["final"] is None:
                self._schedule(job)

    def _parse_instance(self, raw):
        inst = dict(raw)
        if not inst.get("id"):
            raise ValueError("gaussdb: every instance needs an id")
        inst.setdefault("name", "gauss-%s" % inst["id"][:4])
        inst.setdefault("project_id", None)
        inst.setdefault("status", "ACTIVE")
        inst.setdefault("db_user_name", "root")
        inst.setdefault("root_password", None)
        inst.setdefault("version", "8.0")
        inst["port"] = int(inst.get("port") or 1)
        inst["users"] = [{"name": u["name"], "host": u.get("host", "%"), "password": u.get("password"),
                          "comment": u.get("comment", ""), "databases": _normalise_databases(u.get("databases"))}
                         for u in inst.get("users") or []]
        inst["fail_next_jobs"] = list(inst.get("fail_next_jobs") or [])
        if self.backend is not None:
            if inst["db_user_name"].lower() == "root":
                raise ValueError("gaussdb instance %s: its root account is 'root', which the real MySQL backend never "
                                 "manages; set db_user_name (e.g. gdb_demo_root) in the fixtures" % inst["id"])
            if not inst["root_password"] or not all(u["password"] for u in inst["users"]):
                raise ValueError("gaussdb instance %s: root_password and every user's password are required with the "
                                 "real MySQL backend (no passwordless MariaDB accounts)" % inst["id"])
        return inst

    def _parse_job(self, raw, now):
        job = dict(raw)
        if not job.get("id") or not job.get("instance_id"):
            raise ValueError("gaussdb: every job needs an id and an instance_id")
        job.setdefault("name", JOB_NAME)
        job.setdefault("project_id", None)
        job["created"] = _epoch(job.get("created"), now)
        job["ended"] = _epoch(job.get("ended"), None)
        status = job.pop("status", None)
        job["final"] = status if status in ("Completed", "Failed") else job.get("final")
        job.setdefault("fail_reason", None)
        job.setdefault("inject_failure", None)
        job.setdefault("invisible_seconds", 0.0)
        job.setdefault("pending_seconds", 0.0)
        job.setdefault("run_seconds", 0.0)
        job["users"] = [dict(u) for u in job.get("users") or []] if job["final"] is None else []
        job["targets"] = [{"name": u["name"], "host": u["host"]} for u in job.get("targets") or job["users"]]
        return job

    def _sync_backend(self):
        """Real mode: make every root/user a MariaDB account; drop the ones no longer in the state."""
        backend = self.backend
        if backend is None:
            return
        wanted = {}
        for inst in self.instances.values():
            wanted[(inst["db_user_name"], "%")] = inst["root_password"]
            for user in inst["users"]:
                if (user["name"], user["host"]) in wanted:
                    raise ValueError("gaussdb: account %s@%s is defined twice" % (user["name"], user["host"]))
                wanted[(user["name"], user["host"])] = user["password"]
        try:
            for (name, host) in sorted(self._accounts - set(wanted)):
                backend.drop_account(name, host)
                self._accounts.discard((name, host))
            for (name, host), password in sorted(wanted.items()):
                backend.ensure_account(name, host, password)
                self._accounts.add((name, host))
        except BackendError as exc:
            raise ValueError("gaussdb: %s" % exc) from exc

    def dump(self):
        with self.emu.lock:
            instances = []
            for inst in self.instances.values():
                out = dict(inst)
                out["users"] = [dict(u) for u in inst["users"]]
                if not out["fail_next_jobs"]:
                    out.pop("fail_next_jobs")
                instances.append(out)
            jobs = []
            for job in self.jobs.values():
                out = dict((k, v) for k, v in job.items() if k != "final")
                out["status"] = job["final"]
                jobs.append(out)
            return {"instances": instances, "jobs": jobs}

    def summary(self):
        with self.emu.lock:
            now = self.emu.now()
            return {
                "backend": self.backend.describe() if self.backend else "in-memory",
                "instances": [{
                    "id": inst["id"], "name": inst["name"], "project_id": inst["project_id"],
                    "status": inst["status"], "db_user_name": inst["db_user_name"],
                    "address": "%s:%s" % self._address(inst),
                    "users": [{"name": u["name"], "host": u["host"]} for u in inst["users"]],
                    "pending_failures": len(inst["fail_next_jobs"]),
                } for inst in self.instances.values()],
                "jobs": [{"id": job["id"], "instance_id": job["instance_id"], "name": job["name"],
                          "status": self._job_status(job, now)[0], "fail_reason": job["fail_reason"],
                          "users": [dict(t) for t in job["targets"]]}
                         for job in self.jobs.values()],
            }

    def close(self):
        self._cancel_timers()

    # -- helpers ---------------------------------------------------------------------------
    def _address(self, inst):
        if self.backend is not None:
            return self.backend.address()
        return "127.0.0.1", inst["port"]

    def _instance(self, req):
        inst = self.instances.get(req.match.group("instance_id"))
        if inst is None or (inst["project_id"] and inst["project_id"] != req.match.group("project_id")):
            return None, _error(404, "DBS.201028", "The DB instance does not exist.")
        return inst, None

    def _writable(self, inst):
        if inst["status"] != "ACTIVE":
            return _error(400, "DBS.200086", "The operation is not allowed because the DB instance status is %s."
                          % inst["status"])
        now = self.emu.now()
        for job in self.jobs.values():
            if job["instance_id"] == inst["id"] and job["final"] is None:
                self._advance(job, now)
                if job["final"] is None:
                    return _error(409, "DBS.200047", "Another operation is being performed on the DB instance. "
                                  "Try again later.")
        return None

    def _body(self, req):
        if not req.body or not req.body.strip():
            return None, _error(400, "DBS.200006", "The request body is empty.")
        body = req.json()
        if not isinstance(body, dict):
            return None, _error(400, "DBS.200001", "Parameter error: the request body is not a JSON object.")
        return body, None

    def _checker(self, instance_id):
        def check(user, password):
            with self.emu.lock:
                inst = self.instances.get(instance_id)
                if inst is None:
                    return False
                name = user or inst["db_user_name"]
                accounts = [("%", inst["root_password"])] if name == inst["db_user_name"] else []
                accounts += [(u["host"], u["password"]) for u in inst["users"] if u["name"] == name]
            if not accounts:
                return False
            backend = self.backend
            if backend is not None and any(_host_reaches_loopback(host) for host, dummy in accounts):
                try:
                    return backend.check_login(name, password)
                except BackendError:
                    return False
            return any(stored is not None and stored == password for dummy, stored in accounts)
        return check

    # -- jobs ------------------------------------------------------------------------------
    def _job_status(self, job, now):
        """``(status, process)`` of a job at ``now`` (without finishing it)."""
        if job["final"] is not None:
            return job["final"], ""
        elapsed = now - job["created"]
        if elapsed < job["pending_seconds"]:
            return "Pending", ""
        if job["run_seconds"] <= 0:
            return "Running", "99%"
        done = int(100 * (elapsed - job["pending_seconds"]) / job["run_seconds"])
        return "Running", "%d%%" % max(0, min(99, done))

    def _due(self, job):
        return job["created"] + job["pending_seconds"] + job["run_seconds"]

    def _advance(self, job, now):
        """Finish ``job`` when it is due: apply its passwords, or fail it. Caller holds the lock."""
        if job["final"] is not None or now < self._due(job):
            return
        inst = self.instances.get(job["instance_id"])
        reason = job.get("inject_failure")
        if reason is None and inst is None:
            reason = "The DB instance does not exist."
        if reason is None:
            by_key = dict(((u["name"], u["host"]), u) for u in inst["users"])
            try:
                for change in job["users"]:
                    target = by_key.get((change["name"], change["host"]))
                    if target is None:
                        raise LookupError(change["name"])
                    if self.backend is not None:
                        self.backend.set_password(change["name"], change["host"], change["password"])
                    target["password"] = change["password"]
            except LookupError as exc:
                reason = "The database account %s does not exist." % exc.args[0]
            except BackendError:
                reason = "Failed to reset the password of the database user: the database is unavailable."
        job["final"] = "Failed" if reason is not None else "Completed"
        job["fail_reason"] = reason
        job["ended"] = now
        job["users"] = []  # the new passwords are not kept once applied

    def _schedule(self, job):
        delay = max(0.0, self._due(job) - self.emu.now()) + 0.005
        timer = threading.Timer(delay, self._on_timer, (job["id"], job))
        timer.daemon = True
        self._timers[job["id"]] = timer
        timer.start()

    def _on_timer(self, job_id, job):
        with self.emu.lock:
            if self.jobs.get(job_id) is not job:
                return  # state was reloaded meanwhile
            self._timers.pop(job_id, None)
            self._advance(job, self.emu.now())
            if job["final"] is None:  # the clock was moved back: try again later
                self._schedule(job)

    def _cancel_timers(self):
        for timer in list(self._timers.values()):
            timer.cancel()
        self._timers = {}

    # -- cloud API -------------------------------------------------------------------------
    def show_instance(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            ip, port = self._address(inst)
            created = inst.get("created", "2024-01-01T00:00:00+0000")
            node_id = inst["id"][:-4] + "no07"
            body = {
                "id": inst["id"], "name": inst["name"], "project_id": inst["project_id"] or req.match.group("project_id"),
                "status": inst["status"], "port": str(port), "alias": inst.get("alias", ""), "type": "Cluster",
                "charge_info": {"charge_mode": "postPaid"}, "node_count": 1,
                "datastore": {"type": "gaussdb-mysql", "version": inst["version"], "kernel_version": "2.0.57.240900"},
                "backup_used_space": 0, "created": created, "updated": inst.get("updated", created),
                "private_write_ips": [ip], "private_dns_names": [], "public_ips": "",
                "db_user_name": inst["db_user_name"], "vpc_id": inst.get("vpc_id", ""),
                "subnet_id": inst.get("subnet_id", ""), "security_group_id": inst.get("security_group_id", ""),
                "configuration_id": "", "backup_strategy": {"start_time": "19:00-20:00", "keep_days": "7"},
                "nodes": [{
                    "id": node_id, "name": "%s_node01" % inst["name"], "type": "master",
                    "status": "ACTIVE" if inst["status"] == "ACTIVE" else inst["status"], "port": int(port),
                    "private_read_ips": [ip], "volume": {"type": "POOL", "used": "0.01", "size": 10},
                    "az_code": inst.get("az_code", "cn-north-4a"), "region_code": inst.get("region", "cn-north-4"),
                    "created": created, "updated": inst.get("updated", created), "flavor_id": "",
                    "flavor_ref": "gaussdb.mysql.xlarge.x86.4", "max_connections": "1500", "vcpus": "4", "ram": "16",
                    "need_restart": False, "priority": 1,
                }],
                "enterprise_project_id": "0", "time_zone": "UTC", "az_mode": "single",
                "master_az_code": inst.get("az_code", "cn-north-4a"), "maintenance_window": "18:00-22:00",
                "tags": [], "proxies": [],
            }
        return Response(200, {"instance": body})

    def reset_root_password(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            body, error = self._body(req)
            if error:
                return error
            password = body.get("password")
            if not isinstance(password, str) or not password:
                return _error(400, "DBS.200001", "Parameter error: password is required.")
            error = self._writable(inst)
            if error:
                return error
            problem = password_problem(password, inst["db_user_name"])
            if problem:
                return _error(400, "DBS.280203", "Weak password or password policy violation: %s." % problem)
            if self.backend is not None:
                try:
                    self.backend.set_password(inst["db_user_name"], "%", password)
                except BackendError:
                    return _error(500, "DBS.108000", "Server failure: the database is unavailable.")
            inst["root_password"] = password
        return Response(200, {})

    def list_users(self, req):
        query = req.query_dict()
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "100"))
        except ValueError:
            return _error(400, "DBS.200001", "Parameter error: offset and limit must be integers.")
        if offset < 0 or not 1 <= limit <= 100:
            return _error(400, "DBS.200001", "Parameter error: offset must be >= 0 and limit between 1 and 100.")
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            users = [{"name": u["name"], "host": u["host"], "comment": u["comment"],
                      "databases": [dict(d) for d in u["databases"]]} for u in inst["users"]]
        return Response(200, {"users": users[offset:offset + limit], "total_count": len(users)})

    def reset_user_passwords(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            body, error = self._body(req)
            if error:
                return error
            users = body.get("users")
            if not isinstance(users, list) or not users:
                return _error(400, "DBS.200001", "Parameter error: users must be a non-empty list.")
            if len(users) > MAX_USERS_PER_CALL:
                return _error(400, "DBS.200001", "Parameter error: at most %d users can be changed in one request."
                              % MAX_USERS_PER_CALL)
            seen = set()
            for entry in users:
                if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k)
                                                          for k in ("name", "host", "password")):
                    return _error(400, "DBS.200001", "Parameter error: every user needs name, host and password.")
                if not _USER_NAME.match(entry["name"]) or not _HOST.match(entry["host"]):
                    return _error(400, "DBS.200001", "Parameter error: invalid user name or host.")
                if (entry["name"], entry["host"]) in seen:
                    return _error(400, "DBS.200001", "Parameter error: duplicate user %s@%s."
                                  % (entry["name"], entry["host"]))
                seen.add((entry["name"], entry["host"]))
            error = self._writable(inst)
            if error:
                return error
            existing = set((u["name"], u["host"]) for u in inst["users"])
            for entry in users:
                if (entry["name"], entry["host"]) not in existing:
                    return _error(400, "DBS.200824", "The database account %s@%s does not exist."
                                  % (entry["name"], entry["host"]))
            for entry in users:
                problem = password_problem(entry["password"], entry["name"])
                if problem:
                    return _error(400, "DBS.280203", "Weak password or password policy violation for user %s: %s."
                                  % (entry["name"], problem))
            job = {
                "id": str(uuid.uuid4()), "name": JOB_NAME, "instance_id": inst["id"],
                "project_id": req.match.group("project_id"), "created": self.emu.now(), "ended": None,
                "final": None, "fail_reason": None,
                "inject_failure": inst["fail_next_jobs"].pop(0) if inst["fail_next_jobs"] else None,
                "invisible_seconds": float(self.emu.setting("gaussdb_job_invisible_seconds", 1.0)),
                "pending_seconds": float(self.emu.setting("gaussdb_job_pending_seconds", 0.2)),
                "run_seconds": float(self.emu.setting("gaussdb_job_run_seconds", 0.5)),
                "users": [{"name": e["name"], "host": e["host"], "password": e["password"]} for e in users],
                "targets": [{"name": e["name"], "host": e["host"]} for e in users],
            }
            self.jobs[job["id"]] = job
            self._schedule(job)
        return Response(202, {"job_id": job["id"]})

    def show_job(self, req):
        job_id = req.query_dict().get("id")
        if not job_id:
            return _error(400, "DBS.200001", "Parameter error: id is required.")
        with self.emu.lock:
            now = self.emu.now()
            job = self.jobs.get(job_id)
            project = req.match.group("project_id")
            if (job is None or (job["project_id"] and job["project_id"] != project)
                    or now < job["created"] + job["invisible_seconds"]
                    or now - job["created"] > JOB_RETENTION_SECONDS):
                return _error(400, "DBS.200543", "The job does not exist.")
            self._advance(job, now)
            status, process = self._job_status(job, now)
            inst = self.instances.get(job["instance_id"])
            body = {
                "id": job["id"], "name": job["name"], "status": status, "created": _time(job["created"]),
                "ended": _time(job["ended"]) if job["ended"] is not None else None, "process": process,
                "instance": {"id": job["instance_id"], "name": inst["name"] if inst else ""},
                "entities": {"instance_id": job["instance_id"], "users": [dict(t) for t in job["targets"]]},
                "fail_reason": job["fail_reason"] if status == "Failed" else None,
            }
        return Response(200, {"job": body})

    # -- admin -----------------------------------------------------------------------------
    def admin_fail_next_job(self, req):
        body = req.json() or {}
        with self.emu.lock:
            inst = self.instances.get(req.match.group("id"))
            if inst is None:
                return Response(404, {"error": "no gaussdb instance %s" % req.match.group("id")})
            inst["fail_next_jobs"].append(str(body.get("fail_reason") or DEFAULT_FAIL_REASON))
            pending = len(inst["fail_next_jobs"])
        return Response(200, {"instance_id": inst["id"], "pending_failures": pending})

    def admin_status(self, req):
        body = req.json() or {}
        status = body["status"]
        if not isinstance(status, str) or not status:
            raise ValueError("status must be a non-empty string")
        with self.emu.lock:
            inst = self.instances.get(req.match.group("id"))
            if inst is None:
                return Response(404, {"error": "no gaussdb instance %s" % req.match.group("id")})
            inst["status"] = status
        return Response(200, {"id": inst["id"], "status": status})
