# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: request signing as pure functions (standard library only).

Huawei Cloud / Open Telekom Cloud ``SDK-HMAC-SHA256`` and Alibaba Cloud ``ACS3-HMAC-SHA256``
(V3): what the clients (:mod:`_huawei`, :mod:`_alibaba`) sign with, nothing else. Every function
takes all of its inputs as arguments (time and nonce included) so that known-answer tests can
pin it; the cloud emulator rebuilds canonical requests with the same functions (its own
verifiers, the ``Authorization`` parsers and the legacy RPC ``HMAC-SHA1`` signature, are in
``tests/emulator/verify.py``), and both are checked against the official SDKs' signers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac
import uuid

try:
    from urllib.parse import quote, unquote, urlsplit, parse_qsl
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urllib import quote, unquote  # type: ignore
    from urlparse import urlsplit, parse_qsl  # type: ignore

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
HUAWEI_ALGORITHM = "SDK-HMAC-SHA256"
ALIYUN_V3_ALGORITHM = "ACS3-HMAC-SHA256"


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return "%s" % (value,)


def _bytes(value):
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8")


def percent_encode(value):
    """RFC 3986 encoding: only ``A-Z a-z 0-9 - _ . ~`` stay bare (space is ``%20``, ``*`` is ``%2A``)."""
    return quote(_text(value).encode("utf-8"), safe="~")


def sha256_hex(data):
    return hashlib.sha256(_bytes(data)).hexdigest()


def split_url(url):
    """Return ``(host, path, query_pairs)`` of an URL; query values are decoded, order kept."""
    parts = urlsplit(url)
    return parts.netloc, parts.path or "/", parse_qsl(parts.query, keep_blank_values=True)


def encode_query(pairs):
    """Wire/canonical form of query pairs: sorted by key then value, then encoded, joined by ``&``.

    Sorting happens on the decoded text, before encoding, as the Huawei SDK signer does; the
    order differs from sorting encoded text for non-ASCII and some reserved characters.
    """
    ordered = sorted((_text(k), _text(v)) for k, v in pairs)
    return "&".join("%s=%s" % (percent_encode(k), percent_encode(v)) for k, v in ordered)


# --- Huawei Cloud / OTC -------------------------------------------------------------------


def huawei_date(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def huawei_canonical_uri(path):
    """Decode the path, re-encode each segment and always end with ``/``."""
    uri = "/".join(percent_encode(segment) for segment in unquote(path or "/").split("/"))
    return uri if uri.endswith("/") else uri + "/"


def huawei_signed_header_names(headers):
    """All header names lower-cased and sorted; names containing ``_`` are never signed."""
    return sorted(set(name.lower() for name in headers if "_" not in name))


def huawei_canonical_request(method, path, query_pairs, headers, body, signed_headers=None):
    """Return ``(canonical_request, signed_header_names)``.

    ``signed_headers`` lets a verifier rebuild the request from the client's ``SignedHeaders`` list.
    """
    lowered = dict((name.lower(), _text(value).strip()) for name, value in headers.items())
    names = list(signed_headers) if signed_headers is not None else huawei_signed_header_names(headers)
    content_sha = lowered.get("x-sdk-content-sha256")
    if not body:
        payload_hash = EMPTY_SHA256  # the SDK ignores X-Sdk-Content-Sha256 when there is no body
    else:
        payload_hash = content_sha or sha256_hex(body)
    canonical_headers = "".join("%s:%s\n" % (name, lowered.get(name, "")) for name in names)
    lines = [
        method.upper(),
        huawei_canonical_uri(path),
        encode_query(query_pairs),
        canonical_headers,
        ";".join(names),
        payload_hash,
    ]
    return "\n".join(lines), names


def huawei_string_to_sign(canonical_request, date):
    return "%s\n%s\n%s" % (HUAWEI_ALGORITHM, date, sha256_hex(canonical_request))


def huawei_signature(secret_key, string_to_sign):
    return hmac.new(_bytes(secret_key), _bytes(string_to_sign), hashlib.sha256).hexdigest()


def huawei_authorization(access_key, signed_headers, signature):
    return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
        HUAWEI_ALGORITHM, access_key, ";".join(signed_headers), signature)


def huawei_sign(method, url, headers, body, access_key, secret_key, date=None, security_token=None):
    """Sign a request the way the official SDK does and return the complete header dict.

    Adds ``Host`` (with a non-default port), ``X-Sdk-Date``, ``X-Security-Token`` (temporary
    credentials) and ``Authorization``; every header given is signed.
    """
    host, path, query_pairs = split_url(url)
    signed = dict(headers)
    names_lower = set(name.lower() for name in signed)
    if "x-sdk-date" not in names_lower:
        signed["X-Sdk-Date"] = date or huawei_date()
    date_value = [v for k, v in signed.items() if k.lower() == "x-sdk-date"][0]
    if "host" not in names_lower:
        signed["Host"] = host
    if security_token and "x-security-token" not in names_lower:
        signed["X-Security-Token"] = security_token
    content_type = [v for k, v in signed.items() if k.lower() == "content-type"]
    if content_type and not content_type[0].startswith(("application/json", "application/bson")):
        signed["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
    canonical, names = huawei_canonical_request(method, path, query_pairs, signed, body)
    signature = huawei_signature(secret_key, huawei_string_to_sign(canonical, date_value))
    signed["Authorization"] = huawei_authorization(access_key, names, signature)
    return signed


# --- Alibaba Cloud V3 (ACS3-HMAC-SHA256) ---------------------------------------------------


def aliyun_date(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def aliyun_nonce():
    return uuid.uuid4().hex


def aliyun_v3_canonical_query(pairs):
    encoded = sorted((_text(k), percent_encode(v)) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in encoded)


def aliyun_v3_canonical_request(method, path, query_pairs, headers, payload_hash, signed_headers=None):
    lowered = dict((name.lower(), _text(value).strip()) for name, value in headers.items())
    if signed_headers is None:
        names = sorted(name for name in lowered if name != "authorization")
    else:
        names = list(signed_headers)
    lines = [
        method.upper(),
        path or "/",
        aliyun_v3_canonical_query(query_pairs),
        "".join("%s:%s\n" % (name, lowered.get(name, "")) for name in names),
        ";".join(names),
        payload_hash,
    ]
    return "\n".join(lines), names


def aliyun_v3_string_to_sign(canonical_request):
    return "%s\n%s" % (ALIYUN_V3_ALGORITHM, sha256_hex(canonical_request))


def aliyun_v3_signature(secret, string_to_sign):
    return hmac.new(_bytes(secret), _bytes(string_to_sign), hashlib.sha256).hexdigest()


def aliyun_v3_authorization(access_key, signed_headers, signature):
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (
        ALIYUN_V3_ALGORITHM, access_key, ";".join(signed_headers), signature)


def aliyun_v3_sign(method, host, path, query_pairs, headers, body, access_key, secret,
                   action, version, date=None, nonce=None, security_token=None):
    """Return the complete header dict for an Alibaba V3-signed request.

    RPC parameters travel in ``query_pairs`` or, for secrets, in a form-encoded ``body`` whose
    hash is signed through ``x-acs-content-sha256``.
    """
    signed = dict((name.lower(), value) for name, value in headers.items())
    signed.update({
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or aliyun_date(),
        "x-acs-signature-nonce": nonce or aliyun_nonce(),
        "x-acs-content-sha256": sha256_hex(body),
    })
    if security_token:
        signed["x-acs-security-token"] = security_token
        signed["x-acs-accesskey-id"] = access_key
    canonical, names = aliyun_v3_canonical_request(
        method, path, query_pairs, signed, signed["x-acs-content-sha256"])
    signature = aliyun_v3_signature(secret, aliyun_v3_string_to_sign(canonical))
    signed["Authorization"] = aliyun_v3_authorization(access_key, names, signature)
    return signed
