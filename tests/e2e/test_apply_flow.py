"""The applicant's whole flow in a real browser, on a phone-sized screen.

An SMK graduate finds the RUSAL programme from the home page, registers, confirms the
e-mail address, fills in the profile, uploads every required document and applies.
The flow runs on the English pages (``/en/…``) and finds elements by role and label.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import User
from candidates.consent import CONSENT_VERSION
from candidates.models import Application, ApplicationEvent, CandidateProfile, DocumentStatus, Stage
from programs.models import DocumentKind, Program, RecruitmentState
from tests.files import jpeg_bytes, pdf_bytes, png_bytes

RUSAL = "rusal-smk-go-global-2026"
RUSAL_TITLE = "SMK Go Global 2026 — RUSAL, Russia"

EMAIL = "budi.santoso@contoh.id"
PASSWORD = "Las-Aluminium-2026!"
FULL_NAME = "Budi Santoso"
# A NIK for a man born 15 Aug 2004 in DKI Jakarta (province 31).
NIK = "3171011508040001"
BIRTH_DATE = datetime.date(2004, 8, 15)

# The real file types the portal accepts, one per required kind: mostly scans as PDF,
# the KTP as a PNG photo and the pas foto as a JPEG.
FILES = {
    DocumentKind.IDENTITY_CARD: ("ktp.png", "image/png", png_bytes()),
    DocumentKind.PHOTO: ("pas-foto.jpg", "image/jpeg", jpeg_bytes()),
}


def _file_for(kind: str) -> dict:
    name, mime_type, content = FILES.get(kind, (f"{kind}.pdf", "application/pdf", pdf_bytes()))
    return {"name": name, "mimeType": mime_type, "buffer": content}


def _open_rusal_recruitment() -> Program:
    """The demo programme recruited May–July 2026: move it so it is recruiting today."""
    today = timezone.localdate()
    program = Program.objects.get(code=RUSAL)
    program.recruitment_opens = today - datetime.timedelta(days=3)
    program.recruitment_closes = today + datetime.timedelta(days=30)
    program.target_departure = today + datetime.timedelta(days=90)
    # Fixed, so the applicant is 21 on it whenever the test runs (the rule is 18–25).
    program.age_reference_date = datetime.date(2025, 9, 1)
    program.full_clean()
    program.save()
    assert program.recruitment_state() == RecruitmentState.OPEN
    return program


@pytest.mark.e2e
def test_applicant_registers_fills_profile_uploads_documents_and_applies(
    live_server, transactional_db, page, mailoutbox, tmp_path
):
    from playwright.sync_api import expect

    call_command("load_demo")
    program = _open_rusal_recruitment()
    with translation.override("en"):
        required = {kind: str(DocumentKind(kind).label) for kind in program.required_document_kinds}
    assert len(required) == 7
    base = live_server.url
    status = page.get_by_role("status")

    # Home page (Indonesian), switch to English, find the programme.
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page).to_have_url(base + "/en/")
    page.get_by_role("link", name=RUSAL_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RUSAL_TITLE)
    expect(page.get_by_text("Recruitment: Open")).to_be_visible()

    # Applying needs an account: the log-in page offers to create one.
    page.get_by_role("link", name="Apply now").click()
    expect(page).to_have_url(re.compile(re.escape(f"{base}/en/account/login/?next=")))
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    page.get_by_label("Full name").fill(FULL_NAME)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Mobile phone number").fill("0812-3456-7890")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your e-mail", level=1)).to_be_visible()

    # The link in the e-mail activates the account, logs in and opens the profile.
    messages = [message for message in mailoutbox if message.to == [EMAIL]]
    assert len(messages) == 1
    match = re.search(r"https?://\S+/account/verify/\S+/", messages[0].body)
    assert match, messages[0].body
    link = match.group(0)
    assert link.startswith(f"{base}/en/"), link
    page.goto(link)
    expect(page).to_have_url(f"{base}/en/me/profile/")
    expect(status).to_contain_text("Your e-mail address is confirmed.")

    # Profile: every field an application needs.
    profile = page.locator("form").filter(has=page.get_by_role("button", name="Save profile"))
    profile.get_by_label("Full name").fill(FULL_NAME)
    profile.get_by_label("NIK", exact=True).fill(NIK)
    profile.get_by_label("Place of birth").fill("Jakarta")
    profile.get_by_label("Date of birth").fill(BIRTH_DATE.isoformat())
    profile.get_by_label("Sex").select_option(label="Male")
    profile.get_by_label("Phone number").fill("0812-3456-7890")
    profile.get_by_label("Address").fill("Jl. Merdeka No. 1, RT 01/RW 02, Gambir")
    profile.get_by_label("Province").select_option(label="DKI Jakarta")
    profile.get_by_label("Regency / city").fill("Jakarta Pusat")
    profile.get_by_label("School name").fill("SMK Negeri 1 Jakarta")
    profile.get_by_label("School NPSN").fill("20100001")
    profile.get_by_label("Major").select_option(label="Welding and Metal Fabrication")
    profile.get_by_label("Graduation year").fill("2024")
    profile.get_by_label("Average grade").fill("82.5")
    profile.get_by_role("button", name="Save profile").click()
    expect(status).to_contain_text("Your profile is saved.")
    expect(page.get_by_role("alert")).to_have_count(0)

    # Documents: one real file per kind the programme requires.
    page.get_by_role("navigation", name="My account", exact=True).get_by_role(
        "link", name="Documents"
    ).click()
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    upload = page.locator("form").filter(has=page.get_by_role("button", name="Upload", exact=True))
    for kind, label in required.items():
        upload.get_by_label("Document", exact=True).select_option(label=label)
        upload.get_by_label("File", exact=True).set_input_files(_file_for(kind))
        upload.get_by_role("button", name="Upload", exact=True).click()
        expect(status).to_contain_text(f"{label} uploaded. Staff will verify it.")
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))
        expect(row).to_contain_text("Waiting for verification")

    # Apply: every rule met, a placement track, consent.
    page.goto(f"{base}/en/program/{RUSAL}/")
    page.get_by_role("link", name="Apply now").click()
    expect(page).to_have_url(f"{base}/en/program/{RUSAL}/apply/")
    expect(page.get_by_role("heading", name="Apply", level=1)).to_be_visible()
    rules = page.get_by_role("region", name="Do you meet the rules?").get_by_role("listitem")
    expect(rules).to_have_count(7)  # a complete profile, then the programme's six rules
    for index in range(7):
        expect(rules.nth(index)).to_contain_text("Met:")
        expect(rules.nth(index)).not_to_contain_text("Not met:")
    page.get_by_role("radio", name="Russia", exact=True).check()
    page.get_by_role("checkbox", name=re.compile("^I agree that KP2MI processes")).check()
    page.get_by_role("button", name="Submit application").click()

    # My applications: the RUSAL application, submitted.
    expect(page).to_have_url(f"{base}/en/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {FULL_NAME}")
    expect(status).to_contain_text("Your application is submitted.")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=RUSAL_TITLE))
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Submitted")
    expect(card).to_contain_text("Preferred placement: Russia")
    screenshot = tmp_path / "my-applications.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 0

    # And in the database.
    user = User.objects.get(email=EMAIL)
    assert user.is_active
    assert user.email_verified_at is not None
    candidate = CandidateProfile.objects.get(user=user)
    assert (candidate.nik, candidate.birth_date, candidate.sex) == (NIK, BIRTH_DATE, "M")
    assert candidate.major.code == "teknik-pengelasan"
    documents = {document.kind: document for document in candidate.documents.all()}
    assert set(documents) == set(required)
    assert {document.status for document in documents.values()} == {DocumentStatus.PENDING}
    assert documents[DocumentKind.PHOTO].content_type == "image/jpeg"
    application = Application.objects.get(candidate=candidate, program=program)
    assert application.stage == Stage.SUBMITTED
    assert application.consent_version == CONSENT_VERSION
    assert application.consent_given_at is not None
    assert application.preferred_track.name_en == "Russia"
    events = list(ApplicationEvent.objects.filter(application=application))
    assert len(events) == 1
    assert (events[0].from_stage, events[0].to_stage, events[0].actor) == ("", Stage.SUBMITTED, user)
