"""Huawei Cloud / OTC identity: IAM tokens, projects, and the API gateway's authentication.

Fixture section ``iam``::

    iam:
      domains:
        - id: d0000000000000000000000000000001
          name: demo-domain
          users: [{id: u1, name: demo-user, password: "..."}]
          projects: [{id: 0123456789abcdef0123456789abcdef, name: cn-north-4}]
          access_keys:
            - {access: HPUA..., secret: "...", user: demo-user}
            - {access: TMP..., secret: "...", security_token: "...", user: demo-user}  # temporary

AK/SK verification (``SDK-HMAC-SHA256``, reference §7.2) is built from the request's own
``SignedHeaders`` list, and only from the headers that list names:

* ``host`` and ``x-sdk-date`` must be signed; the date may be at most 900 s from the emulator clock;
  a temporary AK needs its ``x-security-token``, signed.
* A header that is not signed takes no part. An unsigned ``X-Sdk-Content-Sha256`` is ignored and
  the real body is hashed (trusting it would let a body swapped after signing pass). A signed
  ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` is honoured: the official signer
  (``huaweicloudsdkcore.signer.Signer._process_content_header``) adds it for a non-JSON
  ``Content-Type`` before it lists the headers, so it is always signed. A signed value that is a
  hash must be the body's SHA-256 (decision: the reference is silent; no client sends one).
* ``X-Project-Id`` scopes the request only when it is signed.

AK lockout: "more than 5 consecutive AK/SK auth failures lock that AK for 5 minutes" (reference
§7.2 and the APIGW.0301 row of §8.1; Huawei API-signing FAQ "Common Errors Related to IAM
Authentication Information": "fails for more than five consecutive times, and the AK/SK pair is
locked for five minutes"). So five failures in a row leave the key usable; the sixth is answered
as the failure it is and locks the key for 300 s (emulator clock), during which every request
with that AK, even a good one, gets 401 ``APIGW.0301`` "Incorrect IAM authentication information:
AK access failed to reach the limit,forbidden." (the FAQ's message). Refusals during the lock are
not counted and do not extend it; any good signature resets the count. Unknown AKs are never
counted.
"""

import base64
import datetime
import os
import re
import uuid

from emulator.core import Gateway, Response, Service
from emulator.signing import signing
from emulator import verify

AKSK_MAX_FAILURES = 5      # consecutive failures tolerated; the next one (the 6th) locks the AK
AKSK_LOCK_SECONDS = 300
AKSK_LOCKED_MESSAGE = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
MAX_CLOCK_SKEW = 900
_PROJECT_IN_PATH = re.compile(r"^/v[0-9.]+/([0-9a-fA-F]{32})(?:/|$)")


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def huawei_error(status, code, message, headers=None):
    """A gateway error; the body's ``request_id`` is the same value as the ``X-Request-Id`` header."""
    request_id = uuid.uuid4().hex
    headers = dict(headers or {})
    headers.setdefault("X-Request-Id", request_id)
    return Response(status, {"error_code": code, "error_msg": message, "request_id": request_id}, headers)


class HuaweiGateway(Gateway):
    """AK/SK ``SDK-HMAC-SHA256`` verification, IAM tokens, AK lockout, project scoping."""

    def __init__(self, iam):
        self.iam = iam

    def throttle(self, req, fault):
        return huawei_error(429, "APIGW.0308",
                            "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute",
                            {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 1)})

    def error(self, req, status, code, message):
        default = {500: "APIGW.0601", 502: "APIGW.0202", 503: "APIGW.0613", 504: "APIGW.0203"}
        return huawei_error(status, code or default.get(status, "APIGW.0201"), message or "Injected failure")

    def authenticate(self, req, route):
        token = req.headers.get("x-auth-token")
        if token:
            return self._token(req, token)
        authorization = req.headers.get("authorization")
        if authorization:
            return self._aksk(req, authorization)
        return huawei_error(401, "APIGW.0301", "Incorrect IAM authentication information: no authentication information")

    def _path_project(self, req):
        match = _PROJECT_IN_PATH.match(req.path)
        return match.group(1) if match else None

    def _token(self, req, value):
        iam = self.iam
        with iam.emu.lock:
            token = iam.tokens.get(value)
        if token is None:
            return huawei_error(401, "APIGW.0301", "Incorrect IAM authentication information: decrypt token fail")
        if token["expires"] <= iam.emu.now():
            return huawei_error(401, "APIGW.0307", "The token must be updated.")
        project = self._path_project(req)
        if project and project != token.get("project_id"):
            return huawei_error(401, "APIGW.0307", "The token must be updated.")
        req.identity = {"domain": token["domain_id"], "user": token["user"], "project_id": token.get("project_id")}
        req.auth_kind = "token"
        return None

    def _aksk(self, req, authorization):
        iam = self.iam
        parsed = verify.parse_huawei_authorization(authorization)
        if parsed is None:
            return huawei_error(401, "APIGW.0301", "Incorrect IAM authentication information: Authorization header is malformed")
        access, names, signature = parsed
        req.auth_kind = "aksk"
        now = iam.emu.now()
        with iam.emu.lock:
            key = iam.access_keys.get(access)
            if key is None:
                return huawei_error(401, "APIGW.0301", "Incorrect IAM authentication information: ak %s not exist" % access)
            if key.get("locked_until", 0) > now:
                return huawei_error(401, "APIGW.0301", AKSK_LOCKED_MESSAGE)
        failure = self._verify(req, key, names, signature, now)
        with iam.emu.lock:
            if failure:
                key["failures"] = key.get("failures", 0) + 1
                if key["failures"] > AKSK_MAX_FAILURES:
                    key["failures"] = 0
                    key["locked_until"] = now + AKSK_LOCK_SECONDS
                return huawei_error(401, "APIGW.0301", "Incorrect IAM authentication information: %s" % failure)
            key["failures"] = 0
        project = self._path_project(req) or (req.headers.get("x-project-id") if "x-project-id" in names else None)
        domain = iam.domain_of_key[access]
        if project and project not in domain["project_ids"]:
            return huawei_error(403, "APIGW.0310", "The project is unavailable.")
        req.identity = {"domain": domain["id"], "user": key.get("user"), "project_id": project}
        return None

    def _verify(self, req, key, names, signature, now):
        """Return None when the signature is good, else a reason (never echoing secrets)."""
        date = req.headers.get("x-sdk-date")
        if not date or "x-sdk-date" not in names or "host" not in names:
            return "verify aksk signature fail: host and x-sdk-date must be signed"
        try:
            signed_at = datetime.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return "verify aksk signature fail: invalid x-sdk-date"
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            return "verify aksk signature fail: signature expired"
        expected_token = key.get("security_token")
        if expected_token is not None:
            if req.headers.get("x-security-token") != expected_token or "x-security-token" not in names:
                return "verify aksk signature fail: security token is missing or invalid"
        headers = verify.huawei_signed_headers_only(req.headers.lower_dict(), names)
        if verify.huawei_content_sha_mismatch(headers, req.body):
            return "verify aksk signature fail: x-sdk-content-sha256 does not match the body"
        canonical, dummy = signing.huawei_canonical_request(req.method, req.path, req.query, headers, req.body, names)
        expected = signing.huawei_signature(key["secret"], signing.huawei_string_to_sign(canonical, date))
        if expected != signature:
            return "verify aksk signature fail"
        return None


class IamService(Service):
    """``POST /v3/auth/tokens`` (password method) and ``GET /v3/projects``."""

    name = "iam"
    cloud = "huawei"

    def __init__(self, emu):
        super().__init__(emu)
        self.domains = []
        self.access_keys = {}
        self.domain_of_key = {}
        self.tokens = {}

    def register(self):
        self.emu.gateway("huawei", HuaweiGateway(self))
        self.emu.route("POST", r"/v3/auth/tokens", self.issue_token, "huawei", "iam", "CreateToken", auth=False)
        self.emu.route("GET", r"/v3/projects", self.list_projects, "huawei", "iam", "KeystoneListProjects")

    def load(self, section):
        self.domains = [dict(d) for d in section.get("domains") or []]
        self.access_keys, self.domain_of_key = {}, {}
        for domain in self.domains:
            domain.setdefault("id", uuid.uuid4().hex)
            domain["project_ids"] = set(p["id"] for p in domain.get("projects") or [])
            for key in domain.get("access_keys") or []:
                key = dict(key)
                self.access_keys[key["access"]] = key
                self.domain_of_key[key["access"]] = domain
        self.tokens = {}

    def dump(self):
        out = []
        for domain in self.domains:
            domain = dict(domain)
            domain.pop("project_ids", None)
            domain["access_keys"] = [
                dict((k, v) for k, v in key.items() if k not in ("failures", "locked_until"))
                for key in self.access_keys.values() if self.domain_of_key[key["access"]]["id"] == domain["id"]]
            out.append(domain)
        return {"domains": out}

    def summary(self):
        return {
            "domains": [{"id": d["id"], "name": d["name"], "projects": d.get("projects") or [],
                         "users": [u["name"] for u in d.get("users") or []]} for d in self.domains],
            "access_keys": [{"access": a, "temporary": "security_token" in k,
                             "locked": k.get("locked_until", 0) > self.emu.now()} for a, k in self.access_keys.items()],
            "tokens": len(self.tokens),
        }

    def _iam_error(self, status, code, message):
        return Response(status, {"error_code": code, "error_msg": message},
                        {"X-IAM-Trace-Id": uuid.uuid4().hex})

    def issue_token(self, req):
        body = req.json()
        try:
            auth = body["auth"]
            identity = auth["identity"]
            if "password" not in identity.get("methods", []):
                raise KeyError("methods")
            user = identity["password"]["user"]
            user_name, password = user["name"], user["password"]
            domain_name = (user.get("domain") or {}).get("name")
        except (KeyError, TypeError):
            return self._iam_error(400, "IAM.0008", "The request body is invalid: a password identity is required.")
        with self.emu.lock:
            domain = next((d for d in self.domains if d["name"] == domain_name), None)
            account = next((u for u in (domain or {}).get("users") or [] if u["name"] == user_name), None)
            if account is None or account["password"] != password:
                return self._iam_error(401, "IAM.0062", "The username or password is wrong.")
            scope = (auth.get("scope") or {}).get("project") or {}
            project = None
            if scope:
                project = next((p for p in domain.get("projects") or []
                                if p["id"] == scope.get("id") or p["name"] == scope.get("name")), None)
                if project is None:
                    return self._iam_error(400, "IAM.1109", "The project is not found.")
            now = self.emu.now()
            ttl = float(self.emu.setting("token_ttl", 86400))
            value = "MII" + base64.urlsafe_b64encode(os.urandom(48)).decode("ascii").rstrip("=")
            self.tokens[value] = {"domain_id": domain["id"], "user": user_name, "expires": now + ttl,
                                  "project_id": project["id"] if project else None}
        token = {
            "expires_at": _iso(now + ttl), "issued_at": _iso(now), "methods": ["password"],
            "user": {"id": account.get("id", user_name), "name": user_name,
                     "domain": {"id": domain["id"], "name": domain["name"]}},
            "roles": [{"id": "0", "name": "op_service"}], "catalog": [],
        }
        if project:
            token["project"] = {"id": project["id"], "name": project["name"],
                                "domain": {"id": domain["id"], "name": domain["name"]}}
        else:
            token["domain"] = {"id": domain["id"], "name": domain["name"]}
        return Response(201, {"token": token}, {"X-Subject-Token": value, "X-IAM-Trace-Id": uuid.uuid4().hex})

    def list_projects(self, req):
        wanted = req.query_dict().get("name")
        domain = next(d for d in self.domains if d["id"] == req.identity["domain"])
        projects = [{"id": p["id"], "name": p["name"], "domain_id": domain["id"], "enabled": True,
                     "is_domain": False, "parent_id": domain["id"], "description": ""}
                    for p in domain.get("projects") or [] if not wanted or p["name"] == wanted]
        return Response(200, {"projects": projects, "links": {"self": req.path, "next": None, "previous": None}})
