# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: one event per credential outcome: built from the engine's result, appended as a JSON line
to a file, POSTed (signed) to a webhook. Never a password.

:func:`event_for` maps the ``rotate`` action's result to an event (schema below);
:func:`write_event` appends it to ``events_file``; :func:`post_event` delivers it to
``webhook_url``; :func:`publish` does both for the action and turns every problem into a warning,
because the rotation is over by then: an event that cannot be delivered never fails it.

The event (``version`` 1, ``type`` ``credrotate.rotation``)::

    {"version": 1, "type": "credrotate.rotation", "id": "<uuid4, the same on every delivery attempt>",
     "outcome": "completed | rolled_back | failed | suspended | skipped_not_due | skipped | nothing_to_do
                 | planned",
     "credential": "orders", "host": "<inventory host>", "controller": "<controller host name>",
     "rotation_id": "...", "mode": "new | resume | propagate | done | conflict | null",
     "operation": "rotate | propagate",
     "run": <the run of that rotation, 1 for its first>,
     "changed": bool, "check_mode": bool, "message": "<one line a person reads>",
     "started": "<ISO 8601 UTC, milliseconds>", "finished": "...", "seconds": 12.345,
     "steps": [{"step", "outcome", "seconds"}],
     "targets": [{"target", "kind", "action", "outcome", "request_id", "error_code"}],
     "request_ids": [...],
     "error": null | {"step", "message", "rollback"},
     "skipped": null | "not_due" | "window" | "suspended" | ...,
     "suspended": null | {...}, "collection": "credrotate.cloud/<version>"}

Outcomes: ``planned`` in check mode (never written nor posted); else a ``skipped`` reason in the
result gives ``skipped_not_due`` (``not_due``), ``suspended`` (``suspended``) or ``skipped`` (any
other, e.g. ``window``); a failed run is ``rolled_back`` when its rollback was verified, else
``failed`` (the targets may need a reconcile: ``error.rollback`` says why); a successful run of a
rotation that had already completed is ``nothing_to_do``, any other successful run ``completed``.
A run whose failure suspends the credential keeps the outcome of what it did (``rolled_back`` or
``failed``) and carries the ``suspended`` object; later runs skip it and send ``suspended``.
``targets`` and ``request_ids`` describe the rotation that this run worked on (all of its runs);
an event that did nothing (skipped, nothing to do) has none, a plan has the targets it would change.

Webhook deliveries are signed like GitHub's and Stripe's webhooks. Headers::

    Content-Type: application/json
    User-Agent: credrotate.cloud/<version> (...)
    X-Credrotate-Event: <outcome>
    X-Credrotate-Event-Id: <event id>
    X-Credrotate-Timestamp: <unix seconds when this attempt was signed>
    X-Credrotate-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>" keyed with the secret>

A receiver recomputes the HMAC over the timestamp header, a ``.`` and the raw request body (bytes,
before any JSON parsing), compares it in constant time (``hmac.compare_digest``), rejects a timestamp
more than five minutes from its clock (a replayed request) and drops an event id it has seen (a
retried delivery). :func:`verify_signature` does exactly that. The secret comes from
``webhook_secret`` (a vaulted variable) or ``CREDROTATE_WEBHOOK_SECRET``; without one nothing is
sent: unsigned events are never posted.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import re
import socket
import time
import uuid

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CloudError, CollectionError, ProviderError
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import redact_data
from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Transport
from ansible_collections.credrotate.cloud.plugins.module_utils._version import COLLECTION_NAME, COLLECTION_VERSION
from ansible_collections.credrotate.cloud.plugins.plugin_utils._report import SUMMARY_ACTIONS

VERSION = 1
TYPE = "credrotate.rotation"
OUTCOMES = ("completed", "rolled_back", "failed", "suspended", "skipped_not_due", "skipped", "nothing_to_do",
            "planned")
SKIPPED = {"not_due": "skipped_not_due", "suspended": "suspended"}  # any other reason: "skipped"
TARGET_FIELDS = ("target", "kind", "action", "outcome", "request_id", "error_code")
SECRET_ENV = "CREDROTATE_WEBHOOK_SECRET"
DEFAULT_TIMEOUT = 10
ATTEMPTS = 3  # the first delivery and at most two retries
TOLERANCE = 300  # seconds a receiver accepts between the signed timestamp and its clock
SECRET_WORDS = re.compile(r"pass(word|wd)?|secret|token|credential|private", re.I)
# host: a DNS name or IPv4 address (dot-separated labels), or an IPv6 address in brackets; an optional port
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
NETLOC = re.compile(r"^(?P<host>\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|%s(?:\.%s)*\.?)(?::(?P<port>[0-9]{1,5}))?\Z"
                    % (LABEL, LABEL))
PRINTABLE = re.compile(r"^[\x21-\x7e]+\Z")  # printable ASCII, no space


class EventError(CollectionError):
    """The event cannot be written or posted; the message names the file or scheme://host, never a secret."""

    code = "EventError"
    kind = "event"


# -- the event -------------------------------------------------------------------------------


def _moment(value):
    """A datetime (aware, UTC) from a datetime or unix seconds."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime.fromtimestamp(float(value), datetime.timezone.utc)


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
        moment.microsecond // 1000)


def _rolled_back(result):
    record = result.get("record") or {}
    if record.get("status") == "rolled_back" and record.get("rotation_id") == result.get("rotation_id"):
        return True
    return any(s.get("step") == "rollback" and s.get("outcome") == "rolled back" for s in result.get("steps") or ())


def outcome_of(result, check_mode=False):
    """The event outcome of the ``rotate`` action's ``result`` (see the module docstring)."""
    if check_mode:
        return "planned"
    if result.get("skipped"):
        return SKIPPED.get(result["skipped"], "skipped")
    if result.get("failed"):
        return "rolled_back" if _rolled_back(result) else "failed"
    if result.get("mode") == "done":
        return "nothing_to_do"
    return "completed"


def _plain(value, depth=0):
    """``value`` as JSON data with no key that names a secret (for objects whose shape is not ours)."""
    if depth > 4:
        return None
    if isinstance(value, dict):
        return dict(("%s" % k, _plain(v, depth + 1)) for k, v in value.items() if not SECRET_WORDS.search("%s" % k))
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return "%s" % (value,)


def _text(value):
    return None if value is None or value == "" else "%s" % (value,)


def _target(entry, action, done):
    out = {"target": _text(entry.get("target")), "kind": _text(entry.get("kind")), "action": action}
    for name in ("outcome", "request_id", "error_code"):
        out[name] = _text(done.get(name))
    return out


def record_targets(record):
    """One entry per target and action of ``record`` (the owner first, actions in step order)."""
    targets = (record or {}).get("targets") or {}
    out = []
    for key in (["owner"] if "owner" in targets else []) + sorted(k for k in targets if k != "owner"):
        entry = targets[key] or {}
        actions = entry.get("actions") or {}
        ordered = [a for a in SUMMARY_ACTIONS if a in actions] + sorted(a for a in actions if a not in SUMMARY_ACTIONS)
        for action in ordered:
            out.append(_target(dict(entry, target=entry.get("target") or key), action, actions[action] or {}))
    return out


def plan_targets(plan):
    """The targets of a check-mode plan (``Engine.plan``): what a real run would change."""
    return [dict((name, _text(item.get(name))) for name in TARGET_FIELDS) for item in plan or ()]


def event_for(settings, outcome, host, started, finished, secrets=(), plan=None):
    """The event of one run of the ``rotate`` action.

    ``settings``: the action's validated options (``credential``, ``check_mode``); ``outcome``: the
    engine's result (:meth:`Engine.run`); ``host``: the inventory host; ``started``/``finished``: unix
    seconds or datetimes; ``secrets``: strings that must not appear (every one is replaced by
    ``********``); ``plan``: the engine's plan (check mode).
    """
    check = bool(settings.get("check_mode"))
    kind = outcome_of(outcome, check)
    record = outcome.get("record") or {}
    ours = bool(record) and record.get("rotation_id") == outcome.get("rotation_id")
    did_work = kind in ("completed", "rolled_back", "failed")
    if check:
        targets, request_ids = plan_targets(plan), []
    elif did_work and ours and outcome.get("mode") not in (None, "done", "conflict"):
        targets, request_ids = record_targets(record), list(record.get("request_ids") or ())
    else:
        targets, request_ids = [], []
    error = None
    if outcome.get("failed"):
        recorded = (record.get("error") or {}) if ours else {}
        failing = [s.get("step") for s in outcome.get("steps") or () if s.get("outcome") == "failed"]
        error = {"step": _text(recorded.get("step")) or (failing[0] if failing else None),
                 "message": _text(outcome.get("msg")) or _text(recorded.get("msg")),
                 "rollback": _text(recorded.get("rollback"))}
    summary = outcome.get("plan") if check else outcome.get("summary")
    begun, ended = _moment(started), _moment(finished)
    event = {
        "version": VERSION,
        "type": TYPE,
        "id": "%s" % uuid.uuid4(),
        "outcome": kind,
        "credential": _text((settings.get("credential") or {}).get("name")),
        "host": _text(host),
        "controller": socket.gethostname(),
        "rotation_id": _text(outcome.get("rotation_id")),
        "mode": _text(outcome.get("mode")),
        "operation": _text(settings.get("mode")) or "rotate",
        "run": record.get("runs") if ours else None,
        "changed": bool(outcome.get("changed")),
        "check_mode": check,
        "message": _text(outcome.get("msg")) or (_text(summary[0]) if summary else None),
        "started": _iso(begun),
        "finished": _iso(ended),
        "seconds": round(max((ended - begun).total_seconds(), 0.0), 3),
        "steps": [{"step": _text(s.get("step")), "outcome": _text(s.get("outcome")), "seconds": s.get("seconds")}
                  for s in outcome.get("steps") or ()],
        "targets": targets,
        "request_ids": [_text(r) for r in request_ids if r],
        "error": error,
        "skipped": _text(outcome.get("skipped")),
        "suspended": _plain(outcome["suspended"]) if outcome.get("suspended") else None,
        "collection": "%s/%s" % (COLLECTION_NAME, COLLECTION_VERSION),
    }
    return redact_data(event, secrets)


def event_json(event):
    """The event as one line of JSON (sorted keys, ASCII: a line break inside a value is escaped)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


# -- the file --------------------------------------------------------------------------------


def write_event(path, event):
    """Append ``event`` as one JSON line to ``path`` (0600 when created; its directory 0700 when created).

    An exclusive ``flock`` on the file is held around the append, so that forks and concurrent
    playbook runs never interleave lines. Raises :class:`EventError`.
    """
    data = (event_json(event) + "\n").encode("ascii")
    directory = os.path.dirname(os.path.abspath(path))
    _files.ensure_dir(directory, EventError, "events directory")
    with _files.locked(path, EventError, "events file"):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _files.FILE_MODE)
        except OSError as exc:
            raise EventError("cannot open the events file %s: %s" % (path, exc.strerror))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError as exc:
            raise EventError("cannot write the events file %s: %s" % (path, exc.strerror))
        finally:
            os.close(fd)


# -- the webhook -----------------------------------------------------------------------------


def check_url(url, name="webhook_url"):
    """Raise :class:`EventError` unless ``url`` is an http(s) URL with a host and no credentials.

    Printable ASCII only (no space, control character or backslash: what parsers disagree on), the
    scheme ``http`` or ``https``, a host name or address (IPv6 in brackets) with an optional port from
    1 to 65535, no ``user:password@``. The message names the option (``name``) and never repeats the
    URL (it may hold a token).
    """
    what = name
    if not isinstance(url, str) or not url:
        raise EventError("%s must be a non-empty string" % what)
    if not PRINTABLE.match(url) or "\\" in url:
        raise EventError("%s must be printable ASCII without spaces, control characters or backslashes "
                         "(percent-encode other characters, use the punycode of a host name)" % what)
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise EventError("%s must start with https:// or http://" % what)
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc:
        raise EventError("%s must not hold credentials (user:password@host): the events are signed with "
                         "webhook_secret instead" % what)
    match = NETLOC.match(netloc)
    if match and match.group("ipv6"):
        try:
            ipaddress.IPv6Address(match.group("ipv6"))
        except ValueError:
            match = None
    if not match or len(match.group("host")) > 253:
        raise EventError("%s must name a host (a DNS name or an IP address, IPv6 in brackets) and an optional "
                         "port" % what)
    if match.group("port") and not 0 < int(match.group("port")) < 65536:
        raise EventError("%s has a port out of range (1 to 65535)" % what)


def origin(url):
    """``scheme://host[:port]`` of a URL :func:`check_url` accepted: what messages may name."""
    scheme, _sep, rest = url.partition("://")
    return "%s://%s" % (scheme.lower(), re.split(r"[/?#]", rest, maxsplit=1)[0])


def signature(secret, timestamp, body):
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed with ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    body = body.encode("utf-8") if isinstance(body, str) else body
    return "sha256=" + hmac.new(key, ("%s." % (timestamp,)).encode("ascii") + body, hashlib.sha256).hexdigest()


def verify_signature(secret, timestamp, body, signed, now=None, tolerance=TOLERANCE):
    """True when ``signed`` (the signature header) is ``body``'s signature at ``timestamp`` (the timestamp
    header) and the timestamp is within ``tolerance`` seconds of ``now``: what a receiver checks."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - moment) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, moment, body), "%s" % (signed,))


class Delivery:
    """The outcome of :func:`post_event`: ``status`` (the HTTP status of a 2xx answer, else None),
    ``attempts`` (requests sent) and ``warning`` (None when delivered)."""

    def __init__(self, status=None, attempts=0, warning=None):
        self.status, self.attempts, self.warning = status, attempts, warning

    def __repr__(self):
        return "Delivery(status=%r, attempts=%r, warning=%r)" % (self.status, self.attempts, self.warning)


TRANSPORT_WORDS = {
    "ConnectTimeout": "the connection timed out",
    "ReadTimeout": "no answer within the timeout",
    "TLSError": "the TLS handshake or certificate check failed",
    "ProxyError": "the proxy failed",
    "ConnectionFailed": "cannot connect",
    "ConnectionLost": "the connection was lost",
    "InvalidRequest": "the request is invalid",
}


def post_event(url, secret, event, timeout=DEFAULT_TIMEOUT, transport=None, sleep=time.sleep, clock=time.time):
    """POST ``event`` to ``url``, signed with ``secret``; a :class:`Delivery`, never an exception.

    A refused URL or a missing secret sends nothing. A connection failure or a 5xx answer is retried
    at most twice with a short backoff, each attempt signed afresh; any other answer is final (a
    redirect is not followed: it would carry the signed event elsewhere). Warnings name the URL's
    ``scheme://host[:port]`` only, never its path or query (they may hold a token).
    """
    name = event.get("credential") or "the credential"
    try:
        check_url(url)
    except EventError as err:
        return Delivery(warning="The event of %s was not posted: %s." % (name, err))
    where = origin(url)
    if not secret:
        return Delivery(warning="The event of %s was not posted to %s: webhook_secret (or the environment variable "
                                "%s) is required to sign it; unsigned events are not sent." % (name, where, SECRET_ENV))
    body = event_json(event).encode("ascii")
    own = transport is None
    transport = transport or Transport(timeout=timeout or DEFAULT_TIMEOUT)
    attempts = []

    def send():
        stamp = "%d" % int(clock())
        headers = {"Content-Type": "application/json", "User-Agent": transport.user_agent,
                   "X-Credrotate-Event": "%s" % event.get("outcome"), "X-Credrotate-Event-Id": "%s" % event.get("id"),
                   "X-Credrotate-Timestamp": stamp, "X-Credrotate-Signature": signature(secret, stamp, body)}
        attempts.append(stamp)
        reply = transport.request("POST", url, headers=headers, body=body, timeout=timeout or DEFAULT_TIMEOUT)
        if reply.status >= 500:
            raise ProviderError("HTTP%d" % reply.status, "", server_error=True, http_status=reply.status)
        return reply

    try:
        reply = Retry(attempts=ATTEMPTS, deadline=None, base=0.5, cap=2.0, sleep=sleep).call(send)
    except CloudError as err:
        if err.http_status:
            why = "HTTP %s" % err.http_status
        else:
            why = "%s (%s)" % (TRANSPORT_WORDS.get(err.code, "the request failed"), err.code)
        return Delivery(attempts=len(attempts), warning="The event of %s was not delivered to %s: %s after %d "
                                                        "attempt(s)." % (name, where, why, len(attempts)))
    finally:
        if own:
            transport.close()
    if 200 <= reply.status < 300:
        return Delivery(status=reply.status, attempts=len(attempts))
    extra = " (redirects are not followed)" if 300 <= reply.status < 400 else ""
    return Delivery(attempts=len(attempts), warning="The event of %s was not delivered to %s: HTTP %s%s."
                    % (name, where, reply.status, extra))


# -- both, for the action ----------------------------------------------------------------------


def webhook_secret(settings, environ=None):
    """``webhook_secret``, else the environment's ``CREDROTATE_WEBHOOK_SECRET``, else None."""
    environ = os.environ if environ is None else environ
    return settings.get("webhook_secret") or environ.get(SECRET_ENV) or None


def publish(settings, event, secret=None, transport=None, sleep=time.sleep):
    """Append ``event`` to ``events_file`` and post it to ``webhook_url`` (each when set); never in check mode.

    Returns ``(events, warnings)``: ``events`` is ``{"written": path or None, "posted": HTTP status or
    None}``; every problem is a warning (the rotation is over: its outcome stands).
    """
    events, warnings = {"written": None, "posted": None}, []
    if settings.get("check_mode"):
        return events, warnings
    path = settings.get("events_file")
    if path:
        try:
            write_event(path, event)
            events["written"] = path
        except EventError as err:
            warnings.append("The event of %s was not written: %s." % (event.get("credential"), err))
    url = settings.get("webhook_url")
    if url:
        delivery = post_event(url, secret, event, settings.get("webhook_timeout") or DEFAULT_TIMEOUT,
                              transport=transport, sleep=sleep)
        events["posted"] = delivery.status
        if delivery.warning:
            warnings.append(delivery.warning)
    return events, warnings
