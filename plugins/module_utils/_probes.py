# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: data-plane probes: does a password log in to the database right now?

:func:`mysql_login` and :func:`redis_auth` make one login; :class:`Prober` is what the services
take: it probes as the ``probe*`` options say (mode, address, timeout), stops spending time on
an address that never answers, and keeps every outcome for the result. Each probe returns one
of :data:`OK`, :data:`DENIED` or :data:`UNREACHABLE` and never raises with a secret in the
message. ``UNREACHABLE`` also covers "cannot tell" (host not allowed,
TLS required, missing auth plugin support): only ``DENIED`` means the server rejected the
password. A Redis probe is an ``AUTH`` on the data plane, so it never spends a DCS lockout
attempt of the management API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import traceback

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    ConfigError,
    PreconditionError,
    TaskFailed,
)

try:
    import pymysql
except ImportError:
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry as RedisRetry
except ImportError:
    HAS_REDIS = False
    REDIS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REDIS = True
    REDIS_IMPORT_ERROR = None

OK = "ok"
DENIED = "denied"
UNREACHABLE = "unreachable"

DEFAULT_PROBE_TIMEOUT = 5
# Probes of one address that may end unanswered before the address is taken as unreachable.
UNANSWERED_LIMIT = 2

# The probe options of the modules that probe (documented by the ``credrotate.cloud.probe`` doc fragment).
PROBE_ARGUMENT_SPEC = dict(
    probe=dict(type="str", default="auto", choices=["auto", "always", "never"]),
    probe_host=dict(type="str"),
    probe_port=dict(type="int"),
    probe_timeout=dict(type="int", default=DEFAULT_PROBE_TIMEOUT),
)
# :mod:`_validate` rules of the probe options, merged into each probing module's rules.
PROBE_RULES = {"probe_host": "hostname", "probe_port": "port", "probe_timeout": "probe_timeout"}

# MySQL server errors that mean "this user/password is refused" (not "cannot tell").
MYSQL_DENIED = frozenset((1045, 1698))
REDIS_DENIED_MARKERS = ("WRONGPASS", "invalid password", "invalid username-password", "without any password")


def mysql_login(host, port, user, password, timeout=5):
    """Log in over the MySQL protocol (PyMySQL) and close; ``ok``, ``denied`` or ``unreachable``."""
    if not HAS_PYMYSQL:
        raise RuntimeError("the Python library 'PyMySQL' is required for the MySQL probe")
    try:
        connection = pymysql.connect(host=host, port=int(port), user=user, password=password,
                                     connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
    except pymysql.err.MySQLError as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        return DENIED if code in MYSQL_DENIED else UNREACHABLE
    except (OSError, RuntimeError):
        return UNREACHABLE
    try:
        connection.close()
    except (pymysql.err.MySQLError, OSError):
        pass
    return OK


def redis_auth(host, port, password, timeout=5, username=None, tls=False, control=True):
    """``AUTH`` (and ``PING``) on a Redis server with redis-py; ``ok``, ``denied`` or ``unreachable``.

    A server without a password accepts any ``AUTH``. With ``control`` (default), an ``ok`` is
    confirmed by a second login with a random password that must fail; if it succeeds too, the
    answer is ``unreachable`` (cannot tell), never a false ``ok``.
    """
    if not HAS_REDIS:
        raise RuntimeError("the Python library 'redis' is required for the Redis probe")
    outcome = _redis_ping(host, port, password, timeout, username, tls)
    if outcome == OK and control:
        decoy = "credrotate-control-" + binascii.hexlify(os.urandom(16)).decode("ascii")
        if _redis_ping(host, port, decoy, timeout, username, tls) == OK:
            return UNREACHABLE
    return outcome


def _redis_ping(host, port, password, timeout, username, tls):
    client = redis.Redis(host=host, port=int(port), username=username, password=password, ssl=tls,
                         socket_timeout=timeout, socket_connect_timeout=timeout,
                         retry=RedisRetry(NoBackoff(), 0))
    try:
        client.ping()
        return OK
    except redis.exceptions.AuthenticationError:
        return DENIED
    except redis.exceptions.ResponseError as exc:
        text = "%s" % (exc,)
        return DENIED if any(marker in text for marker in REDIS_DENIED_MARKERS) else UNREACHABLE
    except (redis.exceptions.RedisError, OSError):
        return UNREACHABLE
    finally:
        try:
            client.close()
        except (redis.exceptions.RedisError, OSError):
            pass


_LIBRARIES = {"mysql": ("pymysql", HAS_PYMYSQL), "redis": ("redis", HAS_REDIS)}


class MissingLibraryError(ConfigError):
    """``probe=always`` but the probe's Python library is missing; ``library`` is ``pymysql`` or ``redis``."""

    def __init__(self, library, kind):
        self.library = library
        super(MissingLibraryError, self).__init__(
            "MissingLibrary", "probe=always needs the Python library %s for the %s login probe" % (library, kind))


class Prober(object):
    """Data-plane probes as the ``probe``, ``probe_host``, ``probe_port``, ``probe_timeout`` options say.

    ``kind`` is ``mysql`` or ``redis``; ``mode`` ``auto``, ``always`` or ``never``; ``host``/``port``
    override the address the provider reports, which the service gives :meth:`locate` once it has
    read the instance. :meth:`login` returns ``ok``, ``denied``, ``unreachable`` or None (not probed:
    ``probe=never``, or ``auto`` without the client library). With ``probe=always`` an unreachable
    address makes :meth:`login` raise :class:`TaskFailed` (``ProbeUnreachable``, before any write).

    Without the library, ``always`` raises :class:`MissingLibraryError` here and ``auto`` turns into
    ``never`` with a sentence in :attr:`warnings`, which whoever built the prober reports.
    """

    def __init__(self, kind, mode="auto", host=None, port=None, timeout=DEFAULT_PROBE_TIMEOUT):
        self.kind = kind
        self.mode = mode or "auto"
        self._host, self._port = host, port
        self.host, self.port = host, port
        self.timeout = timeout or DEFAULT_PROBE_TIMEOUT
        self.target = None
        self.outcomes = {}
        self.warnings = []
        self._answered = False  # the address has answered a login (ok or denied) at least once
        self._unanswered = 0
        library, present = _LIBRARIES[kind]
        if self.mode != "never" and not present:
            if self.mode == "always":
                raise MissingLibraryError(library, kind)
            self.warnings.append("probe=auto: the Python library %s is missing, so the %s login probe is skipped"
                                 % (library, kind))
            self.mode = "never"

    @classmethod
    def from_params(cls, params, kind):
        """A prober of the module options ``probe``, ``probe_host``, ``probe_port``, ``probe_timeout``."""
        return cls(kind, params.get("probe"), params.get("probe_host"), params.get("probe_port"),
                   params.get("probe_timeout"))

    def locate(self, host, port, target):
        """Probe the address the provider reports (unless ``probe_host``/``probe_port`` say otherwise)."""
        self.host = self._host or host
        self.port = self._port or port
        self.target = target
        return self

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
            raise TaskFailed.explain(
                PreconditionError("ProbeUnreachable", "probe=always but the login probe could not reach %s"
                                  % (self.address or "an address"), target=self.target),
                "Cannot verify the password of %s: probe=always but the login probe could not reach %s; nothing "
                "was changed. The controller logs in to the database to verify passwords: open the network path "
                "from the controller, or set probe_host/probe_port to an address it reaches (a tunnel; in the role "
                "rotation_credential.owner.probe_host), or set probe=never (rotation_probe: never) to rely on the "
                "providers' answers alone" % (self.target, self.address or "any address (none reported)"))
        return outcome

    def _dead(self):
        """After two probes without an answer and none with one, stop spending ``probe_timeout`` on more."""
        return not self._answered and self._unanswered >= UNANSWERED_LIMIT

    def summary(self):
        return {"mode": self.mode, "address": self.address, "results": dict(self.outcomes)}
