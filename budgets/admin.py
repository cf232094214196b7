from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets import selectors, services
from budgets.models import (
    LOCKED_POOL_FIELDS,
    AuditEvent,
    BallotFreeze,
    BudgetLine,
    Cycle,
    DistrictBudget,
    Pool,
    Report,
)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "title_en",
        "submission_starts",
        "voting_starts",
        "voting_ends",
        "phase",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.voting_starts <= timezone.now():
            return ["voting_starts"]
        return []


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


@admin.register(DistrictBudget)
class DistrictBudgetAdmin(admin.ModelAdmin):
    list_display = ["district", "year", "amount", "currency"]
    list_filter = ["year", "currency"]
    list_select_related = ["district"]
    inlines = [BudgetLineInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        # Through the service so pools not yet open follow the new budget.
        budget = services.district_budget_set(
            district=obj.district,
            year=obj.year,
            amount=obj.amount,
            currency=obj.currency,
            source_url=obj.source_url,
        )
        obj.pk = budget.pk


class PoolAdminForm(forms.ModelForm):
    class Meta:
        model = Pool
        exclude: list[str] = []

    def clean(self):
        cleaned = super().clean()
        district = cleaned.get("district") or getattr(self.instance, "district", None)
        cycle = cleaned.get("cycle") or getattr(self.instance, "cycle", None)
        if (
            district
            and cycle
            and selectors.district_budget_for(district=district, year=cycle.year) is None
        ):
            raise forms.ValidationError(
                _("%(district)s has no budget for %(year)d; enter the district budget first.")
                % {"district": district, "year": cycle.year}
            )
        if self.instance.pk and not self.errors:
            dates = {
                name: cleaned.get(name)
                for name in services.PHASE_OVERRIDE_FIELDS
                if name in self.changed_data
            }
            try:
                services.pool_dates_check(pool=self.instance, dates=dates)
            except ValidationError as error:
                # A field shown read-only (voting has opened) cannot carry an error itself.
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    """Pools are created and changed through the services; settings lock once voting opens."""

    list_display = ["district", "cycle", "amount", "currency", "method", "tally_rule", "phase"]
    list_filter = ["cycle", "method", "tally_rule"]
    list_select_related = ["district", "cycle"]
    form = PoolAdminForm

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.voting_has_opened:
            return sorted({"amount", "currency", "cycle", "district", *LOCKED_POOL_FIELDS})
        if obj is not None:
            return ["amount", "currency", "cycle", "district"]
        return ["amount", "currency"]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            dates = {n: fields.pop(n) for n in services.PHASE_OVERRIDE_FIELDS if n in fields}
            if fields:
                services.pool_update(pool=obj, **fields)
            saved = services.pool_set_phase_dates(pool=obj, dates=dates)
        else:
            fields.pop("cycle", None)
            fields.pop("district", None)
            saved = services.pool_create(cycle=obj.cycle, district=obj.district, **fields)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        # A pool whose voting has opened is part of the record (the database refuses too).
        if obj is not None and obj.voting_has_opened:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for pool in queryset.select_related("cycle"):
            if not pool.voting_has_opened:
                pool.delete()


# Ballots, ballot lines and paper entries are deliberately not registered: no screen shows
# who chose what. The freeze holds only the anonymised file and totals, after voting closed.
@admin.register(BallotFreeze)
class BallotFreezeAdmin(admin.ModelAdmin):
    list_display = ["pool", "frozen_at", "online", "paper", "held", "paper_unmatched", "digest"]
    fields = ["pool", "frozen_at", "digest", "online", "paper", "held", "paper_unmatched"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Reports and the audit log change only through their services (the council's
    decisions, the renderer); the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(_ReadOnlyAdmin):
    list_display = ["pool", "version", "state", "rendered_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["pool__district", "pool__cycle", "decided_by"]
    readonly_fields = [
        "pool",
        "tally",
        "version",
        "state",
        "reason",
        "requested_by",
        "created_at",
        "rendered_at",
        "decided_by",
        "decided_at",
        "comment",
        "error",
    ]
    fields = readonly_fields


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "pool", "report", "note"]
    list_filter = ["action"]
    list_select_related = ["actor", "pool__district", "pool__cycle", "report"]
    readonly_fields = ["at", "actor", "action", "pool", "tally", "report", "note"]
    fields = readonly_fields
