# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every password module does around its API calls, shared by ``_dcs``, ``_drs`` and ``_gaussdb``.

The ``probe*`` options and :class:`Prober` (data-plane login checks), the opt-in ledger helpers,
the structured failure and the target-only diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import PreconditionError
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import Ledger, LedgerError
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import (
    DENIED,
    HAS_PYMYSQL,
    HAS_REDIS,
    OK,
    UNREACHABLE,
    mysql_login,
    redis_auth,
)

DEFAULT_PROBE_TIMEOUT = 5
# Probes of one address that may end unanswered before the address is taken as unreachable.
UNANSWERED_LIMIT = 2

PROBE_ARGUMENT_SPEC = dict(
    probe=dict(type="str", default="auto", choices=["auto", "always", "never"]),
    probe_host=dict(type="str"),
    probe_port=dict(type="int"),
    probe_timeout=dict(type="int", default=DEFAULT_PROBE_TIMEOUT),
)

# :mod:`_validate` rules of the probe options, merged into each probing module's rules.
PROBE_RULES = {"probe_host": "hostname", "probe_port": "port", "probe_timeout": "probe_timeout"}

_LIBRARIES = {"mysql": ("pymysql", HAS_PYMYSQL), "redis": ("redis", HAS_REDIS)}


def fail(module, err, msg, **extra):
    """Fail with the structured shape, ``msg`` being the whole one-sentence message."""
    result = err.failure_dict()
    result["msg"] = msg
    for key in ("request_id", "http_status"):
        if extra.get(key) is None:
            extra.pop(key, None)  # the error's own value wins over an empty one
    result.update(extra)
    module.fail_json(**module.redact(result))


def open_ledger(module):
    """The :class:`Ledger` of the ``ledger`` option, or None when it is not set."""
    path = module.params.get("ledger")
    return Ledger(path) if path else None


def ledger_matches(module, ledger, key, password):
    if ledger is None:
        return False
    try:
        return ledger.matches(key, password)
    except LedgerError as err:
        module.fail_from(err, msg="Cannot read the ledger")


def ledger_record(module, ledger, key, password, request_id=None):
    """Record ``key`` (not in check mode); a ledger failure after a successful change is a warning, not a failure."""
    if ledger is None or module.check_mode:
        return
    try:
        ledger.record(key, password, request_id=request_id)
    except LedgerError as err:
        module.warn("The password of %s was changed but the ledger could not record it: %s" % (key, err))


def ledger_forget(module, ledger, key):
    """Forget ``key`` after a write that may have applied: the target's password is unknown now, so neither a
    re-run nor a rollback may take the ledger's word for it (not in check mode; a failure is a warning)."""
    if ledger is None or module.check_mode:
        return
    try:
        ledger.forget(key)
    except LedgerError as err:
        module.warn("The ledger could not forget %s, whose password may have changed: %s" % (key, err))


def diff_for(targets):
    """Diff naming the targets whose password changes (never a password)."""
    return {"before": dict((t, "current") for t in targets),
            "after": dict((t, "rotated") for t in targets)}


class Prober(object):
    """Data-plane probes as the ``probe``, ``probe_host``, ``probe_port``, ``probe_timeout`` options say.

    ``kind`` is ``mysql`` or ``redis``; ``host``/``port`` are the address the provider reports.
    :meth:`login` returns ``ok``, ``denied``, ``unreachable`` or None (not probed: ``probe=never``,
    or ``auto`` without the client library). With ``probe=always`` an unreachable address makes
    :meth:`login` fail the module (before any write).
    """

    def __init__(self, module, kind, host, port, target):
        params = module.params
        self.module = module
        self.kind = kind
        self.target = target
        self.mode = params.get("probe") or "auto"
        self.host = params.get("probe_host") or host
        self.port = params.get("probe_port") or port
        self.timeout = params.get("probe_timeout") or DEFAULT_PROBE_TIMEOUT
        self.outcomes = {}
        self._answered = False  # the address has answered a login (ok or denied) at least once
        self._unanswered = 0
        library, present = _LIBRARIES[kind]
        if self.mode != "never" and not present:
            if self.mode == "always":
                module.require_lib(library)
            module.warn("probe=auto: the Python library %s is missing, so the %s login probe is skipped" %
                        (library, kind))
            self.mode = "never"

    @property
    def enabled(self):
        return self.mode != "never"

    @property
    def address(self):
        if not self.host or not self.port:
            return None
        return "%s:%s" % (self.host, self.port)

    def login(self, password, user=None, label=None, tls=False, strict=True):
        """Probe one login; ``label`` keys :attr:`outcomes`. ``strict``: honour ``probe=always``."""
        if not self.enabled:
            outcome = None
        elif not self.address or self._dead():
            outcome = UNREACHABLE
        elif self.kind == "mysql":
            outcome = mysql_login(self.host, self.port, user, password, timeout=self.timeout)
        else:
            outcome = redis_auth(self.host, self.port, password, timeout=self.timeout, username=user, tls=tls)
        if outcome in (OK, DENIED):
            self._answered = True
        elif outcome == UNREACHABLE:
            self._unanswered += 1
        if label:
            self.outcomes[label] = outcome
        if strict and outcome == UNREACHABLE and self.mode == "always":
            fail(self.module, PreconditionError("ProbeUnreachable", "probe=always but the login probe could not "
                                                "reach %s" % (self.address or "an address"), target=self.target),
                 "Cannot verify the password of %s: probe=always but the login probe could not reach %s; nothing "
                 "was changed" % (self.target, self.address or "any address (none reported; set probe_host)"))
        return outcome

    def _dead(self):
        """After two probes without an answer and none with one, stop spending ``probe_timeout`` on more."""
        return not self._answered and self._unanswered >= UNANSWERED_LIMIT

    def summary(self):
        return {"mode": self.mode, "address": self.address, "results": dict(self.outcomes)}


# --- GaussDB reads ------------------------------------------------------------------------------
