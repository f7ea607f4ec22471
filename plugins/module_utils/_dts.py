# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Alibaba Cloud DTS password service: ``ModifyDtsJobPassword`` of many job endpoints (reference §3).

:func:`run_job_password` is the whole of ``dts_job_password`` (read, decide, write, report) on a
:class:`_dts_api.DtsApi`; ``dts_job_info`` is :mod:`_dts_info`. Both return the module's result
and raise :class:`_errors.TaskFailed`; they never fail a module.

Password changes (one call per job endpoint, as the API allows) run concurrently, at most
``concurrency`` in flight. Before any write every job is read (``DescribeDtsJobDetail``, under
the same bound) and the task fails as a whole, naming each offending job endpoint and its state,
when a job is missing, refuses password changes in its state, has an endpoint whose password
cannot be modified, or uses another account than the one given.

Idempotence: DTS refuses a new password equal to the current one
(``DTS.Msg.InvalidParameter.PasswordSame``): that answer means ``unchanged``. With a ledger,
targets already recorded with this password are not called at all. A write that may have applied
(5xx or lost response) is not resent blindly: the job is read again and one confirming call is
made, whose ``PasswordSame`` answer proves the first call applied.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import (
    ACCEPTS_PASSWORD,
    CONCURRENCY_RANGE,
    ENDPOINT_FIELDS,
    PASSWORD_SAME,
    bounded_map,
    is_missing_direction,
    is_missing_job,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    ConfigError,
    PolicyError,
    PreconditionError,
    TaskFailed,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as policy_check
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import dts_ledger_key


def check_concurrency(params):
    """``params["concurrency"]`` when it is within :data:`CONCURRENCY_RANGE`; otherwise :class:`TaskFailed`."""
    low, high = CONCURRENCY_RANGE
    value = params["concurrency"]
    if not low <= value <= high:
        msg = "concurrency must be between %d and %d (got %d)" % (low, high, value)
        raise TaskFailed.explain(ConfigError("InvalidParameter", msg), msg)
    return value


def direction_label(job_id, direction):
    return "dts job %s%s" % (job_id, " (reverse direction)" if direction == "reverse" else "")


class Target(object):
    """One job endpoint (job id, endpoint, direction) and what is known about it."""

    def __init__(self, item, password):
        self.id = item["id"]
        self.endpoint = item["endpoint"]
        self.direction = item.get("direction") or "forward"
        self.wanted_user = item.get("user")
        self.user = self.wanted_user
        self.password = password
        self.status = None
        self.problem = None
        self.problem_code = None

    @property
    def key(self):
        return (self.id, self.endpoint, self.direction)

    @property
    def label(self):
        text = "dts job %s %s endpoint" % (self.id, self.endpoint)
        return text + (" (reverse direction)" if self.direction == "reverse" else "")

    @property
    def ledger_key(self):
        return dts_ledger_key(self.id, self.direction, self.endpoint, self.user)

    def result(self, outcome, error_code=None, error_msg=None, request_id=None):
        return {"id": self.id, "endpoint": self.endpoint, "direction": self.direction, "user": self.user,
                "outcome": outcome, "status": self.status, "error_code": error_code, "error_msg": error_msg,
                "request_id": request_id}


def _config_error(code, msg):
    return TaskFailed.explain(ConfigError(code, msg), msg)


def password_targets(params):
    """:class:`Target` per item of ``params["jobs"]``; a missing password, a duplicate or none: :class:`TaskFailed`."""
    default = params.get("password")
    targets, seen = [], set()
    for index, item in enumerate(params["jobs"]):
        password = item.get("password") or default
        target = Target(item, password)
        if not password:
            raise _config_error("MissingPassword", "No password for %s: give jobs[%d].password or password."
                                % (target.label, index))
        if target.key in seen:
            name = target.label[0].upper() + target.label[1:]
            raise _config_error("DuplicateTarget", "%s is listed twice in jobs." % name)
        seen.add(target.key)
        targets.append(target)
    if not targets:
        raise _config_error("InvalidParameter", "jobs is empty: name at least one job endpoint.")
    return targets


def check_policy(targets, policies):
    """Raise :class:`TaskFailed` (``PasswordPolicy``) when a password breaks a rule of ``policies`` (or DTS's own)."""
    problems = []
    for target in targets:
        for violation in policy_check(target.password, ["dts"] + list(policies or [])):
            problems.append("%s: %s" % (target.label, violation))
    if problems:
        raise TaskFailed.wrap(PolicyError("PasswordPolicy", "; ".join(problems)),
                              "The new password breaks the password policy for %d job endpoint(s)" % len(problems),
                              results=[t.result("skipped", "PasswordPolicy", "password policy violation")
                                       for t in targets])


def preflight(api, targets, concurrency):
    """Read every job direction (concurrently) and mark each target's ``status``, ``user`` and problem.

    A read that fails for another reason than a missing job raises :class:`TaskFailed`; any target
    with a problem raises :class:`TaskFailed` ``PreflightFailed`` naming every offender, with
    ``results`` (every target ``skipped``, with its problem code).
    """
    directions = []
    for target in targets:
        if (target.id, target.direction) not in directions:
            directions.append((target.id, target.direction))

    def read(pair):
        try:
            return pair, api.describe(*pair), None
        except CloudError as err:
            return pair, None, err

    details = {}
    for pair, answer, err in bounded_map(read, directions, concurrency):
        if err is not None and not (is_missing_job(err) or is_missing_direction(err)):
            raise TaskFailed.wrap(err, "Cannot read %s" % direction_label(*pair))
        details[pair] = (answer, err)

    for target in targets:
        answer, err = details[(target.id, target.direction)]
        if err is not None:
            target.status = "missing"
            if is_missing_direction(err):
                target.problem_code = "DirectionNotFound"
                target.problem = "the job has no reverse direction (it is not a two-way synchronization)"
            else:
                target.problem_code = "JobNotFound"
                target.problem = "the job does not exist%s" % (" in region %s" % api.region if api.region else "")
            continue
        _check_endpoint(target, answer[0])

    offending = [t for t in targets if t.problem]
    if offending:
        text = "; ".join("%s (%s): %s" % (t.label, t.status, t.problem) for t in offending)
        raise TaskFailed.wrap(PreconditionError("PreflightFailed", text),
                              "Preflight failed for %d of %d DTS job endpoint(s), nothing was changed"
                              % (len(offending), len(targets)),
                              results=[t.result("skipped", t.problem_code, t.problem) for t in targets])


def _check_endpoint(target, data):
    target.status = data.get("Status") or "unknown"
    endpoint = data.get(ENDPOINT_FIELDS[target.endpoint])
    if target.status.lower() not in ACCEPTS_PASSWORD:
        target.problem_code = "JobStatus"
        target.problem = "the job's state %s refuses password changes" % target.status
    elif not isinstance(endpoint, dict):
        target.problem_code = "EndpointNotFound"
        target.problem = "the job has no %s endpoint" % target.endpoint
    elif endpoint.get("CanModifyPassword") is False or ("%s" % endpoint.get("CanModifyPassword")).lower() == "false":
        target.problem_code = "PasswordNotModifiable"
        target.problem = "CanModifyPassword is false for this endpoint"
    else:
        actual = endpoint.get("UserName")
        if target.wanted_user and actual and actual != target.wanted_user:
            target.problem_code = "UserMismatch"
            target.problem = "the job uses account %s, not %s" % (actual, target.wanted_user)
        elif not (target.wanted_user or actual):
            target.problem_code = "UserUnknown"
            target.problem = "the job reports no account (UserName) for this endpoint; give jobs[].user"
        else:
            target.user = target.wanted_user or actual


class Writer(object):
    """Writes one target's password and classifies the answer (runs in worker threads).

    Calling it with a :class:`Target` returns ``(result, request_ids)``; :attr:`errors` maps a
    target's key to the :class:`CloudError` that failed it; :attr:`done` lists what the ledger records
    after the batch.
    """

    def __init__(self, api, session):
        self.api = api
        self.session = session
        self.lock = threading.Lock()
        self.errors = {}
        self.done = []  # (ledger key, password, request id) of every endpoint that took it: recorded once

    def _done(self, target, request_id):
        with self.lock:
            self.done.append((target.ledger_key, target.password, request_id))

    def _modify(self, target):
        return self.api.modify_password(target.id, target.endpoint, target.user, target.password, target.direction,
                                        target=target.label)

    def __call__(self, target):
        try:
            answer = self._modify(target)
        except CloudError as err:
            if err.code == PASSWORD_SAME:
                self._done(target, err.request_id)
                return target.result("unchanged", request_id=err.request_id), [err.request_id]
            if err.may_have_applied:
                return self.confirm(target, err)
            return self.failed(target, err), [err.request_id]
        self._done(target, answer.request_id)
        return target.result("updated", request_id=answer.request_id), [answer.request_id]

    def confirm(self, target, first):
        """After a write that may have applied: re-read the job, then one confirming call.

        DTS refuses a password equal to the current one, so ``PasswordSame`` proves the first
        call applied and a success means it had not (and now has). Either way: ``updated``.
        """
        ids = [first.request_id]
        try:
            data, read_id = self.api.describe(target.id, target.direction)
            ids.append(read_id)
            target.status = data.get("Status") or target.status
            if target.status and target.status.lower() not in ACCEPTS_PASSWORD:
                return self.failed(target, first, " (the job is now %s; not resent)" % target.status), ids
            answer = self._modify(target)
        except CloudError as err:
            if err.code == PASSWORD_SAME:
                ids.append(err.request_id)
                self._done(target, err.request_id)
                return target.result("updated", request_id=first.request_id or err.request_id), ids
            ids.append(err.request_id)
            return self.failed(target, first, " (confirmation failed: %s)" % err), ids
        ids.append(answer.request_id)
        self._done(target, answer.request_id)
        return target.result("updated", request_id=answer.request_id), ids

    def failed(self, target, err, note=""):
        if err.may_have_applied:
            self.session.forget(target.ledger_key)
        with self.lock:
            self.errors[target.key] = err
        message = err.message or ""
        if err.may_have_applied:
            message += " (the change may have applied)"
        return target.result("failed", err.code, message + note, err.request_id)


def run_job_password(params, api, ledger=None, check_mode=False, diff=False, preflight_done=False):
    """``dts_job_password``: preflight every job, then one concurrent call per job endpoint.

    ``params``: ``jobs`` (``[{id, endpoint: source|destination, user?, direction?, password?}]``),
    ``password``, ``password_policy``, ``concurrency``; ``api``: :class:`DtsApi`; ``ledger``: a
    :class:`_ledger.Ledger` or None; ``diff``: add the ``diff`` key. Returns ``{changed, results,
    request_ids, diff?, warnings}``; raises :class:`TaskFailed` (config, policy, preflight, a read,
    or any endpoint that failed: then its result has every endpoint's outcome, ``error`` and
    ``request_id`` of the first failure and ``may_have_applied`` when that one may have applied).
    """
    concurrency = check_concurrency(params)
    targets = password_targets(params)
    check_policy(targets, params.get("password_policy"))
    if not preflight_done:  # (the rotation engine ran it moments ago in check mode)
        preflight(api, targets, concurrency)

    session = LedgerSession(ledger, check_mode)
    recorded = session.matching((t.ledger_key, t.password) for t in targets)
    pending = [t for t in targets if t.ledger_key not in recorded]
    results = dict((t.key, t.result("unchanged")) for t in targets if t.ledger_key in recorded)

    request_ids, errors = [], {}
    if check_mode:
        for target in pending:
            results[target.key] = target.result("updated")
    else:
        writer = Writer(api, session)
        for target, (result, ids) in zip(pending, bounded_map(writer, pending, concurrency)):
            results[target.key] = result
            request_ids.extend(i for i in ids if i)
        errors = writer.errors
        session.record_many(writer.done)  # one ledger write for the batch (a re-run gets PasswordSame)

    ordered = [results[t.key] for t in targets]
    changed_targets = [r for r in ordered if r["outcome"] == "updated"]
    output = {"changed": bool(changed_targets), "results": ordered, "request_ids": request_ids,
              "warnings": session.warnings}
    if diff:
        names = ["%s/%s/%s" % (r["id"], r["direction"], r["endpoint"]) for r in changed_targets]
        output["diff"] = {"before": "".join("%s: previous password\n" % n for n in names),
                          "after": "".join("%s: new password\n" % n for n in names)}
    failures = [r for r in ordered if r["outcome"] == "failed"]
    if failures:
        first = failures[0]
        err = errors.get((first["id"], first["endpoint"], first["direction"]))
        names = ", ".join("%s %s%s (%s)" % (r["id"], r["endpoint"], " reverse" if r["direction"] == "reverse" else "",
                                            r["error_code"]) for r in failures)
        output.update({
            "error": {"code": first["error_code"], "message": first["error_msg"],
                      "kind": err.kind if err is not None else "provider"},
            "http_status": err.http_status if err is not None else None, "request_id": first["request_id"],
        })
        if err is not None and err.may_have_applied:
            output["may_have_applied"] = True
        raise TaskFailed("ModifyDtsJobPassword failed for %d of %d DTS job endpoint(s): %s"
                         % (len(failures), len(ordered), names), output, cause=err)
    return output
