# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import stat

import pytest
import yaml

from ansible.errors import AnsibleLookupError
from ansible import constants as C

from ansible_collections.credrotate.cloud.plugins.lookup import password as lookup_password
from ansible_collections.credrotate.cloud.plugins.module_utils import _policy

ALL = ["gaussdb_mysql", "dcs", "dcs_otc", "drs", "dts"]


PLUGIN_NAME = "credrotate.cloud.password"


@pytest.fixture(scope="module", autouse=True)
def plugin_config():
    """Register the plugin's documented options with Ansible's config manager, as the loader does."""
    definitions = yaml.safe_load(lookup_password.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("lookup", PLUGIN_NAME, definitions)


def _lookup():
    plugin = lookup_password.LookupModule()
    plugin._load_name = PLUGIN_NAME  # pylint: disable=protected-access
    return plugin


def test_statistically_every_generated_password_passes_every_policy():
    """10,000 passwords at every allowed length (8-32) all pass every target's policy."""
    rng = random.Random(20261126)
    minimums = {"lower": 2, "upper": 2, "digits": 2, "specials": 2}
    for index in range(10000):
        length = 8 + index % 25
        password = lookup_password.generate(ALL, length, minimums, rng=rng)
        assert len(password) == length
        assert _policy.check(password, ALL) == [], password


def test_every_class_and_every_allowed_special_is_reachable():
    """Over many draws each allowed special appears, and no character outside the alphabet does."""
    rng = random.Random(7)
    seen = set()
    for dummy in range(2000):
        seen.update(lookup_password.generate(ALL, 28, {"lower": 1, "upper": 1, "digits": 1, "specials": 1}, rng=rng))
    specials = set(lookup_password.allowed_specials(ALL))
    assert specials == set("~!@#^*-_=+?,")
    assert specials <= seen
    assert not seen - specials - set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def test_lookup_returns_one_password_with_defaults():
    """Through the plugin loader with defaults: one 28-character password accepted everywhere."""
    result = _lookup().run([], variables={})
    assert len(result) == 1 and len(result[0]) == 28
    assert _policy.check(result[0], ALL) == []


def test_two_lookups_differ():
    """Generation is random: two calls do not return the same value."""
    assert _lookup().run([], variables={}) != _lookup().run([], variables={})


def test_length_outside_a_policy_is_refused_naming_the_policy():
    """A length the policy cannot accept fails with the policy's range, before generating."""
    with pytest.raises(AnsibleLookupError, match="gaussdb_mysql policy's range 8-32"):
        _lookup().run([], variables={}, length=40, policies=["gaussdb_mysql"])


def test_minimums_larger_than_length_are_refused():
    with pytest.raises(AnsibleLookupError, match="class minimums"):
        _lookup().run([], variables={}, length=8, min_lower=3, min_upper=3, min_digits=3)


def test_unknown_policy_is_refused():
    with pytest.raises(AnsibleLookupError):
        _lookup().run([], variables={}, policies=["oracle"])


def test_file_persists_0600_and_a_rerun_gets_the_same_password(tmp_path):
    """Like ansible.builtin.password: the first call writes a 0600 file, the next returns its value."""
    path = str(tmp_path / "state" / "orders.pending")
    first = _lookup().run([], variables={}, file=path)[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _lookup().run([], variables={}, file=path)[0] == first


def test_a_kept_password_that_breaks_the_policy_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "bad.pending"
    path.write_text("Canary:Pass.word1\n")
    with pytest.raises(AnsibleLookupError) as info:
        _lookup().run([], variables={}, file=str(path))
    assert "Canary" not in str(info.value)
    assert "gaussdb_mysql" in str(info.value)
