from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from civic.accounts import selectors, services
from civic.accounts.predicates import may_close_own_account
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


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required(
    allow_get=True, enabled=lambda request: may_close_own_account(request.user)
)
def delete(request: HtmxHttpRequest) -> HttpResponse:
    """Close one's own account: what goes and what stays, then a confirmed POST.

    The POST asks for the password again (or another way of signing in) unless the user
    gave it in the last few minutes, and allauth then replays it; an account that may not
    be closed here is refused without asking.
    """
    error = ""
    if request.method == "POST":
        try:
            services.user_delete(user=request.user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            logout(request)
            messages.success(request, _("Your account was deleted."))
            return redirect("districts:home")
    context = {"may_close": may_close_own_account(request.user), "error": error}
    return render(request, "accounts/delete.html", context, status=400 if error else 200)


@require_GET
@never_cache
@login_required
@reauthentication_required
def data(request: HtmxHttpRequest) -> HttpResponse:
    """Download everything kept about one's account as JSON; asks for the password again
    unless it was given in the last few minutes (the file holds personal data)."""
    response = JsonResponse(
        selectors.personal_data(user=request.user),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="civic-my-data-{day}.json"'
    return response
