#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gaussdb_mysql_instance_info
short_description: Read a Huawei Cloud GaussDB(for MySQL) instance, its status, addresses, port and version
version_added: 0.2.0
description:
  - Reads a GaussDB(for MySQL) / TaurusDB instance of Huawei Cloud / Open Telekom Cloud with
    C(GET /v3/{project_id}/instances/{instance_id}) and returns its name, status, type, version, port, private
    write and read addresses, administrator account name and nodes.
  - Use it before a rotation to check that the instance is V(ACTIVE) (the only status in which
    M(credrotate.cloud.gaussdb_mysql_instance_password) and M(credrotate.cloud.gaussdb_mysql_user_password) change a
    password), and to find the address a probe or an application connects to.
  - Never returns a password (the API has none to return).
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description:
      - ID of the GaussDB(for MySQL) instance (32 lower-case letters or digits followed by C(in07)).
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
  - module: credrotate.cloud.gaussdb_mysql_user_info
  - module: credrotate.cloud.gaussdb_mysql_instance_password
"""

EXAMPLES = r"""
- name: Read the orders database instance
  credrotate.cloud.gaussdb_mysql_instance_info:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
  register: orders_db

- name: Fail unless passwords can be changed now
  ansible.builtin.assert:
    that:
      - orders_db.instance.password_change_allowed
    fail_msg: "{{ orders_db.instance.name }} is {{ orders_db.instance.status }}, not ACTIVE"

- name: Show where applications connect
  ansible.builtin.debug:
    msg: >-
      {{ orders_db.instance.type }} {{ orders_db.instance.version }}
      at {{ orders_db.instance.address }}:{{ orders_db.instance.port }}, administrator {{ orders_db.instance.db_user_name }}
"""

RETURN = r"""
instance:
  description: The instance, without any password.
  returned: success
  type: dict
  contains:
    id:
      description: Instance ID.
      type: str
      sample: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    name:
      description: Instance name.
      type: str
      sample: orders-db
    alias:
      description: Instance remarks, when set.
      type: str
      sample: ""
    status:
      description:
        - Instance status, for example V(ACTIVE), V(BUILD), V(FAILED), V(FROZEN), V(MODIFYING), V(REBOOTING) or
          V(BACKING UP).
      type: str
      sample: ACTIVE
    type:
      description: Instance type, for example V(Cluster).
      type: str
      sample: Cluster
    version:
      description: Database version (the C(datastore.version) of the API).
      type: str
      sample: "8.0"
    datastore:
      description: The database engine.
      type: dict
      contains:
        type:
          description: Engine type.
          type: str
          sample: gaussdb-mysql
        version:
          description: Engine version.
          type: str
          sample: "8.0"
        kernel_version:
          description: Kernel version, when the API gives it.
          type: str
          sample: 2.0.57.240900
    port:
      description: Database port (the API sends a string; this is an integer).
      type: int
      sample: 3306
    address:
      description: The first private write address (where a probe logs in), or null when there is none.
      type: str
      sample: 192.168.0.10
    private_write_ips:
      description: Private write addresses.
      type: list
      elements: str
      sample: [192.168.0.10]
    private_dns_names:
      description: Private domain names, when the instance has them.
      type: list
      elements: str
      sample: []
    public_ips:
      description: Elastic IP addresses bound to the instance.
      type: list
      elements: str
      sample: []
    db_user_name:
      description: The administrator account, whose password M(credrotate.cloud.gaussdb_mysql_instance_password) sets.
      type: str
      sample: root
    node_count:
      description: Number of nodes.
      type: int
      sample: 1
    nodes:
      description: The nodes of the instance.
      type: list
      elements: dict
      contains:
        id:
          description: Node ID.
          type: str
          sample: 6a1b2c3d4e5f40718293a4b5c6d7e8f9no07
        name:
          description: Node name.
          type: str
          sample: orders-db_node01
        type:
          description: Node type, V(master) or V(slave).
          type: str
          sample: master
        status:
          description: Node status.
          type: str
          sample: ACTIVE
        port:
          description: Database port of the node.
          type: int
          sample: 3306
        private_read_ips:
          description: Private read addresses of the node.
          type: list
          elements: str
          sample: [192.168.0.11]
        az_code:
          description: Availability zone of the node.
          type: str
          sample: cn-north-4a
    az_mode:
      description: Deployment, V(single) or V(multi) availability zone.
      type: str
      sample: single
    created:
      description: Creation time, as the API gives it.
      type: str
      sample: 2024-01-01T00:00:00+0000
    updated:
      description: Last update time, as the API gives it.
      type: str
      sample: 2024-01-01T00:00:00+0000
    password_change_allowed:
      description: Whether the status is V(ACTIVE), the only status in which the password modules change a password.
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
      description: Error code, for example V(DBS.201028) (no such instance) or V(InvalidParameter).
      type: str
      sample: DBS.201028
    message:
      description: Error message.
      type: str
      sample: The DB instance does not exist.
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

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError, read_existing
from ansible_collections.credrotate.cloud.plugins.module_utils._fields import api_int
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi, instance_target
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule

ARGUMENT_SPEC = dict(
    instance_id=dict(type="str", required=True),
)
RULES = {"instance_id": "gaussdb_instance_id"}
TEXT_FIELDS = ("id", "name", "alias", "status", "type", "db_user_name", "az_mode", "created", "updated")
NODE_FIELDS = ("id", "name", "type", "status", "az_code")


def _strings(value):
    """A list of addresses from a list, or from a comma-separated string (``public_ips`` is ``""`` when unset)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return []
    return [("%s" % item).strip() for item in value if item is not None and ("%s" % item).strip()]


def _dict(value):
    return value if isinstance(value, dict) else {}


def node_info(node):
    view = dict((key, node.get(key)) for key in NODE_FIELDS)
    view["port"] = api_int(node.get("port"))
    view["private_read_ips"] = _strings(node.get("private_read_ips"))
    return view


def instance_info(instance):
    """The show-instance ``instance`` as the module returns it: listed fields only, so no secret can come along."""
    view = dict((key, instance.get(key)) for key in TEXT_FIELDS)
    datastore = _dict(instance.get("datastore"))
    view["datastore"] = dict((key, datastore.get(key)) for key in ("type", "version", "kernel_version"))
    view["version"] = datastore.get("version")
    view["port"] = api_int(instance.get("port"))
    view["private_write_ips"] = _strings(instance.get("private_write_ips"))
    view["private_dns_names"] = _strings(instance.get("private_dns_names"))
    view["public_ips"] = _strings(instance.get("public_ips"))
    view["address"] = view["private_write_ips"][0] if view["private_write_ips"] else None
    nodes = [node_info(n) for n in instance.get("nodes") or [] if isinstance(n, dict)]
    view["nodes"] = nodes
    view["node_count"] = api_int(instance.get("node_count"))
    if view["node_count"] is None:
        view["node_count"] = len(nodes)
    view["password_change_allowed"] = view["status"] == "ACTIVE"
    return view


def run_info(params, api):
    """``gaussdb_mysql_instance_info``: ``{changed: False, instance, request_id}``; a failed read raises ``TaskFailed``."""
    answer = read_existing(instance_target(params["instance_id"]), api.show_instance_result, params["instance_id"])
    data = answer.data if isinstance(answer.data, dict) else {}
    return dict(changed=False, instance=instance_info(_dict(data.get("instance"))), request_id=answer.request_id)


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        module.exit_json(**module.finish(run_info(module.params, GaussDbApi(module.client))))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
