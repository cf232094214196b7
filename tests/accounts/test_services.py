from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.utils import timezone

from civic.accounts.models import Session, User
from civic.accounts.services import sessions_end_others, user_set_language
from civic.accounts.sessions import SessionStore
from tests.factories import UserFactory

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
