# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The opt-in ledger option (``_ledger``) of the password modules; each module's notes give its entry keys."""

    DOCUMENTATION = r"""
options:
  ledger:
    description:
      - Path of a local ledger file that records, as keyed HMAC fingerprints, the password this collection last set
        on each target. It never holds a password or an unkeyed hash of one.
      - A target whose entry matches the desired password is reported V(unchanged) and gets no change call. Each
        successful change is recorded. A module that probes consults the ledger only when the probe cannot tell.
      - The file (mode 0600), its key file C(<ledger>.key) and its directory are created on first use. Check mode
        writes nothing.
      - Off by default. The module's notes give the key of each entry.
    type: path
"""
