# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Huawei Cloud / OTC error answers: the code tables, parsing, and the :mod:`_errors` class of each.

:func:`classify` turns an error answer (HTTP status, code, message) into the exception of
:mod:`_errors` that says what is safe: retry, refresh the token, or stop. The tables come from
reference §8.1-8.5; codes not in them are classified by HTTP status.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    AuthError,
    BusyError,
    NotFoundError,
    PolicyError,
    PreconditionError,
    ProviderError,
    ThrottledError,
)

TOKEN_EXPIRED = frozenset(("APIGW.0307", "DRS.M00100", "DCS.1002", "DBS.280056", "IAM.0066"))
AUTH = frozenset((
    "APIGW.0301", "APIGW.0302", "APIGW.0303", "APIGW.0304", "APIGW.0305", "APIGW.0306", "APIGW.0310",
    "APIGW.0401", "APIGW.0402", "DRS.M00101", "DRS.M00102", "DRS.M00103", "DRS.M00105", "DRS.M00261",
    "DCS.1001", "DCS.1003", "DCS.1004", "DCS.2003", "DCS.2007", "DCS.3002", "DCS.3003", "DBS.200010",
    "DBS.200604", "IAM.0061", "IAM.0062", "IAM.0067",
))
THROTTLED = frozenset(("APIGW.0308", "DRS.M01503"))
BUSY = frozenset((
    "DRS.M01504", "DCS.4017", "DCS.4069", "DCS.4115", "DBS.200011", "DBS.200019", "DBS.200047",
    "DBS.201202", "DBS.212006",
))
PRECONDITION = frozenset((
    "DRS.M00304", "DRS.M00307", "DRS.M00308", "DCS.4026", "DCS.4049", "DCS.4111", "DCS.4113", "DCS.4114",
    "DCS.4116", "DCS.4117", "DCS.4118", "DCS.4120", "DCS.4850", "DBS.200086", "DBS.201014", "DBS.200316",
    "DBS.280406", "DBS.280449",
))
POLICY = {"DCS.4019": "password complexity", "DBS.280203": "weak password"}
NOT_FOUND = frozenset((
    "DRS.M05003", "DRS.M05004", "DRS.10000010", "DCS.3022", "DBS.200002", "DBS.200022", "DBS.200044",
    "DBS.200045", "DBS.200408", "DBS.200543", "DBS.200602", "DBS.200824", "DBS.201003", "DBS.201028",
    "DBS.280015", "DBS.290005", "DBS.290011", "IAM.1109",
))
SERVER = frozenset((
    "DRS.M00004", "DRS.M01501", "DCS.5000", "DCS.5024", "DBS.108000", "DBS.108002", "DBS.108005",
    "DBS.200005", "DBS.200208", "DBS.213002", "DBS.213004", "DBS.290006", "DBS.290015", "APIGW.0202",
    "APIGW.0203", "APIGW.0601", "APIGW.0605", "APIGW.0606", "APIGW.0613",
))
# Legacy DCS codes (111nnnnnn) and the OTC gateway prefix map onto the codes above.
LEGACY_CODES = {"111400019": "DCS.4019", "111400080": "DCS.4080", "111400115": "DCS.4115",
                "111404022": "DCS.3022", "111401001": "DCS.1001", "111401002": "DCS.1002"}
JOB_NOT_FOUND = "DBS.200543"


def canonical_code(code):
    """Code used for classification: ``APIG.`` becomes ``APIGW.``, legacy DCS numbers their DCS.nnnn."""
    code = "%s" % (code,)
    if code.startswith("APIG."):
        return "APIGW." + code[len("APIG."):]
    return LEGACY_CODES.get(code, code)


def parse_error(data):
    """``(code, message)`` from an error body, in the SDK's order (reference §1.3), or ``(None, None)``.

    Tries ``error_code``/``error_msg``, ``errorCode``/``errorMsg``, ``code``/``message``, then the same
    inside nested objects (IAM ``{"error": {...}}``).
    """
    if not isinstance(data, dict):
        return None, None
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if data.get(code_key) not in (None, ""):
            return "%s" % (data[code_key],), data.get(msg_key) or ""
    for value in data.values():
        if isinstance(value, dict):
            code, message = parse_error(value)
            if code is not None:
                return code, message
    return None, None


def retry_after_seconds(headers):
    """``Retry-After`` in seconds (numeric form only), or None."""
    value = headers.get("Retry-After")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def classify(http_status, code, message, request_id=None, retry_after=None, target=None):
    """The :mod:`_errors` exception for a Huawei/OTC error response."""
    kwargs = dict(http_status=http_status, request_id=request_id, target=target)
    key = canonical_code(code)
    if key in TOKEN_EXPIRED:
        return AuthError(code, message, token_expired=True, **kwargs)
    if key in AUTH:
        return AuthError(code, message, **kwargs)
    if key in THROTTLED:
        return ThrottledError(code, message, retry_after=retry_after, **kwargs)
    if key in BUSY:
        return BusyError(code, message, retry_after=retry_after, **kwargs)
    if key in PRECONDITION:
        return PreconditionError(code, message, **kwargs)
    if key in POLICY:
        return PolicyError(code, message, rule=POLICY[key], **kwargs)
    if key in NOT_FOUND:
        return NotFoundError(code, message, **kwargs)
    if key in SERVER:
        return ProviderError(code, message, server_error=True, **kwargs)
    if http_status == 429:
        return ThrottledError(code, message, retry_after=retry_after, **kwargs)
    if http_status in (401, 403):
        return AuthError(code, message, **kwargs)
    if http_status == 404 and key != "APIGW.0101":
        return NotFoundError(code, message, **kwargs)
    if http_status == 409:
        return BusyError(code, message, retry_after=retry_after, **kwargs)
    return ProviderError(code, message, server_error=bool(http_status and http_status >= 500), **kwargs)
