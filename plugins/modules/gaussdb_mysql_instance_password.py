#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gaussdb_mysql_instance_password
short_description: Reset the root password of a Huawei Cloud GaussDB(for MySQL) instance
version_added: 0.1.0
description:
  - Sets the password of the administrator account (the C(db_user_name) the instance reports, usually C(root)) of a
    GaussDB(for MySQL) / TaurusDB instance of Huawei Cloud / Open Telekom Cloud, with
    C(POST /v3/{project_id}/instances/{instance_id}/password).
  - The module reads the instance first, and it must be V(ACTIVE). The password must meet the GaussDB(for MySQL)
    policy. Then the module logs in over the MySQL protocol (PyMySQL) at the instance's write address with the
    desired password. If that works, nothing is written.
  - The reset needs no old password, so this module is also the reconcile path when the current password is unknown.
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description: ID of the GaussDB(for MySQL) instance.
    type: str
    required: true
  password:
    description:
      - The new administrator password. 8 to 32 characters with at least three of upper-case letters, lower-case
        letters, digits and the specials C(~!@#$%^*-_=+?,()&); not a common weak password.
    type: str
    required: true
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
      - Check mode reads the instance and runs the probe, and reports the C(changed) a real run would report.
  diff_mode:
    support: full
    details:
      - The diff names the instance, never a password.
  idempotent:
    support: partial
    details:
      - A second run reports no change when the probe can log in to the instance or when O(ledger) has the password.
        Otherwise the reset is sent again (it needs no old password and is harmless) and reported as a change.
  platform:
    platforms: huaweicloud
requirements:
  - PyMySQL (for the probe)
notes:
  - The probe logs in as the instance's administrator (C(db_user_name), normally C(root)) at its first
    C(private_write_ips).
  - The O(ledger) entry is keyed C(gaussdb:<instance id>:root).
"""

EXAMPLES = r"""
- name: Set the root password of the orders database
  credrotate.cloud.gaussdb_mysql_instance_password:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    password: Root-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: root_password

- name: Only say whether it would change (reads and probes, writes nothing)
  credrotate.cloud.gaussdb_mysql_instance_password:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    password: Root-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  check_mode: true
  register: plan
"""

RETURN = r"""
outcome:
  description: V(updated) (changed, or would change in check mode), V(unchanged) or V(failed).
  returned: always
  type: str
  sample: updated
evidence:
  description: What showed the password was already in place (V(probe) or V(ledger)), or confirmed a change whose
    response was lost (V(probe)); null otherwise.
  returned: success
  type: str
  sample: null
request_id:
  description: Request ID of the reset call; null when it was not called.
  returned: always
  type: str
  sample: 5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e
instance:
  description: The instance as read before the change.
  returned: when the instance was read
  type: dict
  contains:
    id:
      description: Instance ID.
      type: str
    name:
      description: Instance name.
      type: str
    status:
      description: Instance status.
      type: str
    db_user_name:
      description: The administrator account whose password is set.
      type: str
probe:
  description: What the probe found.
  returned: when the instance was read
  type: dict
  contains:
    mode:
      description: The probe mode used (V(never) when PyMySQL is missing in V(auto) mode).
      type: str
    address:
      description: The address probed.
      type: str
    results:
      description: Outcome of each login (V(ok), V(denied), V(unreachable), or null when not probed).
      type: dict
may_have_applied:
  description: True when the reset's response was lost and no probe could tell whether it applied.
  returned: when a response was lost
  type: bool
error:
  description: The error, when the task fails.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(DBS.201028), V(InstanceNotActive), V(PasswordPolicy) or V(DBS.280203).
      type: str
    message:
      description: Error message.
      type: str
    kind:
      description: Error class.
      type: str
http_status:
  description: HTTP status of the failed call.
  returned: failure
  type: int
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb import run_instance_password
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import PROBE_ARGUMENT_SPEC, PROBE_RULES

ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    ledger=dict(type="path"),
)
RULES = dict(PROBE_RULES, instance_id="gaussdb_instance_id")


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        result = run_instance_password(module.params, GaussDbApi(module.client), module.prober("mysql"),
                                       ledger=module.ledger(), check_mode=module.check_mode)
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
