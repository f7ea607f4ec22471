# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A rolled-back rotation never blocks a new one (issue 9, defect found by random faults and kills).

Before the fix: after rotation A was rolled back, a rotation B that stopped before its pending password was stored
(a failed preflight) left A's pending password in the secret file with B in the record, and every later rotation
was refused with "rotation A is unfinished" (or, without an id, resumed the rolled-back A).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from conftest import DRS1, DTS1, orders_credential

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]


def _hosts(rot):
    return {"orders-db": {"rotation_credential": orders_credential(rot.names),
                          "rotation_current_password": rot.names["current"]}}


@pytest.mark.parametrize("next_id", [None, "rb-c"])
def test_after_a_rollback_and_a_failed_preflight_a_new_rotation_starts(rotation, next_id):
    rot = rotation()
    old = rot.names["current"]
    hosts = _hosts(rot)
    rot.fault(kind="error", status=400, code="DRS.M01501", message="Service error",
              match={"service": "drs", "write": True})
    rolled_back = rot.run(hosts, {"rotation_id": "rb-a"}, verbosity=0)
    assert rolled_back.rc != 0 and rot.record()["status"] == "rolled_back", rolled_back.stdout[-3000:]
    abandoned = rot.secrets()["pending"]["password"]

    rot.admin("POST", "dts/jobs/%s/status" % DTS1, {"status": "Modifying"})
    refused = rot.run(hosts, {"rotation_id": "rb-b"}, verbosity=0)
    assert refused.rc != 0 and "Preflight of orders failed" in refused.stdout, refused.stdout[-3000:]
    assert rot.record()["rotation_id"] == "rb-b" and rot.record()["error"]["step"] == "preflight"
    rot.admin("POST", "dts/jobs/%s/status" % DTS1, {"status": "Synchronizing"})

    extra = {"rotation_id": next_id} if next_id else {}
    after = rot.run(hosts, extra, verbosity=0)
    assert after.rc == 0, after.stdout[-5000:]
    assert "rb-a of orders is unfinished" not in after.stdout and "resuming rotation rb-a" not in after.stdout
    record = rot.record()
    assert record["status"] == "completed" and record["rotation_id"] not in ("rb-a",)
    if next_id:
        assert record["rotation_id"] == next_id
    current = rot.secrets()["current"]
    assert current not in (old, abandoned) and rot.login(current) and not rot.login(old)
    assert rot.secrets()["previous"] == old
    assert DRS1 in rot.job_states()
    rot.assert_jobs_healthy()
