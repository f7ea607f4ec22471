"""Shared fixtures for tests that run against the cloud emulator.

``emulator_factory(fixtures, real=False, tls=False)`` starts an :class:`emulator.core.Emulator`
on a free loopback port and stops it after the test. ``real=True`` uses the machine's MariaDB
and Redis and skips, saying why, when they are not reachable.

A test fails when an Ansible run it made printed a ``[WARNING]`` or ``[DEPRECATION WARNING]`` line it
does not expect. The warnings are collected from every :class:`harness.Run`, from the output of every
``subprocess.run`` that captures it (Ansible CLIs started outside the harness, ``playbooks/demo/run``),
from the output files of an ``ansible*`` command started with ``subprocess.Popen``, and from the stdout
artifact of every ``ansible_runner.run()``. A test that means to provoke a warning says so, with a comment
why: ``@pytest.mark.allow_warnings(r"regex", ...)``; each regex must match at least one warning
(``re.search`` on the warning line and its ``Origin:`` line) unless ``strict=False``.
"""

import copy
import os
import re
import socket
import subprocess
import sys

import pytest

import harness

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


# -- unexpected Ansible warnings fail the test --

ALLOW_WARNINGS = "allow_warnings"
_STATE = pytest.StashKey()
_POPEN_FILES = []  # (path, argv) of the output files of ansible* commands started with subprocess.Popen


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "allow_warnings(*patterns, strict=True): the Ansible [WARNING]/[DEPRECATION WARNING] lines this test "
        "expects (regexes, re.search); any other warning fails the test, and so does (when strict) a pattern "
        "that matches no warning")


def _decoded(stream):
    if isinstance(stream, bytes):
        return stream.decode("utf-8", "replace")
    return stream if isinstance(stream, str) else ""


def _is_ansible(argv):
    program = argv[0] if isinstance(argv, (list, tuple)) and argv else argv
    if not isinstance(program, (str, bytes, os.PathLike)):
        return False
    return os.path.basename(os.fsdecode(program)).startswith("ansible")


class _WatchedPopen(subprocess.Popen):
    """Notes the output files of an ``ansible*`` command (``stdout=<file>``), read when the test ends."""

    def __init__(self, args, *rest, **kwargs):
        super().__init__(args, *rest, **kwargs)
        if _is_ansible(args):
            for stream in (kwargs.get("stdout"), kwargs.get("stderr")):
                name = getattr(stream, "name", None)
                if isinstance(name, str) and os.path.isfile(name):
                    _POPEN_FILES.append((name, args))


def _watch_runner():
    """Wrap ``ansible_runner.run`` once the test process has imported it (only test_awx_runner.py does)."""
    runner_module = sys.modules.get("ansible_runner")
    if runner_module is None or getattr(runner_module.run, "_credrotate_watched", False):
        return
    original = runner_module.run

    def run(*args, **kwargs):
        runner = original(*args, **kwargs)
        artifacts = getattr(getattr(runner, "config", None), "artifact_dir", None) or ""
        texts = []
        for name in ("stdout", "stderr"):
            path = os.path.join(artifacts, name)
            if os.path.isfile(path):
                with open(path, errors="replace") as handle:
                    texts.append(handle.read())
        command = getattr(runner.config, "command", None) or ["ansible-runner"]
        harness.WARNINGS.record(runner, command, *texts)
        return runner

    run._credrotate_watched = True
    run.__wrapped__ = original
    runner_module.run = run


@pytest.fixture(scope="session", autouse=True)
def _watch_ansible_output():
    """Every captured ``subprocess.run`` output and every ansible* ``Popen`` output file goes to harness.WARNINGS."""
    original_run, original_popen = subprocess.run, subprocess.Popen

    def run(*args, **kwargs):
        check = kwargs.pop("check", False)
        done = original_run(*args, check=check, **kwargs)
        stdout, stderr = _decoded(done.stdout), _decoded(done.stderr)
        if stdout or stderr:
            harness.WARNINGS.record(done, done.args, stdout, stderr)
        return done

    subprocess.run, subprocess.Popen = run, _WatchedPopen
    yield
    subprocess.run, subprocess.Popen = original_run, original_popen


def _take_warnings(item):
    """The warnings recorded since the last look, split into expected and not; notes which patterns matched."""
    while _POPEN_FILES:
        path, argv = _POPEN_FILES.pop(0)
        if os.path.isfile(path):
            with open(path, errors="replace") as handle:
                harness.WARNINGS.record(path, argv, handle.read())
    state = item.stash.setdefault(_STATE, {"patterns": None, "matched": set()})
    if state["patterns"] is None:
        state["patterns"] = [(re.compile(pattern), mark.kwargs.get("strict", True))
                             for mark in item.iter_markers(name=ALLOW_WARNINGS) for pattern in mark.args]
    unexpected = []
    for warning, command in harness.WARNINGS.drain():
        hits = [index for index, (pattern, _strict) in enumerate(state["patterns"]) if pattern.search(warning)]
        state["matched"].update(hits)
        if not hits:
            unexpected.append((warning, command))
    return unexpected, state


def warnings_message(unexpected):
    """The failure message: every unexpected warning, quoted, under the command that printed it."""
    by_command = {}
    for warning, command in unexpected:
        counts = by_command.setdefault(command, {})
        counts[warning] = counts.get(warning, 0) + 1
    lines = ["Ansible printed %d warning line(s) this test does not expect. Fix the cause, or, when the test "
             "means to provoke it, declare it with @pytest.mark.allow_warnings(r\"<regex>\") and a comment why:"
             % len(unexpected)]
    shown = 0
    for command, counts in by_command.items():
        lines.append("  printed by: %s" % command)
        for warning, count in counts.items():
            shown += 1
            if shown > 30:
                break
            text = warning.splitlines()
            lines.append("    %s%s" % (text[0], "  (x%d)" % count if count > 1 else ""))
            lines.extend("      " + line for line in text[1:])
    if shown > 30:
        lines.append("  ... and more (%d distinct warnings in all)" % sum(len(c) for c in by_command.values()))
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test body: fail on an unexpected warning, or on an allow_warnings pattern that matched none."""
    try:
        result = yield
    except BaseException:
        unexpected, _state = _take_warnings(item)
        if unexpected:
            item.add_report_section("call", "unexpected Ansible warnings", warnings_message(unexpected))
        raise
    unexpected, state = _take_warnings(item)
    if unexpected:
        pytest.fail(warnings_message(unexpected), pytrace=False)
    stale = [pattern.pattern for index, (pattern, strict) in enumerate(state["patterns"])
             if strict and index not in state["matched"]]
    if stale:
        pytest.fail("@pytest.mark.allow_warnings pattern(s) matched no Ansible warning of this test: %s "
                    "(remove them, or pass strict=False when the warning is not certain)"
                    % ", ".join("r%r" % p for p in stale), pytrace=False)
    return result


@pytest.fixture(autouse=True)
def ansible_warnings(request):
    """Collects the Ansible warnings of the test (checked after its body, see pytest_runtest_call); at
    teardown, fails on an unexpected warning printed by a run made while fixtures were torn down."""
    _watch_runner()
    yield harness.WARNINGS
    unexpected, _state = _take_warnings(request.node)
    if unexpected:
        pytest.fail(warnings_message(unexpected), pytrace=False)
