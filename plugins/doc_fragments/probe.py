# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The data-plane probe options (argspec: ``_probes.PROBE_ARGUMENT_SPEC``) of the modules that log in to check."""

    DOCUMENTATION = r"""
options:
  probe:
    description:
      - Whether to log in to the database's data plane with the desired password, before anything is written, to see
        whether it is already set. GaussDB(for MySQL) is probed over the MySQL protocol (PyMySQL), DCS with a Redis
        C(AUTH) (redis-py). A probe changes nothing and never counts towards a DCS lockout.
      - V(auto) probes and carries on without the probe's answer when the address cannot be reached within
        O(probe_timeout), or when the Python library is missing. V(always) fails, before any write, when it cannot be
        reached. V(never) does not probe.
    type: str
    choices: [auto, always, never]
    default: auto
  probe_host:
    description:
      - Address to probe instead of the one the instance reports (the first C(private_write_ips) of a GaussDB(for
        MySQL) instance, the C(ip) of a DCS instance), for example a tunnel or a load balancer.
    type: str
  probe_port:
    description:
      - Port to probe instead of the C(port) the instance reports, from 1 to 65535.
    type: int
  probe_timeout:
    description:
      - Seconds to wait for each probe to connect and answer, from 1 to 600.
    type: int
    default: 5
"""
