"""Public proposal pages: list, map, map data, detail; visibility of drafts and hidden ones."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Category, Comment, Proposal, ProposalImage, Review, Status, Support
from tests.factories import DistrictFactory, UserFactory, make_pool, make_resident, make_staff

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def make_category(slug: str = "parks", name: str = "Parks") -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name_en": name})[0]


def make_proposal(pool, author=None, *, submit=True, **fields) -> Proposal:
    """A proposal written through the service (submitted unless `submit=False`)."""
    author = author or make_resident(pool.district)
    values = {
        "title": "A new playground",
        "summary": "Swings and a sandpit for the little ones.",
        "body": "We need **swings**.",
        "category": fields.pop("category", None) or make_category(),
        "author_cost": Decimal("1000"),
    }
    values.update(fields)
    return services.proposal_create(pool=pool, author=author, submit=submit, **values)


def make_public_proposals(pool, count: int, *, with_extras: bool = True) -> list[Proposal]:
    """`count` submitted proposals (fast: rows written directly), each with an image,
    a support and a comment when `with_extras`."""
    category = make_category()
    author = make_resident(pool.district)
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            pool=pool,
            author=author,
            title=f"Proposal {n}",
            summary="Summary",
            body="Body",
            body_html="<p>Body</p>",
            category=category,
            author_cost=Decimal(100 + n),
            latitude=Decimal("42.690000"),
            longitude=Decimal("23.320000"),
            status=Status.SUBMITTED,
            submitted_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    if with_extras:
        supporter = UserFactory()
        ProposalImage.objects.bulk_create(
            ProposalImage(
                proposal=p,
                image=f"proposals/{p.pk}/a.jpg",
                thumbnail=f"proposals/{p.pk}/a-t.jpg",
                width=10,
                height=10,
                alt_text="A picture",
            )
            for p in proposals
        )
        Support.objects.bulk_create(Support(proposal=p, user=supporter) for p in proposals)
        Comment.objects.bulk_create(
            Comment(proposal=p, author=author, body="Nice") for p in proposals
        )
    return proposals


# List ------------------------------------------------------------------------------------------


def test_list_shows_only_public_proposals(client):
    pool = make_pool()
    public = make_proposal(pool, title="Public bench")
    make_proposal(pool, title="Secret draft", submit=False)
    hidden = make_proposal(pool, title="Hidden thing")
    services.proposal_hide(proposal=hidden, actor=make_staff(pool.district), reason="Spam")
    html = client.get(reverse("proposals:list")).content.decode()
    assert public.title in html
    assert "Secret draft" not in html
    assert "Hidden thing" not in html


def test_district_list_only_that_district(client):
    pool = make_pool()
    other = make_pool(district=DistrictFactory())
    make_proposal(pool, title="Here")
    make_proposal(other, title="Elsewhere")
    html = client.get(
        reverse("proposals:district_list", args=[pool.district.slug])
    ).content.decode()
    assert "Here" in html
    assert "Elsewhere" not in html


def test_district_list_unknown_district_404(client):
    assert client.get(reverse("proposals:district_list", args=["nowhere"])).status_code == 404


def test_list_filters_by_category_and_status(client):
    pool = make_pool()
    trees = make_category("trees", "Trees")
    make_proposal(pool, title="Plant oaks", category=trees)
    park = make_proposal(pool, title="Park fountain")
    Proposal.objects.filter(pk=park.pk).update(status=Status.FEASIBLE)
    html = client.get(reverse("proposals:list"), {"category": "trees"}).content.decode()
    assert "Plant oaks" in html and "Park fountain" not in html
    html = client.get(reverse("proposals:list"), {"status": "feasible"}).content.decode()
    assert "Park fountain" in html and "Plant oaks" not in html
    html = client.get(reverse("proposals:list"), {"district": pool.district.slug}).content.decode()
    assert "Park fountain" in html and "Plant oaks" in html


def test_list_ignores_invalid_filter_values(client):
    pool = make_pool()
    make_proposal(pool, title="Still listed")
    response = client.get(
        reverse("proposals:list"), {"category": "nope", "status": "x", "sort": "?"}
    )
    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


def test_list_search_matches_title_summary_and_body(client):
    pool = make_pool()
    make_proposal(pool, title="Bicycle lanes", summary="Safer cycling", body="Paint them green")
    make_proposal(pool, title="Library hours", summary="Open on Sundays", body="Books")
    for q in ("bicycle", "cycling", "green"):
        html = client.get(reverse("proposals:list"), {"q": q}).content.decode()
        assert "Bicycle lanes" in html, q
        assert "Library hours" not in html, q


def test_list_sorts_by_cost_and_supports(client):
    pool = make_pool()
    cheap = make_proposal(pool, title="Cheap idea", author_cost=Decimal("10"))
    dear = make_proposal(pool, title="Dear idea", author_cost=Decimal("9000"))
    popular = make_proposal(pool, title="Popular idea", author_cost=Decimal("500"))
    for _ in range(2):
        Support.objects.create(proposal=popular, user=UserFactory())
    Support.objects.create(proposal=dear, user=UserFactory())

    def order(sort):
        html = client.get(reverse("proposals:list"), {"sort": sort}).content.decode()
        return sorted((html.index(p.title), p.title) for p in (cheap, dear, popular))

    assert [t for _, t in order("cost")] == ["Cheap idea", "Popular idea", "Dear idea"]
    assert [t for _, t in order("cost_desc")] == ["Dear idea", "Popular idea", "Cheap idea"]
    assert [t for _, t in order("supports")][0] == "Popular idea"
    assert [t for _, t in order("newest")][0] == "Popular idea"


def test_list_paginates_twenty_per_page(client):
    pool = make_pool()
    make_public_proposals(pool, 25, with_extras=False)
    first = client.get(reverse("proposals:list")).content.decode()
    second = client.get(reverse("proposals:list"), {"page": 2}).content.decode()
    assert first.count('class="card proposal-card"') == 20
    assert second.count('class="card proposal-card"') == 5
    assert "25 proposals" in first


def test_list_htmx_returns_results_partial_and_varies(client):
    pool = make_pool()
    make_proposal(pool, title="Partial one")
    response = client.get(reverse("proposals:list"), {"q": "partial"}, **HTMX)
    html = response.content.decode()
    assert "Partial one" in html
    assert "<html" not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]


def test_list_full_page_has_get_form_and_live_region(client):
    html = client.get(reverse("proposals:list")).content.decode()
    assert 'method="get"' in html
    assert 'hx-push-url="true"' in html
    assert 'id="results" aria-live="polite"' in html


@pytest.mark.parametrize("count", [5, 60])
def test_list_query_count_is_constant(client, django_assert_max_num_queries, count):
    pool = make_pool()
    make_public_proposals(pool, count)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("proposals:list"))
    assert response.status_code == 200
    assert "A picture" in response.content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_district_list_query_count_is_constant(client, django_assert_max_num_queries, count):
    pool = make_pool()
    make_public_proposals(pool, count)
    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("proposals:district_list", args=[pool.district.slug]), {"sort": "supports"}
        )
    assert response.status_code == 200


# Map -------------------------------------------------------------------------------------------


def test_map_data_json_with_filters(client):
    pool = make_pool()
    trees = make_category("trees", "Trees")
    located = make_proposal(
        pool,
        title="Oak <b>row</b>",
        category=trees,
        latitude=Decimal("42.7"),
        longitude=Decimal("23.3"),
        author_cost=Decimal("1234"),
    )
    make_proposal(pool, title="Nowhere")  # no location: not on the map
    make_proposal(
        pool, title="Draft", submit=False, latitude=Decimal("42.7"), longitude=Decimal("23.3")
    )
    data = client.get(reverse("proposals:map_data")).json()
    assert [item["id"] for item in data] == [located.pk]
    item = data[0]
    assert item["title"] == "Oak <b>row</b>"  # raw in JSON; the script inserts it as text
    assert item["lat"] == pytest.approx(42.7) and item["lon"] == pytest.approx(23.3)
    assert item["url"] == reverse("proposals:detail", args=[located.pk])
    assert item["status"] == "Submitted"
    assert "1,234" in item["cost"]
    assert client.get(reverse("proposals:map_data"), {"category": "parks"}).json() == []
    assert len(client.get(reverse("proposals:map_data"), {"q": "oak"}).json()) == 1


@pytest.mark.parametrize("count", [5, 60])
def test_map_data_query_count_is_constant(client, django_assert_max_num_queries, count):
    pool = make_pool()
    make_public_proposals(pool, count)
    with django_assert_max_num_queries(2):
        data = client.get(reverse("proposals:map_data"), {"district": pool.district.slug}).json()
    assert len(data) == count


def test_map_page_has_fallback_list_and_map_assets(client):
    pool = make_pool()
    make_proposal(pool, title="Mapped", latitude=Decimal("42.7"), longitude=Decimal("23.3"))
    html = client.get(reverse("proposals:map"), {"district": pool.district.slug}).content.decode()
    assert 'data-map="cluster"' in html
    assert "leaflet.markercluster.js" in html
    assert "Mapped" in html  # the plain list below the map
    assert reverse("proposals:map_data") + f"?district={pool.district.slug}" in html


def test_map_page_htmx_partial(client):
    response = client.get(reverse("proposals:map"), {"q": "x"}, **HTMX)
    html = response.content.decode()
    assert "data-map-results" in html and "<html" not in html


# Detail ----------------------------------------------------------------------------------------


def test_detail_shows_proposal_costs_history_and_sanitised_body(client):
    pool = make_pool()
    proposal = make_proposal(
        pool,
        body="**bold** <script>alert(1)</script>",
        address="Main street 1",
        latitude=Decimal("42.7"),
        longitude=Decimal("23.3"),
    )
    Proposal.objects.filter(pk=proposal.pk).update(staff_cost=Decimal("2500"))
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert "€1,000" in html and "€2,500" in html
    assert "Main street 1" in html
    assert "42.700000" in html and 'data-map="point"' in html
    assert "Submitted" in html  # status and history


def test_detail_escapes_user_text(client):
    pool = make_pool()
    proposal = make_proposal(pool, title="<img src=x onerror=alert(1)>")
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_detail_review_internal_note_only_for_district_staff(client):
    pool = make_pool()
    proposal = make_proposal(pool)
    staff = make_staff(pool.district)
    Review.objects.create(
        proposal=proposal,
        actor=staff,
        action=Review.Action.START_REVIEW,
        from_status=Status.SUBMITTED,
        to_status=Status.UNDER_REVIEW,
        public_reason="Looking at it",
        internal_note="Check the land registry",
    )
    url = reverse("proposals:detail", args=[proposal.pk])
    public = client.get(url).content.decode()
    assert "Looking at it" in public and "Check the land registry" not in public
    client.force_login(make_staff(DistrictFactory()))
    assert "Check the land registry" not in client.get(url).content.decode()
    client.force_login(staff)
    assert "Check the land registry" in client.get(url).content.decode()


def test_draft_visible_only_to_author(client):
    pool = make_pool()
    author = make_resident(pool.district)
    draft = make_proposal(pool, author, submit=False)
    url = reverse("proposals:detail", args=[draft.pk])
    assert client.get(url).status_code == 404
    client.force_login(make_resident(pool.district))
    assert client.get(url).status_code == 404
    client.force_login(author)
    response = client.get(url)
    assert response.status_code == 200
    assert "This is a draft" in response.content.decode()


def test_hidden_proposal_404_for_public_visible_to_author_and_staff(client):
    pool = make_pool()
    author = make_resident(pool.district)
    proposal = make_proposal(pool, author)
    staff = make_staff(pool.district)
    services.proposal_hide(proposal=proposal, actor=staff, reason="Offensive wording")
    url = reverse("proposals:detail", args=[proposal.pk])
    assert client.get(url).status_code == 404
    client.force_login(make_resident(pool.district))
    assert client.get(url).status_code == 404
    client.force_login(make_staff(DistrictFactory()))
    assert client.get(url).status_code == 404
    for user in (author, staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "Offensive wording" in response.content.decode()


def test_detail_shows_images_with_alt_text_and_full_size_links(client):
    pool = make_pool()
    (proposal,) = make_public_proposals(pool, 1)
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    image = proposal.images.get()
    assert f'href="{image.image.url}"' in html
    assert f'src="{image.thumbnail.url}"' in html
    assert 'alt="A picture"' in html


def test_detail_comment_form_only_for_verified_residents(client):
    pool = make_pool()
    proposal = make_proposal(pool)
    url = reverse("proposals:detail", args=[proposal.pk])
    assert "Sign in to comment" in client.get(url).content.decode()
    client.force_login(UserFactory())
    html = client.get(url).content.decode()
    assert "Verify your residency" in html and 'name="body"' not in html
    client.force_login(make_resident(DistrictFactory()))
    assert 'name="body"' in client.get(url).content.decode()


def test_detail_hidden_comment_shows_reason_only_to_its_author(client):
    pool = make_pool()
    proposal = make_proposal(pool)
    writer = make_resident(pool.district)
    comment = services.comment_post(proposal=proposal, author=writer, body="Rude words")
    services.comment_hide(comment=comment, actor=make_staff(pool.district), reason="Insults")
    url = reverse("proposals:detail", args=[proposal.pk])
    html = client.get(url).content.decode()
    assert "hidden by the moderators" in html
    assert "Rude words" not in html and "Insults" not in html
    client.force_login(writer)
    html = client.get(url).content.decode()
    assert "Insults" in html and "Rude words" not in html


def test_detail_does_not_reveal_author_email(client):
    pool = make_pool()
    author = make_resident(pool.district, email="secret.person@example.test")
    proposal = make_proposal(pool, author)
    services.comment_post(proposal=proposal, author=author, body="Hello")
    html = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "secret.person" not in html


def test_detail_unknown_404(client):
    assert client.get(reverse("proposals:detail", args=[999999])).status_code == 404


def test_district_page_links_to_proposals_and_create(client):
    pool = make_pool()
    url = reverse("districts:detail", args=[pool.district.slug])
    create = reverse("proposals:create", args=[pool.district.slug])
    html = client.get(url).content.decode()
    assert reverse("proposals:district_list", args=[pool.district.slug]) in html
    assert create not in html
    client.force_login(make_resident(pool.district))
    assert create in client.get(url).content.decode()


def test_list_history_restore_gets_whole_page(client):
    response = client.get(
        reverse("proposals:list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()
