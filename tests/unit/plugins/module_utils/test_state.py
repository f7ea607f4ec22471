# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rotation state store (_state) on the _files helper: record, lock, files written by 0.1.0, run_action."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils import _state
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import failure_result
from ansible_collections.credrotate.cloud.plugins.module_utils._state import LockedError, StateError, StateStore

# A record exactly as the 0.1.0 code (before the _files helper) wrote it.
OLD_RECORD = (
    '{\n "details": {\n  "owner": "gaussdb_user"\n },\n "error": null,\n "events": [],\n "finished_at": null,\n'
    ' "history": [],\n "lock": null,\n "name": "orders",\n "request_ids": [\n  "req-9"\n ],\n'
    ' "rotation_id": "r-old",\n "runs": 1,\n "started_at": "2026-12-01T15:25:14Z",\n "status": "in_progress",\n'
    ' "steps": [\n  {\n   "at": "2026-12-01T15:25:14Z",\n   "run": 1,\n   "step": "validate"\n  }\n ],\n'
    ' "targets": {\n  "drs:j1:source": {\n   "actions": {\n    "propagate": {\n'
    '     "at": "2026-12-01T15:25:14Z",\n     "outcome": "updated",\n     "request_id": "req-9",\n     "run": 1\n'
    '    }\n   },\n   "kind": null,\n   "target": "drs:j1:source"\n  }\n },\n'
    ' "updated_at": "2026-12-01T15:25:14Z",\n "version": 1\n}\n')


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def store(tmp_path):
    return StateStore(str(tmp_path / "state"), "orders")


def test_a_record_written_by_0_1_0_reads_and_resumes(store):
    """The old record is read as it is; a resumed run of the same rotation merges into it and keeps its history."""
    os.makedirs(store.state_dir)
    with open(store.record_path, "w") as handle:
        handle.write(OLD_RECORD)
    record, lock, lock_state = store.read()
    assert record == json.loads(OLD_RECORD) and (lock, lock_state) == (None, "free")
    changed, record = store.record(rotation_id="r-old", step="pending", new_run=True,
                                   targets=[{"key": "drs:j1:source", "action": "propagate", "outcome": "unchanged"}])
    assert changed and record["runs"] == 2 and [s["step"] for s in record["steps"]] == ["validate", "pending"]
    # an "unchanged" of a resumed run keeps the run that did the work
    assert record["targets"]["drs:j1:source"]["actions"]["propagate"]["outcome"] == "updated"


def test_the_new_writer_keeps_the_0_1_0_document():
    """The same document; the old text's first two levels line by line (deeper values one per line)."""
    text = _files.json_text(json.loads(OLD_RECORD), newline=True)
    assert json.loads(text) == json.loads(OLD_RECORD) and text.endswith("}\n")
    old_lines = OLD_RECORD.splitlines()
    assert [line for line in text.splitlines() if line.startswith(' "')] == [
        line for line in old_lines if line.startswith(' "')]


def test_record_and_lock_are_0600_in_a_0700_directory(store):
    store.lock("r1", "host-a")
    store.record(rotation_id="r1", step="validate")
    assert mode(store.state_dir) == 0o700
    for path in (store.record_path, store.lock_path, store.guard_path):
        assert mode(path) == 0o600, path
    lock = json.load(open(store.lock_path))
    assert lock["rotation_id"] == "r1" and lock["owner"] == "host-a" and lock["pid"]
    assert open(store.lock_path).read() == _files.json_text(lock)  # no final newline, as before


def test_a_live_lock_of_another_holder_is_refused_with_its_content(store):
    store.lock("r1", "host-a")
    with pytest.raises(LockedError) as info:
        store.lock("r2", "host-b")
    assert "rotation r1 of orders is already running" in str(info.value)
    result = failure_result(info.value)
    assert result["error"]["code"] == "Locked" and result["lock"]["owner"] == "host-a" and result["record"] is None


def test_lock_creation_is_exclusive(store):
    """Two takers of a free lock: the second link fails and it gets LockedError naming the first."""
    store.ensure_dir()
    first = store.me("r1", "host-a")
    store._write_lock(first)
    with pytest.raises(LockedError):
        store._write_lock(store.me("r2", "host-b"))
    assert json.load(open(store.lock_path))["rotation_id"] == "r1"
    assert [n for n in os.listdir(store.state_dir) if n.startswith(".")] == []


def test_a_stale_lock_is_taken_over_and_the_event_recorded(store, monkeypatch):
    store.lock("r1", "host-a")
    monkeypatch.setattr(_state, "process_alive", lambda pid, start: False)
    changed, lock, stale = store.lock("r2", "host-b")
    assert changed and stale["rotation_id"] == "r1" and lock["rotation_id"] == "r2"
    record = json.load(open(store.record_path))
    assert record["events"][-1]["event"] == "resumed_from_stale_lock"


def test_check_mode_creates_nothing(tmp_path):
    store = StateStore(str(tmp_path / "none"), "orders")
    assert store.lock("r1", "h", check_mode=True)[0] is True
    assert store.record(rotation_id="r1", step="validate", check_mode=True)[0] is True
    assert not (tmp_path / "none").exists()


def test_unusable_name_and_corrupt_record_are_state_errors(store):
    with pytest.raises(StateError):
        StateStore(store.state_dir, "../escape")
    os.makedirs(store.state_dir)
    with open(store.record_path, "w") as handle:
        handle.write("{broken")
    with pytest.raises(StateError) as info:
        store.record(rotation_id="r1")
    assert str(info.value) == "the state record %s is not valid JSON" % store.record_path
    assert failure_result(info.value)["error"] == {"code": "StateError", "message": str(info.value), "kind": "state"}


def params(state_dir, **extra):
    base = {"state_dir": state_dir, "name": "orders", "action": "read", "rotation_id": None, "owner": "",
            "force": False, "step": None, "status": None, "new_run": False, "targets": [], "request_ids": [],
            "error": None, "clear_error": False, "details": None}
    base.update(extra)
    return base


def test_run_action_is_the_module_without_exiting(tmp_path):
    state_dir = str(tmp_path / "s")
    assert _state.run_action(params(state_dir)) == {"changed": False, "record": None, "lock": None,
                                                    "lock_state": "free", "warnings": []}
    result = _state.run_action(params(state_dir, action="lock", rotation_id="r1", owner="h"))
    assert result["changed"] and result["resumed_from_stale_lock"] is False and result["warnings"] == []
    result = _state.run_action(params(state_dir, action="record", rotation_id="r1", step="validate"))
    assert result["record"]["steps"][0]["step"] == "validate"
    result = _state.run_action(params(state_dir, action="unlock", rotation_id="r1", owner="h"))
    assert result["changed"] and result["lock"] is None
