# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: GaussDB(for MySQL) database-user password service (reference §6, §8.4).

:func:`run_user_password` is ``gaussdb_mysql_user_password``: preflight (policy, ``ACTIVE``
instance, every ``user@host`` exists), a probe or ledger decision per user, then
``PUT .../db-users/password`` in chunks of at most 50 users, each an async job waited for. A
write whose answer was lost is never resent: the users are probed until their new passwords log
in (or the probe cannot tell). The flow is shared with the root reset (:mod:`_gaussdb`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    CloudError,
    ConfigError,
    NotFoundError,
    TaskFailed,
    WaitTimeoutError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb import (
    instance_address,
    instance_view,
    read_active_instance,
    require_policy,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import MAX_USERS_PER_CALL, instance_target
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import DENIED, OK, UNREACHABLE
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import chunks, diff_for, gaussdb_user_ledger_key

JOB_POLL_START = 1.0
JOB_POLL_MAX = 10.0
# After a user-password write whose response was lost, probe for at most this long (the job is async).
RECOVERY_PROBE_SECONDS = 60


def _label(entry):
    return "%s@%s" % (entry["name"], entry["host"])


def user_entries(params, target):
    """The accounts of ``params["users"]``: ``[{name, host, password}]`` (host defaults to ``%``).

    An account listed twice, or one without a password (``users[].password`` or ``password``),
    raises :class:`TaskFailed` (a :class:`ConfigError`) before anything is read.
    """
    entries, seen, missing_password = [], set(), []
    for item in params["users"]:
        name, host = item["name"], item.get("host") or "%"
        if (name, host) in seen:
            raise TaskFailed.explain(
                ConfigError("DuplicateUser", "user %s@%s is listed twice" % (name, host), target=target),
                "The users option lists %s@%s twice; nothing was changed" % (name, host))
        seen.add((name, host))
        password = item.get("password") or params.get("password")
        if not password:
            missing_password.append("%s@%s" % (name, host))
        entries.append({"name": name, "host": host, "password": password})
    if missing_password:
        raise TaskFailed.explain(
            ConfigError("MissingPassword", "no password for %s" % ", ".join(missing_password), target=target),
            "No password for %s: set password or users[].password; nothing was changed" % ", ".join(missing_password))
    return entries


def existing_accounts(api, instance_id):
    """``{(name, host), ...}`` of every account of the instance; a failed read raises :class:`TaskFailed`."""
    try:
        return set((u.get("name"), u.get("host")) for u in api.list_db_users(instance_id))
    except CloudError as err:
        raise TaskFailed.wrap(err, "Cannot list the database users of %s" % instance_target(instance_id))


def _user_result(entry, outcome, **extra):
    result = {"name": entry["name"], "host": entry["host"], "outcome": outcome, "job_id": None, "status": None,
              "error_code": None, "error_msg": None, "request_id": None}
    result.update(extra)
    return result


def run_user_password(params, api, prober, ledger=None, check_mode=False):
    """``gaussdb_mysql_user_password``: change database user passwords in chunks of 50 async jobs.

    ``params``: ``instance_id``, ``users`` (``[{name, host?, password?}]``), ``password``, ``wait``,
    ``wait_timeout``; ``api``: :class:`GaussDbApi`; ``prober``: a ``mysql`` :class:`_probes.Prober`;
    ``ledger``: a :class:`_ledger.Ledger` or None. Returns ``{changed, job_ids, results, instance,
    probe, diff, warnings}`` (one result per user, in order); raises :class:`TaskFailed` (preflight:
    ``missing`` lists absent accounts; any user that failed: the result above with ``msg`` naming
    each failed user and the jobs' ``fail_reason``).
    """
    instance_id = params["instance_id"]
    target = instance_target(instance_id)
    entries = user_entries(params, target)
    require_policy(dict((_label(e), e["password"]) for e in entries), target)
    instance = read_active_instance(api, instance_id)
    existing = existing_accounts(api, instance_id)
    missing = [_label(e) for e in entries if (e["name"], e["host"]) not in existing]
    if missing:
        raise TaskFailed.explain(
            NotFoundError("DBS.200824", "the database account(s) %s do not exist" % ", ".join(missing), target=target),
            "%s has no database user %s; nothing was changed" % (target, ", ".join(missing)), missing=missing)

    host, port = instance_address(instance)
    prober.locate(host, port, target)
    session = LedgerSession(ledger, check_mode)
    # A probe logs in as ``name`` from this machine: MySQL picks the account by the client's host, so
    # it proves something about ``name@host`` only when ``name`` has a single account on the instance.
    per_name = {}
    for name, _host in existing:
        per_name[name] = per_name.get(name, 0) + 1

    keys = dict((_label(e), gaussdb_user_ledger_key(instance_id, e["name"], e["host"])) for e in entries)
    recorded = []  # read the ledger once, the first time a probe cannot decide

    results, pending = [], []
    for entry in entries:
        key = keys[_label(entry)]
        outcome = None
        if per_name.get(entry["name"]) == 1:
            outcome = prober.login(entry["password"], user=entry["name"], label=_label(entry))
        if outcome == OK:
            session.record(key, entry["password"])
            results.append(_user_result(entry, "unchanged", evidence="probe"))
            continue
        if outcome != DENIED:
            if not recorded:
                recorded.append(session.matching((keys[_label(e)], e["password"]) for e in entries))
            if key in recorded[0]:
                results.append(_user_result(entry, "unchanged", evidence="ledger"))
                continue
        results.append(_user_result(entry, "updated", evidence=None))
        pending.append((entry, results[-1]))

    output = dict(changed=bool(pending), job_ids=[], results=results, instance=instance_view(instance),
                  diff=diff_for([_label(e) for e, _result in pending]), warnings=session.warnings)
    if check_mode or not pending:
        output["probe"] = prober.summary()
        return output

    batches = chunks(pending, MAX_USERS_PER_CALL)
    writer = _UserWriter(api, instance_id, prober, session, per_name, keys)
    for index, chunk in enumerate(batches):
        if writer.abort:
            for entry, result in chunk:
                result.update(outcome="skipped", error_code=writer.abort.code,
                              error_msg="not attempted after an earlier failure (%s)" % writer.abort.code)
            continue
        last = index == len(batches) - 1
        writer.submit(chunk, wait=params["wait"] or not last, timeout=params["wait_timeout"])

    output["job_ids"] = writer.job_ids
    output["probe"] = prober.summary()
    updated = [r for r in results if r["outcome"] == "updated"]
    failed = [r for r in results if r["outcome"] in ("failed", "skipped")]
    output["changed"] = bool(updated) or any(r.get("may_have_applied") for r in results)
    output["diff"] = diff_for(["%s@%s" % (r["name"], r["host"]) for r in updated])
    if failed:
        names = ", ".join("%s@%s (%s)" % (r["name"], r["host"], r["error_code"] or r["outcome"]) for r in failed)
        msg = ("Password change failed for %d of %d database users of %s: %s" %
               (len(failed), len(results), target, names))
        if any(r.get("fail_reason") for r in failed):
            reasons = sorted(set(r["fail_reason"] for r in failed if r.get("fail_reason")))
            msg += "; fail_reason: %s" % "; ".join(reasons)
        raise TaskFailed.explain(writer.first_error, msg, **output)
    return output


class _UserWriter(object):
    """Submits chunks of user passwords and waits for their jobs; records outcomes in the results."""

    def __init__(self, api, instance_id, prober, session, per_name, keys):
        self.api = api
        self.instance_id = instance_id
        self.target = instance_target(instance_id)
        self.prober = prober
        self.session = session
        self.per_name = per_name
        self.keys = keys
        self.job_ids = []
        self.first_error = None
        self.abort = None

    def _failed(self, chunk, err, **extra):
        if self.first_error is None:
            self.first_error = err
        for entry, result in chunk:
            result.update(outcome="failed", error_code=err.code, error_msg=err.message, request_id=err.request_id)
            result.update(extra)
            if extra.get("may_have_applied"):
                self.session.forget(self.keys[_label(entry)])

    def _record(self, entries, request_id):
        self.session.record_many((self.keys[_label(e)], e["password"], request_id) for e in entries)

    def submit(self, chunk, wait, timeout):
        try:
            answer = self.api.change_db_user_passwords(self.instance_id, [e for e, _result in chunk])
        except CloudError as err:
            if err.may_have_applied:
                self._recover(chunk, err, timeout)
            else:
                self._failed(chunk, err)
                if isinstance(err, (AuthError, ConfigError)):
                    self.abort = err
            return
        job_id = (answer.data or {}).get("job_id")
        self.job_ids.append(job_id)
        for _entry, result in chunk:
            result.update(job_id=job_id, request_id=answer.request_id, status="Submitted")
        if not wait or not job_id:
            return
        try:
            job = self.api.wait_job(job_id, timeout=timeout, poll=JOB_POLL_START, max_poll=JOB_POLL_MAX,
                                    target=self.target)
        except WaitTimeoutError as err:
            self._failed(chunk, err, status="Running", may_have_applied=True)
            self.abort = err
            return
        except CloudError as err:
            reason = getattr(err, "fail_reason", None)
            if reason is not None or err.code == "JobFailed":
                self._failed(chunk, err, status="Failed", fail_reason=reason, error_msg=reason or err.message)
            else:
                self._failed(chunk, err, status="unknown", may_have_applied=True)
                self.abort = err
            return
        for _entry, result in chunk:
            result["status"] = job.get("status") or "Completed"
        self._record([e for e, _result in chunk], answer.request_id)

    def _recover(self, chunk, err, timeout):
        """The write may have applied: probe until every user logs in with its new password, or give up."""
        probeable = [e for e, _r in chunk if self.per_name.get(e["name"]) == 1] if self.prober.enabled else []
        confirmed = set()
        deadline = time.time() + min(timeout, RECOVERY_PROBE_SECONDS)
        delay = 0.5
        while probeable:
            blind = True
            for entry in probeable:
                outcome = self.prober.login(entry["password"], user=entry["name"], label=_label(entry) + " after write",
                                            strict=False)
                if outcome == OK:
                    confirmed.add(_label(entry))
                blind = blind and outcome in (UNREACHABLE, None)
            probeable = [e for e in probeable if _label(e) not in confirmed]
            if blind or not probeable or time.time() + delay > deadline:
                break
            time.sleep(delay)  # the job applies the passwords asynchronously
            delay = min(delay * 2, 5.0)
        for entry, result in chunk:
            if _label(entry) in confirmed:
                result.update(status="Completed", request_id=err.request_id, evidence="probe")
        self._record([e for e, _r in chunk if _label(e) in confirmed], err.request_id)
        if confirmed:
            self.session.warnings.append(
                "The password change of %d user(s) of %s answered %s, but %d of the new passwords now log in: that "
                "part applied" % (len(chunk), self.target, err.code, len(confirmed)))
        rest = [(e, r) for e, r in chunk if _label(e) not in confirmed]
        if rest:
            self._failed(rest, err, status="unknown", may_have_applied=True,
                         error_msg="%s (the change may have applied; it was not resent: re-run to converge)"
                         % err.message)
            self.abort = err
