"""Every interface string is translated into Bulgarian and Turkish."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["bg", "tr"])
def test_po_file_has_no_untranslated_or_fuzzy_entries(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id)
    assert missing == [], f"{path}: {len(missing)} untranslated or fuzzy: {missing[:10]}"


@pytest.mark.parametrize("language", ["bg", "tr"])
def test_po_file_placeholders_match(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    wrong = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(placeholder.findall(ids[-1]))
        for string in strings:
            if sorted(placeholder.findall(string)) != expected and expected:
                wrong.append(ids[0])
    assert wrong == [], f"{path}: placeholders differ in {wrong[:10]}"
