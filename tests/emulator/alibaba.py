"""Alibaba Cloud Data Transmission Service (DTS) 2020-01-01 behind the POP (OpenAPI) gateway.

Routing
    Every RPC call is ``POST /`` (``GET /`` too) with its parameters in the query string and/or
    an ``application/x-www-form-urlencoded`` body. A V3 request names its action in the header
    ``x-acs-action`` (version in ``x-acs-version``); an RPC v1 request in the ``Action`` and
    ``Version`` parameters. Actions: ``ModifyDtsJobPassword`` and ``StartDtsJob`` (the writes),
    ``DescribeDtsJobDetail``, ``DescribeDtsJobs``.

The gateway (signatures, nonces, STS, the POP error shape, :class:`PopClient`) is
``emulator/alibaba_auth.py``; the jobs (state, health, recovery, reconnect delay, what
``StartDtsJob`` does) are ``emulator/dts_jobs.py``. Both are re-exported here.

DTS business errors (emulator's choice; the reference marks the real HTTP status as unconfirmed):
HTTP **200** with ``{"RequestId","Success":false,"ErrCode","ErrMessage","DynamicMessage",
"HttpStatusCode","Code"}`` (``Code`` = ``ErrCode``; ``HttpStatusCode`` is the logical status
shown below). Setting ``dts_business_error_http_status: true`` sends that logical status as the
HTTP status instead, so a client can be tested against both behaviours.

===================================================  ====  ===============================
ErrCode (ErrMessage / DynamicMessage)                HSC   When
===================================================  ====  ===============================
``InvalidParameter`` ("The Value of Input Parameter  400   Endpoint not src/dest, UserName
%s is not valid." / the parameter name)                    or Password missing, UserName
                                                           not the endpoint's account,
                                                           Password not printable ASCII,
                                                           bad SynchronizationDirection (or
                                                           Reverse on a one-way job),
                                                           JobType, PageSize, PageNumber;
                                                           **unknown job** (DynamicMessage
                                                           ``DtsJobId``, as in the API doc's
                                                           own example)
``DTS.Msg.InvalidParameter.PasswordSame``            400   new password == current one
(".. %s must differ from the current password." /
``Password``)
``DTS.Msg.OperationDenied.JobStatusModifying``       403   job status Modifying
``DTS.Msg.OperationDenied.JobStatus`` (".. when the  403   any other refused status
job status is %s." / the status)                           (ModifyDtsJobPassword,
                                                           StartDtsJob)
``DTS.Msg.OperationDenied.PasswordNotModifiable``    403   endpoint ``can_modify_password``
(/ ``src`` or ``dest``)                                    false
===================================================  ====  ===============================

Job states accepting ``ModifyDtsJobPassword``: NotStarted, Initializing, Synchronizing /
synchronizing, Migrating, Failed, InitializeFailed, MigrationFailed, Suspending, Retrying,
Normal, Abnormal. Refused: everything else (NotConfigured, Prechecking, PrecheckFailed,
PreCheckPass, Modifying, Upgrade, Downgrade, Locked, Finished, Starting). A ``Password`` must be
printable ASCII (U+0020 to U+007E; emulator's choice: the reference documents no character set,
the database engines' account rules (RDS, GaussDB) allow only ASCII, and refusing is the strict
side). ``StartDtsJob`` takes ``DtsJobId`` (required: ``MissingDtsJobId``), ``DtsInstanceId``,
``SynchronizationDirection`` and ``RegionId``; the states it accepts and what it does are in
``emulator/dts_jobs.py``.

Reference: does a ``Failed`` job recover by itself after ``ModifyDtsJobPassword``?
    Nothing in Alibaba's documentation says so, and nothing says it does not; the settings
    ``job_recovery``/``recovery`` offer both behaviours. What was found:

    * API reference "ModifyDtsJobPassword" (help.aliyun.com/document_detail/209294.html;
      alibabacloud.com/help/en/dts/developer-reference/api-modifydtsjobpassword): changes the
      password of the source or destination account; no job-state rule, nothing about restarts.
    * API reference "StartDtsJob" (alibabacloud.com/help/en/dts/developer-reference/
      api-startdtsjob): "Starts a data migration, data synchronization, or change tracking task";
      parameters DtsJobId (required), DtsInstanceId, SynchronizationDirection (Reverse only for a
      two-way topology), RegionId; answer RequestId, HttpStatusCode, Success, ErrCode, ErrMessage,
      DynamicMessage, DynamicCode. It lists no job states.
    * The legacy actions it replaced do list them: "StartSynchronizationJob" - "the data
      synchronization task must be in the NotStarted, Failed, or Suspending state"
      (alibabacloud.com/help/en/dts/developer-reference/api-startsynchronizationjob);
      "StartMigrationJob" - "must be in the Not Started, Paused, or Migration Failed state"
      (.../api-startmigrationjob). So a failed task is restarted with the start action.
    * SDK ``alibabacloud_dts20200101`` 5.11.7: there is no ``ResumeDtsJob``; the lifecycle
      actions are ``StartDtsJob``/``StartDtsJobs``, ``SuspendDtsJob(s)``, ``StopDtsJob(s)`` and
      ``ResetDtsJob``. ``StartDtsJobRequest`` (dts_instance_id, dts_job_id, region_id,
      resource_group_id, synchronization_direction, zero_etl_job); ``StartDtsJobResponseBody``
      (dynamic_code, dynamic_message, err_code, err_message, http_status_code, request_id,
      success). ``DescribeDtsJobDetailResponseBody.retry_state`` ("DTS is retrying the task due to
      a task exception": retrying, retry_count, retry_time, max_retry_time in seconds,
      retry_target srcDB/destDB/inner_module, err_message) and the status ``Retrying``: within a
      bounded window DTS reconnects by itself; past it the task is ``Failed``.
    * Alibaba's own Terraform provider (aliyun/terraform-provider-alicloud,
      ``resource_alicloud_dts_synchronization_job.go``): after ``ModifyDtsJobPassword`` it reads
      the job and, when the status is not the wanted one (Synchronizing), calls ``StartDtsJob``
      and waits for Synchronizing, treating Failed as an error.
    * The user guide page on changing a database account's password was not found in the
      sources available here.

    Conclusion: ``auto`` models a job still inside its retry window, ``manual`` a job past it,
    which needs ``StartDtsJob``. The emulator accepts ``StartDtsJob`` in the documented legacy
    states (NotStarted, Suspending, Failed, MigrationFailed) plus, as its own choice,
    PreCheckPass, InitializeFailed and Abnormal (the change-tracking failed state), and refuses
    it in the others with ``DTS.Msg.OperationDenied.JobStatus`` (``...JobStatusModifying`` for
    Modifying), the codes ``ModifyDtsJobPassword`` uses for a refused status.

Responses: ``JobType`` is the job's (``SYNC``, ``MIGRATION``, ``SUBSCRIBE``); ``Port`` is a
string (as the SDK models declare); ``CanModifyPassword`` is only in ``DescribeDtsJobDetail``
endpoints; two-way jobs carry ``DtsJobDirection`` (and, in ``DescribeDtsJobs``, ``ReverseJob``).
No response, journal entry or summary contains a password. The journal's ``auth`` is ``acs3``
or ``rpc-hmac-sha1``.

Fixture section ``dts``::

    dts:
      access_keys:
        - {id: LTAI5tEXAMPLE, secret: "..."}
        - {id: STS.NTEXAMPLE, secret: "...", security_token: "...", expires: 1900000000}
        # optional per key: disabled: true; expires: epoch seconds or YYYY-MM-DDThh:mm:ssZ
      jobs: [...]              # see emulator/dts_jobs.py

Settings read here and in ``dts_jobs.py``: ``dts_health_interval``, ``dts_business_error_http_status``,
``alibaba_retry_after_ms``, ``job_recovery`` (auto | manual), ``reconnect_delay`` (seconds).

Admin routes (under ``/_emulator/``):

* ``POST dts/jobs/<id>/status`` ``{"status": "...", "error_message": "...", "direction":
  "Forward"|"Reverse"}`` sets a job's status (and forgets a health-check failure);
* ``POST dts/jobs/<id>/verify`` ``{"endpoint": "src"|"dest", "password": "...", "direction":
  ...}`` answers ``{"match": bool}`` without revealing the stored password.
"""

import re

from emulator.core import Response, Service
from emulator.alibaba_auth import (  # noqa: F401 - re-exported: tests import them from here
    API_VERSION,
    COMMON_PARAMS,
    AlibabaGateway,
    PopClient,
    action_of,
    all_params,
    missing,
    parse_epoch,
    pop_error,
    request_id,
    same,
)
from emulator.dts_jobs import (  # noqa: F401 - re-exported
    ACCEPTS_PASSWORD,
    ACCEPTS_START,
    ENDPOINT_KEYS,
    BusinessError,
    DtsJobs,
    direction_of,
    invalid,
    job_view,
    status_denied,
    summary_direction,
)

# PopClient and ACCEPTS_START are re-exported: tests and scripts import them from here.
__all__ = ["DtsService", "PopClient", "ACCEPTS_START"]

WRITE_ACTIONS = frozenset(("ModifyDtsJobPassword", "StartDtsJob"))
PAGE_SIZES = (10, 20, 30)
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]+$")
_DIGITS = re.compile(r"^[0-9]+$")


def _number(params, name, default):
    """A positive decimal parameter (ASCII digits only), or :func:`invalid` naming it."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if not _DIGITS.match(value):
        raise invalid(name)
    return int(value)


class DtsService(Service):
    """DTS 2020-01-01: ModifyDtsJobPassword, StartDtsJob, DescribeDtsJobDetail, DescribeDtsJobs."""

    name = "dts"
    cloud = "alibaba"

    def __init__(self, emu):
        super().__init__(emu)
        self.access_keys = {}
        self.store = DtsJobs(emu)
        self.gateway = AlibabaGateway(self)

    @property
    def jobs(self):
        return self.store.jobs

    # -- registration ------------------------------------------------------------------------
    def register(self):
        self.emu.gateway("alibaba", self.gateway)
        self.emu.route("*", r"/", self.handle, "alibaba", "dts", refine=self.refine)
        self.emu.admin_route("POST", r"dts/jobs/(?P<id>[^/]+)/status", self._admin_status)
        self.emu.admin_route("POST", r"dts/jobs/(?P<id>[^/]+)/verify", self._admin_verify)

    @staticmethod
    def refine(req):
        req.action = action_of(req)
        req.write = req.action in WRITE_ACTIONS

    # -- state -------------------------------------------------------------------------------
    def load(self, section):
        section = section or {}
        self.access_keys = {}
        for key in section.get("access_keys") or []:
            key = dict(key)
            parse_epoch(key.get("expires"))  # validate early
            self.access_keys[str(key["id"])] = key
        self.store.load(section.get("jobs"))
        self.gateway.forget_nonces()

    def dump(self):
        with self.emu.lock:
            return {"access_keys": [dict(k) for k in self.access_keys.values()], "jobs": self.store.dump()}

    def summary(self):
        with self.emu.lock:
            return {"access_keys": [{"id": k["id"], "temporary": "security_token" in k,
                                     "disabled": bool(k.get("disabled"))} for k in self.access_keys.values()],
                    "jobs": self.store.summary()}

    # -- admin -------------------------------------------------------------------------------
    def _admin_job_direction(self, req):
        body = req.json() or {}
        job = self.jobs.get(req.match.group("id"))
        if job is None:
            return body, None, Response(404, {"error": "no dts job %s" % req.match.group("id")})
        direction = direction_of(job, body.get("direction") or "Forward")
        if direction is None:
            message = "job %s has no %s direction" % (job["id"], body.get("direction"))
            return body, None, Response(400, {"error": message})
        return body, direction, None

    def _admin_status(self, req):
        with self.emu.lock:
            body, direction, error = self._admin_job_direction(req)
            if error:
                return error
            direction["status"] = str(body["status"])
            direction["error_message"] = str(body.get("error_message", ""))
            direction["auth_failed"] = False
            direction["running_status"] = None
            direction["denied_since"] = {}
            direction["checked_at"] = None
            return Response(200, summary_direction(direction))

    def _admin_verify(self, req):
        with self.emu.lock:
            body, direction, error = self._admin_job_direction(req)
            if error:
                return error
            endpoint = direction.get(ENDPOINT_KEYS.get(body.get("endpoint"), ""))
            if endpoint is None:
                return Response(400, {"error": "endpoint must be src or dest (and exist)"})
            match = same(endpoint["password"], body.get("password", ""))
        return Response(200, {"match": match})

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _respond(body):
        body = dict(body)
        body.setdefault("RequestId", request_id())
        body.setdefault("HttpStatusCode", 200)
        body.setdefault("Success", True)
        return Response(200, body)

    def _business_error(self, err):
        body = {"RequestId": request_id(), "Success": False, "ErrCode": err.code, "ErrMessage": err.message,
                "DynamicMessage": err.dynamic, "HttpStatusCode": err.http_status, "Code": err.code}
        status = err.http_status if self.emu.setting("dts_business_error_http_status", False) else 200
        return Response(status, body)

    def _job_direction(self, params):
        """The job and direction named by the request (``SynchronizationDirection``, default Forward)."""
        direction_name = params.get("SynchronizationDirection") or "Forward"
        if direction_name not in ("Forward", "Reverse"):
            raise invalid("SynchronizationDirection")
        job = self.store.find(params)
        direction = direction_of(job, direction_name)
        if direction is None:
            raise invalid("SynchronizationDirection")
        return job, direction, direction_name

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, req):
        headers = req.headers
        params = dict(all_params(req))
        version = headers.get("x-acs-version") if req.auth_kind == "acs3" else params.get("Version")
        if not req.action:
            return missing(req, "Action")
        if not version:
            return missing(req, "Version")
        if version != API_VERSION:
            return pop_error(req, 400, "InvalidVersion", "Specified parameter Version is not valid.")
        handler = {"ModifyDtsJobPassword": self.modify_password, "StartDtsJob": self.start_job,
                   "DescribeDtsJobDetail": self.describe_detail, "DescribeDtsJobs": self.describe_jobs}.get(req.action)
        if handler is None:
            return pop_error(req, 404, "InvalidAction.NotFound",
                             "Specified api is not found, please check your url and method.")
        if req.auth_kind != "acs3":
            params = dict((k, v) for k, v in params.items() if k not in COMMON_PARAMS)
        try:
            return handler(req, params)
        except BusinessError as err:
            return self._business_error(err)

    # -- actions -----------------------------------------------------------------------------
    def modify_password(self, req, params):
        if not params.get("DtsJobId"):
            return pop_error(req, 400, "MissingDtsJobId", "DtsJobId is mandatory for this action.")
        endpoint_name = params.get("Endpoint")
        if endpoint_name not in ENDPOINT_KEYS:
            raise invalid("Endpoint")
        if not params.get("UserName"):
            raise invalid("UserName")
        password = params.get("Password")
        if not password or not _PRINTABLE_ASCII.match(password):
            raise invalid("Password")
        with self.emu.lock:
            job, direction, dummy = self._job_direction(params)
            side = ENDPOINT_KEYS[endpoint_name]
            endpoint = direction[side]
            if endpoint is None:
                raise invalid("Endpoint")
            status = direction["status"]
            if status.lower() not in ACCEPTS_PASSWORD:
                raise status_denied(status)
            if not endpoint["can_modify_password"]:
                raise BusinessError("DTS.Msg.OperationDenied.PasswordNotModifiable",
                                    "The password of the %s endpoint of this job cannot be modified.",
                                    endpoint_name, 403)
            if params["UserName"] != endpoint["user"]:
                raise invalid("UserName")
            if same(endpoint["password"], password):
                raise BusinessError("DTS.Msg.InvalidParameter.PasswordSame",
                                    "The Value of Input Parameter %s must differ from the current password.",
                                    "Password", 400)
            endpoint["password"] = password
            endpoint["password_changes"] += 1
        self.store.check_health(job, force=True, reconnect=[(direction, side)])
        return self._respond({})

    def start_job(self, req, params):
        if not params.get("DtsJobId"):
            return pop_error(req, 400, "MissingDtsJobId", "DtsJobId is mandatory for this action.")
        with self.emu.lock:
            job, direction, dummy = self._job_direction(params)
        self.store.start(job, direction)
        return self._respond({})

    def describe_detail(self, req, params):
        if not params.get("DtsJobId") and not (params.get("DtsInstanceID") or params.get("DtsInstanceId")):
            raise invalid("DtsJobId")
        with self.emu.lock:
            job, dummy, direction_name = self._job_direction(params)
        self.store.check_health(job)
        with self.emu.lock:
            body = job_view(job, direction_of(job, direction_name), direction_name, detail=True)
        return self._respond(body)

    def describe_jobs(self, req, params):
        job_type = str(params.get("JobType") or "MIGRATION").upper()
        if job_type not in ("MIGRATION", "SYNC", "SUBSCRIBE"):
            raise invalid("JobType")
        page_number = _number(params, "PageNumber", 1)
        if page_number < 1:
            raise invalid("PageNumber")
        page_size = _number(params, "PageSize", 20)
        if page_size not in PAGE_SIZES:
            raise invalid("PageSize")
        ids = set(i.strip() for i in (params.get("DtsJobId") or "").split(",") if i.strip())
        instance = params.get("DtsInstanceId")
        status = (params.get("Status") or "").lower()
        region = params.get("Region") or params.get("RegionId")
        kind, value = params.get("Type"), params.get("Params")
        with self.emu.lock:
            candidates = [j for j in self.jobs.values()
                          if j["job_type"] == job_type and (not ids or j["id"] in ids)
                          and (not instance or j["instance_id"] == instance)
                          and (not region or not j["region"] or j["region"] == region)
                          and self._type_filter(j, kind, value)]
        for job in candidates:
            self.store.check_health(job)
        with self.emu.lock:
            selected = [j for j in candidates if not status or j["forward"]["status"].lower() == status]
            page = selected[(page_number - 1) * page_size: page_number * page_size]
            listing = []
            for job in page:
                item = job_view(job, job["forward"], "Forward", detail=False)
                if job["reverse"]:
                    item["ReverseJob"] = job_view(job, job["reverse"], "Reverse", detail=False)
                listing.append(item)
        return self._respond({"PageNumber": page_number, "PageRecordCount": len(listing),
                              "TotalRecordCount": len(selected), "DtsJobList": listing})

    @staticmethod
    def _type_filter(job, kind, value):
        if not kind or not value:
            return True
        src, dest = job["forward"]["source"] or {}, job["forward"]["destination"] or {}
        if kind == "instance":
            return value in job["instance_id"]
        if kind == "name":
            return value in job["name"]
        if kind == "srcRds":
            return value in src.get("instance_id", "")
        if kind == "rds":
            return value in src.get("instance_id", "") or value in dest.get("instance_id", "")
        return True
