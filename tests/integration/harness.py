"""Run ansible-playbook / ansible ad-hoc against the emulator and look at everything it printed.

``run_playbook(tasks, env=..., check=..., verbosity=4)`` writes a one-play playbook on localhost,
runs the venv's ``ansible-playbook`` with ``-vvvv --diff`` by default, and returns a
:class:`Run` with the return code, stdout, stderr and every task result as Ansible reported it
(after ``no_log`` censoring), collected by the ``result_dump`` callback in ``callback_plugins``.
``assert_no_secrets(run, emu, *canaries)`` greps all of it, and the emulator's journal and state
summary, for the canary values.
"""

import json
import os
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


class Run:
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = results

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
