"""The proposals part of `manage.py demo_data`, and the default categories migration.

Sofia is loaded once for the module inside a transaction that is rolled back at the end;
generated images go to a temporary MEDIA_ROOT.
"""

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from budgets.models import Pool
from budgets.phases import Phase
from proposals.models import Category, Comment, Flag, Proposal, ProposalImage, Review, Status
from proposals.models import Support as SupportModel

pytestmark = pytest.mark.django_db

DEFAULT_SLUGS = {
    "parks",
    "streets",
    "sport-play",
    "culture",
    "education",
    "social",
    "environment",
    "accessibility",
}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(scope="module")
def sofia(django_db_setup, django_db_blocker, media_root):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            run("demo_data")
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def counts() -> dict:
    return {
        "proposals": Proposal.objects.count(),
        "reviews": Review.objects.count(),
        "comments": Comment.objects.count(),
        "flags": Flag.objects.count(),
        "supports": SupportModel.objects.count(),
        "images": ProposalImage.objects.count(),
        "categories": Category.objects.count(),
    }


def test_demo_proposals_twice_run_keeps_counts(sofia):
    first = counts()
    run("demo_data")
    assert counts() == first
    assert first["proposals"] > 150


def test_demo_proposals_in_every_status_of_the_phases(sofia):
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.CHANGES_REQUESTED,
        Status.FEASIBLE,
        Status.INFEASIBLE,
        Status.ON_BALLOT,
    } <= statuses
    assert Proposal.objects.filter(duplicate_of__isnull=False, status=Status.INFEASIBLE).exists()
    for pool in Pool.objects.select_related("cycle", "district"):
        in_pool = set(pool.proposals.values_list("status", flat=True))
        if pool.phase == Phase.SUBMISSION:
            assert in_pool == {Status.DRAFT, Status.SUBMITTED}, pool.district.slug
        elif pool.phase == Phase.REVIEW:
            assert {Status.UNDER_REVIEW, Status.CHANGES_REQUESTED, Status.FEASIBLE} <= in_pool
            assert Status.ON_BALLOT not in in_pool
        elif pool.phase == Phase.VOTING:
            assert Status.ON_BALLOT in in_pool and Status.DRAFT not in in_pool
        elif pool.phase == Phase.RESULTS:
            # Counted; selected / not selected once the council approved the report.
            outcome = {Status.ON_BALLOT, Status.SELECTED, Status.NOT_SELECTED}
            assert in_pool & outcome and Status.DRAFT not in in_pool


def test_demo_results_one_published_the_others_awaiting_the_council(sofia):
    from budgets.models import Report

    results = [p for p in Pool.objects.select_related("cycle") if p.phase == Phase.RESULTS]
    states = sorted(Report.objects.filter(pool__in=results).values_list("state", flat=True))
    assert states.count(Report.State.APPROVED) == 1
    assert states.count(Report.State.PENDING) == len(results) - 1 >= 1
    approved = Report.objects.get(state=Report.State.APPROVED)
    assert approved.files.count() == 3
    assert approved.pool.proposals.filter(status=Status.SELECTED).exists()


def test_demo_ballots_cost_more_than_the_pool(sofia):
    voting = [p for p in Pool.objects.select_related("cycle") if p.phase == Phase.VOTING]
    assert voting
    for pool in voting:
        on_ballot = list(pool.proposals.filter(status=Status.ON_BALLOT))
        assert 8 <= len(on_ballot) <= 12
        assert all(p.staff_cost and p.staff_cost <= pool.amount for p in on_ballot)
        assert sum(p.staff_cost for p in on_ballot) > pool.amount


def test_demo_history_matches_status(sofia):
    for proposal in Proposal.objects.prefetch_related("reviews"):
        reviews = list(proposal.reviews.all())
        if proposal.status == Status.DRAFT:
            assert reviews == [] and proposal.submitted_at is None
            continue
        assert reviews[0].action == Review.Action.SUBMIT
        assert reviews[-1].to_status == proposal.status
        for before, after in zip(reviews, reviews[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.created_at >= before.created_at
        for review in reviews:
            if review.action in ("mark_infeasible", "request_changes", "mark_feasible"):
                assert review.public_reason
    feasible = Proposal.objects.filter(status__in=[Status.FEASIBLE, Status.ON_BALLOT])
    assert not feasible.filter(staff_cost__isnull=True).exists()


def test_demo_texts_are_bulgarian_in_sofia(sofia):
    titles = list(
        Proposal.objects.filter(pool__district__slug="mladost").values_list("title", "body_html")
    )
    assert any("Младост" in title for title, _html in titles)
    assert any(any("а" <= ch <= "я" for ch in title) for title, _html in titles)
    assert all(html.startswith("<p>") for _title, html in titles)
    assert len({title for title, _html in Proposal.objects.values_list("title", "body")}) > 50


def test_demo_comments_supports_and_images(sofia):
    flagged = Comment.objects.annotate(n=Count("flags")).filter(n__gt=0)
    assert flagged.count() == 1
    assert Comment.objects.count() > 20
    supported = SupportModel.objects.values_list("proposal__pool", flat=True).distinct()
    assert len(supported) == 1
    pool = Pool.objects.select_related("cycle").get(pk=supported[0])
    assert pool.phase == Phase.SUPPORT
    assert SupportModel.objects.filter(proposal__status=Status.FEASIBLE).count() > 20
    images = list(ProposalImage.objects.all())
    assert 1 <= len(images) <= 6
    assert all(image.width == 800 and image.thumbnail.name for image in images)


def test_demo_kocaeli_is_turkish(media_root):
    run("demo_data", "--city", "kocaeli")
    titles = list(
        Proposal.objects.filter(pool__district__slug="izmit").values_list("title", flat=True)
    )
    assert titles and all("İzmit" in title for title in titles)
    costs = Proposal.objects.filter(pool__currency="TRY").values_list("author_cost", flat=True)
    assert min(costs) >= Decimal(10_000)


def test_default_categories_are_seeded_in_three_languages():
    categories = Category.objects.filter(slug__in=DEFAULT_SLUGS)
    assert set(categories.values_list("slug", flat=True)) == DEFAULT_SLUGS
    assert all(c.name_en and c.name_bg and c.name_tr for c in categories)


def test_default_categories_migration_is_idempotent_and_reversible():
    migration = importlib.import_module("proposals.migrations.0002_default_categories")
    Category.objects.filter(slug="parks").update(name_en="Parks (renamed by an admin)")
    migration.seed(apps, None)
    assert Category.objects.filter(slug__in=DEFAULT_SLUGS).count() == len(DEFAULT_SLUGS)
    assert Category.objects.get(slug="parks").name_en == "Parks (renamed by an admin)"
    from tests.proposals.factories import ProposalFactory

    ProposalFactory(category=Category.objects.get(slug="culture"))
    in_use = set(
        Category.objects.filter(slug__in=DEFAULT_SLUGS, proposals__isnull=False).values_list(
            "slug", flat=True
        )
    )
    migration.unseed(apps, None)
    # Categories in use stay (proposals protect them); the others go.
    remaining = set(Category.objects.filter(slug__in=DEFAULT_SLUGS).values_list("slug", flat=True))
    assert "culture" in remaining
    assert remaining == in_use
    migration.seed(apps, None)
    assert Category.objects.filter(slug__in=DEFAULT_SLUGS).count() == len(DEFAULT_SLUGS)
