# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""GaussDB(for MySQL) password changes: root reset and database users (reference §5, §6, §8.4).

Both flows are read -> decide -> write -> wait -> report:

* show the instance (it must be ``ACTIVE``), check the password policy, and for users list the
  accounts (every named ``user@host`` must exist) -- all before any write;
* probe: log in over the MySQL protocol with the desired password at the address the instance
  reports; a login that works means nothing is written. When the probe cannot tell, an opt-in
  ledger entry can say the same;
* write (root: synchronous ``POST .../password``; users: ``PUT .../db-users/password`` in
  chunks of at most 50, each answered 202 + ``job_id``) and wait for every job to be
  ``Completed``;
* after a write that may have applied (5xx, lost response) nothing is resent: the module probes
  again and reports what it finds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    CloudError,
    ConfigError,
    NotFoundError,
    PolicyError,
    PreconditionError,
    WaitTimeoutError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._password_target import (
    PROBE_ARGUMENT_SPEC,
    PROBE_RULES,
    Prober,
    diff_for,
    fail,
    ledger_forget,
    ledger_matches,
    ledger_record,
    open_ledger,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as check_policy
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import DENIED, OK, UNREACHABLE

MAX_USERS_PER_CALL = 50
USERS_PAGE_SIZE = 100
JOB_POLL_START = 1.0
JOB_POLL_MAX = 10.0
# After a user-password write whose response was lost, probe for at most this long (the job is async).
RECOVERY_PROBE_SECONDS = 60

INSTANCE_ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    ledger=dict(type="path"),
)

USER_ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    users=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        host=dict(type="str", default="%"),
        password=dict(type="str", no_log=True),
    )),
    password=dict(type="str", no_log=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    ledger=dict(type="path"),
)

INSTANCE_RULES = dict(PROBE_RULES, instance_id="gaussdb_instance_id")
USER_RULES = dict(INSTANCE_RULES, wait_timeout="wait_timeout", **{"users[].name": "gaussdb_user",
                                                                  "users[].host": "db_host"})


def instance_target(instance_id):
    return "GaussDB(for MySQL) instance %s" % instance_id


def show_instance(module, instance_id):
    """The instance dict of ShowGaussMySqlInstanceInfo; a missing instance fails the module."""
    target = instance_target(instance_id)
    try:
        result = module.client.request("gaussdb", "GET", "/v3/{project_id}/instances/{instance_id}", target=target,
                                       path_params={"instance_id": instance_id})
    except NotFoundError as err:
        fail(module, err, "%s does not exist (%s); nothing was changed" % (target, err.code))
    except CloudError as err:
        module.fail_from(err, msg="Cannot read %s" % target)
    return (result.data or {}).get("instance") or {}


def require_active(module, instance, instance_id):
    status = instance.get("status") or "unknown"
    if status != "ACTIVE":
        target = instance_target(instance_id)
        fail(module, PreconditionError("InstanceNotActive", "the instance status is %s" % status, target=target),
             "%s is %s, not ACTIVE; nothing was changed" % (target, status), instance=instance_view(instance))


def instance_view(instance):
    return dict((k, instance.get(k)) for k in ("id", "name", "status", "db_user_name"))


def instance_address(instance):
    ips = instance.get("private_write_ips") or []
    port = instance.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError):
        port = None
    return (ips[0] if ips else None), port


def require_policy(module, passwords, target):
    """Fail when a password breaks the GaussDB(for MySQL) policy; ``passwords``: {label: password}."""
    problems = []
    for label, password in passwords.items():
        for violation in check_policy(password, "gaussdb_mysql"):
            problems.append("%s: %s" % (label, violation) if label else violation)
    if problems:
        rule = problems[0]
        fail(module, PolicyError("PasswordPolicy", "; ".join(problems), rule=rule, target=target),
             "The password for %s breaks the password policy (%s); nothing was changed" % (target, "; ".join(problems)))


# --- root password ------------------------------------------------------------------------------


def run_instance_password(module):
    """``gaussdb_mysql_instance_password``: reset the root password when a login shows it is needed."""
    params = module.params
    instance_id, password = params["instance_id"], params["password"]
    target = instance_target(instance_id)
    key = "gaussdb:%s:root" % instance_id
    require_policy(module, {"": password}, target)
    instance = show_instance(module, instance_id)
    require_active(module, instance, instance_id)
    host, port = instance_address(instance)
    prober = Prober(module, "mysql", host, port, target)
    ledger = open_ledger(module)
    user = instance.get("db_user_name") or "root"

    result = dict(changed=False, instance=instance_view(instance), request_id=None)
    outcome = prober.login(password, user=user, label="password")
    if outcome == OK or (outcome != DENIED and ledger_matches(module, ledger, key, password)):
        result.update(outcome="unchanged", evidence="probe" if outcome == OK else "ledger", probe=prober.summary())
        if outcome == OK:
            ledger_record(module, ledger, key, password)
        module.exit_json(**result)

    result.update(changed=True, outcome="updated", evidence=None, diff=diff_for([key]))
    if module.check_mode:
        result["probe"] = prober.summary()
        module.exit_json(**result)

    try:
        api = module.client.request("gaussdb", "POST", "/v3/{project_id}/instances/{instance_id}/password",
                                    path_params={"instance_id": instance_id},
                                    body={"password": password}, write=True, target=target)
    except CloudError as err:
        result.pop("diff")
        if not err.may_have_applied:
            result.update(changed=False, outcome="failed", probe=prober.summary(), request_id=err.request_id)
            module.fail_from(err, msg="Cannot reset the root password of %s" % target, **result)
        # The response was lost after the request left: never resend; look with a probe instead.
        after = prober.login(password, user=user, label="after_write", strict=False)
        result.update(request_id=err.request_id, probe=prober.summary())
        if after == OK:
            module.warn("The root password reset of %s answered %s, but a login with the new password works: "
                        "the change applied" % (target, err.code))
            ledger_record(module, ledger, key, password, request_id=err.request_id)
            result.update(evidence="probe", diff=diff_for([key]))
            module.exit_json(**result)
        result.update(outcome="failed", may_have_applied=True)
        ledger_forget(module, ledger, key)
        fail(module, err, "The root password reset of %s may have applied (%s, HTTP %s) but no login probe "
                          "confirmed it; it was not resent. Re-run to converge" % (target, err.code, err.http_status),
             **result)
    ledger_record(module, ledger, key, password, request_id=api.request_id)
    result.update(request_id=api.request_id, probe=prober.summary())
    module.exit_json(**result)


# --- database users -----------------------------------------------------------------------------


def list_db_users(module, instance_id, target):
    """Every database account of the instance as ``{(name, host), ...}`` (offset/limit pages)."""
    found, offset = set(), 0
    path = "/v3/{project_id}/instances/{instance_id}/db-users"
    while True:
        try:
            page = module.client.request("gaussdb", "GET", path, path_params={"instance_id": instance_id},
                                         query={"offset": offset, "limit": USERS_PAGE_SIZE},
                                         target=target).data or {}
        except CloudError as err:
            module.fail_from(err, msg="Cannot list the database users of %s" % target)
        users = page.get("users") or []
        for user in users:
            found.add((user.get("name"), user.get("host")))
        offset += len(users)
        total = page.get("total_count")
        if not users or (total is not None and offset >= int(total)):
            return found


def _user_entries(module, target):
    params = module.params
    entries, seen, missing_password = [], set(), []
    for item in params["users"]:
        name, host = item["name"], item.get("host") or "%"
        if (name, host) in seen:
            fail(module, ConfigError("DuplicateUser", "user %s@%s is listed twice" % (name, host), target=target),
                 "The users option lists %s@%s twice; nothing was changed" % (name, host))
        seen.add((name, host))
        password = item.get("password") or params.get("password")
        if not password:
            missing_password.append("%s@%s" % (name, host))
        entries.append({"name": name, "host": host, "password": password})
    if missing_password:
        fail(module, ConfigError("MissingPassword", "no password for %s" % ", ".join(missing_password), target=target),
             "No password for %s: set password or users[].password; nothing was changed" % ", ".join(missing_password))
    return entries


def _user_result(entry, outcome, **extra):
    result = {"name": entry["name"], "host": entry["host"], "outcome": outcome, "job_id": None, "status": None,
              "error_code": None, "error_msg": None, "request_id": None}
    result.update(extra)
    return result


def _user_key(instance_id, entry):
    return "gaussdb:%s:user:%s@%s" % (instance_id, entry["name"], entry["host"])


def run_user_password(module):
    """``gaussdb_mysql_user_password``: change database user passwords in chunks of 50 async jobs."""
    params = module.params
    instance_id = params["instance_id"]
    target = instance_target(instance_id)
    entries = _user_entries(module, target)
    require_policy(module, dict(("%s@%s" % (e["name"], e["host"]), e["password"]) for e in entries), target)
    instance = show_instance(module, instance_id)
    require_active(module, instance, instance_id)
    existing = list_db_users(module, instance_id, target)
    missing = ["%s@%s" % (e["name"], e["host"]) for e in entries if (e["name"], e["host"]) not in existing]
    if missing:
        fail(module, NotFoundError("DBS.200824", "the database account(s) %s do not exist" % ", ".join(missing),
                                   target=target),
             "%s has no database user %s; nothing was changed" % (target, ", ".join(missing)), missing=missing)

    host, port = instance_address(instance)
    prober = Prober(module, "mysql", host, port, target)
    ledger = open_ledger(module)
    # A probe logs in as ``name`` from this machine: MySQL picks the account by the client's host, so
    # it proves something about ``name@host`` only when ``name`` has a single account on the instance.
    per_name = {}
    for name, _host in existing:
        per_name[name] = per_name.get(name, 0) + 1

    results, pending = [], []
    for entry in entries:
        label = "%s@%s" % (entry["name"], entry["host"])
        outcome = None
        if per_name.get(entry["name"]) == 1:
            outcome = prober.login(entry["password"], user=entry["name"], label=label)
        key = _user_key(instance_id, entry)
        if outcome == OK:
            ledger_record(module, ledger, key, entry["password"])
            results.append(_user_result(entry, "unchanged", evidence="probe"))
        elif outcome != DENIED and ledger_matches(module, ledger, key, entry["password"]):
            results.append(_user_result(entry, "unchanged", evidence="ledger"))
        else:
            results.append(_user_result(entry, "updated", evidence=None))
            pending.append((entry, results[-1]))

    output = dict(changed=bool(pending), job_ids=[], results=results, instance=instance_view(instance),
                  diff=diff_for(["%s@%s" % (e["name"], e["host"]) for e, _result in pending]))
    if module.check_mode or not pending:
        output["probe"] = prober.summary()
        module.exit_json(**output)

    chunks = [pending[i:i + MAX_USERS_PER_CALL] for i in range(0, len(pending), MAX_USERS_PER_CALL)]
    writer = _UserWriter(module, instance_id, target, prober, ledger, per_name)
    for index, chunk in enumerate(chunks):
        if writer.abort:
            for entry, result in chunk:
                result.update(outcome="skipped", error_code=writer.abort.code,
                              error_msg="not attempted after an earlier failure (%s)" % writer.abort.code)
            continue
        last = index == len(chunks) - 1
        writer.submit(chunk, wait=params["wait"] or not last, timeout=params["wait_timeout"])

    output["job_ids"] = writer.job_ids
    output["probe"] = prober.summary()
    updated = [r for r in results if r["outcome"] == "updated"]
    failed = [r for r in results if r["outcome"] in ("failed", "skipped")]
    output["changed"] = bool(updated) or any(r.get("may_have_applied") for r in results)
    output["diff"] = diff_for(["%s@%s" % (r["name"], r["host"]) for r in updated])
    if failed:
        first = writer.first_error
        names = ", ".join("%s@%s (%s)" % (r["name"], r["host"], r["error_code"] or r["outcome"]) for r in failed)
        msg = ("Password change failed for %d of %d database users of %s: %s" %
               (len(failed), len(results), target, names))
        if any(r.get("fail_reason") for r in failed):
            reasons = sorted(set(r["fail_reason"] for r in failed if r.get("fail_reason")))
            msg += "; fail_reason: %s" % "; ".join(reasons)
        fail(module, first, msg, **output)
    module.exit_json(**output)


class _UserWriter(object):
    """Submits chunks of user passwords and waits for their jobs; records outcomes in the results."""

    def __init__(self, module, instance_id, target, prober, ledger, per_name):
        self.module = module
        self.client = module.client
        self.instance_id = instance_id
        self.target = target
        self.prober = prober
        self.ledger = ledger
        self.per_name = per_name
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
                ledger_forget(self.module, self.ledger, _user_key(self.instance_id, entry))

    def submit(self, chunk, wait, timeout):
        body = {"users": [{"name": e["name"], "host": e["host"], "password": e["password"]} for e, _result in chunk]}
        path = "/v3/{project_id}/instances/{instance_id}/db-users/password"
        try:
            api = self.client.request("gaussdb", "PUT", path, body=body, write=True, target=self.target,
                                      path_params={"instance_id": self.instance_id})
        except CloudError as err:
            if err.may_have_applied:
                self._recover(chunk, err, timeout)
            else:
                self._failed(chunk, err)
                if isinstance(err, (AuthError, ConfigError)):
                    self.abort = err
            return
        job_id = (api.data or {}).get("job_id")
        self.job_ids.append(job_id)
        for entry, result in chunk:
            result.update(job_id=job_id, request_id=api.request_id, status="Submitted")
        if not wait or not job_id:
            return
        try:
            job = self.client.wait_gaussdb_job(job_id, timeout=timeout, poll=JOB_POLL_START, max_poll=JOB_POLL_MAX,
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
        for entry, result in chunk:
            result["status"] = job.get("status") or "Completed"
            ledger_record(self.module, self.ledger, _user_key(self.instance_id, entry), entry["password"],
                          request_id=api.request_id)

    def _recover(self, chunk, err, timeout):
        """The write may have applied: probe until every user logs in with its new password, or give up."""
        probeable = [e for e, _r in chunk if self.per_name.get(e["name"]) == 1] if self.prober.enabled else []
        confirmed = set()
        deadline = time.time() + min(timeout, RECOVERY_PROBE_SECONDS)
        delay = 0.5
        while probeable:
            blind = True
            for entry in probeable:
                label = "%s@%s" % (entry["name"], entry["host"])
                outcome = self.prober.login(entry["password"], user=entry["name"], label=label + " after write",
                                            strict=False)
                if outcome == OK:
                    confirmed.add(label)
                blind = blind and outcome in (UNREACHABLE, None)
            probeable = [e for e in probeable if "%s@%s" % (e["name"], e["host"]) not in confirmed]
            if blind or not probeable or time.time() + delay > deadline:
                break
            time.sleep(delay)  # the job applies the passwords asynchronously
            delay = min(delay * 2, 5.0)
        for entry, result in chunk:
            label = "%s@%s" % (entry["name"], entry["host"])
            if label in confirmed:
                result.update(status="Completed", request_id=err.request_id, evidence="probe")
                ledger_record(self.module, self.ledger, _user_key(self.instance_id, entry), entry["password"],
                              request_id=err.request_id)
        if confirmed:
            self.module.warn("The password change of %d user(s) of %s answered %s, but %d of the new passwords "
                             "now log in: that part applied" % (len(chunk), self.target, err.code, len(confirmed)))
        rest = [(e, r) for e, r in chunk if "%s@%s" % (e["name"], e["host"]) not in confirmed]
        if rest:
            self._failed(rest, err, status="unknown", may_have_applied=True,
                         error_msg="%s (the change may have applied; it was not resent: re-run to converge)"
                         % err.message)
            self.abort = err
