# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: what a rotation run does, decided from the stored state alone (a pure function).

The rotation id is the idempotency key (AWS Secrets Manager's client request token):

* a pending password is stored for rotation P:

  - P was rolled back (the record or its history says so) and another id, or none, is given:
    P is over; decide as if nothing were pending (a rolled-back rotation never blocks a new one);
  - another id is given: refuse (``conflict``), naming P;
  - else: ``resume`` P with its pending password;
* nothing pending:

  - the id given (or, with none given, the record's id once the secret file says it completed)
    has completed: ``done``, nothing to do;
  - no id given and the record's rotation stopped before its pending password was stored:
    start it again under its id (``new``);
  - else: ``new`` rotation (the id given, or ``generated``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MODES = ("new", "resume", "conflict", "done")


def _ids_with_status(record, status):
    ids = set(entry.get("rotation_id") for entry in record.get("history") or () if entry.get("status") == status)
    if record.get("status") == status and record.get("rotation_id"):
        ids.add(record["rotation_id"])
    ids.discard(None)
    return ids


def decide(pending_id, completed_id, requested_id, record, generated_id):
    """``{"mode", "id", "why"}`` for this run.

    ``pending_id``: rotation id of the stored pending password ('' or None when none is stored);
    ``completed_id``: the secret file's ``completed_rotation_id``; ``requested_id``: the
    ``rotation_id`` the user gave ('' or None for none); ``record``: the state record (a dict, may
    be empty); ``generated_id``: the id a new rotation gets when none is given.
    """
    p = pending_id or ""
    c = completed_id or ""
    r = "%s" % (requested_id,) if requested_id else ""
    record = record or {}
    rid = record.get("rotation_id") or ""
    status = record.get("status") or ""

    if p and r != p and p in _ids_with_status(record, "rolled_back"):
        decision = decide("", c, r, record, generated_id)
        if decision["mode"] == "new" and decision["id"] == (r or generated_id):
            decision["why"] = "rotation %s was rolled back; starting a new one" % p
        return decision
    if p:
        if r and r != p:
            return _out("conflict", p, "rotation %s is unfinished" % p)
        return _out("resume", p, "resuming rotation %s with its pending password" % p)
    if r and (r == c or r in _ids_with_status(record, "completed")):
        return _out("done", r, "rotation %s has completed" % r)
    if not r and rid and status == "in_progress":
        if rid == c:
            return _out("done", rid, "rotation %s was promoted before the run stopped" % rid)
        return _out("new", rid, "rotation %s stopped before its password was stored; starting it again" % rid)
    return _out("new", r or generated_id, "a new rotation")


def _out(mode, rotation_id, why):
    return {"mode": mode, "id": rotation_id, "why": why}
