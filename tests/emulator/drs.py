"""Huawei Cloud DRS v3: job password change (batch), batch status/detail, job list, job retry.

Calls (reference §2, error codes §8.2, Appendix), all under ``/v3/{project_id}/jobs``:

* ``PUT  .../jobs/batch-modify-pwd``  (BatchResetPassword, write)
* ``POST .../jobs/batch-status``      (BatchListJobStatus)
* ``POST .../jobs/batch-detail``      (BatchListJobDetails)
* ``POST .../jobs``                   (ShowJobList)
* ``POST .../jobs/batch-retry-task``  (BatchRestoreTask, write; what it does: :mod:`emulator.drs_jobs`)

What happens to a job (health of its stored passwords, recovery, reconnect delay, retry) is in
:mod:`emulator.drs_jobs`; this module serves the calls.

Fixture section ``drs``::

    drs:
      jobs:
        - id: 8d0e8e36-a618-490d-8a46-8c61ac9djb01
          name: orders-sync
          project_id: 0123456789abcdef0123456789abcdef   # only this project sees the job (omitted: every project)
          status: INCRE_TRANSFER_STARTED                  # default
          db_use_type: sync                               # migration (default) | sync | cloudDataGuard
          engine_type: mysql                              # default mysql
          task_type: FULL_INCR_TRANS                      # default
          job_direction: up                               # default up
          net_type: eip                                   # default eip
          description: ""
          create_time: "1700000000000"                    # epoch ms; default: load time
          source:
            database: {ref: <gaussdb/dcs instance id or external:host:port>, user: repl}
            password: "..."                               # what the job currently stores
            ip: 10.0.0.5
            db_port: 3306
            inst_id: ...                                  # default: database.ref (not for external:)
            db_type: mysql
            region: cn-north-4
            inst_name: ...
          target: {...same keys...}
          recovery: manual                                # auto | manual (default: settings.job_recovery, auto)
          reconnect_delay: 30                             # seconds (default: settings.reconnect_delay, 0)
          # state the emulator keeps (present in the state file, optional in fixtures):
          error_code: DRS.KE0002
          error_message: The username or password is incorrect
          health_failure: {from: INCRE_TRANSFER_STARTED, endpoints: [source]}
          refused_since: {source: 1700000000.0}           # reconnect delay running (emulator clock, epoch s)
          fail_next_change: [{end_point_type: so, error_code: DRS.M01501, error_msg: Service error}]

Settings: ``drs_health_interval`` (seconds between health checks of one job, default 0 = on
every read); ``drs_check_new_password`` (default false: when true, a batch-modify-pwd item
whose new password does not log in to the endpoint's database fails per item with
``DRS.KE0002``); ``job_recovery`` (auto | manual, default auto) and ``reconnect_delay`` (seconds,
default 0), shared with the DTS jobs and overridable per job (:mod:`emulator.drs_jobs`).

Decisions where the reference is silent or unconfirmed (§2.1, §9 item 2):

* A batch naming a job that is unknown, or not in the caller's project, is rejected as a whole:
  HTTP 400 ``DRS.M05003`` "Task information not found" naming the job id(s).
* A batch naming a job whose status does not allow a password change is rejected as a whole:
  HTTP 400 ``DRS.M00304`` "This API cannot be called in the current task status" naming each
  offending job id and its status. In both cases nothing in the batch is applied. Allowed:
  STARTJOBING, START_JOB_FAILED (``STARTJOB_FAILED`` accepted as the same), FULL_TRANSFER_STARTED,
  FULL_TRANSFER_FAILED, FULL_TRANSFER_COMPLETE, INCRE_TRANSFER_STARTED, INCRE_TRANSFER_FAILED,
  PAUSING. The emulator emits ``START_JOB_FAILED``.
* Per-item failures (``{"id","status":"failed","end_point_type","error_code","error_msg"}``
  inside HTTP 200, the other items applied) come from injection: the admin route
  ``POST /_emulator/drs/jobs/<id>/fail-next-change`` (body ``{end_point_type?, error_code?
  (default DRS.M01501), error_msg?, count?}``) or ``fail_next_change`` on the job; and, with
  ``drs_check_new_password``, from a new password that does not log in.
* batch-status / batch-detail with an id that is unknown (or in another project) return an
  entry ``{"id", "error_code": "DRS.M05003", "error_message": "Task information not found"}``
  for it instead of failing the call.
* batch-retry-task answers HTTP 200 with one result per job, in request order: ``{"id",
  "status": "success"}``, or ``"failed"`` with ``DRS.M05003`` "Task information not found" (unknown,
  or in another project) or ``DRS.M00304`` "This API cannot be called in the current task status:
  <status>" (not INCRE_TRANSFER_FAILED, FULL_TRANSFER_FAILED or PAUSING). A malformed body rejects
  the whole call: ``DRS.M00201`` (no jobs / no job_id), ``DRS.M00202`` (wrong type, incl. a
  non-boolean ``is_sync_re_edit``), ``DRS.M00301`` (a job named twice).

Health (details in :mod:`emulator.drs_jobs`): whenever jobs are read, each job with a
``database.ref`` is checked with ``emu.databases.check(ref, user, stored_password)`` (at most every
``drs_health_interval`` seconds; also right after a successful password change). A login failure
moves INCRE_TRANSFER_STARTED to INCRE_TRANSFER_FAILED (and FULL_TRANSFER_STARTED to
FULL_TRANSFER_FAILED) with ``DRS.KE0002`` "The username or password is incorrect", after the
reconnect delay if one is set; once every stored password logs in again, a job that failed for
that reason returns to the state it had (``job_recovery: auto``) or waits for batch-retry-task
(``manual``).

Admin routes (relative to ``/_emulator/``): ``POST drs/jobs/<id>/status`` (body ``{status,
error_code?, error_message?}``) and ``POST drs/jobs/<id>/fail-next-change``.
"""

import copy
import math
import re

from emulator.core import Response, Service
from emulator.drs_jobs import (AUTH_FAILURE_CODE, AUTH_FAILURE_MESSAGE, PASSWORD_CHANGE_ALLOWED, STATUSES, JobHealth,
                               ms as _ms, normalise_status as _normalise_status, parse_job)

DB_USE_TYPES = ("migration", "sync", "cloudDataGuard")
END_POINT_TYPES = {"so": "source", "ta": "target"}
MESSAGES = {
    "DRS.M00004": "Service is abnormal. Check logs.",
    "DRS.M01501": "Service error",
    "DRS.M01503": "Operation too frequent. Try again later",
    "DRS.M01504": "Another operation is running on the task, or the task is abnormal",
    "DRS.M05003": "Task information not found",
    "DRS.M05004": "Task deleted or resources released",
    AUTH_FAILURE_CODE: AUTH_FAILURE_MESSAGE,
}
_ENDPOINT_PUBLIC = ("db_type", "inst_id", "inst_name", "ip", "db_port", "region", "db_name", "project_id")
_PROJECT = r"(?P<project_id>[^/]+)"
_PROJECT_ID_RE = re.compile(r"^[0-9a-zA-Z-]{1,64}$")


def drs_error(code, message=None, status=400):
    return Response(status, {"error_code": code, "error_msg": message or MESSAGES.get(code, "Parameter error")})


class _Invalid(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.response = drs_error(code, message)


def _int_field(body, name, default, where=None):
    value = body.get(name, default) if isinstance(body, dict) else default
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise _Invalid("DRS.M00202", "The value of parameter %s is invalid." % (where or name))
    return value


def _page(items, body, default_per_page, where, limit_by_items):
    """Apply §2.2 paging rules. ``limit_by_items``: cur_page may not pass the last page."""
    cur_page = _int_field(body, "cur_page", 1, where + "cur_page")
    per_page = _int_field(body, "per_page", default_per_page, where + "per_page")
    if per_page < 0 or cur_page < 0:
        raise _Invalid("DRS.M00210", "The page value is invalid: %sper_page and %scur_page must not be negative."
                       % (where, where))
    if per_page > 100:
        raise _Invalid("DRS.M00211", "The page value exceeds the limit: %sper_page must be 0-100." % where)
    if per_page == 0 or cur_page == 0:
        if per_page == 0 and cur_page > 1:
            raise _Invalid("DRS.M00210", "The page value is invalid: with %sper_page 0, %scur_page must be 0 or 1."
                           % (where, where))
        return list(items)
    if limit_by_items and items:
        last = int(math.ceil(len(items) / float(per_page)))
        if cur_page > last:
            raise _Invalid("DRS.M00210", "The page value is invalid: %scur_page exceeds the last page (%d)."
                           % (where, last))
    start = (cur_page - 1) * per_page
    return list(items[start:start + per_page])


class DrsService(Service):
    name = "drs"
    cloud = "huawei"

    def __init__(self, emu):
        super().__init__(emu)
        self.jobs = {}                 # id -> job (fixture format, normalised), insertion order kept
        self.health = JobHealth(emu)   # health checks, recovery, reconnect delay, retry (drs_jobs.py)

    # -- registration --------------------------------------------------------------------
    def register(self):
        route = self.emu.route
        route("PUT", r"/v3/%s/jobs/batch-modify-pwd" % _PROJECT, self.batch_modify_pwd, "huawei", "drs",
              "BatchResetPassword", write=True)
        route("POST", r"/v3/%s/jobs/batch-status" % _PROJECT, self.batch_status, "huawei", "drs", "BatchListJobStatus")
        route("POST", r"/v3/%s/jobs/batch-detail" % _PROJECT, self.batch_detail, "huawei", "drs", "BatchListJobDetails")
        route("POST", r"/v3/%s/jobs/batch-retry-task" % _PROJECT, self.batch_retry_task, "huawei", "drs",
              "BatchRestoreTask", write=True)
        route("POST", r"/v3/%s/jobs" % _PROJECT, self.list_jobs, "huawei", "drs", "ShowJobList")
        self.emu.admin_route("POST", r"drs/jobs/(?P<id>[^/]+)/status", self.admin_set_status)
        self.emu.admin_route("POST", r"drs/jobs/(?P<id>[^/]+)/fail-next-change", self.admin_fail_next_change)

    # -- state ---------------------------------------------------------------------------
    def load(self, section):
        jobs = {}
        now = self.emu.now()
        self.health.validate_settings()
        for raw in (section or {}).get("jobs") or []:
            job = parse_job(raw, now)
            if job["id"] in jobs:
                raise ValueError("drs: duplicate job id %r" % job["id"])
            job["fail_next_change"] = self._normalise_failures(job.get("fail_next_change"))
            jobs[job["id"]] = job
        with self.emu.lock:
            self.jobs = jobs
            self.health.checked_at = {}

    @staticmethod
    def _normalise_failures(value):
        if not value:
            return []
        if value is True:
            value = [{}]
        if isinstance(value, dict):
            value = [value]
        out = []
        for spec in value:
            spec = dict(spec or {})
            code = spec.get("error_code") or "DRS.M01501"
            ept = spec.get("end_point_type")
            if ept is not None and ept not in END_POINT_TYPES:
                raise ValueError("end_point_type must be so or ta")
            out.append({"end_point_type": ept, "error_code": code,
                        "error_msg": spec.get("error_msg") or MESSAGES.get(code, "Service error")})
        return out

    def dump(self):
        with self.emu.lock:
            jobs = []
            for job in self.jobs.values():
                job = copy.deepcopy(job)
                if not job.get("fail_next_change"):
                    job.pop("fail_next_change", None)
                jobs.append(job)
            return {"jobs": jobs}

    def summary(self):
        with self.emu.lock:
            out = []
            for job in self.jobs.values():
                item = dict((k, job.get(k)) for k in (
                    "id", "name", "project_id", "status", "error_code", "error_message", "db_use_type",
                    "engine_type", "task_type", "job_direction", "update_time"))
                for side in ("source", "target"):
                    ep = job[side]
                    item[side] = {"ref": ep["database"].get("ref"), "user": ep["database"].get("user"),
                                  "ip": ep.get("ip"), "db_port": ep.get("db_port"), "inst_id": ep.get("inst_id")}
                item["health_failure"] = copy.deepcopy(job.get("health_failure"))
                item["refused_since"] = copy.deepcopy(job.get("refused_since"))
                item["recovery"] = self.health.recovery(job)
                item["reconnect_delay"] = self.health.reconnect_delay(job)
                item["pending_failures"] = len(job.get("fail_next_change") or [])
                out.append(item)
            return {"jobs": out}

    # -- helpers -------------------------------------------------------------------------
    def _project(self, req):
        """The path's project id, or an error when it does not match the caller's scope."""
        project = req.match.group("project_id")
        scoped = (req.identity or {}).get("project_id")
        if not _PROJECT_ID_RE.match(project) or (scoped and scoped != project):
            return None, drs_error("DRS.M00261", "Invalid project ID.", 403)
        return project, None

    def _visible(self, project):
        return [job for job in self.jobs.values() if job.get("project_id") in (None, project)]

    def _find(self, project, job_id):
        job = self.jobs.get(job_id)
        if job is None or job.get("project_id") not in (None, project):
            return None
        return job

    @staticmethod
    def _body(req):
        if not req.body:
            raise _Invalid("DRS.M00201", "Parameter body is empty.")
        body = req.json()
        if not isinstance(body, dict):
            raise _Invalid("DRS.M00200", "Parameter error: the request body must be a JSON object.")
        return body

    @staticmethod
    def _job_ids(body):
        ids = body.get("jobs")
        if ids is None or ids == []:
            raise _Invalid("DRS.M00201", "Parameter jobs is empty.")
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise _Invalid("DRS.M00202", "The value of parameter jobs is invalid.")
        seen, out = set(), []
        for job_id in ids:
            if job_id not in seen:
                seen.add(job_id)
                out.append(job_id)
        return out

    def _check_login(self, ref, user, password):
        return self.health.login(ref, user, password)

    def _health_check(self, jobs, force=False, immediate=None):
        """Check the stored credentials of ``jobs`` (see :meth:`drs_jobs.JobHealth.check`)."""
        self.health.check(jobs, force=force, immediate=immediate)

    @staticmethod
    def _endpoint_view(ep):
        view = dict((k, ep[k]) for k in _ENDPOINT_PUBLIC if ep.get(k) not in (None, ""))
        if ep["database"].get("user") is not None:
            view["db_user"] = ep["database"]["user"]
        return view

    @staticmethod
    def _not_found(job_id):
        return {"id": job_id, "error_code": "DRS.M05003", "error_message": MESSAGES["DRS.M05003"]}

    def _status_view(self, job):
        view = {"id": job["id"], "status": job["status"]}
        for key in ("error_code", "error_message"):
            if job.get(key):
                view[key] = job[key]
        return view

    def _detail_view(self, job):
        view = dict((k, job[k]) for k in ("id", "name", "status", "description", "create_time", "update_time",
                                          "task_type", "net_type", "job_direction", "db_use_type") if k in job)
        view["engine_type"] = job.get("engine_type")
        for key in ("parent_id", "error_code", "error_message"):
            if job.get(key):
                view[key] = job[key]
        view["source_endpoint"] = self._endpoint_view(job["source"])
        view["target_endpoint"] = self._endpoint_view(job["target"])
        return view

    def _list_view(self, job):
        view = dict((k, job.get(k)) for k in ("id", "name", "status", "create_time", "description", "engine_type",
                                              "net_type", "job_direction", "db_use_type", "task_type"))
        view["billing_tag"] = False
        view["children"] = []
        return view

    # -- API -----------------------------------------------------------------------------
    def batch_modify_pwd(self, req):
        project, denied = self._project(req)
        if denied:
            return denied
        try:
            items = self._modify_items(self._body(req))
        except _Invalid as exc:
            return exc.response
        check_new = bool(self.emu.setting("drs_check_new_password", False))
        results, changed, immediate = [], [], {}
        with self.emu.lock:
            missing = [item["job_id"] for item in items if self._find(project, item["job_id"]) is None]
            if missing:
                return drs_error("DRS.M05003", "%s: %s" % (MESSAGES["DRS.M05003"], ", ".join(_unique(missing))))
            wrong = []
            for item in items:
                job = self._find(project, item["job_id"])
                if job["status"] not in PASSWORD_CHANGE_ALLOWED and job["id"] not in [j for j, dummy in wrong]:
                    wrong.append((job["id"], job["status"]))
            if wrong:
                return drs_error("DRS.M00304", "This API cannot be called in the current task status: %s" % ", ".join(
                    "job %s is %s" % pair for pair in wrong))
            now = self.emu.now()
            for item in items:
                job = self._find(project, item["job_id"])
                ept = item["end_point_type"]
                failure = self._take_failure(job, ept)
                ep = job[END_POINT_TYPES[ept]]
                if failure is None and check_new and ep["database"].get("ref"):
                    if self._check_login(ep["database"]["ref"], ep["database"].get("user"), item["db_password"]) is False:
                        failure = {"error_code": AUTH_FAILURE_CODE, "error_msg": MESSAGES[AUTH_FAILURE_CODE]}
                if failure is not None:
                    results.append({"id": job["id"], "status": "failed", "end_point_type": ept,
                                    "error_code": failure["error_code"], "error_msg": failure["error_msg"]})
                    continue
                ep["password"] = item["db_password"]
                if item.get("kerberos") is not None:
                    ep["kerberos"] = dict(item["kerberos"])
                job["update_time"] = _ms(now)
                if not any(other is job for other in changed):
                    changed.append(job)
                immediate.setdefault(job["id"], set()).add(END_POINT_TYPES[ept])
                results.append({"id": job["id"], "status": "success", "end_point_type": ept})
        self._health_check(changed, force=True, immediate=immediate)
        return Response(200, {"count": len(results), "results": results})

    @staticmethod
    def _modify_items(body):
        jobs = body.get("jobs")
        if jobs is None or jobs == []:
            raise _Invalid("DRS.M00201", "Parameter jobs is empty.")
        if not isinstance(jobs, list):
            raise _Invalid("DRS.M00202", "The value of parameter jobs is invalid.")
        seen = set()
        items = []
        for index, item in enumerate(jobs):
            where = "jobs[%d]" % index
            if not isinstance(item, dict):
                raise _Invalid("DRS.M00202", "The value of parameter %s is invalid." % where)
            for field in ("job_id", "end_point_type", "db_password"):
                if item.get(field) in (None, ""):
                    raise _Invalid("DRS.M00201", "Parameter %s.%s is empty." % (where, field))
                if not isinstance(item[field], str):
                    raise _Invalid("DRS.M00202", "The value of parameter %s.%s is invalid." % (where, field))
            if item["end_point_type"] not in END_POINT_TYPES:
                raise _Invalid("DRS.M00202", "The value of parameter %s.end_point_type is invalid: use so or ta." % where)
            if item.get("kerberos") is not None and not isinstance(item["kerberos"], dict):
                raise _Invalid("DRS.M00202", "The value of parameter %s.kerberos is invalid." % where)
            key = (item["job_id"], item["end_point_type"])
            if key in seen:
                raise _Invalid("DRS.M00301", "Duplicate parameter in request: %s (job_id %s, end_point_type %s)."
                               % (where, key[0], key[1]))
            seen.add(key)
            items.append(item)
        return items

    @staticmethod
    def _take_failure(job, ept):
        pending = job.get("fail_next_change") or []
        for index, spec in enumerate(pending):
            if spec.get("end_point_type") in (None, ept):
                return pending.pop(index)
        return None

    def batch_retry_task(self, req):
        """``POST .../jobs/batch-retry-task``: one ``{id, status: success|failed, error_code?, error_msg?}``
        per job (HTTP 200); validation errors reject the whole request (like batch-modify-pwd)."""
        project, denied = self._project(req)
        if denied:
            return denied
        try:
            job_ids = self._retry_items(self._body(req))
        except _Invalid as exc:
            return exc.response
        results, accepted = [], []
        with self.emu.lock:
            for job_id in job_ids:
                job = self._find(project, job_id)
                if job is None:
                    results.append({"id": job_id, "status": "failed", "error_code": "DRS.M05003",
                                    "error_msg": MESSAGES["DRS.M05003"]})
                elif not self.health.retryable(job):
                    results.append({"id": job_id, "status": "failed", "error_code": "DRS.M00304",
                                    "error_msg": "This API cannot be called in the current task status: %s"
                                                 % job["status"]})
                else:
                    results.append({"id": job_id, "status": "success"})
                    accepted.append(job)
        self.health.retry(accepted)
        return Response(200, {"count": len(results), "results": results})

    @staticmethod
    def _retry_items(body):
        jobs = body.get("jobs")
        if jobs is None or jobs == []:
            raise _Invalid("DRS.M00201", "Parameter jobs is empty.")
        if not isinstance(jobs, list):
            raise _Invalid("DRS.M00202", "The value of parameter jobs is invalid.")
        ids = []
        for index, item in enumerate(jobs):
            where = "jobs[%d]" % index
            if not isinstance(item, dict):
                raise _Invalid("DRS.M00202", "The value of parameter %s is invalid." % where)
            if item.get("job_id") in (None, ""):
                raise _Invalid("DRS.M00201", "Parameter %s.job_id is empty." % where)
            if not isinstance(item["job_id"], str):
                raise _Invalid("DRS.M00202", "The value of parameter %s.job_id is invalid." % where)
            if item.get("is_sync_re_edit") is not None and not isinstance(item["is_sync_re_edit"], bool):
                raise _Invalid("DRS.M00202", "The value of parameter %s.is_sync_re_edit is invalid." % where)
            if item["job_id"] in ids:
                raise _Invalid("DRS.M00301", "Duplicate parameter in request: %s (job_id %s)." % (where, item["job_id"]))
            ids.append(item["job_id"])
        return ids

    def _batch_read(self, req, view):
        project, denied = self._project(req)
        if denied:
            return denied
        try:
            body = self._body(req)
            ids = self._job_ids(body)
            page_req = body.get("page_req")
            if page_req is not None and not isinstance(page_req, dict):
                raise _Invalid("DRS.M00202", "The value of parameter page_req is invalid.")
            page = _page(ids, page_req or {}, 5, "page_req.", limit_by_items=True)
        except _Invalid as exc:
            return exc.response
        with self.emu.lock:
            jobs = [self._find(project, job_id) for job_id in page]
        self._health_check([job for job in jobs if job is not None])
        with self.emu.lock:
            results = [view(job) if job is not None else self._not_found(job_id) for job_id, job in zip(page, jobs)]
        return Response(200, {"count": len(ids), "results": results})

    def batch_status(self, req):
        return self._batch_read(req, self._status_view)

    def batch_detail(self, req):
        return self._batch_read(req, self._detail_view)

    def list_jobs(self, req):
        project, denied = self._project(req)
        if denied:
            return denied
        body = req.json() if req.body else {}
        if not isinstance(body, dict):
            return drs_error("DRS.M00200", "Parameter error: the request body must be a JSON object.")
        db_use_type = body.get("db_use_type")
        if db_use_type not in (None, "") and db_use_type not in DB_USE_TYPES:
            return drs_error("DRS.M00202", "The value of parameter db_use_type is invalid.")
        status = body.get("status")
        if status not in (None, ""):
            status = _normalise_status(status)
            if status not in STATUSES:
                return drs_error("DRS.M00202", "The value of parameter status is invalid.")
        name = body.get("name")
        if name not in (None, "") and not isinstance(name, str):
            return drs_error("DRS.M00202", "The value of parameter name is invalid.")
        terms = [t.strip() for t in (name or "").split(",") if t.strip()]
        if len(terms) > 100:
            return drs_error("DRS.M00211", "The value of parameter name exceeds the limit of 100 ids.")
        with self.emu.lock:
            visible = self._visible(project)
        self._health_check(visible)
        with self.emu.lock:
            matched = []
            for job in visible:
                if db_use_type and job.get("db_use_type") != db_use_type:
                    continue
                if status and job["status"] != status:
                    continue
                if body.get("engine_type") and job.get("engine_type") != body["engine_type"]:
                    continue
                if terms and not (job["id"] in terms or (len(terms) == 1 and terms[0] in job.get("name", ""))):
                    continue
                matched.append(job)
            try:
                page = _page(matched, body, 10, "", limit_by_items=False)
            except _Invalid as exc:
                return exc.response
            return Response(200, {"total_record": len(matched), "jobs": [self._list_view(job) for job in page]})

    # -- admin ---------------------------------------------------------------------------
    def _admin_job(self, req):
        job = self.jobs.get(req.match.group("id"))
        if job is None:
            return None, Response(404, {"error": "no DRS job %s" % req.match.group("id")})
        return job, None

    def admin_set_status(self, req):
        body = req.json() or {}
        status = _normalise_status(body.get("status"))
        if status not in STATUSES:
            raise ValueError("unknown DRS status %r" % body.get("status"))
        with self.emu.lock:
            job, missing = self._admin_job(req)
            if missing:
                return missing
            job["status"] = status
            job.pop("health_failure", None)
            job.pop("refused_since", None)
            for key in ("error_code", "error_message"):
                if body.get(key):
                    job[key] = body[key]
                else:
                    job.pop(key, None)
            job["update_time"] = _ms(self.emu.now())
            return Response(200, self._status_view(job))

    def admin_fail_next_change(self, req):
        body = req.json() or {}
        count = int(body.get("count", 1))
        specs = self._normalise_failures([body] * count)
        with self.emu.lock:
            job, missing = self._admin_job(req)
            if missing:
                return missing
            job.setdefault("fail_next_change", []).extend(specs)
            return Response(200, {"id": job["id"], "pending_failures": len(job["fail_next_change"])})


def _unique(values):
    seen, out = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out
