"""Shared fixtures for tests that run against the cloud emulator.

``emulator_factory(fixtures, real=False, tls=False)`` starts an :class:`emulator.core.Emulator`
on a free loopback port and stops it after the test. ``real=True`` uses the machine's MariaDB
and Redis and skips, saying why, when they are not reachable.
"""

import copy
import os
import socket
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

MYSQL_DSN = os.environ.get("CREDROTATE_TEST_MYSQL_DSN", "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock")
REDIS_SERVER = os.environ.get("CREDROTATE_TEST_REDIS_SERVER", "redis-server")


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def real_backends_or_skip():
    """Backends on the machine's MariaDB and freshly spawned redis-servers, or pytest.skip with the reason."""
    from emulator.backends import backends_from_args

    if not _port_open("127.0.0.1", 3306):
        pytest.skip("MariaDB is not reachable on 127.0.0.1:3306 (.ci/run starts it; see README)")
    try:
        return backends_from_args(MYSQL_DSN, "spawn")
    except Exception as exc:  # noqa: BLE001 - any backend start failure means: skip with its reason
        pytest.skip("real backends unavailable: %s" % exc)


@pytest.fixture
def emulator_factory(tmp_path):
    from emulator.core import Emulator

    started = []

    def start(fixtures, real=False, tls=False, state_file=None):
        backends = real_backends_or_skip() if real else None
        emu = Emulator(copy.deepcopy(fixtures), tls_dir=str(tmp_path / "tls") if tls else None,
                       state_file=state_file, backends=backends)
        emu.start()
        started.append(emu)
        return emu

    yield start
    for emu in reversed(started):
        emu.stop()
        for backend in (emu.backends or {}).values():
            if backend is not None and hasattr(backend, "close"):
                backend.close()
