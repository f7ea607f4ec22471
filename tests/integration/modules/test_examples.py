"""Every module's EXAMPLES run, in order, as one playbook against the demo cloud.

For each module found in ``plugins/modules`` (modules added later are picked up by themselves),
its EXAMPLES (a YAML list of tasks) become the tasks of one play, run against a fresh emulator
loaded with ``tests/emulator/fixtures/demo.yml`` on the real MariaDB and Redis backends.
Credentials come from the environment (the demo's keys), the endpoints from ``module_defaults``
for ``group/credrotate.cloud.huaweicloud`` and ``group/credrotate.cloud.alicloud``. Every task
must report ok and the play must succeed.
"""

import ast
import fcntl
import os
import tempfile

import pytest
import yaml

from harness import REPO, alibaba_env, huawei_env, run_playbook

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

MODULES_DIR = os.path.join(REPO, "plugins", "modules")
DEMO = os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")
# The demo creates fixed MariaDB account names (crdemo_*): one demo emulator at a time on this machine.
DEMO_LOCK = os.path.join(tempfile.gettempdir(), "credrotate-demo-fixture.lock")


def module_names():
    if not os.path.isdir(MODULES_DIR):
        return []
    return sorted(n[:-3] for n in os.listdir(MODULES_DIR) if n.endswith(".py") and not n.startswith("_"))


def examples(name):
    """The module's EXAMPLES as a list of tasks, read without importing the module."""
    with open(os.path.join(MODULES_DIR, name + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            tasks = yaml.safe_load(ast.literal_eval(node.value))
            assert isinstance(tasks, list) and tasks, "%s: EXAMPLES must be a non-empty YAML list of tasks" % name
            return tasks
    raise AssertionError("%s has no EXAMPLES" % name)


def leaf_tasks(tasks):
    """Tasks that run on the happy path (block and always contents; rescue only runs on failure)."""
    count = 0
    for item in tasks:
        if "block" in item:
            count += leaf_tasks(item["block"]) + leaf_tasks(item.get("always") or [])
        else:
            count += 1
    return count


@pytest.fixture
def demo_lock():
    """Held until after the emulator (and its MariaDB accounts) is gone: requested before emulator_factory."""
    with open(DEMO_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def test_modules_are_discovered():
    """There are modules to run the examples of (a moved directory must not make this file vacuous)."""
    assert module_names()


@pytest.mark.parametrize("name", module_names())
def test_examples_run_in_order_against_the_demo_cloud(name, demo_lock, emulator_factory, tmp_path):
    """The module's EXAMPLES, in order, as one playbook: rc 0 and every task ok."""
    tasks = examples(name)
    with open(DEMO) as handle:
        emu = emulator_factory(yaml.safe_load(handle), real=True)
    env = dict(huawei_env(emu))
    env.update(alibaba_env(emu))
    defaults = {
        "group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url, "iam_endpoint_url": emu.base_url},
        "group/credrotate.cloud.alicloud": {"endpoint_url": emu.base_url},
    }
    run = run_playbook(tmp_path, tasks, env=env, module_defaults=defaults, verbosity=1)
    assert run.rc == 0, "%s EXAMPLES failed:\n%s\n%s" % (name, run.stdout[-4000:], run.stderr[-2000:])
    not_ok = [(r["task"], r["status"]) for r in run.results if r["status"] != "ok"]
    assert not not_ok, "%s EXAMPLES: tasks not ok: %s" % (name, not_ok)
    assert len(run.results) >= leaf_tasks(tasks), "%s EXAMPLES: %d results for %d tasks" % (
        name, len(run.results), leaf_tasks(tasks))
