# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rotate action turns its arguments into plain Python data before the engine copies and walks them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.credrotate.cloud.plugins.action.rotate import _plain


class TaggedStr(str):
    """Stands for ansible-core's tagged str (a str subclass carrying where the value came from)."""


class TaggedInt(int):
    pass


class Opaque(object):
    """Stands for a value the action must not convert (ansible-core 2.19's EncryptedString is not a str)."""


def test_plain_keeps_every_value_and_drops_only_the_subclass():
    opaque = Opaque()
    args = {TaggedStr("credential"): {"name": TaggedStr("orders"), "dependants": (
        {"id": TaggedStr("j1"), "port": TaggedInt(3306), "ok": True, "ratio": 0.5, "none": None},)},
        "secret": opaque}
    plain = _plain(args)
    assert plain == {"credential": {"name": "orders", "dependants": [
        {"id": "j1", "port": 3306, "ok": True, "ratio": 0.5, "none": None}]}, "secret": opaque}
    assert plain["secret"] is opaque
    kinds = set()

    def walk(item):
        kinds.add(type(item))
        if isinstance(item, dict):
            for key, value in item.items():
                walk(key)
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)
    walk(plain)
    assert kinds <= {dict, list, str, int, bool, float, type(None), Opaque}
    plain.pop("secret")
    assert copy.deepcopy(plain) == plain
