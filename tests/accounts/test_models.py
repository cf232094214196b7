import pytest
from django.db import IntegrityError, transaction

from civic.accounts.models import User

pytestmark = pytest.mark.django_db


def test_user_create_user_by_email_without_username():
    user = User.objects.create_user(email="ana@example.test", password="s3cret-pass")
    assert user.get_username() == "ana@example.test"
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None
    assert user.check_password("s3cret-pass")
    assert not user.is_staff and not user.is_superuser


def test_user_create_user_lower_cases_email():
    user = User.objects.create_user(email="Ana.Petrova@Example.TEST", password="x")
    assert user.email == "ana.petrova@example.test"


def test_user_create_user_without_email_raises():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="x")


def test_user_create_superuser_is_staff_and_superuser():
    user = User.objects.create_superuser(email="root@example.test", password="x")
    assert user.is_staff and user.is_superuser


def test_user_email_unique_ignoring_case_in_database():
    User.objects.create(email="Bob@Example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="bob@example.TEST")
    assert User.objects.count() == 1


def test_user_create_user_with_other_case_of_existing_email_raises():
    User.objects.create_user(email="bob@example.test", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="BOB@example.test", password="x")


def test_user_default_language_is_english():
    assert User.objects.create_user(email="c@example.test").preferred_language == "en"


def test_user_str_and_short_name_fall_back_to_email():
    user = User(email="dora@example.test")
    assert str(user) == "dora@example.test"
    assert user.get_short_name() == "dora"
    user.display_name = "Dora"
    assert str(user) == user.get_short_name() == user.get_full_name() == "Dora"
