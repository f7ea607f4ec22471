# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: result_dump
type: aggregate
short_description: Test helper that appends every task result, as Ansible shows it, to a JSON-lines file
description:
  - Used by the integration tests to read task results (after no_log censoring) without parsing the screen.
  - Writes to the file named by the environment variable E(CREDROTATE_RESULT_DUMP).
options: {}
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_dump"
    CALLBACK_NEEDS_ENABLED = True

    def _dump(self, result, status):
        path = os.environ.get("CREDROTATE_RESULT_DUMP")
        if not path:
            return
        record = {"task": result.task_name if hasattr(result, "task_name") else result._task.get_name(),
                  "host": result._host.get_name(), "status": status,
                  "result": self._clean_copy(result._result)}
        with open(path, "a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    @staticmethod
    def _clean_copy(data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result):
        self._dump(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._dump(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._dump(result, "skipped")
