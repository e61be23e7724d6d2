"""Seeds the maintained list of SMK majors; staff extend it in the admin."""

import csv
from pathlib import Path

from django.db import migrations

MAJORS_CSV = Path(__file__).resolve().parent.parent / "data" / "smk_majors.csv"


def seed_majors(apps, schema_editor):
    Major = apps.get_model("programs", "Major")
    with MAJORS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Major.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(seed_majors, migrations.RunPython.noop)]
