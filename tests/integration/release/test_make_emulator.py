# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``make emulator`` (tests/tools/serve-emulator) uses the real backends when they are there and says so.

* ``make emulator`` runs the script (the venv is never rebuilt here: ``-o`` keeps make from
  remaking it); ``EMULATOR_BACKENDS=memory`` serves in memory and says that the role then needs
  ``rotation_probe: never``;
* with MariaDB's socket missing and no ``redis-server``, ``auto`` falls back to memory and says why;
  ``real`` refuses to start then;
* with MariaDB and ``redis-server`` on the machine (the real-backend marker), ``auto`` serves GaussDB
  from real MariaDB accounts and DCS from spawned redis-servers, and says so; the accounts it made are
  gone once it stops.

Each emulator is stopped with SIGTERM (what Ctrl-C does) and must stop cleanly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

from harness import REPO
from release_collection import BIN, clean_env

pytestmark = pytest.mark.integration

SCRIPT = os.path.join(REPO, "tests", "tools", "serve-emulator")
PROBE_NEVER = "run the rotation role with rotation_probe: never"
DEMO_LOCK = os.path.join(tempfile.gettempdir(), "credrotate-demo-fixture.lock")


class Served:
    def __init__(self, proc, lines):
        self.proc, self.lines = proc, lines

    @property
    def text(self):
        return "\n".join(self.lines)

    @property
    def url(self):
        found = [line.split("emulator listening on ", 1)[1] for line in self.lines if "emulator listening on " in line]
        return found[0] if found else None


def serve(command, timeout=120, **env):
    """Start ``command``; read its output until the emulator's ``backends:`` line (or its exit)."""
    proc = subprocess.Popen(command, cwd=REPO, env=clean_env(PYTHON=os.path.join(BIN, "python"), **env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            universal_newlines=True, start_new_session=True)
    lines, deadline = [], time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("backends: "):
            break
    return Served(proc, lines)


def stop(served):
    if served.proc.poll() is None:
        os.killpg(served.proc.pid, signal.SIGTERM)
    rest = served.proc.communicate(timeout=60)[0]
    served.lines.extend(rest.splitlines())
    return served.proc.returncode


def assert_serves(served):
    assert served.url, served.text
    response = requests.get(served.url + "/_emulator/state", timeout=10)
    assert response.status_code == 200, response.text


def test_make_emulator_runs_the_script():
    done = subprocess.run(["make", "-s", "--no-print-directory", "-n", "-o", "venv", "-o", ".venv/.installed",
                           "emulator"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout
    assert "tests/tools/serve-emulator" in done.stdout, done.stdout


def test_make_emulator_in_memory_says_probes_need_never():
    served = serve(["make", "-s", "--no-print-directory", "-o", "venv", "-o", ".venv/.installed", "emulator",
                    "EMULATOR_PORT=0", "EMULATOR_BACKENDS=memory"])
    try:
        assert_serves(served)
        assert "backends: gaussdb: in-memory; dcs: in-memory" in served.lines, served.text
        assert "emulator: GaussDB(for MySQL): in memory (no real logins)" in served.lines, served.text
        assert "emulator: DCS: in memory (no real logins)" in served.lines, served.text
        assert PROBE_NEVER in served.text
    finally:
        # make itself gets the SIGTERM too (its process group, as with Ctrl-C) and dies of it.
        assert stop(served) in (0, -signal.SIGTERM), served.text
    assert "emulator stopped" in served.lines, served.text


def test_auto_falls_back_to_memory_when_the_backends_are_missing(tmp_path):
    missing = dict(EMULATOR_PORT="0", CREDROTATE_MYSQL_SOCKET=str(tmp_path / "mysqld.sock"),
                   CREDROTATE_TEST_REDIS_SERVER=str(tmp_path / "redis-server"))
    served = serve([SCRIPT], **missing)
    try:
        assert_serves(served)
        assert "emulator: MariaDB does not answer on %s" % missing["CREDROTATE_MYSQL_SOCKET"] in served.lines
        assert "emulator: %s is not installed" % missing["CREDROTATE_TEST_REDIS_SERVER"] in served.lines
        assert "backends: gaussdb: in-memory; dcs: in-memory" in served.lines, served.text
        assert "emulator: GaussDB and DCS in memory: the login probes cannot work; %s (-e rotation_probe=never)" \
            % PROBE_NEVER in served.lines, served.text
    finally:
        assert stop(served) == 0, served.text

    refused = serve([SCRIPT], EMULATOR_BACKENDS="real", **missing)
    assert stop(refused) == 1, refused.text
    assert "emulator: EMULATOR_BACKENDS=real, but GaussDB and DCS would be in memory" in refused.text
    assert not refused.url


def _mysql_socket_up(path="/run/mysqld/mysqld.sock"):
    if not os.path.exists(path):
        return False
    client = socket.socket(socket.AF_UNIX)
    try:
        client.connect(path)
        return True
    except OSError:
        return False
    finally:
        client.close()


@pytest.mark.real_backend
def test_auto_uses_real_mariadb_and_redis_when_they_are_there():
    if not _mysql_socket_up() or not shutil.which("redis-server"):
        pytest.skip("needs MariaDB on /run/mysqld/mysqld.sock and redis-server (.ci/run starts them)")
    # The lock the script takes for the demo estate's fixed accounts, held here until the accounts
    # are checked gone (so no demo or test creates them in between); the script is told it is held.
    with open(DEMO_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _serve_real()


def _serve_real():
    served = serve([SCRIPT], EMULATOR_PORT="0", CREDROTATE_DEMO_LOCK_HELD="1")
    try:
        assert_serves(served)
        assert "emulator: GaussDB(for MySQL): real accounts in MariaDB (socket /run/mysqld/mysqld.sock)" \
            in served.lines, served.text
        assert "emulator: DCS: one redis-server per instance, on free loopback ports" in served.lines, served.text
        backends = [line for line in served.lines if line.startswith("backends: ")]
        assert backends and re.match(r"^backends: gaussdb: MariaDB at .*; dcs: redis-server processes", backends[0]), \
            served.text
        assert PROBE_NEVER not in served.text
        state = requests.get(served.url + "/_emulator/state", timeout=10).json()
        assert state["dcs"]["instances"][0]["address"].startswith("127.0.0.1:")
        assert _demo_accounts(), "the demo estate's accounts are not in MariaDB"
    finally:
        assert stop(served) == 0, served.text
    assert not _demo_accounts(), "the emulator left its MariaDB accounts behind"


def _demo_accounts():
    """The demo estate's accounts (``crdemo_*``) in MariaDB."""
    import pymysql

    connection = pymysql.connect(unix_socket="/run/mysqld/mysqld.sock", user="root", connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT user FROM mysql.user WHERE user LIKE 'crdemo\\_%'")
            return sorted(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
