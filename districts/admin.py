from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from districts import services
from districts.models import (
    Assembly,
    CensusRecord,
    District,
    DistrictBoundary,
    Neighbourhood,
    StaffMembership,
    VerificationAttempt,
)


class NeighbourhoodInline(admin.TabularInline):
    model = Neighbourhood
    extra = 0
    prepopulated_fields = {"slug": ["name_en"]}


class DistrictBoundaryForm(forms.ModelForm):
    class Meta:
        model = DistrictBoundary
        fields = ["geometry"]

    def clean_geometry(self):
        geometry = self.cleaned_data["geometry"]
        services.boundary_box(geometry)
        return geometry


class DistrictBoundaryInline(admin.StackedInline):
    """The outline, pasted as GeoJSON; the box around it is worked out when it is saved."""

    model = DistrictBoundary
    form = DistrictBoundaryForm
    fields = ["geometry", "south", "west", "north", "east"]
    readonly_fields = ["south", "west", "north", "east"]
    extra = 0
    max_num = 1


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_bg", "name_tr", "slug", "population"]
    search_fields = ["name_en", "name_bg", "name_tr", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [DistrictBoundaryInline, NeighbourhoodInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not DistrictBoundary:
            return super().save_formset(request, form, formset, change)
        # Through the service, which stores the box around the outline with it; the lists
        # are what the admin's history entry reports.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            # The district is the primary key, so even a new outline has one: ask the state.
            stored = not inline.instance._state.adding
            if inline.cleaned_data.get("DELETE"):
                if stored:
                    services.district_boundary_set(district=form.instance, geometry=None)
                    formset.deleted_objects.append(inline.instance)
            elif inline.has_changed():
                boundary = services.district_boundary_set(
                    district=form.instance, geometry=inline.cleaned_data["geometry"]
                )
                if stored:
                    formset.changed_objects.append((boundary, inline.changed_data))
                else:
                    formset.new_objects.append(boundary)
        return None


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "district", "role", "created_at"]
    list_filter = ["district", "role"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(CensusRecord)
class CensusRecordAdmin(admin.ModelAdmin):
    """Read-only: the register comes from `import_census`; ids appear only as HMACs."""

    list_display = ["short_hmac", "birth_year", "district", "neighbourhood", "is_claimed"]
    list_filter = ["district"]
    readonly_fields = [f.name for f in CensusRecord._meta.fields]
    list_select_related = ["district", "neighbourhood"]
    show_full_result_count = False

    @admin.display(description="HMAC")
    def short_hmac(self, record: CensusRecord) -> str:
        return record.id_hmac[:16] + "…"

    @admin.display(boolean=True, description=_("claimed"))
    def is_claimed(self, record: CensusRecord) -> bool:
        return record.claimed_by_id is not None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The delete confirmation would list the record's protected ballots, telling the
        # admin who voted; records leave the register only through `import_census`.
        return False


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(admin.ModelAdmin):
    list_display = ["user", "attempted_at", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "attempted_at", "outcome"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assembly)
class AssemblyAdmin(admin.ModelAdmin):
    list_display = ["title", "district", "group", "held_on", "attendance"]
    list_filter = ["group", "district"]
    search_fields = ["title", "minutes", "priorities"]
    date_hierarchy = "held_on"
