# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: DCS (Redis) instance password service, with the lockout budget in mind (reference §4, §8.3).

``PUT /v2/{project_id}/instances/{id}/password`` takes the old and the new password; five
wrong old passwords lock the instance for five minutes, and the answer is HTTP 200 with
``result`` ``success``, ``passwordFailed``, ``locked`` or ``failed``. So this flow:

1. shows the instance: missing, not ``RUNNING`` or password-free access fail before any write;
2. checks the new password against the DCS policy of the cloud (Huawei Cloud or OTC specials),
   and that it differs from the old one;
3. probes ``AUTH`` with the new password at the instance's address: it works -> nothing to do;
4. probes ``AUTH`` with the old password: rejected -> fail without calling the API, because a
   wrong old password would spend one of the five attempts (a Redis ``AUTH`` spends none);
5. calls the API once. ``passwordFailed`` is never retried; ``retry_times_left`` and
   ``lock_time_left`` are returned. A lost response is followed by a probe, never a resend.

:func:`run` is the whole of ``dcs_instance_password`` on a :class:`_dcs_api.DcsApi`: it returns
the result or raises :class:`_errors.TaskFailed`; it never fails a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import instance_target
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    PolicyError,
    PreconditionError,
    ProviderError,
    TaskFailed,
    read_existing,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._fields import api_flag, api_int
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as check_policy
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import DENIED, OK
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import dcs_ledger_key, diff_for


def instance_view(instance):
    """The instance as results show it: id, name, status, engine, address, ``no_password_access``."""
    view = dict((k, instance.get(k)) for k in ("instance_id", "name", "status", "engine", "engine_version", "ip",
                                               "port"))
    view["no_password_access"] = api_flag(instance.get("no_password_access"))
    return view


def read_instance(api, instance_id):
    """``(instance, view)`` of a RUNNING instance that has a password; otherwise :class:`TaskFailed`."""
    target = instance_target(instance_id)
    instance = read_existing(target, api.show_instance, instance_id)
    view = instance_view(instance)
    status = instance.get("status") or "unknown"
    if status != "RUNNING":
        raise TaskFailed.explain(
            PreconditionError("DCS.4049", "the instance status is %s, not RUNNING" % status, target=target),
            "%s is %s, not RUNNING; nothing was changed" % (target, status), instance=view)
    if view["no_password_access"]:
        raise TaskFailed.explain(
            PreconditionError("DCS.4850", "password-free access is enabled", target=target),
            "%s has password-free access enabled, so it has no password to change (DCS.4850); nothing was changed"
            % target, instance=view)
    return instance, view


def require_policy(instance_id, instance, old, new, cloud, view=None):
    """Raise :class:`TaskFailed` (``PasswordPolicy``) when ``new`` breaks the DCS policy of ``cloud`` (``otc``?)."""
    target = instance_target(instance_id)
    policy = "dcs_otc" if cloud == "otc" else "dcs"
    problems = check_policy(new, policy, old_password=old, username=instance.get("access_user"))
    if problems:
        raise TaskFailed.explain(
            PolicyError("PasswordPolicy", "; ".join(problems), rule=problems[0], target=target),
            "new_password for %s breaks the password policy (%s); nothing was changed" % (target, "; ".join(problems)),
            instance=view)


def run(params, api, prober, ledger=None, check_mode=False):
    """``dcs_instance_password``: read, check, probe, then at most one change call.

    ``params``: ``instance_id``, ``old_password``, ``new_password``, ``cloud``; ``api``:
    :class:`_dcs_api.DcsApi`; ``prober``: a ``redis`` :class:`_probes.Prober`; ``ledger``: a
    :class:`_ledger.Ledger` or None. Returns ``{changed, outcome, evidence, result, retry_times_left,
    lock_time_left, request_id, instance, probe, diff (when changed), warnings}``. Raises
    :class:`TaskFailed`, whose message says whether the API was called and whether the change may
    have applied; once the instance was read its result carries the keys above too.
    """
    instance_id, old, new = params["instance_id"], params["old_password"], params["new_password"]
    target = instance_target(instance_id)
    key = dcs_ledger_key(instance_id)

    # 1./2. the instance, the policy
    instance, view = read_instance(api, instance_id)
    require_policy(instance_id, instance, old, new, params.get("cloud"), view)

    # 3./4. probes: never spend a lockout attempt on a password we can see is wrong
    prober.locate(instance.get("ip"), instance.get("port"), target)
    user = instance.get("access_user") or None
    tls = api_flag(instance.get("enable_ssl"))
    session = LedgerSession(ledger, check_mode)
    result = dict(changed=False, instance=view, result=None, retry_times_left=None, lock_time_left=None,
                  request_id=None, warnings=session.warnings)
    probed_new = prober.login(new, user=user, label="new_password", tls=tls)
    if probed_new == OK or (probed_new != DENIED and session.matches(key, new)):
        if probed_new == OK:
            session.record(key, new)
        result.update(outcome="unchanged", evidence="probe" if probed_new == OK else "ledger", probe=prober.summary())
        return result
    probed_old = prober.login(old, user=user, label="old_password", tls=tls)
    if probed_old == DENIED:
        both = " (and new_password is rejected too: the stored password is neither; reconcile it)" \
            if probed_new == DENIED else ""
        result.update(outcome="failed", probe=prober.summary())
        raise TaskFailed.explain(
            PreconditionError("OldPasswordRejected", "a Redis AUTH with old_password is rejected", target=target),
            "old_password does not log in to %s%s; the password API was not called, so no lockout attempt was "
            "spent" % (target, both), **result)

    result.update(changed=True, outcome="updated", evidence=None, diff=diff_for([key]))
    if check_mode:
        result["probe"] = prober.summary()
        return result

    # 5. one call, never retried on passwordFailed
    try:
        answer = api.change_password(instance_id, old, new)
    except CloudError as err:
        return _after_failed_call(err, prober, session, result, (key, old, new, user, tls, target))

    data = answer.data or {}
    outcome = data.get("result")
    result.update(result=outcome, retry_times_left=api_int(data.get("retry_times_left")),
                  lock_time_left=api_int(data.get("lock_time_left")), request_id=answer.request_id,
                  probe=prober.summary())
    if outcome == "success":
        session.record(key, new, request_id=answer.request_id)
        return result
    result.pop("diff")
    result.update(changed=False, outcome="failed")
    message = data.get("message") or ""
    err = ProviderError(outcome or "UnknownResult", message, http_status=answer.http_status,
                        request_id=answer.request_id, target=target)
    if outcome == "passwordFailed":
        left = result["retry_times_left"]
        if left == 0:
            tail = "the instance is now locked for %s minutes" % (result["lock_time_left"] or "several")
        else:
            tail = "%s attempts left before the instance locks" % (left if left is not None else "few")
        raise TaskFailed.explain(err, "%s rejected old_password (passwordFailed); %s. Not retried" % (target, tail),
                                 **result)
    if outcome == "locked":
        raise TaskFailed.explain(err, "%s is locked after repeated wrong old passwords; try again in %s minutes "
                                      "(locked). Not retried" % (target, result["lock_time_left"] or "a few"), **result)
    raise TaskFailed.explain(err, "%s did not change the password (result %s): %s"
                             % (target, outcome or "missing", message), **result)


def _after_failed_call(err, prober, session, result, context):
    """The change call raised: report it, or, when it may have applied, let a probe decide (never resend)."""
    key, old, new, user, tls, target = context
    result.pop("diff")
    if not err.may_have_applied:
        result.update(changed=False, outcome="failed", probe=prober.summary(), request_id=err.request_id)
        raise TaskFailed.wrap(err, "Cannot change the password of %s" % target, **result)
    after = prober.login(new, user=user, label="after_write", tls=tls, strict=False)
    result.update(request_id=err.request_id, probe=prober.summary())
    if after == OK:
        result["warnings"].append("The password change of %s answered %s, but AUTH with new_password works: the "
                                  "change applied" % (target, err.code))
        session.record(key, new, request_id=err.request_id)
        result.update(evidence="probe", result="success", diff=diff_for([key]))
        return result
    if after == DENIED and prober.login(old, user=user, label="old_after_write", tls=tls, strict=False) == OK:
        result.update(changed=False, outcome="failed", probe=prober.summary())
        raise TaskFailed.explain(err, "The password change of %s failed (%s, HTTP %s) and did not apply: "
                                      "old_password still works. It was not resent; re-run to try again"
                                 % (target, err.code, err.http_status), **result)
    result.update(outcome="failed", may_have_applied=True, probe=prober.summary())
    raise TaskFailed.explain(err, "The password change of %s may have applied (%s, HTTP %s) but no AUTH probe "
                                  "confirmed it; it was not resent. Check the instance before re-running"
                             % (target, err.code, err.http_status), **result)
