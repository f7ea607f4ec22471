# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rotation_decision
author:
  - credrotate.cloud contributors (@credrotate)
version_added: 0.2.0
short_description: Decide whether a rotation run starts, resumes, refuses or has nothing to do
description:
  - Takes the stored state of one credential (the secret file's pending rotation id and completed rotation id, and the
    state record of M(credrotate.cloud.rotation_state)) and the O(requested_id) the user gave, and returns what this
    run does. The rotation id is the idempotency key; a rolled-back rotation never blocks a new one.
  - The rotation role uses it; it reads ids only, never a password.
options:
  _input:
    description: The rotation id of the stored pending password, or an empty string when none is stored.
    type: str
    required: true
  completed_id:
    description: The secret file's C(completed_rotation_id).
    type: str
  requested_id:
    description: The C(rotation_id) given for this run, if any.
    type: str
  record:
    description: The state record (C(rotation_id), C(status), C(history)).
    type: dict
"""

EXAMPLES = r"""
- name: Decide what this run does
  ansible.builtin.set_fact:
    decision: "{{ pending_id | credrotate.cloud.rotation_decision(completed_id=completed, requested_id=rotation_id,
                                                                  record=state.record) }}"
"""

RETURN = r"""
_value:
  description:
    - C(mode) (V(new), V(resume), V(conflict) or V(done)), C(id) (the rotation id of this run, or for V(conflict) the
      unfinished one) and C(why) (one sentence).
  type: dict
"""

import datetime
import secrets

from ansible_collections.credrotate.cloud.plugins.module_utils._resume import decide


def generated_id():
    """``20261201T150405Z-a1b2c3``: UTC time and 24 random bits."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return "%s-%06x" % (stamp, secrets.randbits(24))


def rotation_decision(pending_id, completed_id=None, requested_id=None, record=None):
    return decide(pending_id, completed_id, requested_id, record or {}, generated_id())


class FilterModule(object):
    def filters(self):
        return {"rotation_decision": rotation_decision}
