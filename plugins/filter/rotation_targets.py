# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rotation_targets
author:
  - credrotate.cloud contributors (@credrotate)
version_added: 0.1.0
short_description: Turn module results into the per-target entries of a rotation record
description:
  - Maps the per-target C(results) of M(credrotate.cloud.drs_job_password) and M(credrotate.cloud.dts_job_password),
    or the C(jobs) of M(credrotate.cloud.drs_job_info) and M(credrotate.cloud.dts_job_info), to the O(credrotate.cloud.rotation_state#module:targets)
    entries of M(credrotate.cloud.rotation_state) (C(key), C(target), C(kind), C(action), C(outcome), C(status),
    C(request_id), C(error_code), C(error_msg)).
  - For the C(*_info) kinds, O(dependants) names the job endpoints to report; each gets V(healthy), V(unhealthy) or
    V(missing) from its job's state.
  - The rotation role uses it; the entries hold no secret because the module results hold none.
options:
  _input:
    description: The module's C(results) (password kinds) or C(jobs) (info kinds).
    type: list
    elements: dict
    required: true
  kind:
    description: V(drs), V(dts), V(drs_info) or V(dts_info).
    type: str
    required: true
  action:
    description: The action to record, for example V(propagate), V(rollback) or V(verify).
    type: str
    required: true
  dependants:
    description:
      - For the info kinds, the job endpoints to report, each C({id, endpoint}) (DTS also C(direction)).
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Record what a DRS task did
  credrotate.cloud.rotation_state:
    state_dir: /tmp/credrotate-example-state
    name: orders-replication
    action: record
    targets: "{{ drs_result.results | credrotate.cloud.rotation_targets('drs', 'propagate') }}"
"""

RETURN = r"""
_value:
  description: One entry per target, for O(credrotate.cloud.rotation_state#module:targets).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.credrotate.cloud.plugins.plugin_utils._report import change_entries, health_entries


def rotation_targets(items, kind, action, dependants=None):
    if kind not in ("drs", "dts", "drs_info", "dts_info"):
        raise AnsibleFilterError("rotation_targets: kind must be drs, dts, drs_info or dts_info, not %r" % (kind,))
    if kind in ("drs", "dts"):
        return change_entries(kind, action, items)
    base = kind.split("_")[0]
    return health_entries(base, action, items, [dict(d, direction=d.get("direction") or "forward") if base == "dts"
                                                else d for d in dependants or ()])


class FilterModule(object):
    def filters(self):
        return {"rotation_targets": rotation_targets}
