# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: discovery of jobs that use the owner's account but are not listed as dependants.

DRS: an endpoint on the owner's instance (``inst_id``) logging in as the owner's user (any user for a
DCS owner). DTS: an endpoint logging in as the owner's user name (DTS does not know Huawei instance
ids; DCS owners are not matched). Known dependants are looked up in sets, so this is linear in the
number of jobs listed.
"""

from ansible_collections.credrotate.cloud.plugins.plugin_utils._owners import discover_user


def unregistered(services, owner, drs, dts, kinds, ignore):
    """``{"jobs": [description, ...], "errors": [message, ...]}`` of unlisted job endpoints using the account."""
    user = discover_user(owner)
    ignore = set(ignore or ())
    found, errors = [], []
    if "drs" in kinds:
        known = set((d["id"], d["endpoint"]) for d in drs)
        listed = services.call("drs_job_info", {})
        if listed.get("failed"):
            errors.append("DRS: %s" % (listed.get("msg") or "failed"))
        for job in listed.get("jobs") or ():
            if job.get("id") in ignore:
                continue
            for side in ("source", "target"):
                endpoint = job.get(side + "_endpoint") or {}
                if endpoint.get("inst_id") == owner.instance_id and (not user or endpoint.get("db_user") == user) \
                        and (job.get("id"), side) not in known:
                    found.append("DRS job %s (%s) %s logs in as %s on %s" % (
                        job.get("id"), job.get("name") or "", side, endpoint.get("db_user") or "?",
                        endpoint.get("inst_id")))
    if "dts" in kinds and owner.type != "dcs_instance" and user:
        known = set((d["id"], d["endpoint"], d.get("direction") or "forward") for d in dts)
        listed = services.call("dts_job_info", {})
        if listed.get("failed"):
            errors.append("DTS: %s" % (listed.get("msg") or "failed"))
        for job in listed.get("jobs") or ():
            if job.get("id") in ignore:
                continue
            direction = job.get("direction") or "forward"
            for side in ("source", "destination"):
                endpoint = job.get(side) or {}
                if endpoint.get("user_name") == user and (job.get("id"), side, direction) not in known:
                    found.append("DTS job %s (%s) %s %s logs in as %s" % (job.get("id"), job.get("name") or "", side,
                                                                          direction, user))
    return {"jobs": found, "errors": errors}
