"""What only the emulator needs to verify signed requests: ``Authorization`` parsers, legacy RPC.

The shipped signer (``plugins/module_utils/_signing.py``, loaded as ``emulator.signing.signing``)
keeps only what the clients sign with. The emulator's gateways rebuild canonical requests with
those same functions and use these to read the client's ``Authorization`` header; the legacy
Alibaba RPC ``HMAC-SHA1`` signature (sent by the old Python SDK, never by the collection) is
computed here. All of it is pinned by the reference's known-answer vectors in
``tests/unit/plugins/module_utils/test_signing.py``.
"""

import base64
import hashlib
import hmac
import re

from emulator.signing import signing

_HUAWEI_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<sh>[^,\s]+),\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)
_ALIYUN_V3_AUTH_RE = re.compile(
    r"^ACS3-HMAC-SHA256\s+Credential=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<sh>[^,\s]+),\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


def _parse(pattern, value):
    match = pattern.match(value or "")
    if not match:
        return None
    return match.group("ak"), match.group("sh").split(";"), match.group("sig").lower()


def parse_huawei_authorization(value):
    """``(access_key, signed_header_names, signature)`` of an ``SDK-HMAC-SHA256`` header, or None if malformed."""
    return _parse(_HUAWEI_AUTH_RE, value)


def huawei_signed_headers_only(headers, names):
    """The request headers that ``SignedHeaders`` lists (lower-cased names), and no others.

    A verifier rebuilds the canonical request from this view only, so that a header added after
    signing cannot take part in verification. This matters for ``X-Sdk-Content-Sha256``: the
    shared canonical-request builder uses its value as the payload hash, so an unsigned one
    would let a body swapped after signing pass (the SDK adds and signs it, as
    ``UNSIGNED-PAYLOAD``, only for non-JSON bodies: reference §7.2 step 3).
    """
    wanted = set(names)
    return dict((name, value) for name, value in headers.items() if name in wanted)


def huawei_content_sha_mismatch(headers, body):
    """True when a *signed* ``x-sdk-content-sha256`` holds a hash that is not the body's SHA-256.

    ``UNSIGNED-PAYLOAD`` (the SDK's convention) and an empty body (the SDK then ignores the header)
    never mismatch. ``headers``: the signed headers only (:func:`huawei_signed_headers_only`).
    """
    value = (headers.get("x-sdk-content-sha256") or "").strip()
    if not value or not body or value == "UNSIGNED-PAYLOAD":
        return False
    return value.lower() != hashlib.sha256(body).hexdigest()


def parse_aliyun_v3_authorization(value):
    """``(access_key, signed_header_names, signature)`` of an ``ACS3-HMAC-SHA256`` header, or None if malformed."""
    return _parse(_ALIYUN_V3_AUTH_RE, value)


# --- Alibaba Cloud RPC V1 (HMAC-SHA1), the legacy SDK's signature -------------------------------


def aliyun_rpc_string_to_sign(method, params):
    """``params``: pairs or a dict of every query and form parameter except ``Signature``."""
    items = params.items() if isinstance(params, dict) else params
    encode = signing.percent_encode
    canonical = "&".join("%s=%s" % kv for kv in sorted((encode(k), encode(v)) for k, v in items if k != "Signature"))
    return "%s&%s&%s" % (method.upper(), encode("/"), encode(canonical))


def aliyun_rpc_signature(secret, method, params):
    """Base64 HMAC-SHA1 with key ``secret + "&"`` over :func:`aliyun_rpc_string_to_sign`."""
    key = ("%s&" % (secret,)).encode("utf-8")
    digest = hmac.new(key, aliyun_rpc_string_to_sign(method, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
