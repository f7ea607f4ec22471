# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: per-target record entries from service results, and the texts a person reads.

One key scheme names a target everywhere (:mod:`_targets`): ``owner``, ``drs:<job>:<endpoint>``,
``dts:<job>:<endpoint>:<direction>``. Health is looked up by key (a dict), so building the entries
of K dependants is linear in K.
"""

import datetime

from ansible_collections.credrotate.cloud.plugins.module_utils._targets import record_key, record_label

DRS_FAILED_SUFFIX = "_FAILED"
DTS_FAILED = frozenset(s.lower() for s in ("Failed", "MigrationFailed", "InitializeFailed", "PrecheckFailed",
                                           "Abnormal"))
SUMMARY_ACTIONS = ("set", "propagate", "verify", "rollback", "rollback_verify")


def entry(kind, action, job_id, endpoint, direction=None, **fields):
    out = {"key": record_key(kind, job_id, endpoint, direction), "target": record_label(kind, job_id, endpoint, direction),
           "kind": kind, "action": action}
    for name, value in fields.items():
        if value is not None and value != "":
            out[name] = "%s" % (value,)
    return out


def change_entries(kind, action, results):
    """Entries of a password call's per-target ``results`` (``drs`` or ``dts``)."""
    return [entry(kind, action, item.get("id"), item.get("endpoint"), item.get("direction"),
                  outcome=item.get("outcome"), status=item.get("status"), request_id=item.get("request_id"),
                  error_code=item.get("error_code"), error_msg=item.get("error_msg")) for item in results or ()]


def _drs_healthy(job):
    if "healthy" in job:
        return bool(job["healthy"])
    status = job.get("status") or ""
    return bool(status) and not status.endswith(DRS_FAILED_SUFFIX) and not job.get("error_code")


def _dts_healthy(job):
    if "failed" in job:
        return not job["failed"]
    return (job.get("status") or "").lower() not in DTS_FAILED


def health_entries(kind, action, jobs, dependants):
    """Entries (healthy / unhealthy / missing) of ``dependants`` from an info call's ``jobs``."""
    if kind == "dts":
        index = dict(((j.get("id"), j.get("direction") or "forward"), j) for j in jobs or ())
    else:
        index = dict((j.get("id"), j) for j in jobs or ())
    healthy = _dts_healthy if kind == "dts" else _drs_healthy
    out = []
    for dependant in dependants:
        direction = (dependant.get("direction") or "forward") if kind == "dts" else None
        job = index.get((dependant["id"], direction) if kind == "dts" else dependant["id"])
        if job is None:
            out.append(entry(kind, action, dependant["id"], dependant["endpoint"], direction, outcome="missing",
                             error_msg="the job was not found"))
            continue
        ok = healthy(job)
        out.append(entry(kind, action, dependant["id"], dependant["endpoint"], direction,
                         outcome="healthy" if ok else "unhealthy", status=job.get("status"),
                         error_code=None if ok else job.get("error_code"),
                         error_msg=None if ok else job.get("error_message")))
    return out


def _table(header, rows):
    widths = [max([minimum] + [len(r[i]) for r in rows]) for i, minimum in enumerate((6, 6, 7))]

    def line(row):
        return "%s | %s | %s | %s" % (row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]), row[3])
    rule = "%s-+-%s-+-%s-+-%s" % ("-" * widths[0], "-" * widths[1], "-" * widths[2], "-" * 10)
    return [line(header), rule] + [line(r) for r in rows]


def _seconds(started, ended):
    def parse(text):
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    if not started:
        return 0
    end = parse(ended) if ended else datetime.datetime.now(datetime.timezone.utc)
    return round((end - parse(started)).total_seconds(), 1)


VERIFIED = ("verified", "healthy", "skipped")


def summary_lines(record, name, note=""):
    """The summary table of a rotation, from its record (no secrets): one row per target and action.

    A verification that found the target working is counted in the first line instead of a row of its
    own, so the table shows what changed and what went wrong.
    """
    record = record or {}
    targets = record.get("targets") or {}
    keys = (["owner"] if "owner" in targets else []) + sorted(k for k in targets if k != "owner")
    rows, verified = [], {}
    for key in keys:
        target = targets[key]
        actions = target.get("actions") or {}
        ordered = [a for a in SUMMARY_ACTIONS if a in actions] + sorted(a for a in actions if a not in SUMMARY_ACTIONS)
        for action in ordered:
            done = actions[action]
            outcome = done.get("outcome") or "?"
            if (action.endswith("verify") or action == "watch") and outcome in VERIFIED:
                verified[action] = verified.get(action, 0) + 1
                continue
            status = done.get("status") or ""
            show = status and (action.endswith("verify") or outcome not in ("updated", "unchanged"))
            run, runs = done.get("run") or 0, record.get("runs") or 0
            earlier = " (run %s)" % run if run and runs and run != runs and outcome == "updated" else ""
            rows.append((target.get("target") or key, action, outcome + earlier + (" (%s)" % status if show else ""),
                         done.get("request_id") or "-"))
    words = {"verify": "verified", "rollback_verify": "verified after the rollback"}
    watched = verified.pop("watch", 0)
    checks = "".join(", %d of %d %s" % (count, len(keys), words.get(action, action))
                     for action, count in sorted(verified.items(), key=lambda kv: kv[0] != "verify"))
    checks += ", %d ignored job endpoint(s) healthy" % watched if watched else ""
    head = "rotation %s of %s: %s (run %s, %s s%s%s)" % (
        record.get("rotation_id") or "-", record.get("name") or name, (record.get("status") or "unknown").upper(),
        record.get("runs") or 0, _seconds(record.get("started_at"), record.get("finished_at")), checks,
        ", " + note if note else "")
    lines = [head]
    error = record.get("error")
    if error:
        lines.append("error at the %s step: %s" % (error.get("step") or "?", error.get("msg") or ""))
        if error.get("rollback"):
            lines.append("rollback failed: %s" % error["rollback"])
    return lines + _table(("TARGET", "ACTION", "OUTCOME", "REQUEST ID"), rows)


def plan_lines(plan, rotation_id, name, why):
    """What a real run would do to each target (check mode; no secrets)."""
    words = {"updated": "would update", "unchanged": "no change"}
    rows = [(p["target"], p["action"], words.get(p.get("outcome"), p.get("outcome") or ""), p.get("status") or "")
            for p in plan]
    return (["rotation %s of %s: PLAN (check mode: %s; nothing was changed)" % (rotation_id or "-", name, why)]
            + _table(("TARGET", "ACTION", "PLAN", "NOW"), rows)
            + ["(then: verify the owner and %d dependant job endpoint(s), promote, report)"
               % sum(1 for p in plan if p["action"] == "propagate")])
