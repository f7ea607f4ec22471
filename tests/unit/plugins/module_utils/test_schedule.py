# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_schedule: rotation age, the window, failures and suspension, the decision of a scheduled run, the report entry.

Pure functions with ``now`` given: every time here is fixed. The Hypothesis properties (derandomized
unless CREDROTATE_HYPOTHESIS_EXAMPLES is set) feed hostile values to the parsers: they answer a
value or :class:`ScheduleError` naming the option, never another exception.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils import _schedule as s
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._schedule import ScheduleError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)  # a Friday
DAY = datetime.timedelta(days=1)

_EXAMPLES = os.environ.get("CREDROTATE_HYPOTHESIS_EXAMPLES", "").strip()
PROPERTY_SETTINGS = settings(
    max_examples=int(_EXAMPLES) * 100 if _EXAMPLES else 300,
    derandomize=not _EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def at(text):
    return s.parse_time(text)


def ts(moment):
    return s.iso(moment)


def rotation(rotation_id, status, finished, error=None):
    entry = {"rotation_id": rotation_id, "status": status, "started_at": ts(finished - datetime.timedelta(minutes=5)),
             "finished_at": ts(finished) if finished is not None and status != "in_progress" else None}
    if error is not None:
        entry["error"] = error
    return entry


def record(current, *history, **fields):
    """A record whose latest rotation is ``current`` and whose history is ``history`` (oldest first)."""
    out = dict(current)
    out.update(version=1, name="orders", history=list(history), events=[], lock=None, steps=[], targets={})
    out.setdefault("error", None)
    out.update(fields)
    return out


def message_of(action):
    with pytest.raises(ScheduleError) as info:
        action()
    return "%s" % info.value


# --- parse_age ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value,seconds", [
    ("90d", 90 * 86400), ("12h", 12 * 3600), ("30m", 1800), ("2w", 14 * 86400), ("45s", 45), ("3600", 3600),
    (3600, 3600), (" 7d ", 7 * 86400), ("7 d", 7 * 86400), ("3650d", 3650 * 86400),
    (datetime.timedelta(days=1), 86400),
])
def test_parse_age_accepts_the_documented_forms(value, seconds):
    assert s.parse_age(value) == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize("value,why", [
    ("9x", "is not a duration"), ("", "is not a duration"), ("d", "is not a duration"), ("-5d", "is not a duration"),
    ("1.5d", "is not a duration"), ("1d12h", "is not a duration"), ("90D", "units are lower case"),
    ("3mo", "months and years are not units"), ("1y", "months and years are not units"), ("0", "out of range"),
    ("0d", "out of range"), (0, "out of range"), (-1, "out of range"), ("3651d", "out of range"),
    (10 ** 40, "out of range"), (True, "is not a duration"), (1.5, "is not a duration"), (None, "is not a duration"),
    (["90d"], "is not a duration"), ({"days": 90}, "is not a duration"), ("90d\n", "is not a duration"),
    ("\u0669\u0660d", "is not a duration"),  # Arabic-Indic digits are not digits here
])
def test_parse_age_refuses_with_the_option_and_the_rule(value, why):
    text = message_of(lambda: s.parse_age(value))
    assert text.startswith("rotation_max_age: ")
    assert why in text
    assert "m (minutes), h (hours), d (days) or w (weeks)" in text


def test_parse_age_names_the_option_it_is_given_and_is_a_collection_error():
    with pytest.raises(CollectionError) as info:
        s.parse_age("soon", option="max_age")
    assert "%s" % info.value == ("max_age: 'soon' is not a duration: use %s." % s.AGE_RULE)
    assert info.value.code == "InvalidSchedule" and info.value.kind == "validation"


def test_parse_age_shows_a_short_excerpt_of_a_long_value():
    text = message_of(lambda: s.parse_age("x" * 5000))
    assert "x" * 41 not in text and "..." in text and len(text) < 400


AGE_VALUES = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("0123456789smhdwMDHWy .-+\t\n\r\x00\u0669\u00b2e")), max_size=16),
    st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), st.binary(max_size=8),
    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.timedeltas(),
)


@PROPERTY_SETTINGS
@given(AGE_VALUES)
def test_parse_age_on_hostile_values_answers_a_bounded_duration_or_a_clear_error(value):
    try:
        age = s.parse_age(value)
    except ScheduleError as err:
        text = "%s" % err
        assert text.startswith("rotation_max_age: ")
        assert not CONTROL.search(text), text
        assert len(text) < 500
        return
    assert isinstance(age, datetime.timedelta)
    assert datetime.timedelta(0) < age <= s.MAX_AGE_LIMIT


@PROPERTY_SETTINGS
@given(st.integers(min_value=1, max_value=9999), st.sampled_from(sorted(s._UNITS)))
def test_parse_age_round_trips_number_and_unit(number, unit):
    seconds = number * s._UNITS[unit]
    if seconds > s.MAX_AGE_LIMIT.total_seconds():
        with pytest.raises(ScheduleError):
            s.parse_age("%d%s" % (number, unit))
    else:
        assert s.parse_age("%d%s" % (number, unit)).total_seconds() == seconds


# --- parse_window, in_window, next_opening ------------------------------------------------------


def test_parse_window_normalises_days_hours_and_zone():
    window = s.parse_window({"days": ["Mon", "tuesday", "fri-sun"], "hours": "01:00-05:30", "timezone": "Europe/Berlin"})
    assert window.days == frozenset([0, 1, 4, 5, 6])
    assert (window.start, window.end, window.timezone, window.wraps) == (60, 330, "Europe/Berlin", False)
    assert window.as_dict() == {"days": ["mon", "tue", "fri", "sat", "sun"], "hours": "01:00-05:30",
                                "timezone": "Europe/Berlin"}
    assert window.describe() == "mon,tue,fri,sat,sun 01:00-05:30 Europe/Berlin"
    assert s.parse_window(window) is window


def test_parse_window_defaults_wrapping_ranges_and_strings():
    assert s.parse_window(None) is None and s.parse_window({}) is None
    whole = s.parse_window({"timezone": "UTC"})
    assert whole.days == frozenset(range(7)) and (whole.start, whole.end) == (0, 1440)
    assert s.parse_window({"days": "sat-mon"}).days == frozenset([5, 6, 0])
    assert s.parse_window({"days": "mon,wed"}).days == frozenset([0, 2])
    assert s.parse_window({"days": ["mon-mon"]}).days == frozenset([0])
    late = s.parse_window({"hours": "22:00-04:00"})
    assert late.wraps and late.timezone == "UTC"
    assert s.parse_window({"hours": "05:00-24:00"}).end == 1440
    assert s.parse_window({"hours": "05:00 - 06:00"}).start == 300


@pytest.mark.parametrize("value,text", [
    ("mon-fri", "rotation_window: 'mon-fri' is not a window: use a dictionary"),
    ({"day": ["mon"]}, "rotation_window: unknown key(s) 'day': the keys are days, hours and timezone."),
    ({"days": []}, "rotation_window.days is empty: the window would never open"),
    ({"days": ["mo"]}, "rotation_window.days: 'mo' is not a day: use mon, tue, wed, thu, fri, sat or sun"),
    ({"days": [1]}, "rotation_window.days: 1 is not a day"),
    ({"days": {"mon": 1}}, "rotation_window.days: a dict is not a list of days"),
    ({"days": ["mon-"]}, "rotation_window.days: '' is not a day"),
    ({"hours": "1:00-5:00"}, "rotation_window.hours: '1:00-5:00' is not a time range: use HH:MM-HH:MM"),
    ({"hours": "24:00-05:00"}, "rotation_window.hours: '24:00-05:00' is not a time range"),
    ({"hours": "01:60-05:00"}, "is not a time range"),
    ({"hours": "01:00-24:30"}, "is not a time range"),
    ({"hours": "05:00-05:00"}, "rotation_window.hours: '05:00-05:00' is an empty window (start equals end)"),
    ({"hours": 5}, "rotation_window.hours: 5 is not a time range"),
    ({"timezone": "Mars/Olympus_Mons"}, "rotation_window.timezone: 'Mars/Olympus_Mons' is not a known time zone"),
    ({"timezone": "../../etc/passwd"}, "rotation_window.timezone: '../../etc/passwd' is not a time zone name"),
    ({"timezone": "/etc/localtime"}, "is not a time zone name"),
    ({"timezone": "Europe"}, "is not a known time zone"),
    ({"timezone": "Europe/Berlin\x00"}, "is not a time zone name"),
    ({"timezone": ""}, "is not a time zone name"),
])
def test_parse_window_refuses_with_the_key_and_the_rule(value, text):
    assert text in message_of(lambda: s.parse_window(value))


def test_parse_window_names_the_option_it_is_given():
    assert message_of(lambda: s.parse_window({"days": ["x"]}, option="window")).startswith("window.days: ")


WINDOW_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(list("0123456789:- mtwfsuonedhriaMT/._+\x00\n\u0660")), max_size=14),
    st.sampled_from(["UTC", "Europe/Berlin", "../UTC", "/etc/passwd", "Europe", "zone.tab", "leapseconds", "posixrules",
                     "localtime", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "22:00-04:00", "00:00-24:00",
                     "mon-fri", "sun-sat", "x" * 300]),
)
JUNK = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), WINDOW_TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(WINDOW_TEXT, inner, max_size=3)),
                    max_leaves=8)
WINDOWS = st.one_of(
    JUNK,
    st.fixed_dictionaries({}, optional={"days": st.one_of(JUNK, st.lists(WINDOW_TEXT, max_size=4)),
                                        "hours": st.one_of(JUNK, WINDOW_TEXT), "timezone": st.one_of(JUNK, WINDOW_TEXT)}),
)


@PROPERTY_SETTINGS
@given(WINDOWS)
def test_parse_window_on_hostile_values_answers_a_window_or_a_clear_error(value):
    try:
        window = s.parse_window(value)
    except ScheduleError as err:
        text = "%s" % err
        assert text.startswith("rotation_window")
        assert not CONTROL.search(text), text
        assert len(text) < 600
        return
    assert window is None or isinstance(window, s.Window)
    if window is not None:
        assert window.days and 0 <= window.start < 1440 and 0 < window.end <= 1440 and window.start != window.end
        assert isinstance(s.in_window(window, NOW), bool)


BERLIN_FRIDAY_NIGHT = {"days": ["fri"], "hours": "22:00-04:00", "timezone": "Europe/Berlin"}


@pytest.mark.parametrize("when,inside", [
    ("2026-05-01T19:59:59Z", False),  # Friday 21:59:59 in Berlin (CEST, +02:00)
    ("2026-05-01T20:00:00Z", True),   # Friday 22:00
    ("2026-05-02T01:59:00Z", True),   # Saturday 03:59: the window opened on Friday
    ("2026-05-02T02:00:00Z", False),  # Saturday 04:00: the end is excluded
    ("2026-05-02T20:30:00Z", False),  # Saturday 22:30: Saturday is not a day of the window
    ("2026-05-01T00:30:00Z", False),  # Friday 02:30: the window of Thursday night does not exist
])
def test_in_window_wraps_past_midnight_from_the_opening_day(when, inside):
    assert s.in_window(BERLIN_FRIDAY_NIGHT, at(when)) is inside


def test_in_window_without_window_is_always_true_and_needs_an_aware_now():
    assert s.in_window(None, NOW) is True
    with pytest.raises(ValueError):
        s.in_window({"days": ["mon"]}, datetime.datetime(2026, 5, 1, 12, 0))


def test_next_opening_is_now_inside_else_the_next_start_in_the_zone():
    assert s.next_opening(BERLIN_FRIDAY_NIGHT, at("2026-05-01T21:00:00Z")) == at("2026-05-01T21:00:00Z")
    opening = s.next_opening(BERLIN_FRIDAY_NIGHT, NOW)
    assert opening == at("2026-05-01T20:00:00Z") and opening.utcoffset() == datetime.timedelta(hours=2)
    # after it closed on Saturday: next Friday
    assert s.next_opening(BERLIN_FRIDAY_NIGHT, at("2026-05-02T02:00:00Z")) == at("2026-05-08T20:00:00Z")
    assert s.next_opening(None, NOW) == NOW


def test_next_opening_across_daylight_saving_changes():
    # Europe/Berlin springs forward on Sunday 2026-03-29 at 02:00 (to 03:00) and falls back on 2026-10-25.
    spring = {"days": ["sun"], "hours": "02:30-03:30", "timezone": "Europe/Berlin"}
    # 02:30 does not exist that day: the window opens when the clocks jump, 03:00 CEST (01:00 UTC)
    assert s.next_opening(spring, at("2026-03-28T12:00:00Z")) == at("2026-03-29T01:00:00Z")
    assert not s.in_window(spring, at("2026-03-29T00:59:00Z"))  # 01:59 CET
    gap_only = {"days": ["sun"], "hours": "02:10-02:50", "timezone": "Europe/Berlin"}
    assert s.next_opening(gap_only, at("2026-03-28T12:00:00Z")) == at("2026-04-05T00:10:00Z")
    autumn = {"days": ["sun"], "hours": "02:30-03:00", "timezone": "Europe/Berlin"}
    # the first 02:30 (CEST); an ambiguous time never equals a time of another zone (PEP 495): compare in UTC
    assert s.next_opening(autumn, at("2026-10-24T12:00:00Z")).astimezone(UTC) == at("2026-10-25T00:30:00Z")


ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                         "Pacific/Chatham"])
HHMM = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@PROPERTY_SETTINGS
@given(st.sets(st.sampled_from(s.DAYS), min_size=1), HHMM, HHMM, ZONES,
       st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2028, 12, 31)))
def test_next_opening_is_the_first_open_minute(days, start, end, zone, naive):
    if start == end:
        return
    window = s.parse_window({"days": sorted(days), "hours": "%02d:%02d-%02d:%02d" % (start + end), "timezone": zone})
    now = naive.replace(tzinfo=UTC)
    opening = s.next_opening(window, now)
    assert opening >= now
    assert opening - now <= datetime.timedelta(days=9)
    assert s.in_window(window, opening)
    if opening > now:
        assert not s.in_window(window, opening - datetime.timedelta(minutes=1))
        assert not s.in_window(window, now)


# --- the record: last completed, due -------------------------------------------------------------


def test_last_completed_is_the_newest_completed_rotation_of_record_and_history():
    rec = record(rotation("r4", "failed", NOW - 1 * DAY),
                 rotation("r1", "completed", NOW - 200 * DAY), rotation("r2", "completed", NOW - 100 * DAY),
                 rotation("r3", "rolled_back", NOW - 50 * DAY))
    assert s.last_completed(rec) == ("r2", NOW - 100 * DAY)
    assert s.last_completed({}) == (None, None) and s.last_completed(None) == (None, None)
    current = record(rotation("r5", "completed", NOW - 2 * DAY), rotation("r2", "completed", NOW - 100 * DAY))
    assert s.last_completed(current) == ("r5", NOW - 2 * DAY)


def test_last_completed_ignores_unusable_times_and_entries():
    rec = record(rotation("r3", "completed", NOW), finished_at="yesterday")
    rec["history"] = ["junk", None, {"rotation_id": "r1", "status": "completed", "finished_at": "2026-02-30T00:00:00Z"},
                      {"rotation_id": "r2", "status": "completed", "finished_at": "2026-04-01T00:00:00+02:00"}]
    assert s.last_completed(rec) == ("r2", at("2026-03-31T22:00:00Z"))


def test_a_store_completion_wins_when_newer():
    rec = record(rotation("r2", "completed", NOW - 10 * DAY))
    assert s.last_completed(rec, completed_at=ts(NOW - 1 * DAY), completed_id="v7") == ("v7", NOW - 1 * DAY)
    assert s.last_completed(rec, completed_at=NOW - 1 * DAY) == ("r2", NOW - 1 * DAY)
    assert s.last_completed(rec, completed_at=NOW - 20 * DAY, completed_id="v6") == ("r2", NOW - 10 * DAY)
    assert s.last_completed({}, completed_at="2026-04-30T00:00:00Z", completed_id="v1") == ("v1", at("2026-04-30T00:00:00Z"))
    assert s.last_completed(rec, completed_at="garbage") == ("r2", NOW - 10 * DAY)


def test_due_without_max_age_is_always_due():
    assert s.due({}, None, NOW) == {"due": True, "age": None, "due_at": None, "why": "no rotation has completed yet"}
    rec = record(rotation("r1", "completed", NOW - 3 * DAY))
    answer = s.due(rec, None, NOW)
    assert answer["due"] is True and answer["age"] == 3 * 86400 and answer["due_at"] is None
    assert "rotation_max_age is not set" in answer["why"]


def test_due_measures_the_age_from_the_last_completion():
    rec = record(rotation("r1", "completed", NOW - 10 * DAY))
    young = s.due(rec, "90d", NOW)
    assert young == {"due": False, "age": 10 * 86400, "due_at": ts(NOW + 80 * DAY),
                     "why": "the last completed rotation (r1) finished %s, 10d ago: not due until %s"
                            % (ts(NOW - 10 * DAY), ts(NOW + 80 * DAY))}
    assert s.due(rec, "10d", NOW)["due"] is True  # exactly at its due time
    assert s.due(rec, "10d", NOW - datetime.timedelta(seconds=1))["due"] is False
    old = s.due(rec, datetime.timedelta(days=7), NOW)
    assert old["due"] is True and old["due_at"] == ts(NOW - 3 * DAY) and "due since" in old["why"]
    never = s.due({}, "90d", NOW)
    assert never["due"] is True and never["due_at"] is None
    # the cloud store knows a newer completion: not due
    assert s.due(rec, "7d", NOW, completed_at=NOW - 1 * DAY)["due"] is False


def test_due_with_a_completion_in_the_future_of_this_clock():
    rec = record(rotation("r1", "completed", NOW + 1 * DAY))
    answer = s.due(rec, "1d", NOW)
    assert answer["age"] == 0 and answer["due"] is False and "in the future of this clock" in answer["why"]


# --- failures and suspension ---------------------------------------------------------------------


def failing(count, last_completed_days=30, resumed_at=None, current=None):
    """A record with a completed rotation, then ``count`` failures alternately rolled back and failed (newest last)."""
    history = [rotation("ok1", "completed", NOW - last_completed_days * DAY)]
    for i in range(count):
        status = "rolled_back" if i % 2 == 0 else "failed"
        history.append(rotation("f%d" % (i + 1), status, NOW - (count - i) * datetime.timedelta(hours=1),
                                error={"step": "verify", "msg": "job %d unhealthy" % (i + 1)}))
    top = current or history.pop()
    fields = {"resumed_at": resumed_at} if resumed_at else {}
    return record(top, *history, **fields)


def test_consecutive_failures_counts_since_the_last_completion_newest_first():
    assert s.consecutive_failures({}) == (0, None)
    assert s.consecutive_failures(failing(0)) == (0, None)
    assert s.consecutive_failures(failing(1)) == (1, "verify: job 1 unhealthy")
    assert s.consecutive_failures(failing(4)) == (4, "verify: job 4 unhealthy")
    # a rotation in progress is neither: the streak goes on below it
    busy = failing(2, current=rotation("r9", "in_progress", NOW))
    assert s.consecutive_failures(busy) == (2, "verify: job 2 unhealthy")
    # a completed rotation ends the streak
    rec = failing(2)
    rec["history"].append(rotation("ok2", "completed", NOW - datetime.timedelta(minutes=90)))
    assert s.consecutive_failures(rec)[0] == 1


def test_consecutive_failures_without_recorded_errors_and_with_a_rollback_error():
    rec = record(rotation("r3", "rolled_back", NOW), rotation("r2", "failed", NOW - DAY))
    assert s.consecutive_failures(rec) == (2, "rotation r3 was rolled back")
    rec = record(rotation("r3", "failed", NOW, error={"step": "set", "msg": "x  \n y", "rollback": "z"}))
    assert s.consecutive_failures(rec) == (1, "set: x y (rollback: z)")


def test_a_resume_restarts_the_count():
    resumed = ts(NOW - datetime.timedelta(minutes=150))
    assert s.consecutive_failures(failing(4, resumed_at=resumed)) == (2, "verify: job 4 unhealthy")
    assert s.consecutive_failures(failing(3, resumed_at=ts(NOW))) == (0, None)


def test_suspension_after_the_threshold_and_zero_disables():
    assert s.suspension(failing(2), 3, NOW) is None
    held = s.suspension(failing(3), 3, NOW)
    assert held == {"failures": 3, "last_error": "verify: job 3 unhealthy", "since": ts(NOW - datetime.timedelta(hours=1)),
                    "seconds": 3600, "marked": False}
    # since: when the failure that reached the count finished
    assert s.suspension(failing(5), 3, NOW)["since"] == ts(NOW - datetime.timedelta(hours=3))
    assert s.suspension(failing(5), 0, NOW) is None and s.suspension(failing(5), None, NOW) is None
    assert s.suspension(failing(1), 1, NOW)["failures"] == 1


def test_the_engine_marker_holds_until_resumed_or_completed():
    marker = {"at": ts(NOW - DAY), "failures": 3, "last_error": "set: refused", "rotation_id": "f3"}
    rec = record(rotation("f3", "failed", NOW - DAY), suspended=marker)
    held = s.suspension(rec, 5, NOW)  # the marker holds even though 1 < 5 failures are in the record
    assert held == {"failures": 3, "last_error": "set: refused", "since": ts(NOW - DAY), "seconds": 86400,
                    "marked": True}
    assert s.suspension(rec, 0, NOW) is None
    resumed = dict(rec, suspended=None, resumed_at=ts(NOW - datetime.timedelta(hours=1)))
    assert s.suspension(resumed, 1, NOW) is None  # the failure before the resume no longer counts
    resumed_marker_kept = dict(rec, resumed_at=ts(NOW - datetime.timedelta(hours=1)))
    assert s.suspension(resumed_marker_kept, 3, NOW) is None
    old_resume = dict(rec, resumed_at=ts(NOW - 2 * DAY))
    assert s.suspension(old_resume, 3, NOW)["marked"] is True
    completed_since = record(rotation("ok", "completed", NOW - datetime.timedelta(hours=2)),
                             rotation("f3", "failed", NOW - DAY), suspended=marker)
    assert s.suspension(completed_since, 3, NOW) is None
    hand_made = record(rotation("f3", "failed", NOW - DAY, error={"step": "set", "msg": "no"}), suspended=True)
    assert s.suspension(hand_made, 3, NOW) == {"failures": 1, "last_error": "set: no", "since": None, "seconds": None,
                                               "marked": True}


def test_suspend_fields_once_the_count_is_reached():
    assert s.suspend_fields(failing(2), 3, NOW) == {}
    assert s.suspend_fields(failing(3), 3, NOW) == {"suspended": {
        "at": ts(NOW), "failures": 3, "last_error": "verify: job 3 unhealthy", "rotation_id": "f3"}}
    assert s.suspend_fields(failing(3), 0, NOW) == {}
    marked = dict(failing(3), suspended={"at": ts(NOW - DAY), "failures": 3, "last_error": "x"})
    assert s.suspend_fields(marked, 3, NOW) == {}


def test_resume_fields_clear_the_marker_and_restart_the_count():
    assert s.resume_fields(NOW) == {"suspended": None, "resumed_at": ts(NOW)}
    assert s.resume_fields(NOW, by="alice") == {"suspended": None, "resumed_at": ts(NOW), "resumed_by": "alice"}
    rec = failing(3)
    rec.update(s.suspend_fields(rec, 3, NOW - datetime.timedelta(minutes=30)))
    assert s.suspension(rec, 3, NOW)["marked"] is True
    rec.update(s.resume_fields(NOW))
    assert s.suspension(rec, 3, NOW) is None and s.consecutive_failures(rec) == (0, None)
    with pytest.raises(ValueError):
        s.resume_fields(datetime.datetime(2026, 1, 1))


# --- decide --------------------------------------------------------------------------------------

FRESH = record(rotation("r1", "completed", NOW - 10 * DAY))
STALE = record(rotation("r1", "completed", NOW - 100 * DAY))
OUTSIDE = {"days": ["sat"], "hours": "01:00-05:00", "timezone": "UTC"}  # NOW is a Friday noon
INSIDE = {"days": ["fri"], "hours": "11:00-13:00", "timezone": "UTC"}


@pytest.mark.parametrize("rec,settings_,action", [
    (FRESH, {}, "rotate"),                                          # no max_age: every run rotates
    ({}, {"max_age": "90d"}, "rotate"),                             # never rotated
    (FRESH, {"max_age": "90d"}, "skip_not_due"),
    (STALE, {"max_age": "90d"}, "rotate"),
    (STALE, {"max_age": "90d", "window": OUTSIDE}, "skip_window"),
    (STALE, {"max_age": "90d", "window": INSIDE}, "rotate"),
    (FRESH, {"max_age": "90d", "window": OUTSIDE}, "skip_not_due"),  # not due says more than the window
    (FRESH, {"window": OUTSIDE}, "skip_window"),
    (FRESH, {"max_age": "90d", "force": True}, "rotate"),
    (FRESH, {"max_age": "90d", "window": OUTSIDE, "force": True}, "rotate"),
    (failing(3, last_completed_days=100), {"max_age": "90d", "force": True}, "skip_suspended"),
    (failing(3, last_completed_days=100), {"max_age": "90d", "suspend_after": 0}, "rotate"),
    (failing(3, last_completed_days=100), {"max_age": "90d", "suspend_after": 4}, "rotate"),
    (failing(2, last_completed_days=1), {"max_age": "90d"}, "skip_not_due"),
    (record(rotation("r2", "in_progress", NOW), rotation("r1", "completed", NOW - DAY)),
     {"max_age": "90d", "window": OUTSIDE}, "rotate"),             # unfinished: finish it now
    (FRESH, {"max_age": "90d", "pending_id": "r2", "window": OUTSIDE}, "rotate"),
    (failing(3, current=rotation("r9", "in_progress", NOW)), {"pending_id": "r9"}, "skip_suspended"),
])
def test_decide(rec, settings_, action):
    answer = s.decide(rec, settings_, NOW)
    assert answer["action"] == action, answer
    assert answer["action"] in s.ACTIONS and answer["why"]


def test_decide_explains_each_answer():
    suspended = s.decide(failing(3), {"max_age": "90d", "force": True}, NOW)
    assert suspended["why"] == "suspended after 3 failures: verify: job 3 unhealthy"
    assert suspended["suspension"]["failures"] == 3
    not_due = s.decide(FRESH, {"max_age": "90d"}, NOW)
    assert not_due["why"].endswith("not due until %s" % ts(NOW + 80 * DAY)) and not_due["due_at"] == ts(NOW + 80 * DAY)
    assert not_due["age"] == 10 * 86400 and not_due["next_opening"] is None and not_due["suspension"] is None
    window = s.decide(STALE, {"max_age": "90d", "window": OUTSIDE}, NOW)
    assert window["next_opening"] == "2026-05-02T01:00:00Z"
    assert "outside the rotation window sat 01:00-05:00 UTC: it next opens 2026-05-02T01:00:00Z" in window["why"]
    forced = s.decide(FRESH, {"max_age": "90d", "force": True}, NOW)
    assert forced["why"].startswith("forced (rotation_force): ")
    unfinished = s.decide(FRESH, {"pending_id": "r2"}, NOW)
    assert unfinished["why"] == "rotation r2 is unfinished: finishing it"
    store = s.decide(STALE, {"max_age": "90d"}, NOW, completed_at=NOW - DAY)
    assert store["action"] == "skip_not_due"


@pytest.mark.parametrize("settings_,text", [
    ({"max_age": "90 days"}, "rotation_max_age: '90 days' is not a duration"),
    ({"window": {"hours": "9-17"}}, "rotation_window.hours: '9-17' is not a time range"),
    ({"force": "yes"}, "rotation_force: 'yes' is not a boolean"),
    ({"suspend_after": -1}, "rotation_suspend_after: -1 is not a number of failures"),
    ({"suspend_after": True}, "rotation_suspend_after: True is not a number of failures"),
])
def test_decide_refuses_bad_settings(settings_, text):
    assert text in message_of(lambda: s.decide(FRESH, settings_, NOW))


def test_decide_defaults_and_tolerates_an_empty_or_odd_record():
    assert s.decide(None, None, NOW)["action"] == "rotate"
    assert s.decide({"history": "junk", "status": 5}, {"max_age": 3600, "suspend_after": "2"}, NOW)["action"] == "rotate"
    assert s.decide(failing(3), {}, NOW)["action"] == "skip_suspended"  # default suspend_after is 3
    assert s.decide(FRESH, {"max_age": "", "window": {}}, NOW)["action"] == "rotate"
    with pytest.raises(ValueError):
        s.decide(FRESH, {}, datetime.datetime(2026, 5, 1))


# --- the report entry ----------------------------------------------------------------------------


def status(rec, **kwargs):
    kwargs.setdefault("max_age", s.parse_age("90d"))
    kwargs.setdefault("lock_state", "free")
    return s.credential_status("orders", rec, NOW, **kwargs)


def test_credential_status_outcomes():
    assert status(FRESH)["outcome"] == "ok"
    assert status(STALE)["outcome"] == "overdue"
    assert status(STALE, max_age=None)["outcome"] == "ok"
    assert status(None)["outcome"] == "never_rotated" and status(None)["found"] is False
    assert status({})["outcome"] == "never_rotated"
    assert status(failing(3))["outcome"] == "suspended"
    assert status(failing(1))["outcome"] == "rolled_back"
    assert status(failing(2))["outcome"] == "failed"
    running = record(rotation("r2", "in_progress", NOW), rotation("r1", "completed", NOW - DAY))
    assert status(running, lock_state="live")["outcome"] == "in_progress"
    assert status(running, lock_state="stale")["outcome"] == "interrupted"
    assert status(running, lock_state="free")["outcome"] == "interrupted"
    first = record(rotation("r1", "in_progress", NOW))
    assert status(first, lock_state="live")["outcome"] == "in_progress"
    for rec, problem in ((FRESH, False), (STALE, True), (None, False), (failing(3), True), (failing(1), True)):
        assert status(rec)["problem"] is problem


def test_credential_status_fields_and_line():
    entry = status(FRESH)
    assert entry == {"name": "orders", "found": True, "outcome": "ok", "problem": False, "status": "completed",
                     "rotation_id": "r1", "last_completed_id": "r1", "last_completed_at": ts(NOW - 10 * DAY),
                     "age": 10 * 86400, "age_text": "10d", "due": False, "due_at": ts(NOW + 80 * DAY), "overdue": False,
                     "suspended": False, "suspended_since": None, "failures": 0, "last_error": None, "lock": "free",
                     "line": None}
    assert s.report_line(entry) == ("orders | ok | last completed: %s (r1) | age: 10d | due: %s | suspended: no | "
                                    "last error: -" % (ts(NOW - 10 * DAY), ts(NOW + 80 * DAY)))
    held = status(failing(3))
    assert s.report_line(held) == (
        "orders | suspended | last completed: %s (ok1) | age: 30d | due: %s | suspended: yes, after 3 failures since "
        "%s | last error: verify: job 3 unhealthy" % (
            ts(NOW - 30 * DAY), ts(NOW + 60 * DAY), ts(NOW - datetime.timedelta(hours=1))))
    never = status(None)
    assert s.report_line(never) == ("orders | never_rotated | last completed: never | age: - | due: now | "
                                    "suspended: no | last error: -")
    assert s.report_line(status(None, max_age=None)).endswith("| due: - | suspended: no | last error: -")
    assert "(overdue)" in s.report_line(status(STALE))
    broken = s.unreadable_status("orders", "the state record x is not valid JSON")
    assert broken["problem"] and s.report_line(broken).endswith("last error: the state record x is not valid JSON")


def test_credential_status_last_error_of_an_unfinished_rotation():
    rec = record(rotation("r2", "in_progress", NOW, error={"step": "verify", "msg": "job down"}),
                 rotation("r1", "completed", NOW - DAY))
    assert status(rec)["last_error"] == "verify: job down"
    assert status(FRESH)["last_error"] is None


@pytest.mark.parametrize("seconds,text", [
    (None, None), (0, "under 1m"), (59, "under 1m"), (60, "1m"), (3600, "1h"), (3660, "1h 1m"), (86400, "1d"),
    (90061, "1d 1h"), (-5, "under 1m"),
])
def test_human_age(seconds, text):
    assert s.human_age(seconds) == text


@pytest.mark.parametrize("value,expected", [
    ("2026-05-01T12:00:00Z", NOW), ("2026-05-01T14:00:00+02:00", NOW), ("2026-05-01T14:00:00+0200", NOW),
    ("2026-05-01T12:00:00.123Z", NOW), ("2026-05-01 12:00:00Z", NOW), (NOW, NOW),
    (datetime.datetime(2026, 5, 1, 12, 0), NOW),
    ("2026-05-01T12:00:00", None), ("2026-13-01T12:00:00Z", None), ("", None), (None, None), (5, None),
    ("2026-05-01T12:00:00+99:00", None),
])
def test_parse_time(value, expected):
    assert s.parse_time(value) == expected
