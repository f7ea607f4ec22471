# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The resume decision, one row per branch: (pending, completed, requested, record) -> (mode, id)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._resume import MODES, decide
from ansible_collections.credrotate.cloud.plugins.plugin_utils._engine import generated_id

GEN = "generated-id"


def rec(rotation_id=None, status=None, history=()):
    out = {"history": [{"rotation_id": i, "status": s} for i, s in history]}
    if rotation_id:
        out.update(rotation_id=rotation_id, status=status)
    return out


TABLE = [
    # nothing stored at all
    ("first run, no id", "", "", "", {}, "new", GEN),
    ("first run, id given", "", "", "r1", {}, "new", "r1"),
    # a pending password is stored
    ("pending, same id", "p1", "", "p1", rec("p1", "in_progress"), "resume", "p1"),
    ("pending, no id", "p1", "", "", rec("p1", "in_progress"), "resume", "p1"),
    ("pending, other id", "p1", "", "r2", rec("p1", "in_progress"), "conflict", "p1"),
    ("pending rolled back, no id", "p1", "", "", rec("p1", "rolled_back"), "new", GEN),
    ("pending rolled back, other id", "p1", "", "r2", rec("p1", "rolled_back"), "new", "r2"),
    ("pending rolled back, same id retries it", "p1", "", "p1", rec("p1", "rolled_back"), "resume", "p1"),
    # issue 9 defect: after a rollback, a later rotation stopped before storing its pending password
    ("rolled back in history, later run stopped early, no id", "p1", "", "",
     rec("r2", "in_progress", [("p1", "rolled_back")]), "new", "r2"),
    ("rolled back in history, later run stopped early, other id", "p1", "", "r3",
     rec("r2", "failed", [("p1", "rolled_back")]), "new", "r3"),
    ("rolled back in history, asked for a completed id", "p1", "c0", "c0",
     rec("r2", "failed", [("c0", "completed"), ("p1", "rolled_back")]), "done", "c0"),
    # nothing pending
    ("completed id asked again (secret file)", "", "r1", "r1", rec("r1", "completed"), "done", "r1"),
    ("completed id asked again (record)", "", "", "r1", rec("r1", "completed"), "done", "r1"),
    ("completed id asked again (history)", "", "r2", "r1", rec("r2", "completed", [("r1", "completed")]), "done", "r1"),
    ("promoted, then killed before the record", "", "r1", "", rec("r1", "in_progress"), "done", "r1"),
    ("stopped before pending was stored", "", "r0", "", rec("r1", "in_progress"), "new", "r1"),
    ("stopped before pending, new id given", "", "", "r9", rec("r1", "in_progress"), "new", "r9"),
    ("last one completed, no id: a new rotation", "", "r1", "", rec("r1", "completed"), "new", GEN),
    ("last one failed, no id: a new rotation", "", "", "", rec("r1", "failed"), "new", GEN),
]


@pytest.mark.parametrize("case,pending,completed,requested,record,mode,rotation_id", TABLE, ids=[t[0] for t in TABLE])
def test_decision_table(case, pending, completed, requested, record, mode, rotation_id):
    decision = decide(pending, completed, requested, record, GEN)
    assert (decision["mode"], decision["id"]) == (mode, rotation_id), case
    assert decision["why"] and decision["mode"] in MODES


def test_every_mode_is_reachable_from_the_table():
    assert set(row[5] for row in TABLE) == set(MODES)


def test_a_conflict_names_the_unfinished_rotation():
    assert decide("p1", "", "r2", {}, GEN)["why"] == "rotation p1 is unfinished"


def test_a_new_rotation_after_a_rollback_says_so():
    assert decide("p1", "", "", rec("p1", "rolled_back"), GEN)["why"] == "rotation p1 was rolled back; starting a new one"


def test_the_engine_generates_a_fresh_timestamped_id_per_new_rotation():
    first, second = generated_id(), generated_id()
    assert re.match(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$", first) and first != second
