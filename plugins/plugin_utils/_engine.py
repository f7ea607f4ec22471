# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the rotation engine: the eight steps of one credential, in process, on the services.

``Engine(settings, services, say).run(check_mode)`` rotates one credential: validate, preflight
(with discovery), pending, set, propagate, verify, promote or roll back, report. Each step is a
method; a step that fails raises :class:`StepFailed`, which :meth:`Engine.run` turns into a
rollback (steps set to promote) and a report. The resume decision is :func:`_resume.decide`; the
owner's type selects its class in :mod:`_owners`; the lock and the record are
:class:`_state.StateStore`; the passwords are in a store of :mod:`_stores` (the secret file, a CSMS or a
KMS secret). With ``mode: propagate`` the owner is left alone: the store's current password is
propagated to the dependants (preflight, propagate, verify, report).

``say(line)`` prints one line per step as it happens. The result holds the step log, the record
and the summary, never a password.
"""

import datetime
import os
import time

from ansible_collections.credrotate.cloud.plugins.lookup.password import generate
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils import _schedule
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as policy_violations
from ansible_collections.credrotate.cloud.plugins.module_utils._resume import decide
from ansible_collections.credrotate.cloud.plugins.module_utils._state import (
    LockedError,
    StateError,
    StateStore,
    iso,
    utc_now,
)
from ansible_collections.credrotate.cloud.plugins.plugin_utils import _discovery
from ansible_collections.credrotate.cloud.plugins.plugin_utils._listing import ListingCache
from ansible_collections.credrotate.cloud.plugins.plugin_utils._owners import owner_for
from ansible_collections.credrotate.cloud.plugins.plugin_utils._report import (
    change_entries,
    entry,
    health_entries,
    plan_lines,
    summary_lines,
)
from ansible_collections.credrotate.cloud.plugins.plugin_utils._stores import StoreError, open_store

GOOD = ("verified", "skipped", "healthy")
POLICY_CODES = ("DBS.280203", "DCS.4019")
MINIMUMS = {"lower": 2, "upper": 2, "digits": 2, "specials": 2}
INTERRUPT_STEPS = ("validate", "preflight", "pending", "set", "propagate", "verify", "promote_secret", "promote")


class StepFailed(Exception):
    """A step failed; ``str()`` is the message for the user (no secret)."""


class Interrupted(Exception):
    """The test hook ``fail_after_step`` stopped the run as if the controller had died."""


def generated_id():
    return "%s-%06x" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                        int.from_bytes(os.urandom(3), "big"))


class Engine:
    """One rotation of one credential. ``settings``: the action's options (see plugins/modules/rotate.py)."""

    def __init__(self, settings, services, say=None, host=None, clock=time.monotonic, sleep=time.sleep):
        self.s = settings
        self.services = services
        self.say = say or (lambda line: None)
        self.host = host or settings["credential"]["name"]
        self.clock, self.sleep = clock, sleep
        credential = settings["credential"]
        self.name = credential["name"]
        self.owner = owner_for(credential["owner"], settings)
        self.drs, self.dts = [], []
        for dependant in credential.get("dependants") or ():
            if dependant["type"] == "drs":
                self.drs.append({"id": dependant["job_id"], "endpoint": dependant["endpoint"]})
            else:
                job = {"id": dependant["job_id"], "endpoint": dependant["endpoint"],
                       "direction": dependant.get("direction") or "forward"}
                user = dependant.get("user") or self.owner.user
                if user:
                    job["user"] = user
                self.dts.append(job)
        self.ignore = _discovery.ignore_reasons(settings.get("discover_ignore"))
        self.watched = {"drs": [], "dts": []}  # ignored jobs that use the account: read in verify, never written
        self.healed = set()  # (action, kind, job id) retried once in this run
        self.policies = [self.owner.policy] + (["drs"] if self.drs else []) + (["dts"] if self.dts else [])
        state_dir = settings["state_dir"]
        self.store = StateStore(state_dir, self.name)
        self.secret_store = None  # opened by resume(): a cloud store needs the services
        self.ledger = os.path.join(state_dir, self.name + ".ledger")
        # a fleet run (a play of several credentials) lists each region's jobs once for all of them
        run = settings.get("fleet_run")
        self.listing_cache = ListingCache(state_dir, run) if run and not settings.get("check_mode") else None
        self.steps, self.plan, self.changed = [], [], False
        self.rotation_id, self.mode, self.decision = None, None, {}
        self.locked, self.pending_written, self.failed_step = False, False, None
        self.secrets, self.record = {}, {}
        self.step, self._started = "validate", clock()

    # -- small helpers --

    def log(self, outcome, detail=""):
        """One line of the step log: the step, what happened, the seconds it took."""
        seconds = round(self.clock() - self._started, 1)
        self.steps.append({"step": self.step, "outcome": outcome, "detail": detail, "seconds": seconds})
        self.say("%s: %-9s %s%s (%.1f s)" % (self.name, self.step, outcome, " - " + detail if detail else "", seconds))

    def begin(self, step):
        self.step, self._started = step, self.clock()

    def hook(self, step):
        if self.s.get("fail_after_step") == step:
            raise Interrupted("Interrupted after the %s step of rotation %s of %s (rotation_fail_after_step=%s, a "
                              "test hook): no rollback, no report, lock left behind."
                              % (step.split("_")[0], self.rotation_id, self.name, step))

    def note(self, **fields):
        """Record into the state record (never in check mode)."""
        if not self.s["check_mode"]:
            self.record = self.store.record(rotation_id=fields.pop("rotation_id", self.rotation_id), **fields)[1]

    def ids(self, *results):
        out = []
        for result in results:
            out.extend(result.get("request_ids") or ())
            if result.get("request_id"):
                out.append(result["request_id"])
        return out

    def call(self, name, args, check=False, preflight_done=False):
        extra = {"preflight_done": True} if preflight_done else {}
        result = self.services.call(name, args, check_mode=check, **extra)
        if result.get("changed") and not check:
            self.changed = True
        return result

    def _jobs_args(self, jobs, password, kind):
        args = {"jobs": jobs, "password": password, "ledger": self.ledger}
        if kind == "dts":
            args["concurrency"] = self.s["dts_concurrency"]
        return args

    # -- the run --

    def run(self):
        """Rotate; return the action's result (``failed`` and ``msg`` on failure)."""
        failure = None
        interrupted = False
        try:
            self.validate()
            self.resume()
            if self.mode not in ("done", "skip"):
                self.preflight()
                if self.s["check_mode"]:
                    pass
                elif self.mode == "propagate":
                    self.propagate_only()
                else:
                    self.store_pending()
                    self.change()
        except Interrupted as stop:
            interrupted, failure = True, "%s" % stop
        except (StepFailed, StateError, StoreError) as err:
            failure = "%s" % err
        finally:
            if not interrupted:
                self.report(failure)
            self.services.close()
        return self.result(failure)

    def change(self):
        """Steps 4 to 7: set, propagate, verify, promote; roll back when one fails."""
        try:
            self.set_password()
            self.propagate()
            self.verify("verify", self.pending, self.current)
            self.promote()
        except StepFailed as err:
            self.rollback("%s" % err)

    # -- step 1: validate and decide --

    def validate(self):
        supplied = self.s.get("new_password")
        if supplied and self.s.get("current_password") and "%s" % supplied == "%s" % self.s["current_password"]:
            raise StepFailed("rotation_new_password for %s is the current password: there is nothing to rotate. "
                             "Nothing was changed." % self.name)
        if supplied:
            found = policy_violations("%s" % supplied, self.policies, old_password=self.s.get("current_password") or None)
            if found:
                raise StepFailed("rotation_new_password for %s breaks the password policy of its targets: %s. Nothing "
                                 "was changed." % (self.name, "; ".join(found)))

    def resume(self):
        check = self.s["check_mode"]
        try:
            _changed, _lock, stale = self.store.lock(self.s.get("rotation_id") or None, self.host, check_mode=check)
        except LockedError as err:
            raise StepFailed("%s" % err)
        self.locked = not check
        record, _lock, _state = self.store.read()
        self.record = record or {}
        self.secret_store = open_store(self.s, self.services, self.name, self.owner_fields())
        self.secrets = self.secret_store.read()
        pending = self.secrets.get("pending") or {}
        if self.s.get("mode") == "propagate":
            return self.resume_propagate(pending, stale)
        if self.s.get("max_age") or self.s.get("window") or self.s.get("suspend_after"):
            schedule = self.scheduled(pending)
            if schedule["action"] != "rotate":
                return self.skip(schedule)
        self.decision = decide(pending.get("rotation_id") or "", self.secrets.get("completed_rotation_id") or "",
                               self.s.get("rotation_id") or "", self.record, generated_id())
        self.mode, self.rotation_id = self.decision["mode"], self.decision["id"]
        stale_id = self.record.get("rotation_id")
        if (self.mode == "new" and stale_id and stale_id != self.rotation_id and not check
                and self.record.get("status") == "in_progress"
                and stale_id == self.secrets.get("completed_rotation_id")):
            # that rotation was promoted just before its run died: say so before another one starts,
            # so that repeating its id later changes nothing
            self.record = self.store.record(rotation_id=stale_id, status="completed")[1]
        if self.mode == "conflict":
            raise StepFailed("Rotation %s of %s is unfinished (its pending password is stored in %s), so rotation %s "
                             "cannot start. Re-run with rotation_id=%s (or without rotation_id) to finish it first."
                             % (self.rotation_id, self.name, self.secret_store.where, self.s.get("rotation_id"),
                                self.rotation_id))
        supplied = self.s.get("new_password")
        self.supplied = bool(supplied) or pending.get("source") == "supplied"
        if self.mode == "resume":
            self.source, self.pending = "pending", pending["password"]
            if supplied and "%s" % supplied != self.pending:
                raise StepFailed("Rotation %s of %s is resuming with the pending password stored in %s, which is not "
                                 "rotation_new_password. Drop rotation_new_password to finish it."
                                 % (self.rotation_id, self.name, self.secret_store.where))
        elif self.mode == "new":
            self.source = "supplied" if supplied else "generated"
            self.pending = "%s" % supplied if supplied else self.generate()
        else:
            self.source, self.pending = "", ""
        self.current = self.secrets.get("current") or self.s.get("current_password") or ""
        self.previous = self.secrets.get("previous") or self.s.get("previous_password") or ""
        self.pending_written = self.mode == "resume"
        if self.mode != "done":
            if not self.current:
                raise StepFailed("The current password of %s is unknown: set rotation_current_password (the secret "
                                 "file %s does not hold one yet). It is needed to roll back%s."
                                 % (self.name, self.secret_store.where,
                                    " and to change a DCS password" if self.owner.type == "dcs_instance" else ""))
            found = policy_violations(self.pending, self.policies, old_password=self.current)
            if found:
                raise StepFailed("The %s password of rotation %s of %s breaks the password policy of its targets: %s. "
                                 "Nothing was changed." % (self.source, self.rotation_id, self.name, "; ".join(found)))
            if not check:
                self.store.lock(self.rotation_id, self.host)
            self.note(new_run=True, step="validate", clear_error=True, details={
                "owner": self.owner.label, "password_source": self.source, "decision": self.decision["why"],
                "resumed_from_stale_lock": stale is not None})
        self.log(self.mode, "%s (rotation %s%s%s)" % (
            self.decision["why"], self.rotation_id, ", password " + self.source if self.source else "",
            ("; a stale lock %s taken over" % ("would be" if check else "was")) if stale else ""))
        if self.mode != "done":
            self.hook("validate")

    def scheduled(self, pending):
        """The fleet's decision (:func:`_schedule.decide`): rotate, or skip (not due, outside the window, suspended)."""
        settings = {"max_age": self.s.get("max_age"), "window": self.s.get("window"), "force": self.s.get("force"),
                    "suspend_after": self.s.get("suspend_after"), "pending_id": pending.get("rotation_id")}
        try:
            return _schedule.decide(self.record, settings, utc_now(), completed_at=self.secrets.get("completed_at"))
        except _schedule.ScheduleError as err:
            raise StepFailed("%s" % err)

    def skip(self, schedule):
        """Nothing is written: the record, the store and every target stay as they are."""
        self.mode, self.rotation_id = "skip", self.record.get("rotation_id")
        self.skipped = SKIPS[schedule["action"]]
        self.schedule = schedule
        self.decision = {"mode": "skip", "id": self.rotation_id, "why": schedule["why"]}
        self.log("skipped", schedule["why"])

    def owner_fields(self):
        """What a JSON store value says besides the password: the owner's user, host and port."""
        owner = self.s["credential"]["owner"]
        return {"username": self.owner.user if self.owner.type != "dcs_instance" else None,
                "host": owner.get("probe_host"), "port": owner.get("probe_port")}

    def resume_propagate(self, pending, stale):
        """``mode: propagate``: the store's current password, to every dependant; the owner is only probed."""
        check = self.s["check_mode"]
        if pending:
            raise StepFailed("Rotation %s of %s is unfinished (its pending password is in %s): finish it (re-run "
                             "without rotation_mode=propagate) before propagating. Nothing was changed."
                             % (pending.get("rotation_id"), self.name, self.secret_store.where))
        self.current = self.secrets.get("current") or ""
        if not self.current:
            raise StepFailed("%s holds no current password of %s: there is nothing to propagate. Nothing was changed."
                             % (self.secret_store.where, self.name))
        requested = self.s.get("rotation_id") or ""
        done = requested and requested in set(
            [e.get("rotation_id") for e in self.record.get("history") or () if e.get("status") == "completed"]
            + ([self.record.get("rotation_id")] if self.record.get("status") == "completed" else []))
        self.mode = "done" if done else "propagate"
        self.rotation_id = requested or generated_id()
        why = ("propagation %s has completed" % requested if done
               else "propagating the current password of %s" % self.secret_store.where)
        self.decision = {"mode": self.mode, "id": self.rotation_id, "why": why}
        self.pending, self.previous, self.source, self.supplied = self.current, "", "store", True
        self.pending_written = True
        if not done:
            if not check:
                self.store.lock(self.rotation_id, self.host)
            self.note(new_run=True, step="validate", clear_error=True, details={
                "owner": self.owner.label, "mode": "propagate", "password_source": "store",
                "store": self.secret_store.where, "decision": why, "resumed_from_stale_lock": stale is not None})
        self.log(self.mode, "%s (run %s)" % (why, self.rotation_id))
        if not done:
            self.hook("validate")

    def propagate_only(self):
        """Steps of ``mode: propagate`` after the preflight: propagate, verify, done (no rollback)."""
        try:
            if self.working_password != self.pending:
                raise StepFailed("%s does not use the current password of %s (it uses the %s one): propagating it would "
                                 "break the dependants. Nothing was changed."
                                 % (self.owner.label, self.secret_store.where, self.working or "unknown"))
            self.propagate()
            self.verify("verify", self.pending, self.current)
        except StepFailed as err:
            self.failed_step = self.step
            self.note(status="failed", error={"step": self.step, "msg": "%s" % err})
            raise
        self.begin("promote")
        self.note(step="promote", status="completed", clear_error=True)
        self.log("completed", "every dependant uses the current password of %s" % self.secret_store.where)

    def generate(self):
        try:
            return generate(self.policies, self.s["password_length"], MINIMUMS)
        except ValueError as exc:
            raise StepFailed("Cannot generate a password for %s: %s" % (self.name, exc))

    # -- step 2: preflight --

    def candidates(self):
        """``[(label, password)]`` in probe order: pending, current, then the other known ones."""
        given_current = "%s" % (self.s.get("current_password") or "")
        given_previous = "%s" % (self.s.get("previous_password") or "")
        out = [("pending", self.pending), ("current", self.current)]
        if given_current and given_current not in (self.pending, self.current):
            out.append(("current (rotation_current_password)", given_current))
        if self.previous and self.previous not in (self.pending, self.current):
            out.append(("previous", self.previous))
        if given_previous and given_previous not in (self.pending, self.current, self.previous, given_current):
            out.append(("previous (rotation_previous_password)", given_previous))
        return out

    def preflight(self):
        self.begin("preflight")
        self.check_store()
        probe = self.s["probe"]
        candidates = self.candidates()
        working = -1
        indexes = range(self.owner.first_candidate, len(candidates)) if probe != "never" else [1]
        for index in indexes:
            label, password = candidates[index]
            outcome = self.owner.call(self.services, self.owner.probe_password(self.pending, password), password,
                                      check=True, probe=probe)
            if outcome["failed"] and outcome["code"] != "OldPasswordRejected" and (
                    outcome["code"] != "PasswordPolicy" or index == 0):
                raise StepFailed("Preflight of %s failed, nothing was changed: %s" % (self.name, outcome["msg"]))
            working = self.owner.found(outcome, index)
            if working >= 0:
                break
        if working < 0 and not (self.s["reconcile"] and self.owner.type != "dcs_instance"):
            raise StepFailed(
                "Reconcile required: neither the pending, the current nor the previous password of %s logs in to %s "
                "(%s tried with a login probe; no lockout attempt was spent). Find the password it uses and re-run "
                "with rotation_current_password%s. Nothing was changed."
                % (self.name, self.owner.label, ", ".join(label for label, _p in candidates),
                   ", or set rotation_reconcile=true to overwrite it" if self.owner.type != "dcs_instance" else ""))
        self.working = candidates[working][0] if working >= 0 else ""
        self.working_password = candidates[working][1] if working >= 0 else None
        self.restore, self.restore_label = (candidates[working][1], candidates[working][0]) if working > 0 else (
            self.current, "current")
        problems, drs_plan, dts_plan = [], {}, {}
        if self.drs:
            drs_plan = self.call("drs_job_password", self._jobs_args(self.drs, self.pending, "drs"), check=True)
            if drs_plan.get("failed"):
                problems.append(drs_plan.get("msg") or "DRS failed")
        if self.dts:
            args = dict(self._jobs_args(self.dts, self.pending, "dts"), password_policy=[self.owner.policy])
            dts_plan = self.call("dts_job_password", args, check=True)
            if dts_plan.get("failed"):
                problems.append(dts_plan.get("msg") or "DTS failed")
        if problems:
            raise StepFailed("Preflight of %s failed, nothing was changed: %s" % (self.name, " ".join(problems)))
        ignored, searched = self.discover() if self.s["discover_dependants"] else ([], "discovery off")
        owner_ok = self.working == "pending" or (self.mode == "propagate" and self.working_password == self.pending)
        self.plan = ([{"key": "owner", "target": self.owner.label, "kind": self.owner.type,
                       "action": "probe" if self.mode == "propagate" else "set",
                       "outcome": "unchanged" if owner_ok else ("refused" if self.mode == "propagate" else "updated"),
                       "status": "uses the %s password" % (self.working or "unknown")}]
                     + change_entries("drs", "propagate", drs_plan.get("results"))
                     + change_entries("dts", "propagate", dts_plan.get("results")))
        self.note(step="preflight", details={"owner_uses": self.working or "unknown", "discovery": searched},
                  targets=ignored)
        self.plan += ignored
        todo = sum(1 for p in self.plan if p.get("outcome") == "updated")
        self.log("ok", "the owner uses the %s password; %d of %d target(s) to update; %s"
                 % (self.working or "unknown", todo, len(self.plan) - len(ignored), searched))
        self.hook("preflight")

    def check_store(self):
        """Refuse, before any write, to rotate an account that the cloud's own rotation manages."""
        store = self.secret_store
        if store.kind == "file" or self.mode == "propagate":
            return
        advice = ("Two rotators on one account break each other: let the cloud rotate it and run "
                  "rotation_mode=propagate after each of its rotations (docs/secret-stores.md), or turn its rotation off.")
        if store.exists and store.secret_type not in (None, "COMMON", "Generic"):
            raise StepFailed("Preflight of %s failed, nothing was changed: %s is a %s secret that %s rotates itself. %s"
                             % (self.name, store.where, store.secret_type, store.label, advice))
        if store.kind == "csms":
            try:
                names = store.managed_by_cloud(self.owner.instance_id, self.owner.user or None, cache=self.listing_cache,
                                               scope=self.listing_cache and self.services.scope("huaweicloud"))
            except CollectionError as err:
                raise StepFailed("Preflight of %s failed, nothing was changed: cannot list the CSMS secrets to make sure "
                                 "no CSMS rotation manages %s: %s" % (self.name, self.owner.label, err))
            if names:
                raise StepFailed("Preflight of %s failed, nothing was changed: the CSMS rotated secret(s) %s already "
                                 "rotate %s. %s" % (self.name, ", ".join(sorted(names)), self.owner.label, advice))

    def discover(self):
        """Stop unless every job using the account is a dependant or ignored; the ignored ones' entries."""
        configured = getattr(self.services, "configured", lambda cloud: True)("alicloud")
        found = _discovery.discover(self.services, self.owner, self.drs, self.dts, self.s["discover_services"],
                                    self.ignore, dts_configured=configured, cache=self.listing_cache)
        if found["errors"]:
            raise StepFailed("Preflight of %s failed, nothing was changed: discovery could not list the jobs that "
                             "use its account: %s" % (self.name, " ".join(found["errors"])))
        if found["found"]:
            raise StepFailed(
                "Preflight of %s failed, nothing was changed: %d job endpoint(s) use the account of %s but are not "
                "among its dependants, so they would break: %s. Add them to rotation_credential.dependants, or list "
                "their job ids with a reason in rotation_discover_ignore (they are then left alone and watched)."
                % (self.name, len(found["found"]), self.owner.label,
                   "; ".join(_discovery.describe(job) for job in found["found"])))
        entries = []
        for job in found["ignored"]:
            self.watched[job["kind"]].append({"id": job["id"], "endpoint": job["side"], "direction": job["direction"]})
            entries.append(entry(job["kind"], "ignore", job["id"], job["side"], job["direction"], outcome="ignored",
                                 status=job["reason"] or "no reason given", error_msg=job["how"]))
        searched = "discovery: %s" % ", ".join(
            ["%d %s job(s) read" % (n, kind.upper()) for kind, n in sorted(found["listed"].items())]
            + (["%d ignored job endpoint(s) watched" % len(entries)] if entries else []) + found["skipped"])
        return entries, searched

    # -- step 3: pending --

    def write_secrets(self, operation, *args):
        self.secrets = getattr(self.secret_store, operation)(*args)
        self.changed = True

    def pending_entry(self):
        """The secret file's ``pending`` entry of this run's password."""
        return {"rotation_id": self.rotation_id, "password": self.pending, "source": self.source,
                "created_at": iso(utc_now())}

    def store_pending(self):
        self.begin("pending")
        if not self.pending_written:
            self.write_secrets("put_pending", self.name, self.current, self.previous, self.pending_entry())
            self.pending_written = True
            self.log("stored", "the pending password is in %s" % self.secret_store.where)
        else:
            self.log("kept", "the pending password was already stored")
        self.note(step="pending")
        self.hook("pending")

    # -- step 4: set --

    def owner_entry(self, action, outcome):
        return {"key": "owner", "target": self.owner.label, "kind": self.owner.type, "action": action,
                "outcome": outcome["outcome"], "status": outcome["status"] or None,
                "request_id": outcome["request_id"] or None, "error_code": outcome["code"] or None,
                "error_msg": outcome["msg"] or None}

    def _set(self):
        outcome = self.owner.call(self.services, self.pending, self.restore, check=False, probe=self.s["probe"])
        self.changed = self.changed or outcome["changed"]
        return outcome

    @staticmethod
    def _policy_rejected(outcome):
        return outcome["failed"] and (outcome["kind"] == "policy" or outcome["code"] in POLICY_CODES)

    def set_password(self):
        self.begin("set")
        rejections = []
        outcome = self._set()
        if self._policy_rejected(outcome):
            rejections.append(outcome["code"])
            outcome = self._set()
            if self._policy_rejected(outcome):
                rejections.append(outcome["code"])
            if self._policy_rejected(outcome) and not self.supplied:
                self.pending, self.source = self.generate(), "regenerated"
                self.write_secrets("put_pending", self.name, self.current, self.previous, self.pending_entry())
                self.note(details={"password_source": "regenerated", "policy_rejections": rejections})
                outcome = self._set()
        clean = [dict((k, v) for k, v in self.owner_entry("set", outcome).items() if v is not None)]
        self.note(step=None if outcome["failed"] else "set", targets=clean)
        if outcome["failed"]:
            self.log("failed", outcome["msg"])
            raise StepFailed("Setting the pending password on %s failed: %s%s" % (
                self.owner.label, outcome["msg"],
                " (after %d policy rejection(s): %s)" % (len(rejections), ", ".join(rejections)) if rejections else ""))
        self.log(outcome["outcome"], self.owner.label)
        self.hook("set")

    # -- step 5: propagate --

    def _propagate(self, password, action):
        results, problems, ids = [], [], []
        if self.drs:
            # (the preflight step read every job of this run moments ago: the services do not read them again)
            drs = self.call("drs_job_password", self._jobs_args(self.drs, password, "drs"), preflight_done=True)
            results += change_entries("drs", action, drs.get("results"))
            ids += self.ids(drs)
            if drs.get("failed"):
                problems.append(("DRS", drs.get("msg") or "DRS failed"))
        if self.dts:
            args = self._jobs_args(self.dts, password, "dts")
            if action == "propagate":
                args["password_policy"] = [self.owner.policy]
            dts = self.call("dts_job_password", args, preflight_done=True)
            results += change_entries("dts", action, dts.get("results"))
            ids += self.ids(dts)
            if dts.get("failed"):
                problems.append(("DTS", dts.get("msg") or "DTS failed"))
        return results, problems, ids

    def propagate(self):
        self.begin("propagate")
        results, problems, ids = self._propagate(self.pending, "propagate")
        self.note(step=None if problems else "propagate", targets=results, request_ids=ids)
        counts = _count(results)
        if problems:
            self.log("failed", counts)
            raise StepFailed("Propagating the pending password of %s failed: %s"
                             % (self.name, " ".join(msg for _kind, msg in problems)))
        if results:  # (a credential without dependants has nothing to say here)
            self.log("ok", counts)
        self.hook("propagate")

    # -- step 6: verify --

    def verify(self, action, password, other):
        if action == "verify":
            self.begin("verify")
        if self.s["probe"] == "never":
            owner = {"key": "owner", "target": self.owner.label, "kind": self.owner.type, "action": action,
                     "outcome": "skipped", "error_msg": "rotation_probe=never: no login probe"}
        else:
            outcome = self.owner.call(self.services, password, other, check=True, probe="always")
            ok = not outcome["failed"] and outcome["outcome"] == "unchanged"
            owner = {"key": "owner", "target": self.owner.label, "kind": self.owner.type, "action": action,
                     "outcome": "verified" if ok else "unverified"}
            if not ok:
                owner["error_msg"] = outcome["msg"] if outcome["failed"] else "a login with the expected password is refused"
        entries, watch, heals, errors, ids = self.wait_healthy(action)
        targets = [owner] + entries
        bad = [t for t in targets if t["outcome"] not in GOOD]
        self.note(step=None if bad or errors else action, targets=targets + watch + heals, request_ids=ids)
        extra = "; %d healed by a retry" % sum(1 for h in heals if h["outcome"] == "retried") if heals else ""
        sick = [w["target"] for w in watch if w["outcome"] != "healthy"]
        if sick:
            extra += "; ignored job endpoint(s) NOT healthy (not dependants, left alone): %s" % ", ".join(sick)
        if bad or errors:
            text = "; ".join("%s is %s%s%s" % (t["target"], t["outcome"], " (%s)" % t["status"] if t.get("status")
                                               else "", ": " + t["error_msg"] if t.get("error_msg") else "")
                             for t in bad)
            text += "".join(" %s" % e for e in errors)
            if action == "verify":
                self.log("failed", "%d of %d target(s) not working%s" % (len(bad), len(targets), extra))
                raise StepFailed("Verification of %s failed: %s (waited up to %s s)"
                                 % (self.name, text, self.s["verify_timeout"]))
            raise StepFailed("Verification of the rollback of %s failed: %s" % (self.name, text))
        if action == "verify":
            self.log("ok", "the owner and %d dependant(s) work with the new password%s" % (len(entries), extra))
            self.hook("verify")

    def wait_healthy(self, action):
        """Health of every dependant, polling until all are healthy or the verify timeout passes.

        Returns ``(entries, watch, heals, errors, request_ids)``: ``watch`` has the ignored jobs that use
        the account (read, reported, never failing the step); ``heals`` the retries of dependants that
        failed on authentication (each job once per step: by now its password is right).
        """
        deadline = self.clock() + max(self.s["verify_timeout"], 0)
        heals, ids = [], []
        while True:
            entries, watch, errors, failed = [], [], [], {"drs": [], "dts": []}
            for kind, service in (("drs", "drs_job_info"), ("dts", "dts_job_info")):
                dependants, watched = getattr(self, kind), self.watched[kind]
                if not dependants and not watched:
                    continue
                args = {"jobs": sorted(set(d["id"] for d in dependants + watched))}
                if kind == "dts":
                    args["concurrency"] = self.s["dts_concurrency"]
                result = self.call(service, args)
                ids += self.ids(result)
                if result.get("failed") and "jobs" not in result:
                    errors.append("%s: %s" % (kind.upper(), result.get("msg") or "failed"))
                found = health_entries(kind, action, result.get("jobs") or [], dependants)
                watch += health_entries(kind, "watch", result.get("jobs") or [], watched)
                entries += found
                failed[kind] = sorted(set((d["id"], d.get("direction") or "forward") for d, e in zip(dependants, found)
                                          if _auth_failure(e) and (action, kind, d["id"]) not in self.healed))
            if any(failed.values()):
                heals += self.heal(action, failed, ids)
                continue  # read again at once: a retried job reports its new state
            if all(e["outcome"] == "healthy" for e in entries) and not errors:
                return entries, watch, heals, errors, ids
            if self.clock() + self.s["verify_interval"] > deadline:
                return entries, watch, heals, errors, ids
            self.sleep(self.s["verify_interval"])

    def heal(self, action, failed, ids):
        """Retry the failed tasks of ``failed`` (``{kind: [job id]}``) once; their ``heal`` entries."""
        out = []
        for kind, service in (("drs", "drs_job_retry"), ("dts", "dts_job_start")):
            if not failed[kind]:
                continue
            self.healed.update((action, kind, job_id) for job_id, _direction in failed[kind])
            if kind == "drs":  # one batch-retry-task per 100 jobs; DTS: one StartDtsJob per job direction
                args = {"jobs": [job_id for job_id, _direction in failed[kind]]}
            else:
                args = {"jobs": [{"id": job_id, "direction": d} for job_id, d in failed[kind]],
                        "concurrency": self.s["dts_concurrency"]}
            result = self.call(service, args)
            ids += self.ids(result)
            by_id = dict(((r.get("id"), r.get("direction") or "forward"), r) for r in result.get("results") or ())
            error = result.get("error") or {}
            for dependant in getattr(self, kind):
                key = (dependant["id"], dependant.get("direction") or "forward")
                if key in failed[kind]:
                    item = by_id.get(key) or {"error_code": error.get("code") or "Failed"}
                    out.append(entry(kind, "heal" if action == "verify" else "rollback_heal", dependant["id"],
                                     dependant["endpoint"], dependant.get("direction") if kind == "dts" else None,
                                     outcome=item.get("outcome") or "failed", request_id=item.get("request_id"),
                                     error_code=item.get("error_code"),
                                     error_msg=item.get("error_msg") or (result.get("msg") if result.get("failed")
                                                                         else None)))
        self.say("%s: %-9s %s" % (self.name, self.step, "retried %d job(s) that failed on authentication: %s" % (
            len(out), ", ".join(sorted(set(e["target"] for e in out))))))
        return out

    # -- step 7: promote, or roll back --

    def promote(self):
        self.begin("promote")
        self.write_secrets("promote", self.name, self.rotation_id, self.pending, self.restore)
        self.hook("promote_secret")
        self.note(step="promote", status="completed", clear_error=True)
        self.log("completed", "the new password is current; the old one is kept as previous")
        self.hook("promote")

    def rollback(self, message):
        failed_step = self.step
        self.failed_step = failed_step
        rollback = self.s["rollback"]
        self.note(status=None if rollback else "failed", error={"step": failed_step, "msg": message})
        if not rollback:
            raise StepFailed("Rotation %s of %s failed at the %s step: %s Not rolled back (rotation_rollback=false): "
                             "re-run to resume it with the same pending password."
                             % (self.rotation_id, self.name, failed_step, message))
        self.begin("rollback")
        try:
            outcome = self.owner.call(self.services, self.restore, self.pending, check=False, probe=self.s["probe"])
            self.changed = self.changed or outcome["changed"]
            results, problems, ids = self._propagate(self.restore, "rollback")
            owner = dict((k, v) for k, v in self.owner_entry("rollback", outcome).items() if v is not None)
            self.note(targets=[owner] + results, request_ids=ids)
            errors = (["the owner: " + outcome["msg"]] if outcome["failed"] else []) + [
                "%s: %s" % (kind, msg) for kind, msg in problems]
            if errors:
                raise StepFailed(" ".join(errors))
            self.verify("rollback_verify", self.restore, self.pending)
        except StepFailed as err:
            self.note(status="failed", error={"step": failed_step, "msg": message, "rollback": "%s" % err})
            self.log("failed", "%s" % err)
            raise StepFailed(
                "Rotation %s of %s failed at the %s step (%s) and the rollback failed too (%s). Reconcile required: the "
                "current, pending and previous passwords are in %s; re-running the same rotation resumes it with the "
                "pending password." % (self.rotation_id, self.name, failed_step, message, err, self.secret_store.where))
        self.note(step="rollback", status="rolled_back")
        if self.secret_store.kind != "file":  # the file keeps it; its record says it was rolled back
            try:
                self.write_secrets("drop_pending", self.rotation_id)
            except StoreError as err:  # the next run would resume it: safe, and said here
                self.log("kept", "the rolled-back pending password stays in %s: %s" % (self.secret_store.where, err))
        self.log("rolled back", "every target uses the %s password again (verified)" % self.restore_label)
        count = len(self.drs) + len(self.dts)
        raise StepFailed("Rotation %s of %s failed at the %s step: %s Rolled back: %s%s use the %s password again "
                         "(verified)." % (self.rotation_id, self.name, failed_step, message, self.owner.label,
                                          " and %d dependant job endpoint(s)" % count if count else "",
                                          self.restore_label))

    # -- step 8: report --

    def report(self, failure):
        failing_step = self.step
        self.begin("report")
        check = self.s["check_mode"]
        try:
            if self.locked and self.mode is not None:
                status = None
                if (self.mode == "done" and self.record.get("status") == "in_progress"
                        and self.record.get("rotation_id") == self.rotation_id):
                    status = "completed"
                elif failure and ((self.mode == "new" and not self.pending_written) or self.mode == "propagate"):
                    status = "failed"
                error = {"step": failing_step, "msg": failure} if failure and not self.failed_step else None
                quiet = self.mode in ("done", "skip")
                self.record = self.store.record(rotation_id=None if quiet else self.rotation_id,
                                                step=None if quiet else "report", status=status, error=error)[1]
                self.suspend_if_due()
        finally:
            if self.locked or check:
                self.store.unlock(self.rotation_id, self.host, check_mode=check)
            if self.locked and self.record:
                self.record = self.store.read()[0] or self.record

    def suspend_if_due(self):
        """After a failed or rolled-back rotation: suspend the credential when it has failed too often in a row."""
        if self.mode == "skip" or self.record.get("status") not in ("failed", "rolled_back"):
            return
        try:
            fields = _schedule.suspend_fields(self.record, self.s.get("suspend_after") or 0, utc_now())
        except _schedule.ScheduleError:
            return
        if fields:
            self.record = self.store.record(fields=fields)[1]
            held = fields["suspended"]
            self.say("%s: %-9s suspended after %d failures: later runs skip it until it is resumed (%s)"
                     % (self.name, "report", held["failures"], _schedule.RESUME_HINT))

    def result(self, failure):
        if self.mode == "skip":
            return self.skip_result(failure)
        note = "nothing to do: " + self.decision.get("why", "") if self.mode == "done" else ""
        out = {"changed": self.changed, "rotation_id": self.rotation_id, "mode": self.mode,
               "decision": self.decision.get("why"), "steps": self.steps}
        if self.s["check_mode"] and self.plan:
            out["plan"] = plan_lines(self.plan, self.rotation_id, self.name, self.decision.get("why", ""))
            out["changed"] = any(p.get("outcome") == "updated" for p in self.plan)
        elif self.locked and self.mode is not None and self.record:
            out["record"] = self.record
            out["summary"] = summary_lines(self.record, self.name, note)
            if self.mode == "done":  # not the table of an earlier run's updates
                out["summary"] = out["summary"][:1] + ["nothing was changed; the record keeps what rotation %s did"
                                                       % self.rotation_id]
        if failure:
            out.update(failed=True, msg=failure)
        return out

    def skip_result(self, failure):
        why = self.decision["why"]
        out = {"changed": False, "rotation_id": self.rotation_id, "mode": "skip", "decision": why, "steps": self.steps,
               "skipped": self.skipped, "summary": ["%s: SKIPPED (%s) - %s" % (self.name, self.skipped, why)]}
        for key in ("age", "due_at", "next_opening"):
            if self.schedule.get(key) is not None:
                out[key] = self.schedule[key]
        if self.skipped == "suspended":
            out["suspended"] = self.schedule.get("suspension")
            failure = failure or "%s is %s; %s." % (self.name, why, _schedule.RESUME_HINT)
        if failure:
            out.update(failed=True, msg=failure)
        return out


SKIPS = {"skip_not_due": "not_due", "skip_window": "window", "skip_suspended": "suspended"}
AUTH_CODES = frozenset(("DRS.KE0002", "DTS-070010", "1045"))
AUTH_WORDS = ("access denied", "password", "authenticat", "login failed")


def _auth_failure(item):
    """True for a job that is unhealthy because its stored credentials were refused."""
    if item.get("outcome") != "unhealthy":
        return False
    text = ("%s %s" % (item.get("error_code") or "", item.get("error_msg") or "")).lower()
    return (item.get("error_code") or "") in AUTH_CODES or any(word in text for word in AUTH_WORDS)


def _count(entries):
    counts = {}
    for item in entries:
        counts[item.get("outcome") or "?"] = counts.get(item.get("outcome") or "?", 0) + 1
    return ", ".join("%d %s" % (n, outcome) for outcome, n in sorted(counts.items()))
