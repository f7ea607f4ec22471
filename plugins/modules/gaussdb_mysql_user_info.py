#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gaussdb_mysql_user_info
short_description: List the database users of a Huawei Cloud GaussDB(for MySQL) instance, their hosts and databases
version_added: 0.2.0
description:
  - Lists the database accounts of a GaussDB(for MySQL) / TaurusDB instance of Huawei Cloud / Open Telekom Cloud
    with C(GET /v3/{project_id}/instances/{instance_id}/db-users), every page (100 accounts a page, at most 1000
    pages), and returns one entry per user name with the hosts it may connect from, the databases it may use
    (read-only or read-write) and its comment.
  - MySQL accounts are C(name@host). A user name defined for several hosts is one entry of RV(users) whose
    RV(users[].accounts) hold each account's own databases and comment.
  - Use it to find the C(name) and C(host) pairs that M(credrotate.cloud.gaussdb_mysql_user_password) takes.
  - Never returns a password (the API has none to return). The administrator account (see
    M(credrotate.cloud.gaussdb_mysql_instance_info)) is not in the list.
author: credrotate.cloud contributors (@credrotate)
options:
  instance_id:
    description:
      - ID of the GaussDB(for MySQL) instance (32 lower-case letters or digits followed by C(in07)).
    type: str
    required: true
  names:
    description:
      - Only the users with these names (1 to 32 letters, digits or underscores). Names that the instance does not
        have are returned in RV(missing).
      - The API has no name filter, so every page is still read.
    type: list
    elements: str
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
  - module: credrotate.cloud.gaussdb_mysql_user_password
  - module: credrotate.cloud.gaussdb_mysql_instance_info
"""

EXAMPLES = r"""
- name: List the database users of the orders database
  credrotate.cloud.gaussdb_mysql_user_info:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
  register: orders_users

- name: Show each user and the hosts it connects from
  ansible.builtin.debug:
    msg: "{{ item.name }}@{{ item.hosts | join(', ') }}: {{ item.databases | map(attribute='name') | join(', ') }}"
  loop: "{{ orders_users.users }}"
  loop_control:
    label: "{{ item.name }}"

- name: Read the two application users, failing if either is missing
  credrotate.cloud.gaussdb_mysql_user_info:
    instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07
    names:
      - crdemo_orders
      - crdemo_report
  register: app_users
  failed_when: app_users.missing | length > 0

- name: Show their accounts, in the form the users option of credrotate.cloud.gaussdb_mysql_user_password takes
  ansible.builtin.debug:
    var: app_users.accounts
"""

RETURN = r"""
users:
  description:
    - One entry per user name, in the order the API lists them. With O(names), only those users.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The user name.
      type: str
      sample: crdemo_orders
    hosts:
      description: The hosts the user may connect from (one MySQL account C(name@host) each), for example V(%).
      type: list
      elements: str
      sample: ["%"]
    databases:
      description:
        - The databases the user may use, over all of its accounts. A database is read-only only when every account
          of the user that has it has it read-only.
      type: list
      elements: dict
      contains:
        name:
          description: Database name.
          type: str
          sample: orders
        readonly:
          description: Whether the access is read-only.
          type: bool
          sample: false
    comment:
      description: The comment of the first account that has one, or null.
      type: str
      sample: null
    accounts:
      description: Each account of the user, as the API lists it.
      type: list
      elements: dict
      contains:
        name:
          description: The user name.
          type: str
          sample: crdemo_orders
        host:
          description: The host of this account.
          type: str
          sample: "%"
        comment:
          description: The account's comment, or null.
          type: str
          sample: null
        databases:
          description: The databases of this account, with RV(users[].databases[].name) and
            RV(users[].databases[].readonly).
          type: list
          elements: dict
accounts:
  description:
    - Every account of RV(users) as C(name) and C(host), the form the O(credrotate.cloud.gaussdb_mysql_user_password#module:users)
      option takes.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The user name.
      type: str
      sample: crdemo_orders
    host:
      description: The host.
      type: str
      sample: "%"
  sample: [{"name": "crdemo_orders", "host": "%"}, {"name": "crdemo_report", "host": "%"}]
missing:
  description: Names from O(names) that the instance has no user for.
  returned: success
  type: list
  elements: str
  sample: []
total_count:
  description: The number of accounts the API reports (C(total_count)); null if it reports none.
  returned: success
  type: int
  sample: 2
truncated:
  description:
    - True when not every account could be read, because the listing had more than 1000 pages or the API kept
      answering with accounts already listed. A warning says so too.
  returned: success
  type: bool
  sample: false
request_ids:
  description: The request IDs of the page reads.
  returned: success
  type: list
  elements: str
  sample: [5c3b2f0d8a9e4f6b9d7c1e2a3b4c5d6e]
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
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import (
    MAX_USER_PAGES,
    GaussDbApi,
    instance_target,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import unique

ARGUMENT_SPEC = dict(
    instance_id=dict(type="str", required=True),
    names=dict(type="list", elements="str"),
)
RULES = {"instance_id": "gaussdb_instance_id", "names[]": "gaussdb_user"}


def _text(value):
    return None if value in (None, "") else "%s" % (value,)


def _flag(value):
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def account_info(account):
    """One account of the API as the module returns it: listed fields only, so no secret can come along."""
    databases = []
    for database in account.get("databases") or []:
        if isinstance(database, dict) and database.get("name") is not None:
            databases.append({"name": "%s" % (database["name"],), "readonly": _flag(database.get("readonly"))})
        elif isinstance(database, str):
            databases.append({"name": database, "readonly": False})
    return {"name": _text(account.get("name")), "host": _text(account.get("host")),
            "comment": _text(account.get("comment")), "databases": databases}


def users_by_name(accounts):
    """The accounts grouped by user name, in the order the names first appear."""
    users = {}
    for account in accounts:
        user = users.get(account["name"])
        if user is None:
            user = users[account["name"]] = {"name": account["name"], "hosts": [], "databases": [], "comment": None,
                                             "accounts": []}
        user["accounts"].append(account)
        if account["host"] not in user["hosts"]:
            user["hosts"].append(account["host"])
        user["comment"] = user["comment"] or account["comment"]
        for database in account["databases"]:
            known = [d for d in user["databases"] if d["name"] == database["name"]]
            if known:
                known[0]["readonly"] = known[0]["readonly"] and database["readonly"]
            else:
                user["databases"].append(dict(database))
    return list(users.values())


def run_info(params, api):
    """``gaussdb_mysql_user_info``: ``{changed: False, users, missing, total_count, truncated, request_ids}``.

    A failed read (unknown instance...) raises ``TaskFailed``; a listing cut short adds a warning.
    """
    instance_id = params["instance_id"]
    target = instance_target(instance_id)
    listing = read_existing(target, api.read_db_users, instance_id)
    users = users_by_name([account_info(a) for a in listing["users"]])
    names = unique(params.get("names") or [])
    missing = []
    if names:
        found = set(u["name"] for u in users)
        missing = [n for n in names if n not in found]
        users = [u for u in users if u["name"] in names]
    accounts = [{"name": a["name"], "host": a["host"]} for u in users for a in u["accounts"]]
    result = dict(changed=False, users=users, accounts=accounts, missing=missing, total_count=listing["total_count"],
                  truncated=not listing["complete"], request_ids=listing["request_ids"], warnings=[])
    if result["truncated"]:
        total = listing["total_count"]
        result["warnings"].append(
            "The database users of %s were read only in part: %d accounts (of %s reported) in %d pages. Paging stops "
            "after %d pages, or at a page that lists no new account; users, accounts and missing may be incomplete"
            % (target, len(listing["users"]), total if total is not None else "an unknown number", listing["pages"],
               MAX_USER_PAGES))
    return result


def main():
    module = HuaweiCloudModule(argument_spec=ARGUMENT_SPEC, rules=RULES, supports_check_mode=True)
    try:
        module.exit_json(**module.finish(run_info(module.params, GaussDbApi(module.client))))
    except CollectionError as err:
        module.fail_from(err)


if __name__ == "__main__":
    main()
