# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check mode runs steps 1 and 2 only (every read, no write), prints the plan and stores nothing; the real
run then does what the plan said, target by target. Promises 24 (no write under --check, the same
``changed``) and 19 (no secret at -vvvv) for the role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from conftest import orders_credential, plan_rows, summary_rows
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

PLAN_WORDS = {"would update": "updated", "no change": "unchanged"}


def _planned(run):
    return sorted((target, action, PLAN_WORDS[plan]) for target, action, plan, _now in plan_rows(run))


def _done(run):
    """What this run did to each target: an action done by an earlier run of the rotation shows as
    "updated (run N)" and counts as unchanged now."""
    out = []
    for target, action, outcome, _rid in summary_rows(run):
        if action in ("set", "propagate"):
            out.append((target, action, "unchanged" if "(run " in outcome else outcome.split(" ")[0]))
    return sorted(out)


def _hosts(rot):
    return {"orders-db": {"rotation_credential": orders_credential(rot.names),
                          "rotation_current_password": rot.names["current"]}}


def test_check_mode_plans_without_writing_and_the_real_run_follows_the_plan(rotation):
    """--check reads the owner, the users list, every DRS and DTS job (and probes the login), writes nothing to
    any cloud or to the state directory, and plans a change of every target; the real run then changes exactly
    those targets."""
    rot = rotation()
    hosts = _hosts(rot)
    planned = rot.run(hosts, {"rotation_id": "plan-1"}, check=True)
    assert planned.rc == 0, planned.stdout[-5000:]
    entries = rot.emu.journal.entries()
    assert entries and rot.writes() == []
    assert {e["service"] for e in entries} >= {"gaussdb", "drs", "dts"}
    # (the DRS/DTS modules may create the ledger's directory and lock file while they read the ledger)
    stored = os.listdir(rot.state_dir) if os.path.exists(rot.state_dir) else []
    assert [f for f in stored if not f.startswith("orders.ledger")] == [], "check mode stores nothing: %s" % stored
    plan = _planned(planned)
    assert len(plan) == 4 and all(outcome == "updated" for _t, _a, outcome in plan)
    assert_no_secrets(planned, rot.emu, rot.names["current"])

    real = rot.run(hosts, {"rotation_id": "plan-1"}, verbosity=1)
    assert real.rc == 0, real.stdout[-5000:]
    assert _done(real) == plan


def test_plan_of_a_half_done_rotation(rotation):
    """After a run that stopped once the owner had the new password, --check plans "no change" for the owner (the
    login probe proves it) and an update of every job, without writing or taking over the stale lock; resuming
    does exactly that."""
    rot = rotation()
    hosts = _hosts(rot)
    stopped = rot.run(hosts, {"rotation_fail_after_step": "set"}, verbosity=0)
    assert stopped.rc != 0
    pending = rot.secrets()["pending"]["password"]
    with open(os.path.join(rot.state_dir, "orders.lock")) as handle:
        lock = handle.read()
    since = rot.last_seq()
    planned = rot.run(hosts, check=True)
    assert planned.rc == 0, planned.stdout[-5000:]
    assert rot.writes(since) == []
    with open(os.path.join(rot.state_dir, "orders.lock")) as handle:
        assert handle.read() == lock, "check mode must not take over the lock"
    plan = _planned(planned)
    assert [p for p in plan if p[1] == "set"][0][2] == "unchanged"
    assert sorted(p[2] for p in plan if p[1] == "propagate") == ["updated"] * 3
    assert_no_secrets(planned, rot.emu, rot.names["current"], pending)

    real = rot.run(hosts, verbosity=1)
    assert real.rc == 0, real.stdout[-5000:]
    assert _done(real) == plan
    assert [w["service"] for w in rot.writes(since)] == ["drs", "dts"]
