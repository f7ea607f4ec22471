# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""DCS (Redis) instance password change with the lockout budget in mind (reference §4, §8.3).

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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    NotFoundError,
    PolicyError,
    PreconditionError,
    ProviderError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._password_target import (
    PROBE_ARGUMENT_SPEC,
    PROBE_RULES,
    Prober,
    diff_for,
    fail,
    ledger_matches,
    ledger_record,
    open_ledger,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as check_policy
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import DENIED, OK

ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    old_password=dict(type="str", required=True, no_log=True),
    new_password=dict(type="str", required=True, no_log=True),
    ledger=dict(type="path"),
)
RULES = dict(PROBE_RULES, instance_id="dcs_instance_id")


def _int(value):
    """An int from the API's string fields (``"4"``), or None for ``""``/missing."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _instance_view(instance):
    view = dict((k, instance.get(k)) for k in ("instance_id", "name", "status", "engine", "engine_version", "ip",
                                               "port"))
    view["no_password_access"] = _truthy(instance.get("no_password_access"))
    return view


def run(module):
    """``dcs_instance_password``."""
    params = module.params
    instance_id, old, new = params["instance_id"], params["old_password"], params["new_password"]
    target = "DCS instance %s" % instance_id
    key = "dcs:%s" % instance_id
    client = module.client

    # 1. the instance
    try:
        instance = client.request("dcs", "GET", "/v2/{project_id}/instances/{instance_id}", target=target,
                                  path_params={"instance_id": instance_id}).data or {}
    except NotFoundError as err:
        fail(module, err, "%s does not exist (%s); nothing was changed" % (target, err.code))
    except CloudError as err:
        module.fail_from(err, msg="Cannot read %s" % target)
    view = _instance_view(instance)
    status = instance.get("status") or "unknown"
    if status != "RUNNING":
        fail(module, PreconditionError("DCS.4049", "the instance status is %s, not RUNNING" % status, target=target),
             "%s is %s, not RUNNING; nothing was changed" % (target, status), instance=view)
    if view["no_password_access"]:
        fail(module, PreconditionError("DCS.4850", "password-free access is enabled", target=target),
             "%s has password-free access enabled, so it has no password to change (DCS.4850); nothing was changed"
             % target, instance=view)

    # 2. policy
    policy = "dcs_otc" if params.get("cloud") == "otc" else "dcs"
    problems = check_policy(new, policy, old_password=old, username=instance.get("access_user"))
    if problems:
        fail(module, PolicyError("PasswordPolicy", "; ".join(problems), rule=problems[0], target=target),
             "new_password for %s breaks the password policy (%s); nothing was changed" % (target, "; ".join(problems)),
             instance=view)

    # 3./4. probes: never spend a lockout attempt on a password we can see is wrong
    prober = Prober(module, "redis", instance.get("ip"), instance.get("port"), target)
    user = instance.get("access_user") or None
    tls = _truthy(instance.get("enable_ssl"))
    ledger = open_ledger(module)
    result = dict(changed=False, instance=view, result=None, retry_times_left=None, lock_time_left=None,
                  request_id=None)
    probed_new = prober.login(new, user=user, label="new_password", tls=tls)
    if probed_new == OK or (probed_new != DENIED and ledger_matches(module, ledger, key, new)):
        if probed_new == OK:
            ledger_record(module, ledger, key, new)
        result.update(outcome="unchanged", evidence="probe" if probed_new == OK else "ledger", probe=prober.summary())
        module.exit_json(**result)
    probed_old = prober.login(old, user=user, label="old_password", tls=tls)
    if probed_old == DENIED:
        both = " (and new_password is rejected too: the stored password is neither; reconcile it)" \
            if probed_new == DENIED else ""
        result.update(outcome="failed", probe=prober.summary())
        fail(module, PreconditionError("OldPasswordRejected", "a Redis AUTH with old_password is rejected", target=target),
             "old_password does not log in to %s%s; the password API was not called, so no lockout attempt was "
             "spent" % (target, both), **result)

    result.update(changed=True, outcome="updated", evidence=None, diff=diff_for([key]))
    if module.check_mode:
        result["probe"] = prober.summary()
        module.exit_json(**result)

    # 5. one call, never retried on passwordFailed
    try:
        api = client.request("dcs", "PUT", "/v2/{project_id}/instances/{instance_id}/password",
                             path_params={"instance_id": instance_id},
                             body={"old_password": old, "new_password": new}, write=True, target=target)
    except CloudError as err:
        result.pop("diff")
        if not err.may_have_applied:
            result.update(changed=False, outcome="failed", probe=prober.summary(), request_id=err.request_id)
            module.fail_from(err, msg="Cannot change the password of %s" % target, **result)
        after = prober.login(new, user=user, label="after_write", tls=tls, strict=False)
        result.update(request_id=err.request_id, probe=prober.summary())
        if after == OK:
            module.warn("The password change of %s answered %s, but AUTH with new_password works: the change "
                        "applied" % (target, err.code))
            ledger_record(module, ledger, key, new, request_id=err.request_id)
            result.update(evidence="probe", result="success", diff=diff_for([key]))
            module.exit_json(**result)
        if after == DENIED and prober.login(old, user=user, label="old_after_write", tls=tls, strict=False) == OK:
            result.update(changed=False, outcome="failed", probe=prober.summary())
            fail(module, err, "The password change of %s failed (%s, HTTP %s) and did not apply: old_password still "
                              "works. It was not resent; re-run to try again" % (target, err.code, err.http_status),
                 **result)
        result.update(outcome="failed", may_have_applied=True, probe=prober.summary())
        fail(module, err, "The password change of %s may have applied (%s, HTTP %s) but no AUTH probe confirmed it; "
                          "it was not resent. Check the instance before re-running"
             % (target, err.code, err.http_status), **result)

    data = api.data or {}
    outcome = data.get("result")
    result.update(result=outcome, retry_times_left=_int(data.get("retry_times_left")),
                  lock_time_left=_int(data.get("lock_time_left")), request_id=api.request_id,
                  probe=prober.summary())
    if outcome == "success":
        ledger_record(module, ledger, key, new, request_id=api.request_id)
        module.exit_json(**result)
    result.pop("diff")
    result.update(changed=False, outcome="failed")
    message = data.get("message") or ""
    err = ProviderError(outcome or "UnknownResult", message, http_status=api.http_status, request_id=api.request_id,
                        target=target)
    if outcome == "passwordFailed":
        left = result["retry_times_left"]
        if left == 0:
            tail = "the instance is now locked for %s minutes" % (result["lock_time_left"] or "several")
        else:
            tail = "%s attempts left before the instance locks" % (left if left is not None else "few")
        fail(module, err, "%s rejected old_password (passwordFailed); %s. Not retried" % (target, tail), **result)
    if outcome == "locked":
        fail(module, err, "%s is locked after repeated wrong old passwords; try again in %s minutes (locked). "
                          "Not retried" % (target, result["lock_time_left"] or "a few"), **result)
    fail(module, err, "%s did not change the password (result %s): %s" % (target, outcome or "missing", message),
         **result)
