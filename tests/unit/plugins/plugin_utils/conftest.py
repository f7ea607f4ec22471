# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the engine tests: a simulated world per test, its state directory under ``tmp_path``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.tests.unit.plugins.plugin_utils.world import (
    DRS_JOB,
    DTS_JOB,
    OLD,
    Sim,
)


@pytest.fixture
def make_sim(tmp_path):
    """``make_sim(owner_type, password, deps=True, recovery="auto")``: a world whose owner uses ``password``.

    With ``deps``, the credential has a DRS source endpoint and, for a GaussDB owner, a two-way DTS
    job (forward source and reverse destination), all storing the owner's password.
    """
    def factory(owner_type="gaussdb_mysql_user", password=OLD, deps=True, recovery="auto"):
        sim = Sim(tmp_path / "state", owner_type, password, recovery)
        if deps:
            sim.depend("drs", DRS_JOB, "source")
            if owner_type != "dcs_instance":
                sim.depend("dts", DTS_JOB, "source")
                sim.depend("dts", DTS_JOB, "destination", direction="reverse")
        return sim
    return factory


@pytest.fixture
def sim(make_sim):
    """A GaussDB user owner with one DRS and two DTS dependant endpoints, all using the old password."""
    return make_sim()
