"""Fixtures for the open data API tests."""

import pytest

from tests.api.factories import Counted, make_counted


@pytest.fixture
def counted(db) -> Counted:
    return make_counted()
