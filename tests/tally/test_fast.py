"""The compiled Add1 scan against a plain step-by-step loop of exact MES runs.

The scan skips steps it proves cannot change the outcome, hands the steps its floats cannot
settle back to the exact engine, and splits long scans between threads. None of that may change
which step stops pabutools' loop: each is checked here against the loop written out plainly.
"""

from fractions import Fraction
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.tally import Options, fast, make_profile, tally
from budgets.tally import equal_shares as mes_engine
from budgets.tally import reference as pabutools
from budgets.tally.rules import _exhaustive

from .helpers import shared_profile


@st.composite
def elections(draw):
    """Few voters and costs large next to the budget share: Add1 needs many steps."""
    projects = draw(st.integers(2, 7))
    costs = draw(st.lists(st.integers(1, 250), min_size=projects, max_size=projects))
    budget = draw(st.integers(40, 400))
    ballots = draw(
        st.lists(
            st.lists(st.integers(0, projects - 1), unique=True, min_size=1, max_size=projects),
            min_size=2,
            max_size=9,
        )
    )
    return [f"p{i}" for i in range(projects)], costs, budget, ballots


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plain_loop(profile, options):
    """pabutools' loop: one exact run per step until the outcome overspends or is exhaustive."""
    inst = mes_engine.Instance(profile, options)
    start = Fraction(profile.budget, profile.num_voters)
    previous, step = None, 0
    while True:
        run = mes_engine.run(inst, start + step * profile.unit, exact=True)
        chosen = inst.free + run.winners
        spent = sum(profile.costs[p] for p in chosen)
        if spent > profile.budget:
            return previous
        previous = step
        if _exhaustive(profile, inst, chosen, spent):
            return previous
        step += 1


def doubting(scan):
    """The scan, but every step divisible by 3 it starts at is declared too close to call."""

    def wrapped(data, start, unit, budget, first, last, exhaustive, max_steps):
        if first % 3 == 0:
            return fast.DOUBT, first, 1
        return scan(data, start, unit, budget, first, last, exhaustive, max_steps)

    return wrapped


@SETTINGS
@given(elections())
def test_scan_stops_where_the_plain_loop_stops(election):
    profile = make_profile(*election)
    expected = plain_loop(profile, Options())
    assert tally(profile, "mes-add1").increments == expected


@SETTINGS
@given(elections())
def test_doubtful_steps_run_exactly_and_change_nothing(election):
    profile = make_profile(*election)
    before = tally(profile, "mes-add1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast, "scan", doubting(fast.scan))
        after = tally(profile, "mes-add1")
    assert (after.increments, after.selected) == (before.increments, before.selected)


@SETTINGS
@given(elections(), st.integers(2, 5))
def test_threads_find_the_same_first_stop(election, threads):
    profile = make_profile(*election)
    before = tally(profile, "mes-add1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast, "SPLIT_FROM", 8)  # split even these short scans
        patch.setattr(fast, "first_stop", partial(fast.first_stop, threads=threads))
        after = tally(profile, "mes-add1")
    assert (after.increments, after.selected) == (before.increments, before.selected)


def test_threads_on_a_real_election_with_thousands_of_steps(monkeypatch):
    profile = shared_profile("Hungary_Budapest_2023_VIII_Jozsefvaros.pb")
    alone = partial(fast.first_stop, threads=1)
    monkeypatch.setattr(fast, "first_stop", alone)
    one = tally(profile, "mes-add1")
    monkeypatch.setattr(fast, "first_stop", partial(alone.func, threads=3))
    three = tally(profile, "mes-add1")
    assert one.increments > fast.SPLIT_FROM
    assert (three.increments, three.selected) == (one.increments, one.selected)


def test_overspend_variant_split_between_threads_matches_pabutools(monkeypatch):
    # The "overspend" variant stops at a fixed last step when nothing overspends before it.
    ids, costs, budget, ballots = ["a", "b", "c"], [90, 30, 45], 100, [[0], [0, 1], [2], [1, 2]]
    instance, pb_profile = pabutools.build(ids, costs, budget, ballots)
    expected = pabutools.select(instance, pb_profile, "mes-add1", add1_stop="overspend")
    monkeypatch.setattr(fast, "SPLIT_FROM", 8)
    monkeypatch.setattr(fast, "first_stop", partial(fast.first_stop, threads=2))
    result = tally(
        make_profile(ids, costs, budget, ballots), "mes-add1", Options(add1_stop="overspend")
    )
    assert sorted(result.selected) == expected


def test_warm_up_compiles_and_scans():
    fast.warm_up()
    profile = make_profile(["a", "b"], [5, 7], 9, [[0], [1], [0, 1]])
    inst = mes_engine.Instance(profile, Options())
    data = fast.arrays(profile, inst.active, inst.ranks)
    code, step, runs = fast.scan(data, Fraction(3), 1, 9, 0, None, True, 100)
    assert runs >= 1
    assert code in (fast.OVER, fast.EXHAUSTIVE)
    assert (step - 1 if code == fast.OVER else step) == plain_loop(profile, Options())
    assert fast.winners(data, Fraction(3)) == mes_engine.run(inst, Fraction(3)).winners
