#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drs_job_info
short_description: Read Huawei Cloud DRS jobs, their states and database endpoints
version_added: 0.1.0
description:
  - Returns Data Replication Service (DRS) jobs of Huawei Cloud / Open Telekom Cloud with their status, error,
    scenario, engine and the user, address and instance of their source and target databases. Never a password.
  - With O(jobs), reads those jobs (C(POST /v3/{project_id}/jobs/batch-detail), 100 per call); unknown IDs are
    returned in RV(missing).
  - Without O(jobs), lists the jobs matching O(name), O(status) and O(db_use_type) (C(POST /v3/{project_id}/jobs),
    every page) and, with O(details), reads their details.
  - Use it to find the jobs that store a database password before a rotation, and to check that they are healthy
    after it.
author: credrotate.cloud contributors (@credrotate)
options:
  jobs:
    description:
      - IDs of the jobs to read. Mutually exclusive with O(name), O(status) and O(db_use_type).
    type: list
    elements: str
  name:
    description:
      - Only jobs whose name contains this text, or a comma-separated list of up to 100 job IDs (the DRS filter).
    type: str
  status:
    description:
      - Only jobs in this status, for example V(INCRE_TRANSFER_STARTED).
    type: str
  db_use_type:
    description:
      - Only jobs of this scenario.
    type: str
    choices: [migration, sync, cloudDataGuard]
  details:
    description:
      - When listing, also read each job's details (database endpoints, error). One extra call per 100 jobs.
    type: bool
    default: true
extends_documentation_fragment:
  - credrotate.cloud.huaweicloud
  - credrotate.cloud.attributes
  - credrotate.cloud.attributes.actiongroup_huaweicloud
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
  platform:
    platforms: huaweicloud
"""

EXAMPLES = r"""
- name: Find every DRS job of the project
  credrotate.cloud.drs_job_info:
  register: drs_jobs

- name: List the jobs that replicate from the orders database
  ansible.builtin.debug:
    msg: >-
      {{ drs_jobs.jobs
         | selectattr('source_endpoint.inst_id', 'equalto', '6a1b2c3d4e5f40718293a4b5c6d7e8f9in07')
         | map(attribute='id') | list }}

- name: Check that both jobs are healthy after a rotation
  credrotate.cloud.drs_job_info:
    jobs:
      - 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01
      - 1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02
  register: drs_health
  failed_when: drs_health.missing or not (drs_health.jobs | map(attribute='healthy') | list is all)

- name: Only the running sync jobs, without details
  credrotate.cloud.drs_job_info:
    db_use_type: sync
    status: INCRE_TRANSFER_STARTED
    details: false
"""

RETURN = r"""
jobs:
  description: The jobs found, in the order of O(jobs) or of the listing.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Job ID.
      type: str
      sample: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01
    name:
      description: Job name.
      type: str
      sample: orders-to-analytics
    status:
      description: Job status.
      type: str
      sample: INCRE_TRANSFER_STARTED
    error_code:
      description: The job's error code, if it has one (for example V(DRS.KE0002) after a password mismatch).
      type: str
      sample: null
    error_message:
      description: The job's error message, if any.
      type: str
      sample: null
    db_use_type:
      description: Scenario, V(migration), V(sync) or V(cloudDataGuard).
      type: str
      sample: sync
    engine_type:
      description: Engine type.
      type: str
      sample: mysql
    job_direction:
      description: Direction (V(up), V(down), V(non-dbs)).
      type: str
    task_type:
      description: Task type, for example V(FULL_INCR_TRANS).
      type: str
    net_type:
      description: Network type.
      type: str
    create_time:
      description: Creation time, epoch milliseconds.
      type: str
    update_time:
      description: Last update time, epoch milliseconds (details only).
      type: str
    parent_id:
      description: Parent job ID of a child job.
      type: str
    source_endpoint:
      description: The source database, without any password.
      returned: when details were read
      type: dict
      contains:
        db_user:
          description: Database user the job logs in as.
          type: str
        ip:
          description: Database address.
          type: str
        db_port:
          description: Database port.
          type: int
        inst_id:
          description: Cloud instance ID of the database, if it is one.
          type: str
        inst_name:
          description: Cloud instance name.
          type: str
        db_type:
          description: Database type.
          type: str
        db_name:
          description: Database name.
          type: str
        region:
          description: Region of the database.
          type: str
        project_id:
          description: Project of the database.
          type: str
    target_endpoint:
      description: The target database, same keys as RV(jobs[].source_endpoint).
      returned: when details were read
      type: dict
    password_change_allowed:
      description: Whether the status accepts a password change (see M(credrotate.cloud.drs_job_password)).
      type: bool
      sample: true
    healthy:
      description: True when the status is set, does not end in C(_FAILED), and the job reports no error code.
      type: bool
      sample: true
missing:
  description: IDs of O(jobs) that do not exist (or are not visible in the project).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._drs import run_info
from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule

ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="str"),
    name=dict(type="str"),
    status=dict(type="str"),
    db_use_type=dict(type="str", choices=["migration", "sync", "cloudDataGuard"]),
    details=dict(type="bool", default=True),
)
RULES = {"jobs[]": "drs_job_id", "name": "text", "status": "text"}


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True,
                               mutually_exclusive=[("jobs", "name"), ("jobs", "status"), ("jobs", "db_use_type")])
    try:
        result = run_info(module.params, DrsApi(module.client))
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
