#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rotation_state
short_description: Lock and record a credential rotation on the controller
version_added: 0.1.0
description:
  - >-
    Keeps the state of the C(credrotate.cloud.rotation) role for one credential under O(state_dir) on the
    machine the module runs on (the controller: the role runs with C(connection: local)).
  - C(<name>.lock) says who runs a rotation of the credential now. It is created exclusively and holds the
    rotation id, the inventory host, the controller's host name, and the pid and start time of the controlling
    C(ansible-playbook) process. A lock whose process is gone is stale and is taken over.
  - C(<name>.json) is the record of the rotation (mode 0600, replaced atomically). It holds its id and status, the steps
    done with timestamps, the outcome of each action on each target, the provider request ids and the lock.
  - The module never takes, reads or writes a password.
author:
  - credrotate.cloud contributors (@credrotate)
extends_documentation_fragment:
  - credrotate.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode O(action=lock) still fails when a live process holds the lock, but creates nothing.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - O(action=record) with O(step) appends a step entry each time; the other actions are idempotent.
  platform:
    support: full
    platforms: posix
options:
  state_dir:
    description: Directory of the state files (created with mode 0700 when missing).
    type: path
    required: true
  name:
    description: The credential's name; the state files are C(<name>.json), C(<name>.lock) and C(<name>.guard).
    type: str
    required: true
  action:
    description:
      - V(lock) takes the lock (or confirms this process holds it); V(unlock) releases it when this process
        holds it (or when O(force=true)); V(record) merges into the record; V(read) returns the record and the lock.
      - V(resume) lifts the suspension of a credential that failed O(suspend_after) rotations in a row (the role's
        C(rotation_suspend_after)), so that the next scheduled run rotates it again with fresh attempts.
    type: str
    choices: [lock, unlock, record, read, resume]
    default: read
  rotation_id:
    description:
      - The rotation the action is for. With O(action=record), an id other than the record's starts a new
        record (the old one is summarised in RV(record.history)).
    type: str
  owner:
    description: Who takes the lock, normally the inventory host name (two hosts of one play are two owners).
    type: str
    default: ''
  force:
    description: With O(action=unlock), remove a lock held by another process (only when you know it is gone).
    type: bool
    default: false
  suspend_after:
    description:
      - With O(action=resume), the number of consecutive failures that suspends the credential (the role's
        C(rotation_suspend_after)), 0 to 100. Used to tell whether a record without a suspension marker is suspended.
    type: int
    default: 3
  step:
    description: With O(action=record), a step that has completed; it is appended with a timestamp.
    type: str
  status:
    description: With O(action=record), the rotation's status.
    type: str
    choices: [in_progress, completed, rolled_back, failed]
  new_run:
    description: With O(action=record), count one more run of this rotation (and reopen a finished one).
    type: bool
    default: false
  targets:
    description:
      - With O(action=record), outcomes to merge, one per target and action.
      - An V(unchanged) outcome does not replace an earlier V(updated) one of the same rotation.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: Stable key of the target, for example C(drs:<job id>:source).
        type: str
        required: true
      action:
        description: What was done, for example V(set), V(propagate), V(verify) or V(rollback).
        type: str
        required: true
      target:
        description: Human-readable name of the target.
        type: str
      kind:
        description: The kind of target, for example V(gaussdb_mysql_user) or V(drs).
        type: str
      outcome:
        description: V(updated), V(unchanged), V(failed), V(skipped), V(healthy), V(unhealthy) or V(planned).
        type: str
      status:
        description: The provider's status of the target after the action.
        type: str
      request_id:
        description: The provider's request id of the call that did it.
        type: str
      error_code:
        description: The provider's error code when it failed.
        type: str
      error_msg:
        description: The provider's error message when it failed (never a password).
        type: str
  request_ids:
    description: With O(action=record), more provider request ids.
    type: list
    elements: str
    default: []
  error:
    description: With O(action=record), what went wrong (C(step), C(msg)).
    type: dict
  clear_error:
    description: With O(action=record), remove a recorded error.
    type: bool
    default: false
  details:
    description: With O(action=record), more facts about the rotation to keep (no secrets), merged into RV(record.details).
    type: dict
notes:
  - Every read-modify-write of the files holds an exclusive C(flock) on C(<name>.guard).
  - A lock written on another controller cannot be checked for liveness and counts as live; remove it with
    O(action=unlock) and O(force=true) once you know that run is gone.
seealso:
  - name: The rotation role
    description: The C(credrotate.cloud.rotation) role uses this module for its lock and record.
    link: https://github.com/credrotate/cloud/tree/main/roles/rotation
"""

EXAMPLES = r"""
- name: Take the lock of a credential's rotation
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
    action: lock
    rotation_id: "2026-05-01"
    owner: orders-replication

- name: Record a step and a target's outcome
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
    action: record
    rotation_id: "2026-05-01"
    step: propagate
    targets:
      - key: drs:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01:source
        target: DRS 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01 source
        kind: drs
        action: propagate
        outcome: updated

- name: Read the record
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
  register: rotation

- name: Release the lock
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
    action: unlock
    rotation_id: "2026-05-01"
    owner: orders-replication

- name: Resume a credential that was suspended after repeated failures
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
    action: resume
    owner: "{{ lookup('ansible.builtin.env', 'USER') }}"
"""

RETURN = r"""
record:
  description: The record after the action (V(null) for O(action=read) when there is none yet).
  returned: always
  type: dict
  contains:
    rotation_id:
      description: The rotation the record is about.
      type: str
    status:
      description: V(in_progress), V(completed), V(rolled_back) or V(failed).
      type: str
    steps:
      description: Steps done, each C({step, at, run}).
      type: list
      elements: dict
    targets:
      description: Per target key, its name, kind and the latest outcome of each action.
      type: dict
    request_ids:
      description: Provider request ids of the rotation's calls.
      type: list
      elements: str
    history:
      description: Earlier rotations of the credential (id, status, start and end).
      type: list
      elements: dict
    details:
      description: More facts about the rotation recorded with O(details).
      type: dict
    error:
      description: What went wrong (C(step), C(msg)), or V(null).
      type: dict
  sample:
    rotation_id: "2026-05-01"
    status: completed
    runs: 1
    steps: [{step: validate, at: "2026-05-01T10:00:00Z", run: 1}]
    targets: {}
    request_ids: []
lock:
  description: The lock after the action (the holder's for a failed O(action=lock)), or V(null).
  returned: always
  type: dict
  sample: {rotation_id: "2026-05-01", owner: orders-replication, controller: awx-1, pid: 4242,
           pid_start_time: 123456, program: ansible-playbook, since: "2026-05-01T10:00:00Z"}
lock_state:
  description: With O(action=read), V(free), V(live) or V(stale).
  returned: when O(action=read)
  type: str
resumed_from_stale_lock:
  description: With O(action=lock), true when a stale lock (its process gone) was taken over.
  returned: when O(action=lock)
  type: bool
stale_lock:
  description: With O(action=lock), the stale lock that was taken over.
  returned: when RV(resumed_from_stale_lock) is true
  type: dict
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import fail, guarded_module
from ansible_collections.credrotate.cloud.plugins.module_utils._state import run_action


def main():
    module = guarded_module(
        rules={"name": "credential_name", "rotation_id": "text", "suspend_after": "suspend_after"},
        argument_spec=dict(
            state_dir=dict(type="path", required=True),
            name=dict(type="str", required=True),
            action=dict(type="str", default="read", choices=["lock", "unlock", "record", "read", "resume"]),
            rotation_id=dict(type="str"),
            owner=dict(type="str", default=""),
            force=dict(type="bool", default=False),
            suspend_after=dict(type="int", default=3),
            step=dict(type="str"),
            status=dict(type="str", choices=["in_progress", "completed", "rolled_back", "failed"]),
            new_run=dict(type="bool", default=False),
            targets=dict(type="list", elements="dict", default=[], options=dict(
                key=dict(type="str", required=True, no_log=False),
                action=dict(type="str", required=True),
                target=dict(type="str"),
                kind=dict(type="str"),
                outcome=dict(type="str"),
                status=dict(type="str"),
                request_id=dict(type="str"),
                error_code=dict(type="str"),
                error_msg=dict(type="str"),
            )),
            request_ids=dict(type="list", elements="str", default=[]),
            error=dict(type="dict"),
            clear_error=dict(type="bool", default=False),
            details=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    try:
        result = run_action(module.params, check_mode=module.check_mode)
    except CollectionError as err:
        fail(module, err)
    else:
        for text in result.pop("warnings"):
            module.warn(text)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
