# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A write whose answer was lost leaves its endpoint unknown (issue 9, defect found by random faults).

Before the fix: the DRS call took the new password but the answer was a 5xx (``may_have_applied``); the ledger
still said the endpoints held the previous password (recorded by the rotation before), so the rollback skipped
them ("unchanged", no request), the jobs stayed on the new password and failed, and the run ended in "reconcile
required". An endpoint whose write may have applied is unknown: the rollback must write it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from conftest import DRS1, DRS2, orders_credential

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]


def test_rollback_writes_an_endpoint_whose_write_may_have_applied(rotation):
    rot = rotation()
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names),
                           "rotation_current_password": rot.names["current"]}}
    first = rot.run(hosts, {"rotation_id": "lost-1"}, verbosity=0)
    assert first.rc == 0, first.stdout[-3000:]
    current = rot.secrets()["current"]

    rot.fault(kind="error", status=500, code="DRS.M00004", message="Internal error", after=True,
              match={"service": "drs", "write": True})
    since = rot.last_seq()
    second = rot.run(hosts, {"rotation_id": "lost-2"}, verbosity=0)
    assert second.rc != 0
    assert "failed at the propagate step" in second.stdout and "Rolled back" in second.stdout, second.stdout[-4000:]
    assert "Reconcile required" not in second.stdout
    drs_writes = [w for w in rot.writes(since) if w["service"] == "drs"]
    assert len(drs_writes) == 2, "the lost write, then the rollback's write: %r" % drs_writes
    record = rot.record()
    assert record["status"] == "rolled_back"
    for job in (DRS1, DRS2):
        assert record["targets"]["drs:%s:source" % job]["actions"]["rollback"]["outcome"] == "updated"
    assert rot.login(current)
    rot.assert_jobs_healthy()
