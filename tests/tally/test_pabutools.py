"""The engine selects exactly what pabutools 1.2.3 selects on the shared pabulib files."""

import pytest

from budgets.tally import RULES, tally
from budgets.tally import reference as pabutools

from .helpers import PABULIB, SHARED_FILES, expected, shared_profile

# Files whose every rule pabutools runs in a few seconds: compared live.
LIVE = [
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2020_Grabowka.pb",
    "Switzerland_Zurich_D10.pb",
]


def _recorded():
    for name in SHARED_FILES:
        for rule in RULES:
            if rule in expected().get(name, {}):
                yield pytest.param(name, rule, id=f"{name[:-3]}-{rule}")


@pytest.mark.parametrize(("name", "rule"), list(_recorded()))
def test_selected_equals_recorded_pabutools(name, rule):
    result = tally(shared_profile(name), rule)
    assert sorted(result.selected) == expected()[name][rule]["selected"]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", LIVE)
def test_selected_equals_live_pabutools(name, rule):
    instance, profile = pabutools.load_file(str(PABULIB / name))
    assert sorted(tally(shared_profile(name), rule).selected) == pabutools.select(
        instance, profile, rule
    )


@pytest.mark.parametrize("name", LIVE)
def test_greedy_completion_of_recorded_add1_is_pabutools_add1_greedy(name):
    """Recorded mes-add1-greedy entries marked "from" were derived this way."""
    instance, profile = pabutools.load_file(str(PABULIB / name), multiprofile=True)
    add1 = pabutools.select(instance, profile, "mes-add1")
    assert pabutools.complete(instance, profile, add1) == pabutools.select(
        instance, profile, "mes-add1-greedy"
    )


@pytest.mark.parametrize("name", LIVE)
def test_stepwise_add1_is_pabutools_add1(name):
    """Recorded mes-add1 entries marked "stepwise" were made this way."""
    instance, profile = pabutools.load_file(str(PABULIB / name), multiprofile=True)
    assert pabutools.mes_add1_stepwise(instance, profile) == pabutools.select(
        instance, profile, "mes-add1"
    )
