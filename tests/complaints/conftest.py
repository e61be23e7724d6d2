"""Fixtures for complaints: a worker with an application, another candidate, ministry staff."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from candidates.models import Stage
from complaints import services
from complaints.models import Complaint, ComplaintCategory
from notifications.models import Notification, NotificationKind
from programs.models import ProgramStatus
from tests.accounts.factories import StaffFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Attachments go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def updates(complaint: Complaint | None = None):
    """The ``complaint_update`` notifications written (for one complaint), oldest first."""
    notifications = Notification.objects.filter(kind=NotificationKind.COMPLAINT_UPDATE).order_by("id")
    if complaint is not None:
        notifications = notifications.filter(context__complaint_id=complaint.pk)
    return notifications


@pytest.fixture
def program(db):
    return ProgramFactory(code="rusal-smk-go-global-2026", status=ProgramStatus.TRAINING)


@pytest.fixture
def worker(program):
    """A worker in training on the programme."""
    candidate = CandidateFactory(full_name="Siti Rahayu")
    application_at(Stage.ACCEPTED, program=program, candidate=candidate)
    return candidate


@pytest.fixture
def other(program):
    """Another candidate, with an application of their own."""
    candidate = CandidateFactory(full_name="Agus Salim")
    application_at(Stage.SUBMITTED, program=program, candidate=candidate)
    return candidate


@pytest.fixture
def staff(db):
    return StaffFactory(full_name="Ibu Dewi", email="dewi@p2mi.go.id")


@pytest.fixture
def colleague(db):
    return StaffFactory(full_name="Pak Joko", email="joko@p2mi.go.id")


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker.user)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def complaint(worker):
    """A complaint about the worker's application, just filed (normal priority)."""
    return services.complaint_file(
        candidate=worker,
        category=ComplaintCategory.UNPAID_WAGES,
        description="Gaji bulan Oktober belum dibayar.",
        application=worker.applications.get(),
    )
