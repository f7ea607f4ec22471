# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Huawei DRS v3: batch password change of job endpoints, and job reads (reference §2, §8.2).

``PUT /v3/{project_id}/jobs/batch-modify-pwd`` answers HTTP 200 with one ``success``/``failed``
entry per (job, endpoint). The flow:

1. preflight with ``POST .../jobs/batch-status``: every job must exist and be in a state that
   accepts a password change (§2.2; ``START_JOB_FAILED`` and the constraint's
   ``STARTJOB_FAILED`` are the same state); otherwise the task fails before any write, naming
   each offending job and its state;
2. with a ``ledger``, targets already recorded with the desired password are left alone;
3. the rest go in as few calls as possible, :data:`BATCH_SIZE` items per call;
4. per-item results are reported; successes are recorded in the ledger at once, so a re-run
   after a partial failure touches only the failed targets.

DRS cannot reveal the password a job stores, so without a ledger every run writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    CloudError,
    ConfigError,
    PreconditionError,
    ProviderError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._password_target import (
    diff_for,
    fail,
    ledger_forget,
    ledger_matches,
    ledger_record,
    open_ledger,
)

ALLOWED_STATES = frozenset((
    "STARTJOBING", "START_JOB_FAILED", "STARTJOB_FAILED", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED",
    "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "PAUSING", "PAUSEING",
))
ENDPOINT_TYPES = {"source": "so", "target": "ta"}
ENDPOINT_NAMES = dict((v, k) for k, v in ENDPOINT_TYPES.items())
# Items per batch-modify-pwd call. The API documents no limit for this call; 100 is the limit of
# every DRS batch read (per_page 0-100, name filter <= 100 ids), so it is the size we rely on.
BATCH_SIZE = 100
READ_PAGE = 100
NOT_FOUND_CODES = frozenset(("DRS.M05003", "DRS.M05004", "DRS.10000010"))
ENDPOINT_FIELDS = ("db_user", "ip", "db_port", "inst_id", "inst_name", "db_type", "db_name", "region", "project_id")
JOB_FIELDS = ("id", "name", "status", "error_code", "error_message", "db_use_type", "engine_type", "job_direction",
              "task_type", "net_type", "create_time", "update_time", "parent_id")

PASSWORD_ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="dict", required=True, options=dict(
        id=dict(type="str", required=True),
        endpoint=dict(type="str", required=True, choices=["source", "target"]),
        password=dict(type="str", no_log=True),
        kerberos=dict(type="dict", options=dict(
            krb5_conf_file=dict(type="str"),
            key_tab_file=dict(type="str", no_log=True),
            domain_name=dict(type="str"),
            user_principal=dict(type="str"),
        )),
    )),
    password=dict(type="str", no_log=True),
    ledger=dict(type="path"),
)

INFO_ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="str"),
    name=dict(type="str"),
    status=dict(type="str"),
    db_use_type=dict(type="str", choices=["migration", "sync", "cloudDataGuard"]),
    details=dict(type="bool", default=True),
)

PASSWORD_RULES = {"jobs[].id": "drs_job_id"}
INFO_RULES = {"jobs[]": "drs_job_id", "name": "text", "status": "text"}


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _unique(values):
    seen, out = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def batch_read(module, what, ids):
    """``batch-status`` or ``batch-detail`` of ``ids`` (100 a call): ``{id: entry}``."""
    found = {}
    for chunk in _chunks(_unique(ids), READ_PAGE):
        body = {"jobs": chunk, "page_req": {"cur_page": 1, "per_page": READ_PAGE}}
        try:
            data = module.client.request("drs", "POST", "/v3/{project_id}/jobs/{action}", body=body,
                                         path_params={"action": what},
                                         target="DRS jobs").data or {}
        except CloudError as err:
            module.fail_from(err, msg="Cannot read the %s of %d DRS job(s)" % (what.replace("batch-", ""), len(chunk)))
        for entry in data.get("results") or []:
            if entry.get("id"):
                found[entry["id"]] = entry
    return found


def _exists(entry):
    return entry is not None and entry.get("status") and entry.get("error_code") not in NOT_FOUND_CODES


# --- drs_job_password ---------------------------------------------------------------------------


def _targets(module):
    params = module.params
    targets, seen, without = [], set(), []
    for item in params["jobs"]:
        ept = ENDPOINT_TYPES[item["endpoint"]]
        if (item["id"], ept) in seen:
            fail(module, ConfigError("DuplicateTarget", "job %s %s is listed twice" % (item["id"], item["endpoint"])),
                 "The jobs option lists job %s (%s) twice; nothing was changed" % (item["id"], item["endpoint"]))
        seen.add((item["id"], ept))
        password = item.get("password") or params.get("password")
        if not password:
            without.append("%s (%s)" % (item["id"], item["endpoint"]))
        kerberos = dict((k, v) for k, v in (item.get("kerberos") or {}).items() if v is not None) or None
        targets.append({"id": item["id"], "endpoint": item["endpoint"], "ept": ept, "password": password,
                        "kerberos": kerberos, "key": "drs:%s:%s" % (item["id"], ept)})
    if without:
        fail(module, ConfigError("MissingPassword", "no password for %s" % ", ".join(without)),
             "No password for DRS job %s: set password or jobs[].password; nothing was changed" % ", ".join(without))
    return targets


def _result(target, outcome, status, **extra):
    result = {"id": target["id"], "endpoint": target["endpoint"], "outcome": outcome, "status": status,
              "error_code": None, "error_msg": None, "request_id": None}
    result.update(extra)
    return result


def run_password(module):
    """``drs_job_password``: preflight, then batch-modify-pwd in as few calls as allowed."""
    targets = _targets(module)

    # 1. preflight: one batch-status read (per 100 jobs); any offender fails the whole task
    status = batch_read(module, "batch-status", [t["id"] for t in targets])
    offenders = []
    for job_id in _unique(t["id"] for t in targets):
        entry = status.get(job_id)
        if not _exists(entry):
            offenders.append((job_id, None, (entry or {}).get("error_code") or "DRS.M05003"))
        elif entry["status"] not in ALLOWED_STATES:
            offenders.append((job_id, entry["status"], "DRS.M00304"))
    if offenders:
        bad = dict((job_id, (state, code)) for job_id, state, code in offenders)
        results = []
        for t in targets:
            if t["id"] in bad:
                state, code = bad[t["id"]]
                results.append(_result(t, "failed", state, error_code=code,
                                       error_msg="job not found" if state is None else
                                       "a password change is not allowed in status %s" % state))
            else:
                results.append(_result(t, "skipped", status[t["id"]]["status"]))
        names = "; ".join("job %s is %s" % (job_id, state) if state else "job %s does not exist" % job_id
                          for job_id, state, code in offenders)
        fail(module, PreconditionError("PreflightFailed", names),
             "DRS preflight failed, no password was changed: %s" % names, changed=False, results=results,
             request_ids=[])

    # 2. the ledger says which targets already have the password
    ledger = open_ledger(module)
    results, pending = [], []
    for t in targets:
        if ledger_matches(module, ledger, t["key"], t["password"]):
            results.append(_result(t, "unchanged", status[t["id"]]["status"]))
        else:
            results.append(_result(t, "updated", status[t["id"]]["status"]))
            pending.append((t, results[-1]))
    label = dict((t["key"], "%s/%s" % (t["id"], t["endpoint"])) for t in targets)
    output = dict(changed=bool(pending), results=results, request_ids=[],
                  diff=diff_for([label[t["key"]] for t, _result in pending]))
    if module.check_mode or not pending:
        module.exit_json(**output)

    # 3. write, as few calls as possible
    first_error, abort = None, None
    for chunk in _chunks(pending, BATCH_SIZE):
        if abort is not None:
            for t, result in chunk:
                result.update(outcome="skipped", error_code=abort.code,
                              error_msg="not attempted after an earlier failure (%s)" % abort.code)
            continue
        error = _write(module, chunk, ledger, output["request_ids"])
        if error is not None:
            first_error = first_error or error
            if isinstance(error, (AuthError, ConfigError)):
                abort = error

    # 4. report
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
        fail(module, first_error, "DRS password change failed for %d of %d job endpoints (%d updated): %s"
             % (len(failed), len(results), len(updated), names.strip()), **output)
    module.exit_json(**output)


def _write(module, chunk, ledger, request_ids):
    """One batch-modify-pwd call; fills the chunk's results. Returns the first error, or None."""
    items = []
    for t, _result_ in chunk:
        item = {"job_id": t["id"], "end_point_type": t["ept"], "db_password": t["password"]}
        if t["kerberos"]:
            item["kerberos"] = t["kerberos"]
        items.append(item)
    try:
        api = module.client.request("drs", "PUT", "/v3/{project_id}/jobs/batch-modify-pwd", body={"jobs": items},
                                    write=True, target="DRS jobs")
    except CloudError as err:
        if err.request_id:
            request_ids.append(err.request_id)
        extra = {}
        if err.may_have_applied:
            # The calls may have applied; DRS cannot show a stored password, so never resend: re-read
            # the jobs' states, report, and forget the endpoints in the ledger (their password is unknown:
            # a re-run and a rollback both write them again).
            states = batch_read(module, "batch-status", [t["id"] for t, _r in chunk])
            extra = {"may_have_applied": True}
            for t, result in chunk:
                result["status"] = (states.get(t["id"]) or {}).get("status") or result["status"]
                ledger_forget(module, ledger, t["key"])
        for t, result in chunk:
            result.update(outcome="failed", error_code=err.code, request_id=err.request_id,
                          error_msg=err.message + (" (the change may have applied; it was not resent)"
                                                   if err.may_have_applied else ""), **extra)
        return err
    request_ids.append(api.request_id)
    by_key = {}
    for entry in (api.data or {}).get("results") or []:
        by_key.setdefault((entry.get("id"), entry.get("end_point_type")), entry)
    first = None
    for t, result in chunk:
        entry = by_key.get((t["id"], t["ept"]))
        result["request_id"] = api.request_id
        if entry is None:
            result.update(outcome="failed", error_code="MissingResult",
                          error_msg="the response has no result for this job endpoint")
        elif entry.get("status") == "success":
            ledger_record(module, ledger, t["key"], t["password"], request_id=api.request_id)
            continue
        else:
            result.update(outcome="failed", error_code=entry.get("error_code") or "Failed",
                          error_msg=entry.get("error_msg") or "the job endpoint reported status %s"
                          % entry.get("status"))
        if first is None:
            first = ProviderError(result["error_code"], result["error_msg"], http_status=api.http_status,
                                  request_id=api.request_id, target="DRS job %s" % t["id"])
    return first


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


def list_jobs(module):
    """Every job matching the filters (``POST /v3/{project_id}/jobs``, 100 a page)."""
    params = module.params
    body = dict((k, params[k]) for k in ("name", "status", "db_use_type") if params.get(k))
    jobs, page = [], 1
    while True:
        body.update(cur_page=page, per_page=READ_PAGE)
        try:
            data = module.client.request("drs", "POST", "/v3/{project_id}/jobs", body=body, target="DRS jobs").data or {}
        except CloudError as err:
            module.fail_from(err, msg="Cannot list DRS jobs")
        batch = data.get("jobs") or []
        jobs.extend(batch)
        total = data.get("total_record")
        if not batch or (total is not None and len(jobs) >= int(total)):
            return jobs
        page += 1


def run_info(module):
    """``drs_job_info``: details of the given jobs, or of the jobs the filters match."""
    params = module.params
    if params.get("jobs"):
        ids = _unique(params["jobs"])
        found = batch_read(module, "batch-detail", ids)
        jobs = [job_view(found[i]) for i in ids if _exists(found.get(i))]
        missing = [i for i in ids if not _exists(found.get(i))]
        module.exit_json(changed=False, jobs=jobs, missing=missing)
    listed = list_jobs(module)
    if params["details"] and listed:
        found = batch_read(module, "batch-detail", [j["id"] for j in listed if j.get("id")])
        jobs = [job_view(found.get(j.get("id")) or j) for j in listed]
    else:
        jobs = [job_view(j) for j in listed]
    module.exit_json(changed=False, jobs=jobs, missing=[])
