# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: one listing of a region's jobs per run, shared by every credential of a fleet run.

Discovery (:mod:`_discovery`) compares the owner with every DRS and DTS job of the region. A
fleet of N credentials in one play would otherwise list the region N times, and the region
itself holds jobs for all N: N listings of N jobs. In a play of more than one host the rotate
action gives the engine a :class:`ListingCache`: the first worker that needs a scope (the service
and the account's non-secret connection options: endpoint, region, project, access key) takes
that scope's lock, lists the jobs and files each job under the keys discovery can match it by
(the instance id and the address of each of its endpoints), one small shard file per key. Every
other credential of the run reads only the shards of its own owner's keys, so its cost does not
grow with the fleet. A job matched by discovery always has an endpoint with the owner's instance
id or one of its addresses, so the shards hold every job the full listing would match.

The cache lives in ``<state_dir>/.discovery/<run>/``: ``<run>`` names the controlling Ansible
process (pid and start time), so a later run lists afresh and never sees an earlier run's jobs.
It holds job ids, names and endpoints (addresses, ports, user names), never a password; files
are 0600 in 0700 directories, and a run removes the directories of runs over a day old. A failed
listing is not cached: each credential then reports the error itself. Check mode does not use it.
"""

import hashlib
import json
import os
import shutil
import time

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError

STALE_SECONDS = 24 * 3600
COMPLETE = "listed.json"


class CacheError(CollectionError):
    code = "DiscoveryCache"
    kind = "state"


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def job_keys(job, sides, ip="ip"):
    """The keys a job is filed under: ``inst:<id>`` and ``addr:<address>`` of each endpoint in ``sides``."""
    keys = set()
    for side in sides:
        endpoint = job.get(side) or {}
        if endpoint.get("inst_id"):
            keys.add("inst:%s" % endpoint["inst_id"])
        address = ("%s" % (endpoint.get(ip) or "")).lower()  # as _discovery._match compares it
        if address:
            keys.add("addr:%s" % address)
    return keys


def owner_keys(instance_id, addresses):
    """The keys of the jobs that can match an owner with ``instance_id`` and ``addresses``."""
    keys = set("addr:%s" % a for a in addresses if a)
    if instance_id:
        keys.add("inst:%s" % instance_id)
    return keys


class ListingCache:
    """The jobs of the run's listings, by key. ``directory``: the state directory; ``run``: the run's name."""

    def __init__(self, directory, run):
        self.root = os.path.join(directory, ".discovery")
        self.run_dir = os.path.join(self.root, _digest(run))
        self._cleaned = False

    def jobs(self, kind, scope, keys, list_jobs, keys_of):
        """``(result, jobs)``: the listing's result without its jobs, and the listed jobs filed under ``keys``.

        ``list_jobs()`` lists the scope (a service result with ``jobs``, each a dict with an ``id``); it runs
        once per run and scope. ``keys_of(job)`` names the keys a job is filed under (:func:`job_keys`). A
        failed listing is returned as it is (with its jobs, none) and not kept; an exception is not kept either.
        """
        scope_dir = os.path.join(self.run_dir, "%s-%s" % (kind, _digest(scope)))
        complete = os.path.join(scope_dir, COMPLETE)
        summary = _files.read_json(complete, CacheError, "discovery cache")
        if summary is None:
            self._clean()
            for directory in (self.root, self.run_dir):  # each 0700 (makedirs gives parents the umask's mode)
                _files.ensure_dir(directory, CacheError, "discovery cache directory")
            with _files.locked(scope_dir + ".lock", CacheError, "discovery cache lock"):
                summary = _files.read_json(complete, CacheError, "discovery cache")
                if summary is None:
                    listed = list_jobs()
                    if listed.get("failed"):
                        return listed, list(listed.get("jobs") or ())
                    summary = self._write(scope_dir, listed, keys_of)
        jobs, seen = [], set()
        for key in sorted(keys):
            for job in _files.read_json(self._shard(scope_dir, key), CacheError, "discovery cache") or ():
                if job.get("id") not in seen:
                    seen.add(job.get("id"))
                    jobs.append(job)
        return summary, jobs

    @staticmethod
    def _shard(scope_dir, key):
        return os.path.join(scope_dir, _digest(key) + ".json")

    def _write(self, scope_dir, listed, keys_of):
        shards = {}
        for job in listed.get("jobs") or ():
            for key in keys_of(job):
                shards.setdefault(key, []).append(job)
        _files.ensure_dir(scope_dir, CacheError, "discovery cache directory")
        for key, jobs in shards.items():
            _files.write_atomic(self._shard(scope_dir, key), json.dumps(jobs), CacheError, "discovery cache",
                                durable=False)
        summary = dict((k, v) for k, v in listed.items() if k != "jobs")
        summary["listed"] = len(listed.get("jobs") or ())
        _files.write_atomic(os.path.join(scope_dir, COMPLETE), json.dumps(summary), CacheError, "discovery cache",
                            durable=False)
        return summary

    def _clean(self):
        """Remove the caches of runs over a day old (once per process)."""
        if self._cleaned:
            return
        self._cleaned = True
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        limit = time.time() - STALE_SECONDS
        for name in names:
            path = os.path.join(self.root, name)
            try:
                if path != self.run_dir and os.path.getmtime(path) < limit:
                    if os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        os.unlink(path)
            except OSError:
                pass
