# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: unknown_variables
author:
  - credrotate.cloud contributors (@credrotate)
version_added: 0.2.0
short_description: The variables with a role's prefix that the role does not know, with the likely intended one
description:
  - Takes variable names (for example from the P(ansible.builtin.varnames#lookup) lookup) and returns one entry for
    each name that starts with O(prefix) (compared without regard to case) but is not an option of the role's
    argument spec, with a suggestion for a likely typo.
  - A suggestion is an option of the same name in another case, else the closest top-level option
    (C(difflib), compared on the part after O(prefix)), else the closest sub-option, written as its path
    (C(rotation_dependants) suggests C(rotation_credential.dependants)).
  - Only names are looked at, never values, so a message cannot carry a secret. Names with characters that are
    not printable are shown escaped.
  - The rotation role uses it to refuse misspelt variables before any call.
options:
  _input:
    description: The variable names to check; a string is split at commas (the form C(lookup) returns).
    type: list
    elements: str
    required: true
  options:
    description:
      - The role's options, as the C(options) of an entry point of C(meta/argument_specs.yml) (a dict of option
        specs), or a list of option names (then no sub-option is suggested).
    type: raw
    required: true
  prefix:
    description: Only names that start with this prefix are checked.
    type: str
    default: rotation_
  role:
    description: The role's name, for the messages.
    type: str
    default: credrotate.cloud.rotation
  cutoff:
    description: How close (0 to 1, C(difflib) ratio) a name must be to an option to suggest it.
    type: float
    default: 0.75
"""

EXAMPLES = r"""
- name: Refuse variables that the role does not know, naming the intended one
  ansible.builtin.assert:
    that: unknown | length == 0
    fail_msg: "{{ unknown | map(attribute='msg') | join('; ') }}"
    quiet: true
  vars:
    spec: "{{ lookup('ansible.builtin.file', role_path ~ '/meta/argument_specs.yml') | from_yaml }}"
    unknown: >-
      {{ query('ansible.builtin.varnames', '(?i)^rotation_')
         | credrotate.cloud.unknown_variables(spec.argument_specs.main.options) }}
"""

RETURN = r"""
_value:
  description:
    - One entry per unknown name, sorted by name; empty when every name is an option.
    - C(name), the name (escaped when not printable); C(suggestion), the likely intended option or its path, or
      V(None); C(msg), for example
      C(rotation_new_pasword is not a variable of credrotate.cloud.rotation; did you mean rotation_new_password?),
      or, without a suggestion,
      C(rotation_foo is not a variable of credrotate.cloud.rotation (ansible-doc -t role credrotate.cloud.rotation lists them)).
  type: list
  elements: dict
"""

import difflib

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible.module_utils.six import string_types


def _printable(name):
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


def _closest(word, candidates, cutoff):
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return match[0] if match else None


def _nested(options):
    """``(sub-option name, path)`` for every sub-option of ``options``, shallower first, in spec order."""
    found, queue = [], []
    for top, spec in options.items():
        if isinstance(spec, dict) and isinstance(spec.get("options"), dict):
            queue.append((spec["options"], str(top) + ("[]" if spec.get("type") == "list" else "")))
    while queue:
        level, base = queue.pop(0)
        for name, spec in level.items():
            path = "%s.%s" % (base, name)
            found.append((str(name), path))
            if isinstance(spec, dict) and isinstance(spec.get("options"), dict):
                queue.append((spec["options"], path + ("[]" if spec.get("type") == "list" else "")))
    return found


def unknown_variables(names, options, prefix="rotation_", role="credrotate.cloud.rotation", cutoff=0.75):
    if isinstance(names, string_types):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not is_sequence(names):
        raise AnsibleFilterError("unknown_variables: the input must be a list of variable names")
    if isinstance(options, dict):
        known, nested = [str(k) for k in options], _nested(options)
    elif is_sequence(options):
        known, nested = [str(k) for k in options], []
    else:
        raise AnsibleFilterError("unknown_variables: options must be the argument spec's options (a dict) or a list")
    try:
        cutoff = float(cutoff)
    except (TypeError, ValueError):
        raise AnsibleFilterError("unknown_variables: cutoff must be a number")
    prefix = (prefix or "").lower()
    lower = dict((k.lower(), k) for k in known)
    short = dict((k.lower()[len(prefix):], k) for k in known if k.lower().startswith(prefix))
    by_name = {}
    for name, path in nested:
        by_name.setdefault(name.lower(), path)

    out = []
    for name in sorted(set(str(n) for n in names)):
        if name in known or not name.lower().startswith(prefix):
            continue
        word = name.lower()[len(prefix):]
        suggestion = lower.get(name.lower())
        if suggestion is None:
            close = _closest(word, short, cutoff)
            suggestion = short[close] if close is not None else None
        if suggestion is None and by_name:
            close = word if word in by_name else _closest(word, by_name, cutoff)
            suggestion = by_name[close] if close is not None else None
        shown = _printable(name)
        if suggestion:
            msg = "%s is not a variable of %s; did you mean %s?" % (shown, role, suggestion)
        else:
            msg = "%s is not a variable of %s (ansible-doc -t role %s lists them)" % (shown, role, role)
        out.append({"name": shown, "suggestion": suggestion, "msg": msg})
    return out


class FilterModule(object):
    def filters(self):
        return {"unknown_variables": unknown_variables}
