# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Import paths for every test run from the repository root.

* ``<repo>/.collections`` first, so ``ansible_collections.credrotate.cloud`` is this checkout
  (``make venv`` links ``.collections/ansible_collections/credrotate/cloud`` to ``../../..``;
  the link is made here too when missing, so a bare ``pytest`` works as well);
* ``<repo>/tests``, so ``import emulator`` finds the cloud emulator in ``tests/emulator``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".collections")
TESTS_PATH = os.path.join(REPO_ROOT, "tests")


def _ensure_collection_link():
    link = os.path.join(COLLECTIONS_PATH, "ansible_collections", "credrotate", "cloud")
    if os.path.lexists(link):
        return
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(os.path.join("..", "..", ".."), link)


def _prepend(path, index=0):
    while path in sys.path:
        sys.path.remove(path)
    sys.path.insert(index, path)


_ensure_collection_link()
_prepend(TESTS_PATH)
_prepend(COLLECTIONS_PATH)
