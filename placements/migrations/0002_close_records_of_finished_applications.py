"""Records left open by applications that ended before the records followed the stage.

Since this release the stage service closes a worker's open training phases and a placement
not yet under way when the application moves to a final stage (``records_close``). Earlier,
a rejected or withdrawn accepted application kept its planned phases, which the dashboard
counted as training to come. This closes them as the service would have, once.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone, translation

# The final stages at the time of this migration (candidates.models.FINISHED_STAGES).
FINISHED = ["declined", "rejected", "withdrawn", "ineligible", "discontinued"]


def close(apps, schema_editor):
    Enrolment = apps.get_model("placements", "Enrolment")
    Placement = apps.get_model("placements", "Placement")
    PlacementEvent = apps.get_model("placements", "PlacementEvent")
    Application = apps.get_model("candidates", "Application")
    from candidates.models import Stage

    now = timezone.now()
    stages = dict(
        Application.objects.filter(stage__in=FINISHED)
        .filter(enrolments__status__in=["planned", "in_progress"])
        .values_list("pk", "stage")
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        reasons = {
            stage: translation.gettext("Application “%(stage)s”.") % {"stage": Stage(stage).label}
            for stage in FINISHED
        }
        for application_id, stage in stages.items():
            Enrolment.objects.filter(
                application_id=application_id, status__in=["planned", "in_progress"]
            ).update(status="discontinued", outcome_reason=reasons[stage], decided_at=now, updated_at=now)
        placements = Placement.objects.filter(
            application__stage__in=FINISHED, status__in=["planned", "pre_departure"]
        ).select_related("application")
        for placement in placements:
            reason = reasons[placement.application.stage]
            PlacementEvent.objects.create(
                placement=placement,
                from_status=placement.status,
                to_status="terminated",
                on_date=timezone.localdate(),
                reason=reason,
            )
            placement.status, placement.status_reason = "terminated", reason
            placement.save(update_fields=["status", "status_reason", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0001_initial"),
        ("candidates", "0009_import_file_removed_at"),
    ]

    operations = [migrations.RunPython(close, migrations.RunPython.noop)]
