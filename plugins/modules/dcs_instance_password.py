#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dcs_instance_password
short_description: Change the password of a Huawei Cloud DCS Redis instance without risking a lockout
version_added: 0.1.0
description:
  - Changes the password of a Distributed Cache Service (DCS) Redis instance of Huawei Cloud / Open Telekom Cloud with
    C(PUT /v2/{project_id}/instances/{instance_id}/password), which needs the current password.
  - Five wrong old passwords lock the instance for five minutes, so the module spends none on guesses.
    It reads the instance first. The instance must exist, be V(RUNNING) and have a password (no password-free
    access). It checks O(new_password) against the DCS password policy. Then it logs in to the instance's Redis
    address with C(AUTH). If O(new_password) already works, nothing is written. If O(old_password) is rejected, the
    task fails without calling the API.
  - The API is called at most once. A V(passwordFailed) answer is never retried; RV(retry_times_left) and
    RV(lock_time_left) say how close the instance is to a lockout.
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description: ID of the DCS instance.
    type: str
    required: true
  old_password:
    description:
      - The instance's current password.
    type: str
    required: true
  new_password:
    description:
      - The password to set. 8 to 32 characters with at least three of lower-case letters, upper-case letters,
        digits and the specials C(`~!@#$%^&*()-_=+|{},<.>/?) (on OTC C(%) is not allowed and C(\\) is), different
        from O(old_password).
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
      - Check mode reads the instance and runs the probes (which change nothing), and reports the C(changed) a real
        run would report.
  diff_mode:
    support: full
    details:
      - The diff names the instance, never a password.
  idempotent:
    support: partial
    details:
      - A second run reports no change when the probe reaches the instance's Redis address, or when O(ledger) has
        the new password. If neither can tell, the module calls the API with O(old_password). That password is then
        wrong, so the call fails with V(passwordFailed) and uses one of the five attempts before a lockout.
  platform:
    platforms: huaweicloud
requirements:
  - redis (the Python library, for the probe)
notes:
  - With O(probe=never), or when the probe cannot reach the instance and O(ledger) cannot tell either, a wrong
    O(old_password) reaches the API and spends one of the five attempts before a lockout.
  - The O(ledger) entry is keyed C(dcs:<instance id>).
"""

EXAMPLES = r"""
- name: Rotate the password of the orders cache
  credrotate.cloud.dcs_instance_password:
    instance_id: 3f2e1d0c-9b8a-4776-8655-443322110099
    old_password: Cache-Demo-Pass1!
    new_password: Cache-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: cache_password

- name: Running it again changes nothing (the probe or the ledger sees the new password)
  credrotate.cloud.dcs_instance_password:
    instance_id: 3f2e1d0c-9b8a-4776-8655-443322110099
    old_password: Cache-Demo-Pass1!
    new_password: Cache-Demo-Pass2!
    ledger: "{{ playbook_dir }}/credrotate-ledger.json"
  register: again
  failed_when: again is changed
"""

RETURN = r"""
outcome:
  description: V(updated) (changed, or would change in check mode), V(unchanged) or V(failed).
  returned: always
  type: str
  sample: updated
evidence:
  description: What showed the password was already in place, V(probe) or V(ledger); null otherwise.
  returned: success
  type: str
  sample: null
result:
  description: The API's C(result), V(success), V(passwordFailed), V(locked) or V(failed); null when it was not called.
  returned: always
  type: str
  sample: success
retry_times_left:
  description: Wrong old passwords the instance still accepts before it locks, as reported by the API; null when it was
    not called.
  returned: always
  type: int
  sample: 5
lock_time_left:
  description: Minutes the instance stays locked, as reported by the API; null when it was not called.
  returned: always
  type: int
  sample: 0
request_id:
  description: Request ID of the password call.
  returned: always
  type: str
  sample: 5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e
instance:
  description: The instance as read before the change.
  returned: when the instance was read
  type: dict
  contains:
    instance_id:
      description: Instance ID.
      type: str
    name:
      description: Instance name.
      type: str
    status:
      description: Instance status.
      type: str
    engine:
      description: Cache engine.
      type: str
    engine_version:
      description: Engine version.
      type: str
    ip:
      description: Address of the Redis data plane.
      type: str
    port:
      description: Port of the Redis data plane.
      type: int
    no_password_access:
      description: Whether password-free access is enabled.
      type: bool
probe:
  description: What the probes found.
  returned: when the instance was read
  type: dict
  contains:
    mode:
      description: The probe mode used (V(never) when the redis library is missing in V(auto) mode).
      type: str
    address:
      description: The address probed.
      type: str
    results:
      description: Outcome of each login, V(ok), V(denied), V(unreachable), or null when not probed, keyed by
        which password was tried (V(new_password), V(old_password), V(after_write)).
      type: dict
may_have_applied:
  description: True when the password call's response was lost and no probe could tell whether it applied.
  returned: when a response was lost
  type: bool
error:
  description: The error, when the task fails.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(DCS.3022), V(DCS.4049), V(OldPasswordRejected) or V(passwordFailed).
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

from ansible_collections.credrotate.cloud.plugins.module_utils._dcs import run
from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import PROBE_ARGUMENT_SPEC, PROBE_RULES

ARGUMENT_SPEC = dict(
    PROBE_ARGUMENT_SPEC,
    instance_id=dict(type="str", required=True),
    old_password=dict(type="str", required=True, no_log=True),
    new_password=dict(type="str", required=True, no_log=True),
    ledger=dict(type="path"),
)
RULES = dict(PROBE_RULES, instance_id="dcs_instance_id")


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        result = run(module.params, DcsApi(module.client), module.prober("redis"), ledger=module.ledger(),
                     check_mode=module.check_mode)
        module.exit_json(**module.finish(result))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
