# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fleet run's discovery listing cache: listed once per run and scope, the same jobs found as without it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import stat
import tempfile
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.plugin_utils import _discovery
from ansible_collections.credrotate.cloud.plugins.plugin_utils._listing import ListingCache, STALE_SECONDS


class Owner:
    type = "gaussdb_mysql_user"
    info_service = "gaussdb_mysql_instance_info"
    address_fields = ("private_write_ips",)

    def __init__(self, instance_id, addresses, port, user):
        self.instance_id, self.user = instance_id, user
        self.spec = {}
        self.instance = {"private_write_ips": addresses, "port": port}


class Services:
    """The two listings and the owner's read; counts the listings (in a file: workers may be processes)."""

    def __init__(self, drs_jobs, dts_jobs, owner, counter=None, fail=False):
        self.drs_jobs, self.dts_jobs, self.owner, self.fail = drs_jobs, dts_jobs, owner, fail
        self.counter = counter or os.path.join(tempfile.mkdtemp(prefix="listings-"), "count")

    def scope(self, name):
        return '["%s", {"region": "cn-north-4"}]' % name

    def call(self, name, args, check_mode=False):
        if name == self.owner.info_service:
            return {"changed": False, "instance": self.owner.instance}
        with open(self.counter, "a") as handle:
            handle.write(name + "\n")
        if self.fail:
            return {"failed": True, "msg": "throttled", "error": {"code": "Throttling", "kind": "provider"}}
        return {"changed": False, "jobs": self.drs_jobs if name == "drs_job_info" else self.dts_jobs}

    def listings(self):
        if not os.path.exists(self.counter):
            return []
        with open(self.counter) as handle:
            return handle.read().split()


IDS = st.sampled_from(["i1", "i2", "i3", None])
IPS = st.sampled_from(["10.0.0.1", "10.0.0.2", "DB.example", "db.example", "", None])
PORTS = st.sampled_from([3306, 3307, "3306"])
USERS = st.sampled_from(["app", "root", "other"])


def drs_endpoint():
    return st.fixed_dictionaries({"inst_id": IDS, "ip": IPS, "db_port": PORTS, "db_user": USERS})


def dts_endpoint():
    return st.fixed_dictionaries({"ip": IPS, "port": PORTS, "user_name": USERS})


def _drs_job(number, source, target):
    return {"id": "drs-%d" % number, "name": "", "source_endpoint": source, "target_endpoint": target}


def _dts_job(number, source, destination):
    return {"id": "dts-%d" % number, "name": "", "source": source, "destination": destination}


DRS_JOBS = st.lists(st.builds(_drs_job, st.integers(0, 10 ** 6), drs_endpoint(), drs_endpoint()),
                    max_size=12, unique_by=lambda job: job["id"])
DTS_JOBS = st.lists(st.builds(_dts_job, st.integers(0, 10 ** 6), dts_endpoint(), dts_endpoint()),
                    max_size=12, unique_by=lambda job: job["id"])
ADDRESSES = st.lists(st.sampled_from(["10.0.0.1", "db.example"]), max_size=2)
OWNERS = st.builds(Owner, st.sampled_from(["i1", "i2"]), ADDRESSES, st.sampled_from([3306, 3307]),
                   st.sampled_from(["app", "root"]))


def run_discovery(services, owner, cache):
    return _discovery.discover(services, owner, [], [], ["drs", "dts"], {}, cache=cache)


@settings(max_examples=200, deadline=None)
@given(drs=DRS_JOBS, dts=DTS_JOBS, owner=OWNERS, other=OWNERS)
def test_the_cache_finds_what_the_full_listing_finds_and_lists_once(drs, dts, owner, other):
    """For any jobs and owners, discovery through the cache finds the same job endpoints as over the full
    listing and counts every listed job; a second credential of the run reads the cache, not the API."""
    with tempfile.TemporaryDirectory() as state_dir:
        cache = ListingCache(state_dir, "1234-1700000000.0")
        for who in (owner, other):
            plain = run_discovery(Services(drs, dts, who), who, None)
            services = Services(drs, dts, who, counter=os.path.join(state_dir, "count"))
            cached = run_discovery(services, who, cache)
            assert sorted(cached["found"], key=repr) == sorted(plain["found"], key=repr)
            assert cached["listed"] == plain["listed"] == {"drs": len(drs), "dts": len(dts)}
            assert cached["errors"] == plain["errors"] == []
        assert sorted(services.listings()) == ["drs_job_info", "dts_job_info"]  # once for both credentials


def _worker(state_dir, counter, jobs, queue):
    owner = Owner("i1", ["10.0.0.1"], 3306, "app")
    out = run_discovery(Services(jobs, [], owner, counter=counter), owner, ListingCache(state_dir, "run-7"))
    queue.put(sorted(job["id"] for job in out["found"]))


def test_concurrent_workers_of_one_run_list_once(tmp_path):
    """Eight processes (a play's forks) start discovery at once: one lists, the others wait and read."""
    jobs = [{"id": "drs-%d" % n, "source_endpoint": {"inst_id": "i1" if n % 2 else "i9", "db_user": "app"},
             "target_endpoint": {}} for n in range(40)]
    counter = str(tmp_path / "count")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(str(tmp_path), counter, jobs, queue))
               for _number in range(8)]
    for worker in workers:
        worker.start()
    answers = [queue.get(timeout=60) for _worker_process in workers]
    for worker in workers:
        worker.join(60)
    expected = sorted("drs-%d" % n for n in range(40) if n % 2)
    assert answers == [expected] * 8
    with open(counter) as handle:
        assert sorted(handle.read().split()) == ["drs_job_info", "dts_job_info"]


def test_a_failed_listing_is_not_kept_and_another_run_lists_again(tmp_path):
    owner = Owner("i1", ["10.0.0.1"], 3306, "app")
    jobs = [{"id": "drs-1", "source_endpoint": {"inst_id": "i1", "db_user": "app"}, "target_endpoint": {}}]
    failing = Services(jobs, [], owner, counter=str(tmp_path / "count"), fail=True)
    cache = ListingCache(str(tmp_path), "run-1")
    assert "throttled" in run_discovery(failing, owner, cache)["errors"][0]
    assert "throttled" in run_discovery(failing, owner, cache)["errors"][0]
    assert failing.listings() == ["drs_job_info", "dts_job_info"] * 2  # each credential tried itself
    working = Services(jobs, [], owner, counter=str(tmp_path / "count2"))
    for run in ("run-1", "run-1", "run-2"):
        found = run_discovery(working, owner, ListingCache(str(tmp_path), run))["found"]
        assert [job["id"] for job in found] == ["drs-1"]
    assert working.listings().count("drs_job_info") == 2  # run-1 once, run-2 once


def test_cache_files_are_private_and_old_runs_are_removed(tmp_path):
    owner = Owner("i1", ["10.0.0.1"], 3306, "app")
    jobs = [{"id": "drs-1", "source_endpoint": {"inst_id": "i1", "db_user": "app", "ip": "10.0.0.1"},
             "target_endpoint": {}}]
    old = ListingCache(str(tmp_path), "old-run")
    run_discovery(Services(jobs, [], owner, counter=str(tmp_path / "c")), owner, old)
    long_ago = time.time() - STALE_SECONDS - 60
    os.utime(old.run_dir, (long_ago, long_ago))
    new = ListingCache(str(tmp_path), "new-run")
    run_discovery(Services(jobs, [], owner, counter=str(tmp_path / "c")), owner, new)
    assert not os.path.exists(old.run_dir) and os.path.isdir(new.run_dir)
    for directory, dirs, files in os.walk(os.path.join(str(tmp_path), ".discovery")):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700, directory
        for name in files:
            assert stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode) == 0o600, name


@pytest.mark.parametrize("hosts, expected", [(None, False), (["a"], False), (["a", "b"], True)])
def test_only_a_play_of_several_credentials_shares_listings(hosts, expected):
    from ansible_collections.credrotate.cloud.plugins.action.rotate import _fleet_run

    task_vars = {} if hosts is None else {"ansible_play_hosts_all": hosts}
    run = _fleet_run(task_vars)
    assert bool(run) is expected
    if expected:
        assert run == _fleet_run(task_vars)  # the same run for every credential of the play
