# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: one key scheme that names a target everywhere: ledger entries, rotation records, labels, diffs.

Two key forms exist and both are kept byte for byte, because files written by earlier versions
must still be read (a ledger entry or a rotation record is looked up by its key):

* the **ledger key** (``_ledger`` entries) names what holds a password, in the API's own terms:
  ``drs:<job>:<so|ta>``, ``dts:<job>:<forward|reverse>:<src|dest>:<user>``, ``dcs:<instance>``,
  ``gaussdb:<instance>:root``, ``gaussdb:<instance>:user:<name>@<host>``;
* the **record key** (``_state`` record targets, the ``rotation_targets`` filter) names a job
  endpoint in the options' terms: ``drs:<job>:<source|target>``,
  ``dts:<job>:<source|destination>:<forward|reverse>``.

Build keys only with these functions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DRS_ENDPOINTS = {"source": "so", "target": "ta"}
DTS_ENDPOINTS = {"source": "src", "destination": "dest"}


def target_key(*parts):
    """``part:part:...``: the join every key uses."""
    return ":".join("%s" % (part,) for part in parts)


def drs_ledger_key(job_id, endpoint):
    """``drs:<job>:<so|ta>``; ``endpoint`` is ``source``/``target`` or already ``so``/``ta``."""
    return target_key("drs", job_id, DRS_ENDPOINTS.get(endpoint, endpoint))


def dts_ledger_key(job_id, direction, endpoint, user):
    """``dts:<job>:<direction>:<src|dest>:<user>``; ``endpoint`` is ``source``/``destination``."""
    return target_key("dts", job_id, direction or "forward", DTS_ENDPOINTS.get(endpoint, endpoint), user)


def dcs_ledger_key(instance_id):
    return target_key("dcs", instance_id)


def gaussdb_root_ledger_key(instance_id):
    return target_key("gaussdb", instance_id, "root")


def gaussdb_user_ledger_key(instance_id, name, host):
    return target_key("gaussdb", instance_id, "user", "%s@%s" % (name, host))


def record_key(kind, job_id, endpoint, direction=None):
    """The rotation record's key of a job endpoint: ``drs:<job>:<endpoint>`` or ``dts:<job>:<endpoint>:<direction>``."""
    if kind == "dts":
        return target_key("dts", job_id, endpoint, direction or "forward")
    return target_key("drs", job_id, endpoint)


def record_label(kind, job_id, endpoint, direction=None):
    """A person's name for a job endpoint: ``DRS job <id> <endpoint>``, ``DTS job <id> <endpoint> (reverse)``."""
    if kind == "dts":
        return "DTS job %s %s%s" % (job_id, endpoint, " (reverse)" if direction == "reverse" else "")
    return "DRS job %s %s" % (job_id, endpoint)


def diff_for(names):
    """Diff naming the targets whose password changes (never a password)."""
    return {"before": dict((t, "current") for t in names),
            "after": dict((t, "rotated") for t in names)}


def chunks(items, size):
    """``items`` in lists of at most ``size`` (one API call each)."""
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def unique(values):
    """``values`` without repeats, in order."""
    seen, out = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out
