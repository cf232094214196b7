"""District staff pages of the proposals app: review queue, review decisions, hiding, moderation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from proposals.models import Comment, Flag, Proposal, Review, Status
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)
from tests.proposals.factories import (
    CategoryFactory,
    CommentFactory,
    FlagFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

Action = Review.Action
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pool_a():
    return make_pool(phase="review", district=DistrictFactory(slug="alpha", name_en="Alpha"))


@pytest.fixture
def pool_b():
    return make_pool(phase="review", district=DistrictFactory(slug="beta", name_en="Beta"))


@pytest.fixture
def proposal(pool_a):
    return ProposalFactory(pool=pool_a, title="Benches for the park")


@pytest.fixture
def flagged_comment(proposal):
    comment = CommentFactory(proposal=proposal, body="You are all fools.")
    FlagFactory(comment=comment, reason="Insulting")
    FlagFactory(comment=comment, reason="Rude to neighbours")
    return comment


@pytest.fixture
def staff(pool_a):
    return make_staff(pool_a.district, display_name="Ana Staff")


# Permission matrix ------------------------------------------------------------------------------

ROLES = {
    "anonymous": (lambda a, b: None, "login"),
    "resident": (lambda a, b: make_resident(a.district), 403),
    "resident_other": (lambda a, b: make_resident(b.district), 403),
    "unverified": (lambda a, b: UserFactory(), 403),
    "staff": (lambda a, b: make_staff(a.district), "ok"),
    "staff_other": (lambda a, b: make_staff(b.district), 403),
    "council": (lambda a, b: make_council(), 403),
    "city_admin": (lambda a, b: make_city_admin(), "ok"),
}

VIEWS = {
    # name: (method, url kwargs maker, status when allowed)
    "staff_queue": ("get", lambda p, c: {"slug": "alpha"}, 200),
    "staff_review": ("get", lambda p, c: {"slug": "alpha", "pk": p.pk}, 200),
    "staff_hide": ("get", lambda p, c: {"slug": "alpha", "pk": p.pk}, 200),
    "staff_moderation": ("get", lambda p, c: {"slug": "alpha"}, 200),
    "staff_moderate_comment": ("post", lambda p, c: {"slug": "alpha", "comment_id": c.pk}, 302),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_staff_view_permission_matrix(
    client, pool_a, pool_b, proposal, flagged_comment, view, role
):
    make_user, expected = ROLES[role]
    user = make_user(pool_a, pool_b)
    if user is not None:
        client.force_login(user)
    method, kwargs, ok_status = VIEWS[view]
    url = reverse(f"proposals:{view}", kwargs=kwargs(proposal, flagged_comment))
    data = {"action": "keep"} if method == "post" else None
    response = getattr(client, method)(url, data)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == "ok":
        assert response.status_code == ok_status
    else:
        assert response.status_code == expected
    # Nobody but the allowed roles changed anything.
    if expected != "ok":
        assert Flag.objects.filter(resolved_at__isnull=True).count() == 2


@pytest.mark.parametrize("view", ["staff_queue", "staff_moderation"])
def test_staff_view_unknown_district_is_404(client, staff, view):
    client.force_login(staff)
    assert client.get(reverse(f"proposals:{view}", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("view", ["staff_review", "staff_hide"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_proposal_of_other_district_under_this_slug_is_404(client, staff, pool_b, view, method):
    other = ProposalFactory(pool=pool_b)
    client.force_login(staff)
    url = reverse(f"proposals:{view}", args=["alpha", other.pk])
    response = getattr(client, method)(url, {"action": Action.START_REVIEW, "reason": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED and other.hidden_at is None


def test_proposal_of_other_district_is_404_for_city_admin_too(client, pool_b):
    other = ProposalFactory(pool=pool_b)
    client.force_login(make_city_admin())
    url = reverse("proposals:staff_review", args=["alpha", other.pk])
    DistrictFactory(slug="alpha")
    assert client.get(url).status_code == 404


def test_draft_is_not_shown_to_staff(client, staff, pool_a):
    draft = ProposalFactory(pool=pool_a, status=Status.DRAFT)
    client.force_login(staff)
    assert (
        client.get(reverse("proposals:staff_review", args=["alpha", draft.pk])).status_code == 404
    )
    response = client.get(reverse("proposals:staff_queue", args=["alpha"]))
    assert draft.title not in response.content.decode()


def test_comment_of_other_district_under_this_slug_is_404(client, staff, pool_b):
    comment = CommentFactory(proposal=ProposalFactory(pool=pool_b))
    FlagFactory(comment=comment)
    client.force_login(staff)
    url = reverse("proposals:staff_moderate_comment", args=["alpha", comment.pk])
    response = client.post(url, {"action": "hide", "reason": "spam"})
    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.hidden_at is None


def test_moderate_comment_refuses_get(client, staff, flagged_comment):
    client.force_login(staff)
    url = reverse("proposals:staff_moderate_comment", args=["alpha", flagged_comment.pk])
    assert client.get(url).status_code == 405


# Review queue -----------------------------------------------------------------------------------


def test_queue_lists_proposals_with_counts_per_status(client, staff, pool_a, pool_b):
    ProposalFactory.create_batch(2, pool=pool_a)
    ProposalFactory(pool=pool_a, status=Status.FEASIBLE, staff_cost=Decimal("7000"))
    ProposalFactory(pool=pool_b, title="Somewhere else entirely")
    client.force_login(staff)
    response = client.get(reverse("proposals:staff_queue", args=["alpha"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Somewhere else entirely" not in html
    assert [row[2] for row in response.context["status_counts"] if row[0] == "submitted"] == [2]
    assert [row[2] for row in response.context["status_counts"] if row[0] == "feasible"] == [1]
    assert response.context["total"] == 3


def test_queue_filters_by_status_category_and_age(client, staff, pool_a):
    parks = CategoryFactory(name_en="Parks")
    old = ProposalFactory(pool=pool_a, title="Old one", category=parks)
    Proposal.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=20))
    new = ProposalFactory(pool=pool_a, title="New one")
    reviewed = ProposalFactory(pool=pool_a, title="Reviewed one", status=Status.UNDER_REVIEW)
    client.force_login(staff)
    url = reverse("proposals:staff_queue", args=["alpha"])

    def titles(**query):
        return {p.title for p in client.get(url, query).context["proposals"]}

    assert titles() == {old.title, new.title, reviewed.title}
    assert titles(status="under_review") == {reviewed.title}
    assert titles(category=parks.pk) == {old.title}
    assert titles(older_than=10) == {old.title}
    assert titles(older_than=10, status="submitted", category=parks.pk) == {old.title}


def test_queue_with_invalid_filter_is_400(client, staff, pool_a):
    client.force_login(staff)
    response = client.get(reverse("proposals:staff_queue", args=["alpha"]), {"older_than": "-3"})
    assert response.status_code == 400


def test_queue_htmx_renders_results_only(client, staff, proposal):
    client.force_login(staff)
    response = client.get(reverse("proposals:staff_queue", args=["alpha"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="queue-results"' in html and "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]
    # The page's polite status region says how many are shown now.
    assert '<div id="queue-status" hx-swap-oob="innerHTML">1 proposal shown.</div>' in html
    page = client.get(reverse("proposals:staff_queue", args=["alpha"])).content.decode()
    assert (
        'id="queue-status" class="visually-hidden" role="status" aria-live="polite"></div>' in page
    )


def test_queue_queries_do_not_grow_with_proposals(
    client, staff, pool_a, django_assert_max_num_queries
):
    ProposalFactory.create_batch(15, pool=pool_a)
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("proposals:staff_queue", args=["alpha"]))
    assert len(response.context["proposals"]) == 15


# Review page ------------------------------------------------------------------------------------


def test_review_page_shows_everything_and_internal_notes(client, staff, pool_a):
    proposal = ProposalFactory(
        pool=pool_a,
        title="<b>Trees</b>",
        body="Plant **trees**.\n\n<script>alert(1)</script>",
    )
    Review.objects.create(
        proposal=proposal,
        actor=staff,
        action=Action.START_REVIEW,
        from_status=Status.SUBMITTED,
        to_status=Status.UNDER_REVIEW,
        internal_note="Ask the parks department",
    )
    client.force_login(staff)
    html = client.get(
        reverse("proposals:staff_review", args=["alpha", proposal.pk])
    ).content.decode()
    assert "<strong>trees</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;b&gt;Trees&lt;/b&gt;" in html
    assert "Ask the parks department" in html
    # Decision forms open to a submitted proposal.
    assert 'value="start_review"' in html and 'value="mark_feasible"' in html
    assert 'value="mark_duplicate"' in html
    assert reverse("proposals:staff_hide", args=["alpha", proposal.pk]) in html


def test_review_page_gives_the_place_unambiguously_in_every_language(client, staff, pool_a):
    from decimal import Decimal

    proposal = ProposalFactory(
        pool=pool_a, latitude=Decimal("42.697700"), longitude=Decimal("23.321900")
    )
    staff.preferred_language = "bg"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    html = client.get(
        reverse("proposals:staff_review", args=["alpha", proposal.pk])
    ).content.decode()
    # A decimal comma would read "42,697700, 23,321900".
    assert "42.697700" in html and "23.321900" in html and "42,697700" not in html


def test_review_page_of_voting_pool_has_no_decisions(client):
    pool = make_pool(phase="voting", district=DistrictFactory(slug="gamma"))
    proposal = ProposalFactory(pool=pool, status=Status.ON_BALLOT)
    client.force_login(make_staff(pool.district))
    url = reverse("proposals:staff_review", args=["gamma", proposal.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["decision_forms"] == {}
    response = client.post(url, {"action": Action.MARK_INFEASIBLE, "public_reason": "No"})
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == Status.ON_BALLOT


# Decisions --------------------------------------------------------------------------------------


def post_decision(client, proposal, data, slug="alpha", **extra):
    url = reverse("proposals:staff_review", args=[slug, proposal.pk])
    return client.post(url, data, **extra)


def test_start_review_redirects_with_message_and_records(
    client, staff, proposal, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_decision(
            client, proposal, {"action": Action.START_REVIEW, "internal_note": "Mine"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:staff_review", args=["alpha", proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW
    review = proposal.reviews.get()
    assert (review.actor, review.action, review.internal_note) == (
        staff,
        Action.START_REVIEW,
        "Mine",
    )
    assert len(mail.outbox) == 1
    follow = client.get(response["Location"])
    assert "Under review" in follow.content.decode()


def test_request_changes_needs_message(client, staff, proposal, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_decision(
            client, proposal, {"action": Action.REQUEST_CHANGES, "public_reason": "  "}
        )
    assert response.status_code == 400
    assert response.context["decision_forms"][Action.REQUEST_CHANGES].errors["public_reason"]
    assert not Review.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = post_decision(
            client,
            proposal,
            {"action": Action.REQUEST_CHANGES, "public_reason": "Add a map point."},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.CHANGES_REQUESTED
    assert proposal.reviews.get().public_reason == "Add a map point."
    assert len(mail.outbox) == 1


def test_infeasible_without_reason_changes_nothing(
    client, staff, proposal, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_decision(
            client, proposal, {"action": Action.MARK_INFEASIBLE, "public_reason": ""}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_mark_infeasible_public_reason_error"' in html
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert not Review.objects.exists()
    assert mail.outbox == []


def test_infeasible_with_reason(client, staff, proposal):
    client.force_login(staff)
    response = post_decision(
        client, proposal, {"action": Action.MARK_INFEASIBLE, "public_reason": "State land."}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.INFEASIBLE
    assert proposal.reviews.get().public_reason == "State land."


@pytest.mark.parametrize(
    ("cost", "reason", "field"),
    [
        ("", "Includes VAT.", "staff_cost"),
        ("0", "Includes VAT.", "staff_cost"),
        ("8000", "", "public_reason"),
    ],
)
def test_feasible_needs_staff_cost_and_public_note(client, staff, proposal, cost, reason, field):
    client.force_login(staff)
    response = post_decision(
        client,
        proposal,
        {"action": Action.MARK_FEASIBLE, "staff_cost": cost, "public_reason": reason},
    )
    assert response.status_code == 400
    assert response.context["decision_forms"][Action.MARK_FEASIBLE].errors[field]
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED and proposal.staff_cost is None
    assert not Review.objects.exists()


def test_feasible_cost_above_pool_is_a_field_error_from_the_service(client, staff, proposal):
    client.force_login(staff)
    too_much = proposal.pool.amount + 1
    response = post_decision(
        client,
        proposal,
        {"action": Action.MARK_FEASIBLE, "staff_cost": str(too_much), "public_reason": "x"},
    )
    assert response.status_code == 400
    assert response.context["decision_forms"][Action.MARK_FEASIBLE].errors["staff_cost"]
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED


def test_feasible_saves_staff_cost(client, staff, proposal):
    client.force_login(staff)
    response = post_decision(
        client,
        proposal,
        {"action": Action.MARK_FEASIBLE, "staff_cost": "8200", "public_reason": "Includes VAT."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.staff_cost) == (Status.FEASIBLE, Decimal("8200"))


def test_duplicate_needs_proposal_of_same_pool(client, staff, proposal, pool_b):
    elsewhere = ProposalFactory(pool=pool_b)
    client.force_login(staff)
    for choice in ("", str(elsewhere.pk), str(proposal.pk)):
        response = post_decision(
            client, proposal, {"action": Action.MARK_DUPLICATE, "duplicate_of": choice}
        )
        assert response.status_code == 400
        assert response.context["decision_forms"][Action.MARK_DUPLICATE].errors["duplicate_of"]
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED and proposal.duplicate_of is None
    assert not Review.objects.exists()


def test_duplicate_select_offers_only_same_pool(client, staff, proposal, pool_a, pool_b):
    sibling = ProposalFactory(pool=pool_a, title="Sibling")
    ProposalFactory(pool=pool_b, title="Stranger")
    ProposalFactory(pool=pool_a, title="Secret draft", status=Status.DRAFT)
    client.force_login(staff)
    response = client.get(reverse("proposals:staff_review", args=["alpha", proposal.pk]))
    field = response.context["decision_forms"][Action.MARK_DUPLICATE].fields["duplicate_of"]
    assert list(field.queryset) == [sibling]


def test_duplicate_of_same_pool(client, staff, proposal, pool_a):
    original = ProposalFactory(pool=pool_a, title="The original")
    client.force_login(staff)
    response = post_decision(
        client, proposal, {"action": Action.MARK_DUPLICATE, "duplicate_of": original.pk}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.duplicate_of) == (Status.INFEASIBLE, original)
    assert "The original" in proposal.reviews.get().public_reason


def test_transition_not_allowed_from_status_is_refused(client, staff, pool_a):
    feasible = ProposalFactory(pool=pool_a, status=Status.FEASIBLE, staff_cost=Decimal(500))
    client.force_login(staff)
    response = post_decision(client, feasible, {"action": Action.START_REVIEW})
    assert response.status_code == 400
    assert "not possible" in response.content.decode()
    feasible.refresh_from_db()
    assert feasible.status == Status.FEASIBLE
    # Only "not feasible" is still open to a feasible proposal.
    assert list(response.context["decision_forms"]) == [Action.MARK_INFEASIBLE]


def test_unknown_action_is_400(client, staff, proposal):
    client.force_login(staff)
    response = post_decision(client, proposal, {"action": "approve_everything"})
    assert response.status_code == 400
    assert "Unknown action" in response.content.decode()


def test_decision_with_htmx_renders_the_partial(client, staff, proposal):
    client.force_login(staff)
    response = post_decision(client, proposal, {"action": Action.START_REVIEW}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="decision"' in html and "<html" not in html
    assert "Under review" in html and "message-success" in html
    response = post_decision(
        client, proposal, {"action": Action.MARK_INFEASIBLE, "public_reason": ""}, **HTMX
    )
    assert response.status_code == 400
    assert 'id="decision"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Status.UNDER_REVIEW


def test_city_admin_may_decide(client, proposal):
    client.force_login(make_city_admin())
    response = post_decision(client, proposal, {"action": Action.START_REVIEW})
    assert response.status_code == 302


@pytest.mark.parametrize("role", ["staff_other", "council", "resident", "unverified"])
def test_decision_refused_to_other_roles(client, pool_a, pool_b, proposal, role):
    client.force_login(ROLES[role][0](pool_a, pool_b))
    response = post_decision(client, proposal, {"action": Action.START_REVIEW})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED


# Hiding -----------------------------------------------------------------------------------------


def test_hide_needs_reason(client, staff, proposal):
    client.force_login(staff)
    url = reverse("proposals:staff_hide", args=["alpha", proposal.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    assert response.context["hide_form"].errors["reason"]
    proposal.refresh_from_db()
    assert proposal.hidden_at is None
    assert not Review.objects.exists()


def test_hide_with_reason(client, staff, proposal):
    client.force_login(staff)
    url = reverse("proposals:staff_hide", args=["alpha", proposal.pk])
    response = client.post(url, {"reason": "Advertising"})
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:staff_review", args=["alpha", proposal.pk])
    proposal.refresh_from_db()
    assert proposal.hidden_at is not None and proposal.hidden_reason == "Advertising"
    assert proposal.reviews.get().action == Action.HIDE
    page = client.get(response["Location"]).content.decode()
    assert "Hidden from the public" in page and "Advertising" in page


def test_hide_with_htmx_redirects_the_client(client, staff, proposal):
    client.force_login(staff)
    url = reverse("proposals:staff_hide", args=["alpha", proposal.pk])
    response = client.post(url, {"reason": "Spam"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("proposals:staff_review", args=["alpha", proposal.pk])
    response = client.post(url, {"reason": ""}, **HTMX)
    assert response.status_code == 400 and "<html" not in response.content.decode()


# Moderation -------------------------------------------------------------------------------------


def test_moderation_lists_open_flags_with_reasons(client, staff, flagged_comment, proposal, pool_b):
    CommentFactory(proposal=proposal, body="A calm comment nobody flagged.")
    resolved = CommentFactory(proposal=proposal, body="Flag already handled.")
    FlagFactory(comment=resolved, resolved_at=timezone.now())
    foreign = CommentFactory(proposal=ProposalFactory(pool=pool_b), body="Beta district comment.")
    FlagFactory(comment=foreign)
    client.force_login(staff)
    response = client.get(reverse("proposals:staff_moderation", args=["alpha"]))
    html = response.content.decode()
    assert [c.pk for c in response.context["comments"]] == [flagged_comment.pk]
    assert response.context["comments"][0].n_open_flags == 2
    assert "Insulting" in html and "Rude to neighbours" in html
    assert "A calm comment" not in html and "Beta district" not in html


def moderate(client, comment, data, slug="alpha", **extra):
    url = reverse("proposals:staff_moderate_comment", args=[slug, comment.pk])
    return client.post(url, data, **extra)


def test_hide_comment_needs_reason(client, staff, flagged_comment):
    client.force_login(staff)
    response = moderate(client, flagged_comment, {"action": "hide", "reason": ""})
    assert response.status_code == 400
    form = response.context["comments"][0].form
    assert form.errors["reason"]
    flagged_comment.refresh_from_db()
    assert flagged_comment.hidden_at is None
    assert flagged_comment.flags.filter(resolved_at__isnull=True).count() == 2


def test_hide_comment_with_reason(client, staff, flagged_comment):
    client.force_login(staff)
    response = moderate(client, flagged_comment, {"action": "hide", "reason": "Insults"})
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:staff_moderation", args=["alpha"])
    flagged_comment.refresh_from_db()
    # The author's page (another engineer's) shows hidden_reason to the author.
    assert flagged_comment.hidden_reason == "Insults" and flagged_comment.hidden_by == staff
    assert not flagged_comment.flags.filter(resolved_at__isnull=True).exists()
    assert client.get(response["Location"]).context["comments"] == []


def test_keep_comment_closes_flags(client, staff, flagged_comment):
    client.force_login(staff)
    response = moderate(client, flagged_comment, {"action": "keep"})
    assert response.status_code == 302
    flagged_comment.refresh_from_db()
    assert flagged_comment.hidden_at is None
    assert not flagged_comment.flags.filter(resolved_at__isnull=True).exists()


def test_moderate_with_htmx_renders_the_queue(client, staff, flagged_comment):
    client.force_login(staff)
    response = moderate(client, flagged_comment, {"action": "keep"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="moderation-queue"' in html and "<html" not in html
    assert "No open reports" in html


def test_moderate_unknown_action_is_400(client, staff, flagged_comment):
    client.force_login(staff)
    assert moderate(client, flagged_comment, {"action": "delete"}).status_code == 400
    assert Comment.objects.filter(pk=flagged_comment.pk, hidden_at__isnull=True).exists()


# Staff area links -------------------------------------------------------------------------------


def test_staff_district_page_links_queues_with_counts(
    client, staff, proposal, flagged_comment, pool_a
):
    ProposalFactory(pool=pool_a, status=Status.UNDER_REVIEW)
    ProposalFactory(pool=pool_a, status=Status.FEASIBLE, staff_cost=Decimal(100))
    client.force_login(staff)
    html = client.get(reverse("districts:staff_district", args=["alpha"])).content.decode()
    assert reverse("proposals:staff_queue", args=["alpha"]) in html
    assert reverse("proposals:staff_moderation", args=["alpha"]) in html
    assert "2 proposals waiting for a decision" in html
    assert "1 comment reported" in html
