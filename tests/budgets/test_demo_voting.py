"""`make demo`: a demo resident can vote in each of the three ballot methods."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from budgets.methods import BallotSpec, summarise
from budgets.models import Ballot, Pool
from budgets.phases import Phase
from budgets.selectors import ballot_costs
from civic.accounts.models import User
from districts.models import Assembly

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sofia(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("demo_data", stdout=io.StringIO(), stderr=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _valid_choices(pool: Pool) -> dict[int, int]:
    """The cheapest projects, one point or one pick each, until the ballot can be cast."""
    spec = BallotSpec.of(pool)
    costs = ballot_costs(pool=pool)
    choices: dict[int, int] = {}
    for pid in sorted(costs, key=costs.get):
        choices[pid] = 1
        if spec.uses_points and spec.points_exact:
            continue
        if summarise(spec, costs, choices).castable:
            return choices
    raise AssertionError(f"no castable ballot in {pool}")


@pytest.mark.parametrize("method", ["approval", "knapsack", "cumulative"])
def test_demo_resident_votes_in_each_method(sofia, client, method):
    pools = [
        pool
        for pool in Pool.objects.filter(method=method).select_related("cycle", "district")
        if pool.phase == Phase.VOTING
    ]
    assert pools, f"the demo city has no {method} pool in voting"
    pool = pools[0]
    resident = User.objects.get(email=f"resident1@{pool.district.slug}.civic.test")
    client.force_login(resident)
    page = client.get(f"/vote/{pool.pk}/")
    assert page.status_code == 200
    choices = _valid_choices(pool)
    if method == "cumulative":
        data = {f"points-{pid}": str(weight) for pid, weight in choices.items()}
    else:
        data = {"choice": [str(pid) for pid in choices]}
    review = client.post(f"/vote/{pool.pk}/", {**data, "action": "review"})
    assert review.status_code == 200
    assert Ballot.objects.filter(pool=pool).count() == 0
    cast = client.post(f"/vote/{pool.pk}/", {**data, "action": "confirm"})
    assert cast.status_code == 302
    receipt = client.get(cast.url)
    assert b"receipt-code" in receipt.content
    ballot = Ballot.objects.get(pool=pool, census_record__claimed_by=resident)
    assert {line.proposal_id: line.weight for line in ballot.lines.all()} == choices


def test_demo_districts_have_assemblies_for_paper_ballots(sofia):
    voting = [p for p in Pool.objects.select_related("cycle") if p.phase == Phase.VOTING]
    for pool in voting:
        assert Assembly.objects.filter(district=pool.district).count() == 2
