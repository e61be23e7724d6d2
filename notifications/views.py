"""The in-site inbox: every notification the signed-in person was sent, read or unread."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


@login_required
@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), 20).get_page(request.GET.get("page"))
    # Shown in the page's language, whatever language the e-mail went out in.
    messages = [
        (notification, *services.notification_render(notification, language=request.LANGUAGE_CODE))
        for notification in page
    ]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "messages_shown": messages, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    named = request.POST.getlist("notification")
    ids = [int(value) for value in named if value.isascii() and value.isdigit() and len(value) <= 12]
    # None: every notification; a list, even an empty one, only those named.
    services.notifications_mark_read(recipient=request.user, notification_ids=ids if named else None)
    return redirect("notifications:inbox")
