"""The in-site inbox (every notification the signed-in person was sent) and their channel choices."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from p2mi_portal.errors import DomainError
from p2mi_portal.forms import add_domain_errors

from . import selectors, services
from .forms import NotificationPreferencesForm
from .models import Channel, Notification

logger = logging.getLogger(__name__)


def _rendered(notification: Notification, language: str) -> tuple[str, str]:
    """One message of the inbox; one that cannot be rendered must not hide all the others."""
    try:
        return services.notification_render(notification, language=language)
    except Exception:
        logger.exception("notification %s (%s) could not be rendered", notification.pk, notification.kind)
        return (
            notification.get_kind_display(),
            _("This message cannot be shown right now."),
        )


@login_required
@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), 20).get_page(request.GET.get("page"))
    # Shown in the page's language, whatever language the e-mail went out in.
    messages_shown = [(item, *_rendered(item, request.LANGUAGE_CODE)) for item in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "messages_shown": messages_shown, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    named = request.POST.getlist("notification")
    ids = [int(value) for value in named if value.isascii() and value.isdigit() and len(value) <= 12]
    # None: every notification; a list, even an empty one, only those named.
    services.notifications_mark_read(recipient=request.user, notification_ids=ids if named else None)
    return redirect("notifications:inbox")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = selectors.notification_preference_of(request.user)
    initial = {channel: getattr(current, channel) for channel in Channel.values}
    # Not ``request.POST or None``: a form with every box unticked posts nothing but is still a choice.
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.notification_preferences_set(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Your choice is saved."))
                return redirect("notifications:preferences")
    else:
        form = NotificationPreferencesForm(initial=initial, user=request.user)
    return render(request, "notifications/preferences.html", {"form": form})
