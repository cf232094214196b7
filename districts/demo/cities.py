"""The two demo cities: Sofia's 24 districts (EUR) and Kocaeli's 12 districts (TRY).

Names are real; populations are rounded census figures; budgets are plausible, not official.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoDistrict:
    slug: str
    name_en: str
    name_bg: str
    name_tr: str
    population: int
    lat: float
    lon: float
    neighbourhoods: tuple[tuple[str, str, str, str], ...] = field(default=())


@dataclass(frozen=True)
class DemoCity:
    key: str
    name: str
    currency: str
    budget_per_resident: int
    districts: tuple[DemoDistrict, ...]
    cycle_titles: tuple[str, str, str]  # en, bg, tr
    budget_lines: tuple[tuple[str, str, str, int], ...]  # en, bg, tr, per-mille of the budget


def _n(slug: str, en: str, bg: str, tr: str) -> tuple[str, str, str, str]:
    return (slug, en, bg, tr)


SOFIA = DemoCity(
    key="sofia",
    name="Sofia",
    currency="EUR",
    budget_per_resident=190,
    cycle_titles=("Participatory budget 2026", "Бюджет с участие 2026", "Katılımcı bütçe 2026"),
    budget_lines=(
        ("Schools and kindergartens", "Училища и детски градини", "Okullar ve anaokulları", 360),
        (
            "Streets, lighting and transport",
            "Улици, осветление и транспорт",
            "Sokaklar, aydınlatma ve ulaşım",
            190,
        ),
        ("Social care", "Социални грижи", "Sosyal hizmetler", 140),
        ("Parks and green spaces", "Паркове и зелени площи", "Parklar ve yeşil alanlar", 110),
        ("Culture and sport", "Култура и спорт", "Kültür ve spor", 80),
        ("Administration", "Администрация", "Yönetim", 120),
    ),
    districts=(
        DemoDistrict(
            "sredets",
            "Sredets",
            "Средец",
            "Sredets",
            31_000,
            42.6903,
            23.3299,
            (_n("centre", "City centre", "Център", "Şehir merkezi"),),
        ),
        DemoDistrict(
            "krasno-selo",
            "Krasno Selo",
            "Красно село",
            "Krasno Selo",
            80_000,
            42.6813,
            23.2866,
            (
                _n("borovo", "Borovo", "Борово", "Borovo"),
                _n("hipodruma", "Hipodruma", "Хиподрума", "Hipodruma"),
            ),
        ),
        DemoDistrict(
            "vazrazhdane", "Vazrazhdane", "Възраждане", "Vazrajdane", 46_000, 42.6988, 23.3088
        ),
        DemoDistrict("oborishte", "Oborishte", "Оборище", "Oborişte", 34_000, 42.6970, 23.3435),
        DemoDistrict("serdika", "Serdika", "Сердика", "Serdika", 51_000, 42.7172, 23.3164),
        DemoDistrict("poduyane", "Poduyane", "Подуяне", "Poduyane", 76_000, 42.7046, 23.3654),
        DemoDistrict("slatina", "Slatina", "Слатина", "Slatina", 68_000, 42.6855, 23.3747),
        DemoDistrict("izgrev", "Izgrev", "Изгрев", "İzgrev", 33_000, 42.6711, 23.3578),
        DemoDistrict(
            "lozenets",
            "Lozenets",
            "Лозенец",
            "Lozenets",
            52_000,
            42.6716,
            23.3241,
            (
                _n("lozenets", "Lozenets", "Лозенец", "Lozenets"),
                _n("hladilnika", "Hladilnika", "Хладилника", "Hladilnika"),
            ),
        ),
        DemoDistrict(
            "triaditsa",
            "Triaditsa",
            "Триадица",
            "Triaditsa",
            64_000,
            42.6800,
            23.3050,
            (
                _n("strelbishte", "Strelbishte", "Стрелбище", "Strelbişte"),
                _n(
                    "manastirski-livadi",
                    "Manastirski Livadi",
                    "Манастирски ливади",
                    "Manastirski Livadi",
                ),
            ),
        ),
        DemoDistrict(
            "krasna-polyana",
            "Krasna Polyana",
            "Красна поляна",
            "Krasna Polyana",
            58_000,
            42.6958,
            23.2709,
        ),
        DemoDistrict("ilinden", "Ilinden", "Илинден", "İlinden", 34_000, 42.7094, 23.2913),
        DemoDistrict("nadezhda", "Nadezhda", "Надежда", "Nadejda", 68_000, 42.7342, 23.3001),
        DemoDistrict(
            "iskar",
            "Iskar",
            "Искър",
            "İskır",
            64_000,
            42.6695,
            23.3990,
            (
                _n("druzhba-1", "Druzhba 1", "Дружба 1", "Drujba 1"),
                _n("druzhba-2", "Druzhba 2", "Дружба 2", "Drujba 2"),
            ),
        ),
        DemoDistrict(
            "mladost",
            "Mladost",
            "Младост",
            "Mladost",
            108_000,
            42.6506,
            23.3790,
            (
                _n("mladost-1", "Mladost 1", "Младост 1", "Mladost 1"),
                _n("mladost-2", "Mladost 2", "Младост 2", "Mladost 2"),
                _n("mladost-3", "Mladost 3", "Младост 3", "Mladost 3"),
                _n("mladost-4", "Mladost 4", "Младост 4", "Mladost 4"),
            ),
        ),
        DemoDistrict(
            "studentski", "Studentski", "Студентски", "Studentski", 71_000, 42.6441, 23.3436
        ),
        DemoDistrict(
            "vitosha",
            "Vitosha",
            "Витоша",
            "Vitoşa",
            62_000,
            42.6420,
            23.2880,
            (
                _n("boyana", "Boyana", "Бояна", "Boyana"),
                _n("dragalevtsi", "Dragalevtsi", "Драгалевци", "Dragalevtsi"),
            ),
        ),
        DemoDistrict(
            "ovcha-kupel", "Ovcha Kupel", "Овча купел", "Ovça Kupel", 55_000, 42.6770, 23.2530
        ),
        DemoDistrict(
            "lyulin",
            "Lyulin",
            "Люлин",
            "Lyulin",
            114_000,
            42.7163,
            23.2509,
            (
                _n("lyulin-1", "Lyulin 1", "Люлин 1", "Lyulin 1"),
                _n("lyulin-5", "Lyulin 5", "Люлин 5", "Lyulin 5"),
                _n("lyulin-10", "Lyulin 10", "Люлин 10", "Lyulin 10"),
            ),
        ),
        DemoDistrict("vrabnitsa", "Vrabnitsa", "Връбница", "Vrıbnitsa", 47_000, 42.7339, 23.2785),
        DemoDistrict(
            "novi-iskar", "Novi Iskar", "Нови Искър", "Novi İskır", 27_000, 42.8063, 23.3540
        ),
        DemoDistrict(
            "kremikovtsi", "Kremikovtsi", "Кремиковци", "Kremikovtsi", 23_000, 42.7840, 23.4520
        ),
        DemoDistrict(
            "pancharevo", "Pancharevo", "Панчарево", "Pançarevo", 28_000, 42.5970, 23.4110
        ),
        DemoDistrict("bankya", "Bankya", "Банкя", "Bankya", 12_000, 42.7066, 23.1450),
    ),
)

KOCAELI = DemoCity(
    key="kocaeli",
    name="Kocaeli",
    currency="TRY",
    budget_per_resident=9_000,
    cycle_titles=("Participatory budget 2026", "Бюджет с участие 2026", "Katılımcı bütçe 2026"),
    budget_lines=(
        ("Infrastructure and roads", "Инфраструктура и пътища", "Altyapı ve yollar", 330),
        ("Social services", "Социални услуги", "Sosyal hizmetler", 170),
        ("Parks and green spaces", "Паркове и зелени площи", "Parklar ve yeşil alanlar", 120),
        ("Culture, youth and sport", "Култура, младежи и спорт", "Kültür, gençlik ve spor", 110),
        ("Environment and cleaning", "Околна среда и чистота", "Çevre ve temizlik", 140),
        ("Administration", "Администрация", "Yönetim", 130),
    ),
    districts=(
        DemoDistrict(
            "izmit",
            "İzmit",
            "Измит",
            "İzmit",
            376_000,
            40.7654,
            29.9408,
            (
                _n("yahyakaptan", "Yahya Kaptan", "Яхя Каптан", "Yahya Kaptan"),
                _n("kurucesme", "Kuruçeşme", "Куручешме", "Kuruçeşme"),
            ),
        ),
        DemoDistrict(
            "gebze",
            "Gebze",
            "Гебзе",
            "Gebze",
            410_000,
            40.8027,
            29.4307,
            (
                _n("guzeller", "Güzeller", "Гюзелер", "Güzeller"),
                _n("osman-yilmaz", "Osman Yılmaz", "Осман Йълмаз", "Osman Yılmaz"),
            ),
        ),
        DemoDistrict("darica", "Darıca", "Даръджа", "Darıca", 230_000, 40.7694, 29.3753),
        DemoDistrict("cayirova", "Çayırova", "Чайърова", "Çayırova", 150_000, 40.8264, 29.3736),
        DemoDistrict("dilovasi", "Dilovası", "Диловасъ", "Dilovası", 50_000, 40.7790, 29.5440),
        DemoDistrict("korfez", "Körfez", "Кьорфез", "Körfez", 175_000, 40.7760, 29.7350),
        DemoDistrict("derince", "Derince", "Дериндже", "Derince", 145_000, 40.7560, 29.8300),
        DemoDistrict("kartepe", "Kartepe", "Картепе", "Kartepe", 130_000, 40.7530, 30.0200),
        DemoDistrict("basiskele", "Başiskele", "Башискеле", "Başiskele", 120_000, 40.7150, 29.9300),
        DemoDistrict("golcuk", "Gölcük", "Гьолджюк", "Gölcük", 175_000, 40.7170, 29.8200),
        DemoDistrict(
            "karamursel", "Karamürsel", "Карамюрсел", "Karamürsel", 58_000, 40.6920, 29.6160
        ),
        DemoDistrict("kandira", "Kandıra", "Кандъра", "Kandıra", 53_000, 41.0710, 30.1530),
    ),
)

CITIES = {city.key: city for city in (SOFIA, KOCAELI)}
