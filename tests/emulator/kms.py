"""Alibaba Cloud KMS 2016-01-20 Secrets Manager: secrets, versions and stages (RPC, ``POST /``).

Authenticated by the Alibaba POP gateway (:mod:`emulator.alibaba_auth`: V3 ``ACS3-HMAC-SHA256``
and RPC v1 ``HMAC-SHA1``, timestamps, nonces, STS) exactly like DTS, with the same access keys
(``dts.access_keys``: one Alibaba account). Endpoint ``kms.{region}.aliyuncs.com`` (SDK
``alibabacloud_kms20160120`` ``Client``: endpoint rule ``regional``).

**Routing.** KMS and DTS are both RPC APIs on ``/``; they differ by API version. The DTS service
registers the ``/`` route; :meth:`KmsService.register` wraps that route so that a request naming
version ``2016-01-20`` (header ``x-acs-version`` of a V3 request, or the ``Version`` parameter of an
RPC v1 request) is served here and every other one goes on to DTS unchanged. The journal shows
such requests with service ``kms``. Without a DTS service (``service_classes`` without it), KMS
registers ``/`` and a gateway of its own, with keys from ``kms.access_keys``.

Actions (parameters and answers: SDK ``alibabacloud_kms20160120.models`` ``*Request`` /
``*ResponseBody``; API reference pages alibabacloud.com/help/en/kms/key-management-service/
developer-reference/api-kms-2016-01-20-<action>):

==========================  =====  =====================================================================
Action                      Write  Parameters -> answer
==========================  =====  =====================================================================
CreateSecret                yes    SecretName, SecretData, VersionId, SecretDataType, SecretType,
                                   ExtendedConfig, Description -> Arn, SecretName, SecretType, VersionId,
                                   ExtendedConfig, AutomaticRotation
PutSecretValue              yes    SecretName, SecretData (the SDK sends it in the form body), VersionId,
                                   VersionStages (a JSON list), SecretDataType -> SecretName, VersionId,
                                   VersionStages{VersionStage[]}
GetSecretValue                     SecretName, VersionId, VersionStage (default ACSCurrent),
                                   FetchExtendedConfig -> SecretName, SecretType, SecretData,
                                   SecretDataType, VersionId, VersionStages{VersionStage[]}, CreateTime,
                                   ExtendedConfig (when asked)
UpdateSecretVersionStage    yes    SecretName, VersionStage, MoveToVersion, RemoveFromVersion -> SecretName
ListSecretVersionIds               SecretName, IncludeDeprecated, PageNumber, PageSize ->
                                   VersionIds{VersionId[{VersionId, CreateTime, VersionStages}]}, TotalCount
DescribeSecret                     SecretName -> Arn, SecretName, SecretType, ExtendedConfig (JSON string),
                                   AutomaticRotation, CreateTime, UpdateTime, Description, ...
ListSecrets                        Filters (JSON ``[{"Key": "SecretType"|"SecretName", "Values": [...]}]``),
                                   PageNumber, PageSize (1-100, default 10) -> SecretList{Secret[]},
                                   TotalCount
==========================  =====  =====================================================================

Rules (sources):

* **VersionId is the caller's idempotency key** (API reference "PutSecretValue": "If the version
  number already exists in the secret, KMS compares the secret value in the request with the stored
  value. If the values are the same, the request is ignored and a success message is returned ...
  If the values are different, the request is rejected"). A repeated request changes no stage.
* **10 versions per generic secret**; "If the number of versions exceeds the limit, KMS deletes the
  earliest version" ("PutSecretValue"). The emulator deletes the earliest version that holds neither
  ACSCurrent nor ACSPrevious (the earliest of all would be the current one only if the caller kept
  stages on old versions; deleting the current value is not what the page means).
* A new version without VersionStages gets ``ACSCurrent`` and "the previous version that was
  marked with ACSCurrent is marked with ACSPrevious" ("PutSecretValue").
* **At most 8 version stages per generic secret** ("UpdateSecretVersionStage": "The total number of
  version stages for each generic secret cannot exceed 8"). ``ACSCurrent``/``ACSPrevious`` cannot
  be removed, only moved: removing them needs MoveToVersion ("UpdateSecretVersionStage",
  VersionStage scenarios); at least one of MoveToVersion and RemoveFromVersion is required.
* PutSecretValue and UpdateSecretVersionStage support **generic secrets only** (both pages:
  "This operation supports only generic secrets"); managed secrets (Rds, Redis, PolarDB, ...) are
  rotated by KMS itself. For them GetSecretValue ignores VersionId and reads only ACSCurrent and
  ACSPrevious ("GetSecretValue" parameter notes).
* SecretName: up to 192 characters of letters, digits and ``_ / + = . @ -``; not starting with
  ``acs/`` for Generic, Rds, Redis (``CreateSecretRequest.secret_name``). VersionId: up to 64
  characters (``CreateSecretRequest.version_id``); the emulator also refuses control characters.
  SecretData: up to 30720 bytes (``CreateSecretRequest.secret_data``). ExtendedConfig: JSON object
  of up to 1024 characters, required for Rds (``SecretSubType``, ``DBInstanceId``), Redis
  (``SecretSubType``, ``AccountName``, ``InstanceId``, ``RegionId``) and PolarDB (``SecretSubType``,
  ``DBClusterId``, ``AccountName``, ``RegionId``) (``CreateSecretRequest.extended_config``).

Errors, POP shape ``{"RequestId", "HostId", "Code", "Message", "Recommend"}`` with the HTTP status
(API reference "CreateSecret", error codes table):

=====  ==================================  =====================================================
HTTP   Code                                When
=====  ==================================  =====================================================
400    ``InvalidParameter``                a malformed value (Message names the parameter)
400    ``Missing{Name}``                   a required parameter is absent (as DTS ``MissingDtsJobId``)
400    ``Rejected.LimitExceeded``          a 9th stage (decision: the code of "quota exceeded")
400    ``Rejected.UnsupportedOperation``   PutSecretValue/UpdateSecretVersionStage on a managed
                                           secret; removing ACSCurrent/ACSPrevious (decision:
                                           KMS common error table, "UnsupportedOperation")
404    ``Forbidden.ResourceNotFound``      unknown secret, version or stage
409    ``Rejected.ResourceExist``          CreateSecret of an existing name; PutSecretValue with an
                                           existing VersionId and **different** data (decision: the
                                           page says only "rejected")
409    ``Rejected.ResourceInDeleteWindow`` the secret is planned to be deleted (``state: PendingDelete``)
404    ``InvalidAction.NotFound``          another action with version 2016-01-20
=====  ==================================  =====================================================

Decision where the docs are silent: moving ``ACSCurrent`` with UpdateSecretVersionStage gives the
version that loses it ``ACSPrevious`` (as PutSecretValue does), unless the setting
``kms_update_stage_moves_previous`` is false.

Regions: a secret belongs to ``region``. A request whose ``Host`` is ``kms[-vpc].{region}.aliyuncs.com``
sees that region's secrets only; on any other host (the loopback address) every region's.

Secret values appear only in GetSecretValue answers: never in :meth:`summary`
(``GET /_emulator/state``), error messages or the journal. :meth:`dump` (the state file) keeps them.

Fixture section ``kms``::

    kms:
      access_keys: [...]          # only when there is no DTS service (same format as dts.access_keys)
      secrets:
        - name: orders-app
          region: cn-hangzhou
          secret_type: Generic    # Generic (default) | Rds | Redis | PolarDB | RAMCredentials | ECS
          extended_config: {SecretSubType: SingleUser, DBInstanceId: rm-...}   # mapping or JSON string
          state: Enabled          # Enabled | PendingDelete
          description, create_time (YYYY-MM-DDThh:mm:ssZ or epoch s), automatic_rotation, rotation_interval
          versions:
            - {version_id: v1, secret_data: "...", stages: [ACSPrevious]}
            - {version_id: v2, secret_data: "...", stages: [ACSCurrent], secret_data_type: text}

Admin route (under ``/_emulator/``): ``POST kms/secrets/<name>/verify`` ``{"secret_data",
"version_id"? | "stage"? (default ACSCurrent), "region"?}`` answers ``{"match": bool}``.
"""

import copy
import datetime
import hmac
import json
import re

from emulator.core import Response, Service
from emulator.alibaba_auth import COMMON_PARAMS, AlibabaGateway, action_of, all_params, parse_epoch, request_id

API_VERSION = "2016-01-20"
WRITE_ACTIONS = frozenset(("CreateSecret", "PutSecretValue", "UpdateSecretVersionStage"))
SECRET_TYPES = ("Generic", "Rds", "Redis", "PolarDB", "RAMCredentials", "ECS")
MANAGED_REQUIRED = {
    "Rds": ("SecretSubType", "DBInstanceId"),
    "Redis": ("SecretSubType", "AccountName", "InstanceId", "RegionId"),
    "PolarDB": ("SecretSubType", "DBClusterId", "AccountName", "RegionId"),
    "RAMCredentials": ("SecretSubType", "UserName"),
    "ECS": ("SecretSubType", "RegionId", "InstanceId"),
}
STATES = ("Enabled", "PendingDelete")
CURRENT, PREVIOUS = "ACSCurrent", "ACSPrevious"
SYSTEM_STAGES = (CURRENT, PREVIOUS)
MAX_VERSIONS = 10
MAX_STAGES = 8
MAX_DATA_BYTES = 30720
MAX_EXTENDED_CONFIG = 1024
NAME_RE = re.compile(r"^[A-Za-z0-9_/+=.@-]{1,192}$")
TOKEN_RE = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")   # VersionId and stage names (documented: up to 64)
_HOST_REGION = re.compile(r"^kms(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com(?::\d+)?$")
DEFAULT_ACCOUNT = "1234567890123456"
MESSAGES = {
    "InvalidParameter": "The specified parameter is invalid.",
    "Rejected.LimitExceeded": "The secret quota is exceeded.",
    "Rejected.UnsupportedOperation": "The operation is not supported.",
    "Forbidden.ResourceNotFound": "The resource is not found.",
    "Rejected.ResourceExist": "The resource already exists.",
    "Rejected.ResourceInDeleteWindow": "The secret is planned to be deleted.",
}
STATUS = {"Forbidden.ResourceNotFound": 404, "Rejected.ResourceExist": 409, "Rejected.ResourceInDeleteWindow": 409}


class KmsError(Exception):
    def __init__(self, code, detail=None, status=None):
        super().__init__(code)
        self.code, self.detail = code, detail
        self.status = status or STATUS.get(code, 400)

    def message(self):
        text = MESSAGES.get(self.code, "")
        return "%s %s" % (text, self.detail) if self.detail and text else (self.detail or text)


def invalid(name):
    return KmsError("InvalidParameter", "Parameter: %s." % name)


def missing(name):
    return KmsError("Missing" + name, "%s is mandatory for this action." % name)


def not_found(what):
    return KmsError("Forbidden.ResourceNotFound", "(%s)" % what)


def same(left, right):
    return hmac.compare_digest(("%s" % left).encode("utf-8", "surrogatepass"),
                               ("%s" % right).encode("utf-8", "surrogatepass"))


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_version(req):
    """The API version a request names: ``x-acs-version`` (V3) or the ``Version`` parameter (RPC v1)."""
    if req.headers.get("authorization"):
        return req.headers.get("x-acs-version")
    return dict(all_params(req)).get("Version") or req.headers.get("x-acs-version")


def _extended_config_text(value):
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _check_extended_config(secret_type, text):
    if secret_type not in MANAGED_REQUIRED:
        return None   # "When SecretType is set to Generic, this parameter is ignored."
    if not text:
        raise invalid("ExtendedConfig")
    if len(text) > MAX_EXTENDED_CONFIG:
        raise invalid("ExtendedConfig")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise invalid("ExtendedConfig")
    if not isinstance(parsed, dict) or any(not parsed.get(k) for k in MANAGED_REQUIRED[secret_type]):
        raise invalid("ExtendedConfig")
    return text


class KmsService(Service):
    name = "kms"
    cloud = "alibaba"

    def __init__(self, emu):
        super().__init__(emu)
        self.secrets = []
        self.access_keys = {}
        self.own_gateway = None

    # -- registration --------------------------------------------------------------------
    def register(self):
        emu = self.emu
        shared = next((r for r in emu.routes if r.cloud == "alibaba" and r.regex.pattern == "^/$"), None)
        if shared is None:
            self.own_gateway = AlibabaGateway(self)
            emu.gateway("alibaba", self.own_gateway)
            emu.route("*", r"/", self.handle, "alibaba", "kms", refine=self.refine)
        else:
            self._share(shared)
        emu.admin_route("POST", r"kms/secrets/(?P<name>.+)/verify", self.admin_verify)

    def _share(self, route):
        """Serve version 2016-01-20 on ``route`` (DTS's ``/``); everything else goes on to its handler."""
        other_handler, other_refine = route.handler, route.refine

        def refine(req):
            if request_version(req) == API_VERSION:
                self.refine(req)
            elif other_refine is not None:
                other_refine(req)

        def handler(req):
            return self.handle(req) if req.service == "kms" else other_handler(req)

        route.refine, route.handler = refine, handler

    @staticmethod
    def refine(req):
        req.service = "kms"
        req.action = action_of(req)
        req.write = req.action in WRITE_ACTIONS

    # -- state ---------------------------------------------------------------------------
    def load(self, section):
        section = section or {}
        self.access_keys = {}
        for key in section.get("access_keys") or []:
            key = dict(key)
            parse_epoch(key.get("expires"))
            self.access_keys[str(key["id"])] = key
        now = self.emu.now()
        secrets = []
        for raw in section.get("secrets") or []:
            secret = self._parse(raw, now)
            if any(s["name"] == secret["name"] and s["region"] == secret["region"] for s in secrets):
                raise ValueError("kms: duplicate secret %r in region %r" % (secret["name"], secret["region"]))
            secrets.append(secret)
        with self.emu.lock:
            self.secrets = secrets
        if self.own_gateway is not None:
            self.own_gateway.forget_nonces()

    @staticmethod
    def _time(value, default):
        parsed = parse_epoch(value)
        return default if parsed is None else parsed

    def _parse(self, raw, now):
        raw = dict(raw)
        name = str(raw.get("name") or "")
        if not NAME_RE.match(name):
            raise ValueError("kms: secret name %r does not match %s" % (name, NAME_RE.pattern))
        secret_type = raw.get("secret_type") or "Generic"
        if secret_type not in SECRET_TYPES:
            raise ValueError("kms: secret %s: secret_type must be one of %s" % (name, ", ".join(SECRET_TYPES)))
        extended = _extended_config_text(raw.get("extended_config"))
        try:
            _check_extended_config(secret_type, extended)
        except KmsError:
            raise ValueError("kms: secret %s: extended_config needs %s" % (
                name, ", ".join(MANAGED_REQUIRED[secret_type])))
        state = raw.get("state") or "Enabled"
        if state not in STATES:
            raise ValueError("kms: secret %s: state must be one of %s" % (name, ", ".join(STATES)))
        created = self._time(raw.get("create_time"), now)
        versions, stages = [], {}
        for number, entry in enumerate(raw.get("versions") or [], 1):
            entry = dict(entry)
            vid = str(entry.get("version_id") or "")
            if not TOKEN_RE.match(vid) or any(v["version_id"] == vid for v in versions):
                raise ValueError("kms: secret %s: bad or repeated version_id %r" % (name, vid))
            if entry.get("secret_data") is None:
                raise ValueError("kms: secret %s version %s: secret_data is required" % (name, vid))
            for stage in entry.get("stages") or []:
                if not TOKEN_RE.match(str(stage)) or stage in stages:
                    raise ValueError("kms: secret %s: bad or repeated stage %r" % (name, stage))
                stages[stage] = vid
            versions.append({"version_id": vid, "secret_data": str(entry["secret_data"]),
                             "secret_data_type": entry.get("secret_data_type") or "text",
                             "create_time": self._time(entry.get("create_time"), created + number - 1)})
        if not versions or CURRENT not in stages:
            raise ValueError("kms: secret %s needs versions, one of them with stage ACSCurrent" % name)
        if len(stages) > MAX_STAGES or len(versions) > MAX_VERSIONS:
            raise ValueError("kms: secret %s: at most %d stages and %d versions" % (name, MAX_STAGES, MAX_VERSIONS))
        return {"name": name, "region": raw.get("region"), "secret_type": secret_type, "extended_config": extended,
                "state": state, "description": str(raw.get("description") or ""), "create_time": created,
                "update_time": self._time(raw.get("update_time"), created),
                "automatic_rotation": raw.get("automatic_rotation"), "rotation_interval": raw.get("rotation_interval"),
                "versions": versions, "stages": stages}

    def dump(self):
        """The fixture format, values included: this is the state file (the emulated cloud's storage)."""
        with self.emu.lock:
            out = {"secrets": []}
            if self.access_keys:
                out["access_keys"] = [dict(k) for k in self.access_keys.values()]
            for secret in self.secrets:
                item = dict((k, copy.deepcopy(v)) for k, v in secret.items() if k not in ("versions", "stages"))
                item["versions"] = [dict(v, stages=self._stages_of(secret, v["version_id"])) for v in secret["versions"]]
                out["secrets"].append(item)
            return out

    def summary(self):
        with self.emu.lock:
            return {"secrets": [{
                "name": s["name"], "region": s["region"], "secret_type": s["secret_type"], "state": s["state"],
                "extended_config": s["extended_config"],
                "versions": [{"version_id": v["version_id"], "stages": self._stages_of(s, v["version_id"])}
                             for v in s["versions"]],
                "stages": dict(sorted(s["stages"].items())),
            } for s in self.secrets]}

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _stages_of(secret, version_id):
        return sorted(name for name, vid in secret["stages"].items() if vid == version_id)

    @staticmethod
    def _region(req):
        match = _HOST_REGION.match((req.headers.get("host") or "").lower())
        return match.group(1) if match else None

    def _find(self, req, params):
        name = params.get("SecretName")
        if not name:
            raise missing("SecretName")
        if name.startswith("acs:kms:"):   # an ARN acs:kms:${region}:${account}:secret/${name}
            parts = name.split(":", 4)
            if len(parts) != 5 or not parts[4].startswith("secret/"):
                raise invalid("SecretName")
            name = parts[4][len("secret/"):]
        if not NAME_RE.match(name):
            raise invalid("SecretName")
        region = self._region(req)
        for secret in self.secrets:
            if secret["name"] == name and (region is None or secret["region"] in (None, region)):
                if secret["state"] == "PendingDelete":
                    raise KmsError("Rejected.ResourceInDeleteWindow")
                return secret
        raise not_found("secret")

    @staticmethod
    def _version(secret, version_id):
        for version in secret["versions"]:
            if version["version_id"] == version_id:
                return version
        raise not_found("version")

    def _host_id(self, req):
        host = (req.headers.get("host") or "").split(":")[0]
        return host if host.endswith(".aliyuncs.com") else "kms.aliyuncs.com"

    def _error(self, req, err):
        rid = request_id()
        return Response(err.status, {
            "RequestId": rid, "HostId": self._host_id(req), "Code": err.code, "Message": err.message(),
            "Recommend": "https://api.aliyun.com/troubleshoot?q=%s&product=Kms&requestId=%s" % (err.code, rid)})

    @staticmethod
    def _ok(body):
        body = dict(body)
        body.setdefault("RequestId", request_id())
        return Response(200, body)

    def _arn(self, secret, req):
        region = secret["region"] or self._region(req) or "cn-hangzhou"
        return "acs:kms:%s:%s:secret/%s" % (region, DEFAULT_ACCOUNT, secret["name"])

    @staticmethod
    def _flag(params, name):
        value = params.get(name)
        if value in (None, ""):
            return False
        if value.lower() not in ("true", "false"):
            raise invalid(name)
        return value.lower() == "true"

    @staticmethod
    def _page(params, name, default, low, high):
        value = params.get(name)
        if value in (None, ""):
            return default
        if not re.match(r"^[0-9]{1,6}$", value) or not low <= int(value) <= high:
            raise invalid(name)
        return int(value)

    @staticmethod
    def _data(params, required=True):
        data = params.get("SecretData")
        if data is None or data == "":
            if required:
                raise missing("SecretData")
            return None
        if len(data.encode("utf-8", "surrogatepass")) > MAX_DATA_BYTES:
            raise invalid("SecretData")
        data_type = params.get("SecretDataType") or "text"
        if data_type not in ("text", "binary"):
            raise invalid("SecretDataType")
        return data, data_type

    @staticmethod
    def _version_id(params, name="VersionId", required=True):
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        if not TOKEN_RE.match(value):
            raise invalid(name)
        return value

    def _move(self, secret, stage, version_id, moves_previous=True, explicit=()):
        old = secret["stages"].get(stage)
        secret["stages"][stage] = version_id
        if stage == CURRENT and moves_previous and old is not None and old != version_id and PREVIOUS not in explicit:
            secret["stages"][PREVIOUS] = old

    def _trim(self, secret):
        while len(secret["versions"]) > MAX_VERSIONS:
            keep = set(secret["stages"].get(s) for s in SYSTEM_STAGES)
            oldest = next(v for v in secret["versions"] if v["version_id"] not in keep)
            secret["versions"].remove(oldest)
            for stage in [s for s, vid in secret["stages"].items() if vid == oldest["version_id"]]:
                del secret["stages"][stage]

    @staticmethod
    def _stages_body(stages):
        return {"VersionStage": list(stages)}

    # -- dispatch ------------------------------------------------------------------------
    def handle(self, req):
        params = dict(all_params(req))
        if not req.action:
            return self._error(req, missing("Action"))
        version = request_version(req)
        if not version:
            return self._error(req, missing("Version"))
        if version != API_VERSION:   # only when KMS has "/" to itself (no DTS service)
            return self._error(req, KmsError("InvalidVersion", "Specified parameter Version is not valid."))
        handler = {"CreateSecret": self.create_secret, "PutSecretValue": self.put_secret_value,
                   "GetSecretValue": self.get_secret_value, "UpdateSecretVersionStage": self.update_stage,
                   "ListSecretVersionIds": self.list_version_ids, "DescribeSecret": self.describe_secret,
                   "ListSecrets": self.list_secrets}.get(req.action)
        if handler is None:
            return self._error(req, KmsError("InvalidAction.NotFound",
                                             "Specified api is not found, please check your url and method.", 404))
        if req.auth_kind != "acs3":
            params = dict((k, v) for k, v in params.items() if k not in COMMON_PARAMS)
        try:
            with self.emu.lock:
                return handler(req, params)
        except KmsError as err:
            return self._error(req, err)

    # -- actions -------------------------------------------------------------------------
    def create_secret(self, req, params):
        name = params.get("SecretName")
        if not name:
            raise missing("SecretName")
        secret_type = params.get("SecretType") or "Generic"
        if secret_type not in SECRET_TYPES:
            raise invalid("SecretType")
        if not NAME_RE.match(name) or (name.startswith("acs/") and secret_type in ("Generic", "Rds", "Redis")):
            raise invalid("SecretName")
        data, data_type = self._data(params)
        version_id = self._version_id(params)
        extended = _check_extended_config(secret_type, params.get("ExtendedConfig"))
        region = self._region(req) or params.get("RegionId")
        if any(s["name"] == name and (region is None or s["region"] in (None, region)) for s in self.secrets):
            raise KmsError("Rejected.ResourceExist")
        now = self.emu.now()
        secret = {"name": name, "region": region, "secret_type": secret_type, "extended_config": extended,
                  "state": "Enabled", "description": params.get("Description") or "", "create_time": now,
                  "update_time": now, "automatic_rotation": None, "rotation_interval": None,
                  "versions": [{"version_id": version_id, "secret_data": data, "secret_data_type": data_type,
                                "create_time": now}],
                  "stages": {CURRENT: version_id}}
        self.secrets.append(secret)
        body = {"Arn": self._arn(secret, req), "SecretName": name, "SecretType": secret_type, "VersionId": version_id}
        if extended:
            body["ExtendedConfig"] = extended
            body["AutomaticRotation"] = "Disabled"
        return self._ok(body)

    def put_secret_value(self, req, params):
        secret = self._find(req, params)
        data, data_type = self._data(params)
        version_id = self._version_id(params)
        if secret["secret_type"] != "Generic":
            raise KmsError("Rejected.UnsupportedOperation", "PutSecretValue supports generic secrets only.")
        stages = params.get("VersionStages")
        if stages not in (None, ""):
            try:
                stages = json.loads(stages)
            except ValueError:
                raise invalid("VersionStages")
            if (not isinstance(stages, list) or not stages
                    or any(not isinstance(s, str) or not TOKEN_RE.match(s) for s in stages)):
                raise invalid("VersionStages")
            stages = list(dict.fromkeys(stages))
        else:
            stages = [CURRENT]
        existing = next((v for v in secret["versions"] if v["version_id"] == version_id), None)
        if existing is not None:
            if not same(existing["secret_data"], data) or existing["secret_data_type"] != data_type:
                raise KmsError("Rejected.ResourceExist", "(VersionId with different SecretData)")
            return self._ok({"SecretName": secret["name"], "VersionId": version_id,
                             "VersionStages": self._stages_body(self._stages_of(secret, version_id))})
        if len(set(secret["stages"]) | set(stages)) > MAX_STAGES:
            raise KmsError("Rejected.LimitExceeded", "(at most %d version stages)" % MAX_STAGES)
        now = self.emu.now()
        secret["versions"].append({"version_id": version_id, "secret_data": data, "secret_data_type": data_type,
                                   "create_time": now})
        for stage in stages:
            self._move(secret, stage, version_id, explicit=stages)
        self._trim(secret)
        secret["update_time"] = now
        return self._ok({"SecretName": secret["name"], "VersionId": version_id,
                         "VersionStages": self._stages_body(self._stages_of(secret, version_id))})

    def get_secret_value(self, req, params):
        secret = self._find(req, params)
        version_id = self._version_id(params, required=False)
        stage = self._version_id(params, "VersionStage", required=False)
        fetch = self._flag(params, "FetchExtendedConfig")
        if secret["secret_type"] != "Generic":
            version_id = None   # "Specifying VersionId is not supported for ... secrets ... it is ignored"
            if stage not in (None,) + SYSTEM_STAGES:
                raise invalid("VersionStage")
        if version_id:
            version = self._version(secret, version_id)
            if stage and secret["stages"].get(stage) != version_id:
                raise not_found("version stage")
        else:
            target = secret["stages"].get(stage or CURRENT)
            if target is None:
                raise not_found("version stage")
            version = self._version(secret, target)
        body = {"SecretName": secret["name"], "SecretType": secret["secret_type"],
                "SecretData": version["secret_data"], "SecretDataType": version["secret_data_type"],
                "VersionId": version["version_id"], "CreateTime": iso(version["create_time"]),
                "VersionStages": self._stages_body(self._stages_of(secret, version["version_id"]))}
        if secret["secret_type"] != "Generic":
            body["AutomaticRotation"] = "Enabled" if secret["automatic_rotation"] else "Disabled"
            if fetch and secret["extended_config"]:
                body["ExtendedConfig"] = secret["extended_config"]
        return self._ok(body)

    def update_stage(self, req, params):
        secret = self._find(req, params)
        stage = self._version_id(params, "VersionStage")
        move_to = self._version_id(params, "MoveToVersion", required=False)
        remove_from = self._version_id(params, "RemoveFromVersion", required=False)
        if secret["secret_type"] != "Generic":
            raise KmsError("Rejected.UnsupportedOperation", "UpdateSecretVersionStage supports generic secrets only.")
        if not move_to and not remove_from:
            raise missing("MoveToVersion")
        if stage in SYSTEM_STAGES and not move_to:
            raise KmsError("Rejected.UnsupportedOperation", "ACSCurrent and ACSPrevious can only be moved.")
        if remove_from:
            self._version(secret, remove_from)
            if secret["stages"].get(stage) != remove_from:
                raise invalid("RemoveFromVersion")
        if move_to:
            self._version(secret, move_to)
            if stage not in secret["stages"] and len(secret["stages"]) >= MAX_STAGES:
                raise KmsError("Rejected.LimitExceeded", "(at most %d version stages)" % MAX_STAGES)
            moves = bool(self.emu.setting("kms_update_stage_moves_previous", True))
            self._move(secret, stage, move_to, moves_previous=moves)
        else:
            del secret["stages"][stage]
        secret["update_time"] = self.emu.now()
        return self._ok({"SecretName": secret["name"]})

    def list_version_ids(self, req, params):
        secret = self._find(req, params)
        include = self._flag(params, "IncludeDeprecated")
        number = self._page(params, "PageNumber", 1, 1, 100000)
        size = self._page(params, "PageSize", 20, 1, 100)
        versions = [v for v in secret["versions"] if include or self._stages_of(secret, v["version_id"])]
        page = versions[(number - 1) * size: number * size]
        return self._ok({"SecretName": secret["name"], "PageNumber": number, "PageSize": size,
                         "TotalCount": len(versions), "VersionIds": {"VersionId": [
                             {"VersionId": v["version_id"], "CreateTime": iso(v["create_time"]),
                              "VersionStages": self._stages_body(self._stages_of(secret, v["version_id"]))}
                             for v in page]}})

    def describe_secret(self, req, params):
        secret = self._find(req, params)
        self._flag(params, "FetchTags")
        body = {"Arn": self._arn(secret, req), "SecretName": secret["name"], "SecretType": secret["secret_type"],
                "Description": secret["description"], "CreateTime": iso(secret["create_time"]),
                "UpdateTime": iso(secret["update_time"]), "EncryptionKeyId": "", "DKMSInstanceId": ""}
        if secret["secret_type"] != "Generic":
            body["ExtendedConfig"] = secret["extended_config"]
            body["AutomaticRotation"] = "Enabled" if secret["automatic_rotation"] else "Disabled"
            if secret["rotation_interval"]:
                body["RotationInterval"] = secret["rotation_interval"]
        return self._ok(body)

    def list_secrets(self, req, params):
        number = self._page(params, "PageNumber", 1, 1, 100000)
        size = self._page(params, "PageSize", 10, 1, 100)
        self._flag(params, "FetchTags")
        wanted = {}
        if params.get("Filters"):
            try:
                filters = json.loads(params["Filters"])
            except ValueError:
                raise invalid("Filters")
            if not isinstance(filters, list) or len(filters) > 10:
                raise invalid("Filters")
            for item in filters:
                if (not isinstance(item, dict) or not isinstance(item.get("Key"), str)
                        or not isinstance(item.get("Values"), list) or len(item["Values"]) > 10):
                    raise invalid("Filters")
                wanted[item["Key"]] = [str(v) for v in item["Values"]]
        region = self._region(req)

        def selected(secret):
            if region is not None and secret["region"] not in (None, region):
                return False
            types = wanted.get("SecretType")
            if types and secret["secret_type"].lower() not in [t.lower() for t in types]:
                return False
            names = wanted.get("SecretName")
            return not names or secret["name"] in names

        chosen = [s for s in self.secrets if selected(s)]
        page = chosen[(number - 1) * size: number * size]
        return self._ok({"PageNumber": number, "PageSize": size, "TotalCount": len(chosen), "SecretList": {
            "Secret": [{"SecretName": s["name"], "SecretType": s["secret_type"], "CreateTime": iso(s["create_time"]),
                        "UpdateTime": iso(s["update_time"]), "PlannedDeleteTime": ""} for s in page]}})

    # -- admin ---------------------------------------------------------------------------
    def admin_verify(self, req):
        body = req.json() or {}
        name, region = req.match.group("name"), body.get("region")
        with self.emu.lock:
            secret = next((s for s in self.secrets if s["name"] == name
                           and (region is None or s["region"] in (None, region))), None)
            if secret is None:
                return Response(404, {"error": "no kms secret %s" % name})
            version_id = body.get("version_id") or secret["stages"].get(body.get("stage") or CURRENT)
            version = next((v for v in secret["versions"] if v["version_id"] == version_id), None)
            if version is None:
                return Response(404, {"error": "no such version or stage"})
            return Response(200, {"match": same(version["secret_data"], body.get("secret_data", "")),
                                  "version_id": version_id})
