# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the argument spec of the ``credrotate.cloud.rotate`` action (its module file documents it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

OWNER_TYPES = ["gaussdb_mysql_user", "gaussdb_mysql_root", "dcs_instance"]
STEPS = ["", "validate", "preflight", "pending", "set", "propagate", "verify", "promote_secret", "promote"]

ARGUMENT_SPEC = dict(
    credential=dict(type="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        owner=dict(type="dict", required=True, options=dict(
            type=dict(type="str", required=True, choices=OWNER_TYPES),
            instance_id=dict(type="str", required=True),
            user=dict(type="str"),
            host=dict(type="str", default="%"),
            probe_host=dict(type="str"),
            probe_port=dict(type="int"),
        )),
        dependants=dict(type="list", elements="dict", default=[], options=dict(
            type=dict(type="str", required=True, choices=["drs", "dts"]),
            job_id=dict(type="str", required=True),
            endpoint=dict(type="str", required=True, choices=["source", "target", "destination"]),
            direction=dict(type="str", default="forward", choices=["forward", "reverse"]),
            user=dict(type="str"),
        )),
    )),
    current_password=dict(type="str", no_log=True),
    previous_password=dict(type="str", no_log=True),
    new_password=dict(type="str", no_log=True),
    password_length=dict(type="int", default=28, no_log=False),
    rotation_id=dict(type="str"),
    state_dir=dict(type="path", required=True),
    vault_secret=dict(type="str", no_log=True),
    store=dict(type="str", default="file", choices=["file", "csms", "kms"]),
    store_secret=dict(type="str", no_log=False),
    store_format=dict(type="str", default="password", choices=["password", "json"]),
    mode=dict(type="str", default="rotate", choices=["rotate", "propagate"]),
    max_age=dict(type="str"),
    window=dict(type="dict", options=dict(
        days=dict(type="list", elements="str"),
        hours=dict(type="str"),
        timezone=dict(type="str", default="UTC"),
    )),
    force=dict(type="bool", default=False),
    suspend_after=dict(type="int", default=3),
    events_file=dict(type="path"),
    webhook_url=dict(type="str"),
    webhook_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["CREDROTATE_WEBHOOK_SECRET"])),
    webhook_timeout=dict(type="int", default=10),
    cloud=dict(type="str", default="huaweicloud", choices=["huaweicloud", "otc"]),
    probe=dict(type="str", default="always", choices=["always", "never"]),
    probe_timeout=dict(type="int", default=5),
    discover_dependants=dict(type="bool", default=True),
    discover_services=dict(type="list", elements="str", default=["drs", "dts"], choices=["drs", "dts"]),
    discover_ignore=dict(type="list", elements="raw", default=[]),
    verify_timeout=dict(type="int", default=120),
    verify_interval=dict(type="int", default=5),
    wait_timeout=dict(type="int", default=600),
    dts_concurrency=dict(type="int", default=8),
    rollback=dict(type="bool", default=True),
    reconcile=dict(type="bool", default=False),
    fail_after_step=dict(type="str", default="", choices=STEPS),
    huaweicloud=dict(type="dict", default={}, no_log=False),
    alicloud=dict(type="dict", default={}, no_log=False),
    option_prefix=dict(type="str", default=""),
)
