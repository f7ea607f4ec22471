# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Huawei Cloud / Open Telekom Cloud provider adapter: endpoints, authentication, requests.

One :class:`HuaweiClient` serves DRS, DCS, GaussDB(for MySQL) and IAM. Authentication is AK/SK
``SDK-HMAC-SHA256`` (optionally with a security token), an IAM token obtained with a user
password (cached for the process, refreshed once when the gateway says it must be), or a token
given by the caller. Every request is signed inside the retry loop. Error answers are
classified by :mod:`_huawei_errors`; the service calls are the API adapters' (``_drs_api``,
``_dcs_api``, ``_gaussdb_api``).

IAM has no adapter of its own: its two calls (``POST /v3/auth/tokens`` and ``GET /v3/projects``)
are how this client authenticates and finds its project, so they live here, below
:meth:`HuaweiClient.request`, which needs them before any service call can be signed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import hashlib
import json
import re
import threading
import time

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    redact,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei_errors import (
    classify,
    parse_error,
    retry_after_seconds,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._signing import (
    encode_query,
    huawei_sign,
    percent_encode,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import format_problem

SERVICES = ("drs", "dcs", "gaussdb", "iam", "kms")
# "kms" is DEW (KMS and CSMS secrets): kms.{region}.myhuaweicloud.com in every region of the official
# SDK's table (huaweicloudsdkcsms v1 CsmsRegion); OTC kms.{region}.otc.t-systems.com (the pattern of the
# other OTC services; no OTC endpoint page was available to confirm it).

# GaussDB(for MySQL) host prefix per Huawei Cloud region (reference §1.1); others use "gaussdb".
GAUSSDB_HOST_PREFIX = dict(
    [(r, "gaussdbformysql") for r in ("ap-southeast-1", "ap-southeast-2", "tr-west-1", "cn-north-11", "me-east-1")] + [
        (r, "gaussdb-mysql") for r in ("af-south-1", "cn-east-5", "la-north-2", "cn-southwest-3")])

# Regions with their own IAM endpoint in the official SDK; any other region uses the global one.
HUAWEI_IAM_REGIONS = frozenset((
    "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-12", "cn-east-2", "cn-east-3",
    "cn-east-4", "cn-east-5", "cn-south-1", "cn-south-2", "cn-southwest-2", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "af-south-1", "sa-brazil-1", "la-south-2",
    "la-north-2", "na-mexico-1", "eu-west-0", "my-kualalumpur-1", "ru-moscow-1", "me-east-1", "ae-ad-1",
    "tr-west-1",
))

# --- endpoints ----------------------------------------------------------------------------------


def service_endpoint(cloud, service, region):
    """``https://host`` of ``service`` (drs, dcs, gaussdb, iam, kms) in ``region`` of ``cloud``."""
    if service not in SERVICES:
        raise ValueError("unknown Huawei service %r" % (service,))
    if not region:
        raise ConfigError("MissingRegion", "region is required to find the %s endpoint (or set endpoint_url)"
                          % service)
    problem = format_problem("region", region, "region")
    if problem:
        raise ConfigError("InvalidParameter", problem)
    if cloud == "otc":
        prefix = "gaussdb-mysql" if service == "gaussdb" else service
        return "https://%s.%s.otc.t-systems.com" % (prefix, region)
    if service == "iam":
        if region in HUAWEI_IAM_REGIONS:
            return "https://iam.%s.myhuaweicloud.com" % region
        return "https://iam.myhuaweicloud.com"
    prefix = GAUSSDB_HOST_PREFIX.get(region, "gaussdb") if service == "gaussdb" else service
    domain = "myhuaweicloud.eu" if (service == "drs" and region == "eu-west-101") else "myhuaweicloud.com"
    return "https://%s.%s.%s" % (prefix, region, domain)


def query_pairs(query):
    """Pairs from a dict or a list of pairs; ``None`` dropped, lists repeated, booleans lower-case."""
    items = query.items() if isinstance(query, dict) else (query or ())
    pairs = []
    for key, value in items:
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            if item is None:
                continue
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else "%s" % (item,)))
    return pairs


_PLACEHOLDER = re.compile(r"^\{([a-z_]+)\}$")
_UNSAFE_SEGMENT = re.compile(r"[\x00-\x1f\x7f]")


def build_path(template, values):
    """The request path of ``template`` (``/v3/{project_id}/instances/{instance_id}``) with ``values``.

    Literal segments come from the code; every ``{name}`` segment is filled from ``values`` and
    percent-encoded whole (``/`` becomes ``%2F``), so no value can add, remove or climb a segment.
    An empty, ``.``/``..`` or control-character value raises :class:`ConfigError` naming it.
    """
    segments = []
    for segment in template.split("/"):
        match = _PLACEHOLDER.match(segment)
        if not match:
            if "{" in segment or "}" in segment:
                raise ValueError("path template segment %r mixes text and a placeholder" % (segment,))
            segments.append(segment)
            continue
        name = match.group(1)
        if name not in values:
            raise ValueError("no value for {%s} in %s" % (name, template))
        value = "%s" % (values[name],)
        if value in ("", ".", "..") or _UNSAFE_SEGMENT.search(value):
            raise ConfigError("InvalidParameter", "%s is empty, '.', '..' or contains a control character" % name)
        segments.append(percent_encode(value).replace("/", "%2F"))
    return "/".join(segments)


def _epoch(timestamp):
    """Seconds since the epoch from IAM's ``2024-01-02T03:04:05.000000Z``, or None."""
    try:
        return calendar.timegm(time.strptime(timestamp.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S"))
    except (AttributeError, ValueError):
        return None


# IAM tokens cached for the life of the process (one module run); the key holds a password digest only.
_TOKEN_CACHE = {}
_TOKEN_LOCK = threading.RLock()
TOKEN_MARGIN = 300


class HuaweiClient(object):
    """Client for DRS, DCS, GaussDB(for MySQL) and IAM on Huawei Cloud or OTC.

    ``params``: the module's options (see ``_module.HUAWEI_ARGUMENT_SPEC``); ``transport``: a
    :class:`_transport.Transport`; ``retry``: a :class:`_retry.Retry`.
    """

    def __init__(self, params, transport, retry):
        self.params = params
        self.transport = transport
        self.retry = retry
        self.cloud = params.get("cloud") or "huaweicloud"
        self.region = params.get("region")
        self._project_id = params.get("project_id")
        self._token = None
        if params.get("access_key") and params.get("secret_key"):
            self.auth_mode = "aksk"
        elif params.get("auth_token"):
            self.auth_mode = "token"
        elif params.get("iam_user_name") and params.get("iam_password"):
            self.auth_mode = "password"
        else:
            raise ConfigError("MissingCredentials", "no Huawei credentials: give access_key and secret_key, "
                              "auth_token, or iam_user_name and iam_password")
        if self.auth_mode == "password" and not params.get("iam_domain_name"):
            raise ConfigError("MissingCredentials", "iam_domain_name (the account name) is required with "
                              "iam_user_name and iam_password")
        self._cache_key = None

    # -- public API --

    @property
    def secrets(self):
        """Secret values this client holds, for redaction."""
        names = ("secret_key", "security_token", "auth_token", "iam_password")
        return [v for v in [self.params.get(n) for n in names] + [self._token] if v]

    def endpoint(self, service):
        """Base URL for ``service``: ``iam_endpoint_url``/``endpoint_url`` (a bare host gets ``https://``)
        override the host tables."""
        url = (self.params.get("iam_endpoint_url") if service == "iam" else None) or self.params.get("endpoint_url")
        if url:
            return (url if "://" in url else "https://" + url).rstrip("/")
        return service_endpoint(self.cloud, service, self.region)

    @property
    def project_id(self):
        """The project id: given, from the IAM token, or looked up by region name (one request)."""
        if not self._project_id and self.auth_mode == "password":
            self._ensure_token()
        if not self._project_id:
            self._project_id = self._lookup_project_id()
        return self._project_id

    def request(self, service, method, path, query=None, body=None, write=False, target=None, path_params=None):
        """Call ``service``; return :class:`ApiResult` ``(data, request_id, http_status)``.

        ``path`` is a template (:func:`build_path`): ``{project_id}`` is filled in here, any other
        ``{name}`` from ``path_params``. ``body`` (a dict) is sent as JSON. ``write`` marks a call
        that changes state (retried only when it certainly did not apply). Raises a
        :class:`_errors.CloudError` subclass; ``target`` is attached to it.
        """
        values = dict(path_params or {})
        if "{project_id}" in path:
            values["project_id"] = self.project_id
        url = self.endpoint(service) + build_path(path, values)
        pairs = query_pairs(query)
        if pairs:
            url += "?" + encode_query(pairs)
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8") if body is not None else b""
        headers = {"Content-Type": "application/json", "X-Language": "en-us"}
        if self.auth_mode == "aksk" and service != "iam":
            headers["X-Project-Id"] = self.project_id
        return self._call(method, url, headers, payload, write, target)

    # -- internals --

    def _call(self, method, url, headers, payload, write, target, refreshed=False):
        used = self._ensure_token() if self.auth_mode == "password" else None  # has its own retry loop

        def send():
            response = self.transport.request(method, url, self._authorize(method, url, headers, payload, used),
                                              payload)
            return self._result(response, target)

        try:
            return self.retry.call(send, write=write)
        except AuthError as err:
            if err.token_expired and self.auth_mode == "password" and not refreshed:
                self._drop_token(used)
                return self._call(method, url, headers, payload, write, target, refreshed=True)
            raise

    def _authorize(self, method, url, headers, payload, token=None):
        """Headers for one attempt: freshly signed (AK/SK) or carrying the (caller's or IAM) token."""
        headers = dict(headers, **{"User-Agent": self.transport.user_agent})
        if self.auth_mode == "aksk":
            return huawei_sign(method, url, headers, payload, self.params["access_key"], self.params["secret_key"],
                               security_token=self.params.get("security_token"))
        headers["X-Auth-Token"] = self.params["auth_token"] if self.auth_mode == "token" else token
        return headers

    def _result(self, response, target):
        data = response.json()
        request_id = (response.headers.get("X-Request-Id") or response.headers.get("X-IAM-Trace-Id") or (
            data.get("request_id") if isinstance(data, dict) else None))
        if 200 <= response.status < 300:
            return ApiResult(data if data is not None else {}, request_id, response.status)
        code, message = parse_error(data)
        if code is None:
            code, message = "%s" % response.status, "HTTP %s without an error code" % response.status
        raise classify(response.status, code, redact(message, self.secrets), request_id=request_id,
                       retry_after=retry_after_seconds(response.headers), target=target)

    def _token_key(self):
        """Cache key: IAM endpoint, domain, user, scope and a digest of the password (in memory only)."""
        if self._cache_key is None:
            p = self.params
            digest = hashlib.sha256(("%s" % p.get("iam_password")).encode("utf-8")).hexdigest()
            self._cache_key = (self.endpoint("iam"), p.get("iam_domain_name"), p.get("iam_user_name"),
                               self._project_id or self.region, digest)
        return self._cache_key

    def _ensure_token(self):
        """An IAM token for the project (password method), from the process cache or IAM."""
        with _TOKEN_LOCK:  # concurrent workers share one token request
            if self._token:
                return self._token
            key = self._token_key()
            cached = _TOKEN_CACHE.get(key)
            if cached and (cached[2] is None or cached[2] - TOKEN_MARGIN > time.time()):
                token, project_id = cached[0], cached[1]
            else:
                token, project_id, expires = self._issue_token()
                _TOKEN_CACHE[key] = (token, project_id, expires)
            self._project_id = self._project_id or project_id
            self._token = token
            return token

    def _drop_token(self, rejected):
        """Forget ``rejected`` (unless another worker already replaced it)."""
        with _TOKEN_LOCK:
            key = self._token_key()
            if key in _TOKEN_CACHE and _TOKEN_CACHE[key][0] == rejected:
                del _TOKEN_CACHE[key]
            if self._token == rejected:
                self._token = None

    def _issue_token(self):
        p = self.params
        if self._project_id:
            scope = {"project": {"id": self._project_id}}
        elif self.region:
            scope = {"project": {"name": self.region}}
        else:
            raise ConfigError("MissingRegion", "region or project_id is required to scope an IAM token")
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": p["iam_user_name"], "password": p["iam_password"], "domain": {"name": p["iam_domain_name"]}}}},
            "scope": scope}}
        url = self.endpoint("iam") + "/v3/auth/tokens?nocatalog=true"
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json;charset=utf8", "User-Agent": self.transport.user_agent}

        def send():
            response = self.transport.request("POST", url, headers, payload)
            result = self._result(response, None)
            token = response.headers.get("X-Subject-Token")
            if not token:
                raise AuthError("NoSubjectToken", "IAM answered HTTP %s without X-Subject-Token" % response.status,
                                http_status=response.status, request_id=result.request_id)
            return token, result.data

        token, data = self.retry.call(send, write=False)
        info = (data or {}).get("token") or {}
        return token, (info.get("project") or {}).get("id"), _epoch(info.get("expires_at"))

    def _lookup_project_id(self):
        if not self.region:
            raise ConfigError("MissingRegion", "region or project_id is required")
        url = self.endpoint("iam") + "/v3/projects?" + encode_query([("name", self.region)])
        headers = {"Content-Type": "application/json"}
        result = self._call("GET", url, headers, b"", False, None)
        for project in (result.data or {}).get("projects") or []:
            if project.get("name") == self.region and project.get("id"):
                return project["id"]
        raise NotFoundError("ProjectNotFound", "no IAM project named %s; set project_id" % self.region,
                            http_status=result.http_status, request_id=result.request_id)
