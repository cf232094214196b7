"""The reported MES run: winners from the compiled run, worked out exactly by `replay`.

It must be the exact engine's run in every detail the report shows: winners in order, exact
prices, the round each other project was found unaffordable, its supporters' money at the end.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.tally import Options, fast, make_profile, tally
from budgets.tally import equal_shares as mes_engine
from budgets.tally.rules import _final

from .helpers import SHARED_FILES, shared_profile


def assert_same_run(got, want):
    assert got.winners == want.winners
    assert got.prices == want.prices
    assert got.dropped == want.dropped
    assert np.allclose(got.money_left, want.money_left, rtol=1e-12, atol=0)


def compare(profile, options, voter_budget):
    inst = mes_engine.Instance(profile, options)
    data = fast.arrays(profile, inst.active, inst.ranks)
    want = mes_engine.run(inst, voter_budget, exact=True)
    assert_same_run(_final(inst, data, voter_budget), want)
    return fast.winners(data, voter_budget)


@st.composite
def elections(draw):
    """Small costs and few distinct ballots: ties, shared prices and poor voters are common."""
    projects = draw(st.integers(1, 7))
    costs = draw(st.lists(st.integers(1, 60), min_size=projects, max_size=projects))
    ballots = draw(
        st.lists(
            st.lists(st.integers(0, projects - 1), unique=True, min_size=1, max_size=projects),
            min_size=1,
            max_size=12,
        )
    )
    budget = draw(st.integers(1, 200))
    extra = draw(st.integers(0, 40))
    tie_break = draw(st.sampled_from(["lexico", "fewer-cost", "lot"]))
    return [f"p{i}" for i in range(projects)], costs, budget, ballots, extra, tie_break


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_replay_is_the_exact_run(election):
    ids, costs, budget, ballots, extra, tie_break = election
    profile = make_profile(ids, costs, budget, ballots)
    options = Options(tie_break=tie_break, seed=7)
    compare(profile, options, Fraction(budget, len(ballots)) + extra)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_replay_is_the_exact_run_on_shared_files(name):
    profile = shared_profile(name)
    start = Fraction(profile.budget, profile.num_voters)
    increments = tally(profile, "mes-add1").increments or 0
    for voter_budget in (start, start + increments * profile.unit):
        assert compare(profile, Options(), voter_budget) is not None  # the compiled run answered


def test_the_exact_engine_runs_when_the_compiled_run_is_in_doubt(monkeypatch):
    profile = shared_profile("Netherlands_Amsterdam_252.pb")
    before = tally(profile, "mes")
    monkeypatch.setattr(fast, "winners", lambda data, voter_budget: None)
    after = tally(profile, "mes")
    assert after == before


def test_a_winner_that_cannot_pay_is_refused():
    profile = make_profile(["a", "b"], [10, 90], 20, [[0], [1]])
    inst = mes_engine.Instance(profile, Options())
    with pytest.raises(ValueError, match="unaffordable|cannot win"):
        mes_engine.replay(inst, Fraction(10), [1])
