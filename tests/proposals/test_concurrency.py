"""Parallel requests on PostgreSQL: unique supports, the per-pool submission limit, rate limits.

Each test starts N threads that wait at a barrier and then call the service at once, each on
its own database connection (closed at the end, so the test database can be dropped).
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from proposals import services
from proposals.models import Category, Comment, Proposal, Status, Support
from tests.factories import make_pool, make_resident
from tests.parallel import in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgres")]

THREADS = 20


def make_proposal(pool, *, author, status=Status.SUBMITTED) -> Proposal:
    category, _ = Category.objects.get_or_create(slug="parks", defaults={"name_en": "Parks"})
    return Proposal.objects.create(
        pool=pool,
        author=author,
        status=status,
        title="Benches",
        summary="Benches by the pond.",
        body="Benches.",
        body_html="<p>Benches.</p>",
        category=category,
        author_cost=Decimal("8000"),
        submitted_at=None if status == Status.DRAFT else timezone.now(),
    )


@pytest.fixture
def pool():
    return make_pool(phase="submission")


def test_support_add_parallel_same_user_keeps_one_row(pool):
    proposal = make_proposal(pool, author=make_resident(pool.district))
    supporter = make_resident(pool.district)

    results, errors = in_parallel(
        THREADS, lambda _i: services.support_add(proposal=proposal, user=supporter)
    )

    assert errors == []
    assert Support.objects.filter(proposal=proposal, user=supporter).count() == 1
    assert {support.pk for support in results} == {Support.objects.get().pk}


def test_support_add_parallel_different_users_keeps_every_row(pool):
    proposal = make_proposal(pool, author=make_resident(pool.district))
    supporters = [make_resident(pool.district) for _ in range(THREADS)]

    _results, errors = in_parallel(
        THREADS, lambda i: services.support_add(proposal=proposal, user=supporters[i])
    )

    assert errors == []
    assert set(Support.objects.values_list("user", flat=True)) == {u.pk for u in supporters}


def test_proposal_submit_parallel_never_exceeds_the_limit(pool):
    author = make_resident(pool.district)
    drafts = [make_proposal(pool, author=author, status=Status.DRAFT) for _ in range(8)]

    _results, errors = in_parallel(
        len(drafts), lambda i: services.proposal_submit(proposal=drafts[i], actor=author)
    )

    assert Counter(type(e) for e in errors) == {ValidationError: 3}, errors
    assert all(e.code == "limit" for e in errors)
    assert Proposal.objects.filter(author=author, status=Status.SUBMITTED).count() == 5
    assert Proposal.objects.filter(author=author, submitted_at__isnull=False).count() == 5


def test_proposal_create_and_submit_parallel_never_exceeds_the_limit(pool):
    author = make_resident(pool.district)
    category, _ = Category.objects.get_or_create(slug="parks", defaults={"name_en": "Parks"})

    def create(i: int) -> Proposal:
        return services.proposal_create(
            pool=pool,
            author=author,
            submit=True,
            title=f"Idea {i}",
            summary="Summary.",
            body="Body.",
            category=category,
            author_cost=Decimal("1000"),
        )

    _results, errors = in_parallel(10, create)

    assert Counter(type(e) for e in errors) == {ValidationError: 5}, errors
    assert Proposal.objects.filter(author=author).count() == 5  # refused ones leave no draft
    assert Proposal.objects.filter(author=author, status=Status.SUBMITTED).count() == 5


def test_comment_post_parallel_keeps_the_rate_limit(pool):
    proposal = make_proposal(pool, author=make_resident(pool.district))
    commenter = make_resident(pool.district)

    _results, errors = in_parallel(
        15,
        lambda i: services.comment_post(proposal=proposal, author=commenter, body=f"#{i}"),
    )

    assert Counter(type(e) for e in errors) == {ValidationError: 5}, errors
    assert Comment.objects.filter(author=commenter).count() == 10
