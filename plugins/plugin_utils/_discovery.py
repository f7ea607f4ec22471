# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: discovery of the jobs that log in to the owner with its account.

:func:`discover` reads the owner's addresses and port (show instance), lists every DRS job (v3
list and details) and every DTS job (DescribeDtsJobs and details), and matches each endpoint as
precisely as the API allows:

* DRS: by instance id and user (``inst_id`` is the owner's instance); else by address, port and
  user (an endpoint that gives an address of the owner and its port);
* DTS: by address, port and user (DTS does not know Huawei instance ids).

The user is the owner's account (a DCS owner has none: any user matches). The owner's addresses
are its private and public IPs and DNS names, and the probe host of the credential. Matched
endpoints that are listed dependants are left alone; the others are ``found`` (the engine stops
before any write), unless their job id is in ``discover_ignore`` (then ``ignored``, with the
reason, and watched during verify). Known dependants are looked up in sets: linear in the number
of jobs listed.
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.credrotate.cloud.plugins.module_utils._fields import api_int
from ansible_collections.credrotate.cloud.plugins.plugin_utils._listing import CacheError, job_keys, owner_keys
from ansible_collections.credrotate.cloud.plugins.plugin_utils._owners import discover_user

# The permission each listing needs, as docs/huaweicloud.md and docs/alicloud.md document it.
PERMISSIONS = {
    "drs": "listing DRS jobs (POST /v3/{project_id}/jobs and batch-detail; the DRS read actions or the "
           "DRS ReadOnlyAccess policy, see docs/huaweicloud.md)",
    "dts": "listing DTS jobs (RAM action dts:DescribeDtsJobs on \"*\", see docs/alicloud.md)",
    "owner": "reading the owner's instance (show instance, see docs/huaweicloud.md)",
}
LISTINGS = {"drs": ("drs_job_info", ("source_endpoint", "target_endpoint")),
            "dts": ("dts_job_info", ("source", "destination"))}
DENIED_KINDS = ("auth", "permission")
DENIED_CODES = ("Forbidden", "Forbidden.RAM", "NoPermission", "APIGW.0302", "APIGW.0307", "IAM.0003")


def _denied(result):
    error = result.get("error") or {}
    code = "%s" % (error.get("code") or "")
    return error.get("kind") in DENIED_KINDS or code in DENIED_CODES or code.startswith("Forbidden")


def _error(kind, result):
    message = result.get("msg") or "failed"
    if _denied(result):
        return ("%s: permission denied (%s). Grant the permission for %s, or turn discovery off "
                "(rotation_discover_dependants: false, or leave %s out of rotation_discover_services) if you know "
                "every job that stores this password." % (kind.upper() if kind != "owner" else "the owner", message,
                                                          PERMISSIONS[kind], kind if kind != "owner" else "it"))
    return "%s: %s" % (kind.upper() if kind != "owner" else "the owner", message)


def owner_endpoint(services, owner):
    """``({addresses}, port, error)`` of the owner, from its show-instance read."""
    addresses = set()
    if owner.spec.get("probe_host"):
        addresses.add(owner.spec["probe_host"].lower())
    result = services.call(owner.info_service, {"instance_id": owner.instance_id})
    if result.get("failed"):
        return addresses, None, _error("owner", result)
    instance = result.get("instance") or {}
    for name in owner.address_fields:
        value = instance.get(name)
        for item in value if isinstance(value, list) else ("%s" % (value or "")).split(","):
            if ("%s" % item).strip():
                addresses.add(("%s" % item).strip().lower())
    port = owner.spec.get("probe_port") or instance.get("port")
    return addresses, api_int(port), None


def _match(endpoint, user, addresses, port, instance_id=None, user_field="db_user", ip="ip", port_field="db_port"):
    """How ``endpoint`` matched the owner ('' when it does not)."""
    if user and endpoint.get(user_field) != user:
        return ""
    who = " as %s" % endpoint.get(user_field) if endpoint.get(user_field) else ""
    if instance_id and endpoint.get("inst_id") == instance_id:
        return "by instance id %s%s" % (instance_id, " and user" if user else "")
    address = ("%s" % (endpoint.get(ip) or "")).lower()
    if address and address in addresses and port is not None and api_int(endpoint.get(port_field)) == port:
        return "by address %s:%s%s" % (address, port, " and user" if user else who)
    return ""


def ignore_reasons(items):
    """``{job_id: reason}`` of ``discover_ignore`` (job ids, or ``{job_id, reason}`` dicts)."""
    out = {}
    for item in items or ():
        if isinstance(item, dict):
            out["%s" % item.get("job_id")] = "%s" % (item.get("reason") or "")
        else:
            out["%s" % item] = ""
    return out


def _list_jobs(services, kind, cache, keys):
    """``(result, jobs)`` of the ``kind`` listing: every job of the scope, or with a ``cache`` (a fleet run's
    :class:`_listing.ListingCache`) the jobs filed under ``keys``; ``result["listed"]`` counts the scope's jobs."""
    service, sides = LISTINGS[kind]
    scope = services.scope(service) if cache is not None else None
    if scope:
        try:
            return cache.jobs(kind, scope, keys, lambda: services.call(service, {}), lambda job: job_keys(job, sides))
        except CacheError:  # the cache is an optimisation: list directly
            pass
    listed = services.call(service, {})
    jobs = list(listed.get("jobs") or ())
    return dict(listed, listed=len(jobs)), jobs


def discover(services, owner, drs, dts, kinds, ignore, dts_configured=True, cache=None):
    """Jobs using the owner's account that are not dependants.

    ``ignore``: ``{job_id: reason}``; ``cache``: the run's listing cache, or None. Returns ``{"found":
    [job...], "ignored": [job...], "errors": [msg...], "skipped": [msg...]}``, each job ``{"kind", "id",
    "name", "side", "direction", "how", "reason"}``. Without a cache the listings do not depend on the
    owner: the owner is read and the DRS and DTS jobs listed at the same time.
    """
    user = discover_user(owner)
    out = {"found": [], "ignored": [], "errors": [], "skipped": [], "listed": {}}
    search_dts = "dts" in kinds and (dts_configured or bool(dts))
    wanted = [kind for kind in ("drs", "dts") if kind in kinds and (kind == "drs" or search_dts)]
    early = {}
    if cache is None and wanted:
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            futures = dict((kind, pool.submit(_list_jobs, services, kind, None, None)) for kind in wanted)
            addresses, port, error = owner_endpoint(services, owner)
            early = dict((kind, future.result()) for kind, future in futures.items())
    else:
        addresses, port, error = owner_endpoint(services, owner)
    if error:
        out["errors"].append(error)
        return out

    def add(kind, job, side, how, direction=None):
        item = {"kind": kind, "id": job.get("id"), "name": job.get("name") or "", "side": side,
                "direction": direction, "how": how}
        if job.get("id") in ignore:
            item["reason"] = ignore[job.get("id")]
            out["ignored"].append(item)
        else:
            out["found"].append(item)

    if "drs" in kinds:
        known = set((d["id"], d["endpoint"]) for d in drs)
        listed, jobs = early.get("drs") or _list_jobs(services, "drs", cache, owner_keys(owner.instance_id, addresses))
        if listed.get("failed"):
            out["errors"].append(_error("drs", listed))
        out["listed"]["drs"] = listed.get("listed", len(jobs))
        for job in jobs:
            for side in ("source", "target"):
                how = _match(job.get(side + "_endpoint") or {}, user, addresses, port, owner.instance_id)
                if how and (job.get("id"), side) not in known:
                    add("drs", job, side, how)
    if "dts" in kinds and not search_dts:
        out["skipped"].append("DTS was not searched: no Alibaba Cloud credentials are configured "
                              "(rotation_alicloud or ALICLOUD_ACCESS_KEY)")
    elif "dts" in kinds:
        known = set((d["id"], d["endpoint"], d.get("direction") or "forward") for d in dts)
        listed, jobs = early.get("dts") or _list_jobs(services, "dts", cache, owner_keys(None, addresses))
        if listed.get("failed"):
            out["errors"].append(_error("dts", listed))
        out["listed"]["dts"] = listed.get("listed", len(jobs))
        for job in jobs:
            direction = job.get("direction") or "forward"
            for side in ("source", "destination"):
                how = _match(job.get(side) or {}, user, addresses, port, user_field="user_name", port_field="port")
                if how and (job.get("id"), side, direction) not in known:
                    add("dts", job, side, how, direction)
    return out


def describe(job):
    """One line about a discovered job endpoint: which job, which side, how it matched."""
    return "%s job %s%s, %s endpoint%s, matched %s" % (
        job["kind"].upper(), job["id"], " (%s)" % job["name"] if job["name"] else "", job["side"],
        " (%s)" % job["direction"] if job.get("direction") else "", job["how"])
