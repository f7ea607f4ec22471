# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: which process controls a rotation, and is it still alive (``/proc`` on Linux).

A rotation lock (:mod:`_state`) names the outermost Ansible process above the one that takes it
(``ansible-playbook`` or ``ansible-runner``), with its start time, so that a lock whose process
is gone (or whose pid was reused by another program) is seen as stale.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

# Program names (basename of argv[0], or of argv[1] when argv[0] is a Python interpreter) that
# count as "the controlling Ansible process" when walking up from the module's process.
CONTROLLER_PROGRAMS = ("ansible-playbook", "ansible", "ansible-console", "ansible-pull", "ansible-runner")


def _read_proc(pid, leaf):
    try:
        with open("/proc/%d/%s" % (pid, leaf), "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _stat_field(pid, index):
    """Field ``index`` (counted after the command name, from 0 = field 3) of ``/proc/<pid>/stat`` as an int, or None."""
    raw = _read_proc(pid, "stat")
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    # The command name (field 2) is in parentheses and may contain spaces or ')'.
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[index])
    except (IndexError, ValueError):
        return None


def process_start_time(pid):
    """Start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or None."""
    return _stat_field(pid, 19)


def _parent(pid):
    """The parent pid of ``pid`` (``/proc/<pid>/stat`` field 4), or None."""
    return _stat_field(pid, 1)


def _program(pid):
    raw = _read_proc(pid, "cmdline")
    if not raw:
        return None
    argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    if not argv:
        return None
    names = [os.path.basename(argv[0])]
    if names[0].startswith("python") and len(argv) > 1:
        names.append(os.path.basename(argv[1]))
    for name in names:
        if name in CONTROLLER_PROGRAMS:
            return name
    return None


def controller_process(start_pid=None):
    """``(pid, start_time, program)`` of the outermost Ansible process above ``start_pid``.

    The module runs in a short-lived worker forked by ``ansible-playbook`` (whose command line
    is the same as its parent's), so the walk goes up past every process that is an Ansible
    program and stops at the first one that is not. Without ``/proc`` or without an Ansible
    ancestor, the direct parent is used (``program`` is then None).
    """
    pid = start_pid or os.getpid()
    found = None
    seen = set()
    current = _parent(pid)
    while current and current > 1 and current not in seen:
        seen.add(current)
        program = _program(current)
        if program:
            found = (current, program)
        elif found:
            break
        current = _parent(current)
    if found:
        return found[0], process_start_time(found[0]), found[1]
    parent = os.getppid()
    return parent, process_start_time(parent), None


def process_alive(pid, start_time):
    """True when ``pid`` runs and (when known) started at ``start_time``; pid reuse counts as gone."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
        # EPERM: it exists (another user's process).
    if start_time is None:
        return True
    current = process_start_time(pid)
    return current is None or current == start_time
