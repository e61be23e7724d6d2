"""Admin pages the portal adjusts for libraries it uses (the site itself: ``admin_site.py``)."""

from __future__ import annotations

from celery import schedules
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule

# --- Crontab schedules (django-celery-beat) -------------------------------------------------
# The library's validators accept values its own scheduler then cannot read (a negative hour,
# say), and its admin page fails on them while describing the schedule. Staff edit schedules,
# so the form checks with the scheduler's own parser and the description never fails.


CRONTAB_PARTS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


class CrontabScheduleForm(forms.ModelForm):
    class Meta:
        model = CrontabSchedule
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        parts = {name: cleaned.get(name) for name in CRONTAB_PARTS}
        if all(value is not None for value in parts.values()):
            try:
                schedules.crontab(**parts)
            except (schedules.ParseException, ValueError, TypeError) as exc:
                raise ValidationError(
                    _("The task scheduler cannot read this schedule: %(problem)s"), params={"problem": exc}
                ) from exc
        return cleaned


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    form = CrontabScheduleForm

    @admin.display(description=_("schedule"))
    def human_readable(self, schedule: CrontabSchedule) -> str:
        try:
            return schedule.human_readable
        except (schedules.ParseException, ValueError, TypeError):
            return "-"


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)
