# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: when a credential is rotated: its age, the rotation window, suspension (pure functions).

Nothing here reads a file or the clock: the caller passes the state record (see :mod:`_state`)
and ``now``, an aware :class:`datetime.datetime`. Bad settings raise :class:`ScheduleError`
naming the option and the rule, never echoing more than a short, escaped excerpt of the value.

Settings (the role's variables; the ``option`` argument of the parsers names them in errors):

* ``rotation_max_age`` (:func:`parse_age`): ``90d``, ``12h``, ``30m``, ``2w``, ``45s`` or a whole
  number of seconds, at most 3650 days. Unset: every run rotates (the behaviour before schedules).
* ``rotation_window`` (:func:`parse_window`): ``{days: [mon, ...], hours: "01:00-05:00",
  timezone: Europe/Berlin}``. ``days`` (default every day) are three-letter or full English day
  names or ranges such as ``mon-fri`` (``sat-mon`` wraps); ``hours`` (default ``00:00-24:00``) is
  ``HH:MM-HH:MM`` in that zone's wall time, the start included and the end excluded; an end
  earlier than the start wraps past midnight, and then ``days`` names the day the window
  *opens*: ``{days: [fri], hours: "22:00-04:00"}`` is Friday 22:00 to Saturday 04:00.
  ``timezone`` (default ``UTC``) is an IANA name, resolved with :mod:`zoneinfo`.
* ``rotation_force``: rotate even when not due or outside the window (never when suspended).
* ``rotation_suspend_after`` (default :data:`DEFAULT_SUSPEND_AFTER`, as Huawei CSMS): suspend a
  credential after that many consecutive failed rotations; ``0`` never suspends.

Record fields this module reads (besides ``rotation_id``, ``status``, ``finished_at``, ``error``
and ``history``, whose entries are ``{rotation_id, status, started_at, finished_at[, error]}``,
timestamps ``YYYY-MM-DDTHH:MM:SSZ``):

* ``suspended``: ``null``, or ``{"at": <time>, "failures": <n>, "last_error": <text>,
  "rotation_id": <the last failed rotation>}``, written by the engine (:func:`suspend_fields`)
  when a rotation ends ``failed`` or ``rolled_back`` and the credential has then failed
  ``rotation_suspend_after`` times in a row. It stays until an operator resumes the credential
  or a later rotation completes.
* ``resumed_at`` (and optionally ``resumed_by``): written by the operator's resume
  (:func:`resume_fields`), which also sets ``suspended`` to ``null``. Failures that finished at or
  before ``resumed_at`` no longer count, so a resumed credential gets ``rotation_suspend_after``
  fresh attempts.

Both must survive the start of a new rotation (the engine keeps them as it keeps ``history``).
A credential counts as suspended when its ``suspended`` marker is active *or* when the record
alone shows ``rotation_suspend_after`` consecutive failures since the last completion and the
last resume (so a record written before markers existed is judged the same way).

``decide(record, settings, now, completed_at=None)`` is the one decision a scheduled run needs;
:func:`credential_status` is what the fleet report shows of one credential.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import BOUNDS

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    HAS_ZONEINFO = True
except ImportError:  # pragma: no cover - Python < 3.9
    ZoneInfo = ZoneInfoNotFoundError = None
    HAS_ZONEINFO = False

DEFAULT_SUSPEND_AFTER = 3
MAX_AGE_LIMIT = datetime.timedelta(days=3650)
UTC = datetime.timezone.utc
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WINDOW_KEYS = ("days", "hours", "timezone")
ACTIONS = ("rotate", "skip_not_due", "skip_window", "skip_suspended")
FAILED = ("failed", "rolled_back")
RESUME_HINT = "resume it with credrotate.cloud.rotation_state action=resume (docs/fleet.md)"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_AGE = re.compile(r"([0-9]{1,12})[ ]*([smhdw]?)")
_HOURS = re.compile(r"([0-9]{2}):([0-9]{2})[ ]*-[ ]*([0-9]{2}):([0-9]{2})")
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,29}(/[A-Za-z0-9_+-]{1,30}){0,2}")
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?"
                   r"(Z|[+-][0-9]{2}:?[0-9]{2})")
AGE_RULE = ("a whole number followed by m (minutes), h (hours), d (days) or w (weeks), such as 90d, or a whole "
            "number of seconds; more than 0 and at most 3650 days")


class ScheduleError(CollectionError):
    """A schedule setting is not usable; the message names the option and the rule."""

    code = "InvalidSchedule"
    kind = "validation"


# -- small helpers ---------------------------------------------------------------------------


def _shown(value, limit=40):
    """A short, printable excerpt of a user's value for an error message (never a long or raw string)."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "..."
        return repr(text)
    if isinstance(value, bool) or value is None:
        return "%s" % (value,)
    if isinstance(value, int) and abs(value) > 10 ** 30:
        return "a %s number" % ("very large" if value > 0 else "very negative")
    if isinstance(value, (int, float)):
        text = "%r" % (value,)
        return text if len(text) <= limit else text[:limit] + "..."
    return "a %s" % type(value).__name__


def iso(moment):
    """``YYYY-MM-DDTHH:MM:SSZ`` of an aware datetime (in UTC), as the record holds times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value):
    """An aware datetime from a record's time (``...Z`` or ``+HH:MM``) or a datetime; None when unusable.

    A record is a file a person may edit: a missing or malformed time reads as unknown, never as an error.
    A naive datetime is taken as UTC.
    """
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    zone = match.group(8)
    try:
        if zone == "Z":
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def _aware(now):
    if not isinstance(now, datetime.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime, not %r" % (now,))
    return now


def human_age(seconds):
    """``12d 3h``, ``5h 20m``, ``45m``, ``under 1m`` (None for None)."""
    if seconds is None:
        return None
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return "%dd %dh" % (days, hours) if hours else "%dd" % days
    if hours:
        return "%dh %dm" % (hours, minutes) if minutes else "%dh" % hours
    return "%dm" % minutes if minutes else "under 1m"


def error_text(error):
    """One line of a record's ``error`` (``{step, msg[, rollback]}``, or text); None for none."""
    if not error:
        return None
    if isinstance(error, dict):
        msg = error.get("msg") or error.get("message") or ""
        text = "%s: %s" % (error["step"], msg) if error.get("step") else "%s" % (msg,)
        if error.get("rollback"):
            text += " (rollback: %s)" % (error["rollback"],)
        text = text.strip()
    else:
        text = "%s" % (error,)
    return " ".join(text.split()) or None


# -- settings --------------------------------------------------------------------------------


def parse_age(value, option="rotation_max_age"):
    """A positive :class:`datetime.timedelta` from ``90d``/``12h``/``30m``/``2w``/``45s`` or whole seconds.

    Raises :class:`ScheduleError` naming ``option`` and the rule for anything else (booleans,
    fractions, negative or zero values, upper-case or unknown units, more than 3650 days).
    """
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ScheduleError("%s: %s is not a duration: use %s." % (option, _shown(value), AGE_RULE))
    elif isinstance(value, int):
        seconds = value
    else:
        match = _AGE.fullmatch(value.strip(" \t"))
        if not match:
            hint = ""
            if re.fullmatch(r"[ \t]*[0-9]+[ ]*(mo|months?|y|years?|M|D|H|W)[ \t]*", value):
                hint = " (units are lower case; months and years are not units: use days, such as 90d or 365d)"
            raise ScheduleError("%s: %s is not a duration: use %s%s." % (option, _shown(value), AGE_RULE, hint))
        seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0 or seconds > MAX_AGE_LIMIT.total_seconds():
        raise ScheduleError("%s: %s is out of range: use %s." % (option, _shown(value), AGE_RULE))
    return datetime.timedelta(seconds=seconds)


class Window(object):
    """A parsed rotation window: ``days`` (set of 0=Monday..6), ``start``/``end`` (minutes of the day,
    ``end`` may be 1440), ``timezone`` (its name) and ``tz`` (the :class:`zoneinfo.ZoneInfo`)."""

    def __init__(self, days, start, end, timezone, tz):
        self.days, self.start, self.end, self.timezone, self.tz = frozenset(days), start, end, timezone, tz

    @property
    def wraps(self):
        return self.end < self.start

    def describe(self):
        days = ",".join(DAYS[d] for d in sorted(self.days)) if len(self.days) < 7 else "every day"
        return "%s %s-%s %s" % (days, _hhmm(self.start), _hhmm(self.end), self.timezone)

    def as_dict(self):
        return {"days": [DAYS[d] for d in sorted(self.days)], "hours": "%s-%s" % (_hhmm(self.start), _hhmm(self.end)),
                "timezone": self.timezone}

    def __eq__(self, other):
        return isinstance(other, Window) and self.as_dict() == other.as_dict()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.days, self.start, self.end, self.timezone))

    def __repr__(self):
        return "Window(%s)" % self.describe()


def _hhmm(minutes):
    return "%02d:%02d" % divmod(minutes, 60)


def _day(text, option):
    word = text.strip().lower() if isinstance(text, str) else None
    if word in DAYS:
        return DAYS.index(word)
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    raise ScheduleError("%s.days: %s is not a day: use mon, tue, wed, thu, fri, sat or sun, or a range such as "
                        "mon-fri." % (option, _shown(text)))


def _days(value, option):
    if value is None:
        return set(range(7))
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ScheduleError("%s.days: %s is not a list of days: use a list such as [mon, tue] or a range such as "
                            "mon-fri." % (option, _shown(value)))
    if not items:
        raise ScheduleError("%s.days is empty: the window would never open; name at least one day (mon ... sun)."
                            % option)
    days = set()
    for item in items:
        if isinstance(item, str) and item.count("-") == 1:
            first, last = (_day(part, option) for part in item.split("-"))
            day = first
            days.add(day)
            while day != last:
                day = (day + 1) % 7
                days.add(day)
        else:
            days.add(_day(item, option))
    return days


def _hours(value, option):
    if value is None:
        return 0, 1440
    rule = ("use HH:MM-HH:MM (24-hour clock, such as 01:00-05:00; 22:00-04:00 wraps past midnight; 00:00-24:00 is "
            "the whole day)")
    match = _HOURS.fullmatch(value.strip(" \t")) if isinstance(value, str) else None
    if not match:
        raise ScheduleError("%s.hours: %s is not a time range: %s." % (option, _shown(value), rule))
    sh, sm, eh, em = (int(match.group(i)) for i in range(1, 5))
    if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em):
        raise ScheduleError("%s.hours: %s is not a time range: %s." % (option, _shown(value), rule))
    start, end = sh * 60 + sm, eh * 60 + em
    if start == end:
        raise ScheduleError("%s.hours: %s is an empty window (start equals end): %s." % (option, _shown(value), rule))
    return start, end


def _zone(value, option):
    if value is None:
        value = "UTC"
    rule = "use an IANA time zone name such as UTC, Europe/Berlin or Asia/Shanghai"
    if not isinstance(value, str) or not _ZONE.fullmatch(value) or ".." in value:
        raise ScheduleError("%s.timezone: %s is not a time zone name: %s." % (option, _shown(value), rule))
    if not HAS_ZONEINFO:  # pragma: no cover - Python < 3.9
        raise ScheduleError("%s.timezone: time zones need Python 3.9 or later (zoneinfo) on the controller." % option)
    try:
        return value, ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):
        raise ScheduleError("%s.timezone: %s is not a known time zone: %s (if it is one, the controller lacks "
                            "the time zone database: install tzdata)." % (option, _shown(value), rule))


def parse_window(value, option="rotation_window"):
    """A :class:`Window` from ``{days, hours, timezone}`` (a :class:`Window` is returned as is); None for None or {}.

    Raises :class:`ScheduleError` naming ``option`` (and the key) and the rule.
    """
    if value is None or isinstance(value, Window):
        return value
    if not isinstance(value, dict):
        raise ScheduleError("%s: %s is not a window: use a dictionary with days (such as [mon, tue]), hours (such "
                            "as 01:00-05:00) and timezone (such as Europe/Berlin)." % (option, _shown(value)))
    if not value:
        return None
    unknown = sorted(_shown(k) for k in value if k not in WINDOW_KEYS)
    if unknown:
        raise ScheduleError("%s: unknown key(s) %s: the keys are days, hours and timezone." % (option, ", ".join(unknown)))
    days = _days(value.get("days"), option)
    start, end = _hours(value.get("hours"), option)
    name, tz = _zone(value.get("timezone"), option)
    return Window(days, start, end, name, tz)


def parse_suspend_after(value, option="rotation_suspend_after"):
    """A whole number within the bounds of ``rotation_suspend_after`` (0: never suspend); None means the default."""
    low, high = BOUNDS["suspend_after"]
    if value is None:
        return DEFAULT_SUSPEND_AFTER
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScheduleError("%s: %s is not a number of failures: use a whole number from %d (never suspend) to %d."
                            % (option, _shown(value), low, high))
    return value


# -- the window ------------------------------------------------------------------------------


def in_window(window, now):
    """True when ``now`` (aware) is inside ``window`` (a :class:`Window`, a dict, or None: always)."""
    window = parse_window(window)
    if window is None:
        return True
    local = _aware(now).astimezone(window.tz)
    minute = local.hour * 60 + local.minute
    today, yesterday = local.weekday(), (local.weekday() - 1) % 7
    if not window.wraps:
        return today in window.days and window.start <= minute < window.end
    return (today in window.days and minute >= window.start) or (yesterday in window.days and minute < window.end)


def _local(naive, tz):
    """The first instant at or after the wall time ``naive`` in ``tz``: in a daylight-saving gap (a wall time that
    does not exist), the instant the clocks jump (found by bisection between the two readings of the time)."""
    moment = naive.replace(tzinfo=tz)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return moment
    low, high = sorted((naive.replace(tzinfo=tz, fold=1).astimezone(UTC), moment.astimezone(UTC)))
    after = high.astimezone(tz).utcoffset()
    while high - low > datetime.timedelta(seconds=1):
        middle = low + (high - low) // 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.astimezone(tz)


def next_opening(window, now):
    """When writes may next start: ``now`` itself when inside the window, else the next opening (aware,
    in the window's zone). A start that falls in a daylight-saving gap opens when the clocks jump (on that
    day a window that lies wholly inside the gap does not open)."""
    window = parse_window(window)
    now = _aware(now)
    if window is None or in_window(window, now):
        return now
    local = now.astimezone(window.tz)
    hour, minute = divmod(window.start, 60)
    for offset in range(0, 9):
        day = local.date() + datetime.timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        candidate = _local(datetime.datetime(day.year, day.month, day.day, hour, minute), window.tz)
        if candidate > now and in_window(window, candidate):  # a window wholly inside a DST gap does not open
            return candidate
    raise AssertionError("a window with a day opens within 9 days")  # pragma: no cover


# -- the record ------------------------------------------------------------------------------


def _rotations(record):
    """The record's rotations, newest first: the current one, then ``history`` from its end."""
    record = record if isinstance(record, dict) else {}
    out = []
    if record.get("rotation_id") or record.get("status"):
        out.append(record)
    history = record.get("history")
    if isinstance(history, list):
        out.extend(entry for entry in reversed(history) if isinstance(entry, dict))
    return out


def last_completed(record, completed_at=None, completed_id=None):
    """``(rotation_id, finished_at)`` of the newest completed rotation in the record and its history,
    ``(None, None)`` when none has completed.

    ``completed_at`` (a datetime or a record-style time) and ``completed_id`` are what a secret store
    (the secret file's ``completed_at``, a cloud store's current version) says completed; they win when
    newer than the record (or when the record knows none).
    """
    best_id, best_at = None, None
    for entry in _rotations(record):
        if entry.get("status") != "completed":
            continue
        at = parse_time(entry.get("finished_at"))
        if at is not None and (best_at is None or at > best_at):
            best_id, best_at = entry.get("rotation_id"), at
    store_at = parse_time(completed_at)
    if store_at is not None and (best_at is None or store_at > best_at):
        best_id, best_at = completed_id if completed_id is not None else best_id, store_at
    return best_id, best_at


def due(record, max_age, now, completed_at=None):
    """``{"due", "age", "due_at", "why"}``: is a rotation due at ``now``?

    ``max_age`` is a timedelta or anything :func:`parse_age` takes; None: always due (every run
    rotates). ``age`` is the seconds since the last completed rotation (None if none), ``due_at``
    its time plus ``max_age`` (ISO, None without a completed rotation or without ``max_age``).
    """
    now = _aware(now)
    max_age = None if max_age is None or max_age == "" else parse_age(max_age)
    rotation_id, finished = last_completed(record, completed_at)
    if finished is None:
        return {"due": True, "age": None, "due_at": None, "why": "no rotation has completed yet"}
    age = int((now - finished).total_seconds())
    skew = " (in the future of this clock)" if age < 0 else ""
    age = max(age, 0)
    named = " (%s)" % rotation_id if rotation_id else ""
    last = "the last completed rotation%s finished %s%s" % (named, iso(finished), skew)
    if max_age is None:
        return {"due": True, "age": age, "due_at": None, "why": "%s; rotation_max_age is not set" % last}
    due_at = finished + max_age
    if now >= due_at:
        return {"due": True, "age": age, "due_at": iso(due_at),
                "why": "%s, %s ago: due since %s" % (last, human_age(age), iso(due_at))}
    return {"due": False, "age": age, "due_at": iso(due_at),
            "why": "%s, %s ago: not due until %s" % (last, human_age(age), iso(due_at))}


def _streak(record):
    """The failed or rolled-back rotations since the last completed one and the last resume, newest first."""
    resumed = parse_time(record.get("resumed_at")) if isinstance(record, dict) else None
    out = []
    for entry in _rotations(record):
        status = entry.get("status")
        if status == "completed":
            break
        if status not in FAILED:
            continue  # in progress (running, or interrupted and resumable): neither a failure nor a success
        finished = parse_time(entry.get("finished_at"))
        if resumed is not None and (finished is None or finished <= resumed):
            break  # the operator resumed after this one: it and everything older no longer count
        out.append(entry)
    return out


def _failure_text(entry):
    return error_text(entry.get("error")) or "rotation %s %s" % (
        entry.get("rotation_id") or "(no id)", "was rolled back" if entry.get("status") == "rolled_back" else "failed")


def consecutive_failures(record):
    """``(count, last_error)``: failed or rolled-back rotations since the last completed one (and since
    ``resumed_at``), newest first; ``last_error`` is the newest one's error (None when the count is 0).
    A rotation in progress is skipped: it is neither a failure nor a success yet."""
    streak = _streak(record)
    return len(streak), (_failure_text(streak[0]) if streak else None)


def _marker(record):
    """The record's ``suspended`` marker when it is active (not resumed since, no completion since)."""
    marker = record.get("suspended") if isinstance(record, dict) else None
    if not marker:
        return None
    if not isinstance(marker, dict):
        marker = {}
    at = parse_time(marker.get("at"))
    resumed = parse_time(record.get("resumed_at"))
    if resumed is not None and (at is None or resumed >= at):
        return None
    _id, completed = last_completed(record)
    if completed is not None and at is not None and completed > at:
        return None
    return marker


def suspension(record, suspend_after, now):
    """None, or ``{"failures", "last_error", "since", "seconds", "marked"}`` when the credential is suspended.

    ``suspend_after`` 0 (or None) disables suspension, markers included. Otherwise the credential is
    suspended while its ``suspended`` marker is active (``marked`` true), or when the record shows
    ``suspend_after`` consecutive failures since the last completion and the last resume (``since``
    is when the failure that reached the count finished).
    """
    now = _aware(now)
    if not suspend_after:
        return None
    record = record if isinstance(record, dict) else {}
    marker = _marker(record)
    if marker is not None:
        since = parse_time(marker.get("at"))
        failures = marker.get("failures")
        count, last = consecutive_failures(record)
        return {"failures": failures if isinstance(failures, int) and not isinstance(failures, bool) else count,
                "last_error": error_text(marker.get("last_error")) or last,
                "since": iso(since) if since else None,
                "seconds": max(0, int((now - since).total_seconds())) if since else None, "marked": True}
    streak = _streak(record)
    if len(streak) < suspend_after:
        return None
    since = parse_time(streak[len(streak) - suspend_after].get("finished_at"))
    return {"failures": len(streak), "last_error": _failure_text(streak[0]), "since": iso(since) if since else None,
            "seconds": max(0, int((now - since).total_seconds())) if since else None, "marked": False}


def suspend_fields(record, suspend_after, now):
    """The fields the engine writes after a rotation ended ``failed`` or ``rolled_back``:
    ``{"suspended": {"at", "failures", "last_error", "rotation_id"}}`` when that failure suspends the
    credential (and it carries no active marker yet), else ``{}``. ``record`` is the record as written
    with the final status."""
    now = _aware(now)
    if not suspend_after or _marker(record or {}) is not None:
        return {}
    streak = _streak(record or {})
    if len(streak) < suspend_after:
        return {}
    return {"suspended": {"at": iso(now), "failures": len(streak), "last_error": _failure_text(streak[0]),
                          "rotation_id": streak[0].get("rotation_id")}}


def resume_fields(now, by=None):
    """The fields the operator's resume writes: the marker cleared and ``resumed_at`` (``resumed_by``)."""
    fields = {"suspended": None, "resumed_at": iso(_aware(now))}
    if by:
        fields["resumed_by"] = "%s" % (by,)
    return fields


# -- the decision ----------------------------------------------------------------------------


def decide(record, settings, now, completed_at=None):
    """What a scheduled run does with one credential: ``{"action", "why", ...}``.

    ``settings``: ``max_age`` (None: always due), ``window`` (None: any time), ``force`` (rotate even
    when not due or outside the window, never when suspended), ``suspend_after`` (default 3; 0
    never suspends) and, optionally, ``pending_id``: the id of a pending password a store holds (a
    rotation that must be finished). ``completed_at``: a store's completion time (see
    :func:`last_completed`).

    In this order: suspended -> ``skip_suspended``; an unfinished rotation (``pending_id``, or the
    record ``in_progress``) -> ``rotate`` (it is resumed at once, due or not, in the window or not:
    its targets may disagree on the password); ``force`` -> ``rotate``; not due -> ``skip_not_due``;
    outside the window -> ``skip_window``; else ``rotate``.

    The answer also has ``age``, ``due_at`` (see :func:`due`), ``next_opening`` (ISO, when a window
    is set) and ``suspension`` (see :func:`suspension`). Raises :class:`ScheduleError` for bad settings.
    """
    now = _aware(now)
    settings = settings or {}
    max_age = settings.get("max_age")
    max_age = None if max_age is None or max_age == "" else parse_age(max_age)
    window = parse_window(settings.get("window") or None)
    force = settings.get("force") or False
    if not isinstance(force, bool):
        raise ScheduleError("rotation_force: %s is not a boolean: use true or false." % _shown(force))
    suspend_after = parse_suspend_after(settings.get("suspend_after"))
    record = record if isinstance(record, dict) else {}

    state = due(record, max_age, now, completed_at)
    out = {"age": state["age"], "due_at": state["due_at"], "next_opening": None, "suspension": None}
    if window is not None:
        out["next_opening"] = iso(next_opening(window, now))

    def answer(action, why):
        out.update(action=action, why=why)
        return out

    held = suspension(record, suspend_after, now)
    if held is not None:
        out["suspension"] = held
        return answer("skip_suspended", "suspended after %s failures: %s" % (held["failures"], held["last_error"]))
    pending = settings.get("pending_id")
    if pending or record.get("status") == "in_progress":
        return answer("rotate", "rotation %s is unfinished: finishing it" % (pending or record.get("rotation_id")))
    if force:
        return answer("rotate", "forced (rotation_force): %s" % state["why"])
    if not state["due"]:
        return answer("skip_not_due", state["why"])
    if window is not None and not in_window(window, now):
        return answer("skip_window", "%s, but outside the rotation window %s: it next opens %s"
                      % (state["why"], window.describe(), out["next_opening"]))
    return answer("rotate", state["why"])


# -- the fleet report ------------------------------------------------------------------------

OUTCOMES = ("ok", "in_progress", "never_rotated", "overdue", "rolled_back", "failed", "interrupted", "suspended",
            "unreadable")
PROBLEMS = ("overdue", "rolled_back", "failed", "interrupted", "suspended", "unreadable")


def credential_status(name, record, now, max_age=None, suspend_after=DEFAULT_SUSPEND_AFTER, completed_at=None,
                      lock_state=None):
    """What the fleet report says of one credential (no secret is ever in a record).

    ``record``: the parsed record, or None when there is none. ``lock_state``: ``free``, ``live`` or
    ``stale`` (a record ``in_progress`` without a live lock is ``interrupted``). ``outcome``, the
    worst that applies: ``suspended``, ``interrupted``, ``failed``, ``rolled_back`` (the latest
    rotation), ``overdue`` (past its due date), ``never_rotated``, ``in_progress``, ``ok``;
    ``problem`` is true for the outcomes in :data:`PROBLEMS`. ``max_age`` must be parsed or valid.
    """
    now = _aware(now)
    record = record if isinstance(record, dict) else None
    data = record or {}
    completed_id, completed = last_completed(data, completed_at)
    state = due(data, max_age, now, completed_at)
    held = suspension(data, suspend_after, now)
    failures, failure_error = consecutive_failures(data)
    status = data.get("status") if isinstance(data.get("status"), str) else None
    last_error = failure_error
    if last_error is None and status not in (None, "completed"):
        last_error = error_text(data.get("error"))
    overdue = max_age is not None and completed is not None and state["due"]
    if held is not None:
        outcome = "suspended"
    elif status == "in_progress" and lock_state in ("free", "stale"):
        outcome = "interrupted"
    elif status in FAILED:
        outcome = status
    elif overdue:
        outcome = "overdue"
    elif completed is None:
        outcome = "in_progress" if status == "in_progress" else "never_rotated"
    elif status == "in_progress":
        outcome = "in_progress"
    else:
        outcome = "ok"
    return {
        "name": name,
        "found": record is not None,
        "outcome": outcome,
        "problem": outcome in PROBLEMS,
        "status": status,
        "rotation_id": data.get("rotation_id"),
        "last_completed_id": completed_id,
        "last_completed_at": iso(completed) if completed else None,
        "age": state["age"],
        "age_text": human_age(state["age"]),
        "due": state["due"] if max_age is not None else None,
        "due_at": state["due_at"],
        "overdue": bool(overdue),
        "suspended": held is not None,
        "suspended_since": held["since"] if held else None,
        "failures": held["failures"] if held else failures,
        "last_error": held["last_error"] if held else last_error,
        "lock": lock_state,
        "line": None,
    }


def unreadable_status(name, message):
    """The report entry of a credential whose record cannot be read (``message`` says why)."""
    return {"name": name, "found": True, "outcome": "unreadable", "problem": True, "status": None, "rotation_id": None,
            "last_completed_id": None, "last_completed_at": None, "age": None, "age_text": None, "due": None,
            "due_at": None, "overdue": False, "suspended": False, "suspended_since": None, "failures": 0,
            "last_error": message, "lock": None, "line": None}


def report_line(entry):
    """One line of the report: name, outcome, last completed, age, due, suspended, last error."""
    if entry["last_completed_at"]:
        last = "%s%s" % (entry["last_completed_at"], " (%s)" % entry["last_completed_id"] if entry["last_completed_id"]
                         else "")
    else:
        last = "never"
    if entry["due_at"]:
        due_text = entry["due_at"] + (" (overdue)" if entry["overdue"] else "")
    elif entry["due"]:
        due_text = "now"
    else:
        due_text = "-"
    if entry["suspended"]:
        suspended = "yes, after %s failures%s" % (entry["failures"], " since %s" % entry["suspended_since"]
                                                  if entry["suspended_since"] else "")
    else:
        suspended = "no"
    return "%s | %s | last completed: %s | age: %s | due: %s | suspended: %s | last error: %s" % (
        entry["name"], entry["outcome"], last, entry["age_text"] or "-", due_text, suspended,
        entry["last_error"] or "-")
