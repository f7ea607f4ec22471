# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side state of a rotation: the lock and the JSON record (never a password).

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
processes on one machine never interleave. Nothing here accepts or stores a password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import datetime
import errno
import fcntl
import json
import os
import re
import socket
import tempfile

FORMAT_VERSION = 1
HISTORY_LIMIT = 20
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
FINAL_STATUSES = ("completed", "rolled_back", "failed")
STATUSES = ("in_progress",) + FINAL_STATUSES
# Program names (basename of argv[0], or of argv[1] when argv[0] is a Python interpreter) that
# count as "the controlling Ansible process" when walking up from the module's process.
CONTROLLER_PROGRAMS = ("ansible-playbook", "ansible", "ansible-console", "ansible-pull", "ansible-runner")
TARGET_FIELDS = ("target", "kind", "outcome", "status", "request_id", "error_code", "error_msg")


class StateError(Exception):
    """The state files cannot be used; the message names the file and the reason."""


class LockedError(StateError):
    """Another live process holds the lock (``holder`` is its lock content)."""

    def __init__(self, message, holder):
        super(LockedError, self).__init__(message)
        self.holder = holder


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- processes -------------------------------------------------------------------------------


def _read_proc(pid, leaf):
    try:
        with open("/proc/%d/%s" % (pid, leaf), "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def process_start_time(pid):
    """Start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or None."""
    raw = _read_proc(pid, "stat")
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    # The command name (field 2) is in parentheses and may contain spaces or ')'.
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _parent(pid):
    raw = _read_proc(pid, "stat")
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def _program(pid):
    raw = _read_proc(pid, "cmdline")
    if not raw:
        return None
    argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    if not argv:
        return None
    names = [os.path.basename(argv[0])]
    if names[0].startswith("python") and len(argv) > 1:
        names.append(os.path.basename(argv[1]))
    for name in names:
        if name in CONTROLLER_PROGRAMS:
            return name
    return None


def controller_process(start_pid=None):
    """``(pid, start_time, program)`` of the outermost Ansible process above ``start_pid``.

    The module runs in a short-lived worker forked by ``ansible-playbook`` (whose command line
    is the same as its parent's), so the walk goes up past every process that is an Ansible
    program and stops at the first one that is not. Without ``/proc`` or without an Ansible
    ancestor, the direct parent is used (``program`` is then None).
    """
    pid = start_pid or os.getpid()
    found = None
    seen = set()
    current = _parent(pid)
    while current and current > 1 and current not in seen:
        seen.add(current)
        program = _program(current)
        if program:
            found = (current, program)
        elif found:
            break
        current = _parent(current)
    if found:
        return found[0], process_start_time(found[0]), found[1]
    parent = os.getppid()
    return parent, process_start_time(parent), None


def process_alive(pid, start_time):
    """True when ``pid`` runs and (when known) started at ``start_time``; pid reuse counts as gone."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
        # EPERM: it exists (another user's process).
    if start_time is None:
        return True
    current = process_start_time(pid)
    return current is None or current == start_time


# -- files -----------------------------------------------------------------------------------


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
        if not os.path.isdir(self.state_dir):
            try:
                os.makedirs(self.state_dir, 0o700)
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise StateError("cannot create the state directory %s: %s" % (self.state_dir, exc.strerror))

    @contextlib.contextmanager
    def guard(self):
        self.ensure_dir()
        try:
            fd = os.open(self.guard_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError("cannot open %s: %s" % (self.guard_path, exc.strerror))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @staticmethod
    def _load_json(path, what):
        try:
            with open(path, "r") as handle:
                return json.load(handle)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise StateError("cannot read the %s %s: %s" % (what, path, exc.strerror))
        except ValueError:
            raise StateError("the %s %s is not valid JSON" % (what, path))

    def _write_atomic(self, path, document):
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=self.state_dir)
        try:
            with os.fdopen(fd, "w") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(document, handle, indent=1, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except (IOError, OSError) as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise StateError("cannot write %s: %s" % (path, exc.strerror))

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
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.lock_path), dir=self.state_dir)
        try:
            with os.fdopen(fd, "w") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(content, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(tmp, self.lock_path)
            else:
                try:
                    os.link(tmp, self.lock_path)  # atomic and exclusive, like O_EXCL
                except OSError as exc:
                    if exc.errno == errno.EEXIST:
                        raise LockedError(self.describe_holder(self.read_lock() or {}), self.read_lock())
                    raise
                os.unlink(tmp)
        except (IOError, OSError) as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise StateError("cannot write the lock %s: %s" % (self.lock_path, exc.strerror))

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
               clear_error=False, details=None, new_run=False, check_mode=False):
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
                        (k, record.get(k)) for k in ("rotation_id", "status", "started_at", "finished_at")))
                    record["history"] = record["history"][-HISTORY_LIMIT:]
                fresh = self.empty_record()
                for keep in ("history", "events", "lock"):
                    fresh[keep] = record.get(keep) or fresh[keep]
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
