import pytest

from tests.factories import make_pool

pytestmark = pytest.mark.django_db


def test_home_lists_pool(client):
    pool = make_pool(phase="voting")
    response = client.get("/")
    assert response.status_code == 200
    assert pool.district.name_en in response.content.decode()
