"""Phase derivation from dates and the clock, at the exact boundaries, in local time zones.

Aware datetimes with the same tzinfo add, subtract *and compare* in wall-clock time
(ignoring `fold`), so "one microsecond before" is always computed in UTC, and dates are
passed to `phase_at` as the database returns them: in UTC.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from budgets.models import Cycle, Pool
from budgets.phases import Phase, PhaseDates, phase_at, timeline

SOFIA = ZoneInfo("Europe/Sofia")
ISTANBUL = ZoneInfo("Europe/Istanbul")
TICK = timedelta(microseconds=1)


def local(tz: ZoneInfo, *args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=tz, fold=fold)


def just_before(instant: datetime) -> datetime:
    """The instant one microsecond earlier in real (UTC) time."""
    return instant.astimezone(UTC) - TICK


def stored(dates: PhaseDates) -> PhaseDates:
    """The dates as read back from the database (UTC)."""
    return PhaseDates(
        **{k: (v.astimezone(UTC) if v is not None else None) for k, v in dates.__dict__.items()}
    )


def dates_2026(tz: ZoneInfo, *, support: bool = False, implementation: bool = True) -> PhaseDates:
    """A 2026 cycle whose voting opens on 1 May at local midnight (UTC, as stored)."""
    return _dates_2026(tz, support=support, implementation=implementation)


def _dates_2026(tz: ZoneInfo, *, support: bool, implementation: bool) -> PhaseDates:
    return stored(
        PhaseDates(
            submission_starts=local(tz, 2026, 2, 1),
            review_starts=local(tz, 2026, 3, 15),
            support_starts=local(tz, 2026, 4, 10) if support else None,
            voting_starts=local(tz, 2026, 5, 1),
            voting_ends=local(tz, 2026, 5, 15, 20),
            results_starts=local(tz, 2026, 6, 1),
            implementation_starts=local(tz, 2026, 9, 1) if implementation else None,
        )
    )


@pytest.mark.parametrize("zone", ["Europe/Sofia", "Europe/Istanbul"])
def test_phase_at_voting_opens_at_local_midnight_inclusive(zone):
    tz = ZoneInfo(zone)
    with override_settings(TIME_ZONE=zone):
        dates = dates_2026(tz)
        opens = local(tz, 2026, 5, 1)
        assert phase_at(dates, just_before(opens)) == Phase.REVIEW
        assert phase_at(dates, opens) == Phase.VOTING
        assert phase_at(dates, opens.astimezone(UTC)) == Phase.VOTING
        assert timezone.localtime(just_before(opens)).day == 30


@pytest.mark.parametrize("zone", ["Europe/Sofia", "Europe/Istanbul"])
def test_phase_at_every_boundary_switches_at_its_instant(zone):
    tz = ZoneInfo(zone)
    dates = dates_2026(tz, support=True)
    expected = [
        (dates.submission_starts, Phase.DRAFT, Phase.SUBMISSION),
        (dates.review_starts, Phase.SUBMISSION, Phase.REVIEW),
        (dates.support_starts, Phase.REVIEW, Phase.SUPPORT),
        (dates.voting_starts, Phase.SUPPORT, Phase.VOTING),
        (dates.voting_ends, Phase.VOTING, Phase.TALLYING),
        (dates.results_starts, Phase.TALLYING, Phase.RESULTS),
        (dates.implementation_starts, Phase.RESULTS, Phase.IMPLEMENTATION),
    ]
    with override_settings(TIME_ZONE=zone):
        for boundary, before, after in expected:
            assert phase_at(dates, just_before(boundary)) == before, boundary
            assert phase_at(dates, boundary) == after, boundary


def test_phase_at_same_local_midnight_is_an_hour_apart_in_sofia_and_istanbul_in_winter():
    # In January Sofia is UTC+2 and Istanbul UTC+3: "midnight" is not the same instant.
    sofia = stored(
        PhaseDates(**{**dates_2026(SOFIA).__dict__, "submission_starts": local(SOFIA, 2026, 1, 15)})
    )
    istanbul = stored(
        PhaseDates(
            **{**dates_2026(ISTANBUL).__dict__, "submission_starts": local(ISTANBUL, 2026, 1, 15)}
        )
    )
    between = datetime(2026, 1, 14, 21, 30, tzinfo=UTC)
    assert phase_at(istanbul, between) == Phase.SUBMISSION
    assert phase_at(sofia, between) == Phase.DRAFT


def test_phase_at_sofia_spring_forward_boundary():
    # 2026-03-29: 03:00 EET jumps to 04:00 EEST. Review starts at 04:00 local (01:00 UTC).
    boundary = local(SOFIA, 2026, 3, 29, 4)
    dates = stored(PhaseDates(**{**dates_2026(SOFIA).__dict__, "review_starts": boundary}))
    assert boundary.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    before = just_before(boundary)
    assert before.astimezone(SOFIA).hour == 2  # 02:59:59.999999 EET, not 03:59 (never existed)
    assert phase_at(dates, before) == Phase.SUBMISSION
    assert phase_at(dates, boundary) == Phase.REVIEW
    # The wall-clock "one microsecond before" is 03:59:59.999999, which does not exist and
    # resolves to UTC+2, i.e. 01:59:59.999999 UTC: already inside the review phase.
    wall_clock_before = boundary - TICK
    assert wall_clock_before.astimezone(UTC) > boundary.astimezone(UTC)
    assert phase_at(dates, wall_clock_before) == Phase.REVIEW


def test_phase_at_sofia_fall_back_boundary_uses_first_occurrence():
    # 2026-10-25: 04:00 EEST falls back to 03:00 EET; 03:30 happens twice.
    ends = local(SOFIA, 2026, 10, 25, 3, 30, fold=0)  # the first 03:30 (00:30 UTC)
    dates = stored(
        PhaseDates(
            submission_starts=local(SOFIA, 2026, 9, 1),
            review_starts=local(SOFIA, 2026, 9, 20),
            support_starts=None,
            voting_starts=local(SOFIA, 2026, 10, 10),
            voting_ends=ends,
            results_starts=local(SOFIA, 2026, 11, 1),
            implementation_starts=None,
        )
    )
    assert ends.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert phase_at(dates, just_before(ends)) == Phase.VOTING
    assert phase_at(dates, ends) == Phase.TALLYING
    # The second 03:10 reads earlier on the wall clock but is 40 minutes after the close.
    second_0310 = local(SOFIA, 2026, 10, 25, 3, 10, fold=1)
    assert phase_at(dates, second_0310) == Phase.TALLYING


def test_phase_at_without_support_goes_from_review_to_voting():
    dates = dates_2026(SOFIA, support=False)
    assert Phase.SUPPORT not in [phase for phase, _start in dates.starts()]
    assert phase_at(dates, local(SOFIA, 2026, 4, 20)) == Phase.REVIEW
    assert phase_at(dates, just_before(dates.voting_starts)) == Phase.REVIEW


def test_phase_at_with_support_between_review_and_voting():
    dates = dates_2026(SOFIA, support=True)
    assert phase_at(dates, local(SOFIA, 2026, 4, 20)) == Phase.SUPPORT


def test_phase_at_before_submission_is_draft():
    dates = dates_2026(SOFIA)
    assert phase_at(dates, local(SOFIA, 2025, 12, 31)) == Phase.DRAFT
    assert phase_at(dates, just_before(dates.submission_starts)) == Phase.DRAFT


def test_phase_at_after_voting_ends_is_tallying_until_results():
    dates = dates_2026(SOFIA)
    assert phase_at(dates, dates.voting_ends) == Phase.TALLYING
    assert phase_at(dates, just_before(dates.results_starts)) == Phase.TALLYING
    assert phase_at(dates, dates.results_starts) == Phase.RESULTS


def test_phase_at_without_implementation_stays_in_results():
    dates = dates_2026(SOFIA, implementation=False)
    assert phase_at(dates, local(SOFIA, 2030, 1, 1)) == Phase.RESULTS


def test_phase_at_implementation_after_its_start():
    dates = dates_2026(SOFIA)
    assert phase_at(dates, local(SOFIA, 2026, 9, 1)) == Phase.IMPLEMENTATION


def test_timeline_marks_past_current_and_future_steps():
    dates = dates_2026(ISTANBUL, support=True)
    steps = timeline(dates, local(ISTANBUL, 2026, 5, 2))
    assert [s.phase for s in steps] == [
        Phase.SUBMISSION,
        Phase.REVIEW,
        Phase.SUPPORT,
        Phase.VOTING,
        Phase.TALLYING,
        Phase.RESULTS,
        Phase.IMPLEMENTATION,
    ]
    assert [s.state for s in steps] == [
        "past",
        "past",
        "past",
        "current",
        "future",
        "future",
        "future",
    ]


def test_timeline_step_ends_where_the_next_begins():
    dates = dates_2026(SOFIA)
    steps = timeline(dates, local(SOFIA, 2026, 5, 2))
    for step, following in zip(steps, steps[1:], strict=False):
        assert step.ends == following.starts
    assert steps[-1].ends is None
    voting = next(s for s in steps if s.phase == Phase.VOTING)
    assert (voting.starts, voting.ends) == (dates.voting_starts, dates.voting_ends)


def test_timeline_omits_support_and_implementation_when_not_set():
    dates = dates_2026(SOFIA, support=False, implementation=False)
    steps = timeline(dates, local(SOFIA, 2026, 5, 2))
    assert Phase.SUPPORT not in [s.phase for s in steps]
    assert steps[-1].phase == Phase.RESULTS
    assert steps[-1].ends is None


def test_timeline_in_draft_has_every_step_in_future():
    dates = dates_2026(SOFIA)
    steps = timeline(dates, local(SOFIA, 2026, 1, 1))
    assert {s.state for s in steps} == {"future"}


def test_timeline_at_voting_boundary_switches_current_step():
    dates = dates_2026(SOFIA)
    before = {s.phase: s.state for s in timeline(dates, just_before(dates.voting_starts))}
    at = {s.phase: s.state for s in timeline(dates, dates.voting_starts)}
    assert (before[Phase.REVIEW], before[Phase.VOTING]) == ("current", "future")
    assert (at[Phase.REVIEW], at[Phase.VOTING]) == ("past", "current")


def _cycle(tz: ZoneInfo) -> Cycle:
    d = dates_2026(tz, implementation=False)
    return Cycle(
        year=2026,
        title_en="2026",
        submission_starts=d.submission_starts,
        review_starts=d.review_starts,
        support_starts=None,
        voting_starts=d.voting_starts,
        voting_ends=d.voting_ends,
        results_starts=d.results_starts,
        implementation_starts=None,
    )


@pytest.mark.parametrize("zone", ["Europe/Sofia", "Europe/Istanbul"])
def test_pool_phase_override_wins_over_cycle_date(zone):
    tz = ZoneInfo(zone)
    with override_settings(TIME_ZONE=zone):
        cycle = _cycle(tz)
        pool = Pool(cycle=cycle, voting_starts=local(tz, 2026, 5, 8))
        assert pool.dates.voting_starts == local(tz, 2026, 5, 8)
        assert pool.dates.review_starts == cycle.review_starts
        # The cycle is voting from 1 May; this pool opens a week later.
        assert cycle.dates.voting_starts == local(tz, 2026, 5, 1)
        assert phase_at(cycle.dates, local(tz, 2026, 5, 3)) == Phase.VOTING
        assert pool.phase_at(local(tz, 2026, 5, 3)) == Phase.REVIEW
        assert pool.phase_at(just_before(local(tz, 2026, 5, 8))) == Phase.REVIEW
        assert pool.phase_at(local(tz, 2026, 5, 8)) == Phase.VOTING


def test_pool_phase_without_overrides_follows_cycle():
    cycle = _cycle(SOFIA)
    pool = Pool(cycle=cycle)
    assert pool.dates == cycle.dates
    assert pool.phase_at(local(SOFIA, 2026, 5, 1)) == Phase.VOTING
    assert pool.phase_at(just_before(local(SOFIA, 2026, 5, 1))) == Phase.REVIEW


def test_pool_support_override_adds_support_phase():
    cycle = _cycle(SOFIA)
    pool = Pool(cycle=cycle, support_starts=local(SOFIA, 2026, 4, 20))
    assert pool.phase_at(local(SOFIA, 2026, 4, 25)) == Phase.SUPPORT
    assert phase_at(cycle.dates, local(SOFIA, 2026, 4, 25)) == Phase.REVIEW


def test_pool_phase_and_voting_has_opened_use_the_clock():
    now = timezone.now()
    day = timedelta(days=1)
    cycle = Cycle(
        year=2026,
        submission_starts=now - 30 * day,
        review_starts=now - 20 * day,
        voting_starts=now + 10 * day,
        voting_ends=now + 20 * day,
        results_starts=now + 30 * day,
    )
    assert Pool(cycle=cycle).phase == Phase.REVIEW
    assert not Pool(cycle=cycle).voting_has_opened
    opened = Pool(cycle=cycle, voting_starts=now - day)
    assert opened.phase == Phase.VOTING
    assert opened.voting_has_opened
    assert [s.state for s in opened.timeline() if s.phase == Phase.VOTING] == ["current"]
