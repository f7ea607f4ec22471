#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dts_job_password
short_description: Change the database passwords stored in Alibaba Cloud DTS jobs
version_added: 0.1.0
description:
  - Changes the password that Alibaba Cloud Data Transmission Service (DTS) jobs use to log in to their source or
    destination database, with the C(ModifyDtsJobPassword) API (version 2020-01-01), one call per job endpoint.
  - Many job endpoints are handled in one task. The calls run concurrently, at most O(concurrency) at a time.
  - B(Preflight before any write.) Every job is read first (C(DescribeDtsJobDetail)). If a job does not exist, is in a
    state that refuses password changes, has an endpoint whose C(CanModifyPassword) is false, or uses another
    account than O(jobs[].user), the task fails as a whole before any password is changed, naming each offending
    job endpoint and its state.
  - DTS accepts the change in the states C(NotStarted), C(Initializing), C(Synchronizing), C(Migrating),
    C(Failed), C(InitializeFailed), C(MigrationFailed), C(Suspending), C(Retrying), C(Normal) and C(Abnormal); any
    other state (for example C(Modifying), C(Locked), C(Finished), C(PrecheckFailed)) fails the preflight.
  - B(Idempotence.) DTS refuses a new password equal to the current one (C(DTS.Msg.InvalidParameter.PasswordSame));
    the module reports that endpoint as V(unchanged) and C(changed=false). With O(ledger), endpoints already
    recorded with this password are not called at all.
  - The password is sent only in the signed request body, never in a URL.
  - A change that may have applied although the client saw an error (a server error or a lost response) is not
    resent blindly. The module reads the job again and makes one confirming call. A C(PasswordSame) answer to it
    proves that the first call applied. A success means the first call did not apply and this one did. In both cases
    the endpoint is reported V(updated).
  - This module changes only what the DTS job stores. Change the database account itself first (for example with
    M(credrotate.cloud.gaussdb_mysql_user_password)), or the job fails to log in.
author: credrotate.cloud contributors (@credrotate)
extends_documentation_fragment:
  - credrotate.cloud.alicloud
  - credrotate.cloud.ledger
  - credrotate.cloud.attributes
  - credrotate.cloud.attributes.actiongroup_alicloud
attributes:
  check_mode:
    support: partial
    details:
      - Check mode authenticates, runs the whole preflight (every job read) and sends no change.
      - It reports C(changed) for every job endpoint that is not recorded in O(ledger) with this password.
      - Without O(ledger) the module cannot know whether a job already stores the password (DTS never reveals it;
        only a change call does), so it predicts a change that a real run may then report as V(unchanged).
  diff_mode:
    support: full
    details:
      - The diff names the job endpoints whose password changes (or would change), never a password.
  platform:
    platforms: alicloud
  idempotent:
    support: full
    details:
      - A second run with the same password reports C(changed=false) through the provider's own signal (DTS refuses a
        password equal to the current one). Without O(ledger) that second run still sends one call per endpoint,
        which DTS refuses; with O(ledger) it sends none.
options:
  jobs:
    description:
      - The job endpoints whose stored password changes. Each job id, endpoint and direction may appear once.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - The DTS job id (C(DtsJobId)), for example V(l3m1213ye7l1234).
        type: str
        required: true
      endpoint:
        description:
          - Which side of the job stores the password.
        type: str
        required: true
        choices: [source, destination]
      user:
        description:
          - The database account of that endpoint.
          - When given, the preflight fails if the job uses another account. When not given, the account
            (C(UserName)) that C(DescribeDtsJobDetail) reports is used.
        type: str
      direction:
        description:
          - The direction of a two-way synchronization job. V(reverse) fails the preflight on a one-way job.
        type: str
        choices: [forward, reverse]
        default: forward
      password:
        description:
          - The new password of this endpoint, instead of O(password).
        type: str
  password:
    description:
      - The new password for every endpoint in O(jobs) that has no O(jobs[].password) of its own.
      - It must differ from the current one for DTS to change anything. An equal password is reported as V(unchanged).
    type: str
  password_policy:
    description:
      - Password policies of the databases behind the endpoints to check every new password against, before any API
        call. A violation fails the task, naming the rule.
      - DTS has no password rule of its own; the database's rule applies when the job logs in.
      - V(gaussdb_mysql) is the GaussDB(for MySQL) rule (8 to 32 characters, 3 of 4 classes, specials
        C(~!@#$%^*-_=+?,()&)). V(dcs) and V(dcs_otc) are the DCS Redis rules of Huawei Cloud and Open Telekom Cloud.
    type: list
    elements: str
    choices: [gaussdb_mysql, dcs, dcs_otc]
    default: []
  concurrency:
    description:
      - The maximum number of DTS calls in flight at once, for the preflight reads and for the changes. From 1 to 64.
    type: int
    default: 8
notes:
  - The results tell each endpoint's outcome. V(updated) means the change was made, or (in check mode) would be made.
    V(unchanged) means the endpoint already had this password, by the ledger or by DTS's own answer. V(failed) means
    the change failed. V(skipped) means nothing was sent because the preflight failed.
  - If any endpoint fails, the task fails after every endpoint was tried, with every endpoint's result.
  - The O(ledger) entries are keyed C(dts:<job id>:<direction>:<src|dest>:<user>).
seealso:
  - module: credrotate.cloud.dts_job_info
  - name: ModifyDtsJobPassword API reference
    description: Alibaba Cloud DTS API, version 2020-01-01.
    link: https://www.alibabacloud.com/help/en/dts/developer-reference/api-dts-2020-01-01-modifydtsjobpassword
"""

EXAMPLES = r"""
# Credentials come from ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY / ALICLOUD_REGION, or once for every
# Alibaba Cloud module of the collection:
#   module_defaults:
#     group/credrotate.cloud.alicloud:
#       region: cn-hangzhou
# The passwords below are placeholders: take them from Ansible Vault or a secret store.

- name: Preview which DTS job endpoints would change (reads only)
  credrotate.cloud.dts_job_password:
    jobs:
      - id: l3m1213ye7l1234
        endpoint: source
    password: "Orders-Demo-Pass2!"
    ledger: "{{ playbook_dir }}/.credrotate/dts-ledger.json"
  check_mode: true

- name: Change the password the job uses for its source database (the account is read from the job)
  credrotate.cloud.dts_job_password:
    jobs:
      - id: l3m1213ye7l1234
        endpoint: source
    password: "Orders-Demo-Pass2!"
    password_policy: [gaussdb_mysql]
    ledger: "{{ playbook_dir }}/.credrotate/dts-ledger.json"
  register: dts_change

- name: Show each endpoint's outcome and request id
  ansible.builtin.debug:
    msg: "{{ dts_change.results | map(attribute='outcome') | list }} {{ dts_change.request_ids }}"

- name: Both endpoints, each with its own password and an expected account, 16 calls at a time
  credrotate.cloud.dts_job_password:
    jobs:
      - id: l3m1213ye7l1234
        endpoint: source
        password: "Orders-Demo-Pass2!"
      - id: l3m1213ye7l1234
        endpoint: destination
        user: dts_dest
        direction: forward
        password: "Hangzhou-Dest-Pass2!"
    concurrency: 16
    ledger: "{{ playbook_dir }}/.credrotate/dts-ledger.json"
"""

RETURN = r"""
results:
  description:
    - One entry per job endpoint, in the order of O(jobs).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The DTS job id.
      type: str
      sample: l3m1213ye7l1234
    endpoint:
      description: V(source) or V(destination).
      type: str
      sample: source
    direction:
      description: V(forward) or V(reverse).
      type: str
      sample: forward
    user:
      description: The database account of the endpoint.
      type: str
      sample: crdemo_orders
    outcome:
      description: V(updated), V(unchanged), V(failed) or V(skipped) (see the notes).
      type: str
      sample: updated
    status:
      description:
        - The job's status as read before the change (C(DescribeDtsJobDetail) C(Status)), or V(missing).
      type: str
      sample: Synchronizing
    error_code:
      description: The provider's error code, or the preflight's reason (for example V(JobStatus), V(JobNotFound)).
      type: str
      sample: DTS.Msg.OperationDenied.JobStatus
    error_msg:
      description: What went wrong with this endpoint.
      type: str
    request_id:
      description: The request id of the change call for this endpoint.
      type: str
      sample: 8C498360-7892-433C-847A-BA71A850AAAA
  sample:
    - id: l3m1213ye7l1234
      endpoint: source
      direction: forward
      user: crdemo_orders
      outcome: updated
      status: Synchronizing
      error_code: null
      error_msg: null
      request_id: 8C498360-7892-433C-847A-BA71A850AAAA
request_ids:
  description: The request ids of every change call made (and of the reads made to confirm an uncertain change).
  returned: always
  type: list
  elements: str
  sample: [8C498360-7892-433C-847A-BA71A850AAAA]
error:
  description: On failure, the provider's (or the preflight's) error code and message.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(PreflightFailed), V(PasswordPolicy) or a DTS C(ErrCode).
      type: str
    message:
      description: Error message.
      type: str
    kind:
      description: Error class, for example V(precondition), V(policy), V(auth), V(throttled), V(provider).
      type: str
http_status:
  description: On failure, the HTTP status of the failing call, when there was one.
  returned: failure
  type: int
request_id:
  description: On failure, the request id of the failing call, when there was one.
  returned: failure
  type: str
may_have_applied:
  description:
    - Present and true when the failing change may have applied although its answer was lost (a server error or a
      lost response, also on the confirming call). Read the job or run again; a re-run reports V(unchanged) if it did.
  returned: failure
  type: bool
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._dts import run_job_password
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import DtsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import AlibabaCloudModule

ARGUMENT_SPEC = dict(
    jobs=dict(type="list", elements="dict", required=True, options=dict(
        id=dict(type="str", required=True),
        endpoint=dict(type="str", required=True, choices=["source", "destination"]),
        user=dict(type="str"),
        direction=dict(type="str", default="forward", choices=["forward", "reverse"]),
        password=dict(type="str", no_log=True),
    )),
    password=dict(type="str", no_log=True),
    password_policy=dict(type="list", elements="str", default=[], no_log=False,
                         choices=["gaussdb_mysql", "dcs", "dcs_otc"]),
    concurrency=dict(type="int", default=8),
    ledger=dict(type="path"),
)
RULES = {"jobs[].id": "dts_job_id", "jobs[].user": "db_user", "concurrency": "concurrency"}


def main():
    module = AlibabaCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        result = run_job_password(module.params, DtsApi(module.client), ledger=module.ledger(),
                                  check_mode=module.check_mode, diff=module.module._diff)
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
