# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AWX without a persistent volume (issue 11): the rotation's state in a CSMS or KMS secret.

Two AWX jobs (``ansible_runner.run()`` on private data directories laid out as AWX lays them out, see
``test_awx_runner``), each with its own fresh ``rotation_state_dir`` as a job in a fresh
execution-environment container has. The first job is cancelled the way AWX cancels a job (the runner's
``cancel_callback``), its processes killed as when its container goes, while it propagates: the DRS jobs have the new password, the DTS write is in flight.
The second job knows nothing but the store, resumes the rotation with the same pending password, and
converges: the store's current stage holds it, every job is healthy, nothing leaked into any artifact.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import psutil
import pytest

from harness import journal
import test_awx_runner
from test_awx_runner import ALIBABA, HUAWEI_AKSK, ROLE, AwxJob, inventory, job_template_vars

clean_environ = test_awx_runner.clean_environ  # the fixture: a clean os.environ for ansible-runner

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

CURRENT = {"csms": "SYSCURRENT", "kms": "ACSCurrent"}


def _value(emu, kind, stage=None, pending=False):
    service = next(s for s in emu.services if s.name == kind)
    secret = next((s for s in service.secrets if s["name"] == "credrotate-orders"), None)
    if secret is None:
        return None
    if kind == "csms":
        stages = dict((k, v["version_id"]) for k, v in secret["stages"].items())
        if pending:
            ids = [v for k, v in stages.items() if k.startswith("credrotate-") and v != stages["SYSCURRENT"]]
            version_id = ids[0] if ids else None
        else:
            version_id = stages.get(stage)
        return next((v["value"] for v in secret["versions"] if v["id"] == version_id), None)
    version_id = secret["stages"].get("CRPending" if pending else stage)
    return next((v["secret_data"] for v in secret["versions"] if v["version_id"] == version_id), None)


@pytest.mark.parametrize("kind", ["csms", "kms"])
def test_a_cancelled_awx_job_is_finished_by_the_next_job_from_the_cloud_store(emulator_factory, tmp_path,
                                                                              clean_environ, kind):
    fixtures, names = ROLE.estate()
    emu = emulator_factory(fixtures, real=True)
    rot = ROLE.Rotation(emu, tmp_path, names)
    old = names["current"]
    hosts = {"orders": {"rotation_credential": ROLE.orders_credential(names), "rotation_current_password": old}}
    credentials = [("huaweicloud.yml", HUAWEI_AKSK), ("alicloud.yml", ALIBABA)]
    # the survey's "Secret store" question chooses the store for the job
    answers = job_template_vars(emu, rotation_hosts="orders", rotation_id="", rotation_store=kind)

    # Job 1: cancelled while the DTS write (slowed down to 8 s) is in flight, after the DRS jobs took the password.
    rot.fault(kind="latency", delay=8, match={"service": "dts", "write": True}, count=1)
    rot.state_dir = str(tmp_path / "container-1" / "state")
    first = AwxJob(tmp_path, 51, credentials, inventory(rot, hosts), answers)

    def drs_written():
        """AWX's cancel, then the container is gone: every process of the job dies at once (SIGKILL)."""
        if not any(w["service"] == "drs" for w in journal(emu, writes_only=True)):
            return False
        for proc in psutil.process_iter(["cmdline"]):
            if proc.pid != os.getpid() and any(first.dir in part for part in proc.info["cmdline"] or ()):
                try:
                    proc.kill()
                except psutil.Error:
                    pass
        return True

    first.runner = None
    result = first.run(playbook="playbooks/rotate.yml", cancel_callback=drs_written)
    assert result.status in ("canceled", "failed"), first.describe()
    pending = _value(emu, kind, pending=True)
    assert pending and pending != old
    assert _value(emu, kind, CURRENT[kind]) == old, "job 1 never promoted"
    assert rot.login(pending) and not rot.login(old)
    first.assert_no_secrets(old, pending)

    # Job 2: another container, an empty state directory; only the store knows the rotation.
    rot.state_dir = str(tmp_path / "container-2" / "state")
    hosts["orders"].pop("rotation_current_password")
    second = AwxJob(tmp_path, 52, credentials, inventory(rot, hosts), answers)
    assert second.run(playbook="playbooks/rotate.yml", verbosity=4).status == "successful", second.describe()
    assert "resuming rotation" in second.stdout()
    assert _value(emu, kind, CURRENT[kind]) == pending
    assert rot.login(pending) and not rot.login(old)
    rot.assert_jobs_healthy()
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets"))
    assert rot.record("orders")["status"] == "completed"
    second.assert_no_secrets(old, pending)
