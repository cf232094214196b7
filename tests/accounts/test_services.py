import pytest
from django.core.exceptions import ValidationError

from civic.accounts.models import User
from civic.accounts.services import user_set_language
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
