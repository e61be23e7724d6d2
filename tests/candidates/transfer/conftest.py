"""Fixtures for import and export: a programme recruiting today, staff, BKK sheets as CSV or XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from programs.models import Major
from tests.accounts.factories import StaffFactory
from tests.programs.factories import recruiting_program

HEADER = [
    "NIK",
    "Nama Lengkap",
    "Email",
    "No HP",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin",
    "Alamat",
    "Provinsi",
    "Kabupaten/Kota",
    "Nama Sekolah",
    "NPSN",
    "Jurusan",
    "Tahun Lulus",
    "Nilai Rata-rata",
    "Penempatan",
]


def person(n: int, **changes: str) -> dict[str, str]:
    """A valid row: a man born 15 August 2004 in DKI Jakarta (NIK serial ``n``)."""
    row = {
        "NIK": f"317101150804{n:04d}",
        "Nama Lengkap": f"Siswa {n}",
        "Email": f"siswa{n}@contoh.id",
        "No HP": f"0812-3456-{n:04d}",
        "Tempat Lahir": "Jakarta",
        "Tanggal Lahir": "15/08/2004",
        "Jenis Kelamin": "L",
        "Alamat": f"Jl. Merdeka {n}",
        "Provinsi": "DKI Jakarta",
        "Kabupaten/Kota": "Jakarta Pusat",
        "Nama Sekolah": "SMK Negeri 1 Jakarta",
        "NPSN": "20100001",
        "Jurusan": "Teknik Pengelasan dan Fabrikasi Logam",
        "Tahun Lulus": "2024",
        "Nilai Rata-rata": "82,5",
        "Penempatan": "Rusia",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, str]], header: list[str] = HEADER, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(rows: list[dict[str, str]], header: list[str] = HEADER, title_rows: int = 0) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["DATA SISWA SMK NEGERI 1 JAKARTA"])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def welding(db):
    return Major.objects.get(code="teknik-pengelasan")


@pytest.fixture
def program(db, welding):
    """A published programme recruiting today: two tracks, welding only, born 2001–2008, average 75."""
    return recruiting_program(code="rusal-2026", title="SMK Go Global 2026 — RUSAL", majors=[welding])


@pytest.fixture
def staff(db):
    return StaffFactory(email="staf@p2mi.go.id", full_name="Staf Impor")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
