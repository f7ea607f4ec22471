# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Alibaba Cloud DTS 2020-01-01 API adapter: job reads, ``ModifyDtsJobPassword`` (reference §3)
and ``StartDtsJob``.

:class:`DtsApi` wraps an :class:`_alibaba.AlibabaClient`, returns plain data and raises the
:mod:`_errors` hierarchy. The job states that accept a password change or a start and the bounded
concurrent map that every DTS service uses are here too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 2 is not supported
    ThreadPoolExecutor = None

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import NotFoundError
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import DTS_ENDPOINTS

# Option values <-> API values.
ENDPOINTS = DTS_ENDPOINTS
ENDPOINT_FIELDS = {"source": "SourceEndpoint", "destination": "DestinationEndpoint"}
DIRECTIONS = {"forward": "Forward", "reverse": "Reverse"}

PASSWORD_SAME = "DTS.Msg.InvalidParameter.PasswordSame"

# Job states in which DTS accepts ModifyDtsJobPassword (compared case-insensitively: the API
# documents both "Synchronizing" and "synchronizing"). Every other state is refused, among them
# NotConfigured, Prechecking, PrecheckFailed, PreCheckPass, Modifying, Upgrade, Downgrade, Locked,
# Finished and Starting. An unknown state is refused too: preflight fails closed.
ACCEPTS_PASSWORD = frozenset(s.lower() for s in (
    "NotStarted", "Initializing", "Synchronizing", "Migrating", "Failed", "InitializeFailed", "MigrationFailed",
    "Suspending", "Retrying", "Normal", "Abnormal"))
RUNNING_STATES = frozenset(s.lower() for s in ("Initializing", "Synchronizing", "Migrating", "Normal"))
FAILED_STATES = frozenset(s.lower() for s in (
    "Failed", "MigrationFailed", "InitializeFailed", "PrecheckFailed", "Abnormal"))

# Job states in which StartDtsJob (re)starts a job. The 2020-01-01 API reference lists none; the
# legacy actions it replaced do: StartSynchronizationJob "NotStarted, Failed, or Suspending",
# StartMigrationJob "Not Started, Paused, or Migration Failed". PreCheckPass, InitializeFailed and
# Abnormal (change tracking's failed state) are the emulator's choice, not documented. DTS does not
# say whether a Failed job resumes by itself once ModifyDtsJobPassword stored the right password;
# Alibaba's own Terraform provider calls StartDtsJob after it when the job is not running, so an
# engine that finds the job still failed after the update starts it.
START_ACCEPTS = frozenset(s.lower() for s in (
    "NotStarted", "PreCheckPass", "Suspending", "Failed", "MigrationFailed", "InitializeFailed", "Abnormal"))
JOB_STATUS_DENIED = ("DTS.Msg.OperationDenied.JobStatus", "DTS.Msg.OperationDenied.JobStatusModifying")

JOB_TYPES = ("MIGRATION", "SYNC", "SUBSCRIBE")
PAGE_SIZES = (10, 20, 30)
CONCURRENCY_RANGE = (1, 64)


def is_missing_job(err):
    """True when ``err`` says the job does not exist (DTS answers ``InvalidParameter`` on ``DtsJobId``)."""
    if isinstance(err, NotFoundError):
        return True
    return err.code == "InvalidParameter" and "DtsJobId" in (err.message or "")


def is_missing_direction(err):
    """True when ``err`` says the job has no such direction (not a two-way synchronization)."""
    return err.code == "InvalidParameter" and "SynchronizationDirection" in (err.message or "")


def bounded_map(func, items, concurrency):
    """``[func(item) for item in items]`` with at most ``concurrency`` calls in flight, in order."""
    items = list(items)
    if len(items) <= 1 or concurrency <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(func, items))


class DtsApi(object):
    """The DTS 2020-01-01 actions the modules use. Every method raises a :class:`_errors.CloudError` subclass."""

    def __init__(self, client):
        self.client = client

    @property
    def region(self):
        return self.client.region

    def describe(self, job_id, direction="forward"):
        """``DescribeDtsJobDetail`` of one job direction: ``(data, request_id)``.

        A missing job raises an error that :func:`is_missing_job` recognises; a reverse direction of
        a one-way job one that :func:`is_missing_direction` recognises.
        """
        params = [("DtsJobId", job_id), ("RegionId", self.region)]
        if direction == "reverse":
            params.append(("SynchronizationDirection", DIRECTIONS[direction]))
        result = self.client.call("DescribeDtsJobDetail", params, target="dts job %s" % job_id)
        return result.data, result.request_id

    def list_page(self, job_type, page_number, page_size, status=None):
        """One ``DescribeDtsJobs`` page: ``(data, request_id)``; ``data["DtsJobList"]``, ``TotalRecordCount``."""
        params = [("JobType", job_type), ("PageNumber", page_number), ("PageSize", page_size),
                  ("Status", status or None), ("Region", self.region)]
        result = self.client.call("DescribeDtsJobs", params, target="dts %s jobs" % job_type)
        return result.data, result.request_id

    def modify_password(self, job_id, endpoint, user, password, direction="forward", target=None):
        """``ModifyDtsJobPassword`` of one job endpoint (``source``/``destination``): ``ApiResult``. A write.

        The password goes only in the signed form body, never in the URL. DTS refuses a password
        equal to the current one with :data:`PASSWORD_SAME`.
        """
        params = [("DtsJobId", job_id), ("RegionId", self.region), ("Endpoint", ENDPOINTS[endpoint]),
                  ("UserName", user)]
        if direction == "reverse":
            params.append(("SynchronizationDirection", DIRECTIONS[direction]))
        return self.client.call("ModifyDtsJobPassword", params, secret_params=[("Password", password)], write=True,
                                target=target or "dts job %s %s endpoint" % (job_id, endpoint))

    def start_job(self, job_id, direction="forward", target=None):
        """``StartDtsJob`` of one job direction: ``ApiResult``. A write (not repeated once it may have applied).

        Restarts a job that is stopped or failed (:data:`START_ACCEPTS`), for example one that
        failed on an old password and does not resume by itself after :meth:`modify_password`. In
        another state DTS answers one of :data:`JOB_STATUS_DENIED`. The start is asynchronous in
        the cloud: read the job (:meth:`describe`) for its status afterwards.
        """
        params = [("DtsJobId", job_id), ("RegionId", self.region)]
        if direction == "reverse":
            params.append(("SynchronizationDirection", DIRECTIONS[direction]))
        return self.client.call("StartDtsJob", params, write=True, target=target or "dts job %s" % job_id)
