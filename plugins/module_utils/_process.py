# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: which process controls a rotation, and is it still alive (psutil: Linux, macOS, BSD).

A rotation lock (:mod:`_state`) names the outermost Ansible process above the one that takes it
(``ansible-playbook`` or ``ansible-runner``), with its start time, so that a lock whose process
is gone (or whose pid was reused by another program) is seen as stale. psutil reads the process
table portably; without it (an execution environment that did not install it) the walk stops at
the parent and liveness falls back to the process id alone, which a reused pid can fool.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is a runtime requirement; the fallback is documented
    psutil = None

# Program names (basename of argv[0], or of argv[1] when argv[0] is a Python interpreter) that
# count as "the controlling Ansible process" when walking up from the module's process.
CONTROLLER_PROGRAMS = ("ansible-playbook", "ansible", "ansible-console", "ansible-pull", "ansible-runner")
# Two start times closer than this are the same process (psutil's create_time is a float of seconds).
SAME_START = 0.05


def _process(pid):
    if psutil is None:
        return None
    try:
        return psutil.Process(pid)
    except (psutil.Error, ValueError):
        return None


def process_start_time(pid):
    """Start time of ``pid`` (seconds since the epoch, rounded to 1/100 s), or None when unknown."""
    proc = _process(pid)
    try:
        return round(proc.create_time(), 2) if proc else None
    except psutil.Error:
        return None


def _parent(pid):
    proc = _process(pid)
    try:
        return proc.ppid() if proc else None
    except psutil.Error:
        return None


def _program(pid):
    proc = _process(pid)
    try:
        argv = proc.cmdline() if proc else None
    except psutil.Error:
        return None
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
    program and stops at the first one that is not. Without an Ansible ancestor (or without
    psutil), the direct parent is used (``program`` is then None).
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
    """True when ``pid`` runs and (when known) started at ``start_time``; pid reuse counts as gone.

    A lock written by 0.1 holds an integer start time (clock ticks since boot, from ``/proc``): it
    cannot be compared with psutil's, so only the pid decides for it.
    """
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
    if not isinstance(start_time, float):
        return True
    current = process_start_time(pid)
    return current is None or abs(current - start_time) < SAME_START
