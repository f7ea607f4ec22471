# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A simulated cloud for the rotation engine, behind a fake ``Services`` object.

The world holds the owner's real password and the password each DRS/DTS job endpoint stores. A
job is healthy when every endpoint of it that logs in as the owner stores the owner's password
(and the test did not make it stuck or make it refuse that password). The services answer like
the collection's modules (see their RETURN docs):

* ``gaussdb_mysql_user_password`` / ``gaussdb_mysql_instance_password``: ``unchanged`` when the
  given password is the owner's (the login probe), else ``updated``; out of check mode they set it;
* ``dcs_instance_password``: ``unchanged`` when the new password is the owner's; else the old
  password must be the owner's (else ``failed`` with ``OldPasswordRejected``, nothing spent);
* ``drs_job_password`` / ``dts_job_password``: per endpoint ``unchanged`` / ``updated`` (stored
  out of check mode only);
* ``drs_job_info`` / ``dts_job_info``: status by health (DRS ``INCRE_TRANSFER_STARTED`` /
  ``INCRE_TRANSFER_FAILED``, DTS ``Synchronizing`` / ``Failed``); without ``jobs``, a listing with
  the endpoints' accounts (what discovery reads).

Scripted failures (:meth:`World.fail`) answer the next matching call(s) with a failure instead,
changing nothing. Every call is logged (:attr:`World.calls`), and every change the world takes is
logged in :attr:`World.applied` as ``(target, password)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.credrotate.cloud.plugins.module_utils._rotate_spec import ARGUMENT_SPEC
from ansible_collections.credrotate.cloud.plugins.plugin_utils import _checks
from ansible_collections.credrotate.cloud.plugins.plugin_utils._engine import Engine
from ansible_collections.credrotate.cloud.plugins.plugin_utils._secretfile import SecretFile

OLD = "Old-Passw0rd-11aa"
NEW = "New-Passw0rd-22bb"
PREVIOUS = "Prev-Passw0rd-33cc"
OTHER = "Some0ne-Else-44dd"
KNOWN_PASSWORDS = (OLD, NEW, PREVIOUS, OTHER)

GAUSSDB_INSTANCE = "0123456789abcdef0123456789abcdefin07"
DCS_INSTANCE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
DRS_JOB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"
DRS_JOB_2 = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb02"
DTS_JOB = "l3m1213ye7l1234"
DTS_JOB_2 = "l3m1213ye7l5678"
USER = "crdemo_orders"
NAME = "orders"
OWNER_IP = "192.168.0.10"  # the owner's private address (show instance)
OWNER_PORT = 3306

OWNER_SERVICES = {
    "gaussdb_mysql_user": "gaussdb_mysql_user_password",
    "gaussdb_mysql_root": "gaussdb_mysql_instance_password",
    "dcs_instance": "dcs_instance_password",
}
WRITE_SERVICES = frozenset(OWNER_SERVICES.values()) | frozenset(("drs_job_password", "dts_job_password"))
PASSWORD_ARGS = ("password", "new_password", "old_password")


class Script:
    """A scripted failure: the next ``times`` calls of ``name`` (after ``skip`` good ones) fail.

    With ``applied`` the change is made first and its answer is lost (``may_have_applied``).
    """

    def __init__(self, name, msg, code, kind, times, skip, check, applied):
        self.name, self.msg, self.code, self.kind = name, msg, code, kind
        self.times, self.skip, self.check, self.applied = times, skip, check, applied

    def matches(self, name, check):
        return self.times > 0 and name == self.name and (self.check is None or self.check == check)


class World:
    """The owner, the job endpoints and the scripted faults; ``call`` answers like the modules."""

    def __init__(self, owner_type="gaussdb_mysql_user", password=OLD, recovery="auto"):
        self.owner_type = owner_type
        self.recovery = recovery  # "manual": a job that failed stays failed until it is retried (healed)
        self.unconfigured = set()  # clouds whose credentials are not set ("alicloud")
        self.instance_id = DCS_INSTANCE if owner_type == "dcs_instance" else GAUSSDB_INSTANCE
        self.user = {"gaussdb_mysql_user": USER, "gaussdb_mysql_root": "root"}.get(owner_type)
        self.password = password
        self.drs = {}  # job id -> {"endpoints": {side: {...}}, "stuck": bool, "refuses": set}
        self.dts = {}  # (job id, direction) -> same
        self.scripts = []
        self.calls = []
        self.applied = []
        self.hooks = []
        self.closed = 0
        self._request = 0

    # -- building the world --

    def add_job(self, kind, job_id, endpoint, direction="forward", user=None, inst_id=None, password=None,
                ip=OWNER_IP, port=OWNER_PORT):
        """A job endpoint; by default it logs in as the owner (its instance, address and port) with the owner's
        password. An endpoint is the owner's when its instance id is, or its address and port are."""
        jobs = self.drs if kind == "drs" else self.dts
        key = job_id if kind == "drs" else (job_id, direction)
        job = jobs.setdefault(key, {"endpoints": {}, "stuck": False, "refuses": set(), "latched": False})
        job["endpoints"][endpoint] = {
            "user": user or self.user or "default",
            "inst_id": self.instance_id if inst_id is None else inst_id,
            "ip": ip, "port": port,
            "password": self.password if password is None else password,
        }
        return job

    def job(self, kind, job_id, direction="forward"):
        return self.drs[job_id] if kind == "drs" else self.dts[(job_id, direction)]

    def stored(self, kind, job_id, endpoint, direction="forward"):
        return self.job(kind, job_id, direction)["endpoints"][endpoint]["password"]

    def all_stored(self):
        """Every endpoint's stored password, keyed like the engine's targets."""
        out = {}
        for job_id, job in self.drs.items():
            for side, endpoint in job["endpoints"].items():
                out["drs:%s:%s" % (job_id, side)] = endpoint["password"]
        for (job_id, direction), job in self.dts.items():
            for side, endpoint in job["endpoints"].items():
                out["dts:%s:%s:%s" % (job_id, side, direction)] = endpoint["password"]
        return out

    def fail(self, name, msg="the service is unavailable right now", code="ServiceUnavailable", kind="provider",
             times=1, skip=0, check=False, applied=False):
        """Script ``times`` failures of ``name`` (only out of check mode unless ``check`` says otherwise)."""
        self.scripts.append(Script(name, msg, code, kind, times, skip, check, applied))

    def owner_service(self):
        return OWNER_SERVICES[self.owner_type]

    def writes(self, name=None):
        """The calls out of check mode of a writing service (``name``: only that one)."""
        return [c for c in self.calls if not c["check"] and c["name"] in WRITE_SERVICES
                and (name is None or c["name"] == name)]

    def passwords_seen(self):
        """Every password the engine sent (plus the fixed ones of the tests)."""
        seen = set(KNOWN_PASSWORDS)
        for call in self.calls:
            for key in PASSWORD_ARGS:
                if call["args"].get(key):
                    seen.add(call["args"][key])
        return seen

    # -- the services --

    def call(self, name, args, check_mode=False):
        self.calls.append({"name": name, "args": copy.deepcopy(args), "check": bool(check_mode)})
        for hook in self.hooks:
            hook(name, args, check_mode)
        for script in self.scripts:
            if script.matches(name, bool(check_mode)):
                if script.skip:
                    script.skip -= 1
                    break
                script.times -= 1
                if script.applied:
                    getattr(self, "_" + name)(args, bool(check_mode))
                return self._failure(script, args)
        return getattr(self, "_" + name)(args, bool(check_mode))

    def _request_id(self):
        self._request += 1
        return "req-%04d" % self._request

    def _failure(self, script, args):
        error = {"code": script.code, "message": script.msg, "kind": script.kind}
        out = {"changed": script.applied, "failed": True, "msg": script.msg, "error": error}
        if script.applied:
            out["may_have_applied"] = True
        if script.name in ("drs_job_password", "dts_job_password"):
            out["results"] = [dict(self._job_item(script.name[:3], job), outcome="failed", error_code=script.code,
                                   error_msg=script.msg) for job in args["jobs"]]
            out["request_ids"] = []
        elif script.name == "gaussdb_mysql_user_password":
            out["results"] = [{"name": u["name"], "host": u["host"], "outcome": "failed", "error_code": script.code,
                               "error_msg": script.msg} for u in args["users"]]
            out["job_ids"] = []
        elif script.name in OWNER_SERVICES.values():
            out["outcome"] = "failed"
        return out

    def _set_owner(self, password, check):
        """``(outcome, changed)`` of setting the owner's password (a probe first, like the modules)."""
        if password == self.password:
            return "unchanged", False
        if not check:
            self.password = password
            self.applied.append(("owner", password))
            for job in list(self.drs.values()) + list(self.dts.values()):
                self.is_healthy(job)  # a job notices at once; with manual recovery it stays failed
        return "updated", True

    def _check_owner(self, args):
        assert args["instance_id"] == self.instance_id, "the engine called the wrong instance"
        assert args["probe"] in ("always", "never")

    def _gaussdb_mysql_user_password(self, args, check):
        assert self.owner_type == "gaussdb_mysql_user", "the engine called the service of another owner type"
        self._check_owner(args)
        assert [u["name"] for u in args["users"]] == [self.user]
        outcome, changed = self._set_owner(args["password"], check)
        rid = self._request_id()
        item = {"name": self.user, "host": args["users"][0]["host"], "outcome": outcome,
                "evidence": "probe" if outcome == "unchanged" else None, "request_id": rid}
        if outcome == "updated" and not check:
            item.update(job_id="job-" + rid, status="Completed")
        return {"changed": changed, "job_ids": [item["job_id"]] if "job_id" in item else [], "results": [item]}

    def _gaussdb_mysql_instance_password(self, args, check):
        assert self.owner_type == "gaussdb_mysql_root", "the engine called the service of another owner type"
        self._check_owner(args)
        outcome, changed = self._set_owner(args["password"], check)
        return {"changed": changed, "outcome": outcome, "evidence": "probe" if outcome == "unchanged" else None,
                "request_id": None if check or outcome == "unchanged" else self._request_id()}

    def _dcs_instance_password(self, args, check):
        assert self.owner_type == "dcs_instance", "the engine called the service of another owner type"
        self._check_owner(args)
        if args["new_password"] != self.password and args["old_password"] != self.password:
            msg = ("old_password does not log in to DCS instance %s; the password API was not called, so no lockout "
                   "attempt was spent" % self.instance_id)
            return {"changed": False, "failed": True, "outcome": "failed", "msg": msg, "result": None,
                    "error": {"code": "OldPasswordRejected", "message": "a Redis AUTH with old_password is rejected",
                              "kind": "precondition"}}
        outcome, changed = self._set_owner(args["new_password"], check)
        return {"changed": changed, "outcome": outcome, "evidence": "probe" if outcome == "unchanged" else None,
                "result": "success" if changed and not check else None,
                "request_id": self._request_id() if changed and not check else None}

    def uses_owner(self, endpoint):
        return endpoint["user"] == (self.user or endpoint["user"]) and (
            endpoint["inst_id"] == self.instance_id or (endpoint["ip"], endpoint["port"]) == (OWNER_IP, OWNER_PORT))

    def healthy(self, job):
        return not job["stuck"] and all(
            e["password"] == self.password and e["password"] not in job["refuses"]
            for e in job["endpoints"].values() if self.uses_owner(e))

    def is_healthy(self, job):
        """The job's health as the API reports it: with manual recovery, a failure sticks until a retry."""
        ok = self.healthy(job)
        if self.recovery == "manual" and not ok:
            job["latched"] = True
        return ok and not job["latched"]

    def _job_item(self, kind, job):
        item = {"id": job["id"], "endpoint": job["endpoint"]}
        if kind == "dts":
            item.update(direction=job.get("direction") or "forward", user=job.get("user"))
        return item

    def _job_password(self, kind, args, check):
        results, rids, missing = [], [], []
        for job in args["jobs"]:
            item = self._job_item(kind, job)
            try:
                found = self.job(kind, job["id"], job.get("direction") or "forward")
                endpoint = found["endpoints"][job["endpoint"]]
            except KeyError:
                item.update(outcome="failed", status="missing", error_code="JobNotFound",
                            error_msg="the job endpoint does not exist")
                missing.append(job["id"])
                results.append(item)
                continue
            item["status"] = self._status(kind, found)
            if endpoint["password"] == args["password"]:
                item["outcome"] = "unchanged"
            else:
                item["outcome"] = "updated"
                if not check:
                    item["request_id"] = self._request_id()
                    rids.append(item["request_id"])
                    endpoint["password"] = args["password"]
                    key = [kind, job["id"], job["endpoint"]] + ([item["direction"]] if kind == "dts" else [])
                    self.applied.append((":".join(key), args["password"]))
            results.append(item)
        out = {"changed": any(r["outcome"] == "updated" for r in results), "results": results, "request_ids": rids}
        if missing:
            out.update(failed=True, msg="%s job(s) not found: %s" % (kind.upper(), ", ".join(missing)),
                       error={"code": "PreflightFailed", "message": "job not found", "kind": "precondition"})
        return out

    def _drs_job_password(self, args, check):
        return self._job_password("drs", args, check)

    def _dts_job_password(self, args, check):
        return self._job_password("dts", args, check)

    @staticmethod
    def _why(job):
        """An unhealthy job's error: a network fault when the test made it stuck, else the login refused."""
        return "the network to the database is unreachable" if job["stuck"] else "Access denied for user"

    def _status(self, kind, job):
        ok = self.is_healthy(job)
        if kind == "drs":
            return "INCRE_TRANSFER_STARTED" if ok else "INCRE_TRANSFER_FAILED"
        return "Synchronizing" if ok else "Failed"

    def _drs_job_info(self, args, check):
        ids = args.get("jobs")
        jobs, missing = [], []
        for job_id in ids if ids is not None else sorted(self.drs):
            job = self.drs.get(job_id)
            if job is None:
                missing.append(job_id)
                continue
            ok = self.is_healthy(job)
            entry = {"id": job_id, "name": "job " + job_id[-4:], "status": self._status("drs", job), "healthy": ok,
                     "error_code": None if ok else "DRS.NET001" if job["stuck"] else "DRS.KE0002",
                     "error_message": None if ok else self._why(job)}
            for side in ("source", "target"):
                endpoint = job["endpoints"].get(side)
                entry[side + "_endpoint"] = {"db_user": endpoint["user"], "inst_id": endpoint["inst_id"],
                                             "ip": endpoint["ip"], "db_port": endpoint["port"]} if endpoint \
                    else {"db_user": "someone", "inst_id": "elsewhere", "ip": "10.9.9.9", "db_port": 3306}
            jobs.append(entry)
        return {"changed": False, "jobs": jobs, "missing": missing}

    def _dts_job_info(self, args, check):
        ids = args.get("jobs")
        jobs, found = [], set()
        for (job_id, direction), job in sorted(self.dts.items()):
            if ids is not None and job_id not in ids:
                continue
            found.add(job_id)
            ok = self.is_healthy(job)
            entry = {"id": job_id, "name": "job " + job_id[-4:], "direction": direction, "status": self._status("dts", job),
                     "failed": not ok, "running": ok, "error_message": "" if ok else self._why(job)}
            for side in ("source", "destination"):
                endpoint = job["endpoints"].get(side)
                entry[side] = ({"user_name": endpoint["user"], "ip": endpoint["ip"], "port": "%s" % endpoint["port"]}
                               if endpoint else {"user_name": "someone", "ip": "10.9.9.9", "port": "3306"})
            jobs.append(entry)
        return {"changed": False, "jobs": jobs, "missing": [i for i in ids or () if i not in found],
                "request_ids": [self._request_id()]}

    def _retry(self, jobs, args):
        results = []
        for item in args["jobs"]:
            job_id, direction = (item, "forward") if isinstance(item, str) else (item["id"], item["direction"])
            job = jobs.get(job_id if isinstance(item, str) else (job_id, direction))
            if job is None:
                results.append({"id": job_id, "direction": direction, "outcome": "failed", "error_code": "JobNotFound"})
                continue
            job["latched"] = False
            results.append({"id": job_id, "direction": direction, "outcome": "retried", "request_id": self._request_id()})
        return {"changed": True, "results": results,
                "request_ids": [r["request_id"] for r in results if r.get("request_id")]}

    def _drs_job_retry(self, args, check):
        assert not check
        return self._retry(self.drs, args)

    def _dts_job_start(self, args, check):
        assert not check
        return self._retry(self.dts, args)

    def _gaussdb_mysql_instance_info(self, args, check):
        assert self.owner_type != "dcs_instance" and args["instance_id"] == self.instance_id
        return {"changed": False, "instance": {"id": self.instance_id, "private_write_ips": [OWNER_IP],
                                               "public_ips": [], "port": OWNER_PORT, "address": OWNER_IP}}

    def _dcs_instance_info(self, args, check):
        assert self.owner_type == "dcs_instance" and args["instance_id"] == self.instance_id
        return {"changed": False, "instance": {"instance_id": self.instance_id, "ip": OWNER_IP, "port": OWNER_PORT}}


class FakeServices:
    """Stands in for :class:`_services.Services`: ``call``, ``close`` and ``secrets``, on a :class:`World`."""

    def __init__(self, world):
        self.world = world
        self.secrets = set()

    def configured(self, cloud):
        """Whether the cloud's credentials are set (the test world: see ``World.unconfigured``)."""
        return cloud not in self.world.unconfigured

    def call(self, name, args, check_mode=False, preflight_done=False):
        if preflight_done:  # only the job password services may skip their own reads, and only out of check mode
            assert name in ("drs_job_password", "dts_job_password") and not check_mode, name
        return self.world.call(name, args, check_mode=check_mode)

    def close(self):
        self.world.closed += 1


class Clock:
    """A monotonic clock that only moves when the engine sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Sim:
    """One credential in a world, its state directory, and fresh engine runs against them."""

    def __init__(self, state_dir, owner_type="gaussdb_mysql_user", password=OLD, recovery="auto"):
        self.world = World(owner_type, password, recovery)
        self.clock = Clock()
        self.state_dir = str(state_dir)
        self.dependants = []
        self.lines = []
        self.engine = None

    def depend(self, kind, job_id, endpoint, direction="forward", user=None):
        """A dependant of the credential, which also exists in the world."""
        self.world.add_job(kind, job_id, endpoint, direction=direction, user=user)
        dependant = {"type": kind, "job_id": job_id, "endpoint": endpoint}
        if kind == "dts":
            dependant["direction"] = direction
            if user:
                dependant["user"] = user
        self.dependants.append(dependant)

    def settings(self, check_mode=False, **overrides):
        """The action's validated options (defaults filled in, like the action does), plus check_mode."""
        owner = {"type": self.world.owner_type, "instance_id": self.world.instance_id}
        if self.world.owner_type == "gaussdb_mysql_user":
            owner["user"] = self.world.user
        args = {"credential": {"name": NAME, "owner": owner, "dependants": copy.deepcopy(self.dependants)},
                "state_dir": self.state_dir, "probe": "always", "current_password": OLD}
        args.update(overrides)
        args = dict((k, v) for k, v in args.items() if v is not None)
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        assert not validated.error_messages, validated.error_messages
        settings = validated.validated_parameters
        assert not _checks.problems(settings), _checks.problems(settings)
        settings["check_mode"] = check_mode
        return settings

    def run(self, check_mode=False, **overrides):
        """A new Engine (as a new task would make) run once; returns its result."""
        self.lines = []
        self.engine = Engine(self.settings(check_mode, **overrides), FakeServices(self.world), say=self.lines.append,
                             clock=self.clock, sleep=self.clock.sleep)
        return self.engine.run()

    # -- the files --

    def path(self, suffix):
        return os.path.join(self.state_dir, NAME + suffix)

    def secrets(self):
        return SecretFile(self.path(".secrets")).read()

    def record(self):
        if not os.path.exists(self.path(".json")):
            return None
        with open(self.path(".json")) as handle:
            return json.load(handle)

    def locked(self):
        return os.path.exists(self.path(".lock"))

    def files(self):
        """The state directory's files, without the flock guard file."""
        if not os.path.isdir(self.state_dir):
            return None
        return sorted(n for n in os.listdir(self.state_dir) if not n.endswith(".guard"))

    def file_bytes(self, suffix):
        with open(self.path(suffix), "rb") as handle:
            return handle.read()

    def leaked(self, result):
        """The known passwords found in the result, the step lines or the record file."""
        text = json.dumps(result) + "\n".join(self.lines)
        if os.path.exists(self.path(".json")):
            text += self.file_bytes(".json").decode()
        return sorted(p for p in self.world.passwords_seen() if p in text)
