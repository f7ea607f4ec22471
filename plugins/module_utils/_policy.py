# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: password policies of the targets (reference §11), checked before any API call.

:func:`check` returns violations that name the policy and the rule, never the password.
DRS and DTS have no rule of their own (the database's applies); DTS and DCS refuse a new
password equal to the current one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import string

Policy = collections.namedtuple("Policy", ["name", "min_length", "max_length", "min_classes", "specials",
                                           "must_differ"])

POLICIES = dict((p.name, p) for p in (
    Policy("gaussdb_mysql", 8, 32, 3, "~!@#$%^*-_=+?,()&", False),
    Policy("dcs", 8, 32, 3, "`~!@#$%^&*()-_=+|{},<.>/?", True),
    Policy("dcs_otc", 8, 32, 3, "`~!@#$^&*()-_=+\\|{},<.>/?", True),
    Policy("drs", None, None, None, None, False),
    Policy("dts", None, None, None, None, True),
))

# Specials every target accepts that are also harmless in shells, YAML and templates: the
# generator's alphabet. (The plain intersection also has ``$ ( ) &``; see common_specials().)
GENERATION_SPECIALS = "~!@#^*-_=+?,"

_CLASSES = (
    ("lower-case letter", lambda c: c in string.ascii_lowercase),
    ("upper-case letter", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c in string.digits),
)


def policy(name):
    """The :class:`Policy` called ``name``; ``ValueError`` names the known ones otherwise."""
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError("unknown password policy %r (known: %s)" % (name, ", ".join(sorted(POLICIES))))


def common_specials(names=("gaussdb_mysql", "dcs", "dcs_otc")):
    """Specials accepted by every named policy (policies without a rule are ignored), in order."""
    sets = [policy(n).specials for n in names if policy(n).specials is not None]
    if not sets:
        return GENERATION_SPECIALS
    return "".join(c for c in sets[0] if all(c in other for other in sets[1:]))


def _describe(char):
    if char == " ":
        return "a space"
    if char in string.printable and char not in string.whitespace:
        return "character %r" % char
    return "character U+%04X" % ord(char)


def check(password, policies, old_password=None, username=None):
    """Violations of ``password`` against each named policy: ``["<policy>: <rule>", ...]``.

    An empty list means every policy accepts it. ``old_password`` enables "must differ"
    and ``username`` the DCS "not the user name or its reverse" rule. Messages never contain
    the password (a disallowed character is named, as the providers' own messages do).
    """
    if isinstance(policies, str):
        policies = [policies]
    password = password or ""
    problems = []
    for name in policies:
        rules = policy(name)
        found = []
        if rules.min_length is not None and not rules.min_length <= len(password) <= rules.max_length:
            found.append("length must be %d to %d characters (got %d)" % (rules.min_length, rules.max_length,
                                                                          len(password)))
        if rules.specials is not None:
            classes = [label for label, test in _CLASSES if any(test(c) for c in password)]
            if any(c in rules.specials for c in password):
                classes.append("special")
            if len(classes) < rules.min_classes:
                found.append("must contain at least %d of: lower-case, upper-case, digit, special (allowed: %s); "
                             "found %d" % (rules.min_classes, rules.specials, len(classes)))
            bad = []
            for char in password:
                if not (char in rules.specials or char in string.ascii_letters or char in string.digits) \
                        and char not in bad:
                    bad.append(char)
            for char in bad:
                found.append("%s is not an allowed special (allowed: %s)" % (_describe(char), rules.specials))
        if rules.must_differ and old_password is not None and password == old_password:
            found.append("must differ from the current password")
        if name.startswith("dcs") and username and password in (username, username[::-1]):
            found.append("must not be the user name or its reverse")
        problems.extend("%s: %s" % (name, text) for text in found)
    return problems
