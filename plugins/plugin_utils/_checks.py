# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: what the ``rotate`` action's argument spec cannot say, checked before any call.

Ids have their provider's format (the modules' formats), numbers their bounds, dependants their
endpoints, the owner its user. Each broken rule is one problem ``(top, path, message)`` naming the
option by its path; ``prefix`` (``rotation_`` from the role) makes the paths the role's variable
names. No message shows a value that could be a secret.
"""

from ansible_collections.credrotate.cloud.plugins.module_utils import _schedule
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import bounds_problem, format_problem
from ansible_collections.credrotate.cloud.plugins.plugin_utils._stores import (
    default_secret_name,
    id_problem,
    secret_name_problem,
)

# option -> its bounds in _validate.BOUNDS
NUMBERS = {
    "password_length": "password_length",
    "probe_timeout": "probe_timeout",
    "wait_timeout": "wait_timeout",
    "verify_timeout": "verify_timeout",
    "verify_interval": "verify_interval",
    "dts_concurrency": "concurrency",
    "suspend_after": "suspend_after",
    "webhook_timeout": "webhook_timeout",
}
ENDPOINTS = {"drs": ("source", "target"), "dts": ("source", "destination")}
JOB_FORMATS = {"drs": "drs_job_id", "dts": "dts_job_id"}


def problems(settings, prefix=""):
    """Every broken rule of ``settings`` (the validated action options)."""
    out = []

    def name(path):
        return path if path.startswith("rotation_") else prefix + path

    def add(top, path, message):
        if message:
            out.append((name(top), name(path), message))

    def fmt(top, path, value, kind, required=False):
        if value not in (None, "") or (required and value == ""):
            add(top, path, format_problem(name(path), value, kind))

    credential = settings["credential"]
    owner = credential["owner"]
    fmt("credential", "credential.name", credential["name"], "credential_name", required=True)
    kind = "dcs_instance_id" if owner["type"] == "dcs_instance" else "gaussdb_instance_id"
    fmt("credential", "credential.owner.instance_id", owner["instance_id"], kind, required=True)
    if owner["type"] == "gaussdb_mysql_user" and not owner.get("user"):
        add("credential", "credential.owner.user", "%scredential.owner.user is required when %scredential.owner.type "
                                                   "is gaussdb_mysql_user" % (prefix, prefix))
    if owner["type"] == "dcs_instance" and owner.get("user"):
        add("credential", "credential.owner.user", "%scredential.owner.user must not be set when "
                                                   "%scredential.owner.type is dcs_instance (a DCS instance has no "
                                                   "user)" % (prefix, prefix))
    fmt("credential", "credential.owner.user", owner.get("user"), "gaussdb_user")
    fmt("credential", "credential.owner.host", owner.get("host"), "db_host")
    fmt("credential", "credential.owner.probe_host", owner.get("probe_host"), "hostname")
    if owner.get("probe_port") is not None:
        add("credential", "credential.owner.probe_port",
            bounds_problem(prefix + "credential.owner.probe_port", owner["probe_port"], "port"))
    seen = {}
    for index, dependant in enumerate(credential.get("dependants") or ()):
        path = "credential.dependants[%d]" % index
        kind = dependant["type"]
        fmt("credential", path + ".job_id", dependant["job_id"], JOB_FORMATS[kind], required=True)
        if dependant["endpoint"] not in ENDPOINTS[kind]:
            add("credential", path + ".endpoint", "%s%s.endpoint must be %s for a %s dependant"
                % (prefix, path, " or ".join(ENDPOINTS[kind]), kind))
        if kind == "drs" and dependant.get("user"):
            add("credential", path + ".user", "%s%s.user is for dts dependants only, not for a drs dependant"
                % (prefix, path))
        fmt("credential", path + ".user", dependant.get("user"), "db_user")
        key = (kind, dependant["job_id"], dependant["endpoint"], dependant.get("direction") or "forward")
        if key in seen:
            add("credential", path, "%s%s lists the same job endpoint as %scredential.dependants[%d]"
                % (prefix, path, prefix, seen[key]))
        seen.setdefault(key, index)
    for index, item in enumerate(settings.get("discover_ignore") or ()):
        path = "discover_ignore[%d]" % index
        if isinstance(item, dict):
            extra = sorted("%s" % k for k in item if k not in ("job_id", "reason"))
            if extra:
                add("discover_ignore", path, "%s%s takes job_id and reason only, not %s" % (prefix, path, ", ".join(extra)))
            fmt("discover_ignore", path + ".reason", item.get("reason"), "text")
            path, job_id = path + ".job_id", item.get("job_id")
        else:
            job_id = item
        if not isinstance(job_id, str) or (format_problem(path, job_id, "drs_job_id")
                                           and format_problem(path, job_id, "dts_job_id")):
            add("discover_ignore", path, "%s%s must be a DRS or DTS job id (a string, or a dict with job_id and reason)"
                % (prefix, path))
    fmt("rotation_id", "rotation_id", settings.get("rotation_id"), "text")
    store = settings.get("store") or "file"
    if store != "file":
        if settings.get("rotation_id") not in (None, "") and id_problem(settings["rotation_id"]):
            add("rotation_id", "rotation_id", "rotation_id %s" % id_problem(settings["rotation_id"]))
        secret = settings.get("store_secret")
        if secret not in (None, "") and secret_name_problem(store, secret):
            add("store_secret", "store_secret", "%s must be a %s secret name: %s"
                % (name("store_secret"), store.upper(), secret_name_problem(store, secret)))
        elif secret in (None, "") and secret_name_problem(store, default_secret_name(credential["name"])):
            add("store_secret", "store_secret", "%s is required: credrotate-<credential name> is not a usable %s secret "
                "name" % (name("store_secret"), store.upper()))
    elif settings.get("store_secret") not in (None, ""):
        add("store_secret", "store_secret", "%s is for rotation_store csms or kms, not file" % name("store_secret"))
    for option, parse in (("max_age", _schedule.parse_age), ("window", _schedule.parse_window)):
        if settings.get(option) not in (None, "", {}):
            try:
                parse(settings[option], option=name(option))
            except _schedule.ScheduleError as err:
                add(option, option, "%s" % err)
    if settings.get("mode") == "propagate":
        if settings.get("new_password"):
            add("new_password", "new_password", "%s must not be set with %s=propagate (the store's current password "
                "is propagated)" % (name("new_password"), name("mode")))
    fmt("state_dir", "state_dir", settings.get("state_dir"), "path")
    fmt("events_file", "events_file", settings.get("events_file"), "path")
    for option, kind in sorted(NUMBERS.items()):
        add(option, option, bounds_problem(name(option), settings.get(option), kind))
    return out
