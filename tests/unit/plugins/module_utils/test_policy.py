# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Password policies: each violation names the policy and the rule, never the password."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _policy as p

ALL = ["gaussdb_mysql", "dcs", "dcs_otc", "drs", "dts"]
GOOD = "Rotat3d-Passw0rd_2026"


def test_a_compliant_password_passes_every_policy():
    """Letters, digits and a common special, 8-32 long: no violation anywhere."""
    assert p.check(GOOD, ALL) == []


def test_disallowed_special_names_policy_character_and_allowed_set():
    """':' is rejected by GaussDB and DCS, each message naming the policy, the character and the allowed set."""
    problems = p.check("Abcdefg1:x", ["gaussdb_mysql", "dcs"])
    assert problems == [
        "gaussdb_mysql: character ':' is not an allowed special (allowed: ~!@#$%^*-_=+?,()&)",
        "dcs: character ':' is not an allowed special (allowed: `~!@#$%^&*()-_=+|{},<.>/?)",
    ]


@pytest.mark.parametrize("password,policy,rule", [
    ("Ab1-xyz", "gaussdb_mysql", "length must be 8 to 32 characters (got 7)"),
    ("Ab1-" * 9, "dcs", "length must be 8 to 32 characters (got 36)"),
    ("abcdefgh12", "gaussdb_mysql", "must contain at least 3 of"),
    ("Abcdefgh.1", "gaussdb_mysql", "character '.' is not an allowed special"),
    ("Abcdefgh%1", "dcs_otc", "character '%' is not an allowed special"),
    ("Abcdefgh 1", "dcs", "a space is not an allowed special"),
    ("Abcdefgh\u00e91", "dcs", "character U+00E9 is not an allowed special"),
])
def test_each_rule_is_named(password, policy, rule):
    """Length, class count and character rules produce '<policy>: <rule>' messages."""
    problems = p.check(password, [policy])
    assert any(item.startswith(policy + ": ") and rule in item for item in problems), problems


def test_dcs_otc_accepts_backslash_and_huawei_accepts_percent():
    """DCS on OTC allows '\\' but not '%'; DCS on Huawei Cloud the reverse."""
    assert p.check("Abcdefg1\\", ["dcs_otc"]) == []
    assert p.check("Abcdefg1\\", ["dcs"]) != []
    assert p.check("Abcdefg1%", ["dcs"]) == []


def test_must_differ_from_old_for_dcs_and_dts_only():
    """DCS and DTS refuse new == current; GaussDB and DRS have no such rule."""
    assert p.check(GOOD, ["dcs", "dts"], old_password=GOOD) == [
        "dcs: must differ from the current password", "dts: must differ from the current password"]
    assert p.check(GOOD, ["gaussdb_mysql", "drs"], old_password=GOOD) == []


def test_dcs_user_name_rule():
    """DCS: the password may not be the user name or its reverse."""
    assert p.check("Redis-Us3r", ["dcs"], username="r3sU-sideR") == ["dcs: must not be the user name or its reverse"]


def test_drs_and_dts_have_no_rule_of_their_own():
    """DRS/DTS defer to the database: even a short password passes their own check."""
    assert p.check("x", ["drs", "dts"]) == []


def test_violations_never_contain_the_password():
    """No message contains the password (or a long slice of it)."""
    password = "tooShortButSecretValue:with.bad chars and far too long for any policy!!"
    for item in p.check(password, ALL, old_password="other"):
        assert password not in item and "SecretValue" not in item


def test_unknown_policy_is_rejected_naming_the_known_ones():
    """A typo in a policy name is a ValueError listing the valid names."""
    with pytest.raises(ValueError) as info:
        p.check(GOOD, ["gaussdb"])
    assert "gaussdb_mysql" in str(info.value)


def test_generation_specials_are_the_twelve_and_accepted_everywhere():
    """The generator alphabet is the reference's 12 specials, each accepted by every policy."""
    assert p.GENERATION_SPECIALS == "~!@#^*-_=+?,"
    assert len(p.GENERATION_SPECIALS) == 12
    common = p.common_specials(ALL)
    assert all(char in common for char in p.GENERATION_SPECIALS)
    assert p.check("Aa1" + p.GENERATION_SPECIALS + "Zz9", ALL) == []


def test_common_specials_is_the_plain_intersection():
    """common_specials() is the exact intersection (it also holds $ ( ) &, left out of generation)."""
    assert p.common_specials(["gaussdb_mysql", "dcs", "dcs_otc"]) == "~!@#$^*-_=+?,()&"
    assert p.common_specials(["drs"]) == p.GENERATION_SPECIALS
