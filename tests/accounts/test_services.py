from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.utils import timezone

from budgets.models import Ballot
from budgets.services import ballot_cast
from civic.accounts.models import Session, User
from civic.accounts.services import sessions_end_others, user_delete, user_set_language
from civic.accounts.sessions import SessionStore
from districts.models import CensusRecord
from proposals.models import Flag, Proposal, Status, Support
from tests.budgets.factories import make_voting_pool
from tests.factories import (
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_resident,
    make_staff,
)
from tests.proposals.factories import CommentFactory, FlagFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["bg", "tr", "en"])
def test_user_set_language_saves_choice(language):
    user = UserFactory(preferred_language="en" if language != "en" else "tr")
    returned = user_set_language(user=user, language=language)
    assert returned.preferred_language == language
    assert User.objects.get(pk=user.pk).preferred_language == language


@pytest.mark.parametrize("language", ["de", "", "bg-BG"])
def test_user_set_language_unknown_language_raises(language):
    user = UserFactory(preferred_language="tr")
    with pytest.raises(ValidationError):
        user_set_language(user=user, language=language)
    assert User.objects.get(pk=user.pk).preferred_language == "tr"


# Sessions ------------------------------------------------------------------------------------


def _session_for(user, *, expires_in=timedelta(days=1)) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_sessions_end_others_deletes_the_users_other_sessions_and_keeps_this_one():
    user, neighbour = UserFactory(), UserFactory()
    here = _session_for(user)
    _session_for(user), _session_for(user)  # a phone, a laptop
    _session_for(user, expires_in=-timedelta(hours=1))  # expired, not yet cleared
    theirs = _session_for(neighbour)
    anonymous = SessionStore()
    anonymous["django_language"] = "bg"
    anonymous.create()
    assert sessions_end_others(user=user, keep=here) == 2  # the live ones
    assert set(Session.objects.values_list("pk", flat=True)) == {
        here,
        theirs,
        anonymous.session_key,
    }


def test_sessions_end_others_without_a_session_to_keep_ends_them_all():
    user = UserFactory()
    _session_for(user)
    assert sessions_end_others(user=user, keep=None) == 1
    assert not Session.objects.filter(user=user).exists()
    assert sessions_end_others(user=user, keep=None) == 0


# Closing an account --------------------------------------------------------------------------


def test_user_delete_removes_what_is_theirs_and_keeps_the_public_record(
    django_capture_on_commit_callbacks,
):
    pool, items = make_voting_pool()
    resident = make_resident(pool.district)
    assert EmailAddress.objects.filter(user=resident).exists()
    ballot = ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 1})
    submitted = ProposalFactory(author=resident)  # from an earlier cycle, say
    draft = ProposalFactory(author=resident, pool=submitted.pool, status=Status.DRAFT)
    comment = CommentFactory(author=resident, proposal=items[1])
    FlagFactory(user=resident, comment=CommentFactory(proposal=items[1]))
    Support.objects.create(user=resident, proposal=items[2])
    _session_for(resident)
    neighbour = make_resident(pool.district)
    neighbours_session = _session_for(neighbour)

    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=resident)

    assert not User.objects.filter(pk=resident.pk).exists()
    assert not Session.objects.exclude(pk=neighbours_session).exists()
    assert not EmailAddress.objects.filter(email=resident.email).exists()
    assert not Proposal.objects.filter(pk=draft.pk).exists()
    assert not Flag.objects.exists() and not Support.objects.exists()
    submitted.refresh_from_db()
    comment.refresh_from_db()
    assert submitted.author_id is None and submitted.status == Status.SUBMITTED
    assert comment.author_id is None and comment.body
    record = CensusRecord.objects.get(pk=ballot.census_record_id)
    assert record.claimed_by_id is None  # free for a new account of the same resident
    assert Ballot.objects.get(pk=ballot.pk).census_record_id == record.pk  # still counted
    assert User.objects.filter(pk=neighbour.pk).exists()


@pytest.mark.parametrize("role", ["district staff", "council", "city admin", "admin site"])
def test_user_delete_refuses_accounts_with_a_role(role):
    district = DistrictFactory()
    user = {
        "district staff": lambda: make_staff(district),
        "council": make_council,
        "city admin": make_city_admin,
        "admin site": lambda: UserFactory(is_staff=True),
    }[role]()
    session = _session_for(user)
    with pytest.raises(ValidationError) as refusal:
        user_delete(user=user)
    assert refusal.value.code == "privileged"
    assert "public record" in refusal.value.messages[0]
    assert User.objects.filter(pk=user.pk).exists()
    assert Session.objects.filter(pk=session).exists()


def test_user_delete_of_an_account_already_gone_does_nothing():
    user = UserFactory()
    User.objects.filter(pk=user.pk).delete()
    user_delete(user=user)  # a second click, a second tab
    assert not User.objects.filter(pk=user.pk).exists()
