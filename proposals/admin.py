"""Django admin for city admins: categories are managed here; proposals are read-mostly.

Every change of a proposal's status goes through the services (the staff review pages), so
the admin shows proposals, their images, history and comments without letting anyone edit
them. Nothing here touches ballots.
"""

from django.contrib import admin
from django.utils.translation import pgettext_lazy

from proposals.models import Category, Comment, Flag, Proposal, ProposalImage, Review, Support


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_bg", "name_tr", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_en", "name_bg", "name_tr", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    ordering = ("position", "name_en")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ImageInline(ReadOnlyInline):
    model = ProposalImage
    fields = ("image", "alt_text", "width", "height", "position")
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = (
        "created_at",
        "actor",
        "action",
        "from_status",
        "to_status",
        "public_reason",
        "internal_note",
        "notified_at",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services: viewable, never added or edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "pool", "category", "status", "submitted_at", "hidden_at")
    list_filter = ("status", "category", "pool__cycle", "pool__district")
    list_select_related = ("pool__district", "pool__cycle", "category")
    search_fields = ("id", "title", "summary")
    date_hierarchy = "submitted_at"
    readonly_fields = (
        "pool",
        "author",
        "title",
        "summary",
        "body",
        "category",
        "address",
        "latitude",
        "longitude",
        "author_cost",
        "staff_cost",
        "status",
        "duplicate_of",
        "hidden_at",
        "hidden_reason",
        "submitted_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = (ImageInline, ReviewInline)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Proposals carry the audit trail and, later, ballot lines: never deleted by hand.
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = (
        "proposal",
        "action",
        "from_status",
        "to_status",
        "actor",
        "created_at",
        "notified_at",
    )
    list_filter = ("action", "to_status")
    list_select_related = ("proposal", "actor")
    search_fields = ("proposal__title", "public_reason")
    readonly_fields = (
        "proposal",
        "actor",
        "action",
        "from_status",
        "to_status",
        "public_reason",
        "internal_note",
        "created_at",
        "notified_at",
    )
    fields = readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FlagInline(ReadOnlyInline):
    model = Flag
    fields = ("reason", "created_at", "resolved_at")
    readonly_fields = fields


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Moderation happens on the staff pages (with a reason); here comments are only read."""

    list_display = ("id", "proposal", "author", "created_at", "is_hidden_display")
    list_filter = (("hidden_at", admin.EmptyFieldListFilter),)
    list_select_related = ("proposal", "author")
    search_fields = ("body",)
    readonly_fields = (
        "proposal",
        "author",
        "parent",
        "body",
        "created_at",
        "hidden_at",
        "hidden_reason",
        "hidden_by",
    )
    fields = readonly_fields
    inlines = (FlagInline,)

    @admin.display(boolean=True, description=pgettext_lazy("comment", "hidden"))
    def is_hidden_display(self, obj: Comment) -> bool:
        return obj.is_hidden


@admin.register(Support)
class SupportAdmin(ReadOnlyAdmin):
    """Supports are public (not votes); listed per proposal, with counts in mind."""

    list_display = ("proposal", "user", "created_at")
    list_select_related = ("proposal", "user")
    search_fields = ("proposal__title",)
    readonly_fields = ("proposal", "user", "created_at")
    fields = readonly_fields
