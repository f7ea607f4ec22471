# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: GaussDB(for MySQL) password services: the root reset, and what the user service shares (reference §5, §8.4).

Both flows (this one and :mod:`_gaussdb_users`) are read -> decide -> write -> wait -> report:

* show the instance (it must be ``ACTIVE``), check the password policy, and for users list the
  accounts (every named ``user@host`` must exist) -- all before any write;
* probe: log in over the MySQL protocol with the desired password at the address the instance
  reports; a login that works means nothing is written. When the probe cannot tell, an opt-in
  ledger entry can say the same;
* write (root: synchronous ``POST .../password``; users: ``PUT .../db-users/password`` in
  chunks of at most 50, each answered 202 + ``job_id``) and wait for every job to be
  ``Completed``;
* after a write that may have applied (5xx, lost response) nothing is resent: the service probes
  again and reports what it finds.

The services take plain parameters and a :class:`_gaussdb_api.GaussDbApi`, return the module's
result and raise :class:`_errors.TaskFailed`; they never fail a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    PolicyError,
    PreconditionError,
    TaskFailed,
    read_existing,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import instance_target
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as check_policy
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import DENIED, OK
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import diff_for, gaussdb_root_ledger_key


def instance_view(instance):
    """The instance as results show it: ``id``, ``name``, ``status``, ``db_user_name``."""
    return dict((k, instance.get(k)) for k in ("id", "name", "status", "db_user_name"))


def instance_address(instance):
    """``(host, port)`` to probe: the first ``private_write_ips`` and ``port`` (an int), either may be None."""
    ips = instance.get("private_write_ips") or []
    port = instance.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError):
        port = None
    return (ips[0] if ips else None), port


def read_active_instance(api, instance_id):
    """The instance dict when it exists and is ``ACTIVE``; otherwise :class:`TaskFailed`, nothing written."""
    target = instance_target(instance_id)
    instance = read_existing(target, api.show_instance, instance_id)
    status = instance.get("status") or "unknown"
    if status != "ACTIVE":
        raise TaskFailed.explain(
            PreconditionError("InstanceNotActive", "the instance status is %s" % status, target=target),
            "%s is %s, not ACTIVE; nothing was changed" % (target, status), instance=instance_view(instance))
    return instance


def require_policy(passwords, target):
    """Raise :class:`TaskFailed` (``PasswordPolicy``) when a password of ``{label: password}`` breaks the policy."""
    problems = []
    for label, password in passwords.items():
        for violation in check_policy(password, "gaussdb_mysql"):
            problems.append("%s: %s" % (label, violation) if label else violation)
    if problems:
        raise TaskFailed.explain(
            PolicyError("PasswordPolicy", "; ".join(problems), rule=problems[0], target=target),
            "The password for %s breaks the password policy (%s); nothing was changed" % (target, "; ".join(problems)))


def run_instance_password(params, api, prober, ledger=None, check_mode=False):
    """``gaussdb_mysql_instance_password``: reset the root password when a login shows it is needed.

    ``params``: ``instance_id``, ``password``; ``api``: :class:`GaussDbApi`; ``prober``: a ``mysql``
    :class:`_probes.Prober`; ``ledger``: a :class:`_ledger.Ledger` or None. Returns ``{changed,
    outcome, evidence, request_id, instance, probe, diff (when changed), warnings}``; raises
    :class:`TaskFailed` (with those keys once the instance was read; ``may_have_applied`` when the
    reset's answer was lost and no probe confirmed it).
    """
    instance_id, password = params["instance_id"], params["password"]
    target = instance_target(instance_id)
    key = gaussdb_root_ledger_key(instance_id)
    require_policy({"": password}, target)
    instance = read_active_instance(api, instance_id)
    host, port = instance_address(instance)
    prober.locate(host, port, target)
    session = LedgerSession(ledger, check_mode)
    user = instance.get("db_user_name") or "root"

    result = dict(changed=False, instance=instance_view(instance), request_id=None, warnings=session.warnings)
    outcome = prober.login(password, user=user, label="password")
    if outcome == OK or (outcome != DENIED and session.matches(key, password)):
        result.update(outcome="unchanged", evidence="probe" if outcome == OK else "ledger", probe=prober.summary())
        if outcome == OK:
            session.record(key, password)
        return result

    result.update(changed=True, outcome="updated", evidence=None, diff=diff_for([key]))
    if check_mode:
        result["probe"] = prober.summary()
        return result

    try:
        answer = api.reset_root_password(instance_id, password)
    except CloudError as err:
        result.pop("diff")
        if not err.may_have_applied:
            result.update(changed=False, outcome="failed", probe=prober.summary(), request_id=err.request_id)
            raise TaskFailed.wrap(err, "Cannot reset the root password of %s" % target, **result)
        # The response was lost after the request left: never resend; look with a probe instead.
        after = prober.login(password, user=user, label="after_write", strict=False)
        result.update(request_id=err.request_id, probe=prober.summary())
        if after == OK:
            result["warnings"].append("The root password reset of %s answered %s, but a login with the new password "
                                      "works: the change applied" % (target, err.code))
            session.record(key, password, request_id=err.request_id)
            result.update(evidence="probe", diff=diff_for([key]))
            return result
        result.update(outcome="failed", may_have_applied=True)
        session.forget(key)
        raise TaskFailed.explain(err, "The root password reset of %s may have applied (%s, HTTP %s) but no login "
                                      "probe confirmed it; it was not resent. Re-run to converge"
                                 % (target, err.code, err.http_status), **result)
    session.record(key, password, request_id=answer.request_id)
    result.update(request_id=answer.request_id, probe=prober.summary())
    return result
