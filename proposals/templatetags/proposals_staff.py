"""Template tags of the district staff area."""

from django import template

from proposals import selectors

register = template.Library()


@register.simple_tag
def staff_work_counts(district) -> dict[str, int]:
    """`{% staff_work_counts district as work %}`: proposals to review and flagged comments."""
    return selectors.staff_work_counts(district=district)
