# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: one narrow exception hierarchy for every cloud call, and its structured failure.

Every error the collection raises on purpose is a :class:`CollectionError`; each one knows its
structured failure (:meth:`CollectionError.failure_dict`) and :func:`failure_result` is the one
builder of the failure a module (or the rotation action) reports. :class:`TaskFailed` is raised
by service code when the task must fail with a given result (for example a preflight that names
every offending target, with per-target results).

Modules and the role branch on the class (auth, not found, throttled, busy, precondition,
policy, provider, transport). Each error carries the provider's code and message, the HTTP
status and the request id; never a request body, a header or a URL with a query.

``retry`` tells the retry layer what is safe:

* ``None``: never retry (auth, validation, not found, policy, wrong password, precondition);
* ``"safe"``: the request certainly did not apply (throttled, busy, connection refused), so it
  may be repeated even for a write;
* ``"unsafe"``: it may have applied (5xx, read timeout): reads are retried, a write is not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

REDACTED = "********"


def redact(text, secrets):
    """Replace every non-empty secret string in ``text`` by ``********`` (last line of defence).

    Longer secrets are replaced first so that a secret containing another is fully hidden.
    """
    if text is None:
        return None
    return _redact_text("%s" % (text,), _ordered(secrets))


def _ordered(secrets):
    """The non-empty secret strings, longest first."""
    return sorted(set(s for s in secrets or () if isinstance(s, str) and s), key=len, reverse=True)


def _redact_text(text, ordered):
    for secret in ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_data(data, secrets):
    """Apply :func:`redact` to every string inside dicts, lists and tuples (keys included).

    A result with thousands of targets is walked only when a secret may be in it: JSON escapes a
    string character by character, so a secret inside any string of ``data`` is also inside its
    JSON text (the converse may not hold; then the walk decides).
    """
    ordered = _ordered(secrets)
    if not ordered:
        return data
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):  # not JSON data (bytes, sets, objects): walk it
        text = None
    if text is not None and not any(json.dumps(secret)[1:-1] in text for secret in ordered):
        return data

    def walk(item):
        if isinstance(item, dict):
            return dict((walk(k), walk(v)) for k, v in item.items())
        if isinstance(item, (list, tuple)):
            return type(item)(walk(v) for v in item)
        if isinstance(item, str):
            return _redact_text(item, ordered)
        return item
    return walk(data)


class CollectionError(Exception):
    """Base class of every error the collection raises on purpose (never a bug).

    ``code`` and ``kind`` name it in the structured failure; the message never holds a secret.
    """

    code = "Error"
    kind = "error"

    def failure_dict(self, msg=None):
        """``{"msg", "error": {"code", "message", "kind"}, "http_status", "request_id"}``; ``msg`` prefixes."""
        text = "%s" % (self,)
        return {"msg": "%s: %s" % (msg, text) if msg else text,
                "error": {"code": self.code, "message": text, "kind": self.kind},
                "http_status": None, "request_id": None}


def failure_result(err, msg=None, **extra):
    """The structured failure of ``err`` (a :class:`CollectionError`), ``extra`` keys added.

    The one failure builder: ``_module.fail`` (modules) and the rotation action report what this
    returns. ``msg`` prefixes the error's message. Any other exception is a bug: ``TypeError``.
    """
    if not isinstance(err, CollectionError):
        raise TypeError("failure_result() takes a CollectionError, not %s" % type(err).__name__)
    result = err.failure_dict(msg)
    result.update(extra)
    return result


class TaskFailed(CollectionError):
    """The task must fail with ``result``: msg, error{code, message, kind}, http_status, request_id, and
    whatever else the caller reports (per-target ``results``, ``changed``, ``may_have_applied``...).

    ``cause`` is the :class:`CloudError` (or other collection error) behind it, if any. Raised by
    service code instead of failing a module; the module (or the action) reports :attr:`result`.
    """

    def __init__(self, msg, result=None, cause=None):
        self.msg = msg
        self.result = dict(result or {})
        self.result["msg"] = msg
        self.result.setdefault("error", {"code": "Failed", "message": msg, "kind": "provider"})
        self.result.setdefault("http_status", None)
        self.result.setdefault("request_id", None)
        self.cause = cause
        super(TaskFailed, self).__init__(msg)

    @classmethod
    def wrap(cls, err, context=None, **extra):
        """``err``'s failure with ``context`` prefixed (``"Cannot read X: CODE: message"``), ``extra`` added."""
        result = err.failure_dict(context)
        result.update(extra)
        return cls(result["msg"], result, cause=err)

    @classmethod
    def explain(cls, err, msg, **extra):
        """``err``'s failure with ``msg`` as the whole message; ``extra`` added.

        A ``request_id`` or ``http_status`` of None in ``extra`` does not hide the error's own.
        """
        result = err.failure_dict()
        for key in ("request_id", "http_status"):
            if extra.get(key) is None:
                extra.pop(key, None)
        result.update(extra)
        return cls(msg, result, cause=err)

    @property
    def code(self):
        return self.result["error"].get("code")

    @property
    def kind(self):
        return self.result["error"].get("kind")

    @property
    def may_have_applied(self):
        return bool(self.result.get("may_have_applied"))

    def failure_dict(self, msg=None):
        result = dict(self.result)
        if msg:
            result["msg"] = "%s: %s" % (msg, self.msg)
        return result


class CloudError(CollectionError):
    """Base class: a failed cloud call, described without any secret."""

    kind = "provider"  # short name for results and the role: auth, not_found, throttled, ...
    retry = None
    may_have_applied = False

    def __init__(self, code, message, http_status=None, request_id=None, target=None):
        self.code = "%s" % (code,) if code is not None else "Unknown"
        self.message = message or ""
        self.http_status = http_status
        self.request_id = request_id
        self.target = target
        super(CloudError, self).__init__(self.__str__())

    def __str__(self):
        text = "%s: %s" % (self.code, self.message) if self.message else self.code
        if self.http_status:
            text += " (HTTP %s)" % (self.http_status,)
        if self.request_id:
            text += " [request id %s]" % (self.request_id,)
        return text

    def failure_dict(self, msg=None):
        """Structured failure in the shape of amazon.aws ``fail_json_aws``.

        ``{"msg", "error": {"code", "message"}, "http_status", "request_id"}`` plus ``target`` and
        ``may_have_applied`` when set. ``msg`` prefixes the error message when given.
        """
        what = "%s: %s" % (self.code, self.message) if self.message else self.code
        text = "%s: %s" % (msg, what) if msg else what
        if self.target and self.target not in text:
            text = "%s (target %s)" % (text, self.target)
        result = {
            "msg": text,
            "error": {"code": self.code, "message": self.message, "kind": self.kind},
            "http_status": self.http_status,
            "request_id": self.request_id,
        }
        if self.target:
            result["target"] = self.target
        if self.may_have_applied:
            result["may_have_applied"] = True
        return result


class AuthError(CloudError):
    """Credentials rejected, expired or not allowed (never retried; a token may be refreshed once)."""

    kind = "auth"

    def __init__(self, code, message, token_expired=False, **kwargs):
        self.token_expired = token_expired
        super(AuthError, self).__init__(code, message, **kwargs)


class NotFoundError(CloudError):
    """The resource (job, instance, user, API) does not exist."""

    kind = "not_found"


class ThrottledError(CloudError):
    """Rate limited; ``retry_after`` is the server's hint in seconds, if it gave one."""

    kind = "throttled"
    retry = "safe"

    def __init__(self, code, message, retry_after=None, **kwargs):
        self.retry_after = retry_after
        super(ThrottledError, self).__init__(code, message, **kwargs)


class BusyError(CloudError):
    """Another operation is running on the resource; the request was refused, try again later."""

    kind = "busy"
    retry = "safe"

    def __init__(self, code, message, retry_after=None, **kwargs):
        self.retry_after = retry_after
        super(BusyError, self).__init__(code, message, **kwargs)


class PreconditionError(CloudError):
    """The resource's state forbids the change (e.g. DRS.M00304, DCS.4049)."""

    kind = "precondition"


class PolicyError(CloudError):
    """The password breaks the target's password policy; ``rule`` names the rule when known."""

    kind = "policy"

    def __init__(self, code, message, rule=None, **kwargs):
        self.rule = rule
        super(PolicyError, self).__init__(code, message, **kwargs)


class ProviderError(CloudError):
    """Any other provider error. ``server_error`` marks 5xx-class failures (may have applied)."""

    kind = "provider"

    def __init__(self, code, message, server_error=False, retry_safe=False, **kwargs):
        self.server_error = server_error
        if server_error:
            self.retry = "unsafe"
        elif retry_safe:
            self.retry = "safe"
        super(ProviderError, self).__init__(code, message, **kwargs)


class WaitTimeoutError(ProviderError):
    """An asynchronous job did not finish before the deadline (it may still complete)."""

    kind = "timeout"
    may_have_applied = True


class ConfigError(CloudError):
    """The module's options cannot work (no credentials, no region); nothing was sent."""

    kind = "config"


class TransportError(CloudError):
    """No HTTP response: connect failure, DNS, TLS or timeout.

    ``may_have_applied`` is False when the request never left (refused, DNS, connect timeout,
    TLS handshake) and True when it may have reached the server (read timeout, dropped
    connection). ``retryable=False`` marks errors that repeating cannot fix (invalid URL).
    """

    kind = "transport"

    def __init__(self, code, message, may_have_applied=False, retryable=True, **kwargs):
        self.may_have_applied = may_have_applied
        if retryable:
            self.retry = "unsafe" if may_have_applied else "safe"
        super(TransportError, self).__init__(code, message, **kwargs)


def read_existing(target, read, *args):
    """``read(*args)`` (an adapter's show call); a failure raises :class:`TaskFailed` naming ``target``.

    A missing resource: ``"<target> does not exist (<code>); nothing was changed"``; any other
    :class:`CloudError`: ``"Cannot read <target>: <code>: <message>"``.
    """
    try:
        return read(*args)
    except NotFoundError as err:
        raise TaskFailed.explain(err, "%s does not exist (%s); nothing was changed" % (target, err.code))
    except CloudError as err:
        raise TaskFailed.wrap(err, "Cannot read %s" % target)
