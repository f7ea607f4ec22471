# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Event-Driven Ansible against the emulator: the real ``ansible-rulebook`` in a venv of its own.

``eda_venv`` (session) is a venv with ``tests/eda/requirements-eda.txt`` installed under
``tests/eda/constraints-eda.txt``, kept in ``~/.cache/credrotate/eda-venv-<hash of both files>``
(``CREDROTATE_EDA_CACHE`` moves the cache) and reused while those files do not change; building it is
serialised by a file lock, so parallel workers build it once. Its tests skip, saying why, when Java 17
or later is not there (ansible-rulebook's rule engine, drools_jpy, runs on it; ``.ci/run`` installs the
Debian package) or when the venv cannot be built.

:class:`Rulebook` runs ``ansible-rulebook`` as a subprocess from the repository root, with the eda
venv's ``bin`` and then the project venv's ``bin`` first on ``PATH`` (the playbooks it starts run on the
project's ansible-playbook, which has the collection's dependencies), and posts to its webhook.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from harness import BIN, REPO

EDA_DIR = os.path.join(REPO, "tests", "eda")
REQUIREMENTS = os.path.join(EDA_DIR, "requirements-eda.txt")
CONSTRAINTS = os.path.join(EDA_DIR, "constraints-eda.txt")
RULEBOOK = os.path.join("extensions", "eda", "rulebooks", "csms_rotated.yml")


def java_major():
    """The major version ``java -version`` reports, or None (no java, or an answer we cannot read)."""
    java = shutil.which("java")
    if not java:
        return None
    try:
        done = subprocess.run([java, "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def java_home():
    """JAVA_HOME from the environment, else the JDK/JRE directory of the ``java`` on PATH."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return os.path.dirname(os.path.dirname(os.path.realpath(java))) if java else None


def _pins_hash():
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, CONSTRAINTS):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    digest.update(("%d.%d" % sys.version_info[:2]).encode())
    return digest.hexdigest()[:16]


def _build_venv(target):
    """Build the venv at ``target`` (its scripts name their interpreter by path, so it is built where it
    stays), the ``.installed`` stamp last; returns None, or why it failed (and removes the half-built venv)."""
    shutil.rmtree(target, ignore_errors=True)
    python = os.path.join(target, "bin", "python")
    steps = [
        [sys.executable, "-m", "venv", target],
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS,
         "-c", CONSTRAINTS],
        [python, "-m", "pip", "check"],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                  timeout=900, check=False, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            return "%s: %s" % (" ".join(step[:4]), exc)
        if done.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            return "%s failed (rc %d): %s" % (" ".join(step[:4]), done.returncode, done.stdout[-1500:])
    with open(os.path.join(target, ".installed"), "w") as handle:
        handle.write(_pins_hash() + "\n")
    return None


@pytest.fixture(scope="session")
def eda_venv():
    """The ansible-rulebook venv's directory (built once, then reused), or a skip saying why not."""
    major = java_major()
    if major is None or major < 17:
        pytest.skip("ansible-rulebook needs Java 17 or later (its rule engine drools_jpy runs on the JVM); "
                    "`java -version` %s. .ci/run installs Debian's openjdk-17-jre-headless where apt-get works"
                    % ("is not there" if major is None else "reports %d" % major))
    cache = os.environ.get("CREDROTATE_EDA_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "credrotate")
    target = os.path.join(cache, "eda-venv-" + _pins_hash())
    rulebook = os.path.join(target, "bin", "ansible-rulebook")
    try:
        os.makedirs(cache, exist_ok=True)
        with open(os.path.join(cache, "eda-venv.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (os.path.exists(os.path.join(target, ".installed")) and os.path.exists(rulebook)):
                problem = _build_venv(target)
                if problem:
                    pytest.skip("the ansible-rulebook venv (tests/eda/requirements-eda.txt) could not be built: "
                                + problem)
    except OSError as exc:
        pytest.skip("the ansible-rulebook venv cannot be kept under %s: %s" % (cache, exc))
    return target


class Rulebook:
    """``ansible-rulebook`` running ``extensions/eda/rulebooks/csms_rotated.yml`` with its webhook on loopback."""

    def __init__(self, venv, tmp_path, env, inventory, variables):
        self.venv = venv
        self.tmp_path = tmp_path
        self.port = variables["csms_webhook_port"]
        self.path = variables["csms_webhook_path"]
        vars_file = tmp_path / "eda-vars.json"
        vars_file.write_text(json.dumps(variables))
        self.env = dict(env)
        self.env["PATH"] = os.pathsep.join([os.path.join(venv, "bin"), BIN, self.env.get("PATH", "")])
        self.env["VIRTUAL_ENV"] = venv
        home = java_home()
        if home:
            self.env.setdefault("JAVA_HOME", home)
        self.command = [os.path.join(venv, "bin", "ansible-rulebook"), "--rulebook", RULEBOOK, "-i", inventory,
                        "--vars", str(vars_file)]
        self.log_path = tmp_path / "ansible-rulebook.log"
        self.log = None
        self.proc = None

    def start(self, timeout=240):
        """Start it and wait (bounded) until the webhook accepts connections."""
        self.log = open(str(self.log_path), "w+")
        self.proc = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("ansible-rulebook exited (rc %s) before its webhook listened:\n%s"
                                     % (self.proc.returncode, self.output()[-6000:]))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the webhook did not listen within %d s:\n%s" % (timeout, self.output()[-6000:]))

    def post(self, body, path=None):
        """POST ``body`` (a dict, sent as JSON, or raw bytes) as SMN does; returns the HTTP status."""
        import requests
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = body.get("type", "Notification") if isinstance(body, dict) else "Notification"
        response = requests.post("http://127.0.0.1:%d/%s" % (self.port, self.path if path is None else path),
                                 data=data, timeout=60,
                                 headers={"Content-Type": "application/json; charset=UTF-8",
                                          "X-SMN-MESSAGE-TYPE": str(kind)})
        return response.status_code

    def output(self):
        """Everything it printed so far (the playbooks' output included)."""
        if not self.log_path.exists():
            return ""
        with open(str(self.log_path)) as handle:
            return handle.read()

    def flat_output(self):
        """:meth:`output` with every run of white space made one space (YAML output folds long lines)."""
        return " ".join(self.output().split())

    def wait_output(self, predicate, timeout, what):
        """Wait (bounded) until ``predicate(output)`` holds; fail naming ``what`` otherwise."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate(self.flat_output()):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("%s: not seen within %d s (ansible-rulebook %s):\n%s"
                             % (what, timeout, "running" if self.proc.poll() is None else "exited",
                                self.output()[-8000:]))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        if self.log is not None:
            self.log.close()
            self.log = None


@pytest.fixture
def rulebook(eda_venv, tmp_path):
    """``start(env, inventory, variables)`` -> a started :class:`Rulebook`, stopped after the test."""
    started = []

    def start(env, inventory, variables):
        book = Rulebook(eda_venv, tmp_path, env, inventory, variables)
        started.append(book)
        return book.start()

    yield start
    for book in started:
        book.stop()
