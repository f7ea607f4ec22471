"""Alibaba Cloud POP (OpenAPI) gateway: signature verification, nonces, STS, error shape; a test client.

:class:`AlibabaGateway` authenticates every request to the Alibaba routes (DTS, see
``emulator/alibaba.py``). It verifies for real with the collection's own signing functions
(``plugins/module_utils/_signing.py``) and the parsers and legacy RPC signature of
``emulator/verify.py``:

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
``ServiceUnavailable``/``InternalError``     error fault (503 -> ServiceUnavailable, other
                                             statuses -> InternalError, or the fault's code)
=====================================  ====  ==========================================

**What follows the colon of ``SignatureDoesNotMatch``.** The real gateway answers "Specified
signature is not matched with our calculation. server string to sign is:<its string to sign>",
and aliyun-python-sdk-core depends on that shape: ``AcsClient._get_server_exception`` takes
``Message.split(':')[1]`` and, when it equals the client's own string to sign, reports
``InvalidAccessKeySecret`` (same string, so the secret must be wrong); a message without a colon
makes it raise ``IndexError`` instead of a ``ServerException``. The emulator keeps the shape but
never echoes the real string to sign: for RPC it contains every parameter value percent-encoded,
the new ``Password`` among them, and the SDK logs the whole message at ERROR level; for V3 it
is ``ACS3-HMAC-SHA256\\n`` plus the SHA-256 of a canonical request that contains the password
(query or hashed form body), and a hash of a low-entropy secret can be confirmed offline. So
after the colon comes the string to sign of the same request **with every value replaced by**
``*``: every query and form value (RPC), or every query value, every signed header value and the
payload hash (V3, then hashed as the real canonical request is). Parameter names, their order, the
method, the path and the signed-header list stay: a client can mask its own string to sign the
same way (:func:`masked_rpc_string_to_sign`, :func:`masked_v3_string_to_sign`) and compare, which
tells a canonicalisation mistake (the masked strings differ) from a wrong secret or a changed
value (they are equal). The masked string equals a real one only if every value sent was ``*``,
so the SDK reports ``SignatureDoesNotMatch``, not ``InvalidAccessKeySecret``; and it cannot
contain a colon (RPC: everything is percent-encoded; V3: a fixed prefix and hex), so
``split(':')[1]`` is the whole of it.

**Any character, anywhere.** Secrets and signatures are compared with
``hmac.compare_digest`` on their UTF-8 bytes (on non-ASCII ``str`` it raises ``TypeError``); a
form body or a percent-encoded query value that is not UTF-8 is decoded with replacement
characters (it then cannot verify). V3 hashes a signed header's value as the bytes received
(:func:`wire_text`): UTF-8 text verifies; a client that signs the UTF-8 of a value but sends other
bytes (Python's ``http.client`` sends a non-ASCII ``str`` as ISO-8859-1) gets
``SignatureDoesNotMatch``, as from a gateway that hashes what it received. So, with every other
part right: a non-ASCII AccessKeyId is ``InvalidAccessKeyId.NotFound`` (404), a non-ASCII token
``InvalidSecurityToken.MismatchWithAccessKey``, a non-ASCII RPC signature
``SignatureDoesNotMatch``, a non-ASCII V3 signature ``IncompleteSignature`` (it must be hex), a
non-ASCII date ``InvalidTimeStamp.Format`` (all 400 unless noted); a correctly signed request with
non-ASCII values verifies and the action decides (DTS refuses a non-ASCII ``Password``).

:class:`PopClient` is a small signed client (V3 or RPC) for tests, standard library only.
"""

import collections
import datetime
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

from emulator.core import Gateway, Response
from emulator.signing import signing
from emulator import verify

API_VERSION = "2020-01-01"
MAX_CLOCK_SKEW = 900
NONCE_TTL = 900
DEFAULT_HOST_ID = "dts.aliyuncs.com"
MASK = "*"
SIGNATURE_MISMATCH = "Specified signature is not matched with our calculation."

# RPC v1 common parameters: never passed on to the actions.
COMMON_PARAMS = frozenset(("Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureMethod",
                           "SignatureVersion", "SignatureNonce", "SignatureType", "Timestamp", "SecurityToken",
                           "BearerToken"))


def request_id():
    return str(uuid.uuid4()).upper()


def same(left, right):
    """Constant-time equality of two values of any characters (compared as UTF-8 bytes)."""
    return hmac.compare_digest(_utf8(left), _utf8(right))


def _utf8(value):
    if isinstance(value, bytes):
        return value
    return ("%s" % (value,)).encode("utf-8", "surrogatepass")


def parse_time(value):
    """Epoch seconds of ``YYYY-MM-DDThh:mm:ssZ`` (fractions allowed; ASCII digits only), or None."""
    if not isinstance(value, str) or not value.isascii():
        return None  # strptime's %Y would take other scripts' digits
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            parsed = datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def parse_epoch(value):
    """Fixture times: epoch seconds or an ISO ``...Z`` string; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    parsed = parse_time(str(value))
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


def missing(req, name):
    return pop_error(req, 400, "MissingParameter",
                     'The input parameter "%s" that is mandatory for processing this request is not supplied.' % name)


def signature_mismatch(req, masked, reason=None):
    """``SignatureDoesNotMatch`` with the masked string to sign after the colon (see the module doc)."""
    head = SIGNATURE_MISMATCH if reason is None else "%s (%s)." % (SIGNATURE_MISMATCH[:-1], reason)
    return pop_error(req, 400, "SignatureDoesNotMatch", "%s server string to sign is:%s" % (head, masked))


def masked_rpc_string_to_sign(method, params):
    """The RPC v1 string to sign of ``params`` (pairs) with every value replaced by ``*``."""
    return verify.aliyun_rpc_string_to_sign(method, [(name, MASK) for name, dummy in params if name != "Signature"])


def masked_v3_string_to_sign(method, path, query, signed_headers):
    """The V3 string to sign with every query value, signed header value and the payload hash ``*``."""
    headers = dict((name, MASK) for name in signed_headers)
    canonical, dummy = signing.aliyun_v3_canonical_request(
        method, path, [(name, MASK) for name, dummy in query], headers, MASK, signed_headers)
    return signing.aliyun_v3_string_to_sign(canonical)


def wire_text(value):
    """A header value as text whose UTF-8 encoding (``surrogateescape``) is the bytes received.

    HTTP servers read header bytes as ISO-8859-1; the gateway hashes the bytes themselves, so
    UTF-8 text comes back as itself and any other byte as an escaped surrogate.
    """
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        return value
    return raw.decode("utf-8", "surrogateescape")


def v3_string_to_sign(canonical):
    """``ACS3-HMAC-SHA256\\n`` + hex SHA-256 of the canonical request's bytes (escaped bytes included)."""
    return "%s\n%s" % (signing.ALIYUN_V3_ALGORITHM,
                       hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest())


def form_params(req):
    """The pairs of an ``application/x-www-form-urlencoded`` body; bytes that are not UTF-8 become U+FFFD."""
    ctype = (req.headers.get("content-type") or "").lower()
    if not req.body or not ctype.startswith("application/x-www-form-urlencoded"):
        return []
    return parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)


def all_params(req):
    """Query and form parameters as pairs (query first)."""
    return list(req.query) + form_params(req)


def action_of(req):
    """The action a request names: header ``x-acs-action`` (V3) or the signed ``Action`` parameter (RPC)."""
    if req.headers.get("authorization"):
        return req.headers.get("x-acs-action") or None
    params = dict(all_params(req))
    return params.get("Action") or req.headers.get("x-acs-action") or None


class AlibabaGateway(Gateway):
    """POP gateway: V3 ``ACS3-HMAC-SHA256`` and RPC v1 ``HMAC-SHA1`` verification, nonces, STS.

    ``service`` provides ``emu`` and ``access_keys`` (id -> fixture key).
    """

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
            return self._v3(req, wire_text(authorization))
        params = dict(all_params(req))
        if "Signature" in params or "AccessKeyId" in params:
            return self._rpc(req, params)
        return missing(req, "AccessKeyId")

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
        signed_at = parse_time(value)
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
        if not same(token, expected):
            return pop_error(req, 400, "InvalidSecurityToken.MismatchWithAccessKey",
                             "Specified SecurityToken mismatch with the AccessKey.")
        expires = key.get("expires")
        if expires is not None and parse_epoch(expires) <= self.emu.now():
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
        headers = dict((name, wire_text(value)) for name, value in req.headers.lower_dict().items())
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
        masked = masked_v3_string_to_sign(req.method, req.path, req.query, names)
        payload_hash = headers["x-acs-content-sha256"].lower()
        if not same(payload_hash, signing.sha256_hex(req.body)):
            return signature_mismatch(req, masked, "x-acs-content-sha256 is not the SHA-256 of the request body")
        canonical, dummy = signing.aliyun_v3_canonical_request(req.method, req.path, req.query, headers,
                                                               payload_hash, names)
        expected = signing.aliyun_v3_signature(key["secret"], v3_string_to_sign(canonical))
        if not same(expected, signature):
            return signature_mismatch(req, masked)
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
                return missing(req, name)
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
        if not same(expected, params["Signature"]):
            return signature_mismatch(req, masked_rpc_string_to_sign(req.method, signed))
        denied = self._check_token(req, key, params.get("SecurityToken"))
        if denied:
            return denied
        denied = self._use_nonce(req, params["AccessKeyId"], params["SignatureNonce"])
        if denied:
            return denied
        req.identity = {"access_key": params["AccessKeyId"], "temporary": "security_token" in key}
        return None


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
