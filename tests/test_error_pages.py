import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_404_page_uses_the_site_layout(client):
    response = client.get("/districts/no-such-district/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert 'id="main"' in content


def test_403_page_explains_and_offers_a_way_on(client):
    client.force_login(UserFactory())
    response = client.get("/staff/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "You cannot do this here" in content
    assert "/me/" in content
