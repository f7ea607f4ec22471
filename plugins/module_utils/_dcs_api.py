# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: DCS (Redis) v2 API adapter: show an instance, change its password (reference §4, §8.3).

:class:`DcsApi` wraps a :class:`_huawei.HuaweiClient`, returns plain data and raises the
:mod:`_errors` hierarchy. The password call takes the old and the new password; five wrong old
passwords lock the instance for five minutes, so callers make it at most once per decision
(the client never repeats it after an answer that may have been lost).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

INSTANCE_PATH = "/v2/{project_id}/instances/{instance_id}"


def instance_target(instance_id):
    """The name errors and messages give an instance: ``DCS instance <id>``."""
    return "DCS instance %s" % instance_id


class DcsApi(object):
    """The DCS calls; every method raises a :class:`_errors.CloudError` subclass."""

    def __init__(self, client):
        self.client = client

    def show_instance_result(self, instance_id):
        """``GET /v2/{project_id}/instances/{instance_id}``: the ``ApiResult`` (the instance dict and request id).

        A missing instance raises :class:`NotFoundError` (``DCS.3022``).
        """
        return self.client.request("dcs", "GET", INSTANCE_PATH, path_params={"instance_id": instance_id},
                                   target=instance_target(instance_id))

    def show_instance(self, instance_id):
        """``GET /v2/{project_id}/instances/{instance_id}``: the instance dict (``{}`` for an empty answer).

        A missing instance raises :class:`NotFoundError` (``DCS.3022``).
        """
        return self.show_instance_result(instance_id).data or {}

    def change_password(self, instance_id, old_password, new_password):
        """``PUT .../instances/{instance_id}/password``: ``ApiResult``, one call (a write).

        HTTP 200 carries ``data["result"]``: ``success``, ``passwordFailed`` (a wrong old password:
        ``retry_times_left``), ``locked`` (``lock_time_left`` minutes) or ``failed``; the numbers are
        strings, as the API sends them.
        """
        return self.client.request("dcs", "PUT", INSTANCE_PATH + "/password", path_params={"instance_id": instance_id},
                                   body={"old_password": old_password, "new_password": new_password}, write=True,
                                   target=instance_target(instance_id))
