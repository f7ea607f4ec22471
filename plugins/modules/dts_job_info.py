#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dts_job_info
short_description: Read Alibaba Cloud DTS jobs, their endpoints' accounts and their health
version_added: 0.1.0
description:
  - Reads Alibaba Cloud Data Transmission Service (DTS) jobs (API version 2020-01-01). Use it to find the jobs that use a
    database account before a rotation and to check that they still replicate after it.
  - With O(jobs), reads each job with C(DescribeDtsJobDetail), both directions of a two-way synchronization. The reads
    run concurrently, at most O(concurrency) at a time. Jobs that do not exist are listed in RV(missing).
  - Without O(jobs), lists jobs with C(DescribeDtsJobs), every page, of one O(job_type) or of all three types.
  - Never returns a password (the API has none to return).
author: credrotate.cloud contributors (@credrotate)
extends_documentation_fragment:
  - credrotate.cloud.alicloud
  - credrotate.cloud.attributes
  - credrotate.cloud.attributes.actiongroup_alicloud
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it behaves the same in check mode.
  diff_mode:
    support: N/A
    details:
      - The module changes nothing.
  platform:
    platforms: alicloud
  idempotent:
    support: full
options:
  jobs:
    description:
      - DTS job ids (C(DtsJobId)) to read. Mutually exclusive with O(job_type) and O(status).
    type: list
    elements: str
  job_type:
    description:
      - Without O(jobs), list only jobs of this type. Default is all three types.
    type: str
    choices: [MIGRATION, SYNC, SUBSCRIBE]
  status:
    description:
      - Without O(jobs), list only jobs in this status (for example V(Synchronizing), V(Failed)).
    type: str
  page_size:
    description:
      - Page size of the C(DescribeDtsJobs) calls. Every page is read.
    type: int
    choices: [10, 20, 30]
    default: 30
  concurrency:
    description:
      - The maximum number of C(DescribeDtsJobDetail) calls in flight at once. From 1 to 64.
    type: int
    default: 8
seealso:
  - module: credrotate.cloud.dts_job_password
"""

EXAMPLES = r"""
- name: Read a DTS job before changing its passwords
  credrotate.cloud.dts_job_info:
    jobs:
      - l3m1213ye7l1234
  register: dts

- name: Fail unless every listed job exists and replicates
  ansible.builtin.assert:
    that:
      - dts.missing | length == 0
      - dts.jobs | rejectattr('running') | list | length == 0
    fail_msg: "DTS jobs not running: {{ dts.jobs | rejectattr('running') | map(attribute='id') | list }}"

- name: List every DTS job of every type
  credrotate.cloud.dts_job_info:
  register: all_dts

- name: Show the jobs whose source database account is crdemo_orders
  ansible.builtin.debug:
    msg: "{{ all_dts.jobs | selectattr('source.user_name', 'equalto', 'crdemo_orders') | map(attribute='id') | list }}"

- name: List the synchronization jobs that have failed
  credrotate.cloud.dts_job_info:
    job_type: SYNC
    status: Failed
"""

RETURN = r"""
jobs:
  description:
    - One entry per job direction (a two-way synchronization job has a V(forward) and a V(reverse) entry).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The DTS job id.
      type: str
      sample: l3m1213ye7l1234
    name:
      description: The job name.
      type: str
      sample: orders-to-hangzhou
    instance_id:
      description: The DTS instance id.
      type: str
      sample: dtsl3m1213ye7l1234
    job_type:
      description: V(MIGRATION), V(SYNC) or V(SUBSCRIBE).
      type: str
      sample: SYNC
    direction:
      description: V(forward) or V(reverse).
      type: str
      sample: forward
    two_way:
      description: Whether the job is a two-way synchronization.
      type: bool
      sample: false
    status:
      description: The job status, for example V(Synchronizing), V(Migrating), V(Failed).
      type: str
      sample: Synchronizing
    error_message:
      description: The job's error message (for example why it failed), or an empty string.
      type: str
      sample: ""
    running:
      description: Whether replication runs (V(Initializing), V(Synchronizing), V(Migrating) or V(Normal)).
      type: bool
      sample: true
    failed:
      description:
        - Whether the job is in a failure state (V(Failed), V(MigrationFailed), V(InitializeFailed),
          V(PrecheckFailed) or V(Abnormal)).
      type: bool
      sample: false
    source:
      description: The source endpoint. RV(jobs[].destination) has the same keys (it is null for a job without one).
      type: dict
      contains:
        user_name:
          description: The database account the job logs in with.
          type: str
          sample: crdemo_orders
        can_modify_password:
          description:
            - Whether DTS lets the stored password be changed. Only jobs read with O(jobs) report it; a listing
              returns null.
          type: bool
          sample: true
        engine_name:
          description: The database engine.
          type: str
          sample: MySQL
        ip:
          description: The database address.
          type: str
          sample: 203.0.113.10
        port:
          description: The database port (a string, as the API returns it).
          type: str
          sample: "3306"
        instance_id:
          description: The database instance id.
          type: str
        instance_type:
          description: The database instance type.
          type: str
          sample: RDS
        region:
          description: The database region.
          type: str
        database_name:
          description: The database name.
          type: str
    destination:
      description: The destination endpoint, with the keys of RV(jobs[].source).
      type: dict
missing:
  description: Ids from O(jobs) that DTS does not know (in O(region)).
  returned: always
  type: list
  elements: str
  sample: []
request_ids:
  description: The request ids of the reads.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import JOB_TYPES, PAGE_SIZES, DtsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_info import run_job_info
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import AlibabaCloudModule

ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="str"),
    job_type=dict(type="str", choices=list(JOB_TYPES)),
    status=dict(type="str"),
    page_size=dict(type="int", default=30, choices=list(PAGE_SIZES)),
    concurrency=dict(type="int", default=8),
)
RULES = {"jobs[]": "dts_job_id", "status": "text", "concurrency": "concurrency"}


def main():
    module = AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True,
                                mutually_exclusive=[("jobs", "job_type"), ("jobs", "status")])
    try:
        result = run_job_info(module.params, DtsApi(module.client))
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
