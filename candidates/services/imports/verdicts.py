"""Deciding, row by row, what an import would do, and the stored report of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from p2mi_portal.copy import insert_rows
from p2mi_portal.indonesia import mask_nik_shaped
from programs.models import Program

from ...models import Application, CandidateProfile, ImportJob, ImportOutcome, ImportRow
from .columns import CleanRow, Lookups, eligibility_problems


@dataclass
class Verdict:
    row: CleanRow
    outcome: str
    messages: list[str] = field(default_factory=list)
    candidate_id: int | None = None
    application_id: int | None = None


def file_duplicates(rows: list[CleanRow], seen_nik: dict[str, int], seen_email: dict[str, int]) -> None:
    """A NIK or e-mail address that an earlier row of the file already has: an error of the later row."""
    for row in rows:
        if row.nik and row.nik in seen_nik:
            row.errors.append(_("The same NIK as row %(row)s.") % {"row": seen_nik[row.nik]})
        elif row.nik:
            seen_nik[row.nik] = row.row_number
        if row.email and row.email in seen_email:
            row.errors.append(_("The same e-mail address as row %(row)s.") % {"row": seen_email[row.email]})
        elif row.email:
            seen_email[row.email] = row.row_number


def decide(rows: list[CleanRow], lookups: Lookups) -> list[Verdict]:
    """What the database says about each valid row: new, already there, or a clash."""
    valid = [row for row in rows if not row.errors and row.profile is not None]
    profiles = {
        nik: (pk, email, birth_date)
        for pk, nik, email, birth_date in CandidateProfile.objects.filter(
            nik__in=[row.nik for row in valid]
        ).values_list("pk", "nik", "user__email", "birth_date")
    }
    taken_emails = set(
        User.objects.filter(email__in=[row.email for row in valid]).values_list("email", flat=True)
    )
    applications = dict(
        Application.objects.filter(
            program_id=lookups.program.pk, candidate_id__in=[pk for pk, _e, _b in profiles.values()]
        ).values_list("candidate_id", "pk")
    )
    to_recheck: dict[int, Verdict] = {}
    verdicts = []
    for row in rows:
        if row.errors or row.profile is None:
            verdicts.append(Verdict(row, ImportOutcome.ERROR, list(row.errors)))
            continue
        known = profiles.get(row.nik)
        if known is None:
            if row.email in taken_emails:
                verdicts.append(
                    Verdict(
                        row,
                        ImportOutcome.ERROR,
                        [
                            _(
                                "This e-mail address belongs to another account "
                                "(with another NIK, or none yet)."
                            )
                        ],
                    )
                )
            else:
                verdicts.append(Verdict(row, ImportOutcome.NEW, [f"{row.email} · {row.track.name}"]))
            continue
        candidate_id, email, birth_date = known
        if (email or "").lower() != row.email or birth_date != row.profile.birth_date:
            verdicts.append(
                Verdict(
                    row,
                    ImportOutcome.ERROR,
                    [
                        _(
                            "This NIK is registered to an account with another e-mail address or "
                            "date of birth. Check the row, or ask the candidate."
                        )
                    ],
                )
            )
        elif candidate_id in applications:
            verdicts.append(
                Verdict(
                    row, ImportOutcome.EXISTS, [], candidate_id, application_id=applications[candidate_id]
                )
            )
        else:
            verdict = Verdict(row, ImportOutcome.NEW_APPLICATION, [row.track.name], candidate_id)
            verdicts.append(verdict)
            to_recheck[candidate_id] = verdict
    if to_recheck:
        # A registered candidate applies with the profile they keep, so its rules are checked on it.
        for profile in CandidateProfile.objects.filter(pk__in=to_recheck):
            unmet = eligibility_problems(lookups, profile)
            if unmet:
                verdict = to_recheck[profile.pk]
                verdict.outcome = ImportOutcome.ERROR
                verdict.messages = [
                    _("The registered candidate does not meet the programme's rules: %(rules)s")
                    % {"rules": " ".join(unmet)}
                ]
    return verdicts


_REPORT_NAME_LENGTH = ImportRow._meta.get_field("full_name").max_length


def store_rows(job: ImportJob, verdicts: list[Verdict]) -> None:
    insert_rows(
        ImportRow,
        [
            {
                "job_id": job.pk,
                "row_number": verdict.row.row_number,
                "outcome": verdict.outcome,
                # Cells are quoted as typed, and a NIK typed into the wrong column is a NIK all
                # the same: the stored report masks every number shaped like one.
                "full_name": mask_nik_shaped(verdict.row.full_name)[:_REPORT_NAME_LENGTH],
                "masked_nik": verdict.row.masked_nik,
                "messages": [mask_nik_shaped(str(message)) for message in verdict.messages],
                "application_id": verdict.application_id,
            }
            for verdict in verdicts
        ],
    )


def count(verdicts: list[Verdict], *outcomes: str) -> int:
    return sum(1 for verdict in verdicts if verdict.outcome in outcomes)


def job_and_lookups(job_id: int) -> tuple[ImportJob, Lookups]:
    job = ImportJob.objects.select_related("track", "created_by", "imported_by").get(pk=job_id)
    job.program = Program.objects.prefetch_related("allowed_majors", "tracks").get(pk=job.program_id)
    return job, Lookups.load(program=job.program, default_track=job.track)
