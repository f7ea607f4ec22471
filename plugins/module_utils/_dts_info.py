# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Alibaba Cloud DTS job reads: ``dts_job_info`` (reference §3).

:func:`run_job_info` reads the given jobs (both directions of a two-way synchronization,
concurrently under a bound) or lists every job of one type or all three, and returns each job
direction as :func:`job_view` shows it (no password: the API has none to return).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._dts import check_concurrency, direction_label
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import (
    FAILED_STATES,
    JOB_TYPES,
    RUNNING_STATES,
    bounded_map,
    is_missing_direction,
    is_missing_job,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CloudError, TaskFailed
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import unique

MAX_PAGES = 1000  # a safety stop for a listing that never ends


def _endpoint_view(endpoint):
    if not isinstance(endpoint, dict):
        return None
    can_modify = endpoint.get("CanModifyPassword")
    if can_modify is not None and not isinstance(can_modify, bool):
        can_modify = ("%s" % can_modify).lower() == "true"
    return {"user_name": endpoint.get("UserName"), "engine_name": endpoint.get("EngineName"),
            "ip": endpoint.get("Ip"), "port": endpoint.get("Port"), "instance_id": endpoint.get("InstanceID"),
            "instance_type": endpoint.get("InstanceType"), "region": endpoint.get("Region"),
            "database_name": endpoint.get("DatabaseName"), "can_modify_password": can_modify}


def job_view(data, direction=None, job_type=None):
    """The module's view of a DTS job (one direction): no password, ever (the API has none)."""
    status = data.get("Status") or ""
    name = direction or ("reverse" if ("%s" % data.get("DtsJobDirection")).lower() == "reverse" else "forward")
    return {"id": data.get("DtsJobId"), "name": data.get("DtsJobName"), "instance_id": data.get("DtsInstanceID"),
            "job_type": data.get("JobType") or job_type, "direction": name, "status": status,
            "error_message": data.get("ErrorMessage") or "",
            "running": status.lower() in RUNNING_STATES, "failed": status.lower() in FAILED_STATES,
            "two_way": bool(data.get("DtsJobDirection")),
            "source": _endpoint_view(data.get("SourceEndpoint")),
            "destination": _endpoint_view(data.get("DestinationEndpoint"))}


def describe_jobs(api, ids, concurrency):
    """``(views, missing_ids, request_ids)`` of ``ids``: forward, then reverse where the job is two-way.

    A read failing for another reason than a missing job raises :class:`TaskFailed`.
    """
    request_ids, missing = [], []

    def read(pair):
        try:
            return pair, api.describe(*pair), None
        except CloudError as err:
            return pair, None, err

    views, reverse = {}, []
    for pair, answer, err in bounded_map(read, [(i, "forward") for i in ids], concurrency):
        if err is not None:
            if not is_missing_job(err):
                raise TaskFailed.wrap(err, "Cannot read %s" % direction_label(pair[0], "forward"))
            missing.append(pair[0])
            continue
        data, request_id = answer
        request_ids.append(request_id)
        views[pair] = job_view(data, "forward")
        if data.get("DtsJobDirection"):
            reverse.append((pair[0], "reverse"))
    for pair, answer, err in bounded_map(read, reverse, concurrency):
        if err is not None:
            if is_missing_direction(err) or is_missing_job(err):
                continue
            raise TaskFailed.wrap(err, "Cannot read %s" % direction_label(pair[0], "forward"))
        data, request_id = answer
        request_ids.append(request_id)
        views[pair] = job_view(data, "reverse")
    jobs = [views[(job_id, direction)] for job_id in ids for direction in ("forward", "reverse")
            if (job_id, direction) in views]
    return jobs, missing, request_ids


def list_jobs(api, job_types, page_size, status=None, concurrency=1):
    """``(views, request_ids)`` of every job of ``job_types`` (every ``DescribeDtsJobs`` page).

    The job types are listed at the same time (at most ``concurrency`` at once), each page after page;
    the answer is in the order of ``job_types``, and the first type whose listing failed raises.
    """
    jobs, request_ids = [], []
    for type_jobs, type_ids in bounded_map(lambda job_type: _list_type(api, job_type, page_size, status),
                                           job_types, concurrency):
        jobs.extend(type_jobs)
        request_ids.extend(type_ids)
    return jobs, request_ids


def _list_type(api, job_type, page_size, status):
    """``(views, request_ids)`` of every job of one type, page after page."""
    jobs, request_ids = [], []
    page = 1
    while True:
        try:
            data, request_id = api.list_page(job_type, page, page_size, status)
        except CloudError as err:
            raise TaskFailed.wrap(err, "Cannot list DTS %s jobs (page %d)" % (job_type, page))
        request_ids.append(request_id)
        items = data.get("DtsJobList") or []
        for item in items:
            jobs.append(job_view(item, job_type=job_type))
            if isinstance(item.get("ReverseJob"), dict):
                reverse = dict(item["ReverseJob"])
                reverse.setdefault("DtsJobId", item.get("DtsJobId"))
                jobs.append(job_view(reverse, "reverse", job_type))
        total = data.get("TotalRecordCount")
        if not items:
            break
        if page >= MAX_PAGES:  # bounded: a listing that does not end is an error, never a partial answer
            if total in (None, "") or page * page_size < int(total):
                raise TaskFailed("Cannot list DTS %s jobs: the list did not end after %d pages of %d"
                                 % (job_type, MAX_PAGES, page_size))
            break
        if total is not None and "%s" % total != "":
            if page * page_size >= int(total):
                break
        elif len(items) < page_size:
            break
        page += 1
    return jobs, request_ids


def run_job_info(params, api):
    """``dts_job_info``: ``{changed: False, jobs, missing, request_ids}``; raises :class:`TaskFailed`.

    ``params``: ``jobs`` (ids) or ``job_type``/``status`` filters, ``page_size``, ``concurrency``.
    """
    concurrency = check_concurrency(params)
    if params.get("jobs"):
        jobs, missing, request_ids = describe_jobs(api, unique(params["jobs"]), concurrency)
    else:
        job_types = [params["job_type"]] if params.get("job_type") else JOB_TYPES
        jobs, request_ids = list_jobs(api, job_types, params["page_size"], params.get("status"), concurrency)
        missing = []
    return {"changed": False, "jobs": jobs, "missing": missing, "request_ids": [i for i in request_ids if i]}


def run_start(params, api):
    """Restart (``StartDtsJob``) each of ``params["jobs"]`` (``[{id, direction}]``): the rotation engine's heal of
    a job that failed on its old password and does not resume by itself once the password is right.

    Returns ``{changed, results: [{id, direction, outcome: retried|failed, error_code, error_msg, request_id}],
    request_ids}``; a refused start fails only its own result.
    """
    jobs = [(j["id"], j.get("direction") or "forward") for j in params["jobs"]]

    def start(pair):
        job_id, direction = pair
        item = {"id": job_id, "direction": direction}
        try:
            answer = api.start_job(job_id, direction)
        except CloudError as err:
            item.update(outcome="failed", error_code=err.code, error_msg=err.message, request_id=err.request_id)
            return item
        item.update(outcome="retried", request_id=answer.request_id)
        return item

    results = bounded_map(start, unique(jobs), params.get("concurrency") or 1)
    return dict(changed=any(r["outcome"] == "retried" for r in results), results=results,
                request_ids=[r["request_id"] for r in results if r.get("request_id")])
