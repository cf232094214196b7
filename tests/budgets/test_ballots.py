"""Casting ballots: method limits, eligibility, replacement, paper double entry, closing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.timezone import now

from budgets import services
from budgets.models import Ballot, BallotFreeze, BallotLine, PaperBallot, PaperEntry, Pool
from budgets.tally import pb
from tests.budgets.factories import make_voting_pool
from tests.factories import (
    CensusRecordFactory,
    DistrictFactory,
    UserFactory,
    make_resident,
    make_staff,
)
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _nothing_stored(pool: Pool) -> bool:
    return not Ballot.objects.filter(pool=pool).exists() and not BallotLine.objects.exists()


def _refused(pool, voter, choices, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        services.ballot_cast(pool=pool, voter=voter, choices=choices)
    assert _nothing_stored(pool)


# Approval -------------------------------------------------------------------------------


@pytest.fixture
def approval():
    return make_voting_pool(method="approval", min_choices=2, max_choices=3)


def test_approval_between_min_and_max_is_cast(approval):
    pool, items = approval
    voter = make_resident(pool.district)
    ballot = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    assert ballot.lines.count() == 2 and ballot.channel == "online"


@pytest.mark.parametrize("count", [0, 1, 4])
def test_approval_outside_limits_refused(approval, count):
    pool, items = approval
    choices = {item.pk: 1 for item in items[:count]}
    _refused(pool, make_resident(pool.district), choices, "at least 2|at most 3")


def test_approval_points_refused(approval):
    pool, items = approval
    choices = {items[0].pk: 2, items[1].pk: 1}
    _refused(pool, make_resident(pool.district), choices, "cannot get points")


# Knapsack -------------------------------------------------------------------------------


@pytest.fixture
def knapsack():
    # make_pool's budget gives a pool of 123,456; these costs sum to exactly that.
    return make_voting_pool(method="knapsack", costs=(100000, 23456, 1))


def test_knapsack_exactly_at_budget_is_cast(knapsack):
    pool, items = knapsack
    assert pool.amount == Decimal(123456)
    ballot = services.ballot_cast(
        pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1, items[1].pk: 1}
    )
    assert ballot.lines.count() == 2


def test_knapsack_one_unit_over_refused_with_the_overage(knapsack):
    pool, items = knapsack
    choices = {item.pk: 1 for item in items}
    _refused(pool, make_resident(pool.district), choices, "remove €1")


def test_knapsack_zero_picks_refused(knapsack):
    pool, _items = knapsack
    _refused(pool, make_resident(pool.district), {}, "at least 1")


def test_knapsack_cost_comes_from_the_database_not_the_form(knapsack):
    pool, items = knapsack
    items[2].staff_cost = Decimal(5)  # the district's estimate replaces the author's
    items[2].save()
    choices = {item.pk: 1 for item in items}
    _refused(pool, make_resident(pool.district), choices, "remove €5")


# Cumulative -----------------------------------------------------------------------------


@pytest.fixture
def cumulative():
    return make_voting_pool(method="cumulative", points_total=10, points_per_project=5)


def test_cumulative_at_most_total_is_cast(cumulative):
    pool, items = cumulative
    ballot = services.ballot_cast(
        pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 5, items[1].pk: 2}
    )
    assert sorted(ballot.lines.values_list("weight", flat=True)) == [2, 5]


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({0: 6}, "At most 5 points per project"),
        ({0: 5, 1: 5, 2: 1}, "remove 1"),
        ({}, "at least one point"),
    ],
)
def test_cumulative_limits_refused(cumulative, choices, message):
    pool, items = cumulative
    by_pk = {items[index].pk: weight for index, weight in choices.items()}
    _refused(pool, make_resident(pool.district), by_pk, message)


def test_cumulative_exact_needs_every_point():
    pool, items = make_voting_pool(method="cumulative", points_exact=True)
    voter = make_resident(pool.district)
    _refused(pool, voter, {items[0].pk: 5, items[1].pk: 4}, "still to give")
    services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 5, items[1].pk: 5})


# Forged ids, eligibility ----------------------------------------------------------------


def test_ids_from_another_pool_or_not_on_ballot_refused(approval):
    pool, items = approval
    other_pool, other_items = make_voting_pool()
    feasible = ProposalFactory(pool=pool, status="feasible")
    voter = make_resident(pool.district)
    for forged in (other_items[0].pk, feasible.pk, 987654321):
        _refused(pool, voter, {items[0].pk: 1, forged: 1}, "not on this ballot")


@pytest.mark.parametrize("phase", ["review", "tallying", "results"])
def test_wrong_phase_refused(phase):
    from tests.factories import make_pool

    pool = make_pool(phase=phase)
    _refused(pool, make_resident(pool.district), {}, "has not opened yet|has closed")


def test_wrong_district_unverified_and_too_young_refused(approval):
    pool, items = approval
    choices = {items[0].pk: 1, items[1].pk: 1}
    _refused(pool, make_resident(DistrictFactory()), choices, "residents of")
    _refused(pool, UserFactory(), choices, "Only verified residents")
    young = UserFactory()
    year = pool.dates.voting_ends.year
    CensusRecordFactory(
        district=pool.district, claimed_by=young, claimed_at=now(), birth_year=year - 15
    )
    _refused(pool, young, choices, "turn 16")
    sixteen = UserFactory()
    CensusRecordFactory(
        district=pool.district, claimed_by=sixteen, claimed_at=now(), birth_year=year - 16
    )
    assert services.ballot_cast(pool=pool, voter=sixteen, choices=choices)


# Replacement and receipts -----------------------------------------------------------------


def test_change_replaces_and_leaves_no_trace(approval, django_capture_on_commit_callbacks):
    pool, items = approval
    voter = make_resident(pool.district)
    first = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    old_receipt = first.receipt
    second = services.ballot_cast(pool=pool, voter=voter, choices={items[2].pk: 1, items[3].pk: 1})
    assert Ballot.objects.filter(pool=pool).count() == 1
    assert second.receipt != old_receipt
    assert not Ballot.objects.filter(receipt=old_receipt).exists()
    assert set(BallotLine.objects.values_list("proposal_id", flat=True)) == {
        items[2].pk,
        items[3].pk,
    }


def test_change_keeps_reweights_drops_and_adds_lines(cumulative):
    pool, items = cumulative
    voter = make_resident(pool.district)
    services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 3, items[1].pk: 2})
    second = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 5, items[2].pk: 4})
    lines = BallotLine.objects.filter(ballot__pool=pool)
    assert set(lines.values_list("ballot_id", "proposal_id", "weight")) == {
        (second.pk, items[0].pk, 5),
        (second.pk, items[2].pk, 4),
    }


@pytest.mark.usefixtures("require_postgres")
def test_the_cast_reads_the_ballot_and_its_costs_as_the_selector_does(knapsack):
    """On PostgreSQL the cast reads the projects on the ballot in its own statement: the same
    projects and costs as selectors.ballot_costs (hidden, withdrawn, district estimates)."""
    from budgets import selectors
    from budgets.services import voting
    from proposals.models import Status

    pool, items = knapsack
    items[0].staff_cost = Decimal(7000)
    items[0].save()
    items[1].status = Status.WITHDRAWN
    items[1].save()
    items[2].hidden_at, items[2].hidden_reason = now(), "spam"
    items[2].save()
    voter = make_resident(pool.district)
    with transaction.atomic():
        _record, _frozen, _paper, _existing, costs = voting._voter_state(pool=pool, voter=voter)
    assert costs == selectors.ballot_costs(pool=pool)
    assert costs == {items[0].pk: Decimal(7000), **{i.pk: i.author_cost for i in items[3:]}}


def test_receipt_is_emailed_after_commit_in_the_voters_language(
    approval, django_capture_on_commit_callbacks
):
    pool, items = approval
    voter = make_resident(pool.district, preferred_language="bg")
    with django_capture_on_commit_callbacks(execute=True):
        ballot = services.ballot_cast(
            pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1}
        )
    assert len(mail.outbox) == 1
    assert ballot.receipt in mail.outbox[0].body
    assert mail.outbox[0].to == [voter.email]
    assert "Your ballot" not in mail.outbox[0].subject  # written in Bulgarian


def test_receipt_subject_is_plain_text(approval, django_capture_on_commit_callbacks):
    """A subject is not HTML: a district named with an ampersand keeps it."""
    pool, items = approval
    type(pool.district).objects.filter(pk=pool.district_id).update(name_en="Ivan & Maria's")
    pool.district.refresh_from_db()
    voter = make_resident(pool.district)
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    assert "Your ballot in Ivan & Maria's is cast" in mail.outbox[0].subject


def test_superseded_receipt_is_not_emailed(approval):
    from budgets.tasks import ballot_receipts_email

    pool, items = approval
    voter = make_resident(pool.district)
    first = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    old = first.receipt
    services.ballot_cast(pool=pool, voter=voter, choices={items[2].pk: 1, items[3].pk: 1})
    assert ballot_receipts_email(items=[[first.pk, old]]) == 0
    assert mail.outbox == []


def test_a_sent_receipt_is_marked_and_not_sent_again(approval, django_capture_on_commit_callbacks):
    from budgets.tasks import ballot_receipts_email, ballot_receipts_relay

    pool, items = approval
    with django_capture_on_commit_callbacks(execute=True):
        ballot = services.ballot_cast(
            pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1, items[1].pk: 1}
        )
    ballot.refresh_from_db()
    assert len(mail.outbox) == 1 and not ballot.receipt_unsent
    assert ballot_receipts_email(items=[[ballot.pk, ballot.receipt]]) == 0  # a duplicate task
    assert ballot_receipts_relay() == 0 and ballot_receipts_relay() == 0
    assert len(mail.outbox) == 1


def test_one_batch_task_emails_many_receipts_over_one_connection(approval, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    from budgets import tasks

    pool, items = approval
    voters = [make_resident(pool.district) for _ in range(3)]
    ballots = [
        services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
        for voter in voters
    ]
    opened = []
    monkeypatch.setattr(EmailBackend, "open", lambda self: opened.append(self) or True)
    assert tasks.ballot_receipts_relay() == 3
    assert len(opened) == 1
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert len(mail.outbox) == 3
    for voter, ballot in zip(voters, ballots, strict=True):
        assert ballot.receipt in by_address[voter.email]
        assert Ballot.objects.get(pk=ballot.pk).receipt_unsent is False


def test_a_claimed_receipt_waits_for_its_lease_and_a_change_resets_it(approval):
    pool, items = approval
    voter = make_resident(pool.district)
    first = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    with transaction.atomic():
        assert services.receipts_claim() == [(first.pk, first.receipt)]
    # Claimed, its worker busy or lost: not claimed again before the lease runs out.
    assert services.receipts_claim() == []
    later = now() + services.voting.RECEIPT_LEASE + timedelta(seconds=1)
    assert services.receipts_claim(now=later) == [(first.pk, first.receipt)]
    # A change is a new version with a new receipt, claimable at once.
    second = services.ballot_cast(pool=pool, voter=voter, choices={items[2].pk: 1, items[3].pk: 1})
    assert services.receipts_claim() == [(first.pk, second.receipt)]


def test_the_relay_is_asked_once_a_second_per_process_however_many_vote(
    approval, django_capture_on_commit_callbacks, monkeypatch, request
):
    from budgets import tasks
    from civic import queue
    from civic.celery import app

    pool, items = approval
    asked = []
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    request.addfinalizer(lambda: setattr(app.conf, "task_always_eager", saved))
    monkeypatch.setattr(
        tasks.ballot_receipts_relay, "apply_async", lambda **options: asked.append(options)
    )
    clock = [1000.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    for step in (0.0, 0.3, 0.6):
        clock[0] += step
        with django_capture_on_commit_callbacks(execute=True):
            services.ballot_cast(
                pool=pool,
                voter=make_resident(pool.district),
                choices={items[0].pk: 1, items[1].pk: 1},
            )
    # Three casts within a second: one message, due two seconds later (after all three).
    assert asked == [{"countdown": 2.0, "retry": False}]
    clock[0] += 1.0
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(
            pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1, items[1].pk: 1}
        )
    assert len(asked) == 2
    assert mail.outbox == []  # nothing is sent by the request itself


def test_cast_stands_when_the_broker_is_down_and_the_relay_sends_the_receipt_later(
    approval, django_capture_on_commit_callbacks, broker_down
):
    from budgets import tasks

    pool, items = approval
    voter = make_resident(pool.district)
    with django_capture_on_commit_callbacks(execute=True):
        ballot = services.ballot_cast(
            pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1}
        )
    broker_down.up()
    ballot.refresh_from_db()
    assert ballot.receipt_unsent and ballot.receipt_queued_at is None and mail.outbox == []
    # Beat runs the relay every minute: it finds the receipt nobody queued.
    assert tasks.ballot_receipts_relay() == 1
    assert len(mail.outbox) == 1 and ballot.receipt in mail.outbox[0].body
    assert mail.outbox[0].to == [voter.email]
    ballot.refresh_from_db()
    assert not ballot.receipt_unsent
    assert tasks.ballot_receipts_relay() == 0 and len(mail.outbox) == 1


def test_a_refused_hand_over_is_claimed_again_after_the_lease(approval, broker_down):
    from budgets import tasks

    pool, items = approval
    ballot = services.ballot_cast(
        pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1, items[1].pk: 1}
    )
    with pytest.raises(Exception, match="Connection refused"):
        tasks.ballot_receipts_relay()
    ballot.refresh_from_db()
    assert ballot.receipt_unsent and ballot.receipt_queued_at is not None
    assert services.receipts_claim() == []
    later = now() + services.voting.RECEIPT_LEASE + timedelta(seconds=1)
    assert services.receipts_claim(now=later) == [(ballot.pk, ballot.receipt)]


def test_a_failed_receipt_email_stays_unsent_for_a_retry(approval, monkeypatch):
    from budgets import tasks

    pool, items = approval
    ballot = services.ballot_cast(
        pool=pool, voter=make_resident(pool.district), choices={items[0].pk: 1, items[1].pk: 1}
    )

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server refused the connection")

    monkeypatch.setattr(tasks, "send_mail", smtp_down)
    with pytest.raises(OSError):
        tasks.ballot_receipts_email.apply(
            kwargs={"items": [[ballot.pk, ballot.receipt]]}, throw=True, retries=5
        )
    ballot.refresh_from_db()
    assert ballot.receipt_unsent


def test_the_relay_leaves_replaced_frozen_and_paper_ballots_alone(approval):
    from budgets.tasks import ballot_receipts_relay

    pool, items = approval
    voter = make_resident(pool.district)
    first = services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1, items[1].pk: 1})
    old = first.receipt
    second = services.ballot_cast(pool=pool, voter=voter, choices={items[2].pk: 1, items[3].pk: 1})
    assert second.receipt != old
    assert list(Ballot.objects.filter(receipt_unsent=True).values_list("pk", "receipt")) == [
        (first.pk, second.receipt)
    ]
    CensusRecordFactory(district=pool.district, national_id="5550003333")
    for staff in (make_staff(pool.district), make_staff(pool.district)):
        services.paper_entry_record(
            pool=pool,
            staff=staff,
            national_id="5550003333",
            choices={items[0].pk: 1, items[1].pk: 1},
            booth="School 5",
        )
    assert not Ballot.objects.get(channel="paper").receipt_unsent
    _close(pool)
    services.ballots_freeze(pool=Pool.objects.get(pk=pool.pk))
    assert not Ballot.objects.filter(receipt_unsent=True).exists()
    assert services.receipts_claim() == []
    assert ballot_receipts_relay() == 0 and ballot_receipts_relay() == 0
    assert mail.outbox == []


def test_receipts_are_random_and_long():
    codes = {services.receipt_new() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 16 and code.isalnum() for code in codes)


# Paper ballots ----------------------------------------------------------------------------


@pytest.fixture
def paper_setup():
    pool, items = make_voting_pool(method="approval", min_choices=1, max_choices=3)
    record = CensusRecordFactory(district=pool.district, national_id="5550001111")
    first, second, third = (make_staff(pool.district) for _ in range(3))
    return pool, items, record, (first, second, third)


def _enter(pool, staff, choices, national_id="5550001111"):
    return services.paper_entry_record(
        pool=pool, staff=staff, national_id=national_id, choices=choices, booth="School 5"
    )


def test_paper_matching_pair_counts(paper_setup):
    pool, items, record, (first, second, _third) = paper_setup
    choices = {items[0].pk: 1, items[2].pk: 1}
    assert _enter(pool, first, choices).state == PaperBallot.State.AWAITING_SECOND
    assert not Ballot.objects.exists()
    paper = _enter(pool, second, choices)
    assert paper.state == PaperBallot.State.COUNTED
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.channel == "paper" and ballot.census_record == record
    assert set(ballot.lines.values_list("proposal_id", flat=True)) == set(choices)


def test_paper_mismatch_waits_for_a_third_entry(paper_setup):
    pool, items, _record, (first, second, third) = paper_setup
    _enter(pool, first, {items[0].pk: 1})
    assert _enter(pool, second, {items[1].pk: 1}).state == PaperBallot.State.MISMATCH
    assert not Ballot.objects.exists()
    assert _enter(pool, third, {items[1].pk: 1}).state == PaperBallot.State.COUNTED
    assert set(Ballot.objects.get().lines.values_list("proposal_id", flat=True)) == {items[1].pk}


def test_paper_same_staff_twice_refused(paper_setup):
    pool, items, _record, (first, _second, _third) = paper_setup
    _enter(pool, first, {items[0].pk: 1})
    with pytest.raises(ValidationError, match="another staff member"):
        _enter(pool, first, {items[0].pk: 1})
    assert PaperEntry.objects.count() == 1


def test_paper_unknown_or_foreign_voter_refused(paper_setup):
    pool, items, _record, (first, _second, _third) = paper_setup
    CensusRecordFactory(district=DistrictFactory(), national_id="5550002222")
    for national_id in ("5550009999", "5550002222"):
        with pytest.raises(ValidationError, match="has this national id"):
            _enter(pool, first, {items[0].pk: 1}, national_id=national_id)
    assert not PaperBallot.objects.exists()


def test_paper_and_online_conflict_holds_both_until_resolved(paper_setup):
    pool, items, record, (first, second, third) = paper_setup
    voter = UserFactory()
    record.claimed_by = voter
    record.claimed_at = record.imported_at
    record.save()
    services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1})
    _enter(pool, first, {items[1].pk: 1})
    paper = _enter(pool, second, {items[1].pk: 1})
    assert paper.state == PaperBallot.State.CONFLICT
    assert Ballot.objects.get(pool=pool).held  # neither counts
    with pytest.raises(ValidationError, match="being checked"):
        services.ballot_cast(pool=pool, voter=voter, choices={items[2].pk: 1})
    with pytest.raises(ValidationError, match="Say why"):
        services.paper_conflict_resolve(paper=paper, staff=third, keep="paper", note="  ")
    services.paper_conflict_resolve(paper=paper, staff=third, keep="paper", note="Voter asked")
    ballot = Ballot.objects.get(pool=pool)
    assert not ballot.held and ballot.channel == "paper"
    assert set(ballot.lines.values_list("proposal_id", flat=True)) == {items[1].pk}
    paper.refresh_from_db()
    assert paper.resolved_by == third and paper.state == PaperBallot.State.COUNTED


def test_conflict_resolved_for_online_keeps_the_online_ballot(paper_setup):
    pool, items, record, (first, second, third) = paper_setup
    voter = UserFactory()
    record.claimed_by, record.claimed_at = voter, record.imported_at
    record.save()
    services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1})
    _enter(pool, first, {items[1].pk: 1})
    paper = _enter(pool, second, {items[1].pk: 1})
    services.paper_conflict_resolve(paper=paper, staff=third, keep="online", note="Online later")
    ballot = Ballot.objects.get(pool=pool)
    assert not ballot.held and ballot.channel == "online"
    assert PaperBallot.objects.get().state == PaperBallot.State.DISCARDED


def test_online_vote_refused_once_a_paper_ballot_exists(paper_setup):
    pool, items, record, (first, _second, _third) = paper_setup
    voter = UserFactory()
    record.claimed_by, record.claimed_at = voter, record.imported_at
    record.save()
    _enter(pool, first, {items[1].pk: 1})
    with pytest.raises(ValidationError, match="paper ballot has been recorded"):
        services.ballot_cast(pool=pool, voter=voter, choices={items[0].pk: 1})


# Closing ------------------------------------------------------------------------------------


def _close(pool: Pool) -> None:
    """End the pool's voting now (voting_ends is not a locked setting; voting_starts is)."""
    from datetime import timedelta

    Pool.objects.filter(pk=pool.pk).update(
        voting_ends=pool.dates.voting_starts + timedelta(seconds=1)
    )


@pytest.fixture
def closed_pool(paper_setup):
    pool, items, record, (first, second, _third) = paper_setup
    voters = [make_resident(pool.district) for _ in range(3)]
    for voter, item in zip(voters, items, strict=False):
        services.ballot_cast(pool=pool, voter=voter, choices={item.pk: 1})
    # An unmatched paper ballot (one entry only) is not counted.
    _enter(pool, first, {items[0].pk: 1})
    _close(pool)
    pool.refresh_from_db()
    return pool, items


def test_freeze_twice_gives_one_freeze_and_digest(closed_pool):
    pool, _items = closed_pool
    first = services.ballots_freeze(pool=pool)
    second = services.ballots_freeze(pool=pool)
    assert first.pk == second.pk and BallotFreeze.objects.filter(pool=pool).count() == 1
    assert first.digest == pb.sha256_bytes(first.ballots_pb.encode("utf-8"))
    assert (first.online, first.paper, first.paper_unmatched) == (3, 0, 1)


def test_freeze_file_lists_receipts_and_cuts_voter_links(closed_pool):
    pool, _items = closed_pool
    receipts = set(Ballot.objects.filter(pool=pool).values_list("receipt", flat=True))
    freeze = services.ballots_freeze(pool=pool)
    election = pb.loads(freeze.ballots_pb)
    assert {vote.voter_id for vote in election.votes} == receipts
    assert not Ballot.objects.filter(pool=pool, census_record__isnull=False).exists()
    assert not PaperEntry.objects.filter(paper_ballot__pool=pool).exists()
    assert not PaperBallot.objects.filter(pool=pool, census_record__isnull=False).exists()


def test_freeze_refused_while_voting(approval):
    pool, _items = approval
    with pytest.raises(ValidationError, match="not closed"):
        services.ballots_freeze(pool=pool)


def test_frozen_ballots_and_freeze_cannot_change_in_the_database(closed_pool):
    pool, items = closed_pool
    freeze = services.ballots_freeze(pool=pool)
    ballot = Ballot.objects.filter(pool=pool).first()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Ballot.objects.filter(pk=ballot.pk).update(receipt="FORGED")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        BallotLine.objects.create(ballot=ballot, proposal=items[4], weight=1)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        BallotFreeze.objects.filter(pk=freeze.pk).update(digest="0" * 64)
    with pytest.raises(ValidationError, match="closed"):
        services.ballot_cast(pool=pool, voter=make_resident(pool.district), choices={})


def test_close_beat_twice_freezes_once(closed_pool):
    from budgets.tasks import pools_close_voting

    pool, _items = closed_pool
    pools_close_voting()
    pools_close_voting()
    assert BallotFreeze.objects.filter(pool=pool).count() == 1


# Reminders ----------------------------------------------------------------------------------


def test_reminder_recipients_and_round_once(approval, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    pool, items = approval

    def verified(user):
        assert EmailAddress.objects.filter(user=user, verified=True).exists()
        return user

    authors = [item.author for item in items]  # residents of the district, not voted yet
    waiting = verified(make_resident(pool.district))
    voted = verified(make_resident(pool.district))
    services.ballot_cast(pool=pool, voter=voted, choices={items[0].pk: 1, items[1].pk: 1})
    verified(make_resident(pool.district, voting_reminders=False))
    make_resident(pool.district, verified_email=False)
    verified(make_resident(DistrictFactory()))
    young = verified(UserFactory())
    CensusRecordFactory(
        district=pool.district,
        claimed_by=young,
        claimed_at=now(),
        birth_year=pool.dates.voting_ends.year - 10,
    )
    assert list(services.voting_reminder_recipients(pool=pool)) == [*authors, waiting]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.voting_reminder_start(pool=pool).recipients == len(authors) + 1
        assert services.voting_reminder_start(pool=pool) is None
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        user.email for user in [*authors, waiting]
    )


def test_the_cast_reads_the_census_record_in_the_models_field_order():
    from budgets.services.voting import _RECORD_FIELDS
    from districts.models import CensusRecord

    order = [f.attname for f in CensusRecord._meta.concrete_fields]
    assert [name for name in order if name in _RECORD_FIELDS] == _RECORD_FIELDS


# Reads of the resident's own ballot ------------------------------------------------------


def test_ballot_choices_of_reads_only_the_residents_own_ballot_in_this_pool():
    from budgets import selectors

    pool, items = make_voting_pool(method="cumulative")
    other_pool, other_items = make_voting_pool(method="cumulative", district=DistrictFactory())
    resident, neighbour = make_resident(pool.district), make_resident(pool.district)
    assert selectors.ballot_choices_of(pool=pool, user=resident) is None
    services.ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 3, items[2].pk: 1})
    services.ballot_cast(pool=pool, voter=neighbour, choices={items[1].pk: 2})
    services.ballot_cast(
        pool=other_pool, voter=make_resident(other_pool.district), choices={other_items[0].pk: 1}
    )
    assert selectors.ballot_choices_of(pool=pool, user=resident) == {
        items[0].pk: 3,
        items[2].pk: 1,
    }
    assert selectors.ballot_choices_of(pool=pool, user=neighbour) == {items[1].pk: 2}
    assert selectors.ballot_choices_of(pool=other_pool, user=resident) is None
    assert selectors.ballot_choices_of(pool=pool, user=UserFactory()) is None


def test_ballot_choices_of_a_ballot_without_lines_is_empty_not_none():
    from budgets import selectors

    pool, items = make_voting_pool(method="approval")
    resident = make_resident(pool.district)
    ballot = services.ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 1})
    BallotLine.objects.filter(ballot_id=ballot.pk).delete()
    assert selectors.ballot_choices_of(pool=pool, user=resident) == {}


def test_voter_record_equals_the_orm_and_is_none_without_a_claim():
    from budgets import selectors
    from districts.models import CensusRecord

    district = DistrictFactory()
    resident = make_resident(district)
    got = selectors.voter_record(user=resident)
    expected = CensusRecord.objects.get(claimed_by=resident)
    for field in CensusRecord._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert selectors.voter_record(user=UserFactory()) is None
