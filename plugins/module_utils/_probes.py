# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Data-plane probes: does a password log in to the database right now?

Each probe returns one of :data:`OK`, :data:`DENIED` or :data:`UNREACHABLE` and never raises
with a secret in the message. ``UNREACHABLE`` also covers "cannot tell" (host not allowed,
TLS required, missing auth plugin support): only ``DENIED`` means the server rejected the
password. A Redis probe is an ``AUTH`` on the data plane, so it never spends a DCS lockout
attempt of the management API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import traceback

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
