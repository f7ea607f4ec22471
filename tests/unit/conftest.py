# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make ``ansible_collections.credrotate.cloud`` importable from a plain checkout.

The repository root is the collection root; ``.collections/ansible_collections/credrotate/cloud``
is a symlink back to it. Harmless when a root conftest (or ansible-test) already did the same.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_COLLECTIONS = os.path.join(_REPO, ".collections")
_LINK = os.path.join(_COLLECTIONS, "ansible_collections", "credrotate", "cloud")

if "/ansible_collections/credrotate/cloud" not in _REPO.replace(os.sep, "/"):
    if not os.path.lexists(_LINK):
        os.makedirs(os.path.dirname(_LINK), exist_ok=True)
        os.symlink(os.path.join("..", "..", ".."), _LINK)
    if _COLLECTIONS not in sys.path:
        sys.path.insert(0, _COLLECTIONS)


def pytest_configure(config):
    """Register the markers used here, also for ``ansible-test units`` (which ignores pytest.ini)."""
    config.addinivalue_line("markers", "sdk: uses an official Huawei Cloud or Alibaba Cloud SDK as a test tool")
