"""Who may do what with proposals and comments: every rule × role × foreign district."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from proposals.models import Category, Comment, Proposal, Status
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
    phase_dates,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "author",
    "resident",
    "foreign_resident",
    "unverified",
    "staff",
    "foreign_staff",
    "council",
    "admin",
    "anonymous",
]


def make_proposal(pool, *, author, status=Status.SUBMITTED, **fields) -> Proposal:
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
        **fields,
    )


class World:
    """One district with a resident author, and someone of every role, here and elsewhere."""

    def __init__(self):
        self.district = DistrictFactory()
        elsewhere = DistrictFactory()
        self.users = {
            "author": make_resident(self.district),
            "resident": make_resident(self.district),
            "foreign_resident": make_resident(elsewhere),
            "unverified": UserFactory(),
            "staff": make_staff(self.district),
            "foreign_staff": make_staff(elsewhere),
            "council": make_council(),
            "admin": make_city_admin(),
            "anonymous": AnonymousUser(),
        }
        self._pool = None

    def pool(self, phase: str):
        """The district's pool, made in `phase` ("support": after review) on first use."""
        if self._pool is None:
            if phase == "support":
                dates = phase_dates(phase="review")
                dates["support_starts"] = timezone.now() - timedelta(hours=1)
                self._pool = make_pool(district=self.district, **dates)
            else:
                self._pool = make_pool(district=self.district, phase=phase)
        assert self._pool.phase == phase, "one pool (and phase) per district and cycle"
        return self._pool

    def proposal(self, phase: str = "submission", status: str = Status.SUBMITTED, **fields):
        return make_proposal(self.pool(phase), author=self.users["author"], status=status, **fields)

    def allowed(self, perm: str, obj) -> set[str]:
        """The roles whose `user.has_perm(perm, obj)` is true (the path views take)."""
        return {role for role, user in self.users.items() if user.has_perm(perm, obj)}


@pytest.fixture
def world() -> World:
    return World()


# --- add_proposal --------------------------------------------------------------------------


def test_add_proposal_only_residents_of_the_district_during_submission(world):
    allowed = world.allowed("proposals.add_proposal", world.pool("submission"))

    assert allowed == {"author", "resident"}


@pytest.mark.parametrize("phase", ["draft", "review", "voting", "results"])
def test_add_proposal_refused_outside_submission(world, phase):
    assert world.allowed("proposals.add_proposal", world.pool(phase)) == set()


def test_add_proposal_refused_to_inactive_resident(world):
    resident = world.users["resident"]
    resident.is_active = False
    resident.save()

    assert not resident.has_perm("proposals.add_proposal", world.pool("submission"))


# --- change_proposal -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "status"),
    [
        ("submission", Status.DRAFT),
        ("submission", Status.SUBMITTED),
        ("submission", Status.CHANGES_REQUESTED),
        ("review", Status.CHANGES_REQUESTED),
    ],
)
def test_change_proposal_only_the_author_while_editable(world, phase, status):
    proposal = world.proposal(phase, status)

    assert world.allowed("proposals.change_proposal", proposal) == {"author"}


@pytest.mark.parametrize(
    ("phase", "status"),
    [
        ("review", Status.DRAFT),
        ("review", Status.SUBMITTED),
        ("review", Status.UNDER_REVIEW),
        ("review", Status.FEASIBLE),
        ("review", Status.INFEASIBLE),
        ("review", Status.WITHDRAWN),
        ("voting", Status.CHANGES_REQUESTED),
        ("voting", Status.ON_BALLOT),
        ("submission", Status.UNDER_REVIEW),
    ],
)
def test_change_proposal_refused_to_everyone_once_not_editable(world, phase, status):
    proposal = world.proposal(phase, status)

    assert world.allowed("proposals.change_proposal", proposal) == set()


# --- view_proposal -------------------------------------------------------------------------


def test_view_proposal_draft_only_author_district_staff_and_admin(world):
    draft = world.proposal("submission", Status.DRAFT)

    assert world.allowed("proposals.view_proposal", draft) == {"author", "staff", "admin"}


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.FEASIBLE, Status.WITHDRAWN])
def test_view_proposal_submitted_is_public(world, status):
    proposal = world.proposal("review", status)

    assert world.allowed("proposals.view_proposal", proposal) == set(ROLES)


def test_view_proposal_hidden_only_author_district_staff_and_admin(world):
    hidden = world.proposal(hidden_at=timezone.now(), hidden_reason="Abuse.")

    assert world.allowed("proposals.view_proposal", hidden) == {"author", "staff", "admin"}


def test_view_internal_notes_only_reviewers(world):
    proposal = world.proposal("review")

    assert world.allowed("proposals.view_internal_notes", proposal) == {"staff", "admin"}


# --- review_proposal -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.FEASIBLE])
def test_review_proposal_district_staff_and_city_admin_only(world, status):
    proposal = world.proposal("review", status)

    assert world.allowed("proposals.review_proposal", proposal) == {"staff", "admin"}


def test_review_proposal_staff_of_two_districts_reviews_both(world):
    staff = world.users["foreign_staff"]
    staff.staff_memberships.create(district=world.district)

    assert staff.has_perm("proposals.review_proposal", world.proposal("review"))


# --- support_proposal ----------------------------------------------------------------------


def test_support_proposal_only_residents_during_support_on_feasible(world):
    feasible = world.proposal("support", Status.FEASIBLE)

    allowed = world.allowed("proposals.support_proposal", feasible)

    assert allowed == {"author", "resident"}


@pytest.mark.parametrize(
    "status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFEASIBLE, Status.WITHDRAWN]
)
def test_support_proposal_refused_when_not_feasible(world, status):
    proposal = world.proposal("support", status)

    assert world.allowed("proposals.support_proposal", proposal) == set()


@pytest.mark.parametrize("phase", ["submission", "review", "voting"])
def test_support_proposal_refused_outside_support_phase(world, phase):
    status = Status.ON_BALLOT if phase == "voting" else Status.FEASIBLE
    proposal = world.proposal(phase, status)

    assert world.allowed("proposals.support_proposal", proposal) == set()


# --- withdraw and comments -----------------------------------------------------------------


def test_withdraw_proposal_only_author_before_ballot(world):
    submitted = world.proposal("review")
    assert world.allowed("proposals.withdraw_proposal", submitted) == {"author"}
    on_ballot = world.proposal("review", Status.ON_BALLOT)
    assert world.allowed("proposals.withdraw_proposal", on_ballot) == set()


@pytest.fixture
def comment(world) -> Comment:
    proposal = world.proposal("review")
    return Comment.objects.create(proposal=proposal, author=world.users["resident"], body="Hm.")


def test_moderate_comment_district_staff_and_city_admin_only(world, comment):
    assert world.allowed("proposals.moderate_comment", comment) == {"staff", "admin"}


def test_moderate_comment_staff_scoped_to_the_comments_district(world):
    other = World()
    foreign_comment = Comment.objects.create(
        proposal=other.proposal("review"), author=other.users["resident"], body="Elsewhere."
    )

    assert not world.users["staff"].has_perm("proposals.moderate_comment", foreign_comment)
    assert other.users["staff"].has_perm("proposals.moderate_comment", foreign_comment)


def test_comment_proposal_needs_verified_resident_and_public_proposal(world):
    assert not world.users["resident"].has_perm(
        "proposals.comment_proposal", world.proposal(status=Status.DRAFT)
    )
    allowed = world.allowed("proposals.comment_proposal", world.proposal())
    assert {"author", "resident"} <= allowed
    assert not allowed & {"unverified", "anonymous", "council"}


def test_flag_comment_needs_login_and_visible_comment(world, comment):
    # Anyone signed in may report a comment, except its own author.
    assert world.allowed("proposals.flag_comment", comment) == set(ROLES) - {
        "anonymous",
        "resident",
    }
    comment.hidden_at, comment.hidden_reason = timezone.now(), "Rude."
    comment.save()
    assert world.allowed("proposals.flag_comment", comment) == set()


# --- the city admin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("perm", "phase", "status"),
    [
        ("proposals.add_proposal", "submission", None),
        ("proposals.add_proposal", "review", None),
        ("proposals.change_proposal", "submission", Status.SUBMITTED),
        ("proposals.change_proposal", "voting", Status.ON_BALLOT),
        ("proposals.withdraw_proposal", "review", Status.UNDER_REVIEW),
        ("proposals.support_proposal", "support", Status.FEASIBLE),
        ("proposals.support_proposal", "voting", Status.ON_BALLOT),
    ],
)
def test_city_admin_has_no_author_or_resident_rights(world, perm, phase, status):
    """A city admin is not a resident nor the author: the superuser flag grants nothing here.

    Django's stock `User.has_perm` answers True for every active superuser before asking
    any backend, which would let the admin propose, edit, withdraw and support for residents.
    """
    obj = world.pool(phase) if status is None else world.proposal(phase, status)

    assert not world.users["admin"].has_perm(perm, obj)
