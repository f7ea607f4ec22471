# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""GaussDbApi.wait_job on a real HuaweiClient at the HTTP boundary: polling, transient not-found, deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import reply

PROJECT = "0123456789abcdef0123456789abcdef"
AKSK = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT,
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": "exampleSecretKey0123456789abcdefghijABCD"}


def api(transport, make_retry):
    return GaussDbApi(HuaweiClient(dict(AKSK), transport, make_retry()))


def job(status, **extra):
    return reply(200, {"job": dict({"id": "job-1", "name": "x", "status": status}, **extra)})


def test_wait_job_polls_until_completed_with_growing_interval(transport, make_retry, clock):
    """Pending and Running continue, Completed returns the job; the poll interval grows."""
    transport.add(job("Pending"), job("Running", process="60%"), job("Running"), job("Completed"))
    done = api(transport, make_retry).wait_job("job-1", timeout=60, poll=1.0)
    assert done["status"] == "Completed" and len(transport.calls) == 4
    assert transport.calls[0].url.endswith("/v3/%s/jobs?id=job-1" % PROJECT)
    assert clock.sleeps == [1.0, 1.5, 2.25]


def test_wait_job_treats_job_not_found_as_transient(transport, make_retry):
    """DBS.200543 right after submission is retried until the job shows up."""
    missing = reply(400, {"error_code": "DBS.200543", "error_msg": "The job does not exist"})
    transport.add(missing, missing, job("Completed"))
    assert api(transport, make_retry).wait_job("job-1", timeout=60)["status"] == "Completed"


def test_wait_job_failed_raises_provider_error_with_fail_reason(transport, make_retry):
    """Failed stops polling and raises ProviderError carrying fail_reason."""
    transport.add(job("Failed", fail_reason="user root@% is locked"))
    with pytest.raises(e.ProviderError) as info:
        api(transport, make_retry).wait_job("job-1", timeout=60)
    assert info.value.code == "JobFailed" and info.value.fail_reason == "user root@% is locked"
    assert "job-1" in info.value.message and "locked" in info.value.message


def test_wait_job_deadline_raises_timeout_naming_the_job(transport, make_retry, clock):
    """Still Running at the deadline: WaitTimeoutError naming the job and its last status."""
    transport.add(*[job("Running")] * 20)
    with pytest.raises(e.WaitTimeoutError) as info:
        api(transport, make_retry).wait_job("job-1", timeout=10, poll=2.0)
    assert "job-1" in info.value.message and "Running" in info.value.message
    assert info.value.may_have_applied is True
    assert sum(clock.sleeps) <= 10.0


def test_wait_job_not_found_until_deadline_times_out(transport, make_retry):
    """A job that never appears ends in WaitTimeoutError, not an endless loop."""
    transport.add(*[reply(400, {"error_code": "DBS.200543", "error_msg": "no job"})] * 20)
    with pytest.raises(e.WaitTimeoutError):
        api(transport, make_retry).wait_job("job-1", timeout=5, poll=1.0)


def test_wait_job_other_errors_are_raised(transport, make_retry):
    """A real not-found (instance gone) during polling is raised at once."""
    transport.add(reply(404, {"error_code": "DBS.200022", "error_msg": "instance does not exist"}))
    with pytest.raises(e.NotFoundError):
        api(transport, make_retry).wait_job("job-1", timeout=60)
