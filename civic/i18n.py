"""Model fields kept once per interface language (en, bg, tr)."""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


def localized(obj: object, field: str, language: str | None = None) -> str:
    """Return `obj.<field>_<language>`, falling back to the default language, then any."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    for code in (language, settings.LANGUAGE_CODE, *LANGUAGE_CODES):
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return value
    return ""


class TranslatedNameMixin(models.Model):
    """`name_en`, `name_bg`, `name_tr` and a `name` property in the active language."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bg = models.CharField(_("name (Bulgarian)"), max_length=120, blank=True)
    name_tr = models.CharField(_("name (Turkish)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


_TURKISH_ORDER = "abcçdefgğhıijklmnoöprsştuüvyz"
_BULGARIAN_ORDER = "абвгдежзийклмнопрстуфхцчшщъьюя"


def collation_key(text: str, language: str | None = None) -> tuple:
    """Sort key that follows the alphabet of the language (Turkish ı/İ, ç, ş… in place)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if language == "tr":
        lowered = text.replace("I", "ı").replace("İ", "i").lower()
        order = _TURKISH_ORDER
    else:
        lowered = text.lower()
        order = _BULGARIAN_ORDER if language == "bg" else ""
    return tuple((0, order.index(ch)) if ch in order else (1, ord(ch)) for ch in lowered)
