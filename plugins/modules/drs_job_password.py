#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: drs_job_password
short_description: Change the database passwords stored in Huawei Cloud DRS jobs
version_added: 0.1.0
description:
  - Updates the source or target database password that Huawei Cloud / Open Telekom Cloud Data Replication Service
    (DRS) jobs use, with C(PUT /v3/{project_id}/jobs/batch-modify-pwd).
  - Before any write, one C(batch-status) read checks that every job exists and is in a state that accepts a password
    change (V(STARTJOBING), V(START_JOB_FAILED), V(PAUSING), V(FULL_TRANSFER_STARTED), V(FULL_TRANSFER_FAILED),
    V(FULL_TRANSFER_COMPLETE), V(INCRE_TRANSFER_STARTED), V(INCRE_TRANSFER_FAILED)). If one job is missing or in
    another state, the task fails without writing anything and names each offending job and its state.
  - All job endpoints go in as few calls as possible (100 per call). DRS answers per job endpoint; when some fail,
    the task fails and RV(results) says which succeeded and which failed.
  - DRS cannot show the password a job stores. With O(ledger), targets recorded as already having the desired
    password are not written again, and a re-run after a partial failure only touches the failed ones.
author: credrotate.cloud contributors (@credrotate)
options:
  jobs:
    description:
      - The job endpoints to update.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: ID of the DRS job.
        type: str
        required: true
      endpoint:
        description: Which database of the job gets the password, V(source) or V(target).
        type: str
        required: true
        choices: [source, target]
      password:
        description:
          - Password for this job endpoint, instead of O(password).
        type: str
      kerberos:
        description:
          - Kerberos settings sent with the new password, for databases that use Kerberos authentication.
        type: dict
        suboptions:
          krb5_conf_file:
            description: Content of the C(krb5.conf) file.
            type: str
          key_tab_file:
            description: Content of the keytab file. It is a credential and is never shown.
            type: str
          domain_name:
            description: Kerberos domain name.
            type: str
          user_principal:
            description: Kerberos user principal.
            type: str
  password:
    description:
      - The new database password for every item of O(jobs) that has no O(jobs[].password).
      - DRS has no password rules of its own; the database's rules apply.
    type: str
extends_documentation_fragment:
  - credrotate.cloud.huaweicloud
  - credrotate.cloud.ledger
  - credrotate.cloud.attributes
  - credrotate.cloud.attributes.actiongroup_huaweicloud
attributes:
  check_mode:
    support: full
    details:
      - Check mode performs the preflight read and, with O(ledger), compares the ledger; it sends no write.
  diff_mode:
    support: full
    details:
      - The diff names the job endpoints whose password changes, never a password.
  idempotent:
    support: partial
    details:
      - DRS cannot reveal the stored password. Only with O(ledger) does a second run report no change; without it,
        every run writes and reports C(changed).
  platform:
    platforms: huaweicloud
notes:
  - A job endpoint whose change failed is never retried within the run. A call whose response was lost (server error
    or timeout after the request was sent) is not resent either; its job endpoints are reported as failed with
    C(may_have_applied), and the ledger does not record them, so a re-run sends them again.
  - The O(ledger) entries are keyed C(drs:<job id>:so) or C(drs:<job id>:ta). Without O(ledger), every run writes
    every job endpoint and reports C(changed).
"""

EXAMPLES = r"""
- name: Put the new password of the orders database into both DRS jobs that replicate it
  credrotate.cloud.drs_job_password:
    jobs:
      - id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01
        endpoint: source
      - id: 1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02
        endpoint: source
    password: Orders-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: drs_change

- name: Show the result of each job endpoint
  ansible.builtin.debug:
    msg: "{{ drs_change.results | map(attribute='outcome') | list }}"

- name: Give one job a different target password, after checking what would change
  credrotate.cloud.drs_job_password:
    jobs:
      - id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01
        endpoint: target
        password: Analytics-Target-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  check_mode: true
"""

RETURN = r"""
results:
  description: One entry per item of O(jobs), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The job ID.
      type: str
      sample: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01
    endpoint:
      description: V(source) or V(target).
      type: str
      sample: source
    outcome:
      description:
        - V(updated) (changed, or would change in check mode), V(unchanged) (the ledger shows the password is in
          place), V(failed), or V(skipped) (not attempted because the preflight or an earlier call failed).
      type: str
      sample: updated
    status:
      description: The job status read before the change (the status read after it when a response was lost).
      type: str
      sample: INCRE_TRANSFER_STARTED
    error_code:
      description: DRS error code of a failed item, for example V(DRS.M01501) or V(DRS.M00304).
      type: str
      sample: null
    error_msg:
      description: Error message of a failed item.
      type: str
      sample: null
    request_id:
      description: Request ID of the write call that carried this item.
      type: str
      sample: 5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e
    may_have_applied:
      description: Present and true when the call's response was lost, so the change may or may not have applied.
      type: bool
      returned: when a response was lost
request_ids:
  description: Request IDs of the write calls, in order.
  returned: always
  type: list
  elements: str
  sample: [5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e]
error:
  description: The first error, when the task fails.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(PreflightFailed) or a DRS code.
      type: str
    message:
      description: Error message.
      type: str
    kind:
      description: Error class (V(precondition), V(provider), V(auth), ...).
      type: str
http_status:
  description: HTTP status of the failed call (V(200) for per-item failures).
  returned: failure
  type: int
request_id:
  description: Request ID of the failed call.
  returned: failure
  type: str
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._drs import run_password
from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule

ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="dict", required=True, options=dict(
        id=dict(type="str", required=True),
        endpoint=dict(type="str", required=True, choices=["source", "target"]),
        password=dict(type="str", no_log=True),
        kerberos=dict(type="dict", options=dict(
            krb5_conf_file=dict(type="str"),
            key_tab_file=dict(type="str", no_log=True),
            domain_name=dict(type="str"),
            user_principal=dict(type="str"),
        )),
    )),
    password=dict(type="str", no_log=True),
    ledger=dict(type="path"),
)
RULES = {"jobs[].id": "drs_job_id"}


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        result = run_password(module.params, DrsApi(module.client), ledger=module.ledger(),
                              check_mode=module.check_mode)
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
