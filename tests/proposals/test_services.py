"""Status transitions and the other writes of proposals/services.py, allowed and refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from budgets.models import Pool
from proposals import services
from proposals.models import Category, Comment, Flag, Proposal, Review, Status, Support
from tests.factories import make_pool, make_resident, make_staff, phase_dates

pytestmark = pytest.mark.django_db

Action = Review.Action
DAY = timedelta(days=1)


# --- helpers (tests/proposals/factories.py did not exist when this was written) ----------


def make_category() -> Category:
    category, _ = Category.objects.get_or_create(slug="parks", defaults={"name_en": "Parks"})
    return category


def proposal_fields(**overrides) -> dict:
    """Valid author fields for `proposal_create` / `proposal_update`."""
    return {
        "title": "Benches by the pond",
        "summary": "Four benches along the path around the pond.",
        "body": "The path has **no benches** at all.",
        "category": make_category(),
        "author_cost": Decimal("8000"),
        **overrides,
    }


def make_proposal(pool: Pool, *, author=None, status: str = Status.SUBMITTED, **fields) -> Proposal:
    """A proposal stored directly in `status`; the services are what the tests exercise."""
    values = {
        "title": "Benches by the pond",
        "summary": "Four benches along the path around the pond.",
        "body": "The path has **no benches** at all.",
        "body_html": "<p>The path has <strong>no benches</strong> at all.</p>",
        "category": make_category(),
        "author_cost": Decimal("8000"),
        "submitted_at": None if status == Status.DRAFT else timezone.now(),
        **fields,
    }
    author = author or make_resident(pool.district)
    return Proposal.objects.create(pool=pool, author=author, status=status, **values)


def support_pool(*, phase: str = "voting", **fields) -> Pool:
    """A pool with a support phase (between review and voting), now in `phase`."""
    dates = phase_dates(phase="voting" if phase == "voting" else "review")
    if phase == "voting":
        support_starts = dates["voting_starts"] - 5 * DAY
    else:  # support: review began a day ago, support an hour ago
        support_starts = timezone.now() - timedelta(hours=1)
    return make_pool(**dates, support_starts=support_starts, **fields)


def add_supports(proposal: Proposal, n: int) -> None:
    Support.objects.bulk_create(
        Support(proposal=proposal, user=make_resident(proposal.pool.district)) for _ in range(n)
    )


def assert_untouched(proposal: Proposal, status: str, reviews: int = 0) -> None:
    proposal.refresh_from_db()
    assert proposal.status == status
    assert proposal.reviews.count() == reviews


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def pool() -> Pool:
    return make_pool(phase="submission")


@pytest.fixture
def author(pool):
    return make_resident(pool.district)


@pytest.fixture
def review_pool() -> Pool:
    return make_pool(phase="review")


@pytest.fixture
def reviewer(review_pool):
    return make_staff(review_pool.district)


# --- create / submit -----------------------------------------------------------------------


def test_proposal_create_saves_a_draft_with_rendered_body(pool, author):
    proposal = services.proposal_create(pool=pool, author=author, **proposal_fields())

    assert proposal.status == Status.DRAFT
    assert proposal.submitted_at is None
    assert proposal.body_html == "<p>The path has <strong>no benches</strong> at all.</p>"
    assert proposal.reviews.count() == 0


def test_proposal_submit_draft_sets_submitted_at_and_writes_review(pool, author):
    draft = services.proposal_create(pool=pool, author=author, **proposal_fields())
    before = timezone.now()

    proposal = services.proposal_submit(proposal=draft, actor=author)

    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert before <= proposal.submitted_at <= timezone.now()
    review = proposal.reviews.get()
    assert (review.actor, review.action) == (author, Action.SUBMIT)
    assert (review.from_status, review.to_status) == (Status.DRAFT, Status.SUBMITTED)


def test_proposal_create_with_submit_submits_at_once(pool, author):
    proposal = services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())

    assert proposal.status == Status.SUBMITTED
    assert proposal.submitted_at is not None


@pytest.mark.parametrize("phase", ["draft", "review", "voting", "results"])
def test_proposal_submit_refused_outside_submission_phase(phase):
    pool = make_pool(phase=phase)
    draft = make_proposal(pool, status=Status.DRAFT)

    with pytest.raises(ValidationError):
        services.proposal_submit(proposal=draft, actor=draft.author)

    assert_untouched(draft, Status.DRAFT)
    assert Proposal.objects.get(pk=draft.pk).submitted_at is None


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.FEASIBLE])
def test_proposal_submit_refused_when_not_draft_or_returned(pool, status):
    proposal = make_proposal(pool, status=status)

    with pytest.raises(ValidationError):
        services.proposal_submit(proposal=proposal, actor=proposal.author)

    assert_untouched(proposal, status)


def test_proposal_submit_sixth_in_pool_refused_with_message(pool, author):
    for _ in range(5):
        services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())
    sixth = services.proposal_create(pool=pool, author=author, **proposal_fields())

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_submit(proposal=sixth, actor=author)

    assert excinfo.value.code == "limit"
    assert "at most 5 proposals" in excinfo.value.messages[0]
    assert_untouched(sixth, Status.DRAFT)
    assert Proposal.objects.filter(pool=pool, author=author, status=Status.SUBMITTED).count() == 5


def test_proposal_create_with_submit_beyond_limit_saves_nothing(pool, author):
    for _ in range(5):
        services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())

    with pytest.raises(ValidationError):
        services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())

    assert Proposal.objects.filter(pool=pool, author=author).count() == 5


def test_proposal_submit_limit_counts_per_pool_and_per_author(pool, author):
    other_pool = make_pool(phase="submission")
    for _ in range(5):
        make_proposal(other_pool, author=author)
    neighbour = make_resident(pool.district)
    for _ in range(5):
        make_proposal(pool, author=neighbour)

    proposal = services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())

    assert proposal.status == Status.SUBMITTED


def test_proposal_submit_limit_follows_setting(settings, pool, author):
    settings.CIVIC_MAX_PROPOSALS_PER_POOL = 2
    for _ in range(2):
        services.proposal_create(pool=pool, author=author, submit=True, **proposal_fields())
    third = services.proposal_create(pool=pool, author=author, **proposal_fields())

    with pytest.raises(ValidationError, match="at most 2 proposals"):
        services.proposal_submit(proposal=third, actor=author)


# --- edit ----------------------------------------------------------------------------------


def test_proposal_update_draft_changes_fields_without_review(pool, author):
    draft = make_proposal(pool, author=author, status=Status.DRAFT)

    services.proposal_update(
        proposal=draft, actor=author, title="Shady benches", body="Under the *lime trees*."
    )

    draft.refresh_from_db()
    assert draft.title == "Shady benches"
    assert draft.body_html == "<p>Under the <em>lime trees</em>.</p>"
    assert draft.reviews.count() == 0


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.CHANGES_REQUESTED])
def test_proposal_update_submitted_or_returned_writes_edit_review(pool, author, status):
    proposal = make_proposal(pool, author=author, status=status)

    services.proposal_update(proposal=proposal, actor=author, summary="Six benches instead.")

    proposal.refresh_from_db()
    assert proposal.summary == "Six benches instead."
    assert proposal.status == status
    review = proposal.reviews.get()
    assert (review.actor, review.action) == (author, Action.EDIT)
    assert (review.from_status, review.to_status) == (status, status)


@pytest.mark.parametrize(
    "status",
    [
        Status.UNDER_REVIEW,
        Status.FEASIBLE,
        Status.INFEASIBLE,
        Status.WITHDRAWN,
        Status.ON_BALLOT,
        Status.SELECTED,
        Status.COMPLETED,
    ],
)
def test_proposal_update_refused_once_review_started(pool, author, status):
    proposal = make_proposal(pool, author=author, status=status)

    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, actor=author, title="Sneaky change")

    assert_untouched(proposal, status)
    assert Proposal.objects.get(pk=proposal.pk).title == "Benches by the pond"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("summary", ""),
        ("body", "\x00\u202e"),
        ("author_cost", Decimal("0")),
        ("author_cost", Decimal("-5")),
        ("author_cost", Decimal("123457")),  # the pool holds 123456
    ],
)
def test_proposal_update_invalid_field_refused(pool, author, field, value):
    assert pool.amount == Decimal("123456")
    draft = make_proposal(pool, author=author, status=Status.DRAFT)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_update(proposal=draft, actor=author, **{field: value})

    assert field in excinfo.value.message_dict
    draft.refresh_from_db()
    assert draft.title == "Benches by the pond"
    assert draft.author_cost == Decimal("8000")


# --- resubmit ------------------------------------------------------------------------------


def test_proposal_resubmit_after_changes_requested(review_pool, reviewer):
    proposal = make_proposal(review_pool)
    first_submitted_at = proposal.submitted_at
    services.proposal_review(
        proposal=proposal,
        actor=reviewer,
        action=Action.REQUEST_CHANGES,
        public_reason="Please add where exactly the benches go.",
    )
    services.proposal_update(proposal=proposal, actor=proposal.author, address="North shore")

    services.proposal_submit(proposal=proposal, actor=proposal.author)

    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert proposal.submitted_at == first_submitted_at
    last = proposal.reviews.order_by("-id").first()
    assert (last.action, last.from_status, last.to_status) == (
        Action.SUBMIT,
        Status.CHANGES_REQUESTED,
        Status.SUBMITTED,
    )


def test_proposal_resubmit_not_blocked_by_the_limit(pool, author):
    for _ in range(4):
        make_proposal(pool, author=author)
    returned = make_proposal(pool, author=author, status=Status.CHANGES_REQUESTED)

    services.proposal_submit(proposal=returned, actor=author)

    assert Proposal.objects.get(pk=returned.pk).status == Status.SUBMITTED


def test_proposal_resubmit_refused_once_voting_opened():
    pool = make_pool(phase="voting")
    returned = make_proposal(pool, status=Status.CHANGES_REQUESTED)

    with pytest.raises(ValidationError):
        services.proposal_submit(proposal=returned, actor=returned.author)

    assert_untouched(returned, Status.CHANGES_REQUESTED)


# --- withdraw ------------------------------------------------------------------------------


def test_proposal_withdraw_draft_deletes_it(pool, author):
    draft = make_proposal(pool, author=author, status=Status.DRAFT)

    services.proposal_withdraw(proposal=draft, actor=author)

    assert not Proposal.objects.filter(pk=draft.pk).exists()
    assert not Review.objects.filter(proposal_id=draft.pk).exists()


@pytest.mark.parametrize(
    "status",
    [Status.SUBMITTED, Status.UNDER_REVIEW, Status.CHANGES_REQUESTED, Status.FEASIBLE],
)
def test_proposal_withdraw_later_status_becomes_withdrawn_with_review(pool, author, status):
    proposal = make_proposal(pool, author=author, status=status)

    services.proposal_withdraw(proposal=proposal, actor=author, reason="Moving away.")

    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    review = proposal.reviews.get()
    assert (review.actor, review.action) == (author, Action.WITHDRAW)
    assert (review.from_status, review.to_status) == (status, Status.WITHDRAWN)
    assert review.public_reason == "Moving away."


@pytest.mark.parametrize(
    "status", [Status.ON_BALLOT, Status.SELECTED, Status.INFEASIBLE, Status.WITHDRAWN]
)
def test_proposal_withdraw_refused_on_ballot_and_later(pool, author, status):
    proposal = make_proposal(pool, author=author, status=status)

    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=proposal, actor=author)

    assert_untouched(proposal, status)


# --- staff review --------------------------------------------------------------------------

NOTE = "Checked with the parks department."
TRANSITIONS = [
    (Action.START_REVIEW, Status.SUBMITTED, Status.UNDER_REVIEW, {}),
    (
        Action.REQUEST_CHANGES,
        Status.UNDER_REVIEW,
        Status.CHANGES_REQUESTED,
        {"public_reason": "Add a sketch."},
    ),
    (
        Action.REQUEST_CHANGES,
        Status.SUBMITTED,
        Status.CHANGES_REQUESTED,
        {"public_reason": "Add a sketch."},
    ),
    (
        Action.MARK_FEASIBLE,
        Status.UNDER_REVIEW,
        Status.FEASIBLE,
        {"public_reason": "Fits the park plan.", "staff_cost": Decimal("9500")},
    ),
    (
        Action.MARK_INFEASIBLE,
        Status.UNDER_REVIEW,
        Status.INFEASIBLE,
        {"public_reason": "The land is private."},
    ),
    (
        Action.MARK_INFEASIBLE,
        Status.FEASIBLE,
        Status.INFEASIBLE,
        {"public_reason": "The land turned out to be private."},
    ),
    (
        Action.MARK_DUPLICATE,
        Status.SUBMITTED,
        Status.INFEASIBLE,
        {"public_reason": "Same benches as the other proposal."},
    ),
]


@pytest.mark.parametrize(("action", "source", "target", "kwargs"), TRANSITIONS)
def test_proposal_review_writes_exactly_one_review(
    review_pool, reviewer, django_capture_on_commit_callbacks, action, source, target, kwargs
):
    proposal = make_proposal(review_pool, status=source)
    if action == Action.MARK_DUPLICATE:
        kwargs = {**kwargs, "duplicate_of": make_proposal(review_pool)}
    reviews_before = Review.objects.count()

    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_review(
            proposal=proposal, actor=reviewer, action=action, internal_note=NOTE, **kwargs
        )

    proposal.refresh_from_db()
    assert proposal.status == target
    assert Review.objects.count() == reviews_before + 1
    review = proposal.reviews.get()
    assert review.actor == reviewer
    assert review.action == action
    assert (review.from_status, review.to_status) == (source, target)
    assert review.public_reason == kwargs.get("public_reason", "")
    assert review.internal_note == NOTE
    assert len(callbacks) == 1  # the author's e-mail, sent once the transaction commits


def test_proposal_review_start_review_refused_twice(review_pool, reviewer):
    proposal = make_proposal(review_pool, status=Status.UNDER_REVIEW)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_review(proposal=proposal, actor=reviewer, action=Action.START_REVIEW)

    assert excinfo.value.code == "status"
    assert_untouched(proposal, Status.UNDER_REVIEW)


@pytest.mark.parametrize("reason", ["", "   ", "\x00\u202e\u2066"])
def test_proposal_review_request_changes_needs_reason(review_pool, reviewer, reason):
    proposal = make_proposal(review_pool, status=Status.UNDER_REVIEW)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_review(
            proposal=proposal,
            actor=reviewer,
            action=Action.REQUEST_CHANGES,
            public_reason=reason,
        )

    assert "public_reason" in excinfo.value.message_dict
    assert_untouched(proposal, Status.UNDER_REVIEW)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"public_reason": "Fine."}, "staff_cost"),
        ({"public_reason": "Fine.", "staff_cost": Decimal("0")}, "staff_cost"),
        ({"public_reason": "Fine.", "staff_cost": Decimal("-100")}, "staff_cost"),
        ({"public_reason": "Fine.", "staff_cost": Decimal("123457")}, "staff_cost"),
        ({"staff_cost": Decimal("9000")}, "public_reason"),
    ],
)
def test_proposal_review_mark_feasible_refused_without_valid_cost_or_note(
    review_pool, reviewer, kwargs, field
):
    proposal = make_proposal(review_pool, status=Status.UNDER_REVIEW)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_review(
            proposal=proposal, actor=reviewer, action=Action.MARK_FEASIBLE, **kwargs
        )

    assert field in excinfo.value.message_dict
    assert_untouched(proposal, Status.UNDER_REVIEW)
    assert Proposal.objects.get(pk=proposal.pk).staff_cost is None


def test_proposal_review_mark_feasible_accepts_the_whole_pool(review_pool, reviewer):
    proposal = make_proposal(review_pool, status=Status.UNDER_REVIEW)

    services.proposal_review(
        proposal=proposal,
        actor=reviewer,
        action=Action.MARK_FEASIBLE,
        public_reason="Costly but fits.",
        staff_cost=review_pool.amount,
    )

    proposal.refresh_from_db()
    assert proposal.staff_cost == review_pool.amount
    assert proposal.cost == review_pool.amount


def test_proposal_review_mark_infeasible_without_reason_changes_nothing(
    review_pool, reviewer, django_capture_on_commit_callbacks
):
    proposal = make_proposal(review_pool, status=Status.UNDER_REVIEW)
    updated_at = proposal.updated_at

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as excinfo,
    ):
        services.proposal_review(
            proposal=proposal,
            actor=reviewer,
            action=Action.MARK_INFEASIBLE,
            internal_note="Forgot the reason",
        )

    assert "public_reason" in excinfo.value.message_dict
    assert_untouched(proposal, Status.UNDER_REVIEW)
    assert Proposal.objects.get(pk=proposal.pk).updated_at == updated_at
    assert not Review.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_proposal_review_mark_duplicate_default_reason_names_the_original(review_pool, reviewer):
    original = make_proposal(review_pool, title="Benches around the pond")
    proposal = make_proposal(review_pool)

    services.proposal_review(
        proposal=proposal, actor=reviewer, action=Action.MARK_DUPLICATE, duplicate_of=original
    )

    proposal.refresh_from_db()
    assert proposal.status == Status.INFEASIBLE
    assert proposal.duplicate_of == original
    reason = proposal.reviews.get().public_reason
    assert f"#{original.pk}" in reason
    assert "Benches around the pond" in reason


def test_proposal_review_mark_duplicate_needs_another_proposal_of_the_pool(review_pool, reviewer):
    proposal = make_proposal(review_pool)
    elsewhere = make_proposal(make_pool(phase="review"))

    for duplicate_of in (None, proposal, elsewhere):
        with pytest.raises(ValidationError) as excinfo:
            services.proposal_review(
                proposal=proposal,
                actor=reviewer,
                action=Action.MARK_DUPLICATE,
                duplicate_of=duplicate_of,
                public_reason="Duplicate.",
            )
        assert "duplicate_of" in excinfo.value.message_dict

    assert_untouched(proposal, Status.SUBMITTED)
    assert Proposal.objects.get(pk=proposal.pk).duplicate_of is None


def test_proposal_review_mark_duplicate_of_a_draft_refused(review_pool, reviewer):
    """A draft is private to its author: naming it in a public reason would leak it."""
    draft = make_proposal(review_pool, status=Status.DRAFT, title="My secret draft")
    proposal = make_proposal(review_pool)

    with pytest.raises(ValidationError):
        services.proposal_review(
            proposal=proposal, actor=reviewer, action=Action.MARK_DUPLICATE, duplicate_of=draft
        )

    assert_untouched(proposal, Status.SUBMITTED)


@pytest.mark.parametrize("action", ["approve", "", "withdraw", Action.PUT_ON_BALLOT, Action.HIDE])
def test_proposal_review_unknown_action_refused(review_pool, reviewer, action):
    proposal = make_proposal(review_pool)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_review(
            proposal=proposal, actor=reviewer, action=action, public_reason="Because."
        )

    assert excinfo.value.code == "action"
    assert_untouched(proposal, Status.SUBMITTED)


@pytest.mark.parametrize("phase", ["voting", "tallying", "results"])
def test_proposal_review_refused_once_voting_opened(reviewer, phase):
    pool = make_pool(phase=phase)
    proposal = make_proposal(pool, status=Status.UNDER_REVIEW)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_review(
            proposal=proposal,
            actor=reviewer,
            action=Action.MARK_INFEASIBLE,
            public_reason="Too late.",
        )

    assert excinfo.value.code == "phase"
    assert_untouched(proposal, Status.UNDER_REVIEW)


def test_proposal_review_allowed_in_support_phase():
    pool = support_pool(phase="support")
    assert pool.phase == "support"
    proposal = make_proposal(pool, status=Status.FEASIBLE)

    services.proposal_review(
        proposal=proposal,
        actor=make_staff(pool.district),
        action=Action.MARK_INFEASIBLE,
        public_reason="The site was sold.",
    )

    assert Proposal.objects.get(pk=proposal.pk).status == Status.INFEASIBLE


def test_author_actions_do_not_notify(pool, author, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = services.proposal_create(
            pool=pool, author=author, submit=True, **proposal_fields()
        )
        services.proposal_update(proposal=proposal, actor=author, title="New title")

    assert callbacks == []


# --- hide ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  \n ", "\u202e\x00"])
def test_proposal_hide_needs_reason(review_pool, reviewer, reason):
    proposal = make_proposal(review_pool)

    with pytest.raises(ValidationError) as excinfo:
        services.proposal_hide(proposal=proposal, actor=reviewer, reason=reason)

    assert "reason" in excinfo.value.message_dict
    proposal.refresh_from_db()
    assert proposal.hidden_at is None
    assert proposal.reviews.count() == 0


def test_proposal_hide_records_reason_and_keeps_status(review_pool, reviewer):
    proposal = make_proposal(review_pool)

    services.proposal_hide(proposal=proposal, actor=reviewer, reason="Insults a neighbour.")

    proposal.refresh_from_db()
    assert proposal.is_hidden
    assert proposal.hidden_reason == "Insults a neighbour."
    assert proposal.status == Status.SUBMITTED
    review = proposal.reviews.get()
    # The reason reaches the author with the proposal, not the public history.
    assert (review.actor, review.action, review.public_reason, review.internal_note) == (
        reviewer,
        Action.HIDE,
        "",
        "Insults a neighbour.",
    )


# --- comments ------------------------------------------------------------------------------


@pytest.fixture
def proposal(pool):
    return make_proposal(pool)


@pytest.fixture
def commenter(pool):
    return make_resident(pool.district)


def test_comment_post_saves_comment_and_reply(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Good idea!")
    reply = services.comment_post(
        proposal=proposal, author=proposal.author, body="Thanks.", parent=comment
    )

    assert reply.parent == comment
    assert list(proposal.comments.order_by("id")) == [comment, reply]


@pytest.mark.parametrize("body", ["", "   \n\t", "\x00\x01\u202e\u2069"])
def test_comment_post_empty_refused(proposal, commenter, body):
    with pytest.raises(ValidationError) as excinfo:
        services.comment_post(proposal=proposal, author=commenter, body=body)

    assert "body" in excinfo.value.message_dict
    assert not Comment.objects.exists()


def test_comment_post_reply_to_a_reply_refused(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Good idea!")
    reply = services.comment_post(proposal=proposal, author=commenter, body="Yes.", parent=comment)

    with pytest.raises(ValidationError) as excinfo:
        services.comment_post(proposal=proposal, author=commenter, body="Deep.", parent=reply)

    assert "parent" in excinfo.value.message_dict
    assert Comment.objects.count() == 2


def test_comment_post_reply_to_another_proposals_comment_refused(pool, proposal, commenter):
    other = make_proposal(pool)
    foreign = services.comment_post(proposal=other, author=commenter, body="Elsewhere.")

    with pytest.raises(ValidationError) as excinfo:
        services.comment_post(proposal=proposal, author=commenter, body="Hi.", parent=foreign)

    assert "parent" in excinfo.value.message_dict
    assert not proposal.comments.exists()


def test_comment_post_eleventh_within_ten_minutes_refused(pool, proposal, commenter):
    other = make_proposal(pool)
    for n in range(10):
        services.comment_post(proposal=(proposal, other)[n % 2], author=commenter, body=f"#{n}")

    with pytest.raises(ValidationError) as excinfo:
        services.comment_post(proposal=proposal, author=commenter, body="One more.")

    assert excinfo.value.code == "rate"
    assert Comment.objects.filter(author=commenter).count() == 10
    # Someone else is not held back by this author's pace.
    services.comment_post(proposal=proposal, author=proposal.author, body="Reply.")


def test_comment_post_limit_frees_up_after_the_window(proposal, commenter):
    for n in range(10):
        services.comment_post(proposal=proposal, author=commenter, body=f"#{n}")
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=11))

    services.comment_post(proposal=proposal, author=commenter, body="Later.")

    assert Comment.objects.filter(author=commenter).count() == 11


def test_comment_post_limit_follows_settings(settings, proposal, commenter):
    settings.CIVIC_MAX_COMMENTS_PER_WINDOW = 3
    settings.CIVIC_COMMENT_WINDOW_MINUTES = 60
    for n in range(3):
        services.comment_post(proposal=proposal, author=commenter, body=f"#{n}")
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=30))

    with pytest.raises(ValidationError):
        services.comment_post(proposal=proposal, author=commenter, body="Fourth.")


def test_comment_flag_twice_keeps_one_flag(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Rude words.")
    reader = make_resident(proposal.pool.district)

    first = services.comment_flag(comment=comment, user=reader, reason="Rude")
    second = services.comment_flag(comment=comment, user=reader, reason="Really rude")

    assert first.pk == second.pk
    assert Flag.objects.filter(comment=comment).count() == 1
    assert Flag.objects.get().reason == "Rude"


def test_comment_hide_resolves_flags(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Rude words.")
    for _ in range(2):
        services.comment_flag(comment=comment, user=make_resident(proposal.pool.district))
    moderator = make_staff(proposal.pool.district)

    services.comment_hide(comment=comment, actor=moderator, reason="Insulting.")

    comment.refresh_from_db()
    assert comment.is_hidden
    assert (comment.hidden_by, comment.hidden_reason) == (moderator, "Insulting.")
    assert not comment.flags.filter(resolved_at__isnull=True).exists()
    assert comment.flags.count() == 2


def test_comment_hide_needs_reason(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Rude words.")
    services.comment_flag(comment=comment, user=proposal.author)

    with pytest.raises(ValidationError):
        services.comment_hide(comment=comment, actor=make_staff(proposal.pool.district), reason=" ")

    comment.refresh_from_db()
    assert not comment.is_hidden
    assert comment.flags.filter(resolved_at__isnull=True).count() == 1


def test_comment_flags_dismiss_keeps_comment(proposal, commenter):
    comment = services.comment_post(proposal=proposal, author=commenter, body="Blunt.")
    services.comment_flag(comment=comment, user=proposal.author)

    assert services.comment_flags_dismiss(comment=comment) == 1

    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not comment.flags.filter(resolved_at__isnull=True).exists()


# --- supports ------------------------------------------------------------------------------


def test_support_add_twice_keeps_one_support(proposal, commenter):
    first = services.support_add(proposal=proposal, user=commenter)
    second = services.support_add(proposal=proposal, user=commenter)

    assert first.pk == second.pk
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_support_remove_takes_support_back(proposal, commenter):
    services.support_add(proposal=proposal, user=commenter)
    other = make_resident(proposal.pool.district)
    services.support_add(proposal=proposal, user=other)

    services.support_remove(proposal=proposal, user=commenter)
    services.support_remove(proposal=proposal, user=commenter)  # a second click is harmless

    assert list(Support.objects.values_list("user", flat=True)) == [other.pk]


# --- ballot composition --------------------------------------------------------------------


def test_pool_ballot_compose_without_support_phase_takes_all_feasible():
    pool = make_pool(phase="voting")
    feasible = [make_proposal(pool, status=Status.FEASIBLE) for _ in range(2)]
    hidden = make_proposal(
        pool, status=Status.FEASIBLE, hidden_at=timezone.now(), hidden_reason="Abuse."
    )
    others = [
        make_proposal(pool, status=status)
        for status in (Status.INFEASIBLE, Status.SUBMITTED, Status.WITHDRAWN)
    ]
    elsewhere = make_proposal(make_pool(phase="voting"), status=Status.FEASIBLE)

    chosen = services.pool_ballot_compose(pool=pool)

    assert {p.pk for p in chosen} == {p.pk for p in feasible}
    for proposal in feasible:
        proposal.refresh_from_db()
        assert proposal.status == Status.ON_BALLOT
        review = proposal.reviews.get()
        assert review.action == Action.PUT_ON_BALLOT
        assert (review.from_status, review.to_status) == (Status.FEASIBLE, Status.ON_BALLOT)
        assert review.actor is None
    for proposal in [hidden, *others, elsewhere]:
        status = proposal.status
        assert_untouched(proposal, status)


def test_pool_ballot_compose_with_support_threshold_takes_those_reaching_it():
    pool = support_pool(support_threshold=3)
    assert pool.phase == "voting"
    counts = {"five": 5, "three": 3, "two": 2, "none": 0}
    proposals = {name: make_proposal(pool, status=Status.FEASIBLE) for name in counts}
    for name, n in counts.items():
        add_supports(proposals[name], n)

    chosen = services.pool_ballot_compose(pool=pool)

    assert {p.pk for p in chosen} == {proposals["five"].pk, proposals["three"].pk}
    statuses = dict(Proposal.objects.filter(pool=pool).values_list("pk", "status"))
    assert statuses[proposals["two"].pk] == Status.FEASIBLE
    assert statuses[proposals["none"].pk] == Status.FEASIBLE
    assert Review.objects.filter(action=Action.PUT_ON_BALLOT).count() == 2


def test_pool_ballot_compose_with_support_top_n_takes_the_most_supported():
    pool = support_pool(support_top_n=2)
    counts = [1, 4, 3, 0]
    proposals = [make_proposal(pool, status=Status.FEASIBLE) for _ in counts]
    for proposal, n in zip(proposals, counts, strict=True):
        add_supports(proposal, n)

    chosen = services.pool_ballot_compose(pool=pool)

    assert [p.pk for p in chosen] == [proposals[1].pk, proposals[2].pk]
    assert Proposal.objects.filter(pool=pool, status=Status.ON_BALLOT).count() == 2


def test_pool_ballot_compose_below_threshold_moves_nothing():
    pool = support_pool(support_threshold=2)
    proposal = make_proposal(pool, status=Status.FEASIBLE)
    add_supports(proposal, 1)

    assert services.pool_ballot_compose(pool=pool) == []
    assert_untouched(proposal, Status.FEASIBLE)


def test_pool_ballot_compose_second_call_moves_nothing():
    pool = make_pool(phase="voting")
    for _ in range(3):
        make_proposal(pool, status=Status.FEASIBLE)
    assert len(services.pool_ballot_compose(pool=pool)) == 3
    late = make_proposal(pool, status=Status.FEASIBLE)

    assert services.pool_ballot_compose(pool=pool) == []

    assert Proposal.objects.filter(pool=pool, status=Status.ON_BALLOT).count() == 3
    assert Review.objects.filter(action=Action.PUT_ON_BALLOT).count() == 3
    assert_untouched(late, Status.FEASIBLE)
