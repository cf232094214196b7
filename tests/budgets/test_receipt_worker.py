"""Receipt e-mails through Redis and a real worker, as in production: the casts ask for the
relay (one message for many casts), the relay claims the receipts and a batch task sends them."""

import time

import pytest
from django.core import mail

from budgets import services, tasks
from budgets.models import Ballot
from tests.budgets.factories import make_voting_pool
from tests.factories import make_resident

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("require_postgres")]


def test_receipts_of_many_casts_reach_the_voters_through_one_relay(celery_worker, monkeypatch):
    pool, items = make_voting_pool(method="knapsack")
    voters = [make_resident(pool.district) for _ in range(5)]
    asked = []
    publish = tasks.ballot_receipts_relay.apply_async

    def counted(*args, **kwargs):
        asked.append(kwargs)
        return publish(*args, **kwargs)

    monkeypatch.setattr(tasks.ballot_receipts_relay, "apply_async", counted)
    ballots = [
        services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1}) for voter in voters
    ]
    assert mail.outbox == []  # the requests only asked for the relay
    deadline = time.monotonic() + 30
    while len(mail.outbox) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert asked == [{"countdown": 2.0, "retry": False}]
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 5
    for voter, ballot in zip(voters, ballots, strict=True):
        assert ballot.receipt in by_address[voter.email]
    assert not Ballot.objects.filter(pool=pool, receipt_unsent=True).exists()
