# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the rotation refuses, and how it undoes: a dependant that cannot reconnect makes verification fail
and everything is rolled back to the old password, verified; a job in a state that refuses a password
change, an unregistered job using the account, and an owner on which no known password works all stop the
rotation before any write.

Promises: 12 (disallowed job state detected before the DB changes), 13 (unregistered usage, fail closed),
14 (verification failure -> rollback, old password verified everywhere), 15 (drift -> reconcile required;
overwrite only when enabled).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from conftest import DRS1, DRS2, DTS1, GAUSS, canary, estate, orders_credential
from harness import HW_PROJECT, assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

SHADOW = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6djb03"
STRAY = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8fjb04"


def _drs_job(job_id, name, user, password, status="INCRE_TRANSFER_STARTED"):
    return {"id": job_id, "name": name, "project_id": HW_PROJECT, "status": status, "db_use_type": "sync",
            "engine_type": "mysql",
            "source": {"database": {"ref": GAUSS, "user": user}, "password": password, "ip": "192.168.0.10",
                       "db_port": 3306},
            "target": {"password": "Some-Target-Pass1!", "ip": "192.168.9.9", "db_port": 3306}}


def _hosts(rot, credential=None, **extra):
    host = {"rotation_credential": credential or orders_credential(rot.names),
            "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return {"orders-db": host}


def test_dependant_that_cannot_reconnect_rolls_everything_back(rotation):
    """A listed DRS job really logs in as another account that happened to share the password: with the new
    password it cannot reconnect (INCRE_TRANSFER_FAILED), so verification fails after its timeout; the role puts
    the user and every job back on the old password, verifies that (the job recovers), records rolled_back and
    fails the host naming the job."""
    fixtures, names = estate()
    names["report_password"] = names["current"]
    fixtures["gaussdb"]["instances"][0]["users"][1]["password"] = names["current"]
    fixtures["drs"]["jobs"].append(_drs_job(SHADOW, "orders-shadow", names["report"], names["current"]))
    rot = rotation(fixtures, names)
    old = names["current"]
    credential = orders_credential(names, dependants=[
        {"type": "drs", "job_id": DRS1, "endpoint": "source"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
        {"type": "drs", "job_id": SHADOW, "endpoint": "source"},
        {"type": "dts", "job_id": DTS1, "endpoint": "source"},
    ])
    run = rot.run(_hosts(rot, credential, rotation_verify_timeout=4))
    assert run.rc != 0
    text = run.stdout
    assert "failed at the verify step" in text and "DRS job %s source is unhealthy (INCRE_TRANSFER_FAILED)" % SHADOW in text
    assert "Rolled back" in text and "use the current password again (verified)" in text
    record = rot.record()
    assert record["status"] == "rolled_back" and record["error"]["step"] == "verify"
    shadow = record["targets"]["drs:%s:source" % SHADOW]["actions"]
    assert shadow["verify"]["outcome"] == "unhealthy"
    assert shadow["rollback"]["outcome"] == "updated" and shadow["rollback_verify"]["outcome"] == "healthy"
    assert record["targets"]["owner"]["actions"]["rollback_verify"]["outcome"] == "verified"
    pending = rot.secrets()["pending"]["password"]
    assert rot.secrets()["current"] == old
    assert rot.login(old) and not rot.login(pending)
    assert rot.login(old, user=names["report"])
    rot.assert_jobs_healthy()
    assert not rot.lock_exists()
    assert_no_secrets(run, rot.emu, old, pending)


@pytest.mark.parametrize("where", ["drs", "dts"])
def test_dependant_in_a_refusing_state_stops_before_any_write(rotation, where):
    """A DRS job that is stopping (RELEASE_RESOURCE_STARTED) or a DTS job that is Modifying cannot take a new
    password: the preflight fails naming the job and its state, before the owner or any job is written, and no
    password is stored."""
    rot = rotation()
    if where == "drs":
        rot.admin("POST", "drs/jobs/%s/status" % DRS2, {"status": "RELEASE_RESOURCE_STARTED"})
        expected = "job %s is RELEASE_RESOURCE_STARTED" % DRS2
    else:
        rot.admin("POST", "dts/jobs/%s/status" % DTS1, {"status": "Modifying"})
        expected = DTS1
    run = rot.run(_hosts(rot), verbosity=1)
    assert run.rc != 0
    assert "Preflight of orders failed, nothing was changed" in run.stdout and expected in run.stdout
    if where == "dts":
        assert "Modifying" in run.stdout
    assert rot.writes() == []
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets"))
    assert rot.record()["status"] == "failed" and rot.record()["error"]["step"] == "preflight"
    assert rot.login(rot.names["current"])


def test_discovery_fails_closed_on_a_job_that_is_not_a_dependant(rotation):
    """Discovery is on by default: a DRS job replicating with the same user on the same instance but not listed
    stops the rotation before any write, naming it and how it matched; listing its id with a reason in
    rotation_discover_ignore lets the (check-mode) preflight pass, and the plan shows the reason."""
    fixtures, names = estate()
    fixtures["drs"]["jobs"].append(_drs_job(STRAY, "orders-forgotten", names["user"], names["current"]))
    rot = rotation(fixtures, names)
    run = rot.run(_hosts(rot), verbosity=1)
    assert run.rc != 0
    assert "DRS job %s (orders-forgotten), source endpoint, matched by instance id" % STRAY in run.stdout
    assert "are not among its dependants" in run.stdout
    assert rot.writes() == []

    ignore = [{"job_id": STRAY, "reason": "replaced next week"}]
    planned = rot.run(_hosts(rot, rotation_discover_ignore=ignore), check=True, verbosity=1)
    assert planned.rc == 0, planned.stdout[-4000:]
    assert "replaced next week" in planned.stdout
    assert rot.writes() == []


def test_drift_stops_with_reconcile_required_then_previous_password_works(rotation):
    """Neither the pending nor the given current password logs in (the user's password drifted): the rotation
    stops with "reconcile required" before any write. Given the real password as rotation_previous_password,
    the probe finds it (pending -> current -> previous), the rotation completes, and the secret file keeps the
    password the user really had as previous."""
    rot = rotation()
    real = rot.names["current"]
    wrong = canary("wrong")
    # (owner only: the demo's jobs are left out on purpose, so discovery is turned off)
    hosts = _hosts(rot, credential=orders_credential(rot.names, dependants=[]), rotation_current_password=wrong,
                   rotation_discover_dependants=False)
    run = rot.run(hosts, verbosity=1)
    assert run.rc != 0 and "Reconcile required" in run.stdout
    assert rot.writes() == []
    assert_no_secrets(run, rot.emu, real, wrong)

    hosts["orders-db"]["rotation_previous_password"] = real
    run = rot.run(hosts, verbosity=1)
    assert run.rc == 0, run.stdout[-5000:]
    stored = rot.secrets()
    assert stored["previous"] == real and rot.login(stored["current"])
    assert rot.record()["details"]["owner_uses"] == "previous"


def test_reconcile_overwrites_a_drifted_gaussdb_user_when_enabled(rotation):
    """rotation_reconcile=true lets a GaussDB user on which no known password works be overwritten."""
    rot = rotation()
    hosts = _hosts(rot, credential=orders_credential(rot.names, dependants=[]),
                   rotation_current_password=canary("wrong"), rotation_reconcile=True, rotation_discover_dependants=False)
    run = rot.run(hosts, verbosity=0)
    assert run.rc == 0, run.stdout[-5000:]
    assert rot.login(rot.secrets()["current"]) and not rot.login(rot.names["current"])
