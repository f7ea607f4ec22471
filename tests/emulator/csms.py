"""Huawei Cloud DEW CSMS v1 (Cloud Secret Management Service): secrets, versions and stages.

Served behind the Huawei API gateway (:mod:`emulator.huawei`: AK/SK ``SDK-HMAC-SHA256`` with the
AK lockout, or an IAM token), on the DEW host ``kms.{region}.myhuaweicloud.com`` (SDK
``huaweicloudsdkcsms`` ``CsmsRegion``; every region there uses that pattern). Calls, all under
``/v1/{project_id}/secrets`` (SDK ``huaweicloudsdkcsms.v1.CsmsClient`` ``_*_http_info``):

==============================================  =====================  =====  ========================
Method + path                                   Action                 Write  Answer
==============================================  =====================  =====  ========================
``POST   /secrets``                             CreateSecret           yes    200 ``{secret}``
``GET    /secrets[?limit&marker]``              ListSecrets                   200 ``{secrets, page_info}``
``GET    /secrets/{secret_name}``               ShowSecret                    200 ``{secret}``
``POST   /secrets/{name}/versions``             CreateSecretVersion    yes    200 ``{version_metadata}``
``GET    /secrets/{name}/versions[?limit&marker]``  ListSecretVersions        200 ``{version_metadatas, page_info}``
``GET    /secrets/{name}/versions/{version_id}``    ShowSecretVersion         200 ``{version}`` (the value)
``GET    /secrets/{name}/stages/{stage_name}``  ShowSecretStage               200 ``{stage}``
``PUT    /secrets/{name}/stages/{stage_name}``  UpdateSecretStage      yes    200 ``{stage}``
``DELETE /secrets/{name}/stages/{stage_name}``  DeleteSecretStage      yes    204
==============================================  =====================  =====  ========================

Fields are the SDK models' (``CreateSecretRequestBody``, ``Secret``, ``CreateSecretVersionRequestBody``,
``VersionMetadata``, ``Version``, ``UpdateSecretStageRequestBody``, ``Stage``, ``PageInfo``). Times are
epoch **milliseconds** (the API definitions' examples, ``1581507580000``; the Huawei Terraform
provider divides ``create_time`` and ``stage.update_time`` by 1000), although the model docstrings
say seconds. ``rotation_config`` is a JSON *string* ``{"InstanceId": "...", "SecretSubType":
"SingleUser"|"MultiUser"}``, required for ``secret_type`` ``RDS-FG`` and ``GaussDB-FG``
(``CreateSecretRequestBody.rotation_config``); ``COMMON`` is the default type; ``RDS`` is
"no longer supported, use RDS-FG" and is refused.

Rules (sources):

* Secret name ``^[a-zA-Z0-9_-]{1,64}$`` (``CreateSecretRequestBody.name``; ``PageInfo`` markers).
  Stage name ``^[a-zA-Z0-9_-]{1,64}$`` (API reference "UpdateSecretStage", support.huaweicloud.com/
  api-dew/UpdateSecretStage.html; an older page allowed ``.`` too: the emulator is the strict side).
  Version ids are ``v1``, ``v2``, ... in creation order (API reference "CreateSecretVersion": "versions
  are numbered v1, v2, v3 ... by creation time"; API definition pattern ``^v[0-9]{0,63}``).
* ``secret_string``/``secret_binary``: exactly one, at most 32 KiB (32768 bytes) (request models).
* ``version_stages`` of a new version: 1 to 12 names of 1 to 64 bytes (``CreateSecretVersionRequestBody``).
  Without it the new version gets ``SYSCURRENT`` ("If you do not specify this parameter, the new
  version is marked SYSCURRENT"). The version that held ``SYSCURRENT`` before gets ``SYSPREVIOUS``
  (API reference "CreateSecretVersion": "by default the newest version is SYSCURRENT and the previous
  one SYSPREVIOUS"), unless the request names ``SYSPREVIOUS`` itself.
* A stage marks one version of its secret; putting it on a version removes it from the other
  (``VersionMetadata.version_stages``; "UpdateSecretStage" constraints). At most **12 stages per
  secret** ("UpdateSecretStage": "each secret supports at most 12 version stages"; Terraform
  ``huaweicloud_csms_secret_version_state``: "A secret supports a maximum of 12 secret version
  states"). ``SYSCURRENT`` and ``SYSPREVIOUS`` are built in and cannot be deleted.
* At most **20 versions per secret** (API reference "CreateSecretVersion", restrictions). No error
  is documented for the 21st: "a version without any stage is considered deprecated and may be
  deleted by the service automatically" ("UpdateSecretStage" constraints). So the emulator keeps
  20: creating the 21st drops the oldest version that has no stage. With at most 12 stages there are
  always at least 8 such versions, so creation never fails for this reason.
* ``latest`` as a version id is the newest version (API reference "ShowSecretVersion": "use
  /v1/{project_id}/secrets/{secret_name}/versions/latest to get the value of the latest version").
* Only an ``ENABLED`` secret's versions can be read ("ShowSecretVersion": "only secrets in ENABLED
  state") or added ("CreateSecretVersion": "you can add versions only to enabled secrets").

Errors (body ``{"error_code", "error_msg"}``; API reference "Error Code",
support.huaweicloud.com/api-dew/ErrorCode.html):

=====  ==============  ===================================================  ======================
HTTP   Code            Message                                              When
=====  ==============  ===================================================  ======================
400    ``CSMS.0002``   The value of parameter is invalid.                   bad field, name, stage,
                                                                            limit, marker, type
400    ``CSMS.0004``   The requested body format is wrong.                  body not a JSON object
404    ``CSMS.0005``   The resource does not exist.                         unknown secret, version
                                                                            or stage (see below)
400    ``CSMS.0103``   The secret is in the scheduled deletion state.       PENDING_DELETE
400    ``CSMS.0105``   Can not delete the system internal stage.            delete SYSCURRENT/-PREVIOUS
400    ``CSMS.0203``   The number of stage has reached the upper limit.     a 13th stage
400    ``CSMS.0204``   The number of stage is greater than the quota limit. ``version_stages`` > 12
403    ``CSMS.0109``   The secret state is not enabled.                     DISABLED (read/add version,
                                                                            update stage)
=====  ==============  ===================================================  ======================

Decisions where the sources are silent or disagree (each marked in the code):

* **Unknown resource: HTTP 404 ``CSMS.0005``.** The error table lists ``CSMS.0005`` "The resource
  does not exist" and ``CSMS.0106`` "The secret name not found in the db" with HTTP 400, but the part of
  the table with the 404 rows was not readable here, and the Huawei Terraform provider treats a
  missing secret or stage as HTTP 404 (``common.CheckDeletedDiag``). A client must treat 404, and
  ``CSMS.0005``/``CSMS.0106`` under any status, as "does not exist" (``_csms_api`` does).
* **A name that already exists** on CreateSecret: 400 ``CSMS.0002`` naming ``name`` (no code found).
* **UpdateSecretStage of SYSCURRENT**: the docs say only that a stage moves. By default the version
  that loses ``SYSCURRENT`` gets ``SYSPREVIOUS``, as a new version does; setting
  ``csms_update_stage_moves_previous: false`` leaves ``SYSPREVIOUS`` where it was.

**Idempotency.** CreateSecretVersion has no client token and assigns the version id itself, so
repeating it makes a second version. What is idempotent is a **stage**: a caller that names a
stage of its own in ``version_stages`` (for example ``rot-<rotation id>``, within the stage name
rules) can, after an ambiguous failure, read that stage (ShowSecretStage) to learn whether the
version was created and which id it got, and then move ``SYSCURRENT`` to it with UpdateSecretStage
(idempotent: setting a stage on the version it already marks changes nothing). Such a stage counts
towards the 12 and should be deleted once the rotation is done.

Secret values never leave this module except in the answers that return them (ShowSecretVersion):
not in :meth:`summary` (``GET /_emulator/state``), not in error messages, not in the journal
(the core journals method, path and status only). :meth:`dump` is the state file and keeps them
(it is the emulated cloud's own storage, like the other services' passwords).

Fixture section ``csms``::

    csms:
      secrets:
        - name: orders-db-root
          project_id: 0123456789abcdef0123456789abcdef   # omitted: visible in every project
          secret_type: GaussDB-FG                       # COMMON (default) | RDS-FG | GaussDB-FG
          rotation_config: {InstanceId: 6a1b...in07, SecretSubType: SingleUser}   # or a JSON string
          state: ENABLED                                # ENABLED | DISABLED | PENDING_DELETE
          id, description, kms_key_id, create_time (ms), auto_rotation, rotation_period  # optional
          versions:
            - {id: v1, secret_string: "...", version_stages: [SYSPREVIOUS]}
            - {id: v2, secret_string: "...", version_stages: [SYSCURRENT], create_time: 1700000000000}

Settings: ``csms_update_stage_moves_previous`` (default true, see above).

Admin routes (under ``/_emulator/``): ``POST csms/secrets/<name>/state`` ``{"state": "DISABLED",
"project_id"?}`` and ``POST csms/secrets/<name>/verify`` ``{"secret_string", "version_id"? |
"stage"? (default SYSCURRENT), "project_id"?}`` answering ``{"match": bool}`` without revealing
the stored value.
"""

import copy
import hmac
import json
import re
import uuid
from urllib.parse import unquote

from emulator.core import Response, Service

SECRET_TYPES = ("COMMON", "RDS-FG", "GaussDB-FG")
ROTATED_TYPES = ("RDS-FG", "GaussDB-FG")
SUBTYPES = ("SingleUser", "MultiUser")
STATES = ("ENABLED", "DISABLED", "PENDING_DELETE", "FROZEN")
SYSTEM_STAGES = ("SYSCURRENT", "SYSPREVIOUS")
MAX_VERSIONS = 20
MAX_STAGES = 12
MAX_VALUE_BYTES = 32768
MAX_ROTATION_CONFIG = 1024
DEFAULT_LIMIT = 50
MAX_LIMIT = 1000   # ListSecretVersionsResponse.version_metadatas maxItems (API definitions)
NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
STAGE_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
VERSION_RE = re.compile(r"^v[0-9]{1,63}$")
MESSAGES = {
    "CSMS.0002": "The value of parameter is invalid.",
    "CSMS.0004": "The requested body format is wrong.",
    "CSMS.0005": "The resource does not exist.",
    "CSMS.0103": "The secret is in the scheduled deletion state.",
    "CSMS.0105": "Can not delete the system internal stage.",
    "CSMS.0109": "The secret state is not enabled.",
    "CSMS.0203": "The number of stage has reached the upper limit.",
    "CSMS.0204": "The number of stage is greater than the quota limit.",
}
STATUS = {"CSMS.0005": 404, "CSMS.0109": 403}
_PROJECT = r"(?P<project_id>[^/]+)"
_NAME = r"(?P<name>[^/]+)"


class CsmsError(Exception):
    """An error answer; ``detail`` names the parameter (never a value)."""

    def __init__(self, code, detail=None):
        super().__init__(code)
        self.code = code
        self.detail = detail

    def response(self):
        message = MESSAGES[self.code]
        if self.detail:
            message = "%s %s" % (message, self.detail)
        return Response(STATUS.get(self.code, 400), {"error_code": self.code, "error_msg": message})


def invalid(what):
    return CsmsError("CSMS.0002", "Parameter: %s." % what)


def not_found(what):
    return CsmsError("CSMS.0005", "%s." % what)


def same(left, right):
    """Constant-time comparison of two secret values (as UTF-8 bytes)."""
    return hmac.compare_digest(("%s" % left).encode("utf-8", "surrogatepass"),
                               ("%s" % right).encode("utf-8", "surrogatepass"))


def _ms(value):
    return int(value)


def _rotation_config_text(value):
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _check_rotation_config(text):
    """The parsed ``rotation_config`` JSON, or :func:`invalid`."""
    if len(text) > MAX_ROTATION_CONFIG:
        raise invalid("rotation_config")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise invalid("rotation_config")
    if (not isinstance(parsed, dict) or not isinstance(parsed.get("InstanceId"), str) or not parsed["InstanceId"]
            or parsed.get("SecretSubType") not in SUBTYPES):
        raise invalid("rotation_config")
    return parsed


def _value_fields(body, where=""):
    """``(kind, value)`` of exactly one of ``secret_string``/``secret_binary`` (32 KiB max)."""
    present = [k for k in ("secret_string", "secret_binary") if body.get(k) is not None]
    if len(present) != 1:
        raise invalid("secret_string or secret_binary (exactly one)")
    kind = present[0]
    value = body[kind]
    if not isinstance(value, str) or not value or len(value.encode("utf-8", "surrogatepass")) > MAX_VALUE_BYTES:
        raise invalid(where + kind)
    return kind, value


class CsmsService(Service):
    name = "csms"
    cloud = "huawei"

    def __init__(self, emu):
        super().__init__(emu)
        self.secrets = []   # fixture-shaped dicts, normalised; insertion order kept

    # -- registration --------------------------------------------------------------------
    def register(self):
        route = self.emu.route
        base = r"/v1/%s/secrets" % _PROJECT
        route("POST", base, self.create_secret, "huawei", "csms", "CreateSecret", write=True)
        route("GET", base, self.list_secrets, "huawei", "csms", "ListSecrets")
        route("GET", base + "/" + _NAME, self.show_secret, "huawei", "csms", "ShowSecret")
        route("POST", base + "/%s/versions" % _NAME, self.create_version, "huawei", "csms", "CreateSecretVersion",
              write=True)
        route("GET", base + "/%s/versions" % _NAME, self.list_versions, "huawei", "csms", "ListSecretVersions")
        route("GET", base + "/%s/versions/(?P<version>[^/]+)" % _NAME, self.show_version, "huawei", "csms",
              "ShowSecretVersion")
        stage = base + "/%s/stages/(?P<stage>[^/]+)" % _NAME
        route("GET", stage, self.show_stage, "huawei", "csms", "ShowSecretStage")
        route("PUT", stage, self.update_stage, "huawei", "csms", "UpdateSecretStage", write=True)
        route("DELETE", stage, self.delete_stage, "huawei", "csms", "DeleteSecretStage", write=True)
        self.emu.admin_route("POST", r"csms/secrets/(?P<name>[^/]+)/state", self.admin_state)
        self.emu.admin_route("POST", r"csms/secrets/(?P<name>[^/]+)/verify", self.admin_verify)

    # -- state ---------------------------------------------------------------------------
    def load(self, section):
        now = int(self.emu.now() * 1000)
        secrets = []
        seen = set()
        for raw in (section or {}).get("secrets") or []:
            secret = self._parse(raw, now)
            key = (secret["project_id"], secret["name"])
            if key in seen or (secret["project_id"] is None and any(s["name"] == secret["name"] for s in secrets)):
                raise ValueError("csms: duplicate secret %r" % secret["name"])
            seen.add(key)
            secrets.append(secret)
        with self.emu.lock:
            self.secrets = secrets

    @staticmethod
    def _parse(raw, now):
        raw = dict(raw)
        name = str(raw.get("name") or "")
        if not NAME_RE.match(name):
            raise ValueError("csms: secret name %r does not match %s" % (name, NAME_RE.pattern))
        secret_type = raw.get("secret_type") or "COMMON"
        if secret_type not in SECRET_TYPES:
            raise ValueError("csms: secret %s: secret_type must be one of %s" % (name, ", ".join(SECRET_TYPES)))
        rotation_config = _rotation_config_text(raw.get("rotation_config"))
        if secret_type in ROTATED_TYPES:
            if rotation_config is None:
                raise ValueError("csms: secret %s: rotation_config is required for %s" % (name, secret_type))
            try:
                _check_rotation_config(rotation_config)
            except CsmsError:
                raise ValueError("csms: secret %s: rotation_config needs InstanceId and SecretSubType "
                                 "(SingleUser | MultiUser)" % name)
        state = raw.get("state") or "ENABLED"
        if state not in STATES:
            raise ValueError("csms: secret %s: state must be one of %s" % (name, ", ".join(STATES)))
        created = _ms(raw.get("create_time", now))
        versions, stages = [], {}
        for number, entry in enumerate(raw.get("versions") or [], 1):
            entry = dict(entry)
            vid = str(entry.get("id") or "v%d" % number)
            if not VERSION_RE.match(vid) or any(v["id"] == vid for v in versions):
                raise ValueError("csms: secret %s: bad or repeated version id %r" % (name, vid))
            kind = "secret_binary" if entry.get("secret_binary") is not None else "secret_string"
            if entry.get(kind) is None:
                raise ValueError("csms: secret %s version %s: secret_string or secret_binary is required" % (name, vid))
            version = {"id": vid, "kind": kind, "value": str(entry[kind]),
                       "create_time": _ms(entry.get("create_time", created + number - 1)),
                       "expire_time": entry.get("expire_time")}
            for stage in entry.get("version_stages") or []:
                if not STAGE_RE.match(str(stage)) or stage in stages:
                    raise ValueError("csms: secret %s: bad or repeated stage %r" % (name, stage))
                stages[stage] = {"version_id": vid, "update_time": version["create_time"]}
            versions.append(version)
        if not versions:
            raise ValueError("csms: secret %s has no versions" % name)
        if len(stages) > MAX_STAGES or len(versions) > MAX_VERSIONS:
            raise ValueError("csms: secret %s: at most %d stages and %d versions" % (name, MAX_STAGES, MAX_VERSIONS))
        return {
            "id": str(raw.get("id") or uuid.uuid4()), "name": name, "project_id": raw.get("project_id"),
            "secret_type": secret_type, "rotation_config": rotation_config, "state": state,
            "description": str(raw.get("description") or ""), "kms_key_id": str(raw.get("kms_key_id") or uuid.uuid4()),
            "create_time": created, "update_time": _ms(raw.get("update_time", created)),
            "auto_rotation": bool(raw.get("auto_rotation", False)), "rotation_period": raw.get("rotation_period"),
            "versions": versions, "stages": stages,
        }

    def dump(self):
        """The fixture format, values included: this is the state file (the emulated cloud's storage)."""
        with self.emu.lock:
            out = []
            for secret in self.secrets:
                item = dict((k, copy.deepcopy(v)) for k, v in secret.items() if k not in ("versions", "stages"))
                item["versions"] = [{"id": v["id"], v["kind"]: v["value"], "create_time": v["create_time"],
                                     "expire_time": v["expire_time"],
                                     "version_stages": self._stages_of(secret, v["id"])} for v in secret["versions"]]
                out.append(item)
            return {"secrets": out}

    def summary(self):
        """Secret-free view (``GET /_emulator/state``): metadata, version ids and stages, never a value."""
        with self.emu.lock:
            return {"secrets": [{
                "name": s["name"], "project_id": s["project_id"], "secret_type": s["secret_type"],
                "state": s["state"], "rotation_config": s["rotation_config"],
                "versions": [{"id": v["id"], "create_time": v["create_time"],
                              "version_stages": self._stages_of(s, v["id"])} for v in s["versions"]],
                "stages": dict((k, v["version_id"]) for k, v in sorted(s["stages"].items())),
            } for s in self.secrets]}

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _stages_of(secret, version_id):
        return sorted(name for name, stage in secret["stages"].items() if stage["version_id"] == version_id)

    @staticmethod
    def _segment(req, group, pattern, what):
        value = unquote(req.match.group(group))
        if not pattern.match(value):
            raise invalid(what)
        return value

    def _project(self, req):
        return unquote(req.match.group("project_id"))

    def _find(self, req, name=None):
        """The secret named in the path, visible in the path's project, or :func:`not_found`."""
        name = name or self._segment(req, "name", NAME_RE, "secret_name")
        project = self._project(req)
        for secret in self.secrets:
            if secret["name"] == name and secret["project_id"] in (None, project):
                return secret
        raise not_found("secret")

    @staticmethod
    def _usable(secret):
        if secret["state"] == "PENDING_DELETE":
            raise CsmsError("CSMS.0103")
        if secret["state"] != "ENABLED":
            raise CsmsError("CSMS.0109")

    @staticmethod
    def _version(secret, version_id):
        if version_id == "latest":
            return max(secret["versions"], key=lambda v: (v["create_time"], int(v["id"][1:])))
        for version in secret["versions"]:
            if version["id"] == version_id:
                return version
        raise not_found("version")

    def _secret_view(self, secret):
        return {
            "id": secret["id"], "name": secret["name"], "state": secret["state"], "kms_key_id": secret["kms_key_id"],
            "description": secret["description"], "create_time": secret["create_time"],
            "update_time": secret["update_time"], "scheduled_delete_time": None,
            "secret_type": secret["secret_type"], "auto_rotation": secret["auto_rotation"],
            "rotation_period": secret["rotation_period"], "rotation_config": secret["rotation_config"],
            "rotation_time": None, "next_rotation_time": None, "event_subscriptions": [],
            "enterprise_project_id": "0", "rotation_func_urn": None,
        }

    def _metadata(self, secret, version):
        return {"id": version["id"], "create_time": version["create_time"], "expire_time": version["expire_time"],
                "kms_key_id": secret["kms_key_id"], "secret_name": secret["name"],
                "version_stages": self._stages_of(secret, version["id"])}

    def _stage_view(self, secret, name):
        stage = secret["stages"][name]
        return {"name": name, "update_time": stage["update_time"], "secret_name": secret["name"],
                "version_id": stage["version_id"]}

    @staticmethod
    def _body(req):
        body = req.json()
        if not isinstance(body, dict):
            raise CsmsError("CSMS.0004")
        return body

    @staticmethod
    def _limit(query, default=DEFAULT_LIMIT):
        value = query.get("limit")
        if value is None or value == "":
            return default
        if not re.match(r"^[0-9]{1,4}$", value) or not 1 <= int(value) <= MAX_LIMIT:
            raise invalid("limit")
        return int(value)

    def _set_stage(self, secret, name, version_id, now, moves_previous=True, explicit=()):
        """Put stage ``name`` on ``version_id`` (taking it off any other version).

        When ``SYSCURRENT`` leaves a version and ``moves_previous``, that version gets ``SYSPREVIOUS``
        (unless the same request places ``SYSPREVIOUS`` itself: ``explicit``).
        """
        old = secret["stages"].get(name)
        secret["stages"][name] = {"version_id": version_id, "update_time": now}
        if (name == "SYSCURRENT" and moves_previous and old is not None and old["version_id"] != version_id
                and "SYSPREVIOUS" not in explicit):
            secret["stages"]["SYSPREVIOUS"] = {"version_id": old["version_id"], "update_time": now}

    def _handle(self, req, action):
        try:
            with self.emu.lock:
                return action()
        except CsmsError as err:
            return err.response()

    # -- calls ---------------------------------------------------------------------------
    def create_secret(self, req):
        def run():
            body = self._body(req)
            name = body.get("name")
            if not isinstance(name, str) or not NAME_RE.match(name):
                raise invalid("name")
            secret_type = body.get("secret_type") or "COMMON"
            if secret_type not in SECRET_TYPES:
                raise invalid("secret_type")
            kind, value = _value_fields(body)
            rotation_config = body.get("rotation_config")
            if rotation_config is not None and not isinstance(rotation_config, str):
                raise invalid("rotation_config")
            if secret_type in ROTATED_TYPES:
                if not rotation_config:
                    raise invalid("rotation_config")
                _check_rotation_config(rotation_config)
            description = body.get("description")
            if description is not None and (not isinstance(description, str) or len(description.encode()) > 2048):
                raise invalid("description")
            project = self._project(req)
            if any(s["name"] == name and s["project_id"] in (None, project) for s in self.secrets):
                raise invalid("name (a secret with this name already exists)")  # decision: no code documented
            now = int(self.emu.now() * 1000)
            secret = {
                "id": str(uuid.uuid4()), "name": name, "project_id": project, "secret_type": secret_type,
                "rotation_config": rotation_config or None, "state": "ENABLED", "description": description or "",
                "kms_key_id": str(body.get("kms_key_id") or uuid.uuid4()), "create_time": now, "update_time": now,
                "auto_rotation": bool(body.get("auto_rotation", False)), "rotation_period": body.get("rotation_period"),
                "versions": [{"id": "v1", "kind": kind, "value": value, "create_time": now, "expire_time": None}],
                "stages": {"SYSCURRENT": {"version_id": "v1", "update_time": now}},
            }
            self.secrets.append(secret)
            return Response(200, {"secret": self._secret_view(secret)})
        return self._handle(req, run)

    def list_secrets(self, req):
        def run():
            query = req.query_dict()
            limit = self._limit(query)
            marker = query.get("marker")
            if marker and not NAME_RE.match(marker):
                raise invalid("marker")
            project = self._project(req)
            visible = sorted((s for s in self.secrets if s["project_id"] in (None, project)), key=lambda s: s["name"])
            if marker:
                visible = [s for s in visible if s["name"] > marker]
            page = visible[:limit]
            more = len(visible) > limit
            return Response(200, {"secrets": [self._secret_view(s) for s in page], "page_info": {
                "next_marker": page[-1]["name"] if more else None,
                "previous_marker": marker or None, "current_count": len(page)}})
        return self._handle(req, run)

    def show_secret(self, req):
        return self._handle(req, lambda: Response(200, {"secret": self._secret_view(self._find(req))}))

    def create_version(self, req):
        def run():
            secret = self._find(req)
            self._usable(secret)
            body = self._body(req)
            kind, value = _value_fields(body)
            stages = body.get("version_stages")
            if stages is None:
                stages = ["SYSCURRENT"]
            elif not isinstance(stages, list) or not stages:
                raise invalid("version_stages")
            if len(stages) > MAX_STAGES:
                raise CsmsError("CSMS.0204")
            for stage in stages:
                if not isinstance(stage, str) or not STAGE_RE.match(stage):
                    raise invalid("version_stages")
            stages = list(dict.fromkeys(stages))
            if len(set(secret["stages"]) | set(stages)) > MAX_STAGES:
                raise CsmsError("CSMS.0203")
            expire_time = body.get("expire_time")
            if expire_time is not None and (isinstance(expire_time, bool) or not isinstance(expire_time, int)
                                            or expire_time < 0):
                raise invalid("expire_time")
            now = int(self.emu.now() * 1000)
            number = max(int(v["id"][1:]) for v in secret["versions"]) + 1
            version = {"id": "v%d" % number, "kind": kind, "value": value, "create_time": now,
                       "expire_time": expire_time}
            secret["versions"].append(version)
            for stage in stages:
                self._set_stage(secret, stage, version["id"], now, explicit=stages)
            self._trim(secret)
            secret["update_time"] = now
            return Response(200, {"version_metadata": self._metadata(secret, version)})
        return self._handle(req, run)

    def _trim(self, secret):
        """Keep at most :data:`MAX_VERSIONS`: drop the oldest versions without a stage (see module doc)."""
        while len(secret["versions"]) > MAX_VERSIONS:
            staged = set(s["version_id"] for s in secret["stages"].values())
            oldest = next(v for v in secret["versions"] if v["id"] not in staged)
            secret["versions"].remove(oldest)

    def list_versions(self, req):
        def run():
            secret = self._find(req)
            query = req.query_dict()
            limit = self._limit(query)
            marker = query.get("marker")
            versions = sorted(secret["versions"], key=lambda v: int(v["id"][1:]))
            if marker:
                if not VERSION_RE.match(marker):
                    raise invalid("marker")
                versions = [v for v in versions if int(v["id"][1:]) > int(marker[1:])]
            page = versions[:limit]
            more = len(versions) > limit
            return Response(200, {"version_metadatas": [self._metadata(secret, v) for v in page], "page_info": {
                "next_marker": page[-1]["id"] if more else None, "previous_marker": marker or None,
                "current_count": len(page)}})
        return self._handle(req, run)

    def show_version(self, req):
        def run():
            secret = self._find(req)
            version_id = unquote(req.match.group("version"))
            if version_id != "latest" and not VERSION_RE.match(version_id):
                raise invalid("version_id")
            self._usable(secret)
            version = self._version(secret, version_id)
            return Response(200, {"version": {"version_metadata": self._metadata(secret, version),
                                              version["kind"]: version["value"]}})
        return self._handle(req, run)

    def show_stage(self, req):
        def run():
            secret = self._find(req)
            stage = self._segment(req, "stage", STAGE_RE, "stage_name")
            if stage not in secret["stages"]:
                raise not_found("stage")
            return Response(200, {"stage": self._stage_view(secret, stage)})
        return self._handle(req, run)

    def update_stage(self, req):
        def run():
            secret = self._find(req)
            stage = self._segment(req, "stage", STAGE_RE, "stage_name")
            body = self._body(req)
            version_id = body.get("version_id")
            if not isinstance(version_id, str) or not VERSION_RE.match(version_id):
                raise invalid("version_id")
            self._usable(secret)
            self._version(secret, version_id)
            if stage not in secret["stages"] and len(secret["stages"]) >= MAX_STAGES:
                raise CsmsError("CSMS.0203")
            current = secret["stages"].get(stage)
            if current is None or current["version_id"] != version_id:
                now = int(self.emu.now() * 1000)
                moves = bool(self.emu.setting("csms_update_stage_moves_previous", True))
                self._set_stage(secret, stage, version_id, now, moves_previous=moves)
                secret["update_time"] = now
            return Response(200, {"stage": self._stage_view(secret, stage)})
        return self._handle(req, run)

    def delete_stage(self, req):
        def run():
            secret = self._find(req)
            stage = self._segment(req, "stage", STAGE_RE, "stage_name")
            if stage in SYSTEM_STAGES:
                raise CsmsError("CSMS.0105")
            if stage not in secret["stages"]:
                raise not_found("stage")
            del secret["stages"][stage]
            secret["update_time"] = int(self.emu.now() * 1000)
            return Response(204)
        return self._handle(req, run)

    # -- admin ---------------------------------------------------------------------------
    def _admin_secret(self, req, body):
        name, project = req.match.group("name"), body.get("project_id")
        for secret in self.secrets:
            if secret["name"] == name and (project is None or secret["project_id"] in (None, project)):
                return secret
        return None

    def admin_state(self, req):
        body = req.json() or {}
        with self.emu.lock:
            secret = self._admin_secret(req, body)
            if secret is None:
                return Response(404, {"error": "no csms secret %s" % req.match.group("name")})
            if body.get("state") not in STATES:
                return Response(400, {"error": "state must be one of %s" % ", ".join(STATES)})
            secret["state"] = body["state"]
            return Response(200, {"name": secret["name"], "state": secret["state"]})

    def admin_verify(self, req):
        body = req.json() or {}
        with self.emu.lock:
            secret = self._admin_secret(req, body)
            if secret is None:
                return Response(404, {"error": "no csms secret %s" % req.match.group("name")})
            version_id = body.get("version_id")
            if not version_id:
                stage = secret["stages"].get(body.get("stage") or "SYSCURRENT")
                if stage is None:
                    return Response(404, {"error": "no such stage"})
                version_id = stage["version_id"]
            version = next((v for v in secret["versions"] if v["id"] == version_id), None)
            if version is None:
                return Response(404, {"error": "no such version"})
            return Response(200, {"match": same(version["value"], body.get("secret_string", "")),
                                  "version_id": version_id})
