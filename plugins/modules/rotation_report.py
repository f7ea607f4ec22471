#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rotation_report
short_description: Report the rotation state of many credentials (last rotation, age, due date, suspension)
version_added: 0.2.0
description:
  - >-
    Reads the state records (C(<name>.json)) that the C(credrotate.cloud.rotation) role keeps under its
    C(rotation_state_dir) on the controller and reports, per credential, its last completed rotation (id and time), its
    age, its due date (with O(max_age)), whether it is suspended (with the number of consecutive failures) and its last
    error. Run it on the controller (C(delegate_to: localhost) or C(connection: local)); the
    C(credrotate.cloud.report) playbook does that for a whole inventory.
  - It writes nothing under the state directories (no lock, no guard file, not even a missing directory) and never
    reads a secret file; the only files it writes are O(json_path) and O(junit_path).
  - >-
    Every option is checked before anything is read or written: names as credential names (no V(..), no V(/)), paths of
    1 to 4096 characters without control characters, O(max_age) and O(suspend_after) as the role's variables, the state
    directories and report files as described with each option. A refusal names the option and the rule, never the
    path; nothing is written.
  - >-
    Each credential gets one outcome, the worst that applies, in this order. V(unreadable): the record is not valid
    JSON. V(suspended): C(rotation_suspend_after) consecutive failures (or the engine's C(suspended) marker) and no
    resume since. V(interrupted): the record says a rotation is in progress but no live process holds its lock.
    V(failed) or V(rolled_back): the latest rotation ended so. V(overdue): the last completed rotation is older than
    O(max_age). V(never_rotated): no rotation has completed. V(in_progress): a live process is rotating it. V(ok).
  - The JUnit XML has one test case per credential (class name C(credrotate.cloud.rotation), test name the
    credential's name). V(unreadable) is an C(error) element; V(suspended), V(interrupted), V(failed),
    V(rolled_back) and V(overdue) are C(failure) elements whose C(type) is the outcome; V(never_rotated) is
    C(skipped) (a credential added to the inventory that the next run rotates is not a failure); V(in_progress) and
    V(ok) pass. Every test case carries its report line as C(system-out).
author:
  - credrotate.cloud contributors (@credrotate)
extends_documentation_fragment:
  - credrotate.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the report is built as usual and O(json_path) and O(junit_path) are not written;
        C(changed) says whether they would have been.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - The report holds its time (RV(json.generated_at)) and the credentials' ages, so the files differ, and are
        written again (C(changed)), whenever the time has moved on. Without O(json_path) and O(junit_path) the module
        changes nothing.
  platform:
    support: full
    platforms: posix
options:
  state_dir:
    description:
      - The state directory of the credentials (the role's C(rotation_state_dir)).
      - Required unless every entry of O(credentials) names its own.
      - A missing directory has no records (and is not created); anything else that is not a directory is refused.
    type: path
  names:
    description:
      - The credentials to report on, by name, under O(state_dir). A name without a record is reported as
        V(never_rotated).
      - Without O(names) and O(credentials), every C(<name>.json) under O(state_dir) is reported.
    type: list
    elements: str
  credentials:
    description:
      - Credentials whose state directories differ, as the C(credrotate.cloud.report) playbook passes them (one per
        inventory host). Reported after O(names).
    type: list
    elements: dict
    suboptions:
      name:
        description: The credential's name (C(rotation_credential.name)).
        type: str
        required: true
      state_dir:
        description: Its state directory; default O(state_dir). Checked as O(state_dir).
        type: path
  max_age:
    description:
      - The age after which a credential is due (the role's C(rotation_max_age)), such as V(90d), V(12h), V(30m),
        V(2w), or a whole number of seconds; at most 3650 days.
      - Without it, nothing is due or overdue and RV(credentials[].due_at) is V(null).
    type: str
  suspend_after:
    description:
      - How many consecutive failed or rolled-back rotations suspend a credential (the role's
        C(rotation_suspend_after)), 0 to 100; V(0) never suspends.
    type: int
    default: 3
  json_path:
    description:
      - Write the report (RV(json)) to this file as JSON (mode 0600, replaced atomically).
      - A regular file, or none yet, in an existing directory that is not a state directory (the report would replace
        its records); not a directory, a device, a pipe or a socket; not the same file as O(junit_path).
    type: path
  junit_path:
    description:
      - Write RV(junit) to this file (mode 0600, replaced atomically).
      - A file as for O(json_path).
    type: path
notes:
  - Times come from the records (written by the controller that ran each rotation); the age and due date are measured
    against this controller's clock.
  - Records are read without the state guard's C(flock) (which would create files); they are replaced atomically, so a
    record is never seen half written.
seealso:
  - module: credrotate.cloud.rotation_state
  - name: Fleet operations
    description: Scheduling, suspension, the resume command and the report playbook.
    link: https://github.com/credrotate/cloud/blob/main/docs/fleet.md
"""

EXAMPLES = r"""
- name: Report on every credential of a state directory
  credrotate.cloud.rotation_report:
    state_dir: /var/lib/credrotate/state
    max_age: 90d
  delegate_to: localhost
  run_once: true
  register: fleet

- name: Print one line per credential
  ansible.builtin.debug:
    msg: "{{ fleet.lines }}"
  run_once: true

- name: Report on two credentials and write JSON and JUnit files for CI
  credrotate.cloud.rotation_report:
    state_dir: /var/lib/credrotate/state
    names: [orders-app, sessions-cache]
    max_age: 30d
    suspend_after: 3
    json_path: /tmp/credrotate-report.json
    junit_path: /tmp/credrotate-report.xml
  delegate_to: localhost
  run_once: true

- name: Fail when a credential needs attention
  ansible.builtin.assert:
    that: fleet.problems == 0
    fail_msg: "{{ fleet.problems }} credential(s) need attention"
  run_once: true
"""

RETURN = r"""
credentials:
  description: One entry per credential, in the order asked (sorted by name when the state directory was listed).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The credential's name.
      type: str
    state_dir:
      description: Its state directory.
      type: str
    found:
      description: Whether it has a record.
      type: bool
    outcome:
      description:
        - V(ok), V(in_progress), V(never_rotated), V(overdue), V(rolled_back), V(failed), V(interrupted),
          V(suspended) or V(unreadable) (see the description).
      type: str
    problem:
      description: True for V(overdue), V(rolled_back), V(failed), V(interrupted), V(suspended) and V(unreadable).
      type: bool
    status:
      description: The record's status (of its latest rotation), or V(null).
      type: str
    rotation_id:
      description: The record's latest rotation id.
      type: str
    last_completed_id:
      description: Id of the newest completed rotation (record or history).
      type: str
    last_completed_at:
      description: When it finished (C(YYYY-MM-DDTHH:MM:SSZ)), or V(null) when none has completed.
      type: str
    age:
      description: Seconds since then, or V(null).
      type: int
    age_text:
      description: The age for people, such as C(12d 3h).
      type: str
    due:
      description: Whether a rotation is due now (V(null) without O(max_age)).
      type: bool
    due_at:
      description: When the credential is due (last completion plus O(max_age)), or V(null).
      type: str
    overdue:
      description: True when it has completed a rotation and is past its due date.
      type: bool
    suspended:
      description: Whether the credential is suspended (later runs skip it until an operator resumes it).
      type: bool
    suspended_since:
      description: When it was suspended, or V(null).
      type: str
    failures:
      description: Consecutive failed or rolled-back rotations since the last completed one (and the last resume).
      type: int
    last_error:
      description: The newest of those failures' error (its step, then its message), or the record's error; V(null) for none.
      type: str
    lock:
      description: V(free), V(live) or V(stale); V(null) when the record could not be read.
      type: str
    line:
      description: The report line of the credential (see RV(lines)).
      type: str
  sample:
    - name: orders-app
      state_dir: /var/lib/credrotate/state
      found: true
      outcome: ok
      problem: false
      status: completed
      rotation_id: "2026-05"
      last_completed_id: "2026-05"
      last_completed_at: "2026-05-01T02:00:12Z"
      age: 1036800
      age_text: 12d
      due: false
      due_at: "2026-07-30T02:00:12Z"
      overdue: false
      suspended: false
      suspended_since: null
      failures: 0
      last_error: null
      lock: free
      line: "orders-app | ok | last completed: 2026-05-01T02:00:12Z (2026-05) | age: 12d | due: 2026-07-30T02:00:12Z
        | suspended: no | last error: -"
lines:
  description:
    - >-
      One line per credential, C(name | outcome | last completed: <time> (<id>) | age: <age> | due: <time>
      | suspended: <no, or yes, after N failures since T> | last error: <text>).
    - C(due) is the due date (with C((overdue)) when past), V(now) for a credential that never completed a rotation
      when O(max_age) is set, C(-) without O(max_age).
  returned: always
  type: list
  elements: str
summary:
  description: One line with the number of credentials, of each outcome and of problems.
  returned: always
  type: str
  sample: "5 credential(s): 2 ok, 1 never_rotated, 1 overdue, 1 suspended; 2 need attention"
counts:
  description: How many credentials have each outcome (only outcomes that occur).
  returned: always
  type: dict
  sample: {ok: 12, overdue: 1, suspended: 1}
problems:
  description: How many credentials have an outcome that is a problem (a JUnit failure or error).
  returned: always
  type: int
json:
  description: The whole report, as written to O(json_path).
  returned: always
  type: dict
  contains:
    generated_at:
      description: When the report was made (this controller's clock, C(YYYY-MM-DDTHH:MM:SSZ)).
      type: str
    max_age:
      description: O(max_age), or V(null).
      type: str
    suspend_after:
      description: O(suspend_after).
      type: int
    counts:
      description: RV(counts).
      type: dict
    problems:
      description: RV(problems).
      type: int
    credentials:
      description: RV(credentials).
      type: list
      elements: dict
junit:
  description: The report as JUnit XML, as written to O(junit_path).
  returned: always
  type: str
"""

import errno
import os
import stat
import xml.etree.ElementTree as ET

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError, TaskFailed
from ansible_collections.credrotate.cloud.plugins.module_utils._module import fail, guarded_module
from ansible_collections.credrotate.cloud.plugins.module_utils._schedule import (
    OUTCOMES,
    ScheduleError,
    credential_status,
    parse_age,
    parse_suspend_after,
    report_line,
    unreadable_status,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._state import (
    NAME_PATTERN,
    StateError,
    StateStore,
    iso,
    utc_now,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import summary as invalid_summary

SUITE = "credrotate.cloud.rotation"
FAILURES = ("suspended", "interrupted", "failed", "rolled_back", "overdue")
_XML_BAD = dict((c, None) for c in list(range(0, 9)) + [11, 12] + list(range(14, 32)))
REPORT_FILES = ("json_path", "junit_path")


class ReportError(CollectionError):
    """The report cannot be made or written (the message names the path)."""

    code = "ReportError"
    kind = "state"


def wanted(params):
    """``[(name, state_dir)]`` to report on, in order, without repeats; raises :class:`ReportError`."""
    top = params.get("state_dir")
    pairs = []
    for name in params.get("names") or ():
        pairs.append((name, top))
    for item in params.get("credentials") or ():
        pairs.append((item["name"], item.get("state_dir") or top))
    if not params.get("names") and not params.get("credentials"):
        if not top:
            raise ReportError("state_dir is required when neither names nor credentials are given")
        pairs = [(name, top) for name in listed(top)]
    missing = sorted(set(name for name, where in pairs if not where))
    if missing:
        raise ReportError("no state_dir for %s: set state_dir, or state_dir in each of credentials" % ", ".join(missing))
    out, seen = [], set()
    for name, where in pairs:
        key = (name, os.path.abspath(where))
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def listed(state_dir):
    """The credential names with a record (``<name>.json``) in ``state_dir``, sorted; none when it is missing."""
    try:
        entries = os.listdir(state_dir)
    except OSError as exc:
        if not os.path.exists(state_dir):
            return []
        raise ReportError("cannot list the state directory %s: %s" % (state_dir, exc.strerror))
    return sorted(entry[:-5] for entry in entries
                  if entry.endswith(".json") and NAME_PATTERN.match(entry[:-5]) and ".." not in entry)


def read_state(name, state_dir):
    """``(record or None, lock_state or None, problem or None)`` of one credential, reading only."""
    try:
        store = StateStore(state_dir, name)
    except StateError as err:
        return None, None, "%s" % err
    try:
        record = _files.read_json(store.record_path, StateError, "state record")
        if record is not None and not isinstance(record, dict):
            raise StateError("the state record %s is not a JSON object" % store.record_path)
    except StateError as err:
        return None, None, "%s" % err
    try:
        lock = _files.read_json(store.lock_path, StateError, "lock")
    except StateError:
        lock = {"unreadable": True}  # a lock file we cannot read is still a lock: count it as live
    if lock is None:
        lock_state = "free"
    else:
        lock_state = "live" if not isinstance(lock, dict) or lock.get("unreadable") or store.lock_is_live(lock) \
            else "stale"
    return record, lock_state, None


def build(params, now, reader=read_state):
    """The report: ``{generated_at, max_age, suspend_after, counts, problems, credentials}``."""
    max_age = parse_age(params["max_age"], option="max_age") if params.get("max_age") else None
    suspend_after = parse_suspend_after(params.get("suspend_after"), option="suspend_after")
    entries = []
    for name, state_dir in wanted(params):
        record, lock_state, problem = reader(name, state_dir)
        if problem:
            entry = unreadable_status(name, problem)
        else:
            entry = credential_status(name, record, now, max_age=max_age, suspend_after=suspend_after,
                                      lock_state=lock_state if record is not None else None)
        entry["state_dir"] = state_dir
        entry["line"] = report_line(entry)
        entries.append(entry)
    counts = {}
    for entry in entries:
        counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    return {"generated_at": iso(now), "max_age": params.get("max_age") or None, "suspend_after": suspend_after,
            "counts": counts, "problems": sum(1 for e in entries if e["problem"]), "credentials": entries}


def _xml_text(value):
    """``value`` as text XML 1.0 can hold (control characters dropped)."""
    return ("%s" % (value,)).translate(_XML_BAD)


def junit(report):
    """The report as JUnit XML text (see DOCUMENTATION)."""
    entries = report["credentials"]
    failures = sum(1 for e in entries if e["outcome"] in FAILURES)
    errors = sum(1 for e in entries if e["outcome"] == "unreadable")
    skipped = sum(1 for e in entries if e["outcome"] == "never_rotated")
    counts = {"tests": "%d" % len(entries), "failures": "%d" % failures, "errors": "%d" % errors,
              "skipped": "%d" % skipped, "time": "0"}
    root = ET.Element("testsuites", dict(counts, name="credrotate.cloud rotation report"))
    suite = ET.SubElement(root, "testsuite", dict(counts, name=SUITE, timestamp=report["generated_at"]))
    for entry in entries:
        case = ET.SubElement(suite, "testcase", {"classname": SUITE, "name": _xml_text(entry["name"]), "time": "0"})
        if entry["outcome"] == "unreadable":
            ET.SubElement(case, "error", {"type": "unreadable", "message": _xml_text(entry["last_error"])}).text = \
                _xml_text(entry["line"])
        elif entry["outcome"] in FAILURES:
            ET.SubElement(case, "failure", {"type": entry["outcome"], "message": _xml_text(_failure_message(entry))}
                          ).text = _xml_text(entry["line"])
        elif entry["outcome"] == "never_rotated":
            ET.SubElement(case, "skipped", {"message": "never rotated: no rotation has completed yet"})
        ET.SubElement(case, "system-out").text = _xml_text(entry["line"])
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _failure_message(entry):
    outcome = entry["outcome"]
    if outcome == "suspended":
        return "suspended after %s failures: %s" % (entry["failures"], entry["last_error"] or "no error recorded")
    if outcome == "overdue":
        return "overdue: due %s, last completed %s (%s ago)" % (
            entry["due_at"], entry["last_completed_at"], entry["age_text"])
    if outcome == "interrupted":
        return "rotation %s is unfinished and no process holds its lock: re-run the rotation to finish it" % (
            entry["rotation_id"],)
    return "rotation %s %s: %s" % (entry["rotation_id"], "was rolled back" if outcome == "rolled_back" else "failed",
                                   entry["last_error"] or "no error recorded")


def _indent(element, level=0):
    """Pretty-print in place (``ET.indent`` is Python 3.9+)."""
    pad = "\n" + "  " * (level + 1)
    if len(element):
        if not (element.text or "").strip():
            element.text = pad
        for child in element:
            _indent(child, level + 1)
            if not (child.tail or "").strip():
                child.tail = pad
        element[-1].tail = "\n" + "  " * level


def write(path, text, check_mode):
    """Write ``text`` to ``path`` unless it holds it already; True when (it would be) written."""
    path = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(path)):
        raise ReportError("cannot write the report %s: its directory does not exist" % path)
    current = _files.read_bytes(path, ReportError, "report")
    if current is not None and current == text.encode("utf-8"):
        return False
    if not check_mode:
        _files.write_atomic(path, text, ReportError, "report")
    return True


def _state_dirs(params):
    """``[(option path, directory)]`` of the state directories given: ``state_dir``, ``credentials[N].state_dir``."""
    out = [("state_dir", params["state_dir"])] if params.get("state_dir") else []
    for index, item in enumerate(params.get("credentials") or ()):
        if isinstance(item, dict) and item.get("state_dir"):
            out.append(("credentials[%d].state_dir" % index, item["state_dir"]))
    return out


def _report_file_problem(option, path, state_dirs):
    """Why the report file ``path`` of ``option`` cannot be written safely, or None (the path is not shown)."""
    full = os.path.abspath(path)
    try:
        info = os.stat(full)
    except (OSError, ValueError) as exc:  # (ValueError: a path that cannot be encoded)
        if getattr(exc, "errno", None) not in (errno.ENOENT, errno.ENOTDIR):
            return "%s is not a usable file path (%s)" % (option, getattr(exc, "strerror", None) or "not encodable")
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        return "%s must name a file, not a directory" % option
    if info is not None and not stat.S_ISREG(info.st_mode):
        return "%s must name a regular file (or none yet), not a device, a pipe or a socket" % option
    directory = os.path.dirname(full)
    if not os.path.isdir(directory):
        return "%s must name a file in an existing directory (its directory does not exist)" % option
    if os.path.realpath(directory) in state_dirs:
        return ("%s must not be in a state directory (state_dir, credentials[].state_dir): the report would replace "
                "the records there" % option)
    return None


def input_problems(params):
    """What the rule table of :func:`main` cannot state, checked before anything is read or written.

    ``[(paths, message, code)]``: ``max_age`` and ``suspend_after`` as the role's variables (0 to 100); a state
    directory that exists must be a directory; each report file must be a regular file (or none yet) in an existing
    directory that is not a state directory, and the two must differ. No message shows a path.
    """
    problems = []
    for option, parse in (("max_age", parse_age), ("suspend_after", parse_suspend_after)):
        if params.get(option) not in (None, ""):  # an empty max_age is unset, as in build()
            try:
                parse(params[option], option=option)
            except ScheduleError as err:
                problems.append(((option,), "%s" % err, ScheduleError.code))
    directories = _state_dirs(params)
    for path, directory in directories:
        if os.path.lexists(directory) and not os.path.isdir(directory):
            problems.append(((path,), "%s must name a directory (it names something that is not one)" % path,
                             "InvalidParameter"))
    state_dirs = set(os.path.realpath(directory) for _path, directory in directories)
    usable = []
    for option in REPORT_FILES:
        if params.get(option):
            problem = _report_file_problem(option, params[option], state_dirs)
            if problem:
                problems.append(((option,), problem, "InvalidParameter"))
            else:
                usable.append(os.path.realpath(params[option]))
    if len(usable) == 2 and usable[0] == usable[1]:
        problems.append((REPORT_FILES, "junit_path must not name the same file as json_path (one report would "
                         "replace the other)", "InvalidParameter"))
    return problems


def run(params, check_mode, now):
    """The module's result; raises :class:`ScheduleError` or :class:`ReportError`."""
    report = build(params, now)
    document = _files.json_text(report, newline=True)
    xml = junit(report)
    changed = False
    for path, text in ((params.get("json_path"), document), (params.get("junit_path"), xml)):
        if path:
            changed = write(path, text, check_mode) or changed
    return {"changed": changed, "credentials": report["credentials"], "lines": [e["line"] for e in report["credentials"]],
            "summary": summary(report), "counts": report["counts"], "problems": report["problems"], "json": report,
            "junit": xml}


def summary(report):
    """``5 credential(s): 2 ok, 1 overdue, 1 suspended, 1 never_rotated; 2 need attention``."""
    counts = report["counts"]
    parts = ["%d %s" % (counts[o], o) for o in OUTCOMES if counts.get(o)]
    return "%d credential(s)%s; %d need%s attention" % (
        len(report["credentials"]), ": " + ", ".join(parts) if parts else "", report["problems"],
        "s" if report["problems"] == 1 else "")


def main():
    module = guarded_module(
        rules={"names[]": "credential_name", "credentials[].name": "credential_name", "state_dir": "path",
               "credentials[].state_dir": "path", "json_path": "path", "junit_path": "path"},
        argument_spec=dict(
            state_dir=dict(type="path"),
            names=dict(type="list", elements="str"),
            credentials=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                state_dir=dict(type="path"),
            )),
            max_age=dict(type="str"),
            suspend_after=dict(type="int", default=3),
            json_path=dict(type="path"),
            junit_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    problems = input_problems(module.params)
    if problems:
        found = [(paths[0], paths[0], message) for paths, message, _code in problems]
        fail(module, TaskFailed(invalid_summary(found, module._name), {
            "error": {"code": problems[0][2], "message": invalid_summary(found), "kind": "validation"},
            "invalid": sorted(set(path for paths, _message, _code in problems for path in paths))}))
    try:
        result = run(module.params, module.check_mode, utc_now())
    except (ScheduleError, ReportError) as err:
        fail(module, err)
    else:
        module.exit_json(**result)


if __name__ == "__main__":
    main()
