# Kept whole: data rather than logic, the demo programmes and accounts in one place.
"""Demo data: the RUSAL SMK Go Global 2026 programme, DKI Jakarta's programmes,
the partner institutions and two accounts to log in with.

Loading is idempotent: every record is looked up by its natural key and brought
back to the values below, so running it twice leaves one copy of everything.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Role
from accounts.services import user_upsert
from programs.models import (
    Currency,
    DocumentKind,
    EducationLevel,
    ExchangeRate,
    GradeLevel,
    Major,
    Partner,
    PartnerKind,
    PlacementTrack,
    Program,
    ProgramStatus,
    ScoreCriterion,
    Sector,
    StudyField,
    TrainingPhase,
)
from programs.services import program_change_status

STAFF_EMAIL = "staf@p2mi.go.id"
PARTNER_EMAIL = "hr@rusal.example"
# Shown by load_demo; the demo refuses to run in production, so these never guard real data.
DEMO_PASSWORD = "Demo-P2MI-2026!"

PARTNERS = {
    "rusal": {
        "name": "RUSAL",
        "name_en": "RUSAL",
        "short_name": "RUSAL",
        "kind": PartnerKind.EMPLOYER,
        "country": "RU",
        "website": "https://rusal.ru/en/",
        "notes": "Perusahaan aluminium Rusia; mitra program SMK Go Global 2026.",
    },
    "bpsdmi": {
        "name": "Kementerian Perindustrian — BPSDMI",
        "name_en": "Ministry of Industry — BPSDMI",
        "short_name": "BPSDMI",
        "kind": PartnerKind.TRAINING_PROVIDER,
        "country": "ID",
        "notes": "Badan Pengembangan SDM Industri: pelatihan dan sertifikasi kompetensi industri (MoU Okt 2025).",
    },
    "esdm": {
        "name": "Kementerian Energi dan Sumber Daya Mineral (ESDM)",
        "name_en": "Ministry of Energy and Mineral Resources (ESDM)",
        "short_name": "ESDM",
        "kind": PartnerKind.GOVERNMENT_AGENCY,
        "country": "ID",
        "notes": "Pelatihan, pemberdayaan sosial-ekonomi, informasi kerja luar negeri sektor energi (MoU Okt 2025).",
    },
    "kemenkop": {
        "name": "Kementerian Koperasi dan UKM",
        "name_en": "Ministry of Cooperatives and SMEs",
        "short_name": "Kemenkop UKM",
        "kind": PartnerKind.GOVERNMENT_AGENCY,
        "country": "ID",
        "notes": "Purna pekerja migran memulai UMKM: akses pembiayaan dan pemasaran (MoU Okt 2025).",
    },
    "dki": {
        "name": "Pemerintah Provinsi DKI Jakarta",
        "name_en": "DKI Jakarta Provincial Government",
        "short_name": "Pemprov DKI Jakarta",
        "kind": PartnerKind.REGIONAL_GOVERNMENT,
        "country": "ID",
        "notes": "Pelatihan, sertifikasi dan pelindungan; juru las dan perhotelan ke Jepang, Korea Selatan, Eropa, Tiongkok.",
    },
}

# Rates entered by staff; 219 IDR per RUB gives the announced 200,000 RUB ≈ Rp 43.8 million.
EXCHANGE_RATES = [
    ("RUB", Decimal("219"), datetime.date(2025, 10, 1), "Kurs saat pengumuman program RUSAL"),
    ("JPY", Decimal("108"), datetime.date(2026, 11, 2), "Kurs acuan demo"),
    ("KRW", Decimal("11.6"), datetime.date(2026, 11, 2), "Kurs acuan demo"),
]


@dataclass(frozen=True)
class TrackSpec:
    name: str
    name_en: str
    country: str
    seats: int
    description: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class PhaseSpec:
    title: str
    title_en: str
    months: int
    location: str
    location_en: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    employer: str
    supporters: tuple[str, ...]
    fields: dict
    majors: tuple[str, ...]
    tracks: tuple[TrackSpec, ...]
    phases: tuple[PhaseSpec, ...]
    grades: tuple[Decimal, ...]
    # (name, English name, weight %); weights add up to 100.
    rubric: tuple[tuple[str, str, int], ...] = (
        ("Kelengkapan dokumen", "Documents", 10),
        ("Tes tertulis", "Written test", 20),
        ("Uji praktik", "Practical test", 40),
        ("Wawancara", "Interview", 30),
    )


RUSAL = ProgramSpec(
    code="rusal-smk-go-global-2026",
    employer="rusal",
    supporters=("bpsdmi", "esdm", "kemenkop"),
    fields={
        "title": "SMK Go Global 2026 — RUSAL, Rusia",
        "title_en": "SMK Go Global 2026 — RUSAL, Russia",
        "summary": (
            "50 lulusan SMK terbaik: 2 tahun pelatihan di Rusia, lalu kontrak kerja 5 tahun "
            "sebagai juru las di RUSAL."
        ),
        "summary_en": (
            "50 of the best SMK graduates: 2 years of training in Russia, then a 5-year work "
            "contract as welders with RUSAL."
        ),
        "description": (
            "Perusahaan aluminium Rusia RUSAL merekrut 50 lulusan SMK terbaik melalui program "
            "SMK Go Global.\n\n"
            "Tahun pertama: pelatihan bahasa Rusia di Rusia. Tahun kedua: pelatihan teknis di "
            "Rusia dalam salah satu dari lima bidang — konstruksi, permesinan, ilmu material, "
            "transportasi atau energi listrik. Setelah itu kontrak kerja 5 tahun di bidang "
            "pengelasan.\n\n"
            "Pola berbagi pengetahuan: 25 orang bekerja di Rusia dan 25 orang di kantor Rusia "
            "atau proyek strategis Rusia di Indonesia. Pekerja yang mencapai grade 6 dapat "
            "berpenghasilan hingga 200.000 rubel per bulan. Kurikulum pengelasan SMK diselaraskan "
            "dengan standar industri Rusia sebelum keberangkatan, dan lulusan dapat bergabung "
            "dengan proyek strategis nasional bersama Kementerian Perindustrian dan Kementerian ESDM."
        ),
        "description_en": (
            "The Russian aluminium company RUSAL recruits 50 of the best SMK graduates through "
            "the SMK Go Global programme.\n\n"
            "Year one: Russian language training in Russia. Year two: technical training in "
            "Russia in one of five fields — construction, machinery, materials science, transport "
            "or electrical energy. Then a 5-year work contract in welding.\n\n"
            "Knowledge-sharing split: 25 work in Russia and 25 at Russian offices or strategic "
            "Russian projects in Indonesia. A worker who reaches grade 6 can earn up to 200,000 "
            "roubles a month. The SMK welding curriculum is aligned to Russian industry standards "
            "before departure, and graduates can join national strategic projects with the "
            "Ministry of Industry and the Ministry of Energy."
        ),
        "destination_country": "RU",
        "sector": Sector.WELDING,
        "occupation": "Juru las",
        "occupation_en": "Welder",
        "total_seats": 50,
        "recruitment_opens": datetime.date(2026, 5, 1),
        "recruitment_closes": datetime.date(2026, 7, 31),
        "target_departure": datetime.date(2026, 9, 1),
        "contract_months": 60,
        "salary_currency": Currency.RUB,
        "salary_min": Decimal("80000"),
        "salary_max": Decimal("200000"),
        "education_level": EducationLevel.SMK,
        "graduation_year_min": 2023,
        "graduation_year_max": 2026,
        "age_min": 18,
        "age_max": 25,
        "age_reference_date": datetime.date(2026, 9, 1),
        "min_average_grade": Decimal("75"),
        "required_document_kinds": [
            DocumentKind.DIPLOMA,
            DocumentKind.TRANSCRIPT,
            DocumentKind.IDENTITY_CARD,
            DocumentKind.HEALTH_CERTIFICATE,
            DocumentKind.POLICE_CERTIFICATE,
            DocumentKind.FAMILY_CONSENT,
            DocumentKind.PHOTO,
        ],
    },
    majors=(
        "teknik-pengelasan",
        "teknik-pemesinan",
        "teknik-mesin",
        "teknik-pengecoran-logam",
        "teknik-instalasi-tenaga-listrik",
        "teknik-ketenagalistrikan",
        "teknik-konstruksi-perumahan",
        "teknik-logistik",
    ),
    tracks=(
        TrackSpec(
            "Rusia",
            "Russia",
            "RU",
            25,
            "Bekerja di fasilitas RUSAL di Rusia.",
            "Work at RUSAL sites in Russia.",
        ),
        TrackSpec(
            "Indonesia — proyek Rusia",
            "Indonesia — Russian projects",
            "ID",
            25,
            "Bekerja di kantor Rusia atau proyek strategis Rusia di Indonesia.",
            "Work at Russian offices or strategic Russian projects in Indonesia.",
        ),
    ),
    phases=(
        PhaseSpec("Bahasa Rusia", "Russian language", 12, "Rusia", "Russia", (StudyField.LANGUAGE,)),
        PhaseSpec(
            "Pelatihan teknis",
            "Technical training",
            12,
            "Rusia",
            "Russia",
            (
                StudyField.CONSTRUCTION,
                StudyField.MACHINERY,
                StudyField.MATERIALS_SCIENCE,
                StudyField.TRANSPORT,
                StudyField.ELECTRICAL_ENERGY,
            ),
        ),
    ),
    # Only grade 6 (200,000 RUB) was announced; grades 1–5 are demo values for staff to replace.
    grades=(
        Decimal("80000"),
        Decimal("100000"),
        Decimal("120000"),
        Decimal("145000"),
        Decimal("170000"),
        Decimal("200000"),
    ),
    rubric=(
        ("Kelengkapan dokumen", "Documents", 10),
        ("Tes tertulis", "Written test", 15),
        ("Uji praktik las", "Practical welding test", 35),
        ("Wawancara", "Interview", 25),
        ("Bakat bahasa", "Language aptitude", 15),
    ),
)

DKI_WELDERS_JAPAN = ProgramSpec(
    code="dki-juru-las-jepang-2027",
    employer="dki",
    supporters=("bpsdmi",),
    fields={
        "title": "Juru Las ke Jepang 2027 — DKI Jakarta",
        "title_en": "Welders to Japan 2027 — DKI Jakarta",
        "summary": "Pelatihan, sertifikasi dan penempatan juru las lulusan SMK di industri manufaktur Jepang.",
        "summary_en": "Training, certification and placement of SMK-graduate welders in Japanese manufacturing.",
        "description": (
            "Program Pemerintah Provinsi DKI Jakarta bersama KP2MI untuk juru las lulusan SMK: "
            "pelatihan bahasa Jepang dan sertifikasi las di Jakarta, kemudian penempatan di "
            "industri manufaktur Jepang dengan kontrak 3 tahun."
        ),
        "description_en": (
            "A DKI Jakarta provincial programme with KP2MI for SMK-graduate welders: Japanese "
            "language and welding certification in Jakarta, then placement in Japanese "
            "manufacturing on a 3-year contract."
        ),
        "destination_country": "JP",
        "sector": Sector.WELDING,
        "occupation": "Juru las",
        "occupation_en": "Welder",
        "total_seats": 30,
        "recruitment_opens": datetime.date(2026, 11, 2),
        "recruitment_closes": datetime.date(2027, 1, 29),
        "target_departure": datetime.date(2027, 10, 1),
        "contract_months": 36,
        "salary_currency": Currency.JPY,
        "salary_min": Decimal("210000"),
        "salary_max": Decimal("260000"),
        "education_level": EducationLevel.SMK,
        "graduation_year_min": 2022,
        "graduation_year_max": 2026,
        "age_min": 18,
        "age_max": 27,
        "age_reference_date": datetime.date(2027, 1, 29),
        "min_average_grade": Decimal("70"),
        "required_document_kinds": [
            DocumentKind.DIPLOMA,
            DocumentKind.IDENTITY_CARD,
            DocumentKind.HEALTH_CERTIFICATE,
            DocumentKind.POLICE_CERTIFICATE,
            DocumentKind.PHOTO,
        ],
    },
    majors=("teknik-pengelasan", "teknik-pemesinan", "teknik-mesin"),
    tracks=(TrackSpec("Jepang", "Japan", "JP", 30),),
    phases=(
        PhaseSpec(
            "Bahasa dan budaya kerja Jepang",
            "Japanese language and work culture",
            6,
            "Jakarta",
            "Jakarta",
            (StudyField.LANGUAGE,),
        ),
        PhaseSpec("Sertifikasi las", "Welding certification", 2, "Jakarta", "Jakarta", (StudyField.WELDING,)),
    ),
    grades=(),
)

DKI_HOSPITALITY_KOREA = ProgramSpec(
    code="dki-perhotelan-korea-2027",
    employer="dki",
    supporters=(),
    fields={
        "title": "Perhotelan ke Korea Selatan 2027 — DKI Jakarta",
        "title_en": "Hospitality to South Korea 2027 — DKI Jakarta",
        "summary": "Lulusan SMK perhotelan dan kuliner bekerja di hotel dan restoran Korea Selatan.",
        "summary_en": "SMK hospitality and culinary graduates work in South Korean hotels and restaurants.",
        "description": (
            "Pelatihan bahasa Korea dan layanan perhotelan di Jakarta, lalu kontrak kerja 2 tahun "
            "di hotel dan restoran di Korea Selatan."
        ),
        "description_en": (
            "Korean language and hospitality service training in Jakarta, then a 2-year work "
            "contract in hotels and restaurants in South Korea."
        ),
        "destination_country": "KR",
        "sector": Sector.HOSPITALITY,
        "occupation": "Staf hotel dan restoran",
        "occupation_en": "Hotel and restaurant staff",
        "total_seats": 40,
        "recruitment_opens": datetime.date(2026, 12, 1),
        "recruitment_closes": datetime.date(2027, 2, 26),
        "target_departure": datetime.date(2027, 9, 1),
        "contract_months": 24,
        "salary_currency": Currency.KRW,
        "salary_min": Decimal("2100000"),
        "salary_max": Decimal("2500000"),
        "education_level": EducationLevel.SMK,
        "graduation_year_min": 2022,
        "graduation_year_max": 2026,
        "age_min": 18,
        "age_max": 26,
        "age_reference_date": datetime.date(2027, 2, 26),
        "min_average_grade": Decimal("70"),
        "required_document_kinds": [
            DocumentKind.DIPLOMA,
            DocumentKind.IDENTITY_CARD,
            DocumentKind.HEALTH_CERTIFICATE,
            DocumentKind.PHOTO,
        ],
    },
    majors=("perhotelan", "kuliner", "usaha-layanan-pariwisata"),
    tracks=(TrackSpec("Korea Selatan", "South Korea", "KR", 40),),
    phases=(
        PhaseSpec(
            "Bahasa Korea dan layanan perhotelan",
            "Korean language and hospitality service",
            4,
            "Jakarta",
            "Jakarta",
            (StudyField.LANGUAGE, StudyField.HOSPITALITY),
        ),
    ),
    grades=(),
    rubric=(
        ("Kelengkapan dokumen", "Documents", 10),
        ("Tes tertulis", "Written test", 20),
        ("Bakat bahasa", "Language aptitude", 30),
        ("Wawancara", "Interview", 40),
    ),
)

PROGRAMS = (RUSAL, DKI_WELDERS_JAPAN, DKI_HOSPITALITY_KOREA)


def _load_program(spec: ProgramSpec, partners: dict[str, Partner]) -> Program:
    program = Program.objects.filter(code=spec.code).first() or Program(code=spec.code)
    for name, value in spec.fields.items():
        setattr(program, name, value)
    program.employer = partners[spec.employer]
    program.full_clean()
    program.save()
    program.supporting_partners.set([partners[key] for key in spec.supporters])
    program.allowed_majors.set(Major.objects.filter(code__in=spec.majors))
    for track in spec.tracks:
        PlacementTrack.objects.update_or_create(
            program=program,
            name=track.name,
            defaults={
                "name_en": track.name_en,
                "country": track.country,
                "seats": track.seats,
                "description": track.description,
                "description_en": track.description_en,
            },
        )
    for order, phase in enumerate(spec.phases, start=1):
        TrainingPhase.objects.update_or_create(
            program=program,
            order=order,
            defaults={
                "title": phase.title,
                "title_en": phase.title_en,
                "months": phase.months,
                "location": phase.location,
                "location_en": phase.location_en,
                "fields_of_study": list(phase.fields),
            },
        )
    for grade, salary in enumerate(spec.grades, start=1):
        GradeLevel.objects.update_or_create(program=program, grade=grade, defaults={"monthly_salary": salary})
    for order, (name, name_en, weight) in enumerate(spec.rubric, start=1):
        ScoreCriterion.objects.update_or_create(
            program=program, name=name, defaults={"name_en": name_en, "weight": weight, "order": order}
        )
    if program.status == ProgramStatus.DRAFT:
        program_change_status(program=program, to_status=ProgramStatus.PUBLISHED, actor=None)
    return program


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Load everything; return the demo accounts' credentials."""
    partners = {}
    for key, fields in PARTNERS.items():
        partners[key], _ = Partner.objects.update_or_create(name=fields["name"], defaults=fields)
    for currency, rate, date, source in EXCHANGE_RATES:
        ExchangeRate.objects.update_or_create(
            currency=currency, date=date, defaults={"rate_to_idr": rate, "source": source}
        )
    for spec in PROGRAMS:
        _load_program(spec, partners)
    user_upsert(email=STAFF_EMAIL, password=DEMO_PASSWORD, full_name="Staf Demo KP2MI", role=Role.STAFF)
    user_upsert(
        email=PARTNER_EMAIL,
        password=DEMO_PASSWORD,
        full_name="Reviewer RUSAL",
        role=Role.PARTNER,
        partner=partners["rusal"],
    )
    return [
        DemoAccount(Role.STAFF.value, STAFF_EMAIL, DEMO_PASSWORD),
        DemoAccount(Role.PARTNER.value, PARTNER_EMAIL, DEMO_PASSWORD),
    ]
