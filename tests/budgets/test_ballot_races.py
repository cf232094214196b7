"""Parallel ballots on PostgreSQL: one ballot per resident, no lost ballots, no lost lines.

PostgreSQL allows 100 connections here and the other test worker may run a race test of
its own at the same time, so 40 threads, each on its own connection and released together
at a barrier, send the submissions between them (100 by one resident; 200 residents).
"""

import pytest
from django.core.exceptions import ValidationError

from budgets import services
from budgets.models import Ballot, BallotLine
from tests.budgets.factories import make_voting_pool
from tests.factories import make_resident
from tests.parallel import in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgres")]

THREADS = 40


def test_100_parallel_submissions_by_one_resident_leave_one_ballot():
    pool, items = make_voting_pool(method="approval", min_choices=1, max_choices=2)
    voter = make_resident(pool.district)

    def cast(i: int) -> list[str]:
        receipts = []
        for k in range(i, 100, THREADS):
            choice = items[k % len(items)].pk
            receipts.append(
                services.ballot_cast(pool=pool, voter=voter, choices={choice: 1}).receipt
            )
        return receipts

    results, errors = in_parallel(THREADS, cast)
    assert errors == []
    receipts = [receipt for result in results for receipt in result]
    assert len(receipts) == 100 and len(set(receipts)) == 100
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.receipt in receipts  # the last one written wins, whole
    assert BallotLine.objects.filter(ballot__pool=pool).count() == 1


def test_200_residents_in_parallel_leave_200_ballots():
    pool, items = make_voting_pool(method="knapsack")
    voters = [make_resident(pool.district) for _ in range(200)]

    def cast(i: int) -> int:
        mine = voters[i::THREADS]
        for voter in mine:
            services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
        return len(mine)

    results, errors = in_parallel(THREADS, cast)
    assert errors == [] and sum(results) == 200
    assert Ballot.objects.filter(pool=pool).count() == 200
    assert BallotLine.objects.filter(ballot__pool=pool).count() == 400
    assert Ballot.objects.filter(pool=pool).values("census_record").distinct().count() == 200


def test_parallel_invalid_ballots_store_nothing():
    pool, items = make_voting_pool(method="knapsack", costs=(100000, 30000))
    voter = make_resident(pool.district)
    everything = {item.pk: 1 for item in items}  # over the pool

    def cast(_i: int) -> None:
        with pytest.raises(ValidationError):
            services.ballot_cast(pool=pool, voter=voter, choices=everything)

    _results, errors = in_parallel(10, cast)
    assert errors == []
    assert not Ballot.objects.filter(pool=pool).exists()


def test_cast_racing_the_close_is_either_in_the_freeze_or_refused():
    """Closing locks the pool FOR UPDATE; casts hold it FOR SHARE, so none slips between."""
    from datetime import timedelta

    from budgets.models import BallotFreeze, Pool
    from budgets.tally import pb

    pool, items = make_voting_pool(method="approval", min_choices=1)
    voters = [make_resident(pool.district) for _ in range(THREADS - 1)]

    def work(i: int):
        if i == 0:
            Pool.objects.filter(pk=pool.pk).update(
                voting_ends=pool.dates.voting_starts + timedelta(seconds=1)
            )
            return services.ballots_freeze(pool=pool)
        try:
            return services.ballot_cast(pool=pool, voter=voters[i - 1], choices={items[0].pk: 1})
        except ValidationError:
            return None

    results, errors = in_parallel(THREADS, work)
    assert errors == []
    freeze = BallotFreeze.objects.get(pool=pool)
    counted = {vote.voter_id for vote in pb.loads(freeze.ballots_pb).votes}
    stored = set(Ballot.objects.filter(pool=pool).values_list("receipt", flat=True))
    assert counted == stored  # no ballot stored after the digest was taken


def test_parallel_relays_claim_each_receipt_once():
    import time

    from django.db import transaction

    from budgets.services import voting

    pool, items = make_voting_pool(method="knapsack")
    ballots = [
        services.ballot_cast(
            pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1}
        )
        for _ in range(60)
    ]
    # The casts' own (eager) relay sent them: make all 60 wait again, as after an outage.
    Ballot.objects.filter(pool=pool).update(receipt_unsent=True, receipt_queued_at=None)

    def relay(i: int) -> list[tuple[int, str]]:
        claimed = []
        while True:
            with transaction.atomic():
                batch = voting.receipts_claim(limit=4)
                time.sleep(0.01)  # hold the rows while the others claim
            if not batch:
                return claimed
            claimed += batch

    results, errors = in_parallel(6, relay)
    assert errors == []
    claimed = [item for result in results for item in result]
    assert sorted(claimed) == sorted((ballot.pk, ballot.receipt) for ballot in ballots)
    assert sum(1 for result in results if result) > 1  # they did run side by side
