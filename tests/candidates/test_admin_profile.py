"""Staff's candidate page in the admin stays usable whatever a (tampered or stale) form posts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory


@pytest.mark.parametrize("count", ["3", "99999999999999999999", "\x00"])
def test_the_profile_is_shown_again_when_the_document_rows_are_tampered_with(client, db, count):
    candidate = CandidateFactory(full_name="Budi")
    application_at("submitted", program=ProgramFactory(), candidate=candidate)
    client.force_login(StaffFactory())
    with translation.override("en"):
        url = reverse("admin:candidates_candidateprofile_change", args=[candidate.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    inlines = {}
    for formset in ("documents", "certificates", "language_skills"):
        inlines |= {f"{formset}-TOTAL_FORMS": "0", f"{formset}-INITIAL_FORMS": "0"}
    inlines |= {"documents-TOTAL_FORMS": count, "documents-INITIAL_FORMS": count}
    response = client.post(url, {**data, **inlines, "full_name": ""})
    assert response.status_code == 200
    assert "full_name" in response.context["adminform"].form.errors
    candidate.refresh_from_db()
    assert candidate.full_name == "Budi"
