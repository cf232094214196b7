from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from civic.accounts import services
from civic.http import HtmxHttpRequest
from districts import selectors as district_selectors


@require_POST
def set_language(request: HtmxHttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in user keeps the choice on the account."""
    language = request.POST.get("language", "")
    response = django_set_language(request)
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


@require_GET
@login_required
def profile(request: HtmxHttpRequest) -> HttpResponse:
    """The user's own page: residency, staff districts and account links."""
    context = {
        "record": district_selectors.residency_of(user=request.user),
        "memberships": district_selectors.staff_memberships(user=request.user),
    }
    return render(request, "accounts/profile.html", context)
