"""DCS (Distributed Cache Service) v2, Redis: instances, password change with lockout, password reset.

Cloud API (reference §4, §8.3), all under ``/v2/{project_id}``:

* ``GET  /instances/{instance_id}`` -- ShowInstance
* ``GET  /instances`` -- ListInstances (``instance_id``, ``name``, ``status``, ``offset``, ``limit``)
* ``PUT  /instances/{instance_id}/password`` -- UpdatePassword (``old_password``, ``new_password``)
* ``POST /instances/{instance_id}/password/reset`` -- ResetPassword (``new_password``, ``no_password_access``)

UpdatePassword, in this order: unknown instance -> 404 ``DCS.3022``; empty body -> 400
``DCS.4004``; body not JSON -> 400 ``DCS.4005``; a password field missing or not a string -> 400
``DCS.4845``; password-free instance -> 400 ``DCS.4850``; status not ``RUNNING`` -> 400
``DCS.4049``; locked -> 200 ``result: locked``; new password breaking the policy (8-32
characters, at least three of lower, upper, digit and `` `~!@#$%^&*()-_=+|{},<.>/? ``, nothing
else, different from the old one) -> 400 ``DCS.4019``; wrong old password -> 200 ``result:
passwordFailed`` with ``retry_times_left`` counting down, and the ``dcs_max_password_failures``-th
(5th) failure locks the instance for ``dcs_lock_seconds`` (300 s; ``lock_time`` is in minutes);
a backend failure -> 200 ``result: failed``; else 200 ``result: success`` and the password
changes (on the real redis-server too). All values of a 200 body are strings. A success resets
the failure count; so does the end of a lock.

A ``passwordFailed``/``locked``/``failed`` result is journalled with that word as ``error_code``
(the HTTP status is 200). ListInstances rejects a bad ``offset``/``limit`` with 400 ``DCS.4800``
(an emulator choice: the reference lists no code for it).

ResetPassword answers ``code`` ``"1"`` (success) or ``"3"`` (locked); it needs no old password
and can switch password-free access on (``DCS.4849`` if a new password is sent with it) or off.

Fixture section ``dcs`` (``dump()`` returns the same, lockout state included)::

    dcs:
      instances:
        - instance_id: 3c49ab51-5bb1-4b6a-8e0f-6f6f3a0f1c11
          name: dcs-demo
          project_id: 0123456789abcdef0123456789abcdef   # optional: omitted = any project
          status: RUNNING          # CREATING, CREATEFAILED, RUNNING, ERROR, RESTARTING, FROZEN, ...
          engine: Redis
          engine_version: "5.0"
          password: "..."
          no_password_access: false
          access_user: null        # Redis 6 ACL user name, if any
          port: 6379               # in-memory mode only (default 1: probes are refused)
          domain_name: redis-3c49ab51.dcs.huaweicloud.com   # optional
          failed_attempts: 0       # wrong old passwords since the last success or lock end
          locked_until: 0          # epoch seconds

With the Redis backend every instance is its own ``redis-server`` (started on load, stopped
when the instance leaves the state or the emulator stops); show-instance reports ``ip``
``127.0.0.1`` and its real port. In memory, ``ip`` is ``127.0.0.1`` and ``port`` the fixture's.

Admin routes (under ``/_emulator/``):

* ``POST dcs/instances/<id>/status`` ``{"status": "ERROR"}`` -- set the instance status;
* ``POST dcs/instances/<id>/unlock`` -- end a lock and reset the failure count.
"""

import math

from emulator.backends import BackendError
from emulator.core import Response, Service

SPECIALS = "`~!@#$%^&*()-_=+|{},<.>/?"
P = r"/v2/(?P<project_id>[^/]+)"
INSTANCE = P + r"/instances/(?P<instance_id>[^/]+)"


def _error(status, code, message):
    return Response(status, {"error_code": code, "error_msg": message, "error_ext_msg": None})


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def password_problem(new, old=None):
    """Why ``new`` breaks the DCS Redis password policy, or None. Never echoes a password."""
    if not 8 <= len(new) <= 32:
        return "the password must be 8 to 32 characters long"
    if any(not (c.isascii() and (c.isalnum() or c in SPECIALS)) for c in new):
        return "the password may only contain letters, digits and the special characters %s" % SPECIALS
    classes = sum([any(c.islower() for c in new), any(c.isupper() for c in new),
                   any(c.isdigit() for c in new), any(c in SPECIALS for c in new)])
    if classes < 3:
        return "the password must contain at least three of: lowercase, uppercase, digits, special characters"
    if old is not None and new == old:
        return "the new password must differ from the old password"
    return None


class DcsService(Service):
    name = "dcs"
    cloud = "huawei"

    def __init__(self, emu):
        super().__init__(emu)
        self.instances = {}
        self._handles = {}  # instance_id -> RedisInstance (real mode)

    @property
    def backend(self):
        return (self.emu.backends or {}).get("redis")

    # -- registration ----------------------------------------------------------------------
    def register(self):
        route = self.emu.route
        route("GET", INSTANCE, self.show_instance, "huawei", "dcs", "ShowInstance")
        route("GET", P + r"/instances", self.list_instances, "huawei", "dcs", "ListInstances")
        route("PUT", INSTANCE + r"/password", self.update_password, "huawei", "dcs", "UpdatePassword", write=True)
        route("POST", INSTANCE + r"/password/reset", self.reset_password, "huawei", "dcs", "ResetPassword",
              write=True)
        self.emu.admin_route("POST", r"dcs/instances/(?P<id>[^/]+)/status", self.admin_status)
        self.emu.admin_route("POST", r"dcs/instances/(?P<id>[^/]+)/unlock", self.admin_unlock)

    # -- state -----------------------------------------------------------------------------
    def load(self, section):
        instances = {}
        for raw in section.get("instances") or []:
            inst = dict(raw)
            inst["instance_id"] = inst.get("instance_id") or inst.pop("id", None)
            if not inst["instance_id"]:
                raise ValueError("dcs: every instance needs an instance_id")
            if inst["instance_id"] in instances:
                raise ValueError("dcs: duplicate instance_id %r" % inst["instance_id"])
            inst.pop("id", None)
            inst.setdefault("name", "dcs-%s" % inst["instance_id"][:4])
            inst.setdefault("project_id", None)
            inst.setdefault("status", "RUNNING")
            inst.setdefault("engine", "Redis")
            inst.setdefault("engine_version", "5.0")
            inst.setdefault("password", None)
            inst["no_password_access"] = _bool(inst.get("no_password_access", False))
            inst.setdefault("access_user", None)
            inst["port"] = int(inst.get("port") or 1)
            inst.setdefault("capacity", 1)
            inst["failed_attempts"] = int(inst.get("failed_attempts") or 0)
            inst["locked_until"] = float(inst.get("locked_until") or 0)
            if not inst["no_password_access"] and not inst["password"]:
                raise ValueError("dcs instance %s: a password is required unless no_password_access is true"
                                 % inst["instance_id"])
            instances[inst["instance_id"]] = inst
        for old in set(self.instances) - set(instances):
            self.emu.databases.unregister(old)
        self.instances = instances
        self._sync_backend()
        for instance_id in self.instances:
            self.emu.databases.register(instance_id, self._checker(instance_id))

    def _sync_backend(self):
        """Real mode: one running redis-server per instance, requiring the stored password."""
        backend = self.backend
        if backend is None:
            return
        try:
            for instance_id in list(self._handles):
                handle = self._handles[instance_id]
                if instance_id not in self.instances or not handle.alive():
                    del self._handles[instance_id]
                    handle.stop()
            for instance_id, inst in sorted(self.instances.items()):
                wanted = None if inst["no_password_access"] else inst["password"]
                handle = self._handles.get(instance_id)
                if handle is None:
                    self._handles[instance_id] = backend.start_instance(wanted)
                elif handle.password != wanted:
                    handle.set_password(handle.password, wanted)
        except BackendError as exc:
            raise ValueError("dcs: %s" % exc) from exc

    def dump(self):
        with self.emu.lock:
            return {"instances": [dict(inst) for inst in self.instances.values()]}

    def summary(self):
        with self.emu.lock:
            now = self.emu.now()
            out = []
            for inst in self.instances.values():
                self._expire_lock(inst, now)
                ip, port = self._address(inst)
                out.append({
                    "instance_id": inst["instance_id"], "name": inst["name"], "project_id": inst["project_id"],
                    "status": inst["status"], "no_password_access": inst["no_password_access"],
                    "address": "%s:%s" % (ip, port), "failed_attempts": inst["failed_attempts"],
                    "retry_times_left": self._retries_left(inst), "locked": inst["locked_until"] > now,
                    "lock_seconds_left": max(0, int(math.ceil(inst["locked_until"] - now))),
                })
            return {"backend": self.backend.describe() if self.backend else "in-memory", "instances": out}

    def close(self):
        for handle in list(self._handles.values()):
            handle.stop()
        self._handles = {}

    # -- helpers ---------------------------------------------------------------------------
    def _max_failures(self):
        return int(self.emu.setting("dcs_max_password_failures", 5))

    def _lock_seconds(self):
        return float(self.emu.setting("dcs_lock_seconds", 300))

    def _lock_minutes(self):
        return str(int(math.ceil(self._lock_seconds() / 60.0)))

    def _retries_left(self, inst):
        return max(0, self._max_failures() - inst["failed_attempts"])

    def _expire_lock(self, inst, now):
        if inst["locked_until"] and inst["locked_until"] <= now:
            inst["locked_until"] = 0.0
            inst["failed_attempts"] = 0

    def _minutes_left(self, inst, now):
        return str(max(1, int(math.ceil((inst["locked_until"] - now) / 60.0))))

    def _address(self, inst):
        handle = self._handles.get(inst["instance_id"])
        if handle is not None:
            return handle.host, handle.port
        return "127.0.0.1", inst["port"]

    def _instance(self, req):
        inst = self.instances.get(req.match.group("instance_id"))
        if inst is None or (inst["project_id"] and inst["project_id"] != req.match.group("project_id")):
            return None, _error(404, "DCS.3022", "This DCS instance does not exist.")
        return inst, None

    def _body(self, req):
        if not req.body or not req.body.strip():
            return None, _error(400, "DCS.4004", "The message body is empty.")
        body = req.json()
        if not isinstance(body, dict):
            return None, _error(400, "DCS.4005", "The message body is not in JSON format.")
        return body, None

    def _checker(self, instance_id):
        def check(user, password):  # Redis 5 has no users: ``user`` is ignored
            with self.emu.lock:
                inst = self.instances.get(instance_id)
                if inst is None:
                    return False
                handle = self._handles.get(instance_id)
                free, stored = inst["no_password_access"], inst["password"]
            if handle is not None:
                try:
                    return handle.check_auth(password)
                except BackendError:
                    return False
            return free or (stored is not None and stored == password)
        return check

    def _instance_body(self, inst):
        ip, port = self._address(inst)
        short = inst["instance_id"].split("-")[0][:8]
        return {
            "instance_id": inst["instance_id"], "name": inst["name"], "status": inst["status"], "sub_status": "",
            "engine": inst["engine"], "engine_version": inst["engine_version"],
            "no_password_access": "true" if inst["no_password_access"] else "false",
            "access_user": inst["access_user"], "ip": ip, "port": int(port),
            "domain_name": inst.get("domain_name") or "redis-%s.dcs.huaweicloud.com" % short,
            "readonly_domain_name": "", "capacity": int(inst["capacity"]), "capacity_minor": "",
            "max_memory": int(inst["capacity"]) * 819, "used_memory": 0, "cache_mode": inst.get("cache_mode", "single"),
            "spec_code": inst.get("spec_code", "redis.single.xu1.large.1"), "charging_mode": 0,
            "created_at": inst.get("created_at", "2024-01-01T00:00:00.000Z"),
            "launched_at": inst.get("created_at", "2024-01-01T00:00:00.000Z"),
            "update_at": inst.get("created_at", "2024-01-01T00:00:00.000Z"),
            "description": inst.get("description", ""), "user_id": "", "user_name": "",
            "vpc_id": inst.get("vpc_id", ""), "vpc_name": "", "subnet_id": inst.get("subnet_id", ""),
            "subnet_name": "", "subnet_cidr": "", "security_group_id": "", "security_group_name": "",
            "maintain_begin": "02:00:00", "maintain_end": "06:00:00", "az_codes": [], "available_zones": [],
            "enable_publicip": False, "publicip_id": "", "publicip_address": "", "enable_ssl": False,
            "service_upgrade": False, "service_task_id": "", "enterprise_project_id": "0", "tags": [],
            "cpu_type": "x86_64", "product_type": "generic", "storage_type": "DRAM", "db_number": 256,
            "replica_count": 1, "sharding_count": 1, "transparent_client_ip_enable": False,
            "support_slow_log_flag": "true", "backend_addrs": "",
        }

    # -- cloud API -------------------------------------------------------------------------
    def show_instance(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            return Response(200, self._instance_body(inst))

    def list_instances(self, req):
        query = req.query_dict()
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "10"))
        except ValueError:
            return _error(400, "DCS.4800", "Invalid offset or limit.")
        if offset < 0 or not 1 <= limit <= 2000:
            return _error(400, "DCS.4800", "Invalid offset or limit.")
        project = req.match.group("project_id")
        with self.emu.lock:
            found = []
            for inst in self.instances.values():
                if inst["project_id"] and inst["project_id"] != project:
                    continue
                if query.get("instance_id") and inst["instance_id"] != query["instance_id"]:
                    continue
                if query.get("status") and inst["status"] != query["status"]:
                    continue
                if query.get("name"):
                    exact = _bool(query.get("name_equal", "false"))
                    if (inst["name"] != query["name"]) if exact else (query["name"] not in inst["name"]):
                        continue
                found.append(self._instance_body(inst))
        return Response(200, {"instance_num": len(found), "instances": found[offset:offset + limit]})

    def update_password(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            body, error = self._body(req)
            if error:
                return error
            old, new = body.get("old_password"), body.get("new_password")
            if not isinstance(old, str) or not isinstance(new, str) or not new:
                return _error(400, "DCS.4845", "Invalid password parameter: old_password and new_password are required.")
            if inst["no_password_access"]:
                return _error(400, "DCS.4850", "This operation is not supported when password-free access is enabled.")
            if inst["status"] != "RUNNING":
                return _error(400, "DCS.4049", "The instance status is not running.")
            now = self.emu.now()
            self._expire_lock(inst, now)
            if inst["locked_until"] > now:
                left = self._minutes_left(inst, now)
                req.error_code = "locked"
                return Response(200, {"lock_time": self._lock_minutes(), "result": "locked", "lock_time_left": left,
                                      "retry_times_left": "0",
                                      "message": "The instance is locked. Try again in %s minutes." % left})
            problem = password_problem(new, old)
            if problem:
                return _error(400, "DCS.4019", "The password does not meet the complexity requirements: %s." % problem)
            handle = self._handles.get(inst["instance_id"])
            try:
                old_ok = handle.check_auth(old) if handle is not None else old == inst["password"]
            except BackendError:
                req.error_code = "failed"
                return Response(200, self._failed())
            if not old_ok:
                req.error_code = "passwordFailed"
                inst["failed_attempts"] += 1
                left = self._retries_left(inst)
                if left <= 0:
                    inst["locked_until"] = now + self._lock_seconds()
                    minutes = self._lock_minutes()
                    return Response(200, {"lock_time": minutes, "result": "passwordFailed", "lock_time_left": minutes,
                                          "retry_times_left": "0",
                                          "message": "Failed to verify the old password. The instance is locked for "
                                                     "%s minutes." % minutes})
                return Response(200, {"lock_time": "0", "result": "passwordFailed", "lock_time_left": "0",
                                      "retry_times_left": str(left),
                                      "message": "Failed to verify the old password. %d attempts left." % left})
            if handle is not None:
                try:
                    handle.set_password(old, new)
                except BackendError:
                    req.error_code = "failed"
                    return Response(200, self._failed())
            inst["password"] = new
            inst["failed_attempts"] = 0
            inst["locked_until"] = 0.0
        return Response(200, {"lock_time": "0", "result": "success", "lock_time_left": "0",
                              "retry_times_left": str(self._max_failures()),
                              "message": "Modify DCSInstance password success."})

    def _failed(self):
        return {"lock_time": "0", "result": "failed", "lock_time_left": "0", "retry_times_left": "",
                "message": "Modify DCSInstance password failed."}

    def reset_password(self, req):
        with self.emu.lock:
            inst, error = self._instance(req)
            if error:
                return error
            body, error = self._body(req)
            if error:
                return error
            free = body.get("no_password_access", False)
            if not isinstance(free, bool):
                return _error(400, "DCS.4843", "Invalid no_password_access parameter.")
            new = body.get("new_password")
            if free and new is not None:
                return _error(400, "DCS.4849", "new_password must not be present when no_password_access is true.")
            if not free and (not isinstance(new, str) or not new):
                return _error(400, "DCS.4845", "Invalid password parameter: new_password is required.")
            if inst["status"] != "RUNNING":
                return _error(400, "DCS.4049", "The instance status is not running.")
            now = self.emu.now()
            self._expire_lock(inst, now)
            if inst["locked_until"] > now:
                req.error_code = "locked"
                return Response(200, {"retry_times_left": "0", "lock_time": self._lock_minutes(),
                                      "lock_time_left": self._minutes_left(inst, now), "code": "3",
                                      "message": "instance is locked", "ext_message": ""})
            if not free:
                problem = password_problem(new)
                if problem:
                    return _error(400, "DCS.4019", "The password does not meet the complexity requirements: %s."
                                  % problem)
            handle = self._handles.get(inst["instance_id"])
            if handle is not None:
                try:
                    handle.set_password(handle.password, None if free else new)
                except BackendError:
                    return _error(500, "DCS.5000", "Internal error.")
            inst["no_password_access"] = free
            inst["password"] = None if free else new
            inst["failed_attempts"] = 0
        return Response(200, {"retry_times_left": str(self._max_failures()), "lock_time": "0", "lock_time_left": "0",
                              "code": "1", "message": "success", "ext_message": ""})

    # -- admin -----------------------------------------------------------------------------
    def admin_status(self, req):
        body = req.json() or {}
        status = body["status"]
        if not isinstance(status, str) or not status:
            raise ValueError("status must be a non-empty string")
        with self.emu.lock:
            inst = self.instances.get(req.match.group("id"))
            if inst is None:
                return Response(404, {"error": "no dcs instance %s" % req.match.group("id")})
            inst["status"] = status
        return Response(200, {"instance_id": inst["instance_id"], "status": status})

    def admin_unlock(self, req):
        with self.emu.lock:
            inst = self.instances.get(req.match.group("id"))
            if inst is None:
                return Response(404, {"error": "no dcs instance %s" % req.match.group("id")})
            inst["locked_until"] = 0.0
            inst["failed_attempts"] = 0
        return Response(200, {"instance_id": inst["instance_id"], "locked": False,
                              "retry_times_left": self._max_failures()})
