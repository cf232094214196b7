"""`manage.py demo_data [--city sofia|kocaeli]`: an idempotent demo city."""

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from budgets import services as budget_services
from budgets.models import BallotMethod, BudgetLine, Cycle, Pool, TallyRule
from budgets.phases import Phase
from districts import services
from districts.demo.cities import CITIES, DemoCity
from districts.demo.proposals import seed_pool_proposals
from districts.demo.results import seed_results
from districts.models import Assembly, CensusRecord, District, Neighbourhood, StaffMembership

User = get_user_model()

PASSWORD = "civic-demo"
RESIDENTS_PER_DISTRICT = 20
SPARE_RECORDS_PER_DISTRICT = 10

# Offsets in days from today for each phase scenario; the demo shows all four at once.
SCENARIOS = {
    "submission": dict(
        submission=-10, review=20, voting=50, voting_end=64, results=75, implementation=120
    ),
    "review": dict(
        submission=-40, review=-5, voting=25, voting_end=39, results=50, implementation=100
    ),
    "voting": dict(
        submission=-70, review=-40, voting=-3, voting_end=11, results=20, implementation=60
    ),
    "results": dict(
        submission=-120, review=-90, voting=-50, voting_end=-36, results=-20, implementation=30
    ),
    # Given to one district instead of "submission": residents support the feasible proposals.
    "support": dict(
        submission=-45,
        review=-20,
        support=-3,
        voting=12,
        voting_end=26,
        results=35,
        implementation=90,
    ),
}
# Assemblies in the city's own language (their titles are what staff typed in).
ASSEMBLY_TITLES = {
    "sofia": (
        (Assembly.Group.NEIGHBOURHOOD, "Общо събрание на квартал {place}"),
        (Assembly.Group.YOUTH, "Младежко събрание"),
    ),
    "kocaeli": (
        (Assembly.Group.NEIGHBOURHOOD, "{place} Mahalle Meclisi"),
        (Assembly.Group.YOUTH, "Gençlik Meclisi"),
    ),
}
SCENARIO_ORDER = ("voting", "submission", "review", "results")
SUPPORT_DISTRICT = 6  # the district number whose pool gets the support scenario
SUPPORT_TOP_N = 5
# Demo proposals: a few generated images per city (they are slow-ish), one flagged comment.
IMAGE_DISTRICTS = {1: 2, 2: 1, 3: 1}
FLAGGED_COMMENT_DISTRICT = 1
METHODS = (
    dict(method=BallotMethod.APPROVAL, min_choices=1, max_choices=5, tally_rule=TallyRule.GREEDY),
    dict(
        method=BallotMethod.KNAPSACK,
        min_choices=1,
        max_choices=None,
        tally_rule=TallyRule.MES_ADD1_GREEDY,
    ),
    dict(
        method=BallotMethod.CUMULATIVE,
        points_total=10,
        points_per_project=5,
        tally_rule=TallyRule.GREEDY,
    ),
    dict(
        method=BallotMethod.APPROVAL, min_choices=1, max_choices=None, tally_rule=TallyRule.MES_ADD1
    ),
)


def demo_national_id(district_number: int, person: int) -> str:
    """Deterministic ten-digit ids: 9 000 DDD PPP, never a real person's."""
    return f"9{district_number:03d}{person:06d}"


def demo_birth_year(district_number: int, person: int) -> int:
    return 1950 + (district_number * 7 + person * 3) % 55


def scenario_dates(name: str, today) -> dict:
    offsets = SCENARIOS[name]

    def at(days: int, hour: int = 9):
        return (today + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)

    dates = {
        "submission_starts": at(offsets["submission"]),
        "review_starts": at(offsets["review"]),
        "voting_starts": at(offsets["voting"]),
        "voting_ends": at(offsets["voting_end"], hour=20),
        "results_starts": at(offsets["results"]),
        "implementation_starts": at(offsets["implementation"]),
    }
    if "support" in offsets:
        dates["support_starts"] = at(offsets["support"])
    return dates


class Command(BaseCommand):
    help = "Load the demo city (districts, budgets, pools, staff and residents). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--city", choices=sorted(CITIES), default="sofia")

    @transaction.atomic
    def handle(self, *args, city: str, **options):
        data = CITIES[city]
        today = timezone.localtime()
        password = make_password(PASSWORD)
        cycle = self._cycle(data, today)
        self._user("admin@civic.test", password, is_staff=True, is_superuser=True)
        self._user("council@civic.test", password, is_council=True)
        for number, demo in enumerate(data.districts, start=1):
            district = self._district(demo)
            self._budget_and_pool(data, district, cycle, number, today)
            staff = self._user(
                f"staff@{district.slug}.civic.test", password, display_name=f"Staff {demo.name_en}"
            )
            StaffMembership.objects.get_or_create(user=staff, district=district)
            # A second staff member, so that paper ballots can be double-entered in the demo.
            second = self._user(
                f"staff2@{district.slug}.civic.test",
                password,
                display_name=f"Staff 2 {demo.name_en}",
            )
            StaffMembership.objects.get_or_create(user=second, district=district)
            self._residents(district, number, password)
            self._proposals(data, district, cycle, staff, number)
            self._assemblies(data, district, today)
        self._results(cycle, [demo.slug for demo in data.districts])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo city {data.name}: {len(data.districts)} districts, cycle {cycle.year}. "
                f"Sign in with any demo account, password “{PASSWORD}”."
            )
        )
        spare = RESIDENTS_PER_DISTRICT + 1
        self.stdout.write(
            "Unclaimed census record to try verification: "
            f"national id {demo_national_id(1, spare)}, born {demo_birth_year(1, spare)} "
            f"({data.districts[0].slug})."
        )

    def _results(self, cycle: Cycle, slugs: list[str]) -> None:
        """Count the pools whose voting has ended; the first one's report is approved, the
        others wait for the council."""
        council = User.objects.get(email="council@civic.test")
        pools = {
            pool.district.slug: pool
            for pool in Pool.objects.filter(cycle=cycle).select_related("cycle", "district")
        }
        closed = [pools[slug] for slug in slugs if pools[slug].phase == Phase.RESULTS]
        for number, pool in enumerate(closed):
            seed_results(pool, council=council, approve=number == 0, seed=pool.district.slug)

    def _cycle(self, data: DemoCity, today) -> Cycle:
        title_en, title_bg, title_tr = data.cycle_titles
        cycle, _created = Cycle.objects.get_or_create(
            year=today.year,
            defaults={
                "title_en": title_en,
                "title_bg": title_bg,
                "title_tr": title_tr,
                **scenario_dates("review", today),
            },
        )
        return cycle

    def _district(self, demo) -> District:
        district, _created = District.objects.update_or_create(
            slug=demo.slug,
            defaults={
                "name_en": demo.name_en,
                "name_bg": demo.name_bg,
                "name_tr": demo.name_tr,
                "population": demo.population,
                "centre_lat": Decimal(str(demo.lat)),
                "centre_lon": Decimal(str(demo.lon)),
            },
        )
        neighbourhoods = demo.neighbourhoods or (
            (demo.slug, demo.name_en, demo.name_bg, demo.name_tr),
        )
        for slug, en, bg, tr in neighbourhoods:
            Neighbourhood.objects.update_or_create(
                district=district, slug=slug, defaults={"name_en": en, "name_bg": bg, "name_tr": tr}
            )
        return district

    def _budget_and_pool(
        self, data: DemoCity, district: District, cycle: Cycle, number: int, today
    ) -> None:
        amount = Decimal(district.population * data.budget_per_resident)
        budget = budget_services.district_budget_set(
            district=district, year=cycle.year, amount=amount, currency=data.currency
        )
        if not budget.lines.exists():
            BudgetLine.objects.bulk_create(
                BudgetLine(
                    budget=budget,
                    position=position,
                    label_en=en,
                    label_bg=bg,
                    label_tr=tr,
                    amount=(amount * per_mille / 1000).quantize(Decimal(1)),
                )
                for position, (en, bg, tr, per_mille) in enumerate(data.budget_lines)
            )
        if Pool.objects.filter(cycle=cycle, district=district).exists():
            return
        scenario = SCENARIO_ORDER[(number - 1) % len(SCENARIO_ORDER)]
        extra = {}
        if number == SUPPORT_DISTRICT:
            scenario, extra = "support", {"support_top_n": SUPPORT_TOP_N}
        budget_services.pool_create(
            cycle=cycle,
            district=district,
            **METHODS[(number - 1) // len(SCENARIO_ORDER) % len(METHODS)],
            **scenario_dates(scenario, today),
            **extra,
        )

    def _proposals(self, data: DemoCity, district: District, cycle: Cycle, staff, number: int):
        """Proposals, reviews, comments, supports and a few images for the district's pool."""
        pool = Pool.objects.select_related("cycle", "district").get(cycle=cycle, district=district)
        emails = [
            f"resident{person}@{district.slug}.civic.test"
            for person in range(1, RESIDENTS_PER_DISTRICT + 1)
        ]
        by_email = {user.email: user for user in User.objects.filter(email__in=emails)}
        seed_pool_proposals(
            city=data.key,
            district=district,
            pool=pool,
            staff=staff,
            residents=[by_email[email] for email in emails],
            number=number,
            images=IMAGE_DISTRICTS.get(number, 0),
            flagged_comment=number == FLAGGED_COMMENT_DISTRICT,
        )

    def _assemblies(self, data: DemoCity, district: District, today) -> None:
        """A neighbourhood assembly and a youth assembly, where paper ballots can be collected."""
        neighbourhood = district.neighbourhoods.order_by("slug").first()
        titles = ASSEMBLY_TITLES[data.key]
        for offset, (group, title) in enumerate(titles):
            Assembly.objects.get_or_create(
                district=district,
                group=group,
                defaults={
                    "title": title.format(
                        place=neighbourhood.name if neighbourhood else district.name
                    ),
                    "neighbourhood": neighbourhood
                    if group == Assembly.Group.NEIGHBOURHOOD
                    else None,
                    "held_on": (today - timedelta(days=30 + 7 * offset)).date(),
                    "attendance": 40 + 15 * offset,
                },
            )

    def _user(self, email: str, password: str, **fields) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"password": password, **fields}
        )
        if created:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _residents(self, district: District, number: int, password: str) -> None:
        neighbourhoods = list(district.neighbourhoods.order_by("slug"))
        records = []
        for person in range(1, RESIDENTS_PER_DISTRICT + SPARE_RECORDS_PER_DISTRICT + 1):
            records.append(
                CensusRecord(
                    id_hmac=services.national_id_hmac(demo_national_id(number, person)),
                    birth_year=demo_birth_year(number, person),
                    district=district,
                    neighbourhood=neighbourhoods[person % len(neighbourhoods)],
                )
            )
        CensusRecord.objects.bulk_create(records, ignore_conflicts=True)
        for person in range(1, RESIDENTS_PER_DISTRICT + 1):
            email = f"resident{person}@{district.slug}.civic.test"
            user = self._user(email, password, display_name=f"Resident {person}")
            CensusRecord.objects.filter(
                id_hmac=services.national_id_hmac(demo_national_id(number, person)),
                claimed_by__isnull=True,
            ).exclude(claimed_by=user).update(claimed_by=user, claimed_at=timezone.now())
