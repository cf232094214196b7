"""Seed the default project categories in English, Bulgarian and Turkish.

Idempotent (existing slugs are left as the admins edited them) and reversible (the seeded
categories that no proposal uses are removed).
"""

from django.db import migrations

CATEGORIES = (
    # slug, English, Bulgarian, Turkish
    ("parks", "Parks and green spaces", "Паркове и зелени площи", "Parklar ve yeşil alanlar"),
    ("streets", "Streets and mobility", "Улици и мобилност", "Sokaklar ve ulaşım"),
    ("sport-play", "Sport and play", "Спорт и игра", "Spor ve oyun"),
    ("culture", "Culture", "Култура", "Kültür"),
    ("education", "Education", "Образование", "Eğitim"),
    ("social", "Social", "Социални дейности", "Sosyal"),
    ("environment", "Environment", "Околна среда", "Çevre"),
    ("accessibility", "Accessibility", "Достъпна среда", "Erişilebilirlik"),
)


def seed(apps, schema_editor):
    Category = apps.get_model("proposals", "Category")
    for position, (slug, en, bg, tr) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            slug=slug,
            defaults={"name_en": en, "name_bg": bg, "name_tr": tr, "position": position * 10},
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("proposals", "Category")
    Category.objects.filter(
        slug__in=[slug for slug, *_names in CATEGORIES], proposals__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
