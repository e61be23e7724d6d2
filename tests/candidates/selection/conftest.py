"""Fixtures for selection: a RUSAL-like programme of 50 seats split 25/25, people of each role."""

from __future__ import annotations

import pytest

from programs.models import ProgramStatus, ScoreCriterion
from tests.accounts.factories import PartnerUserFactory, StaffFactory
from tests.programs.factories import rusal_program


@pytest.fixture
def program(db):
    program = rusal_program(status=ProgramStatus.SELECTION)
    for order, (name, weight) in enumerate(
        [("Dokumen", 10), ("Tes tertulis", 20), ("Uji praktik las", 40), ("Wawancara", 30)], start=1
    ):
        ScoreCriterion.objects.create(program=program, order=order, name=name, weight=weight)
    return program


@pytest.fixture
def tracks(program):
    return list(program.tracks.order_by("id"))


@pytest.fixture
def staff(db):
    return StaffFactory(email="staf@p2mi.go.id", full_name="Staf Seleksi")


@pytest.fixture
def partner_user(program):
    return PartnerUserFactory(partner=program.employer, email="hr@rusal.example", full_name="HR RUSAL")


@pytest.fixture
def other_partner_user(db):
    return PartnerUserFactory(email="hr@lain.example")
