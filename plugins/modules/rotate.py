#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rotate
short_description: Rotate one database credential and every replication job that stores it
version_added: 0.2.0
description:
  - Runs the eight steps of a coordinated rotation on the controller, in process, on the same service code as the
    collection's modules - validate, preflight (with discovery), pending, set, propagate, verify, promote or roll back,
    and report - for one credential, and prints one line per step as it happens.
  - The owner is a GaussDB(for MySQL) user or root account, or a DCS (Redis) instance; the dependants are Huawei DRS
    and Alibaba DTS job endpoints that store the password.
  - The new password is durable in the secret file C(<state_dir>/<name>.secrets) (mode 0600, Ansible Vault encrypted
    when O(vault_secret) is set) before the first write to any target; the lock and the record (no secret) are
    C(<name>.lock) and C(<name>.json), as written by M(credrotate.cloud.rotation_state). An interrupted rotation
    resumes with the same pending password; O(rotation_id) is the idempotency key.
  - The C(credrotate.cloud.rotation) role validates its variables and calls this action once per credential; the
    role's README describes the steps, the state and the step log.
  - This is an action plugin; it runs on the controller and needs no connection to the inventory host.
author:
  - credrotate.cloud contributors (@credrotate)
extends_documentation_fragment:
  - credrotate.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the action reads and probes only, stops after the preflight and returns the plan.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A completed O(rotation_id) changes nothing when repeated; without O(rotation_id) every run is a new rotation.
  platform:
    support: full
    platforms: posix
options:
  credential:
    description: The credential, its owner and its dependants (as C(rotation_credential) of the role).
    type: dict
    required: true
    suboptions:
      name:
        description: Name of the credential; names its state files.
        type: str
        required: true
      owner:
        description: Where the password lives.
        type: dict
        required: true
        suboptions:
          type:
            description: The kind of owner.
            type: str
            required: true
            choices: [gaussdb_mysql_user, gaussdb_mysql_root, dcs_instance]
          instance_id:
            description: GaussDB(for MySQL) or DCS instance id.
            type: str
            required: true
          user:
            description: Database user (required for V(gaussdb_mysql_user); for V(gaussdb_mysql_root), the root
              account's name used by discovery).
            type: str
          host:
            description: Host part of the database account.
            type: str
            default: '%'
          probe_host:
            description: Address for the login probes instead of the one the provider reports.
            type: str
          probe_port:
            description: Port for the login probes instead of the one the provider reports, from 1 to 65535.
            type: int
      dependants:
        description: Every replication job endpoint that stores the password.
        type: list
        elements: dict
        default: []
        suboptions:
          type:
            description: V(drs) (Huawei DRS) or V(dts) (Alibaba DTS).
            type: str
            required: true
            choices: [drs, dts]
          job_id:
            description: The job id.
            type: str
            required: true
          endpoint:
            description: V(source) or V(target) for DRS; V(source) or V(destination) for DTS.
            type: str
            required: true
            choices: [source, target, destination]
          direction:
            description: DTS only, the synchronisation direction.
            type: str
            default: forward
            choices: [forward, reverse]
          user:
            description: DTS only, the database user of the endpoint (default the owner's user).
            type: str
  current_password:
    description: The password the owner uses now, needed until the secret file holds one.
    type: str
  previous_password:
    description: An older password to try when the owner has drifted back to it.
    type: str
  new_password:
    description: The new password; generated to fit every target's policy when not set.
    type: str
  password_length:
    description: Length of a generated password.
    type: int
    default: 28
  rotation_id:
    description: The idempotency key; without it a new rotation starts unless one is unfinished.
    type: str
  state_dir:
    description: Directory of the secret file, the record, the lock and the ledger (created 0700).
    type: path
    required: true
  vault_secret:
    description: When set, the secret file is encrypted with Ansible Vault (vault id C(credrotate)).
    type: str
  store:
    description:
      - Where the pending, current and previous passwords live.
      - V(file) - the secret file C(<state_dir>/<name>.secrets) on the controller.
      - V(csms) - a Huawei Cloud / OTC DEW CSMS secret, O(store_secret) - current and previous are its C(SYSCURRENT) and
        C(SYSPREVIOUS) versions, the pending password a version marked with the stage C(credrotate-<rotation id>).
        Uses the O(huaweicloud) options (region, project) of the owner.
      - V(kms) - an Alibaba Cloud KMS generic secret, O(store_secret) - C(ACSCurrent), C(ACSPrevious), and the pending
        password a version whose C(VersionId) is the rotation id, marked C(CRPending). Uses the O(alicloud) options.
      - With a cloud store a rotation resumes from the store alone (for example in a fresh AWX job); the lock, the record
        and the ledger (no secret) stay under O(state_dir).
    type: str
    default: file
    choices: [file, csms, kms]
  store_secret:
    description:
      - Name of the CSMS or KMS secret. Created (holding the current password) when missing.
      - Default C(credrotate-<credential name>).
    type: str
  store_format:
    description:
      - How a cloud store's value holds the password. V(password) - the password alone. V(json) - a JSON document
        C({"username", "host", "port", "password"}) as the clouds' database secrets use.
      - A stored value that is a JSON object with a C(password) key is read as such whatever this option says.
    type: str
    default: password
    choices: [password, json]
  mode:
    description:
      - V(rotate) - a full rotation. V(propagate) - the owner is not touched; the current password is read from the
        store (for example after the cloud's own rotation changed it) and every dependant job is brought in line,
        with discovery, verify and report; nothing is written when everything already matches.
    type: str
    default: rotate
    choices: [rotate, propagate]
  max_age:
    description:
      - Rotate only when the last completed rotation is at least this old (V(90d), V(12h), V(30m), V(2w)); a younger
        credential is a no-op with zero writes. Unset - every run rotates.
    type: str
  window:
    description: When writes may start. Outside it the credential is skipped (unless O(force)).
    type: dict
    suboptions:
      days:
        description: Days of the week (V(mon) ... V(sun)). Unset - every day.
        type: list
        elements: str
      hours:
        description: C(HH:MM-HH:MM) in O(window.timezone); may wrap midnight. Unset - all day.
        type: str
      timezone:
        description: IANA time zone of O(window.hours) and O(window.days).
        type: str
        default: UTC
  force:
    description: Rotate even when not due (O(max_age)) or outside the O(window). A suspended credential stays suspended.
    type: bool
    default: false
  suspend_after:
    description:
      - After this many consecutive failed rotations the credential is suspended and later runs skip it until an
        operator resumes it. V(0) never suspends.
    type: int
    default: 3
  events_file:
    description: Append one JSON line per credential outcome (no secret) to this file on the controller.
    type: path
  webhook_url:
    description: POST each event (JSON, HMAC-SHA256 signed with O(webhook_secret)) to this http(s) URL.
    type: str
  webhook_secret:
    description:
      - Key of the webhook's HMAC signature. Environment C(CREDROTATE_WEBHOOK_SECRET) when not set. Without it nothing
        is posted.
    type: str
  webhook_timeout:
    description: Seconds to wait for the webhook.
    type: int
    default: 10
  cloud:
    description: Which DCS password policy applies.
    type: str
    default: huaweicloud
    choices: [huaweicloud, otc]
  probe:
    description: V(always) proves passwords with a login to the database from the controller; V(never) does not.
    type: str
    default: always
    choices: [always, never]
  probe_timeout:
    description: Seconds for each login probe, from 1 to 600.
    type: int
    default: 5
  discover_dependants:
    description:
      - Before any write, list the DRS and DTS jobs and stop on one that logs in to the owner with its account but
        is not a dependant (DRS by instance id and user, else address, port and user; DTS by address, port and user).
      - V(false) risks breaking the jobs you did not list. See the role's O(credrotate.cloud.rotation#role:main:rotation_discover_dependants).
    type: bool
    default: true
  discover_services:
    description: The services discovery lists (DTS only when Alibaba Cloud credentials are configured or DTS dependants are listed).
    type: list
    elements: str
    default: [drs, dts]
    choices: [drs, dts]
  discover_ignore:
    description:
      - Jobs discovery leaves alone, each a dict with C(job_id) and C(reason) (or a bare job id). They are never
        changed; verify reads and reports their health; the reason is recorded.
    type: list
    elements: raw
    default: []
  verify_timeout:
    description: Seconds to wait for every dependant to be healthy with the new password (V(0) checks once).
    type: int
    default: 120
  verify_interval:
    description: Seconds between health checks while verifying.
    type: int
    default: 5
  wait_timeout:
    description: Seconds to wait for a GaussDB(for MySQL) password job, from 1 to 86400.
    type: int
    default: 600
  dts_concurrency:
    description: DTS calls in flight at once, from 1 to 64.
    type: int
    default: 8
  rollback:
    description: On a failure after the first write, put every target back on the password the owner had, and verify.
    type: bool
    default: true
  reconcile:
    description: When no known password logs in to a GaussDB owner, overwrite it instead of stopping.
    type: bool
    default: false
  fail_after_step:
    description: Tests only - stop right after this step as if the controller died there.
    type: str
    default: ""
    choices: ["", validate, preflight, pending, set, propagate, verify, promote_secret, promote]
  huaweicloud:
    description:
      - Options of the Huawei Cloud modules (the C(credrotate.cloud.huaweicloud) doc fragment, for example
        C(region), C(cloud), C(endpoint_url)); unset ones fall back to the same environment variables.
    type: dict
    default: {}
  alicloud:
    description:
      - Options of the Alibaba Cloud modules (the C(credrotate.cloud.alicloud) doc fragment); unset ones fall back to
        the same environment variables.
    type: dict
    default: {}
  option_prefix:
    description:
      - Prefix of the option names in messages. The role passes V(rotation_), so a message names its variable
        (C(rotation_verify_interval)); with a prefix, the task also refuses variables that start with it but are not
        options of its role's C(meta/argument_specs.yml), naming the likely intended one.
    type: str
    default: ""
notes:
  - Put C(no_log) on the task as a second line of defence; the result never holds a password.
seealso:
  - module: credrotate.cloud.rotation_state
  - module: credrotate.cloud.gaussdb_mysql_user_password
  - module: credrotate.cloud.drs_job_password
  - module: credrotate.cloud.dts_job_password
"""

EXAMPLES = r"""
- name: Rotate the replication account and every job that stores it
  credrotate.cloud.rotate:
    credential:
      name: orders-replication
      owner: {type: gaussdb_mysql_user, instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07, user: crdemo_orders}
      dependants:
        - {type: drs, job_id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01, endpoint: source}
        - {type: drs, job_id: 1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02, endpoint: source}
        - {type: dts, job_id: l3m1213ye7l1234, endpoint: source}
    current_password: Orders-Demo-Pass1!  # first rotation only; keep it in Ansible Vault
    rotation_id: "2026-05"
    state_dir: "{{ playbook_dir }}/.rotation-state"
    huaweicloud: {region: cn-north-4}
    alicloud: {region: cn-hangzhou}
  register: rotation
  no_log: true

- name: The same rotation id again changes nothing
  credrotate.cloud.rotate:
    credential:
      name: orders-replication
      owner: {type: gaussdb_mysql_user, instance_id: 6a1b2c3d4e5f40718293a4b5c6d7e8f9in07, user: crdemo_orders}
    rotation_id: "2026-05"
    state_dir: "{{ playbook_dir }}/.rotation-state"
    huaweicloud: {region: cn-north-4}
  register: again
  failed_when: again is changed or again is failed
"""

RETURN = r"""
rotation_id:
  description: The rotation this run worked on.
  returned: always
  type: str
mode:
  description:
    - V(new), V(resume), V(done) (nothing to do), V(conflict) (another rotation is unfinished), V(propagate)
      (O(mode=propagate)) or V(skip) (not due, outside the window, or suspended; see RV(skipped)).
  returned: always
  type: str
decision:
  description: Why this run does what it does, in one sentence.
  returned: always
  type: str
steps:
  description: The step log, one entry per step (C(step), C(outcome), C(detail), C(seconds)).
  returned: always
  type: list
  elements: dict
record:
  description: The state record after the run (no secret).
  returned: when the run held the lock
  type: dict
summary:
  description: The summary table, as lines.
  returned: when the run held the lock
  type: list
  elements: str
plan:
  description: The plan, as lines (check mode).
  returned: in check mode
  type: list
  elements: str
skipped:
  description: Why nothing was done - V(not_due) (O(max_age)), V(window) (O(window)) or V(suspended).
  returned: when the credential was skipped
  type: str
suspended:
  description:
    - The suspension (C(at), C(failures), C(last_error), C(rotation_id)) of a credential that failed O(suspend_after)
      times in a row. A suspended credential is skipped and the task fails until an operator resumes it with
      M(credrotate.cloud.rotation_state) C(action=resume).
  returned: when the credential is suspended
  type: dict
due_at:
  description: When the credential is due (with O(max_age)).
  returned: when the credential was skipped and is not due
  type: str
event:
  description:
    - The event of this outcome (no secret) - C(version), C(type), C(id), C(outcome) (V(completed), V(rolled_back),
      V(failed), V(suspended), V(skipped_not_due), V(skipped), V(nothing_to_do) or V(planned)), C(credential),
      C(host), C(rotation_id), C(mode), C(steps), C(targets), C(request_ids), C(started), C(finished), C(seconds),
      C(error) and more; see docs/fleet.md.
  returned: always
  type: dict
events:
  description: Where the event went - C(written) (the O(events_file) or V(null)), C(posted) (the webhook's HTTP
    status or V(null)).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.credrotate.cloud.plugins.module_utils._rotate_spec import ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="credrotate.cloud.rotate runs as an action plugin on the controller; it cannot run as a "
                         "module on a remote host")


if __name__ == "__main__":
    main()
