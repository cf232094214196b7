"""Permission matrix of every non-staff proposals page × every kind of visitor.

Each cell builds a small world (a district with a pool in the phase the page needs, another
district, the proposal's author and the proposal itself), signs in one role and makes one
request. It checks the exact status (the login redirect for anonymous visitors on protected
pages, the redirect after a successful POST) and that the database is unchanged unless the
request was allowed to change it. The staff pages have their own matrix in
test_views_staff.py.

After the matrix: forged ids (another pool's proposal, another proposal's comment or image,
ids that do not exist, smuggled fields) and invalid input.

Image rows name files that do not exist, and removing one deletes its files only on commit,
which never comes inside a test's transaction; only the image-file pages write a small file
(into the test settings' temporary MEDIA_ROOT) so that a refusal can be told from a missing
file.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from proposals.models import Comment, Flag, Proposal, ProposalImage, Review, Status, Support
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)
from tests.proposals.factories import CategoryFactory, CommentFactory, ProposalFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"  # expected: 302 to the login page

ROLES = (
    "anonymous",
    "resident",  # verified resident of the proposal's (or the pool's) district
    "resident_other",  # verified resident of another district
    "unverified",  # signed in, no census record
    "author",  # the proposal's author (a resident of its district)
    "staff",  # staff of the district
    "staff_other",  # staff of another district
    "council",
    "city_admin",
)


# The world of one cell ----------------------------------------------------------------------


@dataclass
class World:
    district: object
    pool: object
    author: object
    _other: object = None
    proposal: Proposal | None = None
    comment: Comment | None = None
    image: ProposalImage | None = None
    draft: Proposal | None = None
    hidden: Proposal | None = None

    @property
    def other(self):
        """Another district, made when a role needs it."""
        if self._other is None:
            self._other = DistrictFactory()
        return self._other


def support_pool(district):
    """A pool in its support phase (pool dates override the cycle's)."""
    now = timezone.now()
    day = timedelta(days=1)
    return make_pool(
        district=district,
        phase="review",
        review_starts=now - day,
        support_starts=now - timedelta(hours=1),
        voting_starts=now + 5 * day,
        voting_ends=now + 6 * day,
        results_starts=now + 7 * day,
    )


def hidden_fields() -> dict:
    return {"hidden_at": timezone.now(), "hidden_reason": "Offensive wording"}


PLACE = {"latitude": Decimal("42.690000"), "longitude": Decimal("23.320000")}


def build(kind: str) -> World:
    """The district, its pool and what the page acts on; `kind` names the situation."""
    district = DistrictFactory()
    if kind in ("support", "support_hidden"):
        pool = support_pool(district)
    elif kind in ("review", "returned"):
        pool = make_pool(district=district, phase="review")
    else:
        pool = make_pool(district=district, phase="submission")
    author = make_resident(district)
    world = World(district=district, pool=pool, author=author)
    category = CategoryFactory()

    def proposal(**fields):
        return ProposalFactory(pool=pool, author=author, category=category, **fields)

    if kind in ("public", "comment", "image"):
        world.proposal = proposal(title="Public bench")
    elif kind == "draft":
        world.proposal = proposal(title="Secret draft", status=Status.DRAFT)
    elif kind in ("hidden", "image_file_hidden"):
        world.proposal = proposal(title="Hidden rant", **hidden_fields())
    elif kind == "image_file_draft":
        world.proposal = proposal(title="Secret draft", status=Status.DRAFT)
    elif kind == "image_file":
        world.proposal = proposal(title="Public bench")
    elif kind == "returned":
        world.proposal = proposal(title="Returned", status=Status.CHANGES_REQUESTED)
    elif kind == "support":
        world.proposal = proposal(title="Feasible", status=Status.FEASIBLE, staff_cost=4000)
    elif kind == "support_hidden":
        world.proposal = proposal(
            title="Feasible", status=Status.FEASIBLE, staff_cost=4000, **hidden_fields()
        )
    elif kind in ("listing", "mine"):
        world.proposal = proposal(title="Public bench", **PLACE)
        world.draft = proposal(title="Secret draft", status=Status.DRAFT, **PLACE)
        world.hidden = proposal(title="Hidden rant", **PLACE, **hidden_fields())
    if kind == "comment":
        world.comment = CommentFactory(proposal=world.proposal, body="Somebody else's comment")
    if kind.startswith("image_file"):
        folder = f"proposals/{world.proposal.pk}"
        world.image = ProposalImage.objects.create(
            proposal=world.proposal,
            image=default_storage.save(f"{folder}/a.jpg", ContentFile(b"\xff\xd8 full")),
            thumbnail=default_storage.save(f"{folder}/a-thumb.jpg", ContentFile(b"\xff\xd8")),
            width=10,
            height=10,
        )
    if kind == "image":
        world.image = ProposalImage.objects.create(
            proposal=world.proposal,
            image="proposals/a.jpg",
            thumbnail="proposals/a-thumb.jpg",
            width=10,
            height=10,
            alt_text="A bench",
        )
    return world


def user_for(role: str, world: World):
    return {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(world.district),
        "resident_other": lambda: make_resident(world.other),
        "unverified": lambda: UserFactory(),
        "author": lambda: world.author,
        "staff": lambda: make_staff(world.district),
        "staff_other": lambda: make_staff(world.other),
        "council": make_council,
        "city_admin": make_city_admin,
    }[role]()


COUNTED = (Comment, Flag, Support, ProposalImage, Review)


def db_state() -> tuple:
    """Everything a proposals page could change: every proposal's state, and row counts."""
    proposals = Proposal.objects.order_by("pk").values_list(
        "pk", "pool_id", "author_id", "status", "hidden_at", "title", "staff_cost", "updated_at"
    )
    counts = ", ".join(f"(SELECT COUNT(*) FROM {m._meta.db_table})" for m in COUNTED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return tuple(proposals), tuple(cursor.fetchone())


def category_id() -> str:
    return str(CategoryFactory().pk)


def proposal_form(**overrides) -> dict:
    data = {
        "title": "Benches in the park",
        "summary": "Ten new benches.",
        "body": "Along the *main* path.",
        "category": category_id(),
        "latitude": "",
        "longitude": "",
        "address": "Central park",
        "author_cost": "5000",
        "action": "draft",
    }
    data.update(overrides)
    return data


# The pages ----------------------------------------------------------------------------------


def expect(default, *, anonymous=LOGIN, author=None, **roles) -> dict:
    """Role → expected status: `default` for everyone not named; no `author` cell unless given."""
    table = {role: default for role in ROLES if role != "author"}
    table["anonymous"] = anonymous
    if author is not None:
        table["author"] = author
    table.update(roles)
    return table


# Who can see a draft or a hidden proposal: its author and the district's reviewers.
REVIEWERS = {"staff": 200, "city_admin": 200}


@dataclass(frozen=True)
class Page:
    view: str
    world: str
    method: str
    expected: dict
    args: Callable[[World], list] = lambda w: [w.proposal.pk]
    data: Callable[[World], dict] = lambda w: {}
    redirect: Callable[[World], str] | None = None  # the Location after a successful POST
    effect: Callable[[World], None] | None = None  # what a successful POST did
    check: Callable[[World, str, str], None] | None = None  # on a 200 page: (world, role, html)
    name: str = field(default="")

    @property
    def id(self) -> str:
        return self.name or self.view


def show_only_public(world: World, role: str, html: str) -> None:
    assert "Public bench" in html
    assert "Secret draft" not in html and "Hidden rant" not in html


def mine_only_for_author(world: World, role: str, html: str) -> None:
    titles = ("Public bench", "Secret draft", "Hidden rant")
    if role == "author":
        assert all(title in html for title in titles)
    else:
        assert not any(title in html for title in titles)


def detail(pk_of: Callable[[World], int], anchor: str = "") -> Callable[[World], str]:
    return lambda w: reverse("proposals:detail", args=[pk_of(w)]) + anchor


def status_is(status: str) -> Callable[[World], None]:
    def effect(world: World) -> None:
        world.proposal.refresh_from_db()
        assert world.proposal.status == status

    return effect


def gone(world: World) -> None:
    assert not Proposal.objects.filter(pk=world.proposal.pk).exists()


def assert_no_images() -> None:
    assert not ProposalImage.objects.exists()


def one_more(model, **filters) -> Callable[[World], None]:
    def effect(world: World) -> None:
        assert model.objects.filter(**{k: v(world) for k, v in filters.items()}).count() == 1

    return effect


PAGES = [
    # Everyone: only public proposals, whoever asks.
    Page(
        "list",
        "listing",
        "get",
        expect(200, anonymous=200),
        args=lambda w: [],
        check=show_only_public,
    ),
    Page(
        "district_list",
        "listing",
        "get",
        expect(200, anonymous=200),
        args=lambda w: [w.district.slug],
        check=show_only_public,
    ),
    Page(
        "map",
        "listing",
        "get",
        expect(200, anonymous=200),
        args=lambda w: [],
        check=show_only_public,
    ),
    Page(
        "map_data",
        "listing",
        "get",
        expect(200, anonymous=200),
        args=lambda w: [],
        check=show_only_public,
    ),
    Page("detail", "public", "get", expect(200, anonymous=200, author=200), name="detail_public"),
    Page(
        "detail",
        "draft",
        "get",
        expect(404, anonymous=404, author=200, **REVIEWERS),
        name="detail_draft",
    ),
    Page(
        "detail",
        "hidden",
        "get",
        expect(404, anonymous=404, author=200, **REVIEWERS),
        name="detail_hidden",
    ),
    # Writing: verified residents of the pool's district, during submission only.
    Page(
        "create",
        "submission",
        "get",
        expect(403, resident=200),
        args=lambda w: [w.district.slug],
        name="create_get",
    ),
    Page(
        "create",
        "submission",
        "post",
        expect(403, resident=302),
        args=lambda w: [w.district.slug],
        data=lambda w: proposal_form(),
        redirect=lambda w: reverse("proposals:detail", args=[Proposal.objects.latest("pk").pk]),
        effect=lambda w: Proposal.objects.get(title="Benches in the park", status=Status.DRAFT),
        name="create_post",
    ),
    Page(
        "create",
        "review",
        "get",
        expect(403),
        args=lambda w: [w.district.slug],
        name="create_get_review",
    ),
    Page(
        "create",
        "review",
        "post",
        expect(403),
        args=lambda w: [w.district.slug],
        data=lambda w: proposal_form(),
        name="create_post_review",
    ),
    # Inline validation has no rule of its own: any signed-in user (it writes nothing).
    Page(
        "validate",
        "submission",
        "post",
        expect(200),
        args=lambda w: [w.district.slug],
        data=lambda w: proposal_form(_field="title"),
    ),
    # The author's pages: a public proposal → 403 for others; a draft → 404 for those who
    # may not see it, 403 for the reviewers who may.
    Page("edit", "public", "get", expect(403, author=200), name="edit_get"),
    Page(
        "edit",
        "draft",
        "get",
        expect(404, author=200, staff=403, city_admin=403),
        name="edit_get_draft",
    ),
    Page(
        "submit",
        "draft",
        "post",
        expect(404, author=302, staff=403, city_admin=403),
        redirect=detail(lambda w: w.proposal.pk),
        effect=status_is(Status.SUBMITTED),
        name="submit_draft",
    ),
    Page(
        "submit",
        "returned",
        "post",
        expect(403, author=302),
        redirect=detail(lambda w: w.proposal.pk),
        effect=status_is(Status.SUBMITTED),
        name="submit_returned",
    ),
    Page("withdraw", "public", "get", expect(403, author=200), name="withdraw_get"),
    Page(
        "withdraw",
        "public",
        "post",
        expect(403, author=302),
        data=lambda w: {"reason": "Changed my mind"},
        redirect=lambda w: reverse("proposals:mine"),
        effect=status_is(Status.WITHDRAWN),
        name="withdraw_post",
    ),
    Page(
        "withdraw",
        "draft",
        "post",
        expect(404, author=302, staff=403, city_admin=403),
        redirect=lambda w: reverse("proposals:mine"),
        effect=gone,
        name="withdraw_post_draft",
    ),
    Page("images", "image", "get", expect(403, author=200), name="images_get"),
    Page(
        "image_delete",
        "image",
        "post",
        expect(403, author=302),
        args=lambda w: [w.proposal.pk, w.image.pk],
        redirect=lambda w: reverse("proposals:images", args=[w.proposal.pk]),
        effect=lambda w: assert_no_images(),
    ),
    # Comments: any verified resident (of any district) on a public proposal.
    Page(
        "comment",
        "public",
        "post",
        expect(403, author=302, resident=302, resident_other=302),
        data=lambda w: {"body": "Good idea"},
        redirect=detail(lambda w: w.proposal.pk, "#comments"),
        effect=one_more(Comment, body=lambda w: "Good idea"),
        name="comment_post",
    ),
    Page(
        "comment",
        "draft",
        "post",
        expect(404, author=403, staff=403, city_admin=403),
        data=lambda w: {"body": "Good idea"},
        name="comment_post_draft",
    ),
    # Flags: anyone signed in, on a visible comment.
    Page(
        "comment_flag",
        "comment",
        "post",
        expect(302, author=302),
        args=lambda w: [w.comment.pk],
        data=lambda w: {"reason": "Spam"},
        redirect=lambda w: (
            reverse("proposals:detail", args=[w.proposal.pk]) + f"#comment-{w.comment.pk}"
        ),
        effect=one_more(Flag, comment=lambda w: w.comment),
    ),
    # Supports: residents of the district, feasible proposals, support phase.
    Page(
        "support",
        "support",
        "post",
        expect(403, author=302, resident=302),
        redirect=detail(lambda w: w.proposal.pk),
        effect=one_more(Support, proposal=lambda w: w.proposal),
        name="support_post",
    ),
    Page(
        "support", "public", "post", expect(403, author=403), name="support_post_submission_phase"
    ),
    # The support rule does not ask for a public proposal: a hidden one's author may.
    Page(
        "support",
        "support_hidden",
        "post",
        expect(404, author=403, staff=403, city_admin=403),
        redirect=detail(lambda w: w.proposal.pk),
        effect=one_more(Support, proposal=lambda w: w.proposal),
        name="support_post_hidden",
    ),
    # Image files: whoever may see the proposal (a file that exists in every cell).
    Page(
        "image_file",
        "image_file",
        "get",
        expect(200, anonymous=200, author=200),
        args=lambda w: [w.proposal.pk, Path(w.image.image.name).name],
    ),
    Page(
        "image_file",
        "image_file_draft",
        "get",
        expect(404, anonymous=404, author=200, **REVIEWERS),
        args=lambda w: [w.proposal.pk, Path(w.image.thumbnail.name).name],
        name="image_file_draft",
    ),
    Page(
        "image_file",
        "image_file_hidden",
        "get",
        expect(404, anonymous=404, author=200, **REVIEWERS),
        args=lambda w: [w.proposal.pk, Path(w.image.image.name).name],
        name="image_file_hidden",
    ),
    Page(
        "mine",
        "mine",
        "get",
        expect(200, author=200),
        args=lambda w: [],
        check=mine_only_for_author,
    ),
]

# Cells where the application is wrong: (page id, role) → reason.
BUGS: dict[tuple[str, str], str] = {}


def cells():
    for page in PAGES:
        for role, expected in page.expected.items():
            reason = BUGS.get((page.id, role))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(page, role, expected, id=f"{page.id}-{role}", marks=marks)


@pytest.mark.parametrize(("page", "role", "expected"), list(cells()))
def test_permission_matrix(client, page, role, expected):
    world = build(page.world)
    user = user_for(role, world)
    if user is not None:
        client.force_login(user)
    url = reverse(f"proposals:{page.view}", args=page.args(world))
    before = db_state()
    response = getattr(client, page.method)(url, page.data(world))
    after = db_state()

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    else:
        assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == page.redirect(world)
        assert after != before
        page.effect(world)
    else:
        # Refused, or a page that only shows: nothing changed.
        assert after == before
    if expected == 200 and page.check is not None:
        page.check(world, role, response.content.decode())


def test_matrix_covers_every_non_staff_url():
    from proposals.urls import urlpatterns

    names = {p.name for p in urlpatterns if not p.name.startswith("staff_")}
    assert names == {page.view for page in PAGES}


# Forged ids and invalid input --------------------------------------------------------------

MISSING = 999_999_999


@pytest.fixture
def world():
    """A submission-phase district with the author's public proposal, a comment and an image,
    and another district whose pool has its own proposal, comment and image."""
    w = build("image")
    w.comment = CommentFactory(proposal=w.proposal, body="A comment here")
    other_pool = make_pool(district=w.other, phase="submission")
    w.foreign = ProposalFactory(pool=other_pool, title="Somewhere else")
    w.foreign_comment = CommentFactory(proposal=w.foreign, body="A comment there")
    w.foreign_image = ProposalImage.objects.create(
        proposal=w.foreign,
        image="proposals/b.jpg",
        thumbnail="proposals/b-t.jpg",
        width=10,
        height=10,
    )
    return w


def refused(client, method, url, data=None, *, status: int):
    """The request gets `status` and changes nothing."""
    before = db_state()
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status
    assert db_state() == before
    return response


def test_edit_ignores_smuggled_fields(client, world):
    """Pool, author, status, staff cost, hiding and duplicate_of are not the author's to set."""
    proposal = world.proposal
    client.force_login(world.author)
    data = proposal_form(
        title="Renamed",
        pool=world.foreign.pool_id,
        author=world.foreign.author_id,
        status=Status.FEASIBLE,
        staff_cost="1",
        hidden_at="2020-01-01T00:00:00Z",
        duplicate_of=world.foreign.pk,
        submitted_at="",
    )
    response = client.post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:detail", args=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.title == "Renamed"
    assert proposal.pool_id == world.pool.pk and proposal.author_id == world.author.pk
    assert proposal.status == Status.SUBMITTED and proposal.staff_cost is None
    assert proposal.hidden_at is None and proposal.duplicate_of_id is None
    assert proposal.submitted_at is not None
    world.foreign.refresh_from_db()
    assert world.foreign.title == "Somewhere else"


@pytest.mark.parametrize(("target", "status"), [("public", 403), ("draft", 404)])
def test_edit_post_to_a_proposal_of_another_pool(client, world, target, status):
    """The author of one proposal posts the edit form at another pool's proposal."""
    if target == "draft":
        Proposal.objects.filter(pk=world.foreign.pk).update(status=Status.DRAFT, submitted_at=None)
    client.force_login(world.author)
    url = reverse("proposals:edit", args=[world.foreign.pk])
    refused(client, "post", url, proposal_form(title="Taken over"), status=status)


@pytest.mark.parametrize("category", [str(MISSING), "abc", ""])
def test_edit_with_forged_category_is_400(client, world, category):
    client.force_login(world.author)
    url = reverse("proposals:edit", args=[world.proposal.pk])
    response = refused(client, "post", url, proposal_form(category=category), status=400)
    assert response.context["form"].errors["category"]


@pytest.mark.parametrize(
    "overrides",
    [{"category": str(MISSING)}, {"title": ""}, {"author_cost": "0"}, {"latitude": "42.69"}],
    ids=["unknown_category", "no_title", "zero_cost", "half_a_place"],
)
def test_create_with_invalid_input_is_400(client, world, overrides):
    client.force_login(make_resident(world.district))
    url = reverse("proposals:create", args=[world.district.slug])
    refused(client, "post", url, proposal_form(**overrides), status=400)


@pytest.mark.parametrize(
    "parent",
    ["foreign", "reply", "hidden", "missing", "text"],
)
def test_comment_with_forged_parent_is_400(client, world, parent):
    """A reply must answer a visible top-level comment of the same proposal."""
    own = world.comment
    parent_id = {
        "foreign": lambda: world.foreign_comment.pk,
        "reply": lambda: CommentFactory(proposal=world.proposal, parent=own).pk,
        "hidden": lambda: (
            CommentFactory(
                proposal=world.proposal, hidden_at=timezone.now(), hidden_reason="Rude"
            ).pk
        ),
        "missing": lambda: MISSING,
        "text": lambda: "abc",
    }[parent]()
    client.force_login(make_resident(world.district))
    url = reverse("proposals:comment", args=[world.proposal.pk])
    refused(client, "post", url, {"body": "Me too", "parent": parent_id}, status=400)


def test_comment_with_empty_body_is_400(client, world):
    client.force_login(make_resident(world.district))
    url = reverse("proposals:comment", args=[world.proposal.pk])
    refused(client, "post", url, {"body": "   "}, status=400)


@pytest.mark.parametrize("image", ["foreign", "own_other_proposal", "missing"])
def test_image_delete_with_forged_image_id_is_404(client, world, image):
    """The author may only remove the images of the proposal in the URL."""
    image_id = {
        "foreign": lambda: world.foreign_image.pk,
        "own_other_proposal": lambda: (
            ProposalImage.objects.create(
                proposal=ProposalFactory(pool=world.pool, author=world.author),
                image="proposals/c.jpg",
                thumbnail="proposals/c-t.jpg",
                width=10,
                height=10,
            ).pk
        ),
        "missing": lambda: MISSING,
    }[image]()
    client.force_login(world.author)
    url = reverse("proposals:image_delete", args=[world.proposal.pk, image_id])
    refused(client, "post", url, status=404)


@pytest.mark.parametrize("state", ["draft", "hidden"])
def test_flag_a_comment_of_a_proposal_the_user_cannot_see_is_404(client, world, state):
    fields = {"status": Status.DRAFT, "submitted_at": None} if state == "draft" else hidden_fields()
    Proposal.objects.filter(pk=world.proposal.pk).update(**fields)
    client.force_login(make_resident(world.district))
    url = reverse("proposals:comment_flag", args=[world.comment.pk])
    refused(client, "post", url, {"reason": "Spam"}, status=404)


def test_flag_a_hidden_comment_is_403(client, world):
    Comment.objects.filter(pk=world.comment.pk).update(
        hidden_at=timezone.now(), hidden_reason="Rude"
    )
    client.force_login(make_resident(world.district))
    url = reverse("proposals:comment_flag", args=[world.comment.pk])
    refused(client, "post", url, {"reason": "Spam"}, status=403)


def test_flag_ones_own_comment_is_403(client, world):
    """The rule refuses it as the service does ("This comment cannot be reported.")."""
    client.force_login(world.comment.author)
    url = reverse("proposals:comment_flag", args=[world.comment.pk])
    refused(client, "post", url, {"reason": "Oops"}, status=403)


def test_withdraw_with_too_long_reason_is_400(client, world):
    client.force_login(world.author)
    url = reverse("proposals:withdraw", args=[world.proposal.pk])
    refused(client, "post", url, {"reason": "x" * 2001}, status=400)


def test_validate_unknown_field_is_400(client, world):
    client.force_login(make_resident(world.district))
    url = reverse("proposals:validate", args=[world.district.slug])
    refused(client, "post", url, proposal_form(_field="status"), status=400)


MISSING_PK = [
    ("detail", "get", [MISSING]),
    ("edit", "get", [MISSING]),
    ("edit", "post", [MISSING]),
    ("submit", "post", [MISSING]),
    ("withdraw", "post", [MISSING]),
    ("images", "get", [MISSING]),
    ("image_delete", "post", [MISSING, MISSING]),
    ("comment", "post", [MISSING]),
    ("comment_flag", "post", [MISSING]),
    ("support", "post", [MISSING]),
    ("district_list", "get", ["nowhere"]),
    ("create", "get", ["nowhere"]),
    ("create", "post", ["nowhere"]),
    ("validate", "post", ["nowhere"]),
]


@pytest.mark.parametrize(
    ("view", "method", "args"), MISSING_PK, ids=[f"{v}-{m}" for v, m, _ in MISSING_PK]
)
def test_unknown_id_or_slug_is_404(client, world, view, method, args):
    client.force_login(world.author)
    data = proposal_form(_field="title", body="Me too", reason="x")
    refused(client, method, reverse(f"proposals:{view}", args=args), data, status=404)


@pytest.mark.parametrize(("view", "method"), [("create", "get"), ("validate", "post")])
def test_district_without_pool_is_404(client, world, view, method):
    """A district that has no pool yet: nothing to propose to."""
    lonely = DistrictFactory()
    client.force_login(make_resident(lonely))
    url = reverse(f"proposals:{view}", args=[lonely.slug])
    refused(client, method, url, proposal_form(_field="title"), status=404)
