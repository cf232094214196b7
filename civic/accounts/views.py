from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from civic.accounts import selectors, services
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
        "other_sessions": selectors.other_sessions_count(
            user=request.user, current=request.session.session_key
        ),
    }
    return render(request, "accounts/profile.html", context)


@require_POST
@login_required
def set_reminders(request: HtmxHttpRequest) -> HttpResponse:
    """Turn the voting reminder e-mail on or off for the signed-in user."""
    enabled = request.POST.get("voting_reminders") == "on"
    services.user_set_voting_reminders(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("You will be reminded to vote."))
    else:
        messages.success(request, _("You will not get voting reminders."))
    return redirect("accounts:profile")


@require_POST
@login_required
def sessions_end_others(request: HtmxHttpRequest) -> HttpResponse:
    """Sign the user out on every other browser and device; this one stays signed in."""
    ended = services.sessions_end_others(user=request.user, keep=request.session.session_key)
    if ended:
        messages.success(
            request,
            ngettext(
                "You were signed out on %(count)d other browser or device.",
                "You were signed out on %(count)d other browsers or devices.",
                ended,
            )
            % {"count": ended},
        )
    else:
        messages.info(request, _("You were not signed in anywhere else."))
    return redirect("accounts:profile")
