#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dcs_instance_info
short_description: Read a Huawei Cloud DCS Redis instance, its address and whether it has a password
version_added: 0.2.0
description:
  - Reads a Distributed Cache Service (DCS) Redis instance of Huawei Cloud / Open Telekom Cloud with
    C(GET /v2/{project_id}/instances/{instance_id}) and returns its status, address (IP addresses, domain names and
    port), engine and engine version, and whether it has a password (the inverse of the API's C(no_password_access)).
  - Use it before a rotation to check that M(credrotate.cloud.dcs_instance_password) can change the password (the
    instance is V(RUNNING) and has one), and to find the address a probe or an application connects to.
  - Never returns a password (the API has none to return).
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description:
      - ID of the DCS instance (a UUID).
    type: str
    required: true
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
seealso:
  - module: credrotate.cloud.dcs_instance_password
"""

EXAMPLES = r"""
- name: Read the orders cache
  credrotate.cloud.dcs_instance_info:
    instance_id: 3f2e1d0c-9b8a-4776-8655-443322110099
  register: cache

- name: Fail unless its password can be changed now
  ansible.builtin.assert:
    that:
      - cache.instance.status == 'RUNNING'
      - cache.instance.password_set
    fail_msg: "{{ cache.instance.name }} is {{ cache.instance.status }}, password set: {{ cache.instance.password_set }}"

- name: Show where applications connect
  ansible.builtin.debug:
    msg: >-
      {{ cache.instance.engine }} {{ cache.instance.engine_version }}
      at {{ cache.instance.domain_name }}:{{ cache.instance.port }} ({{ cache.instance.ips | join(', ') }})
"""

RETURN = r"""
instance:
  description: The instance, without any password.
  returned: success
  type: dict
  contains:
    instance_id:
      description: Instance ID.
      type: str
      sample: 3f2e1d0c-9b8a-4776-8655-443322110099
    name:
      description: Instance name.
      type: str
      sample: orders-cache
    status:
      description: Instance status, for example V(RUNNING), V(CREATING), V(ERROR), V(RESTARTING) or V(FROZEN).
      type: str
      sample: RUNNING
    sub_status:
      description: Sub-status, when the API gives one.
      type: str
      sample: ""
    engine:
      description: Cache engine.
      type: str
      sample: Redis
    engine_version:
      description: Engine version.
      type: str
      sample: "5.0"
    ip:
      description: The data-plane address as the API gives it (comma-separated for a cluster).
      type: str
      sample: 192.168.0.25
    ips:
      description: The data-plane addresses, one per item.
      type: list
      elements: str
      sample: [192.168.0.25]
    port:
      description: Data-plane port.
      type: int
      sample: 6379
    domain_name:
      description: Domain name of the data plane.
      type: str
      sample: redis-3f2e1d0c.dcs.huaweicloud.com
    readonly_domain_name:
      description: Read-only domain name, when the instance has one.
      type: str
      sample: ""
    publicip_address:
      description: Elastic IP address bound to the instance, when there is one.
      type: str
      sample: ""
    access_user:
      description: User name for password authentication (Redis 6 ACL user), if the instance has one.
      type: str
      sample: null
    no_password_access:
      description: Whether password-free access is enabled (the API's C(no_password_access)).
      type: bool
      sample: false
    password_set:
      description: Whether the instance requires a password (the inverse of RV(instance.no_password_access)).
      type: bool
      sample: true
    enable_ssl:
      description: Whether clients must connect with TLS.
      type: bool
      sample: false
    cache_mode:
      description: Instance type, for example V(single), V(ha) or V(cluster).
      type: str
      sample: single
    capacity:
      description: Capacity in GB.
      type: int
      sample: 1
    password_change_allowed:
      description:
        - Whether M(credrotate.cloud.dcs_instance_password) can change the password now (the instance is V(RUNNING)
          and has a password).
      type: bool
      sample: true
request_id:
  description: Request ID of the read.
  returned: success
  type: str
  sample: 5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e
error:
  description: The error, when the task fails.
  returned: failure
  type: dict
  contains:
    code:
      description: Error code, for example V(DCS.3022) (no such instance) or V(InvalidParameter).
      type: str
      sample: DCS.3022
    message:
      description: Error message.
      type: str
      sample: This DCS instance does not exist.
    kind:
      description: Error class, for example V(not_found), V(auth) or V(validation).
      type: str
      sample: not_found
http_status:
  description: HTTP status of the failed call.
  returned: failure
  type: int
  sample: 404
"""

from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi, instance_target
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError, read_existing
from ansible_collections.credrotate.cloud.plugins.module_utils._fields import api_flag, api_int
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule

ARGUMENT_SPEC = dict(
    instance_id=dict(type="str", required=True),
)
RULES = {"instance_id": "dcs_instance_id"}
TEXT_FIELDS = ("instance_id", "name", "status", "sub_status", "engine", "engine_version", "ip", "domain_name",
               "readonly_domain_name", "publicip_address", "access_user", "cache_mode")


def instance_info(instance):
    """The show-instance answer as the module returns it: listed fields only, so no secret can come along."""
    view = dict((key, instance.get(key)) for key in TEXT_FIELDS)
    view["ips"] = [part.strip() for part in ("%s" % (instance.get("ip") or "")).split(",") if part.strip()]
    view["port"] = api_int(instance.get("port"))
    view["capacity"] = api_int(instance.get("capacity"))
    view["no_password_access"] = api_flag(instance.get("no_password_access"))
    view["password_set"] = not view["no_password_access"]
    view["enable_ssl"] = api_flag(instance.get("enable_ssl"))
    view["password_change_allowed"] = view["status"] == "RUNNING" and view["password_set"]
    return view


def run_info(params, api):
    """``dcs_instance_info``: ``{changed: False, instance, request_id}``; a failed read raises ``TaskFailed``."""
    answer = read_existing(instance_target(params["instance_id"]), api.show_instance_result, params["instance_id"])
    data = answer.data if isinstance(answer.data, dict) else {}
    return dict(changed=False, instance=instance_info(data), request_id=answer.request_id)


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        module.exit_json(**module.finish(run_info(module.params, DcsApi(module.client))))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
