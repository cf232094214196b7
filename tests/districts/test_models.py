from datetime import date

import pytest
from django.utils import translation

from districts.models import Assembly


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "Youth (03/05/2026)"), ("bg", "Youth (05.03.2026)"), ("tr", "Youth (05 Mar 2026)")],
)
def test_assembly_name_gives_its_date_as_the_language_writes_it(language, shown):
    assembly = Assembly(title="Youth", held_on=date(2026, 3, 5))
    with translation.override(language):
        assert str(assembly) == shown
