# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the providers' loosely typed answer fields read as Python values.

Huawei APIs send numbers as strings (``"3306"``) and booleans as ``"true"``/``"false"`` strings in
some fields and as JSON values in others; these read either, never raising.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def api_int(value):
    """An int from a number or a numeric string, or None (missing, ``""``, a boolean, not a number)."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def api_flag(value):
    """A boolean from ``"true"``/``"false"`` (any case) or a JSON value."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
