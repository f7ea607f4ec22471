# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_tasks
type: aggregate
short_description: Counts the tasks each host ran, for bench/rotate.py
description:
  - Counts, per host, the tasks that ran (V(ok) or V(failed), including an C(include_tasks) and a failure
    ignored with C(ignore_errors)) and the skipped ones, with each task's name and status, and writes them as
    JSON to the file named by the environment variable E(BENCH_TASKS_FILE) when the playbook ends.
  - A task with a loop counts once. Each task carries the seconds from its start to its result.
options: {}
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_tasks"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.hosts = {}
        self.started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.started[task._uuid] = time.time()

    def _count(self, result, status):
        host = self.hosts.setdefault(result._host.get_name(), {"ok": 0, "failed": 0, "skipped": 0, "tasks": []})
        host[status] += 1
        seconds = time.time() - self.started.get(result._task._uuid, time.time())
        host["tasks"].append([result._task.get_name(), result._task.action, status, round(seconds, 3)])

    def v2_runner_on_ok(self, result):
        self._count(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._count(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._count(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_TASKS_FILE")
        if path:
            with open(path, "w") as handle:
                json.dump({"hosts": self.hosts}, handle)
