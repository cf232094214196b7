from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from budgets import services
from budgets.forms import PoolPhasesForm
from budgets.models import Pool
from civic.http import HtmxHttpRequest


@require_http_methods(["GET", "POST"])
@login_required
def staff_pool_phases(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """District staff override the phase dates of their district's pool."""
    pool = get_object_or_404(
        Pool.objects.select_related("cycle", "district"), pk=pool_id, district__slug=slug
    )
    if not request.user.has_perm("budgets.change_pool_phases", pool):
        raise PermissionDenied
    form = PoolPhasesForm(request.POST or None, instance=pool)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_set_phase_dates(
                pool=pool, dates={name: form.cleaned_data[name] for name in form.changed_data}
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("The phase dates were saved."))
            return redirect("districts:staff_district", slug=slug)
    status = 400 if form.errors else 200
    pool.refresh_from_db()
    return render(
        request, "budgets/staff_pool_phases.html", {"pool": pool, "form": form}, status=status
    )
