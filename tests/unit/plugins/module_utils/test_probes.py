# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Data-plane probes: ok / denied / unreachable, fast, and silent about secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import time

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _probes

PASSWORD = "Probe-Passw0rd_secret"


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def silent_port():
    """A port that completes the TCP handshake (backlog) but never says anything."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


pymysql_required = pytest.mark.skipif(not _probes.HAS_PYMYSQL, reason="PyMySQL not installed")
redis_required = pytest.mark.skipif(not _probes.HAS_REDIS, reason="redis not installed")


@pymysql_required
def test_mysql_closed_port_is_unreachable_fast():
    """Connection refused: 'unreachable' well within the timeout."""
    start = time.time()
    assert _probes.mysql_login("127.0.0.1", closed_port(), "root", PASSWORD, timeout=5) == _probes.UNREACHABLE
    assert time.time() - start < 2


@pymysql_required
def test_mysql_silent_server_is_unreachable_within_the_timeout(silent_port):
    """A server that never greets: 'unreachable' after about the timeout, not a hang."""
    start = time.time()
    assert _probes.mysql_login("127.0.0.1", silent_port, "root", PASSWORD, timeout=0.5) == _probes.UNREACHABLE
    assert time.time() - start < 3


@pymysql_required
@pytest.mark.parametrize("code,expected", [(1045, "denied"), (1698, "denied"), (2003, "unreachable"),
                                           (1130, "unreachable"), (2013, "unreachable")])
def test_mysql_error_codes(monkeypatch, code, expected):
    """1045/1698 (access denied) mean 'denied'; connect/host errors mean 'unreachable' (cannot tell)."""
    def refuse(**kwargs):
        raise _probes.pymysql.err.OperationalError(code, "Access denied for user 'root'@'x' (using password: YES)")
    monkeypatch.setattr(_probes.pymysql, "connect", refuse)
    assert _probes.mysql_login("db", 3306, "root", PASSWORD, timeout=1) == expected


@pymysql_required
def test_mysql_ok_closes_the_connection(monkeypatch):
    """A successful login returns 'ok' and closes the connection; options carry the timeout."""
    seen = {}

    class Connection(object):
        closed = False

        def close(self):
            Connection.closed = True

    def connect(**kwargs):
        seen.update(kwargs)
        return Connection()

    monkeypatch.setattr(_probes.pymysql, "connect", connect)
    assert _probes.mysql_login("db", "3306", "root", PASSWORD, timeout=4) == _probes.OK
    assert Connection.closed and seen["connect_timeout"] == 4 and seen["port"] == 3306


@redis_required
def test_redis_closed_port_is_unreachable_fast():
    """Connection refused: 'unreachable' at once (no client-side retries)."""
    start = time.time()
    assert _probes.redis_auth("127.0.0.1", closed_port(), PASSWORD, timeout=5) == _probes.UNREACHABLE
    assert time.time() - start < 2


@redis_required
def test_redis_silent_server_is_unreachable_within_the_timeout(silent_port):
    """A server that never answers AUTH: 'unreachable' after about the timeout."""
    start = time.time()
    assert _probes.redis_auth("127.0.0.1", silent_port, PASSWORD, timeout=0.5) == _probes.UNREACHABLE
    assert time.time() - start < 3


class FakeRedis(object):
    """Accepts only PASSWORD (or anything when ``open``); ``errors[0]``, if any, is raised for PASSWORD instead."""

    errors = []
    kwargs = None
    open = False
    logins = []

    def __init__(self, **kwargs):
        FakeRedis.kwargs = kwargs
        FakeRedis.logins.append(kwargs["password"])
        self.password = kwargs["password"]

    def ping(self):
        if self.password == PASSWORD and FakeRedis.errors:
            raise FakeRedis.errors[0]
        if self.password != PASSWORD and not FakeRedis.open:
            raise _probes.redis.exceptions.AuthenticationError("invalid username-password pair")
        return True

    def close(self):
        pass


@redis_required
@pytest.mark.parametrize("error,expected", [
    (None, "ok"),
    ("auth", "denied"),
    ("wrongpass", "denied"),
    ("noauth-configured", "denied"),
    ("timeout", "unreachable"),
    ("other-response", "unreachable"),
])
def test_redis_outcomes(monkeypatch, error, expected):
    """AUTH accepted -> ok; WRONGPASS/invalid password -> denied; timeouts and other errors -> unreachable."""
    exc = _probes.redis.exceptions
    FakeRedis.errors = [{
        "auth": exc.AuthenticationError("invalid username-password pair"),
        "wrongpass": exc.ResponseError("WRONGPASS invalid username-password pair or user is disabled."),
        "noauth-configured": exc.ResponseError("AUTH <password> called without any password configured"),
        "timeout": exc.TimeoutError("Timeout reading from socket"),
        "other-response": exc.ResponseError("LOADING Redis is loading the dataset in memory"),
    }[error]] if error else []
    FakeRedis.open, FakeRedis.logins = False, []
    monkeypatch.setattr(_probes.redis, "Redis", FakeRedis)
    assert _probes.redis_auth("cache", 6379, PASSWORD, timeout=2, username="default") == expected
    assert FakeRedis.kwargs["username"] == "default" and FakeRedis.kwargs["socket_connect_timeout"] == 2


@redis_required
def test_redis_without_a_password_is_not_a_false_ok(monkeypatch):
    """A server that accepts any AUTH (no password set) gives 'unreachable' (cannot tell), not 'ok'."""
    FakeRedis.errors, FakeRedis.open, FakeRedis.logins = [], True, []
    monkeypatch.setattr(_probes.redis, "Redis", FakeRedis)
    assert _probes.redis_auth("cache", 6379, PASSWORD, timeout=2) == _probes.UNREACHABLE
    assert len(FakeRedis.logins) == 2 and FakeRedis.logins[1] != PASSWORD
    FakeRedis.logins = []
    assert _probes.redis_auth("cache", 6379, PASSWORD, timeout=2, control=False) == _probes.OK
    assert len(FakeRedis.logins) == 1


def test_missing_library_raises_a_plain_message(monkeypatch):
    """Without the library the probe says which one is needed (modules check HAS_* first)."""
    monkeypatch.setattr(_probes, "HAS_PYMYSQL", False)
    with pytest.raises(RuntimeError) as info:
        _probes.mysql_login("db", 3306, "root", PASSWORD)
    assert "PyMySQL" in str(info.value) and PASSWORD not in str(info.value)
