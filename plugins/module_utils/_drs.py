# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Huawei DRS services: batch password change of job endpoints, and job reads (reference §2, §8.2).

``PUT /v3/{project_id}/jobs/batch-modify-pwd`` answers HTTP 200 with one ``success``/``failed``
entry per (job, endpoint). :func:`run_password` (``drs_job_password``):

1. preflight with ``batch-status``: every job must exist and be in a state that accepts a password
   change; otherwise the task fails before any write, naming each offending job and its state;
2. with a ledger, targets already recorded with the desired password are left alone;
3. the rest go in as few calls as possible, ``BATCH_SIZE`` items per call;
4. per-item results are reported; successes are recorded in the ledger after each call, so a
   re-run after a partial failure touches only the failed targets.

DRS cannot reveal the password a job stores, so without a ledger every run writes.
:func:`run_info` is ``drs_job_info``. Both take plain parameters and a :class:`_drs_api.DrsApi`,
return the module's result, and raise :class:`_errors.TaskFailed` (or another
:class:`_errors.CollectionError`) instead of failing a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import (
    ALLOWED_STATES,
    BATCH_SIZE,
    ENDPOINT_TYPES,
    job_exists,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    CloudError,
    ConfigError,
    PreconditionError,
    ProviderError,
    TaskFailed,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import chunks, diff_for, drs_ledger_key, unique

ENDPOINT_FIELDS = ("db_user", "ip", "db_port", "inst_id", "inst_name", "db_type", "db_name", "region", "project_id")
JOB_FIELDS = ("id", "name", "status", "error_code", "error_message", "db_use_type", "engine_type", "job_direction",
              "task_type", "net_type", "create_time", "update_time", "parent_id")


def read_states(api, job_ids, what="batch-status"):
    """``{job_id: entry}`` from ``batch-status`` (or ``batch-detail``); a failed read raises :class:`TaskFailed`."""
    job_ids = unique(job_ids)
    try:
        return api.batch_detail(job_ids) if what == "batch-detail" else api.batch_status(job_ids)
    except CloudError as err:
        raise TaskFailed.wrap(err, "Cannot read the %s of %d DRS job(s)" % (what.replace("batch-", ""), len(job_ids)))


# --- drs_job_password ---------------------------------------------------------------------------


def password_targets(params):
    """The job endpoints of ``params["jobs"]``: dicts ``{id, endpoint, ept, password, kerberos, key}``.

    A job endpoint listed twice, or without a password (``jobs[].password`` or ``password``),
    raises :class:`TaskFailed` (a :class:`ConfigError`) before anything is read.
    """
    targets, seen, without = [], set(), []
    for item in params["jobs"]:
        ept = ENDPOINT_TYPES[item["endpoint"]]
        if (item["id"], ept) in seen:
            raise TaskFailed.explain(
                ConfigError("DuplicateTarget", "job %s %s is listed twice" % (item["id"], item["endpoint"])),
                "The jobs option lists job %s (%s) twice; nothing was changed" % (item["id"], item["endpoint"]))
        seen.add((item["id"], ept))
        password = item.get("password") or params.get("password")
        if not password:
            without.append("%s (%s)" % (item["id"], item["endpoint"]))
        kerberos = dict((k, v) for k, v in (item.get("kerberos") or {}).items() if v is not None) or None
        targets.append({"id": item["id"], "endpoint": item["endpoint"], "ept": ept, "password": password,
                        "kerberos": kerberos, "key": drs_ledger_key(item["id"], ept)})
    if without:
        raise TaskFailed.explain(
            ConfigError("MissingPassword", "no password for %s" % ", ".join(without)),
            "No password for DRS job %s: set password or jobs[].password; nothing was changed" % ", ".join(without))
    return targets


def _result(target, outcome, status, **extra):
    result = {"id": target["id"], "endpoint": target["endpoint"], "outcome": outcome, "status": status,
              "error_code": None, "error_msg": None, "request_id": None}
    result.update(extra)
    return result


def preflight(api, targets):
    """``{job_id: status entry}`` when every job exists and accepts a password change.

    Otherwise raises :class:`TaskFailed` ``PreflightFailed`` naming each offending job and its state,
    with ``results`` (offenders ``failed``, the rest ``skipped``), ``changed`` false, no request ids.
    """
    status = read_states(api, [t["id"] for t in targets])
    offenders = []
    for job_id in unique(t["id"] for t in targets):
        entry = status.get(job_id)
        if not job_exists(entry):
            offenders.append((job_id, None, (entry or {}).get("error_code") or "DRS.M05003"))
        elif entry["status"] not in ALLOWED_STATES:
            offenders.append((job_id, entry["status"], "DRS.M00304"))
    if not offenders:
        return status
    bad = dict((job_id, (state, code)) for job_id, state, code in offenders)
    results = []
    for t in targets:
        if t["id"] in bad:
            state, code = bad[t["id"]]
            results.append(_result(t, "failed", state, error_code=code,
                                   error_msg="job not found" if state is None else
                                   "a password change is not allowed in status %s" % state))
        else:
            results.append(_result(t, "skipped", (status.get(t["id"]) or {}).get("status")))
    names = "; ".join("job %s is %s" % (job_id, state) if state else "job %s does not exist" % job_id
                      for job_id, state, code in offenders)
    raise TaskFailed.explain(PreconditionError("PreflightFailed", names),
                             "DRS preflight failed, no password was changed: %s" % names, changed=False,
                             results=results, request_ids=[])


def run_password(params, api, ledger=None, check_mode=False, preflight_done=False):
    """``drs_job_password``: preflight, then batch-modify-pwd in as few calls as allowed.

    ``params``: ``jobs`` (``[{id, endpoint: source|target, password?, kerberos?}]``) and ``password``;
    ``api``: :class:`DrsApi`; ``ledger``: a :class:`_ledger.Ledger` or None. Returns
    ``{changed, results, request_ids, diff, warnings}``; raises :class:`TaskFailed` (config,
    preflight, a read that failed, or any job endpoint that failed: its ``result`` holds every
    endpoint's outcome) or another :class:`_errors.CollectionError`. ``preflight_done``: the caller
    (the rotation engine) ran this preflight moments ago in check mode; do not read the jobs again.
    """
    targets = password_targets(params)
    status = {} if preflight_done else preflight(api, targets)

    session = LedgerSession(ledger, check_mode)
    recorded = session.matching((t["key"], t["password"]) for t in targets)
    results, pending = [], []
    for t in targets:
        if t["key"] in recorded:
            results.append(_result(t, "unchanged", (status.get(t["id"]) or {}).get("status")))
        else:
            results.append(_result(t, "updated", (status.get(t["id"]) or {}).get("status")))
            pending.append((t, results[-1]))
    output = dict(changed=bool(pending), results=results, request_ids=[],
                  diff=diff_for(["%s/%s" % (t["id"], t["endpoint"]) for t, _result_ in pending]),
                  warnings=session.warnings)
    if check_mode or not pending:
        return output

    first_error, abort = None, None
    for chunk in chunks(pending, BATCH_SIZE):
        if abort is not None:
            for t, result in chunk:
                result.update(outcome="skipped", error_code=abort.code,
                              error_msg="not attempted after an earlier failure (%s)" % abort.code)
            continue
        error = _write(api, chunk, session, output["request_ids"])
        if error is not None:
            first_error = first_error or error
            if isinstance(error, (AuthError, ConfigError)):
                abort = error

    updated = [r for r in results if r["outcome"] == "updated"]
    failed = [r for r in results if r["outcome"] in ("failed", "skipped")]
    output["changed"] = bool(updated) or any(r.get("may_have_applied") for r in results)
    output["diff"] = diff_for(["%s/%s" % (r["id"], r["endpoint"]) for r in updated])
    if failed:
        if first_error is None:
            item = failed[0]
            first_error = ProviderError(item["error_code"] or "Failed", item["error_msg"] or "",
                                        http_status=200, request_id=item["request_id"])
        names = "; ".join("job %s (%s): %s %s" % (r["id"], r["endpoint"], r["error_code"] or r["outcome"],
                                                  r["error_msg"] or "") for r in failed)
        raise TaskFailed.explain(first_error, "DRS password change failed for %d of %d job endpoints (%d updated): %s"
                                 % (len(failed), len(results), len(updated), names.strip()), **output)
    return output


def _write(api, chunk, session, request_ids):
    """One batch-modify-pwd call; fills the chunk's results. Returns the first error, or None."""
    items = []
    for t, _result_ in chunk:
        item = {"job_id": t["id"], "end_point_type": t["ept"], "db_password": t["password"]}
        if t["kerberos"]:
            item["kerberos"] = t["kerberos"]
        items.append(item)
    try:
        answer = api.batch_modify_pwd(items)
    except CloudError as err:
        if err.request_id:
            request_ids.append(err.request_id)
        extra = {}
        if err.may_have_applied:
            # The calls may have applied; DRS cannot show a stored password, so never resend: re-read
            # the jobs' states, report, and forget the endpoints in the ledger (their password is unknown:
            # a re-run and a rollback both write them again).
            states = read_states(api, [t["id"] for t, _r in chunk])
            extra = {"may_have_applied": True}
            for t, result in chunk:
                result["status"] = (states.get(t["id"]) or {}).get("status") or result["status"]
                session.forget(t["key"])
        for t, result in chunk:
            result.update(outcome="failed", error_code=err.code, request_id=err.request_id,
                          error_msg=err.message + (" (the change may have applied; it was not resent)"
                                                   if err.may_have_applied else ""), **extra)
        return err
    request_ids.append(answer.request_id)
    by_key = {}
    for entry in (answer.data or {}).get("results") or []:
        by_key.setdefault((entry.get("id"), entry.get("end_point_type")), entry)
    first, succeeded = None, []
    for t, result in chunk:
        entry = by_key.get((t["id"], t["ept"]))
        result["request_id"] = answer.request_id
        if entry is None:
            result.update(outcome="failed", error_code="MissingResult",
                          error_msg="the response has no result for this job endpoint")
        elif entry.get("status") == "success":
            succeeded.append((t["key"], t["password"], answer.request_id))
            continue
        else:
            result.update(outcome="failed", error_code=entry.get("error_code") or "Failed",
                          error_msg=entry.get("error_msg") or "the job endpoint reported status %s"
                          % entry.get("status"))
        if first is None:
            first = ProviderError(result["error_code"], result["error_msg"], http_status=answer.http_status,
                                  request_id=answer.request_id, target="DRS job %s" % t["id"])
    session.record_many(succeeded)
    return first


# --- healing: retry of failed tasks -------------------------------------------------------------


def run_retry(params, api):
    """Retry the failed tasks of ``params["jobs"]`` (``batch-retry-task``, :data:`BATCH_SIZE` a call).

    The rotation engine calls it for a job that failed on authentication once its password is
    right again. Returns ``{changed, results: [{id, outcome: retried|failed, error_code, error_msg,
    request_id}], request_ids}``; a call that fails fails its jobs' results (no exception), so the
    engine reports them and verifies on.
    """
    results, request_ids = [], []
    for chunk in chunks(unique(params["jobs"]), BATCH_SIZE):
        try:
            answer = api.batch_retry_task(chunk)
        except CloudError as err:
            request_ids.extend([err.request_id] if err.request_id else [])
            results.extend({"id": job_id, "direction": "forward", "outcome": "failed", "error_code": err.code,
                            "error_msg": err.message, "request_id": err.request_id} for job_id in chunk)
            continue
        request_ids.append(answer.request_id)
        by_id = dict((e.get("id"), e) for e in (answer.data or {}).get("results") or [])
        for job_id in chunk:
            entry = by_id.get(job_id) or {"status": "failed", "error_code": "MissingResult",
                                          "error_msg": "the response has no result for this job"}
            ok = entry.get("status") == "success"
            results.append({"id": job_id, "direction": "forward", "outcome": "retried" if ok else "failed",
                            "request_id": answer.request_id,
                            "error_code": None if ok else entry.get("error_code") or "Failed",
                            "error_msg": None if ok else entry.get("error_msg")})
    return dict(changed=any(r["outcome"] == "retried" for r in results), results=results, request_ids=request_ids)


# --- drs_job_info -------------------------------------------------------------------------------


def _endpoint(view):
    view = view or {}
    return dict((k, view.get(k)) for k in ENDPOINT_FIELDS)


def job_view(entry):
    """A job without any secret: whitelisted fields, endpoints without passwords or certificates."""
    view = dict((k, entry.get(k)) for k in JOB_FIELDS)
    if "source_endpoint" in entry or "target_endpoint" in entry:
        view["source_endpoint"] = _endpoint(entry.get("source_endpoint"))
        view["target_endpoint"] = _endpoint(entry.get("target_endpoint"))
    status = entry.get("status") or ""
    view["password_change_allowed"] = status in ALLOWED_STATES
    view["healthy"] = bool(status) and not status.endswith("_FAILED") and not entry.get("error_code")
    return view


def run_info(params, api):
    """``drs_job_info``: details of ``params["jobs"]``, or of the jobs the filters match.

    ``params``: ``jobs`` (ids) or ``name``/``status``/``db_use_type`` filters, and ``details``.
    Returns ``{changed: False, jobs: [job_view...], missing: [ids]}``; raises :class:`TaskFailed`.
    """
    if params.get("jobs"):
        ids = unique(params["jobs"])
        found = read_states(api, ids, "batch-detail")
        return dict(changed=False, jobs=[job_view(found[i]) for i in ids if job_exists(found.get(i))],
                    missing=[i for i in ids if not job_exists(found.get(i))])
    try:
        listed = api.list_jobs(name=params.get("name"), status=params.get("status"),
                               db_use_type=params.get("db_use_type"))
    except CloudError as err:
        raise TaskFailed.wrap(err, "Cannot list DRS jobs")
    if params.get("details") and listed:
        found = read_states(api, [j["id"] for j in listed if j.get("id")], "batch-detail")
        jobs = [job_view(found.get(j.get("id")) or j) for j in listed]
    else:
        jobs = [job_view(j) for j in listed]
    return dict(changed=False, jobs=jobs, missing=[])
