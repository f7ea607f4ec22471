# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: controller-side state of a rotation: the lock and the JSON record (never a password).

Under ``state_dir`` a credential ``<name>`` has:

* ``<name>.lock``: who runs a rotation of it now: rotation id, inventory host, controller host
  name, pid and start time of the controlling ``ansible-playbook`` process. Created with
  ``O_EXCL`` (written to a temporary file first and hard-linked into place, so it is never seen
  half-written). A lock whose process is gone (pid absent, or reused: another start time) is
  stale and may be taken over.
* ``<name>.json``: the record (mode 0600, replaced atomically): rotation id, status, steps done
  with timestamps, the outcome of every action on every target, provider request ids, the lock,
  and a short history of earlier rotations.

Every read-modify-write holds an exclusive ``flock`` on ``<name>.guard``, so two controllers
processes on one machine never interleave. The files are kept with :mod:`_files` (0700
directory, ``flock``, atomic 0600 writes); :mod:`_process` says whether a lock's process lives.
Nothing here accepts or stores a password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import datetime
import errno
import os
import re
import socket

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._process import controller_process, process_alive

FORMAT_VERSION = 1
HISTORY_LIMIT = 20
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
FINAL_STATUSES = ("completed", "rolled_back", "failed")
STATUSES = ("in_progress",) + FINAL_STATUSES
# top-level fields written by the fleet's schedule (_schedule.suspend_fields, resume_fields), kept across rotations
KEPT_FIELDS = ("suspended", "resumed_at", "resumed_by")
TARGET_FIELDS = ("target", "kind", "outcome", "status", "request_id", "error_code", "error_msg")


class StateError(CollectionError):
    """The state files cannot be used; the message names the file and the reason."""

    code = "StateError"
    kind = "state"


class LockedError(StateError):
    """Another live process holds the lock (``holder`` is its lock content)."""

    code = "Locked"
    kind = "busy"

    def __init__(self, message, holder):
        super(LockedError, self).__init__(message)
        self.holder = holder

    def failure_dict(self, msg=None):
        result = super(LockedError, self).failure_dict(msg)
        result.update(lock=self.holder, record=None)
        return result


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the store ------------------------------------------------------------------------------


@contextlib.contextmanager
def _nothing():
    yield


class StateStore(object):
    """The lock and the record of one credential under ``state_dir``."""

    def __init__(self, state_dir, name):
        if not NAME_PATTERN.match(name or ""):
            raise StateError("credential name %r is not usable as a file name: use letters, digits, '.', '_' or '-' "
                             "(at most 128, starting with a letter or digit)" % (name,))
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.name = name
        self.record_path = os.path.join(self.state_dir, name + ".json")
        self.lock_path = os.path.join(self.state_dir, name + ".lock")
        self.guard_path = os.path.join(self.state_dir, name + ".guard")

    # -- plumbing --

    def ensure_dir(self):
        _files.ensure_dir(self.state_dir, StateError, "state directory")

    @contextlib.contextmanager
    def guard(self):
        self.ensure_dir()
        with _files.locked(self.guard_path, StateError, "state guard"):
            yield

    @staticmethod
    def _load_json(path, what):
        return _files.read_json(path, StateError, what)

    def _write_atomic(self, path, document):
        _files.write_atomic(path, _files.json_text(document, newline=True), StateError, "state record")

    # -- lock --

    def read_lock(self):
        return self._load_json(self.lock_path, "lock")

    @staticmethod
    def lock_is_live(lock, hostname=None):
        """True (live), False (stale) for a lock; a lock of another machine counts as live."""
        if not isinstance(lock, dict):
            return False
        if lock.get("controller") != (hostname or socket.gethostname()):
            return True
        return process_alive(lock.get("pid"), lock.get("pid_start_time"))

    @staticmethod
    def same_holder(lock, me):
        return isinstance(lock, dict) and all(lock.get(k) == me.get(k)
                                              for k in ("controller", "pid", "pid_start_time", "owner"))

    def describe_holder(self, lock):
        where = "pid %s" % lock.get("pid")
        if lock.get("controller") != socket.gethostname():
            where += " on %s" % lock.get("controller")
        return "rotation %s of %s is already running (%s, inventory host %s, since %s)" % (
            lock.get("rotation_id") or "(no id)", self.name, where, lock.get("owner"), lock.get("since"))

    def me(self, rotation_id, owner):
        pid, start, program = controller_process()
        return {"rotation_id": rotation_id, "owner": owner, "controller": socket.gethostname(),
                "pid": pid, "pid_start_time": start, "program": program, "since": iso(utc_now())}

    def lock(self, rotation_id, owner, check_mode=False):
        """Take the lock. Returns ``(changed, lock, stale_lock)``; raises :class:`LockedError`."""
        me = self.me(rotation_id, owner)
        if check_mode and not os.path.isdir(self.state_dir):
            return True, me, None  # nothing to check, and check mode creates nothing
        with self.guard():
            held = self.read_lock()
            stale = None
            if held is not None:
                if self.same_holder(held, me):
                    if held.get("rotation_id") != rotation_id and not check_mode:
                        held["rotation_id"] = rotation_id
                        self._write_lock(held, replace=True)
                    return False, held, None
                if self.lock_is_live(held):
                    raise LockedError(self.describe_holder(held), held)
                stale = held
            if check_mode:
                return True, me, stale
            self._write_lock(me, replace=stale is not None)
            self._mirror_lock(me, stale)
            return True, me, stale

    def _write_lock(self, content, replace=False):
        """Write the lock: replace a stale one, or create it exclusively (never over a live one)."""
        written = _files.write_atomic(self.lock_path, _files.json_text(content), StateError, "lock",
                                      exclusive=not replace)
        if not written:
            held = self.read_lock()
            raise LockedError(self.describe_holder(held or {}), held)

    def _mirror_lock(self, lock, stale):
        record = self._load_record()
        record["lock"] = lock
        if stale is not None:
            record.setdefault("events", []).append({"at": iso(utc_now()), "event": "resumed_from_stale_lock",
                                                   "stale_lock": stale})
            record["events"] = record["events"][-HISTORY_LIMIT:]
        self._write_atomic(self.record_path, record)

    def unlock(self, rotation_id, owner, force=False, check_mode=False):
        """Release the lock when this process holds it (or ``force``). Returns ``(changed, lock_or_None)``."""
        me = self.me(rotation_id, owner)
        if not os.path.isdir(self.state_dir):
            return False, None
        with self.guard():
            held = self.read_lock()
            if held is None:
                return False, None
            if not force and not self.same_holder(held, me):
                return False, held
            if check_mode:
                return True, held
            try:
                os.unlink(self.lock_path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise StateError("cannot remove the lock %s: %s" % (self.lock_path, exc.strerror))
            if os.path.exists(self.record_path):
                record = self._load_record()
                record["lock"] = None
                self._write_atomic(self.record_path, record)
            return True, held

    # -- record --

    def _load_record(self):
        record = self._load_json(self.record_path, "state record")
        if record is None:
            return self.empty_record()
        if not isinstance(record, dict):
            raise StateError("the state record %s is not a JSON object" % self.record_path)
        return record

    def empty_record(self):
        return {"version": FORMAT_VERSION, "name": self.name, "rotation_id": None, "status": None,
                "started_at": None, "updated_at": None, "finished_at": None, "runs": 0, "steps": [],
                "targets": {}, "request_ids": [], "error": None, "details": {}, "lock": None,
                "history": [], "events": []}

    def read(self):
        """``(record or None, lock or None, lock_state)``; lock_state: free, live, stale."""
        if not os.path.isdir(self.state_dir):
            return None, None, "free"
        with self.guard():
            record = self._load_json(self.record_path, "state record")
            lock = self.read_lock()
        if lock is None:
            state = "free"
        else:
            state = "live" if self.lock_is_live(lock) else "stale"
        return record, lock, state

    def record(self, rotation_id=None, step=None, status=None, targets=None, request_ids=None, error=None,
               clear_error=False, details=None, new_run=False, check_mode=False, fields=None):
        """Merge into the record and write it atomically. Returns ``(changed, record)``."""
        # check mode creates nothing, not even the directory
        guard = _nothing() if check_mode and not os.path.isdir(self.state_dir) else self.guard()
        with guard:
            before = self._load_record()
            record = copy.deepcopy(before)
            now = utc_now()
            if rotation_id and record.get("rotation_id") != rotation_id:
                if record.get("rotation_id"):
                    record.setdefault("history", []).append(dict(
                        (k, record.get(k)) for k in ("rotation_id", "status", "started_at", "finished_at", "error")))
                    record["history"] = record["history"][-HISTORY_LIMIT:]
                fresh = self.empty_record()
                for keep in ("history", "events", "lock"):
                    fresh[keep] = record.get(keep) or fresh[keep]
                for keep in KEPT_FIELDS:  # the fleet's marks outlive a rotation (see _schedule)
                    if keep in record:
                        fresh[keep] = record[keep]
                record = fresh
                record["rotation_id"] = rotation_id
                record["status"] = "in_progress"
                record["started_at"] = iso(now)
            if new_run:
                record["runs"] = int(record.get("runs") or 0) + 1
                if record.get("status") in FINAL_STATUSES and status is None:
                    record["status"] = "in_progress"
                    record["finished_at"] = None
            if step:
                record.setdefault("steps", []).append({"step": step, "at": iso(now), "run": record.get("runs") or 0})
            if status:
                if status not in STATUSES:
                    raise StateError("unknown rotation status %r (known: %s)" % (status, ", ".join(STATUSES)))
                record["status"] = status
                record["finished_at"] = iso(now) if status in FINAL_STATUSES else None
            for item in targets or []:
                self._merge_target(record, item, now)
            for request_id in request_ids or []:
                if request_id and request_id not in record.setdefault("request_ids", []):
                    record["request_ids"].append(request_id)
            if clear_error:
                record["error"] = None
            if error:
                record["error"] = error
            if details:
                record.setdefault("details", {}).update(details)
            for key, value in (fields or {}).items():
                if key not in KEPT_FIELDS:
                    raise StateError("%s is not a field the record keeps (known: %s)" % (key, ", ".join(KEPT_FIELDS)))
                record[key] = value
            if record == before:
                return False, record
            record["updated_at"] = iso(now)
            if not check_mode:
                self._write_atomic(self.record_path, record)
            return True, record

    @staticmethod
    def _merge_target(record, item, now):
        key = item.get("key")
        action = item.get("action")
        if not key or not action:
            raise StateError("every target needs a key and an action")
        entry = record.setdefault("targets", {}).setdefault(key, {"target": item.get("target") or key,
                                                                  "kind": item.get("kind"), "actions": {}})
        if item.get("target"):
            entry["target"] = item["target"]
        if item.get("kind"):
            entry["kind"] = item["kind"]
        new = dict((k, item.get(k)) for k in TARGET_FIELDS if k not in ("target", "kind") and item.get(k) is not None)
        new["at"] = iso(now)
        new["run"] = record.get("runs") or 0
        old = entry["actions"].get(action)
        # A resumed run that finds the work done reports "unchanged": keep the run that did it.
        if old and old.get("outcome") == "updated" and new.get("outcome") == "unchanged":
            old["confirmed_at"] = new["at"]
            old["confirmed_run"] = new["run"]
            return
        entry["actions"][action] = new
        if new.get("request_id") and new["request_id"] not in record.setdefault("request_ids", []):
            record["request_ids"].append(new["request_id"])


def run_action(params, check_mode=False):
    """The ``rotation_state`` module: ``action`` ``read``, ``lock``, ``unlock`` or ``record`` on one credential.

    ``params`` are the module's options. Returns the module's result with a ``warnings`` list (a
    stale lock taken over, a lock left to another process); raises :class:`StateError`
    (:class:`LockedError` when a live process holds the lock).
    """
    p = params
    store = StateStore(p["state_dir"], p["name"])
    warnings = []
    if p["action"] == "read":
        record, lock, lock_state = store.read()
        return dict(changed=False, record=record, lock=lock, lock_state=lock_state, warnings=warnings)
    if p["action"] == "lock":
        changed, lock, stale = store.lock(p["rotation_id"], p["owner"], check_mode=check_mode)
        record = store.read()[0]
        result = dict(changed=changed, lock=lock, record=record, resumed_from_stale_lock=stale is not None,
                      warnings=warnings)
        if stale is not None:
            result["stale_lock"] = stale
            warnings.append("took over the stale lock of rotation %s of %s (pid %s, since %s): its process is gone"
                            % (stale.get("rotation_id"), p["name"], stale.get("pid"), stale.get("since")))
        return result
    if p["action"] == "unlock":
        changed, lock = store.unlock(p["rotation_id"], p["owner"], force=p["force"], check_mode=check_mode)
        if lock is not None and not changed:
            warnings.append("the lock of %s is held by another process (%s); left in place"
                            % (p["name"], store.describe_holder(lock)))
        record, remaining = store.read()[:2]
        return dict(changed=changed, lock=remaining, record=record, warnings=warnings)
    if p["action"] == "resume":
        return _resume(store, p, check_mode)
    changed, record = store.record(
        rotation_id=p["rotation_id"], step=p["step"], status=p["status"], targets=p["targets"],
        request_ids=p["request_ids"], error=p["error"], clear_error=p["clear_error"], details=p["details"],
        new_run=p["new_run"], check_mode=check_mode)
    return dict(changed=changed, record=record, lock=record.get("lock"), warnings=warnings)


def _resume(store, p, check_mode):
    """``action: resume``: lift a credential's suspension (docs/fleet.md); unchanged when it is not suspended."""
    # imported here: _schedule imports nothing from this module, but keep the state module light to load
    from ansible_collections.credrotate.cloud.plugins.module_utils import _schedule

    record = store.read()[0]
    if not record:
        return dict(changed=False, record=record, lock=None, warnings=["%s has no record: nothing to resume" % p["name"]])
    now = utc_now()
    held = _schedule.suspension(record, _schedule.DEFAULT_SUSPEND_AFTER if p.get("suspend_after") is None
                                else p["suspend_after"], now)
    if held is None and not record.get("suspended") and not _schedule.consecutive_failures(record)[0]:
        return dict(changed=False, record=record, lock=record.get("lock"), warnings=[])
    fields = _schedule.resume_fields(now, by=p.get("owner"))
    changed, record = store.record(fields=fields, check_mode=check_mode)
    if changed and not check_mode:
        with store.guard():
            current = store._load_record()
            current.setdefault("events", []).append({"at": iso(now), "event": "resumed", "suspended": held})
            current["events"] = current["events"][-HISTORY_LIMIT:]
            store._write_atomic(store.record_path, current)
            record = current
    return dict(changed=changed, record=record, lock=record.get("lock"), warnings=[])
