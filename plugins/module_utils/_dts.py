# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Alibaba Cloud DTS: job reads and ``ModifyDtsJobPassword`` for the ``dts_job_*`` modules.

:class:`DtsApi` wraps the three DTS actions over :class:`_alibaba.AlibabaClient`.
:func:`run_job_password` is the whole of ``dts_job_password`` (read, decide, write, report) and
:func:`run_job_info` the whole of ``dts_job_info``; the modules only declare their options.

Password changes (one call per job endpoint, as the API allows) run concurrently, at most
``concurrency`` in flight. Before any write every job is read (``DescribeDtsJobDetail``, under
the same bound) and the task fails as a whole, naming each offending job endpoint and its state,
when a job is missing, refuses password changes in its state, has an endpoint whose password
cannot be modified, or uses another account than the one given.

Idempotence: DTS refuses a new password equal to the current one
(``DTS.Msg.InvalidParameter.PasswordSame``): that answer means ``unchanged``. With a ``ledger``,
targets already recorded with this password are not called at all. A write that may have applied
(5xx or lost response) is not resent blindly: the job is read again and one confirming call is
made, whose ``PasswordSame`` answer proves the first call applied.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 2 is not supported
    ThreadPoolExecutor = None

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    NotFoundError,
    PolicyError,
    PreconditionError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import Ledger, LedgerError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import AlibabaCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check as policy_check
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import DEFAULT_POOL_SIZE, Transport

# Option values <-> API values.
ENDPOINTS = {"source": "src", "destination": "dest"}
ENDPOINT_FIELDS = {"source": "SourceEndpoint", "destination": "DestinationEndpoint"}
DIRECTIONS = {"forward": "Forward", "reverse": "Reverse"}

PASSWORD_SAME = "DTS.Msg.InvalidParameter.PasswordSame"

# Job states in which DTS accepts ModifyDtsJobPassword (compared case-insensitively: the API
# documents both "Synchronizing" and "synchronizing"). Every other state is refused, among them
# NotConfigured, Prechecking, PrecheckFailed, PreCheckPass, Modifying, Upgrade, Downgrade, Locked,
# Finished and Starting. An unknown state is refused too: preflight fails closed.
ACCEPTS_PASSWORD = frozenset(s.lower() for s in (
    "NotStarted", "Initializing", "Synchronizing", "Migrating", "Failed", "InitializeFailed", "MigrationFailed",
    "Suspending", "Retrying", "Normal", "Abnormal"))
RUNNING_STATES = frozenset(s.lower() for s in ("Initializing", "Synchronizing", "Migrating", "Normal"))
FAILED_STATES = frozenset(s.lower() for s in (
    "Failed", "MigrationFailed", "InitializeFailed", "PrecheckFailed", "Abnormal"))

JOB_TYPES = ("MIGRATION", "SYNC", "SUBSCRIBE")
PAGE_SIZES = (10, 20, 30)
MAX_PAGES = 1000  # a safety stop for a listing that never ends
CONCURRENCY_RANGE = (1, 64)

# --- argument specs (the modules use these; DOCUMENTATION describes them) ------------------------

JOB_PASSWORD_SPEC = dict(
    jobs=dict(type="list", elements="dict", required=True, options=dict(
        id=dict(type="str", required=True),
        endpoint=dict(type="str", required=True, choices=["source", "destination"]),
        user=dict(type="str"),
        direction=dict(type="str", default="forward", choices=["forward", "reverse"]),
        password=dict(type="str", no_log=True),
    )),
    password=dict(type="str", no_log=True),
    password_policy=dict(type="list", elements="str", default=[], no_log=False, choices=["gaussdb_mysql", "dcs", "dcs_otc"]),
    concurrency=dict(type="int", default=8),
    ledger=dict(type="path"),
)

JOB_INFO_SPEC = dict(
    jobs=dict(type="list", elements="str"),
    job_type=dict(type="str", choices=list(JOB_TYPES)),
    status=dict(type="str"),
    page_size=dict(type="int", default=30, choices=list(PAGE_SIZES)),
    concurrency=dict(type="int", default=8),
)


JOB_PASSWORD_RULES = {"jobs[].id": "dts_job_id", "jobs[].user": "db_user", "concurrency": "concurrency"}
JOB_INFO_RULES = {"jobs[]": "dts_job_id", "status": "text", "concurrency": "concurrency"}


class DtsModule(AlibabaCloudModule):
    """:class:`AlibabaCloudModule` whose HTTP connection pool fits ``concurrency`` calls in flight."""

    def transport(self):
        p = self.params
        pool = max(DEFAULT_POOL_SIZE, p.get("concurrency") or 0)
        return Transport(timeout=p.get("timeout"), validate_certs=p.get("validate_certs", True),
                         ca_path=p.get("ca_path"), pool_size=pool)


class DtsApi(object):
    """The DTS 2020-01-01 actions the modules use. Every method raises :class:`CloudError`."""

    def __init__(self, client):
        self.client = client

    @property
    def region(self):
        return self.client.region

    def describe(self, job_id, direction="forward"):
        """``DescribeDtsJobDetail`` of one job direction: ``(data, request_id)``."""
        params = [("DtsJobId", job_id), ("RegionId", self.region)]
        if direction == "reverse":
            params.append(("SynchronizationDirection", DIRECTIONS[direction]))
        result = self.client.call("DescribeDtsJobDetail", params, target="dts job %s" % job_id)
        return result.data, result.request_id

    def list_page(self, job_type, page_number, page_size, status=None):
        """One ``DescribeDtsJobs`` page: ``(data, request_id)``."""
        params = [("JobType", job_type), ("PageNumber", page_number), ("PageSize", page_size),
                  ("Status", status or None), ("Region", self.region)]
        result = self.client.call("DescribeDtsJobs", params, target="dts %s jobs" % job_type)
        return result.data, result.request_id

    def modify_password(self, target, password):
        """``ModifyDtsJobPassword`` for one :class:`Target`; the password goes only in the signed body."""
        params = [("DtsJobId", target.id), ("RegionId", self.region), ("Endpoint", ENDPOINTS[target.endpoint]),
                  ("UserName", target.user)]
        if target.direction == "reverse":
            params.append(("SynchronizationDirection", DIRECTIONS[target.direction]))
        return self.client.call("ModifyDtsJobPassword", params, secret_params=[("Password", password)], write=True,
                                target=target.label)


def is_missing_job(err):
    """True when ``err`` says the job does not exist (DTS answers ``InvalidParameter`` on ``DtsJobId``)."""
    if isinstance(err, NotFoundError):
        return True
    return err.code == "InvalidParameter" and "DtsJobId" in (err.message or "")


def is_missing_direction(err):
    return err.code == "InvalidParameter" and "SynchronizationDirection" in (err.message or "")


def bounded_map(func, items, concurrency):
    """``[func(item) for item in items]`` with at most ``concurrency`` calls in flight, in order."""
    items = list(items)
    if len(items) <= 1 or concurrency <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(func, items))


def _check_concurrency(module):
    low, high = CONCURRENCY_RANGE
    value = module.params["concurrency"]
    if not low <= value <= high:
        module.fail_json(msg="concurrency must be between %d and %d (got %d)" % (low, high, value))
    return value


# --- dts_job_password --------------------------------------------------------------------------


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
        return "dts:%s:%s:%s:%s" % (self.id, self.direction, ENDPOINTS[self.endpoint], self.user)

    def result(self, outcome, error_code=None, error_msg=None, request_id=None):
        return {"id": self.id, "endpoint": self.endpoint, "direction": self.direction, "user": self.user,
                "outcome": outcome, "status": self.status, "error_code": error_code, "error_msg": error_msg,
                "request_id": request_id}


def _targets(module):
    """Targets from the options, or fail (before any call) on a missing password or a duplicate."""
    default = module.params.get("password")
    targets, seen = [], set()
    for index, item in enumerate(module.params["jobs"]):
        password = item.get("password") or default
        target = Target(item, password)
        if not password:
            module.fail_json(msg="No password for %s: give jobs[%d].password or password." % (target.label, index))
        if target.key in seen:
            module.fail_json(msg="%s is listed twice in jobs." % target.label[0].upper() + target.label[1:])
        seen.add(target.key)
        targets.append(target)
    if not targets:
        module.fail_json(msg="jobs is empty: name at least one job endpoint.")
    return targets


def _check_policy(module, targets):
    """Fail before any call when a password breaks a rule of ``password_policy`` (naming rule and targets)."""
    policies = ["dts"] + list(module.params.get("password_policy") or [])
    problems = []
    for target in targets:
        for violation in policy_check(target.password, policies):
            problems.append("%s: %s" % (target.label, violation))
    if problems:
        err = PolicyError("PasswordPolicy", "; ".join(problems))
        module.fail_from(err, "The new password breaks the password policy for %d job endpoint(s)" % len(problems),
                         results=[t.result("skipped", "PasswordPolicy", "password policy violation")
                                  for t in targets])


def _preflight(module, api, targets, concurrency):
    """Read every job direction (concurrently) and mark each target's state and problem."""
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
            module.fail_from(err, "Cannot read dts job %s%s" % (
                pair[0], " (reverse direction)" if pair[1] == "reverse" else ""))
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
        data = answer[0]
        target.status = data.get("Status") or "unknown"
        endpoint = data.get(ENDPOINT_FIELDS[target.endpoint])
        if target.status.lower() not in ACCEPTS_PASSWORD:
            target.problem_code = "JobStatus"
            target.problem = "the job's state %s refuses password changes" % target.status
        elif not isinstance(endpoint, dict):
            target.problem_code = "EndpointNotFound"
            target.problem = "the job has no %s endpoint" % target.endpoint
        elif endpoint.get("CanModifyPassword") is False or \
                ("%s" % endpoint.get("CanModifyPassword")).lower() == "false":
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

    offending = [t for t in targets if t.problem]
    if offending:
        text = "; ".join("%s (%s): %s" % (t.label, t.status, t.problem) for t in offending)
        err = PreconditionError("PreflightFailed", text)
        module.fail_from(err, "Preflight failed for %d of %d DTS job endpoint(s), nothing was changed" % (
            len(offending), len(targets)),
            results=[t.result("skipped", t.problem_code, t.problem) for t in targets])


class _Writer(object):
    """Writes one target's password and classifies the answer (runs in worker threads)."""

    def __init__(self, api, ledger):
        self.api = api
        self.ledger = ledger
        self.lock = threading.Lock()
        self.ledger_error = None
        self.errors = {}  # target key -> the CloudError that failed it

    def record(self, target, request_id):
        if self.ledger is None:
            return
        with self.lock:
            try:
                self.ledger.record(target.ledger_key, target.password, request_id=request_id)
            except LedgerError as exc:
                self.ledger_error = self.ledger_error or exc

    def __call__(self, target):
        try:
            answer = self.api.modify_password(target, target.password)
        except CloudError as err:
            if err.code == PASSWORD_SAME:
                self.record(target, err.request_id)
                return target.result("unchanged", request_id=err.request_id), [err.request_id]
            if err.may_have_applied:
                return self.confirm(target, err)
            return self.failed(target, err), [err.request_id]
        self.record(target, answer.request_id)
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
            answer = self.api.modify_password(target, target.password)
        except CloudError as err:
            if err.code == PASSWORD_SAME:
                ids.append(err.request_id)
                self.record(target, err.request_id)
                return target.result("updated", request_id=first.request_id or err.request_id), ids
            ids.append(err.request_id)
            return self.failed(target, first, " (confirmation failed: %s)" % err), ids
        ids.append(answer.request_id)
        self.record(target, answer.request_id)
        return target.result("updated", request_id=answer.request_id), ids

    def forget(self, target):
        """The write may have applied: the endpoint's password is unknown, the ledger must not vouch for it."""
        if self.ledger is None:
            return
        with self.lock:
            try:
                self.ledger.forget(target.ledger_key)
            except LedgerError as exc:
                self.ledger_error = self.ledger_error or exc

    def failed(self, target, err, note=""):
        if err.may_have_applied:
            self.forget(target)
        with self.lock:
            self.errors[target.key] = err
        message = err.message or ""
        if err.may_have_applied:
            message += " (the change may have applied)"
        return target.result("failed", err.code, message + note, err.request_id)


def run_job_password(module):
    """``dts_job_password``: returns the result for ``exit_json`` (fails the module itself)."""
    concurrency = _check_concurrency(module)
    targets = _targets(module)
    for target in targets:
        module.add_secret(target.password)
    _check_policy(module, targets)
    api = DtsApi(module.client)
    ledger = Ledger(module.params["ledger"]) if module.params.get("ledger") else None

    _preflight(module, api, targets, concurrency)

    recorded = set()
    if ledger is not None:
        try:
            recorded = set(t.key for t in targets if ledger.matches(t.ledger_key, t.password))
        except LedgerError as exc:
            module.fail_from(exc, "Cannot read the ledger")
    pending = [t for t in targets if t.key not in recorded]
    results = dict((t.key, t.result("unchanged")) for t in targets if t.key in recorded)

    request_ids, errors = [], {}
    if module.check_mode:
        for target in pending:
            results[target.key] = target.result("updated")
    else:
        writer = _Writer(api, ledger)
        for target, (result, ids) in zip(pending, bounded_map(writer, pending, concurrency)):
            results[target.key] = result
            request_ids.extend(i for i in ids if i)
        errors = writer.errors
        if writer.ledger_error is not None:
            module.warn("The ledger could not be updated: %s" % (writer.ledger_error,))

    ordered = [results[t.key] for t in targets]
    changed_targets = [r for r in ordered if r["outcome"] == "updated"]
    output = {"changed": bool(changed_targets), "results": ordered, "request_ids": request_ids}
    if module.module._diff:
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
            "msg": "ModifyDtsJobPassword failed for %d of %d DTS job endpoint(s): %s" % (
                len(failures), len(ordered), names),
            "error": {"code": first["error_code"], "message": first["error_msg"],
                      "kind": err.kind if err is not None else "provider"},
            "http_status": err.http_status if err is not None else None, "request_id": first["request_id"],
        })
        if err is not None and err.may_have_applied:
            output["may_have_applied"] = True
        module.fail_json(**module.redact(output))
    return module.redact(output)


# --- dts_job_info -----------------------------------------------------------------------------


def _endpoint_view(endpoint):
    if not isinstance(endpoint, dict):
        return None
    can_modify = endpoint.get("CanModifyPassword")
    if can_modify is not None and not isinstance(can_modify, bool):
        can_modify = ("%s" % can_modify).lower() == "true"
    return {"user_name": endpoint.get("UserName"), "engine_name": endpoint.get("EngineName"),
            "ip": endpoint.get("Ip"), "port": endpoint.get("Port"), "instance_id": endpoint.get("InstanceID"),
            "instance_type": endpoint.get("InstanceType"), "region": endpoint.get("Region"),
            "database_name": endpoint.get("DatabaseName"), "can_modify_password": can_modify}


def job_view(data, direction=None, job_type=None):
    """The module's view of a DTS job (one direction): no password, ever (the API has none)."""
    status = data.get("Status") or ""
    name = direction or ("reverse" if ("%s" % data.get("DtsJobDirection")).lower() == "reverse" else "forward")
    return {"id": data.get("DtsJobId"), "name": data.get("DtsJobName"), "instance_id": data.get("DtsInstanceID"),
            "job_type": data.get("JobType") or job_type, "direction": name, "status": status,
            "error_message": data.get("ErrorMessage") or "",
            "running": status.lower() in RUNNING_STATES, "failed": status.lower() in FAILED_STATES,
            "two_way": bool(data.get("DtsJobDirection")),
            "source": _endpoint_view(data.get("SourceEndpoint")),
            "destination": _endpoint_view(data.get("DestinationEndpoint"))}


def _describe_jobs(module, api, ids, concurrency):
    request_ids, missing = [], []

    def read(pair):
        try:
            return pair, api.describe(*pair), None
        except CloudError as err:
            return pair, None, err

    def check(pair, err):
        if is_missing_job(err):
            return True
        module.fail_from(err, "Cannot read dts job %s" % pair[0])

    forward = bounded_map(read, [(i, "forward") for i in ids], concurrency)
    views, reverse = {}, []
    for pair, answer, err in forward:
        if err is not None:
            check(pair, err)
            missing.append(pair[0])
            continue
        data, request_id = answer
        request_ids.append(request_id)
        views[pair] = job_view(data, "forward")
        if data.get("DtsJobDirection"):
            reverse.append((pair[0], "reverse"))
    for pair, answer, err in bounded_map(read, reverse, concurrency):
        if err is not None:
            if is_missing_direction(err) or is_missing_job(err):
                continue
            check(pair, err)
        data, request_id = answer
        request_ids.append(request_id)
        views[pair] = job_view(data, "reverse")
    jobs = []
    for job_id in ids:
        for direction in ("forward", "reverse"):
            if (job_id, direction) in views:
                jobs.append(views[(job_id, direction)])
    return jobs, missing, request_ids


def _list_jobs(module, api):
    p = module.params
    jobs, request_ids = [], []
    for job_type in ([p["job_type"]] if p.get("job_type") else JOB_TYPES):
        page = 1
        while True:
            try:
                data, request_id = api.list_page(job_type, page, p["page_size"], p.get("status"))
            except CloudError as err:
                module.fail_from(err, "Cannot list DTS %s jobs (page %d)" % (job_type, page))
            request_ids.append(request_id)
            items = data.get("DtsJobList") or []
            for item in items:
                jobs.append(job_view(item, job_type=job_type))
                if isinstance(item.get("ReverseJob"), dict):
                    reverse = dict(item["ReverseJob"])
                    reverse.setdefault("DtsJobId", item.get("DtsJobId"))
                    jobs.append(job_view(reverse, "reverse", job_type))
            total = data.get("TotalRecordCount")
            if not items or page >= MAX_PAGES:
                break
            if total is not None and "%s" % total != "":
                if page * p["page_size"] >= int(total):
                    break
            elif len(items) < p["page_size"]:
                break
            page += 1
    return jobs, request_ids


def run_job_info(module):
    """``dts_job_info``: returns the result for ``exit_json`` (fails the module itself)."""
    p = module.params
    concurrency = _check_concurrency(module)
    api = DtsApi(module.client)
    if p.get("jobs"):
        ids = []
        for job_id in p["jobs"]:
            if job_id not in ids:
                ids.append(job_id)
        jobs, missing, request_ids = _describe_jobs(module, api, ids, concurrency)
    else:
        jobs, request_ids = _list_jobs(module, api)
        missing = []
    return {"changed": False, "jobs": jobs, "missing": missing, "request_ids": [i for i in request_ids if i]}
