"""`make demo` (playbooks/demo/run) rotates the demo estate, and a second run changes nothing.

The demo uses the fixture's fixed MariaDB account names, so it holds the same lock as the
EXAMPLES test that also loads the demo estate.
"""

import fcntl
import os
import re
import subprocess
import sys
import tempfile

import pytest

from harness import REPO

DEMO_LOCK = os.path.join(tempfile.gettempdir(), "credrotate-demo-fixture.lock")
CANARIES = ("Orders-Demo-Pass1!", "Cache-Demo-Pass1!", "exampleSecretKey0123456789abcdefghijABCD",
            "exampleAccessKeySecret0001")


def _run_demo(work, extra=""):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("HW_", "OS_", "ALICLOUD_", "ALIBABA_CLOUD_", "ANSIBLE_")):
            del env[name]
    env.update({"CREDROTATE_DEMO_DIR": str(work), "DEMO_ARGS": extra, "NO_COLOR": "1", "CREDROTATE_DEMO_LOCK_HELD": "1",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_HOME": str(work / "ansible-home"),
                "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")})
    return subprocess.run([os.path.join(REPO, "playbooks", "demo", "run")], env=env, cwd=REPO,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900, check=False)


def _recap(stdout):
    return dict((host, int(changed)) for host, changed in re.findall(r"^(orders-\S+)\s+: ok=\d+\s+changed=(\d+)", stdout, re.M))


@pytest.mark.real_backend
def test_demo_rotates_then_changes_nothing_and_every_job_stays_healthy(tmp_path):
    """First run: both credentials rotate (changed) and the jobs are healthy; second run: changed=0
    everywhere, jobs still healthy; no demo secret in the output even at -vvvv --diff."""
    with open(DEMO_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        first = _run_demo(tmp_path, "-vvvv --diff")
        second = _run_demo(tmp_path)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    assert set(_recap(first.stdout)) == {"orders-replication", "orders-cache"}
    assert all(changed > 0 for changed in _recap(first.stdout).values())
    assert _recap(second.stdout) == {"orders-replication": 0, "orders-cache": 0}
    for run in (first, second):
        assert "healthy: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01, 1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02," in run.stdout
        for canary in CANARIES:
            assert canary not in run.stdout + run.stderr
