# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Alibaba Cloud provider adapter for DTS (RPC API 2020-01-01) with the V3 ``ACS3-HMAC-SHA256`` signature.

Ordinary parameters travel in the query string. Secret parameters (``Password``) travel only
in a form-encoded body whose SHA-256 is signed through ``x-acs-content-sha256``: URLs end up
in proxy and access logs, bodies do not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit  # type: ignore

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    BusyError,
    ConfigError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    redact,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._signing import aliyun_v3_sign, encode_query
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import format_problem

DTS_VERSION = "2020-01-01"
KMS_VERSION = "2016-01-20"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Regions the official DTS SDK maps to the central endpoint dts.aliyuncs.com (reference §3.2).
DTS_CENTRAL_REGIONS = frozenset((
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-hangzhou", "cn-shanghai", "cn-shenzhen",
    "cn-hongkong", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5", "eu-west-1",
    "us-west-1", "us-east-1", "eu-central-1", "me-east-1", "ap-south-1", "cn-hangzhou-finance",
    "cn-shanghai-finance-1", "cn-shenzhen-finance-1", "cn-north-2-gov-1", "ap-northeast-2-pop",
    "cn-beijing-finance-1", "cn-beijing-finance-pop", "cn-beijing-gov-1", "cn-beijing-nu16-b01", "cn-chengdu",
    "cn-edge-1", "cn-fujian", "cn-haidian-cm12-c01", "cn-hangzhou-bj-b01", "cn-hangzhou-internal-prod-1",
    "cn-hangzhou-internal-test-1", "cn-hangzhou-internal-test-2", "cn-hangzhou-internal-test-3",
    "cn-hangzhou-test-306", "cn-hongkong-finance-pop", "cn-huhehaote-nebula-1", "cn-qingdao-nebula",
    "cn-shanghai-et15-b01", "cn-shanghai-et2-b01", "cn-shanghai-inner", "cn-shanghai-internal-test-1",
    "cn-shenzhen-inner", "cn-shenzhen-st4-d01", "cn-shenzhen-su18-b01", "cn-wuhan", "cn-wulanchabu",
    "cn-yushanfang", "cn-zhangbei-na61-b01", "cn-zhangjiakou-na62-a01", "cn-zhengzhou-nebula-1",
    "eu-west-1-oxs", "rus-west-1-pop",
))

AUTH_CODES = frozenset((
    "SignatureDoesNotMatch", "IncompleteSignature", "InvalidTimeStamp.Expired", "InvalidTimeStamp.Format",
    "IllegalTimestamp", "Forbidden",
))
SERVER_CODES = frozenset(("ServiceUnavailable", "InternalError", "UnknownError"))
_XML_FIELD = re.compile(r"<(Code|Message|RequestId)>([^<]*)</\1>")


def dts_endpoint(region):
    """``https://dts.aliyuncs.com`` for the central regions, else ``https://dts.{region}.aliyuncs.com``."""
    if not region:
        raise ConfigError("MissingRegion", "region is required to find the DTS endpoint (or set endpoint_url)")
    problem = format_problem("region", region, "region")
    if problem:
        raise ConfigError("InvalidParameter", problem)
    if region in DTS_CENTRAL_REGIONS:
        return "https://dts.aliyuncs.com"
    return "https://dts.%s.aliyuncs.com" % region


def kms_endpoint(region):
    """``https://kms.{region}.aliyuncs.com``: KMS 2016-01-20 (SDK ``alibabacloud_kms20160120`` Client,
    endpoint rule ``regional``; Alibaba Cloud KMS "Endpoints")."""
    if not region:
        raise ConfigError("MissingRegion", "region is required to find the KMS endpoint (or set endpoint_url)")
    problem = format_problem("region", region, "region")
    if problem:
        raise ConfigError("InvalidParameter", problem)
    return "https://kms.%s.aliyuncs.com" % region


# The host table of each API version this client can call; any other version is DTS's.
ENDPOINTS = {DTS_VERSION: dts_endpoint, KMS_VERSION: kms_endpoint}


def parse_error(data, text=""):
    """``(code, message)`` of a failed call: DTS ``ErrCode``/``ErrMessage`` (``%s`` filled from
    ``DynamicMessage``), gateway ``Code``/``Message`` (JSON or XML), or ``(None, None)``."""
    if isinstance(data, dict):
        code = data.get("ErrCode") or data.get("Code")
        message = data.get("ErrMessage") or data.get("Message") or ""
        dynamic = data.get("DynamicMessage")
        if dynamic and "%s" in message:
            message = message.replace("%s", "%s" % (dynamic,))
        return (("%s" % (code,)) if code else None), message
    fields = dict(_XML_FIELD.findall(text or ""))
    return fields.get("Code"), fields.get("Message", "")


def failed(http_status, data):
    """True when the call failed: a non-2xx status, or ``Success`` false in the body."""
    if not 200 <= http_status < 300:
        return True
    return isinstance(data, dict) and ("%s" % (data.get("Success"),)).lower() == "false"


def retry_after_seconds(headers):
    """``x-acs-retry-after`` (milliseconds, a positive integer) in seconds, or None."""
    try:
        millis = int(headers.get("x-acs-retry-after"))
    except (TypeError, ValueError):
        return None
    return millis / 1000.0 if millis > 0 else None


def classify(http_status, code, message, request_id=None, retry_after=None, target=None):
    """The :mod:`_errors` exception for an Alibaba error (reference §8.6, §8.7)."""
    kwargs = dict(http_status=http_status, request_id=request_id, target=target)
    if code == "Throttling" or code.startswith("Throttling.") or ".Throttling" in code or http_status == 429:
        return ThrottledError(code, message, retry_after=retry_after, **kwargs)
    if code.startswith(("InvalidAccessKeyId", "InvalidSecurityToken", "Forbidden.")) or code in AUTH_CODES:
        return AuthError(code, message, **kwargs)
    if code == "SignatureNonceUsed":
        return ProviderError(code, message, retry_safe=True, **kwargs)
    if code.endswith("OperationDenied.JobStatusModifying"):
        return BusyError(code, message, retry_after=retry_after, **kwargs)
    if code in SERVER_CODES or code.endswith("ServerUnAvailable") or http_status >= 500:
        return ProviderError(code, message, server_error=True, **kwargs)
    if code.startswith(("InvalidApi", "InvalidAction")):
        return ProviderError(code, message, **kwargs)
    if code.endswith(".NotFound") or "NotExist" in code or http_status == 404:
        return NotFoundError(code, message, **kwargs)
    if http_status in (401, 403):
        return AuthError(code, message, **kwargs)
    return ProviderError(code, message, **kwargs)


class AlibabaClient(object):
    """Client for Alibaba Cloud RPC APIs (DTS by default), V3-signed.

    ``params``: the module's options (see ``_module.ALIBABA_ARGUMENT_SPEC``); ``transport``: a
    :class:`_transport.Transport`; ``retry``: a :class:`_retry.Retry`.
    """

    def __init__(self, params, transport, retry, version=DTS_VERSION):
        if not (params.get("access_key") and params.get("secret_key")):
            raise ConfigError("MissingCredentials", "no Alibaba Cloud credentials: give access_key and secret_key")
        self.params = params
        self.transport = transport
        self.retry = retry
        self.version = version
        self.region = params.get("region")

    @property
    def secrets(self):
        """Secret values this client holds, for redaction."""
        return [v for v in (self.params.get("secret_key"), self.params.get("security_token")) if v]

    def endpoint(self):
        """Base URL: ``endpoint_url`` if given (a bare host gets ``https://``), else the host table of
        the client's API version (:data:`ENDPOINTS`: DTS, KMS)."""
        url = self.params.get("endpoint_url")
        if url:
            return (url if "://" in url else "https://" + url).rstrip("/")
        return ENDPOINTS.get(self.version, dts_endpoint)(self.region)

    def call(self, action, params=None, secret_params=None, write=False, target=None):
        """Call ``action``; return :class:`ApiResult` ``(data, request_id, http_status)``.

        ``params`` go in the query string; ``secret_params`` only in the signed form body. ``None``
        values are dropped. Raises a :class:`_errors.CloudError` subclass (``Success:false`` too).
        """
        base = self.endpoint()
        host = urlsplit(base).netloc
        query = _pairs(params)
        url = base + "/" + ("?" + encode_query(query) if query else "")
        form = _pairs(secret_params)
        body = encode_query(form).encode("utf-8") if form else b""
        headers = {"accept": "application/json", "user-agent": self.transport.user_agent}
        if body:
            headers["content-type"] = FORM_CONTENT_TYPE

        def send():
            signed = aliyun_v3_sign(
                "POST", host, "/", query, headers, body, self.params["access_key"], self.params["secret_key"],
                action, self.version, security_token=self.params.get("security_token"))
            return self._result(self.transport.request("POST", url, signed, body), target)

        return self.retry.call(send, write=write)

    def _result(self, response, target):
        data = response.json()
        request_id = (data.get("RequestId") if isinstance(data, dict) else None) or response.headers.get(
            "x-acs-request-id")
        if not failed(response.status, data):
            return ApiResult(data if data is not None else {}, request_id, response.status)
        code, message = parse_error(data, response.text if data is None else "")
        if not request_id and data is None:
            request_id = dict(_XML_FIELD.findall(response.text)).get("RequestId")
        status = response.status
        if isinstance(data, dict) and status < 400 and isinstance(data.get("HttpStatusCode"), int):
            status = data["HttpStatusCode"]
        if not code:
            code, message = "%s" % status, "HTTP %s without an error code" % status
        raise classify(status, code, redact(message, self.secrets), request_id=request_id,
                       retry_after=retry_after_seconds(response.headers), target=target)


def _pairs(params):
    items = params.items() if isinstance(params, dict) else (params or ())
    return [(k, ("true" if v else "false") if isinstance(v, bool) else "%s" % (v,)) for k, v in items if v is not None]
