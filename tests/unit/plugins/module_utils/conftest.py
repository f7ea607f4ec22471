# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures built on the HTTP-boundary test doubles in ``fakes.py``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import (
    FakeClock,
    FakeTransport,
    MaxRandom,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_retry(clock):
    def factory(attempts=5, deadline=None, base=1.0, cap=20.0, rand=None):
        return Retry(attempts=attempts, deadline=deadline, base=base, cap=cap, sleep=clock.sleep, clock=clock,
                     rand=rand or MaxRandom())
    return factory


@pytest.fixture
def transport():
    return FakeTransport()
