"""Alibaba Cloud: the POP (OpenAPI) gateway and Data Transmission Service (DTS) 2020-01-01.

Routing
    Every RPC call is ``POST /`` (``GET /`` too) with its parameters in the query string and/or
    an ``application/x-www-form-urlencoded`` body. A V3 request names its action in the header
    ``x-acs-action`` (version in ``x-acs-version``); an RPC v1 request in the ``Action`` and
    ``Version`` parameters. Actions: ``ModifyDtsJobPassword`` (the only write),
    ``DescribeDtsJobDetail``, ``DescribeDtsJobs``.

Authentication (:class:`AlibabaGateway`), verified for real with the collection's own signing
functions (``plugins/module_utils/_signing.py``, with the parsers and the legacy RPC signature of
``emulator/verify.py``):

* V3 ``ACS3-HMAC-SHA256``: the ``Authorization`` header is parsed, the canonical request is
  rebuilt from *its* ``SignedHeaders`` list (the SDK signs every header it sends), the query
  pairs and ``x-acs-content-sha256``, which must itself equal the SHA-256 of the body received.
  ``host``, ``x-acs-action``, ``x-acs-version``, ``x-acs-date``, ``x-acs-signature-nonce``,
  ``x-acs-content-sha256``, every other ``x-acs-*`` header present and, when there is a body,
  ``content-type`` must be signed (the documented rule) or the request fails with
  ``IncompleteSignature``. Other V3 algorithms (SM3, RSA) are refused the same way.
* RPC v1 ``HMAC-SHA1``: every query and form parameter except ``Signature``;
  ``SignatureMethod`` must be ``HMAC-SHA1`` and ``SignatureVersion`` ``1.0``.
* Both: the timestamp (``x-acs-date`` / ``Timestamp``, ``YYYY-MM-DDThh:mm:ssZ``) may be at most
  15 minutes off :meth:`Emulator.now` (``InvalidTimeStamp.Expired``; unparsable:
  ``InvalidTimeStamp.Format``); a nonce is remembered per access key for 15 minutes once a request
  passed every other check (replay: ``SignatureNonceUsed``).
* STS keys (fixture key with ``security_token``): the token must come as
  ``x-acs-security-token`` (V3) or ``SecurityToken`` (RPC); absent:
  ``InvalidSecurityToken.Malformed``, different: ``InvalidSecurityToken.MismatchWithAccessKey``,
  past the key's ``expires``: ``InvalidSecurityToken.Expired``. A token sent with a permanent key
  is ignored.

Gateway errors use the POP shape ``{"RequestId","HostId","Code","Message","Recommend"}``:

=====================================  ====  ==========================================
Code                                   HTTP  When
=====================================  ====  ==========================================
``MissingParameter``                   400   no credentials, or an RPC common parameter
                                             (AccessKeyId, Signature, SignatureNonce,
                                             Timestamp, SignatureMethod, Action, Version)
                                             is missing
``IncompleteSignature``                400   malformed Authorization, unsupported
                                             algorithm/method, a required header unsigned
``InvalidAccessKeyId.NotFound``        404   unknown AK (the reference lists 404)
``InvalidAccessKeyId.Inactive``        400   fixture key with ``disabled: true``
``SignatureDoesNotMatch``              400   wrong signature, or body hash mismatch
``InvalidTimeStamp.Format/.Expired``   400   see above
``SignatureNonceUsed``                 400   replay
``InvalidSecurityToken.*``             400   see above
``InvalidVersion``                     400   version other than 2020-01-01
``InvalidAction.NotFound``             404   unknown action
``Missing{Name}``                      400   required API parameter absent (``MissingDtsJobId``)
``Throttling.User``                    400   throttle fault; header ``x-acs-retry-after`` in
                                             milliseconds (fault ``retry_after``, else setting
                                             ``alibaba_retry_after_ms``, default 1000; 0 = no
                                             header)
``ServiceUnavailable``/``InternalError``     error fault (503 → ServiceUnavailable, other
                                             statuses → InternalError, or the fault's code)
=====================================  ====  ==========================================

``SignatureDoesNotMatch`` never echoes the server's string to sign (the real gateway does, and
for RPC it contains the percent-encoded password).

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
                                                           not the endpoint's account, bad
                                                           SynchronizationDirection (or
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
job status is %s." / the status)
``DTS.Msg.OperationDenied.PasswordNotModifiable``    403   endpoint ``can_modify_password``
(/ ``src`` or ``dest``)                                    false
===================================================  ====  ===============================

Job states accepting ``ModifyDtsJobPassword``: NotStarted, Initializing, Synchronizing /
synchronizing, Migrating, Failed, InitializeFailed, MigrationFailed, Suspending, Retrying,
Normal, Abnormal. Refused: everything else (NotConfigured, Prechecking, PrecheckFailed,
PreCheckPass, Modifying, Upgrade, Downgrade, Locked, Finished, Starting).

Health: when jobs are read (detail, list) and after a successful password change, each
endpoint's stored credentials are checked through ``emu.databases.check(ref, user, password)``
(``database.user``, defaulting to the endpoint's ``user``), at most every
``dts_health_interval`` seconds (default 0 = every read; a write always checks). Only running
jobs (Initializing, Synchronizing, Migrating, Retrying, Normal) are checked, plus jobs that failed
*for that reason*. A login failure turns a job ``Failed`` (SYNC) / ``MigrationFailed``
(MIGRATION) / ``Abnormal`` (SUBSCRIBE) with an ``ErrorMessage`` naming the endpoint, the
database ref and the user ("Access denied ..."); once the stored password logs in again it goes
back to the status it had (Retrying becomes Synchronizing / Migrating / Normal). A job failed
for another reason (admin-set) is left alone. Unknown refs count as healthy; a checker that
raises (backend unreachable) leaves the job unchanged. The two directions of a two-way job are
separate (own status, own stored passwords).

Responses: ``JobType`` is answered in the request's spelling (``SYNC``, ``MIGRATION``,
``SUBSCRIBE``); ``Port`` is a string (as the SDK models declare); ``CanModifyPassword`` is only in
``DescribeDtsJobDetail`` endpoints; two-way jobs carry ``DtsJobDirection`` (and, in
``DescribeDtsJobs``, ``ReverseJob``). No response, journal entry or summary contains a password.
The journal's ``auth`` is ``acs3`` or ``rpc-hmac-sha1``.

Fixture section ``dts``::

    dts:
      access_keys:
        - {id: LTAI5tEXAMPLE, secret: "..."}
        - {id: STS.NTEXAMPLE, secret: "...", security_token: "...", expires: 1900000000}
        # optional per key: disabled: true; expires: epoch seconds or YYYY-MM-DDThh:mm:ssZ
      jobs:
        - id: l3m1213ye7l1234            # DtsJobId
          name: orders-sync              # DtsJobName (default: id)
          instance_id: dtsl3m1213ye7l    # DtsInstanceID (default: "dts" + id)
          region: cn-hangzhou
          job_type: SYNC                 # SYNC | MIGRATION | SUBSCRIBE
          status: Synchronizing          # default: Synchronizing / Migrating / Normal by type
          error_message: ""
          reverse: false                 # true = two-way sync: a Reverse direction whose
                                         # endpoints are copies of these, swapped; or a mapping
                                         # {status, source, destination, ...} like the job's
          source:
            user: dtstest
            password: "..."
            database: {ref: <gaussdb or dcs instance id or external:host:port>, user: dtstest}
            engine: MySQL                # EngineName
            instance_id: pxc-xxxx        # InstanceID
            instance_type: RDS           # InstanceType
            ip: 10.0.0.1
            port: 3306
            region: cn-hangzhou
            database_name: orders
            can_modify_password: true
          destination: {...same keys...}

``dump()`` writes the same keys (``reverse`` always as a mapping, or ``false``) plus per
endpoint ``password_changes`` and, for a direction failed by the health check, ``auth_failed``
and ``running_status``.

Admin routes (under ``/_emulator/``):

* ``POST dts/jobs/<id>/status`` ``{"status": "...", "error_message": "...", "direction":
  "Forward"|"Reverse"}`` sets a job's status;
* ``POST dts/jobs/<id>/verify`` ``{"endpoint": "src"|"dest", "password": "...", "direction":
  ...}`` answers ``{"match": bool}`` without revealing the stored password.

:class:`PopClient` is a small signed client (V3 or RPC) for tests, stdlib only.
"""

import collections
import datetime
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode, urlsplit

from emulator.core import Gateway, Response, Service
from emulator.signing import signing
from emulator import verify

API_VERSION = "2020-01-01"
MAX_CLOCK_SKEW = 900
NONCE_TTL = 900
DEFAULT_HOST_ID = "dts.aliyuncs.com"
WRITE_ACTION = "ModifyDtsJobPassword"

# RPC v1 common parameters: never passed on to the actions.
COMMON_PARAMS = frozenset(("Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureMethod",
                           "SignatureVersion", "SignatureNonce", "SignatureType", "Timestamp", "SecurityToken",
                           "BearerToken"))

JOB_TYPES = {"SYNC": "SYNC", "SYNCHRONIZATION": "SYNC", "MIGRATION": "MIGRATION", "ONLINE": "MIGRATION",
             "SUBSCRIBE": "SUBSCRIBE", "SUBSCRIPTION": "SUBSCRIBE"}
ACCEPTS_PASSWORD = frozenset(s.lower() for s in (
    "NotStarted", "Initializing", "Synchronizing", "Migrating", "Failed", "InitializeFailed", "MigrationFailed",
    "Suspending", "Retrying", "Normal", "Abnormal"))
RUNNING = frozenset(s.lower() for s in ("Initializing", "Synchronizing", "Migrating", "Retrying", "Normal"))
FAILED_STATUS = {"SYNC": "Failed", "MIGRATION": "MigrationFailed", "SUBSCRIBE": "Abnormal"}
RUNNING_STATUS = {"SYNC": "Synchronizing", "MIGRATION": "Migrating", "SUBSCRIBE": "Normal"}
ENDPOINT_KEYS = {"src": "source", "dest": "destination"}
PAGE_SIZES = (10, 20, 30)

INVALID_PARAMETER_MESSAGE = "The Value of Input Parameter %s is not valid."


def request_id():
    return str(uuid.uuid4()).upper()


def _parse_time(value):
    """Epoch seconds of ``YYYY-MM-DDThh:mm:ssZ`` (fractions allowed), or None."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            parsed = datetime.datetime.strptime(value or "", fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def _epoch(value):
    """Fixture times: epoch seconds or an ISO ``...Z`` string; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    parsed = _parse_time(str(value))
    if parsed is None:
        raise ValueError("dts access key 'expires' must be epoch seconds or YYYY-MM-DDThh:mm:ssZ")
    return parsed


def _host_id(req):
    host = (req.headers.get("host") or "").split(":")[0]
    return host if host.endswith(".aliyuncs.com") else DEFAULT_HOST_ID


def pop_error(req, status, code, message, headers=None):
    """An error in the POP gateway's shape."""
    rid = request_id()
    return Response(status, {
        "RequestId": rid, "HostId": _host_id(req), "Code": code, "Message": message,
        "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Dts&requestId=%s" % (code, rid),
    }, headers)


def _missing(req, name):
    return pop_error(req, 400, "MissingParameter",
                     'The input parameter "%s" that is mandatory for processing this request is not supplied.' % name)


def action_of(req):
    """The action a request names: header ``x-acs-action`` (V3) or the signed ``Action`` parameter (RPC)."""
    if req.headers.get("authorization"):
        return req.headers.get("x-acs-action") or None
    params = dict(all_params(req))
    return params.get("Action") or req.headers.get("x-acs-action") or None


def all_params(req):
    """Query and form parameters as pairs (query first)."""
    return list(req.query) + list(req.form())


class AlibabaGateway(Gateway):
    """POP gateway: V3 ``ACS3-HMAC-SHA256`` and RPC v1 ``HMAC-SHA1`` verification, nonces, STS."""

    def __init__(self, service):
        self.service = service
        self._nonces = collections.OrderedDict()
        self._nonce_lock = threading.Lock()

    @property
    def emu(self):
        return self.service.emu

    # -- faults ------------------------------------------------------------------------------
    def throttle(self, req, fault):
        retry_after = fault.retry_after
        if retry_after is None:
            retry_after = self.emu.setting("alibaba_retry_after_ms", 1000)
        headers = {"x-acs-retry-after": str(int(retry_after))} if int(retry_after) > 0 else {}
        return pop_error(req, 400, fault.code or "Throttling.User",
                         fault.message or "Request was denied due to user flow control.", headers)

    def error(self, req, status, code, message):
        if not code:
            code = "ServiceUnavailable" if status == 503 else "InternalError"
        if not message:
            if code == "ServiceUnavailable":
                message = "The request has failed due to a temporary failure of the server."
            else:
                message = "The request processing has failed due to some unknown error, exception or failure."
        return pop_error(req, status, code, message)

    # -- authentication ----------------------------------------------------------------------
    def authenticate(self, req, route):
        authorization = req.headers.get("authorization")
        if authorization:
            return self._v3(req, authorization)
        params = dict(all_params(req))
        if "Signature" in params or "AccessKeyId" in params:
            return self._rpc(req, params)
        return _missing(req, "AccessKeyId")

    def _key(self, req, access):
        with self.emu.lock:
            key = self.service.access_keys.get(access)
            key = dict(key) if key else None
        if key is None:
            return None, pop_error(req, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if key.get("disabled"):
            return None, pop_error(req, 400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
        return key, None

    def _check_time(self, req, value):
        signed_at = _parse_time(value)
        if signed_at is None:
            return pop_error(req, 400, "InvalidTimeStamp.Format",
                             "Specified time stamp or date value is not well formatted.")
        if abs(self.emu.now() - signed_at) > MAX_CLOCK_SKEW:
            return pop_error(req, 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        return None

    def _check_token(self, req, key, token):
        expected = key.get("security_token")
        if expected is None:
            return None
        if not token:
            return pop_error(req, 400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
        if not hmac.compare_digest(str(token), str(expected)):
            return pop_error(req, 400, "InvalidSecurityToken.MismatchWithAccessKey",
                             "Specified SecurityToken mismatch with the AccessKey.")
        expires = key.get("expires")
        if expires is not None and _epoch(expires) <= self.emu.now():
            return pop_error(req, 400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
        return None

    def _use_nonce(self, req, access, nonce):
        now = self.emu.now()
        with self._nonce_lock:
            while self._nonces:
                oldest, expiry = next(iter(self._nonces.items()))
                if expiry > now:
                    break
                del self._nonces[oldest]
            entry = (access, nonce)
            if entry in self._nonces and self._nonces[entry] > now:
                return pop_error(req, 400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.pop(entry, None)
            self._nonces[entry] = now + NONCE_TTL
        return None

    def forget_nonces(self):
        with self._nonce_lock:
            self._nonces.clear()

    def _v3(self, req, authorization):
        req.auth_kind = "acs3"
        if not authorization.startswith(signing.ALIYUN_V3_ALGORITHM + " "):
            return pop_error(req, 400, "IncompleteSignature",
                             "The request signature does not conform to Aliyun standards: "
                             "only ACS3-HMAC-SHA256 is supported.")
        parsed = verify.parse_aliyun_v3_authorization(authorization)
        if parsed is None:
            return pop_error(req, 400, "IncompleteSignature",
                             "The request signature does not conform to Aliyun standards: malformed Authorization.")
        access, names, signature = parsed
        headers = req.headers.lower_dict()
        required = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                    "x-acs-content-sha256"]
        required += sorted(h for h in headers if h.startswith("x-acs-") and h not in required)
        if req.body and "content-type" in headers:
            required.append("content-type")
        for name in required:
            if name not in headers or name not in names:
                return pop_error(req, 400, "IncompleteSignature",
                                 "The request signature does not conform to Aliyun standards: "
                                 "header %s must be present and signed." % name)
        key, denied = self._key(req, access)
        if denied:
            return denied
        denied = self._check_time(req, headers["x-acs-date"])
        if denied:
            return denied
        payload_hash = headers["x-acs-content-sha256"].lower()
        if payload_hash != signing.sha256_hex(req.body):
            return pop_error(req, 400, "SignatureDoesNotMatch",
                             "Specified signature does not match our calculation: "
                             "x-acs-content-sha256 is not the SHA-256 of the request body.")
        canonical, dummy = signing.aliyun_v3_canonical_request(req.method, req.path, req.query, headers,
                                                               payload_hash, names)
        expected = signing.aliyun_v3_signature(key["secret"], signing.aliyun_v3_string_to_sign(canonical))
        if not hmac.compare_digest(expected, signature):
            return pop_error(req, 400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        denied = self._check_token(req, key, headers.get("x-acs-security-token"))
        if denied:
            return denied
        denied = self._use_nonce(req, access, headers["x-acs-signature-nonce"])
        if denied:
            return denied
        req.identity = {"access_key": access, "temporary": "security_token" in key}
        return None

    def _rpc(self, req, params):
        req.auth_kind = "rpc-hmac-sha1"
        for name in ("AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                return _missing(req, name)
        if params["SignatureMethod"] != "HMAC-SHA1" or params.get("SignatureVersion", "1.0") != "1.0":
            return pop_error(req, 400, "IncompleteSignature",
                             "The request signature does not conform to Aliyun standards: "
                             "SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.")
        key, denied = self._key(req, params["AccessKeyId"])
        if denied:
            return denied
        denied = self._check_time(req, params["Timestamp"])
        if denied:
            return denied
        signed = [(k, v) for k, v in all_params(req) if k != "Signature"]
        expected = verify.aliyun_rpc_signature(key["secret"], req.method, signed)
        if not hmac.compare_digest(expected, params["Signature"]):
            return pop_error(req, 400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        denied = self._check_token(req, key, params.get("SecurityToken"))
        if denied:
            return denied
        denied = self._use_nonce(req, params["AccessKeyId"], params["SignatureNonce"])
        if denied:
            return denied
        req.identity = {"access_key": params["AccessKeyId"], "temporary": "security_token" in key}
        return None


class BusinessError(Exception):
    """A DTS ``Success:false`` answer."""

    def __init__(self, code, message, dynamic, http_status):
        super().__init__(code)
        self.code, self.message, self.dynamic, self.http_status = code, message, dynamic, http_status


def invalid(name):
    return BusinessError("InvalidParameter", INVALID_PARAMETER_MESSAGE, name, 400)


class DtsService(Service):
    """DTS 2020-01-01: ModifyDtsJobPassword, DescribeDtsJobDetail, DescribeDtsJobs."""

    name = "dts"
    cloud = "alibaba"

    def __init__(self, emu):
        super().__init__(emu)
        self.access_keys = {}
        self.jobs = collections.OrderedDict()
        self.gateway = AlibabaGateway(self)

    # -- registration ------------------------------------------------------------------------
    def register(self):
        self.emu.gateway("alibaba", self.gateway)
        self.emu.route("*", r"/", self.handle, "alibaba", "dts", refine=self.refine)
        self.emu.admin_route("POST", r"dts/jobs/(?P<id>[^/]+)/status", self._admin_status)
        self.emu.admin_route("POST", r"dts/jobs/(?P<id>[^/]+)/verify", self._admin_verify)

    @staticmethod
    def refine(req):
        req.action = action_of(req)
        req.write = req.action == WRITE_ACTION

    # -- state -------------------------------------------------------------------------------
    def load(self, section):
        section = section or {}
        self.access_keys = {}
        for key in section.get("access_keys") or []:
            key = dict(key)
            _epoch(key.get("expires"))  # validate early
            self.access_keys[str(key["id"])] = key
        self.jobs = collections.OrderedDict()
        for spec in section.get("jobs") or []:
            job = self._load_job(spec)
            self.jobs[job["id"]] = job
        self.gateway.forget_nonces()

    @staticmethod
    def _load_endpoint(spec):
        if spec is None:
            return None
        spec = dict(spec)
        endpoint = {
            "user": spec.get("user", ""), "password": spec.get("password", ""),
            "database": dict(spec["database"]) if spec.get("database") else None,
            "engine": spec.get("engine", "MySQL"), "instance_id": spec.get("instance_id", ""),
            "instance_type": spec.get("instance_type", "RDS"), "ip": spec.get("ip", ""),
            "port": str(spec.get("port", "3306")), "region": spec.get("region", ""),
            "database_name": spec.get("database_name", ""),
            "can_modify_password": bool(spec.get("can_modify_password", True)),
            "password_changes": int(spec.get("password_changes", 0)),
        }
        return endpoint

    def _load_direction(self, spec, job_type):
        return {
            "status": spec.get("status") or RUNNING_STATUS[job_type],
            "error_message": spec.get("error_message", ""),
            "auth_failed": bool(spec.get("auth_failed", False)),
            "running_status": spec.get("running_status"),
            "source": self._load_endpoint(spec.get("source")),
            "destination": self._load_endpoint(spec.get("destination")),
            "checked_at": None,
        }

    def _load_job(self, spec):
        job_type = JOB_TYPES.get(str(spec.get("job_type", "SYNC")).upper())
        if job_type is None:
            raise ValueError("dts job %s: job_type must be SYNC, MIGRATION or SUBSCRIBE" % spec.get("id"))
        job_id = str(spec["id"])
        job = {"id": job_id, "name": spec.get("name", job_id), "instance_id": spec.get("instance_id", "dts" + job_id),
               "region": spec.get("region", ""), "job_type": job_type,
               "forward": self._load_direction(spec, job_type), "reverse": None}
        reverse = spec.get("reverse")
        if reverse:
            if reverse is True:
                reverse = {}
            reverse = dict(reverse)
            reverse.setdefault("source", spec.get("destination"))
            reverse.setdefault("destination", spec.get("source"))
            reverse.setdefault("status", job["forward"]["status"])
            job["reverse"] = self._load_direction(reverse, job_type)
        return job

    @staticmethod
    def _dump_endpoint(endpoint):
        if endpoint is None:
            return None
        out = dict(endpoint)
        out["database"] = dict(endpoint["database"]) if endpoint["database"] else None
        if out["database"] is None:
            del out["database"]
        return out

    def _dump_direction(self, direction):
        out = {"status": direction["status"], "error_message": direction["error_message"],
               "source": self._dump_endpoint(direction["source"]),
               "destination": self._dump_endpoint(direction["destination"])}
        if direction["auth_failed"]:
            out["auth_failed"] = True
        if direction["running_status"]:
            out["running_status"] = direction["running_status"]
        return out

    def dump(self):
        with self.emu.lock:
            jobs = []
            for job in self.jobs.values():
                out = {"id": job["id"], "name": job["name"], "instance_id": job["instance_id"],
                       "region": job["region"], "job_type": job["job_type"]}
                out.update(self._dump_direction(job["forward"]))
                out["reverse"] = self._dump_direction(job["reverse"]) if job["reverse"] else False
                jobs.append(out)
            return {"access_keys": [dict(k) for k in self.access_keys.values()], "jobs": jobs}

    @staticmethod
    def _summary_endpoint(endpoint):
        if endpoint is None:
            return None
        return {"user": endpoint["user"], "engine": endpoint["engine"], "instance_id": endpoint["instance_id"],
                "database": (endpoint["database"] or {}).get("ref"),
                "can_modify_password": endpoint["can_modify_password"],
                "password_changes": endpoint["password_changes"]}

    def _summary_direction(self, direction):
        return {"status": direction["status"], "error_message": direction["error_message"],
                "auth_failed": direction["auth_failed"],
                "source": self._summary_endpoint(direction["source"]),
                "destination": self._summary_endpoint(direction["destination"])}

    def summary(self):
        with self.emu.lock:
            jobs = []
            for job in self.jobs.values():
                out = {"id": job["id"], "name": job["name"], "instance_id": job["instance_id"],
                       "region": job["region"], "job_type": job["job_type"]}
                out.update(self._summary_direction(job["forward"]))
                out["reverse"] = self._summary_direction(job["reverse"]) if job["reverse"] else None
                jobs.append(out)
            return {"access_keys": [{"id": k["id"], "temporary": "security_token" in k,
                                     "disabled": bool(k.get("disabled"))} for k in self.access_keys.values()],
                    "jobs": jobs}

    # -- admin -------------------------------------------------------------------------------
    def _admin_job_direction(self, req):
        body = req.json() or {}
        job = self.jobs.get(req.match.group("id"))
        if job is None:
            return body, None, Response(404, {"error": "no dts job %s" % req.match.group("id")})
        direction = self._direction(job, body.get("direction") or "Forward")
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
            direction["checked_at"] = None
            return Response(200, self._summary_direction(direction))

    def _admin_verify(self, req):
        with self.emu.lock:
            body, direction, error = self._admin_job_direction(req)
            if error:
                return error
            endpoint = direction.get(ENDPOINT_KEYS.get(body.get("endpoint"), ""))
            if endpoint is None:
                return Response(400, {"error": "endpoint must be src or dest (and exist)"})
            match = hmac.compare_digest(str(endpoint["password"]), str(body.get("password", "")))
        return Response(200, {"match": match})

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _direction(job, name):
        if name in (None, "", "Forward"):
            return job["forward"]
        if name == "Reverse":
            return job["reverse"]
        return None

    def _respond(self, body):
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

    def _find_job(self, params):
        """The job named by DtsJobId (or DtsInstanceID alone), within RegionId when given."""
        job_id = params.get("DtsJobId")
        instance = params.get("DtsInstanceID") or params.get("DtsInstanceId")
        if job_id:
            job = self.jobs.get(job_id)
            if job is not None and instance and job["instance_id"] != instance:
                job = None
        elif instance:
            job = next((j for j in self.jobs.values() if j["instance_id"] == instance), None)
        else:
            job = None
        region = params.get("RegionId")
        if job is not None and region and job["region"] and job["region"] != region:
            job = None
        if job is None:
            raise invalid("DtsJobId")
        return job

    # -- dispatch ----------------------------------------------------------------------------
    def handle(self, req):
        headers = req.headers
        params = dict(all_params(req))
        version = headers.get("x-acs-version") if req.auth_kind == "acs3" else params.get("Version")
        if not req.action:
            return _missing(req, "Action")
        if not version:
            return _missing(req, "Version")
        if version != API_VERSION:
            return pop_error(req, 400, "InvalidVersion", "Specified parameter Version is not valid.")
        handler = {"ModifyDtsJobPassword": self.modify_password, "DescribeDtsJobDetail": self.describe_detail,
                   "DescribeDtsJobs": self.describe_jobs}.get(req.action)
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
        if not password:
            raise invalid("Password")
        direction_name = params.get("SynchronizationDirection") or "Forward"
        if direction_name not in ("Forward", "Reverse"):
            raise invalid("SynchronizationDirection")
        with self.emu.lock:
            job = self._find_job(params)
            direction = self._direction(job, direction_name)
            if direction is None:
                raise invalid("SynchronizationDirection")
            endpoint = direction[ENDPOINT_KEYS[endpoint_name]]
            if endpoint is None:
                raise invalid("Endpoint")
            status = direction["status"]
            if status.lower() == "modifying":
                raise BusinessError("DTS.Msg.OperationDenied.JobStatusModifying",
                                    "The operation is not supported when the job status is %s.", status, 403)
            if status.lower() not in ACCEPTS_PASSWORD:
                raise BusinessError("DTS.Msg.OperationDenied.JobStatus",
                                    "The operation is not supported when the job status is %s.", status, 403)
            if not endpoint["can_modify_password"]:
                raise BusinessError("DTS.Msg.OperationDenied.PasswordNotModifiable",
                                    "The password of the %s endpoint of this job cannot be modified.",
                                    endpoint_name, 403)
            if params["UserName"] != endpoint["user"]:
                raise invalid("UserName")
            if hmac.compare_digest(str(endpoint["password"]), str(password)):
                raise BusinessError("DTS.Msg.InvalidParameter.PasswordSame",
                                    "The Value of Input Parameter %s must differ from the current password.",
                                    "Password", 400)
            endpoint["password"] = password
            endpoint["password_changes"] += 1
        self.check_health(job, force=True)
        return self._respond({})

    def describe_detail(self, req, params):
        direction_name = params.get("SynchronizationDirection") or "Forward"
        if direction_name not in ("Forward", "Reverse"):
            raise invalid("SynchronizationDirection")
        if not params.get("DtsJobId") and not (params.get("DtsInstanceID") or params.get("DtsInstanceId")):
            raise invalid("DtsJobId")
        with self.emu.lock:
            job = self._find_job(params)
            if self._direction(job, direction_name) is None:
                raise invalid("SynchronizationDirection")
        self.check_health(job)
        with self.emu.lock:
            direction = self._direction(job, direction_name)
            body = self._job_view(job, direction, direction_name, detail=True)
        return self._respond(body)

    def describe_jobs(self, req, params):
        job_type = str(params.get("JobType") or "MIGRATION").upper()
        if job_type not in ("MIGRATION", "SYNC", "SUBSCRIBE"):
            raise invalid("JobType")
        try:
            page_number = int(params.get("PageNumber") or 1)
        except ValueError:
            raise invalid("PageNumber")
        if page_number < 1:
            raise invalid("PageNumber")
        try:
            page_size = int(params.get("PageSize") or 20)
        except ValueError:
            raise invalid("PageSize")
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
            self.check_health(job)
        with self.emu.lock:
            selected = [j for j in candidates if not status or j["forward"]["status"].lower() == status]
            page = selected[(page_number - 1) * page_size: page_number * page_size]
            listing = []
            for job in page:
                item = self._job_view(job, job["forward"], "Forward", detail=False)
                if job["reverse"]:
                    item["ReverseJob"] = self._job_view(job, job["reverse"], "Reverse", detail=False)
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

    @staticmethod
    def _endpoint_view(endpoint, detail):
        if endpoint is None:
            return None
        view = {"UserName": endpoint["user"], "EngineName": endpoint["engine"],
                "InstanceID": endpoint["instance_id"], "InstanceType": endpoint["instance_type"],
                "Ip": endpoint["ip"], "Port": endpoint["port"], "Region": endpoint["region"],
                "DatabaseName": endpoint["database_name"]}
        if detail:
            view["CanModifyPassword"] = endpoint["can_modify_password"]
        return view

    def _job_view(self, job, direction, direction_name, detail):
        view = {"DtsJobId": job["id"], "DtsInstanceID": job["instance_id"], "DtsJobName": job["name"],
                "JobType": job["job_type"], "Status": direction["status"],
                "ErrorMessage": direction["error_message"],
                "SourceEndpoint": self._endpoint_view(direction["source"], detail),
                "DestinationEndpoint": self._endpoint_view(direction["destination"], detail)}
        if job["reverse"]:
            view["DtsJobDirection"] = direction_name
            if detail:
                view["SynchronizationDirection"] = direction_name
        return dict((k, v) for k, v in view.items() if v is not None)

    # -- health ------------------------------------------------------------------------------
    def check_health(self, job, force=False):
        """Check each direction's stored credentials against the databases (see module doc)."""
        interval = float(self.emu.setting("dts_health_interval", 0))
        now = self.emu.now()
        plans = []
        with self.emu.lock:
            for direction in (job["forward"], job["reverse"]):
                if direction is None:
                    continue
                status = direction["status"].lower()
                if status not in RUNNING and not direction["auth_failed"]:
                    continue
                if not force and direction["checked_at"] is not None and now - direction["checked_at"] < interval:
                    continue
                direction["checked_at"] = now
                creds = []
                for name in ("source", "destination"):
                    endpoint = direction[name]
                    if endpoint is None or not endpoint["database"] or not endpoint["database"].get("ref"):
                        continue
                    database = endpoint["database"]
                    creds.append((name, database["ref"], database.get("user") or endpoint["user"], endpoint["password"]))
                plans.append((direction, creds))
        for direction, creds in plans:
            failures = []
            try:
                for name, ref, user, password in creds:
                    if self.emu.databases.check(ref, user, password) is False:
                        failures.append((name, ref, user))
            except Exception:  # noqa: BLE001 - a backend outage is not an authentication verdict
                continue
            with self.emu.lock:
                current = [(n, r, u, direction[n]["password"]) for n, r, u, dummy in creds]
                if current != creds:
                    continue  # a password changed meanwhile; the next read decides
                if failures:
                    if not direction["auth_failed"]:
                        direction["running_status"] = direction["status"]
                    name, ref, user = failures[0]
                    direction["status"] = FAILED_STATUS[job["job_type"]]
                    direction["auth_failed"] = True
                    direction["error_message"] = (
                        "DTS-070010: %s database %s: Access denied for user '%s' (using password: YES); "
                        "authentication failed, please check the account and password of the job."
                        % ("source" if name == "source" else "destination", ref, user))
                elif direction["auth_failed"]:
                    previous = direction["running_status"] or ""
                    if previous.lower() in ("", "retrying"):
                        previous = RUNNING_STATUS[job["job_type"]]
                    direction["status"] = previous
                    direction["running_status"] = None
                    direction["auth_failed"] = False
                    direction["error_message"] = ""


class PopClient:
    """A minimal signed POP client for tests (standard library only).

    ``signature="v3"`` signs ``ACS3-HMAC-SHA256`` (action in ``x-acs-action``), ``"rpc"`` signs
    RPC v1 ``HMAC-SHA1``. :meth:`prepare` returns the request as a dict that a test may tamper
    with before :meth:`send`; :meth:`call` does both.
    """

    def __init__(self, base_url, access_key, secret, security_token=None, signature="v3", version=API_VERSION):
        self.base_url = base_url.rstrip("/")
        self.access_key, self.secret, self.security_token = access_key, secret, security_token
        self.signature, self.version = signature, version

    def prepare(self, action, params=None, form=None, method="POST", date=None, nonce=None, headers=None):
        query = [(k, str(v)) for k, v in (params or {}).items()]
        form_pairs = [(k, str(v)) for k, v in (form or {}).items()]
        body = urlencode(form_pairs).encode("utf-8") if form_pairs else b""
        extra = dict(headers or {})
        if body:
            extra.setdefault("content-type", "application/x-www-form-urlencoded")
        if self.signature == "v3":
            signed = signing.aliyun_v3_sign(method, urlsplit(self.base_url).netloc, "/", query, extra, body,
                                            self.access_key, self.secret, action, self.version, date=date,
                                            nonce=nonce, security_token=self.security_token)
        else:
            common = [("Action", action), ("Version", self.version), ("Format", "JSON"),
                      ("AccessKeyId", self.access_key), ("SignatureMethod", "HMAC-SHA1"),
                      ("SignatureVersion", "1.0"), ("SignatureNonce", nonce or signing.aliyun_nonce()),
                      ("Timestamp", date or signing.aliyun_date())]
            if self.security_token:
                common.append(("SecurityToken", self.security_token))
            query = common + query
            query.append(("Signature", verify.aliyun_rpc_signature(self.secret, method, query + form_pairs)))
            signed = extra
        return {"method": method, "query": query, "headers": signed, "body": body}

    def send(self, prepared, timeout=10):
        """Return ``(status, headers, json_body)``."""
        url = self.base_url + "/"
        if prepared["query"]:
            url += "?" + signing.encode_query(prepared["query"])
        request = urllib.request.Request(url, data=prepared["body"] or None, method=prepared["method"],
                                         headers=prepared["headers"])
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, headers, payload = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            status, headers, payload = err.code, dict(err.headers), err.read()
        return status, dict((k.lower(), v) for k, v in headers.items()), json.loads(payload or b"null")

    def call(self, action, params=None, form=None, method="POST", **kwargs):
        return self.send(self.prepare(action, params, form, method, **kwargs))
