"""Seeds the 38 provinces with their Home Affairs codes (the first two NIK digits)."""

import csv
from pathlib import Path

from django.db import migrations

PROVINCES_CSV = Path(__file__).resolve().parent.parent / "data" / "provinces.csv"


def seed_provinces(apps, schema_editor):
    Province = apps.get_model("candidates", "Province")
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Province.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})


class Migration(migrations.Migration):
    dependencies = [("candidates", "0001_initial")]

    operations = [migrations.RunPython(seed_provinces, migrations.RunPython.noop)]
