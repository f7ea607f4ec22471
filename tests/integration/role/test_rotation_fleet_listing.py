# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A play of several credentials lists the region's jobs once for all of them (issue 12, scale).

Discovery compares every credential's owner with every DRS and DTS job of the region; in one run of
``playbooks/rotate.yml`` over several credentials the listing is made by the first credential and read
from the run's cache by the others (plugin_utils/_listing.py). A run of one credential, and every new
run, lists afresh; what discovery finds is the same.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os

import pytest

from conftest import orders_credential
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

LISTINGS = ("ShowJobList", "DescribeDtsJobs")


def _listings(rot, since):
    counts = collections.Counter(e["action"] for e in rot.emu.journal.entries(since))
    return dict((action, counts[action]) for action in LISTINGS)


def _hosts(rot):
    report = {"name": "reports", "owner": {"type": "gaussdb_mysql_user", "instance_id":
                                           orders_credential(rot.names)["owner"]["instance_id"],
                                           "user": rot.names["report"], "host": "%"}, "dependants": []}
    return {"orders-db": {"rotation_credential": orders_credential(rot.names),
                          "rotation_current_password": rot.names["current"]},
            "reports-db": {"rotation_credential": report, "rotation_current_password": rot.names["report_password"]}}


def test_two_credentials_in_one_play_list_the_jobs_once(rotation):
    """One credential alone: one DRS and one DTS listing. Two in one play: still one of each, both rotations
    complete; the next run lists again. (That the cache finds what the full listing finds is proven for any
    jobs and owners in tests/unit/plugins/plugin_utils/test_listing.py.)"""
    rot = rotation()
    since = rot.last_seq()
    alone = rot.run({"orders-db": _hosts(rot)["orders-db"]})
    assert alone.rc == 0, alone.stdout[-3000:]
    single = _listings(rot, since)
    assert all(n >= 1 for n in single.values()), single

    since = rot.last_seq()
    fleet = rot.run(_hosts(rot))
    assert fleet.rc == 0, fleet.stdout[-3000:]
    assert _listings(rot, since) == single, "the second credential read the run's listing, not the API"
    for name in ("orders", "reports"):
        assert rot.record(name)["status"] == "completed"
    cache = os.path.join(rot.state_dir, ".discovery")
    assert os.path.isdir(cache)
    cached = [os.path.join(d, name) for d, _dirs, files in os.walk(cache) for name in files if name.endswith(".json")]
    assert len(cached) >= 4, cached  # per listing (DRS, DTS): its summary and at least one shard
    for path in cached:  # the cached listing holds no password
        with open(path) as handle:
            text = handle.read()
        assert rot.names["current"] not in text and rot.names["report_password"] not in text, path

    # the next run lists again (its own cache), and so does each run after it
    since = rot.last_seq()
    again = rot.run(_hosts(rot))
    assert again.rc == 0, again.stdout[-3000:]
    assert _listings(rot, since) == single
    assert_no_secrets(fleet, rot.emu, rot.names["current"], rot.names["report_password"])
