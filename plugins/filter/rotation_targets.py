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

from ansible_collections.credrotate.cloud.plugins.module_utils._targets import record_key, record_label

DRS_FAILED_SUFFIX = "_FAILED"
DTS_FAILED = frozenset(s.lower() for s in ("Failed", "MigrationFailed", "InitializeFailed", "PrecheckFailed",
                                           "Abnormal"))


def _entry(kind, action, job_id, endpoint, direction=None, **fields):
    entry = {"key": record_key(kind, job_id, endpoint, direction),
             "target": record_label(kind, job_id, endpoint, direction),
             "kind": kind, "action": action}
    for name, value in fields.items():
        if value is not None and value != "":
            entry[name] = "%s" % (value,)
    return entry


def _drs_healthy(job):
    status = job.get("status") or ""
    if "healthy" in job:
        return bool(job["healthy"])
    return bool(status) and not status.endswith(DRS_FAILED_SUFFIX) and not job.get("error_code")


def _dts_healthy(job):
    if "failed" in job:
        return not job["failed"]
    return (job.get("status") or "").lower() not in DTS_FAILED


def rotation_targets(items, kind, action, dependants=None):
    if kind not in ("drs", "dts", "drs_info", "dts_info"):
        raise AnsibleFilterError("rotation_targets: kind must be drs, dts, drs_info or dts_info, not %r" % (kind,))
    items = items or []
    out = []
    if kind in ("drs", "dts"):
        for item in items:
            out.append(_entry(kind, action, item.get("id"), item.get("endpoint"), item.get("direction"),
                              outcome=item.get("outcome"), status=item.get("status"),
                              request_id=item.get("request_id"), error_code=item.get("error_code"),
                              error_msg=item.get("error_msg")))
        return out
    base = kind.split("_")[0]
    healthy = _drs_healthy if base == "drs" else _dts_healthy
    for dependant in dependants or []:
        job_id, endpoint = dependant.get("id"), dependant.get("endpoint")
        direction = (dependant.get("direction") or "forward") if base == "dts" else None
        job = None
        for candidate in items:
            if candidate.get("id") != job_id:
                continue
            if base == "dts" and (candidate.get("direction") or "forward") != direction:
                continue
            job = candidate
            break
        if job is None:
            out.append(_entry(base, action, job_id, endpoint, direction, outcome="missing",
                              error_msg="the job was not found"))
            continue
        ok = healthy(job)
        error = job.get("error_message")
        out.append(_entry(base, action, job_id, endpoint, direction, outcome="healthy" if ok else "unhealthy",
                          status=job.get("status"), error_code=None if ok else job.get("error_code"),
                          error_msg=None if ok else error))
    return out


class FilterModule(object):
    def filters(self):
        return {"rotation_targets": rotation_targets}
