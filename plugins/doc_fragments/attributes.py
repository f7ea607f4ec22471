# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Standard attributes. Modules set ``support`` (and ``details`` where it is partial) for each.

    Use ``credrotate.cloud.attributes`` plus one of ``credrotate.cloud.attributes.actiongroup_huaweicloud`` or
    ``credrotate.cloud.attributes.actiongroup_alicloud``.
    """

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
"""

    ACTIONGROUP_HUAWEICLOUD = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/credrotate.cloud.huaweicloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - credrotate.cloud.huaweicloud
"""

    ACTIONGROUP_ALICLOUD = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/credrotate.cloud.alicloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - credrotate.cloud.alicloud
"""
