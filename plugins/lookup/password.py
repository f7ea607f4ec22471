# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: password
author:
  - credrotate.cloud contributors (@credrotate)
version_added: 0.1.0
short_description: Generate a password that every named target's policy accepts
description:
  - Generates a random password with Python's C(secrets) module that satisfies every named
    password policy at once (length, character classes, and only the special characters that all
    named targets accept).
  - Unlike P(ansible.builtin.password#lookup), it guarantees a minimum of each character class and never
    emits specials such as C(.) or C(:) that GaussDB(for MySQL) rejects.
  - With O(file), the password is persisted to a 0600 file like P(ansible.builtin.password#lookup) does, so
    a re-run gets the same value; an existing file is read back and checked against the policies.
options:
  _terms:
    description: Not used; the lookup takes no terms.
    required: false
  policies:
    description:
      - Names of the target policies the password must satisfy.
      - V(gaussdb_mysql) (GaussDB(for MySQL) root and users), V(dcs) (DCS Redis on Huawei Cloud),
        V(dcs_otc) (DCS Redis on Open Telekom Cloud), V(drs) and V(dts) (no rule of their own).
    type: list
    elements: str
    default: [gaussdb_mysql, dcs, dcs_otc]
  length:
    description:
      - Length of the password. Must lie within every named policy's length range (8 to 32 for all
        current targets).
    type: int
    default: 28
  min_lower:
    description: Minimum number of lower-case letters.
    type: int
    default: 2
  min_upper:
    description: Minimum number of upper-case letters.
    type: int
    default: 2
  min_digits:
    description: Minimum number of digits.
    type: int
    default: 2
  min_specials:
    description: Minimum number of special characters (from the set every named policy accepts).
    type: int
    default: 2
  file:
    description:
      - Path of a file to persist the password to (created 0600, never overwritten). When it exists,
        its content is returned instead of a new password.
    type: path
notes:
  - The generated alphabet's specials are C(~!@#^*-_=+?,), narrowed further to those every named
    policy accepts.
seealso:
  - plugin: ansible.builtin.password
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: A password that GaussDB(for MySQL) and DCS both accept
  ansible.builtin.set_fact:
    new_password: "{{ lookup('credrotate.cloud.password', policies=['gaussdb_mysql', 'dcs']) }}"
  no_log: true

- name: The same password on every re-run, kept in a 0600 file on the controller
  ansible.builtin.set_fact:
    pending_password: "{{ lookup('credrotate.cloud.password', file='/var/lib/rotation/orders.pending') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: A list with one element, the password.
  type: list
  elements: str
"""

import os
import secrets
import string

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.lookup import LookupBase

from ansible_collections.credrotate.cloud.plugins.module_utils import _policy


def allowed_specials(names):
    """The generator's specials narrowed to those every named policy accepts."""
    specials = _policy.GENERATION_SPECIALS
    for name in names:
        rule = _policy.policy(name)
        if rule.specials is not None:
            specials = "".join(c for c in specials if c in rule.specials)
    return specials


def generate(names, length, minimums, rng=None):
    """A password of ``length`` meeting ``minimums`` (class -> count) and every named policy."""
    rng = rng or secrets.SystemRandom()
    specials = allowed_specials(names)
    for name in names:
        rule = _policy.policy(name)
        if rule.min_length is not None and not rule.min_length <= length <= rule.max_length:
            raise ValueError("length %d is outside the %s policy's range %d-%d"
                             % (length, name, rule.min_length, rule.max_length))
    pools = {"lower": string.ascii_lowercase, "upper": string.ascii_uppercase,
             "digits": string.digits, "specials": specials}
    if minimums.get("specials") and not specials:
        raise ValueError("the named policies share no special character")
    if sum(minimums.values()) > length:
        raise ValueError("the class minimums (%d) exceed the length %d" % (sum(minimums.values()), length))
    chars = []
    for cls, count in minimums.items():
        chars.extend(rng.choice(pools[cls]) for dummy in range(count))
    alphabet = "".join(pools.values())
    chars.extend(rng.choice(alphabet) for dummy in range(length - len(chars)))
    rng.shuffle(chars)
    password = "".join(chars)
    violations = _policy.check(password, names)
    if violations:  # cannot happen with consistent minimums; never hand out a bad password
        raise ValueError("generated password violates: %s" % "; ".join(violations))
    return password


def _persist(path, password):
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(to_bytes(password + "\n"))


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        names = self.get_option("policies")
        minimums = {"lower": self.get_option("min_lower"), "upper": self.get_option("min_upper"),
                    "digits": self.get_option("min_digits"), "specials": self.get_option("min_specials")}
        path = self.get_option("file")
        try:
            for name in names:
                _policy.policy(name)
            if path and os.path.exists(path):
                with open(path, "rb") as handle:
                    password = to_text(handle.read()).rstrip("\n")
                violations = _policy.check(password, names)
                if violations:
                    raise AnsibleLookupError("the password kept in %s no longer satisfies: %s"
                                             % (path, "; ".join(violations)))
                return [password]
            password = generate(names, self.get_option("length"), minimums)
            if path:
                try:
                    _persist(path, password)
                except FileExistsError:  # another fork wrote it first: use theirs
                    with open(path, "rb") as handle:
                        password = to_text(handle.read()).rstrip("\n")
            return [password]
        except ValueError as exc:
            raise AnsibleLookupError("credrotate.cloud.password: %s" % exc)
