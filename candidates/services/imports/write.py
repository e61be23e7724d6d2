"""Writing what the verdicts say: accounts, profiles, applications and invitations, in bulk."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, models
from django.utils import timezone

from accounts.models import Role, User
from notifications.models import Channel, Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import notification_queue, outbox
from notifications.tasks import deliveries_send_batch
from p2mi_portal.copy import insert_rows

from ...consent import CONSENT_VERSION
from ...models import (
    Application,
    ApplicationEvent,
    CandidateProfile,
    ImportJob,
    ImportOutcome,
    ImportRow,
    Stage,
)
from .verdicts import Verdict

logger = logging.getLogger(__name__)

# The consent recorded on an imported application: the BKK's written consent, confirmed by staff.
IMPORT_CONSENT_VERSION = f"bkk-{CONSENT_VERSION}"

Insert = Callable[[type[models.Model], list[dict[str, Any]]], list[int]]


def password_unusable() -> str:
    # Unusable (the "!" prefix), and different for every account: the invitation link's
    # token is made from it, so the link stops working once a password is set.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)


PROFILE_FIELDS = (
    "full_name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "phone",
    "address",
    "province_id",
    "regency",
    "school_name",
    "school_npsn",
    "major_id",
    "graduation_year",
    "average_grade",
    "education_level",
)


def write(job: ImportJob, verdicts: list[Verdict], *, insert: Insert = insert_rows) -> list[int]:
    """Create what the verdicts say, with bulk inserts; the pending deliveries to send."""
    now = timezone.now()
    new = [verdict for verdict in verdicts if verdict.outcome == ImportOutcome.NEW]
    user_ids = insert(
        User,
        [
            {
                "email": verdict.row.email,
                "full_name": verdict.row.full_name,
                "phone": verdict.row.profile.phone,
                "role": Role.CANDIDATE,
                "password": password_unusable(),
                "language": settings.LANGUAGE_CODE,
                "is_active": False,  # until the invitation link is followed and a password set
                "is_staff": False,
                "is_superuser": False,
                "date_joined": now,
            }
            for verdict in new
        ],
    )
    profile_ids = insert(
        CandidateProfile,
        [
            {
                **{name: getattr(verdict.row.profile, name) for name in PROFILE_FIELDS},
                "user_id": user_id,
                "created_at": now,
                "updated_at": now,
            }
            for verdict, user_id in zip(new, user_ids, strict=True)
        ],
    )
    for verdict, profile_id in zip(new, profile_ids, strict=True):
        verdict.candidate_id = profile_id
    applying = [
        verdict
        for verdict in verdicts
        if verdict.outcome in (ImportOutcome.NEW, ImportOutcome.NEW_APPLICATION)
    ]
    application_ids = insert(
        Application,
        [
            {
                "candidate_id": verdict.candidate_id,
                "program_id": job.program_id,
                "preferred_track_id": verdict.row.track.pk,
                "stage": Stage.SUBMITTED,
                "submitted_at": now,
                "consent_version": IMPORT_CONSENT_VERSION,
                "consent_given_at": job.consent_confirmed_at,
                "created_at": now,
                "updated_at": now,
            }
            for verdict in applying
        ],
    )
    for verdict, application_id in zip(applying, application_ids, strict=True):
        verdict.application_id = application_id
    insert(
        ApplicationEvent,
        [
            {
                "application_id": verdict.application_id,
                "from_stage": "",
                "to_stage": Stage.SUBMITTED,
                "actor_id": job.imported_by_id,
                "reason": "",
                "data": {
                    "track": verdict.row.track.pk,
                    "consent_version": IMPORT_CONSENT_VERSION,
                    "import_job": job.pk,
                    "row": verdict.row.row_number,
                },
                "created_at": now,
            }
            for verdict in applying
        ],
    )
    # The invitation is written like any notification (the row with the event, sent after
    # commit), in bulk; it goes by e-mail only, since its link sets the password.
    notification_ids = insert(
        Notification,
        [
            {
                "recipient_id": user_id,
                "kind": NotificationKind.ACCOUNT_INVITED,
                "context": {
                    "program_id": job.program_id,
                    "application_id": verdict.application_id,
                    "track_id": verdict.row.track.pk,
                },
                "created_at": now,
            }
            for verdict, user_id in zip(new, user_ids, strict=True)
        ],
    )
    delivery_ids = insert(
        Delivery,
        [
            {
                "notification_id": notification_id,
                "channel": Channel.EMAIL,
                "status": DeliveryStatus.PENDING,
                "created_at": now,
            }
            for notification_id in notification_ids
        ],
    )
    registered = [verdict for verdict in applying if verdict.outcome == ImportOutcome.NEW_APPLICATION]
    if registered:
        owners = dict(
            CandidateProfile.objects.filter(pk__in=[v.candidate_id for v in registered]).values_list(
                "pk", "user_id"
            )
        )
        recipients = User.objects.in_bulk([owners[v.candidate_id] for v in registered])
        for verdict in registered:
            notification_queue(
                recipient=recipients[owners[verdict.candidate_id]],
                kind=NotificationKind.APPLICATION_RECEIVED,
                context={
                    "application_id": verdict.application_id,
                    "program_id": job.program_id,
                    "track_id": verdict.row.track.pk,
                },
            )
    for verdict in applying:
        verdict.outcome = (
            ImportOutcome.CREATED
            if verdict.outcome == ImportOutcome.NEW
            else ImportOutcome.CREATED_APPLICATION
        )
    return delivery_ids


def deliveries_dispatch(delivery_ids: list[int]) -> None:
    # Through the outbox's pause: with the broker down, an import of many batches asks it once,
    # not once a batch; the periodic sweep sends what stays pending once the broker is back.
    if delivery_ids and not outbox.task_publish(deliveries_send_batch, delivery_ids):
        logger.warning("a batch of %s invitations stays pending", len(delivery_ids))


# After these batches the written tables' statistics are refreshed (on PostgreSQL).
ANALYZE_AFTER = frozenset({1, 4, 16, 64, 256})


def statistics_refresh() -> None:
    """ANALYZE the tables an import fills, as a bulk load should.

    The database checks every new row's foreign keys by looking the key up. With statistics
    from when a table was empty (a young database), the planner may pick any index for that
    lookup, e.g. one whose last column is the id, and then reads the whole index per row:
    the import slows to a crawl as it grows the table. Fresh statistics keep the primary key.
    """
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (
            User,
            CandidateProfile,
            Application,
            ApplicationEvent,
            Notification,
            Delivery,
            ImportRow,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
