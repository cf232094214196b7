from fractions import Fraction

import pytest

from budgets.tally import Options, make_profile, tally
from budgets.tally.result import (
    BELOW_THRESHOLD,
    COMPLETION,
    DOES_NOT_FIT,
    NO_SUPPORT,
    NOT_REACHED,
    UNAFFORDABLE,
)


def profile(costs, budget, ballots, points=None):
    return make_profile([str(i) for i in range(len(costs))], costs, budget, ballots, points)


def test_greedy_skips_what_no_longer_fits():
    result = tally(profile([60, 50, 30], 100, [[0], [0], [0], [1], [1], [2]]), "greedy")
    assert result.selected == ("0", "2")
    assert result.projects[1].status == DOES_NOT_FIT and result.projects[1].budget_left == 40
    assert result.total_cost == 90


def test_greedy_no_skip_stops_at_first_misfit():
    result = tally(
        profile([60, 50, 30], 100, [[0], [0], [0], [1], [1], [2]]), "greedy", Options(no_skip=True)
    )
    assert result.selected == ("0",)
    assert [p.status for p in result.projects[1:]] == [DOES_NOT_FIT, NOT_REACHED]


def test_greedy_points_ranks_by_points():
    p = profile([50, 50], 50, [[0], [1], [1]], points=[[10], [1], [1]])
    assert tally(p, "greedy").selected == ("1",)
    assert tally(p, "greedy", Options(points=True)).selected == ("0",)


def test_min_votes_excludes_first():
    p = profile([10, 10], 100, [[0], [0], [1]])
    result = tally(p, "greedy", Options(min_votes=2))
    assert result.selected == ("0",)
    assert result.projects[1].status == BELOW_THRESHOLD


@pytest.mark.parametrize(
    ("tie_break", "seed", "winner"),
    [("lexico", None, "10"), ("fewer-cost", None, "9")],
)
def test_tie_breaks(tie_break, seed, winner):
    p = make_profile(["9", "10"], [55, 60], 100, [[0, 1], [0, 1]])
    assert tally(p, "greedy", Options(tie_break=tie_break, seed=seed)).selected == (winner,)
    assert tally(p, "mes", Options(tie_break=tie_break, seed=seed)).selected == (winner,)


def test_lot_tie_break_is_deterministic_and_seeded():
    p = make_profile([str(i) for i in range(8)], [10] * 8, 10, [[i] for i in range(8)])
    draws = {tally(p, "greedy", Options(tie_break="lot", seed=s)).selected for s in "abcdefgh"}
    assert len(draws) > 1
    again = tally(p, "greedy", Options(tie_break="lot", seed="a")).selected
    assert again == tally(p, "greedy", Options(tie_break="lot", seed="a")).selected


def test_options_are_validated():
    with pytest.raises(ValueError, match="needs a seed"):
        Options(tie_break="lot")
    with pytest.raises(ValueError, match="tie_break"):
        Options(tie_break="coin")
    with pytest.raises(ValueError, match="unknown rule"):
        tally(profile([1], 1, [[0]]), "borda")


def test_mes_explains_every_project():
    # 4 voters, 25 each. Project 0 (cost 40, 3 supporters) costs them 40/3 each; project 1
    # (cost 60, voter 3 only) is then out of reach; project 2 has no votes.
    p = profile([40, 60, 10], 100, [[0], [0], [0, 1], [1]])
    result = tally(p, "mes")
    first, second, third = result.projects
    assert result.selected == ("0",) and result.voter_budget == 25
    assert first.round == 1 and first.price == Fraction(40, 3) and first.effective_support == 3
    assert second.status == UNAFFORDABLE and second.supporters_money == pytest.approx(25 + 35 / 3)
    assert second.dropped_round == 1
    assert third.status == NO_SUPPORT


def test_mes_add1_raises_voter_budget_until_exhaustive():
    p = profile([40, 60, 10], 100, [[0], [0], [0, 1], [1]])
    result = tally(p, "mes-add1")
    assert result.selected == ("0", "1")
    # Project 1 needs 2 * budget - 40/3 >= 60: a budget of 37, 12 units over the start of 25.
    assert result.increments == 12 and result.voter_budget == 37
    completed = tally(p, "mes-add1-greedy")
    assert completed.selected == ("0", "1")


def test_mes_add1_greedy_completes_with_what_mes_cannot_fund():
    # MES stops at {0, 2} (nothing it could fund still fits); project 3 has no votes, so only
    # the greedy completion can take it.
    p = profile([40, 60, 30, 5], 100, [[0], [0], [0], [1], [2]])
    assert tally(p, "mes-add1").selected == ("0", "2")
    result = tally(p, "mes-add1-greedy")
    assert result.selected == ("0", "2", "3")
    assert result.projects[3].status == COMPLETION and result.projects[3].round == 3


def test_fractional_costs_are_exact():
    p = make_profile(["a", "b"], [Fraction(1, 2), Fraction(3, 4)], Fraction(5, 4), [[0], [1]])
    result = tally(p, "greedy")
    assert result.selected == ("a", "b") and result.total_cost == Fraction(5, 4)


def test_as_dict_is_json_friendly():
    import json

    result = tally(profile([40, 60], 100, [[0], [1]]), "mes")
    assert json.loads(json.dumps(result.as_dict()))["rule"] == "mes"
