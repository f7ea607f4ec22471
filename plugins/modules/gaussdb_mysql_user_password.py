#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gaussdb_mysql_user_password
short_description: Change the passwords of database users of a Huawei Cloud GaussDB(for MySQL) instance
version_added: 0.1.0
description:
  - Changes the passwords of database accounts (C(user@host)) of a GaussDB(for MySQL) / TaurusDB instance of Huawei
    Cloud / Open Telekom Cloud with C(PUT /v3/{project_id}/instances/{instance_id}/db-users/password).
    That call is asynchronous, and the module waits for its job by default.
  - Before any write, the instance must be V(ACTIVE), every password must meet the GaussDB(for MySQL) policy, and
    every listed account must exist. Otherwise the task fails naming the offending accounts.
  - Each user is probed with a MySQL login using its desired password at the instance's write address. Users that
    can log in are left alone. The rest are changed in calls of at most 50 users. Each call returns a job, and the
    module waits until the job is V(Completed). A V(Failed) job fails the task with the job's C(fail_reason).
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description: ID of the GaussDB(for MySQL) instance.
    type: str
    required: true
  users:
    description:
      - The database accounts to change.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Account name.
        type: str
        required: true
      host:
        description: Host part of the account, as listed by the instance (V(%) is any host).
        type: str
        default: "%"
      password:
        description: Password for this account, instead of O(password).
        type: str
  password:
    description:
      - The new password of every item of O(users) that has no O(users[].password). 8 to 32 characters with at least
        three of upper-case letters, lower-case letters, digits and the specials C(~!@#$%^*-_=+?,()&).
    type: str
  wait:
    description:
      - Wait until every password job is V(Completed) before returning.
      - With V(false), the module still waits for every job but the last, because the instance accepts one password
        job at a time. The last job's users are then reported V(updated) with status V(Submitted), and the ledger does
        not record them.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each job, from 1 to 86400. A job that takes longer fails the task, which reports the job
        as possibly applied.
    type: int
    default: 600
extends_documentation_fragment:
  - credrotate.cloud.huaweicloud
  - credrotate.cloud.probe
  - credrotate.cloud.ledger
  - credrotate.cloud.attributes
  - credrotate.cloud.attributes.actiongroup_huaweicloud
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the instance and its users and runs the probes, and reports the C(changed) a real run would
        report.
  diff_mode:
    support: full
    details:
      - The diff names the accounts whose password changes, never a password.
  idempotent:
    support: partial
    details:
      - A second run reports no change for users the probe can log in as, or that O(ledger) has. Other users are
        written again and reported as changed.
  platform:
    platforms: huaweicloud
requirements:
  - PyMySQL (for the probe)
notes:
  - A probe logs in as C(name) and proves something about C(name@host) only when the instance has a single account
    named C(name), because MySQL chooses the account by the client's address. Users that share a name with another
    account are not probed.
  - The O(ledger) entries are keyed C(gaussdb:<instance id>:user:<name>@<host>).
"""

EXAMPLES = r"""
- name: Rotate the password of the orders application user
  credrotate.cloud.gaussdb_mysql_user_password:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    users:
      - name: crdemo_orders
    password: Orders-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: users_change

- name: Give two users their own passwords, without waiting for the job
  credrotate.cloud.gaussdb_mysql_user_password:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    users:
      - name: crdemo_orders
        host: "%"
        password: Orders-Demo-Pass2!
      - name: crdemo_report
        password: Report-Demo-Pass2!
    wait: false
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: submitted

- name: Show the job IDs
  ansible.builtin.debug:
    var: submitted.job_ids
"""

RETURN = r"""
job_ids:
  description: IDs of the password jobs, one per call of at most 50 users.
  returned: always
  type: list
  elements: str
  sample: [0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d]
results:
  description: One entry per item of O(users), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Account name.
      type: str
      sample: crdemo_orders
    host:
      description: Account host.
      type: str
      sample: "%"
    outcome:
      description:
        - V(updated) (changed, or would change in check mode), V(unchanged) (already set, see RV(results[].evidence)),
          V(failed), or V(skipped) (not attempted after an earlier failure).
      type: str
      sample: updated
    evidence:
      description: What showed the password was already in place (V(probe) or V(ledger)), or confirmed a change whose
        response was lost (V(probe)); null otherwise.
      type: str
    job_id:
      description: ID of the job that carried this user; null when none did.
      type: str
    status:
      description: Status of that job (V(Completed), V(Failed), V(Submitted) without waiting, V(Running) after a
        timeout).
      type: str
      sample: Completed
    fail_reason:
      description: The job's failure reason.
      type: str
      returned: when the job failed
    error_code:
      description: Error code of a failed user (V(JobFailed) for a failed job).
      type: str
    error_msg:
      description: Error message of a failed user.
      type: str
    request_id:
      description: Request ID of the call that carried this user.
      type: str
    may_have_applied:
      description: True when the change may or may not have applied (lost response, wait timeout).
      type: bool
      returned: when that happened
instance:
  description: The instance as read before the change (C(id), C(name), C(status), C(db_user_name)).
  returned: when the instance was read
  type: dict
probe:
  description: What the probes found (C(mode), C(address), C(results) keyed by C(name@host)).
  returned: when the users were checked
  type: dict
missing:
  description: The accounts that do not exist on the instance.
  returned: when the preflight found missing accounts
  type: list
  elements: str
error:
  description: The first error, when the task fails.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(DBS.200824), V(InstanceNotActive), V(PasswordPolicy) or V(JobFailed).
      type: str
    message:
      description: Error message.
      type: str
    kind:
      description: Error class.
      type: str
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_users import run_user_password
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import PROBE_ARGUMENT_SPEC, PROBE_RULES

ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    users=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        host=dict(type="str", default="%"),
        password=dict(type="str", no_log=True),
    )),
    password=dict(type="str", no_log=True),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    ledger=dict(type="path"),
)
RULES = dict(PROBE_RULES, instance_id="gaussdb_instance_id", wait_timeout="wait_timeout",
             **{"users[].name": "gaussdb_user", "users[].host": "db_host"})


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        result = run_user_password(module.params, GaussDbApi(module.client), module.prober("mysql"),
                                   ledger=module.ledger(), check_mode=module.check_mode)
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
