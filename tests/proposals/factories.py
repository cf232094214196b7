"""factory_boy factories for the proposals app (shared by its tests)."""

from decimal import Decimal

import factory
from django.utils import timezone

from proposals.models import Category, Comment, Flag, Proposal, Review, Status
from proposals.text import render_markdown
from tests.factories import UserFactory, make_pool, make_resident


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"test-category-{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_bg = factory.Sequence(lambda n: f"Категория {n}")
    name_tr = factory.Sequence(lambda n: f"Kategori {n}")
    position = 100


class ProposalFactory(factory.django.DjangoModelFactory):
    """A submitted proposal by a verified resident of the pool's district.

    Pass `pool=` to put it in an existing pool (else a new submission-phase pool is made),
    `status=` for another status (`submitted_at` is cleared for drafts).
    """

    class Meta:
        model = Proposal

    pool = factory.LazyFunction(make_pool)
    author = factory.LazyAttribute(lambda o: make_resident(o.pool.district))
    title = factory.Sequence(lambda n: f"Proposal {n}: a bench by the playground")
    summary = "A few benches and a shade tree next to the playground."
    body = "The playground has **no shade** and nowhere to sit.\n\n- three benches\n- one tree"
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    category = factory.SubFactory(CategoryFactory)
    author_cost = Decimal("5000")
    status = Status.SUBMITTED
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.status == Status.DRAFT else timezone.now()
    )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    proposal = factory.SubFactory(ProposalFactory)
    actor = None
    action = Review.Action.SUBMIT
    from_status = Status.DRAFT
    to_status = Status.SUBMITTED


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    proposal = factory.SubFactory(ProposalFactory)
    author = factory.LazyAttribute(lambda o: make_resident(o.proposal.pool.district))
    body = factory.Sequence(lambda n: f"Comment {n}: I walk past there every day.")


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(UserFactory)
    reason = "Insulting"
