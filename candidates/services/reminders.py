"""Reminders about recruitment: candidates whose applications are unfinished as it closes."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from notifications.services import notification_queue
from programs.models import DocumentKind, Program, ProgramStatus

from ..models import Application, Document, DocumentStatus, Stage

# How many days before recruitment closes candidates with missing documents are reminded.
RECRUITMENT_CLOSING_DAYS = 3


def recruitment_closing_remind(
    *, today: datetime.date | None = None, days_before: int = RECRUITMENT_CLOSING_DAYS
) -> int:
    """Remind, once per application, each candidate whose application is unfinished as recruitment closes.

    Unfinished: still submitted or in screening, with a document the programme requires
    not uploaded, or rejected and not replaced. From ``days_before`` days before the last
    day of recruitment (WIB) on, so a day the job did not run is caught up the next day;
    a reminder already sent for the application and that closing date is not sent again.
    """
    today = today or timezone.localdate()
    closing = Program.objects.filter(
        status=ProgramStatus.PUBLISHED,
        recruitment_opens__lte=today,
        recruitment_closes__gte=today,
        recruitment_closes__lte=today + datetime.timedelta(days=days_before),
    )
    reminded = 0
    for program in closing:
        required = [kind for kind in program.required_document_kinds if kind in DocumentKind.values]
        if not required:
            continue
        unfinished_stages = (Stage.SUBMITTED, Stage.SCREENING)
        applications = Application.objects.filter(
            program=program, stage__in=unfinished_stages, candidate__user__is_active=True
        )
        uploaded: dict[int, set[str]] = defaultdict(set)
        documents = (
            Document.objects.filter(candidate__in=applications.values("candidate_id"), kind__in=required)
            .exclude(status=DocumentStatus.REJECTED)
            .values_list("candidate_id", "kind")
        )
        for candidate_id, kind in documents:
            uploaded[candidate_id].add(kind)
        closes_on = program.recruitment_closes.isoformat()
        for application_id, candidate_id in applications.order_by("pk").values_list("pk", "candidate_id"):
            missing = [kind for kind in required if kind not in uploaded[candidate_id]]
            if not missing:
                continue
            with transaction.atomic():
                locked = (
                    Application.objects.select_for_update(of=("self",))
                    .select_related("candidate__user")
                    .filter(pk=application_id, stage__in=unfinished_stages)
                    .first()
                )
                if locked is None:
                    continue
                recipient = locked.candidate.user
                already = Notification.objects.filter(
                    recipient=recipient,
                    kind=NotificationKind.RECRUITMENT_CLOSING,
                    context__application_id=locked.pk,
                    context__closes_on=closes_on,
                ).exists()
                if already:
                    continue
                notification_queue(
                    recipient=recipient,
                    kind=NotificationKind.RECRUITMENT_CLOSING,
                    context={
                        "application_id": locked.pk,
                        "program_id": program.pk,
                        "closes_on": closes_on,
                        "missing_documents": missing,
                    },
                )
                reminded += 1
    return reminded
