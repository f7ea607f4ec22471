"""Run ansible-playbook / ansible ad-hoc against the emulator and look at everything it printed.

``run_playbook(tasks, env=..., check=..., verbosity=4)`` writes a one-play playbook on localhost,
runs the venv's ``ansible-playbook`` with ``-vvvv --diff`` by default, and returns a
:class:`Run` with the return code, stdout, stderr and every task result as Ansible reported it
(after ``no_log`` censoring), collected by the ``result_dump`` callback in ``callback_plugins``.
``assert_no_secrets(run, emu, *canaries)`` greps all of it, and the emulator's journal and state
summary, for the canary values.

Every :class:`Run` also holds the ``[WARNING]`` and ``[DEPRECATION WARNING]`` lines Ansible printed
(``run.warnings``) and records them in :data:`WARNINGS`, the log that ``tests/integration/conftest.py``
drains after each test: a warning the test does not declare with ``@pytest.mark.allow_warnings(r"regex")``
fails it. ``record_output(process, command, stdout, stderr)`` records the output of an Ansible run that
does not go through :class:`Run`.
"""

import json
import os
import re
import shlex
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)

# The demo fixture's credentials (tests/emulator/fixtures/demo.yml).
HW_PROJECT = "0123456789abcdef0123456789abcdef"
HW_AK, HW_SK = "HPUA1EXAMPLEAK000001", "exampleSecretKey0123456789abcdefghijABCD"
ALI_AK, ALI_SK = "LTAI5tEXAMPLEAKID0001", "exampleAccessKeySecret0001"


# A line Ansible's Display prints for a warning or a deprecation (ansible-core 2.19: always at the start
# of a line, on stderr; in an ansible-runner stdout artifact it may carry colour codes and a CR).
_WARNING_START = re.compile(r"^\[(?:DEPRECATION )?WARNING\]: ")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Ansible prints this once before the first deprecation of a run: noise next to the deprecation itself.
_DEPRECATION_HINT = "[WARNING]: Deprecation warnings can be disabled by setting"


def find_warnings(*texts):
    """The warnings in ``texts`` (each an output stream), in order: the ``[WARNING]: ...`` or
    ``[DEPRECATION WARNING]: ...`` line, with the ``Origin: file:line:col`` line that follows it
    when there is one."""
    found = []
    for text in texts:
        lines = [_ANSI.sub("", line).rstrip("\r") for line in (text or "").splitlines()]
        for index, line in enumerate(lines):
            if not _WARNING_START.match(line):
                continue
            following = lines[index + 1] if index + 1 < len(lines) else ""
            found.append(line + ("\n" + following if following.startswith("Origin: ") else ""))
    if any(w.startswith("[DEPRECATION WARNING]") for w in found):
        found = [w for w in found if not w.startswith(_DEPRECATION_HINT)]
    return found


def describe_command(command):
    """``command`` (argv list or string) for a failure message, without the values of ``-a``/``-e``
    (ad-hoc module arguments and extra vars may hold passwords; ``-e @file`` is kept)."""
    if isinstance(command, (list, tuple)):
        argv = [str(arg) for arg in command]
    else:
        try:
            argv = shlex.split(str(command or "?"))
        except ValueError:
            argv = str(command).split()
    shown = [os.path.basename(argv[0]) if argv else "?"]
    for previous, arg in zip(argv, argv[1:]):
        if previous in ("-a", "--args", "-e", "--extra-vars") and not arg.startswith("@"):
            shown.append("<%s value hidden>" % previous)
        else:
            shown.append(shlex.quote(arg))
    text = " ".join(shown)
    return text if len(text) <= 400 else text[:400] + " ..."


class WarningLog:
    """The warnings the Ansible runs of the current test printed, each as ``(warning, command)``.

    Each output is recorded once however many times it is offered (``key``: the process object, compared
    by identity, or a file path), so a run seen both by :class:`Run` and by conftest's ``subprocess.run``
    watcher counts once.
    """

    def __init__(self):
        self._seen = {}
        self._pending = []

    def record(self, key, command, *texts):
        """Record the warnings of one run's output ``texts``; returns them."""
        if key in self._seen:
            return self._seen[key]
        warnings = find_warnings(*texts)
        self._seen[key] = warnings
        self._pending.extend((warning, describe_command(command)) for warning in warnings)
        return warnings

    def pending(self):
        """Every ``(warning, command)`` recorded since the last drain, left in place."""
        return list(self._pending)

    def drain(self):
        """Every ``(warning, command)`` recorded since the last drain."""
        pending, self._pending = self._pending, []
        self._seen = {}
        return pending


WARNINGS = WarningLog()


def record_output(key, command, stdout, stderr=""):
    """Record in :data:`WARNINGS` the warnings of an Ansible run that did not go through :class:`Run`."""
    return WARNINGS.record(key, command, stdout, stderr)


class Run:
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = results
        # Every [WARNING] / [DEPRECATION WARNING] this run printed (also recorded in WARNINGS).
        self.warnings = WARNINGS.record(proc, getattr(proc, "args", None), proc.stdout, proc.stderr)

    def result(self, task):
        """The last result of the task named ``task``."""
        found = [r for r in self.results if r["task"] == task]
        assert found, "task %r did not report; output:\n%s\n%s" % (task, self.stdout[-3000:], self.stderr[-2000:])
        return found[-1]["result"]

    def status(self, task):
        return [r for r in self.results if r["task"] == task][-1]["status"]

    def text(self):
        return self.stdout + "\n" + self.stderr


def huawei_env(emu):
    return {"HW_ACCESS_KEY": HW_AK, "HW_SECRET_KEY": HW_SK, "HW_REGION_NAME": "cn-north-4",
            "HW_PROJECT_ID": HW_PROJECT}


def alibaba_env(emu):
    return {"ALICLOUD_ACCESS_KEY": ALI_AK, "ALICLOUD_SECRET_KEY": ALI_SK, "ALICLOUD_REGION": "cn-hangzhou"}


def base_env(tmp_path, extra=None):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("HW_", "OS_", "ALICLOUD_", "ALIBABA_CLOUD_", "ANSIBLE_")):
            del env[name]
    env.update({
        "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".collections"),
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "result_dump",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "CREDROTATE_RESULT_DUMP": str(tmp_path / "results.jsonl"),
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    env.update(extra or {})
    return env


def _read_results(path):
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        out = [json.loads(line) for line in handle if line.strip()]
    os.unlink(path)
    return out


def run_playbook(tmp_path, tasks, env=None, check=False, diff=True, verbosity=4, module_defaults=None,
                 extra_args=(), play_vars=None):
    """Run ``tasks`` (a list of task dicts or a YAML string) in one play on localhost."""
    if isinstance(tasks, str):
        tasks = yaml.safe_load(tasks)
    play = {"name": "credrotate integration", "hosts": "localhost", "connection": "local",
            "gather_facts": False, "tasks": tasks}
    if module_defaults:
        play["module_defaults"] = module_defaults
    if play_vars:
        play["vars"] = play_vars
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", str(playbook)]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    if diff:
        cmd.append("--diff")
    if check:
        cmd.append("--check")
    cmd.extend(extra_args)
    environment = base_env(tmp_path, env)
    proc = subprocess.run(cmd, env=environment, cwd=REPO, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600, check=False)
    return Run(proc, _read_results(environment["CREDROTATE_RESULT_DUMP"]))


def run_adhoc(tmp_path, module, args, env=None, check=False, verbosity=4, diff=True):
    """``ansible localhost -m credrotate.cloud.<module> -a <args>``; ``args`` may be a dict (sent as JSON)."""
    if isinstance(args, dict):
        args = json.dumps(args)
    cmd = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local",
           "-m", "credrotate.cloud." + module, "-a", args]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    if diff:
        cmd.append("--diff")
    if check:
        cmd.append("--check")
    environment = base_env(tmp_path, env)
    proc = subprocess.run(cmd, env=environment, cwd=REPO, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600, check=False)
    return Run(proc, _read_results(environment["CREDROTATE_RESULT_DUMP"]))


def journal(emu, since=0, writes_only=False):
    entries = emu.journal.entries(since)
    return [e for e in entries if e["write"]] if writes_only else entries


def assert_no_secrets(run, emu, *canaries):
    """No canary in stdout/stderr/results, nor in the emulator's journal and state summary."""
    haystacks = {
        "output": run.text(),
        "results": json.dumps(run.results),
        "journal": json.dumps(emu.journal.entries()) if emu else "",
        "state summary": json.dumps(emu.summary()) if emu else "",
    }
    for canary in canaries:
        assert canary, "empty canary"
        for where, text in haystacks.items():
            assert canary not in text, "secret %r leaked into the %s" % (canary[:3] + "...", where)
