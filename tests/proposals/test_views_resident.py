"""Residents' proposal pages: create, draft, submit, edit, withdraw, images, inline validation,
comments and replies, flags, supports, "my proposals"."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from proposals import services
from proposals.models import Comment, Flag, Proposal, ProposalImage, Review, Status, Support
from tests.factories import DistrictFactory, UserFactory, make_pool, make_resident, make_staff
from tests.proposals.test_views_public import HTMX, make_category, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def pool():
    return make_pool(phase="submission")


@pytest.fixture
def resident(pool):
    return make_resident(pool.district)


def jpeg(name: str = "photo.jpg", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def form_data(**overrides) -> dict:
    data = {
        "title": "Benches in the park",
        "summary": "Ten new benches.",
        "body": "Along the *main* path.",
        "category": str(make_category().pk),
        "latitude": "",
        "longitude": "",
        "address": "Central park",
        "author_cost": "5000",
        "action": "draft",
    }
    data.update(overrides)
    return data


def support_pool():
    """A pool in its support phase (pool-level dates override the cycle's)."""
    now = timezone.now()
    day = timedelta(days=1)
    return make_pool(
        phase="review",
        support_starts=now - timedelta(hours=1),
        review_starts=now - day,
        voting_starts=now + 5 * day,
        voting_ends=now + 6 * day,
        results_starts=now + 7 * day,
    )


# Create ----------------------------------------------------------------------------------------


def test_create_requires_login(client, pool):
    url = reverse("proposals:create", args=[pool.district.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("who", ["stranger", "other_district", "staff"])
def test_create_forbidden_without_residency_in_district(client, pool, who):
    user = {
        "stranger": lambda: UserFactory(),
        "other_district": lambda: make_resident(DistrictFactory()),
        "staff": lambda: make_staff(pool.district),
    }[who]()
    client.force_login(user)
    url = reverse("proposals:create", args=[pool.district.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403


def test_create_forbidden_outside_submission_phase(client):
    pool = make_pool(phase="voting")
    client.force_login(make_resident(pool.district))
    assert client.get(reverse("proposals:create", args=[pool.district.slug])).status_code == 403


def test_create_form_renders_map_fields_and_markdown_help(client, pool, resident):
    client.force_login(resident)
    html = client.get(reverse("proposals:create", args=[pool.district.slug])).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="latitude"' in html and 'name="longitude"' in html and 'name="address"' in html
    assert 'data-map="picker"' in html
    assert "Markdown" in html
    validate = reverse("proposals:validate", args=[pool.district.slug])
    assert f'hx-post="{validate}"' in html
    assert 'value="draft"' in html and 'value="submit"' in html


def test_create_saves_draft(client, pool, resident):
    client.force_login(resident)
    response = client.post(reverse("proposals:create", args=[pool.district.slug]), form_data())
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:detail", args=[proposal.pk])
    assert proposal.status == Status.DRAFT
    assert proposal.author == resident and proposal.pool == pool
    assert "<em>main</em>" in proposal.body_html


def test_create_submits_with_location_and_images(client, pool, resident):
    pool.district.centre_lat, pool.district.centre_lon = Decimal("42.70"), Decimal("23.32")
    pool.district.save()
    client.force_login(resident)
    data = form_data(
        action="submit", latitude="42.71", longitude="23.33", images_alt="The old bench"
    )
    data["images"] = [jpeg("a.jpg"), jpeg("b.jpg")]
    response = client.post(reverse("proposals:create", args=[pool.district.slug]), data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert proposal.status == Status.SUBMITTED
    assert proposal.latitude == Decimal("42.71")
    assert proposal.images.count() == 2
    assert set(proposal.images.values_list("alt_text", flat=True)) == {"The old bench"}


def test_create_rejects_place_outside_district(client, pool, resident):
    pool.district.centre_lat, pool.district.centre_lon = Decimal("42.70"), Decimal("23.32")
    pool.district.save()
    client.force_login(resident)
    response = client.post(
        reverse("proposals:create", args=[pool.district.slug]),
        form_data(latitude="43.5", longitude="23.32"),
    )
    assert response.status_code == 400
    assert "outside the district" in response.content.decode()
    assert not Proposal.objects.exists()


def test_create_rejects_half_a_location_and_non_images(client, pool, resident):
    client.force_login(resident)
    data = form_data(latitude="42.7")
    data["images"] = [SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")]
    response = client.post(reverse("proposals:create", args=[pool.district.slug]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give both latitude and longitude" in html
    assert "not a JPEG, PNG or WebP image" in html
    assert not Proposal.objects.exists()


def test_create_rejects_cost_above_pool_with_error_tied_to_field(client, pool, resident):
    client.force_login(resident)
    response = client.post(
        reverse("proposals:create", args=[pool.district.slug]),
        form_data(author_cost=str(pool.amount + 1)),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_author_cost_error"' in html
    assert 'aria-invalid="true"' in html
    assert "id_author_cost_error" in html.split('name="author_cost"')[1].split(">")[0]
    assert not Proposal.objects.exists()


def test_create_shows_submission_limit_message(client, pool, resident, settings):
    settings.CIVIC_MAX_PROPOSALS_PER_POOL = 1
    make_proposal(pool, resident)
    client.force_login(resident)
    response = client.post(
        reverse("proposals:create", args=[pool.district.slug]), form_data(action="submit")
    )
    assert response.status_code == 400
    assert "at most 1 proposals" in response.content.decode()
    assert Proposal.objects.count() == 1
    # Saving as a draft is still possible.
    client.post(reverse("proposals:create", args=[pool.district.slug]), form_data())
    assert Proposal.objects.filter(status=Status.DRAFT).count() == 1


# Inline validation -----------------------------------------------------------------------------


def test_validate_returns_field_partial_with_error(client, pool, resident):
    client.force_login(resident)
    url = reverse("proposals:validate", args=[pool.district.slug])
    response = client.post(url, form_data(title="", _field="title"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="id_title_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'hx-swap-oob="innerHTML"' in html and "This field is required." in html
    assert 'name="summary"' not in html


def test_validate_valid_field_has_no_error(client, pool, resident):
    client.force_login(resident)
    url = reverse("proposals:validate", args=[pool.district.slug])
    html = client.post(url, form_data(title="", _field="author_cost"), **HTMX).content.decode()
    assert 'name="author_cost"' in html and "field-error" not in html


def test_validate_cost_above_pool(client, pool, resident):
    client.force_login(resident)
    url = reverse("proposals:validate", args=[pool.district.slug])
    html = client.post(
        url, form_data(author_cost="0", _field="author_cost"), **HTMX
    ).content.decode()
    assert "more than zero" in html


def test_validate_unknown_field_400_and_login_required(client, pool, resident):
    url = reverse("proposals:validate", args=[pool.district.slug])
    assert client.post(url, form_data(_field="title")).status_code == 302
    client.force_login(resident)
    assert client.post(url, form_data(_field="password")).status_code == 400
    assert client.get(url).status_code == 405


# Edit, submit, withdraw ------------------------------------------------------------------------


def test_edit_draft_then_submit(client, pool, resident):
    draft = make_proposal(pool, resident, submit=False)
    client.force_login(resident)
    url = reverse("proposals:edit", args=[draft.pk])
    html = client.get(url).content.decode()
    assert draft.title in html
    response = client.post(url, form_data(title="Better benches", action="submit"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Better benches"
    assert draft.status == Status.SUBMITTED


def test_edit_submitted_proposal_is_logged(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(resident)
    response = client.post(
        reverse("proposals:edit", args=[proposal.pk]), form_data(title="Renamed", action="save")
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Renamed" and proposal.status == Status.SUBMITTED
    assert proposal.reviews.filter(action=Review.Action.EDIT).exists()


def test_edit_forbidden_for_others_and_after_review_started(client, pool, resident):
    proposal = make_proposal(pool, resident)
    url = reverse("proposals:edit", args=[proposal.pk])
    client.force_login(make_resident(pool.district))
    assert client.get(url).status_code == 403
    client.force_login(resident)
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.UNDER_REVIEW)
    assert client.get(url).status_code == 403


def test_edit_of_someone_elses_draft_is_404(client, pool, resident):
    draft = make_proposal(pool, resident, submit=False)
    client.force_login(make_resident(pool.district))
    assert client.get(reverse("proposals:edit", args=[draft.pk])).status_code == 404


def test_submit_button_submits_draft(client, pool, resident):
    draft = make_proposal(pool, resident, submit=False)
    client.force_login(resident)
    url = reverse("proposals:submit", args=[draft.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_submit_over_limit_shows_message(client, pool, resident, settings):
    settings.CIVIC_MAX_PROPOSALS_PER_POOL = 1
    make_proposal(pool, resident)
    draft = make_proposal(pool, resident, submit=False)
    client.force_login(resident)
    response = client.post(reverse("proposals:submit", args=[draft.pk]), follow=True)
    assert "at most 1 proposals" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_withdraw_asks_for_confirmation_then_withdraws(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(resident)
    url = reverse("proposals:withdraw", args=[proposal.pk])
    html = client.get(url).content.decode()
    assert 'method="post"' in html and "Withdraw" in html
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    response = client.post(url, {"reason": "Found a sponsor"})
    assert response.status_code == 302 and response["Location"] == reverse("proposals:mine")
    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    assert proposal.reviews.get(action=Review.Action.WITHDRAW).public_reason == "Found a sponsor"


def test_withdraw_draft_deletes_it(client, pool, resident):
    draft = make_proposal(pool, resident, submit=False)
    client.force_login(resident)
    client.post(reverse("proposals:withdraw", args=[draft.pk]))
    assert not Proposal.objects.filter(pk=draft.pk).exists()


def test_withdraw_forbidden_for_others(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(make_resident(pool.district))
    assert client.post(reverse("proposals:withdraw", args=[proposal.pk])).status_code == 403


# Images ----------------------------------------------------------------------------------------


def test_images_page_adds_and_removes(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(resident)
    url = reverse("proposals:images", args=[proposal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"image": jpeg(), "alt_text": "A bench"})
    assert response.status_code == 302
    image = ProposalImage.objects.get()
    assert image.alt_text == "A bench"
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert 'alt="A bench"' in html
    delete = reverse("proposals:image_delete", args=[proposal.pk, image.pk])
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not ProposalImage.objects.exists()


def test_images_page_refuses_sixth_and_wrong_type(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(resident)
    url = reverse("proposals:images", args=[proposal.pk])
    bad = SimpleUploadedFile("fake.png", b"not really", content_type="image/png")
    response = client.post(url, {"image": bad})
    assert response.status_code == 400
    assert "not a readable" in response.content.decode()
    for n in range(5):
        services.proposal_image_add(proposal=proposal, upload=jpeg(f"{n}.jpg"))
    response = client.post(url, {"image": jpeg()})
    assert response.status_code == 400
    assert "at most 5 images" in response.content.decode()
    assert proposal.images.count() == 5


def test_images_page_forbidden_for_others(client, pool, resident):
    proposal = make_proposal(pool, resident)
    client.force_login(make_resident(pool.district))
    assert client.get(reverse("proposals:images", args=[proposal.pk])).status_code == 403


# Comments --------------------------------------------------------------------------------------


def test_comment_and_reply_without_htmx_redirect(client, pool, resident):
    proposal = make_proposal(pool)
    client.force_login(resident)
    url = reverse("proposals:comment", args=[proposal.pk])
    response = client.post(url, {"body": "Great idea"})
    assert response.status_code == 302
    assert response["Location"].endswith("#comments")
    top = Comment.objects.get()
    client.post(url, {"body": "I agree", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    assert reply.body == "I agree"
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "Great idea" in html and "I agree" in html
    assert html.index("Great idea") < html.index("I agree")


def test_comment_with_htmx_renders_comments_partial(client, pool, resident):
    proposal = make_proposal(pool)
    client.force_login(resident)
    response = client.post(
        reverse("proposals:comment", args=[proposal.pk]), {"body": "Via htmx"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Via htmx" in html and "<html" not in html
    assert 'id="comments-status" hx-swap-oob' in html


def test_reply_to_a_reply_is_refused(client, pool, resident):
    proposal = make_proposal(pool)
    top = services.comment_post(proposal=proposal, author=resident, body="Top")
    reply = services.comment_post(proposal=proposal, author=resident, body="Reply", parent=top)
    client.force_login(resident)
    response = client.post(
        reverse("proposals:comment", args=[proposal.pk]), {"body": "Deep", "parent": reply.pk}
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(body="Deep").exists()


def test_empty_comment_shows_error(client, pool, resident):
    proposal = make_proposal(pool)
    client.force_login(resident)
    response = client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "  "}, **HTMX)
    assert response.status_code == 400
    assert "field-error" in response.content.decode()


def test_comment_rate_limit_message(client, pool, resident, settings):
    settings.CIVIC_MAX_COMMENTS_PER_WINDOW = 2
    proposal = make_proposal(pool)
    client.force_login(resident)
    url = reverse("proposals:comment", args=[proposal.pk])
    client.post(url, {"body": "one"})
    client.post(url, {"body": "two"})
    response = client.post(url, {"body": "three"}, **HTMX)
    assert response.status_code == 400
    assert "many comments in a short time" in response.content.decode()
    assert Comment.objects.count() == 2


def test_comment_forbidden_for_unverified_and_on_drafts(client, pool, resident):
    proposal = make_proposal(pool)
    client.force_login(UserFactory())
    assert (
        client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "x"}).status_code
        == 403
    )
    draft = make_proposal(pool, submit=False)
    client.force_login(resident)
    assert (
        client.post(reverse("proposals:comment", args=[draft.pk]), {"body": "x"}).status_code == 404
    )


def test_flag_comment(client, pool, resident):
    proposal = make_proposal(pool)
    comment = services.comment_post(
        proposal=proposal, author=make_resident(pool.district), body="Hmm"
    )
    url = reverse("proposals:comment_flag", args=[comment.pk])
    assert client.post(url).status_code == 302  # to the login page
    assert not Flag.objects.exists()
    client.force_login(resident)
    response = client.post(url, {"reason": "Spam"}, **HTMX)
    assert response.status_code == 200
    assert "You reported this comment" in response.content.decode()
    client.post(url, {"reason": "Spam again"})
    flag = Flag.objects.get()
    assert flag.user == resident and flag.reason == "Spam"


def test_flag_hidden_comment_forbidden(client, pool, resident):
    proposal = make_proposal(pool)
    comment = services.comment_post(
        proposal=proposal, author=make_resident(pool.district), body="x"
    )
    services.comment_hide(comment=comment, actor=make_staff(pool.district), reason="Rude")
    client.force_login(resident)
    assert client.post(reverse("proposals:comment_flag", args=[comment.pk])).status_code == 403


# Support ---------------------------------------------------------------------------------------


def test_support_toggle_with_htmx(client):
    pool = support_pool()
    proposal = make_proposal(pool, submit=False)
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Status.FEASIBLE, submitted_at=timezone.now()
    )
    supporter = make_resident(pool.district)
    client.force_login(supporter)
    url = reverse("proposals:support", args=[proposal.pk])
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "Support this proposal" in html
    response = client.post(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "1 resident supports this proposal" in html
    # The label says the state ("Withdraw my support"); aria-pressed as well would be read
    # as "Withdraw my support, pressed".
    assert "Withdraw my support" in html and "aria-pressed" not in html
    assert Support.objects.filter(proposal=proposal, user=supporter).exists()
    response = client.post(url)  # without htmx: back to the page
    assert response.status_code == 302
    assert not Support.objects.exists()


def test_support_forbidden_outside_support_phase_or_district(client, pool, resident):
    proposal = make_proposal(pool)
    client.force_login(resident)
    assert client.post(reverse("proposals:support", args=[proposal.pk])).status_code == 403
    spool = support_pool()
    feasible = make_proposal(spool, submit=False)
    Proposal.objects.filter(pk=feasible.pk).update(
        status=Status.FEASIBLE, submitted_at=timezone.now()
    )
    client.force_login(make_resident(DistrictFactory()))
    assert client.post(reverse("proposals:support", args=[feasible.pk])).status_code == 403


# My proposals ----------------------------------------------------------------------------------


def test_my_proposals_lists_own_with_actions(client, pool, resident):
    draft = make_proposal(pool, resident, submit=False, title="My draft")
    submitted = make_proposal(pool, resident, title="My submitted")
    make_proposal(pool, title="Not mine")
    client.force_login(resident)
    html = client.get(reverse("proposals:mine")).content.decode()
    assert "My draft" in html and "My submitted" in html and "Not mine" not in html
    assert reverse("proposals:submit", args=[draft.pk]) in html
    assert reverse("proposals:edit", args=[submitted.pk]) in html
    assert reverse("proposals:withdraw", args=[submitted.pk]) in html


def test_my_proposals_requires_login(client):
    response = client.get(reverse("proposals:mine"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_flag_refused_by_the_service_says_why_in_the_comments(client, pool, resident, monkeypatch):
    """A comment hidden between the check and the report: the reason replaces nothing else."""
    proposal = make_proposal(pool)
    comment = services.comment_post(
        proposal=proposal, author=make_resident(pool.district), body="Still listed"
    )

    def refuse(**_arguments):
        raise ValidationError("This comment cannot be reported.", code="flag")

    monkeypatch.setattr(services, "comment_flag", refuse)
    client.force_login(resident)
    url = reverse("proposals:comment_flag", args=[comment.pk])
    partial = client.post(url, {"reason": "Spam"}, **HTMX)
    html = partial.content.decode()
    assert partial.status_code == 400 and "<html" not in html
    assert 'role="alert">This comment cannot be reported.' in html and "Still listed" in html
    page = client.post(url, {"reason": "Spam"})
    assert page.status_code == 400 and "This comment cannot be reported." in page.content.decode()
    assert not Flag.objects.exists()
