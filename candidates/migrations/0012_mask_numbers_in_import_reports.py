"""Import reports written before they masked the numbers they quote.

A row's messages quote cells as they were typed ("Unknown province: 3171…"), so a NIK typed
into the wrong column was kept in full. Reports written since are masked as they are
stored (``p2mi_portal.indonesia.mask_nik_shaped``); this masks the ones kept from before.
"""

from django.db import migrations


def mask(apps, schema_editor):
    from p2mi_portal.indonesia import mask_nik_shaped

    ImportRow = apps.get_model("candidates", "ImportRow")
    ImportJob = apps.get_model("candidates", "ImportJob")
    changed = []
    for row in ImportRow.objects.only("pk", "full_name", "messages").iterator(chunk_size=2000):
        full_name = mask_nik_shaped(row.full_name)
        messages = [mask_nik_shaped(str(message)) for message in row.messages or []]
        if full_name != row.full_name or messages != (row.messages or []):
            row.full_name, row.messages = full_name, messages
            changed.append(row)
        if len(changed) >= 2000:
            ImportRow.objects.bulk_update(changed, ["full_name", "messages"])
            changed = []
    ImportRow.objects.bulk_update(changed, ["full_name", "messages"])
    for job in ImportJob.objects.only("pk", "file_errors").iterator():
        file_errors = [mask_nik_shaped(str(problem)) for problem in job.file_errors or []]
        if file_errors != job.file_errors:
            ImportJob.objects.filter(pk=job.pk).update(file_errors=file_errors)


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0011_data_access_reader_and_door"),
    ]

    operations = [migrations.RunPython(mask, migrations.RunPython.noop)]
