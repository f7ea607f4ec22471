# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: password_violations
author:
  - credrotate.cloud contributors (@credrotate)
version_added: 0.1.0
short_description: The rules of the named password policies that a password breaks
description:
  - >-
    Checks a password against the password policies of the targets (GaussDB(for MySQL), DCS Redis on Huawei Cloud
    or Open Telekom Cloud, DRS, DTS) and returns the broken rules, each naming its policy, as
    C(<policy>: <rule>). An empty list means every named policy accepts the password.
  - The messages never contain the password; a disallowed character is named, as the providers' own messages do.
  - The rotation role uses it to refuse a password before any API call.
options:
  _input:
    description: The password to check.
    type: str
    required: true
  policies:
    description:
      - Names of the policies, V(gaussdb_mysql), V(dcs), V(dcs_otc), V(drs) or V(dts).
    type: list
    elements: str
    required: true
  old_password:
    description: The current password, for the "must differ" rule of DCS and DTS.
    type: str
  username:
    description: The account name, for the DCS "not the user name or its reverse" rule.
    type: str
"""

EXAMPLES = r"""
- name: Refuse a password that GaussDB(for MySQL) or DCS would reject, naming the rule
  ansible.builtin.assert:
    that: violations | length == 0
    fail_msg: "the new password breaks: {{ violations | join('; ') }}"
  vars:
    violations: "{{ new_password | credrotate.cloud.password_violations(['gaussdb_mysql', 'dcs'], old_password=current_password) }}"
  no_log: false
"""

RETURN = r"""
_value:
  description: >-
    The broken rules, for example C(gaussdb_mysql: character '.' is not an allowed special (allowed: ...)).
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.credrotate.cloud.plugins.module_utils._policy import check


def password_violations(password, policies, old_password=None, username=None):
    if password is None:
        password = ""
    if not isinstance(password, string_types):
        raise AnsibleFilterError("password_violations: the input must be a string")
    if isinstance(policies, string_types):
        policies = [policies]
    try:
        return check(password, list(policies), old_password=old_password or None, username=username or None)
    except ValueError as exc:
        raise AnsibleFilterError("password_violations: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"password_violations": password_violations}
