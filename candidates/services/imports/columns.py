# Kept whole: the spreadsheet's column table and the cleaning of one row, read together.
"""The columns of a BKK spreadsheet and how one row becomes a candidate's profile.

Headers are matched loosely (case, spaces and punctuation do not matter) against the
Indonesian names the ministry publishes and a few common variants; the README lists
them with an example. Cleaning a row needs no database: the lookups (majors, tracks,
provinces) are loaded once per import and handed in.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from p2mi_portal.indonesia import InvalidPhone, mask_nik, nik_problems, normalize_phone
from programs.eligibility import describe_rules, unmet_rules
from programs.models import EducationLevel, Major, PlacementTrack, Program

from ...models import CandidateProfile


def _max_length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


# The longest value of each column: that of the field it is saved to. PostgreSQL would refuse
# a longer one in the middle of the import, so the dry run refuses it first.
MAX_LENGTHS = {
    "full_name": min(_max_length(CandidateProfile, "full_name"), _max_length(User, "full_name")),
    "email": _max_length(User, "email"),
    "phone": min(_max_length(CandidateProfile, "phone"), _max_length(User, "phone")),
    "birth_place": _max_length(CandidateProfile, "birth_place"),
    "regency": _max_length(CandidateProfile, "regency"),
    "school_name": _max_length(CandidateProfile, "school_name"),
}  # NIK and NPSN have their exact shape checked; the address is a text field


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the ministry's template writes it
    aliases: tuple[str, ...]
    required: bool = True
    label: Any = ""


COLUMNS = (
    Column("nik", "NIK", ("nik", "noktp", "nomorktp", "nomorindukkependudukan"), label=gettext_lazy("NIK")),
    Column(
        "full_name",
        "Nama Lengkap",
        ("namalengkap", "nama", "namasiswa", "fullname", "name"),
        label=gettext_lazy("full name"),
    ),
    Column("email", "Email", ("email", "alamatemail", "surel", "emailaddress"), label=gettext_lazy("e-mail")),
    Column(
        "phone",
        "No HP",
        ("nohp", "nomorhp", "hp", "nowa", "nomorwa", "nomorwhatsapp", "telepon", "notelp", "phone"),
        label=gettext_lazy("phone number"),
    ),
    Column(
        "birth_place",
        "Tempat Lahir",
        ("tempatlahir", "birthplace", "placeofbirth"),
        label=gettext_lazy("place of birth"),
    ),
    Column(
        "birth_date",
        "Tanggal Lahir",
        ("tanggallahir", "tgllahir", "birthdate", "dateofbirth"),
        label=gettext_lazy("date of birth"),
    ),
    Column("sex", "Jenis Kelamin", ("jeniskelamin", "jk", "lp", "sex", "gender"), label=gettext_lazy("sex")),
    Column("address", "Alamat", ("alamat", "alamatlengkap", "address"), label=gettext_lazy("address")),
    Column("province", "Provinsi", ("provinsi", "province"), required=False, label=gettext_lazy("province")),
    Column(
        "regency",
        "Kabupaten/Kota",
        ("kabupatenkota", "kabkota", "kabupaten", "kota", "regency", "regencycity"),
        label=gettext_lazy("regency / city"),
    ),
    Column(
        "school_name",
        "Nama Sekolah",
        ("namasekolah", "sekolah", "asalsekolah", "schoolname", "school"),
        label=gettext_lazy("school name"),
    ),
    Column("school_npsn", "NPSN", ("npsn", "npsnsekolah", "schoolnpsn"), label=gettext_lazy("school NPSN")),
    Column(
        "major",
        "Jurusan",
        ("jurusan", "kompetensikeahlian", "programkeahlian", "major"),
        label=gettext_lazy("major"),
    ),
    Column(
        "graduation_year",
        "Tahun Lulus",
        ("tahunlulus", "graduationyear"),
        label=gettext_lazy("graduation year"),
    ),
    Column(
        "average_grade",
        "Nilai Rata-rata",
        ("nilairatarata", "ratarata", "ratanilai", "averagegrade"),
        label=gettext_lazy("average grade"),
    ),
    Column(
        "track", "Penempatan", ("penempatan", "jalur", "track"), required=False, label=gettext_lazy("track")
    ),
)


def _header_key(text: Any) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text or "").casefold())


_ALIASES = {alias: column.key for column in COLUMNS for alias in column.aliases}


def column_positions(cells: list[Any]) -> dict[str, int]:
    """Which cell holds which column (the first one, when a header is repeated)."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _ALIASES.get(_header_key(cell))
        if key is not None and key not in positions:
            positions[key] = index
    return positions


def missing_columns(positions: dict[str, int]) -> list[Column]:
    return [column for column in COLUMNS if column.required and column.key not in positions]


# --- Values ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _digits(value: Any) -> str:
    """A number written as text or stored as a number by Excel (NIK, NPSN)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "".join(str(value or "").split())


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 10000 < value < 80000:  # an Excel day number
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = _text(value).split(" ")[0]
    # 15/08/2004, 15-08-2004, 15.08.2004 (Indonesian order) or 2004-08-15
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = match.groups()
    else:
        match = _YEAR_FIRST.match(text)
        if match is None:
            return None
        year, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


_SEXES = {
    "l": "M", "lakilaki": "M", "laki": "M", "pria": "M", "m": "M", "male": "M",
    "p": "F", "perempuan": "F", "wanita": "F", "w": "F", "f": "F", "female": "F",
}  # fmt: skip


def _normal_name(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass
class Lookups:
    """What cleaning a row needs from the database, loaded once per import."""

    program: Program
    default_track: PlacementTrack | None
    majors: dict[str, int]
    tracks: dict[str, PlacementTrack]
    provinces: set[str]
    province_names: dict[str, str]
    rule_codes: list[str]
    today: datetime.date = field(default_factory=timezone.localdate)

    @classmethod
    def load(cls, *, program: Program, default_track: PlacementTrack | None) -> Lookups:
        from ...models import Province

        majors: dict[str, int] = {}
        for major in Major.objects.filter(is_active=True):
            for name in (major.code, major.name, major.name_en):
                if name:
                    majors.setdefault(_normal_name(name), major.pk)
        tracks: dict[str, PlacementTrack] = {}
        for track in program.tracks.all():
            for name in (track.name, track.name_en):
                if name:
                    tracks.setdefault(_normal_name(name), track)
        provinces = dict(Province.objects.values_list("code", "name"))
        # The rules a self-submitted application meets, except documents: an imported
        # candidate uploads them after claiming the account, and screening checks them.
        rule_codes = [rule.code for rule in describe_rules(program) if rule.code != "documents"]
        return cls(
            program=program,
            default_track=default_track,
            majors=majors,
            tracks=tracks,
            provinces=set(provinces),
            province_names={_normal_name(name): code for code, name in provinces.items()},
            rule_codes=rule_codes,
        )


@dataclass
class Applicant:
    """A row's profile, with what the eligibility rules read: lighter than an unsaved model
    instance, which matters when 100,000 rows are checked."""

    full_name: str
    nik: str
    birth_place: str
    birth_date: datetime.date
    sex: str
    phone: str
    address: str
    province_id: str
    regency: str
    school_name: str
    school_npsn: str
    major_id: int
    graduation_year: int
    average_grade: Decimal
    education_level: str = EducationLevel.SMK

    age_on = CandidateProfile.age_on


@dataclass
class CleanRow:
    row_number: int
    full_name: str = ""
    nik: str = ""
    email: str = ""
    track: PlacementTrack | None = None
    profile: Applicant | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik) if len(self.nik) == 16 else ""


def eligibility_problems(lookups: Lookups, candidate: Any) -> list[str]:
    """The programme's rules (all but documents) that ``candidate`` does not meet, in words."""
    return [str(missing) for missing in unmet_rules(lookups.program, candidate, codes=lookups.rule_codes)]


def row_clean(number: int, cells: list[Any], positions: dict[str, int], lookups: Lookups) -> CleanRow:
    """Every problem of one row, each in words; with a ready (unsaved) profile when there are none."""

    def cell(key: str) -> Any:
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    row = CleanRow(row_number=number)
    errors = row.errors

    def label(key: str) -> str:
        return str(next(column.label for column in COLUMNS if column.key == key)).capitalize()

    def need(key: str, value: Any) -> bool:
        if value in (None, ""):
            errors.append(_("%(column)s is empty.") % {"column": label(key)})
            return False
        return True

    def fits(key: str, value: str) -> bool:
        limit = MAX_LENGTHS[key]
        if len(value) > limit:
            errors.append(
                _("%(column)s is longer than %(limit)s characters (%(length)s).")
                % {"column": label(key), "limit": limit, "length": len(value)}
            )
            return False
        return True

    row.full_name = _text(cell("full_name"))
    if need("full_name", row.full_name):
        fits("full_name", row.full_name)

    row.nik = _digits(cell("nik"))
    birth_date = _date(cell("birth_date"))
    raw_birth_date = _text(cell("birth_date"))
    if need("birth_date", raw_birth_date) and birth_date is None:
        errors.append(
            _("The date of birth %(value)s is not a date (write it as 2004-08-15 or 15/08/2004).")
            % {"value": raw_birth_date}
        )
    elif birth_date is not None and (
        birth_date > lookups.today or not 14 <= lookups.today.year - birth_date.year <= 80
    ):
        errors.append(
            _(
                "The date of birth %(value)s cannot be right "
                "(in the future, or less than 14 or over 80 years ago)."
            )
            % {"value": birth_date.isoformat()}
        )
        birth_date = None
    raw_sex = _text(cell("sex"))
    sex = _SEXES.get(_header_key(raw_sex), "")
    if need("sex", raw_sex) and not sex:
        errors.append(_("Sex %(value)s is not one of L / P (or M / F).") % {"value": raw_sex})
    if need("nik", row.nik):
        # The same checks as the profile form: shape, province code, birth date and sex.
        errors.extend(nik_problems(row.nik, birth_date=birth_date, sex=sex or None))

    row.email = _text(cell("email")).lower()
    # The length first: Django's check allows 320 characters, the account keeps 254.
    if need("email", row.email) and fits("email", row.email):
        try:
            validate_email(row.email)
        except ValidationError:
            errors.append(_("%(value)s is not an e-mail address.") % {"value": row.email})

    raw_phone = _text(cell("phone"))
    phone = ""
    if need("phone", raw_phone):
        try:
            phone = normalize_phone(raw_phone)
        except InvalidPhone:
            errors.append(
                _("This is not a valid phone number. Write it like 0812-3456-7890 or +62 812 3456 7890.")
            )
        else:
            fits("phone", phone)

    birth_place = _text(cell("birth_place"))
    if need("birth_place", birth_place):
        fits("birth_place", birth_place)
    address = _text(cell("address"))
    need("address", address)
    regency = _text(cell("regency"))
    if need("regency", regency):
        fits("regency", regency)
    school_name = _text(cell("school_name"))
    if need("school_name", school_name):
        fits("school_name", school_name)

    npsn = _digits(cell("school_npsn"))
    if need("school_npsn", npsn) and not re.fullmatch(r"\d{8}", npsn):
        errors.append(_("An NPSN has exactly 8 digits."))

    raw_province = _text(cell("province"))
    province = ""
    if raw_province:
        province = (
            raw_province
            if raw_province in lookups.provinces
            else lookups.province_names.get(_normal_name(raw_province), "")
        )
        if not province:
            errors.append(_("Unknown province: %(value)s.") % {"value": raw_province})
    elif len(row.nik) == 16 and row.nik[:2] in lookups.provinces:
        province = row.nik[:2]  # no province column: the province of the KTP

    raw_major = _text(cell("major"))
    major_id = None
    if need("major", raw_major):
        major_id = lookups.majors.get(_normal_name(raw_major))
        if major_id is None:
            errors.append(
                _("Unknown major: %(value)s. Use a major from the ministry's list (its name or code).")
                % {"value": raw_major}
            )

    raw_year = _text(cell("graduation_year"))
    year = None
    if need("graduation_year", raw_year):
        year = int(raw_year) if raw_year.isdigit() else None
        if year is None or not 1980 <= year <= lookups.today.year + 1:
            errors.append(
                _("The graduation year %(value)s is not between 1980 and next year.") % {"value": raw_year}
            )
            year = None

    raw_grade = _text(cell("average_grade")).replace(",", ".")
    grade = None
    if need("average_grade", raw_grade):
        try:
            grade = Decimal(raw_grade).quantize(Decimal("0.01"))
        except InvalidOperation:
            grade = None
        if grade is None or not Decimal(0) <= grade <= Decimal(100):
            errors.append(_("The average grade must be between 0 and 100."))
            grade = None

    raw_track = _text(cell("track"))
    if raw_track:
        row.track = lookups.tracks.get(_normal_name(raw_track))
        if row.track is None:
            errors.append(
                _("Unknown track: %(value)s. This programme's tracks: %(tracks)s.")
                % {
                    "value": raw_track,
                    "tracks": ", ".join(sorted({track.name for track in lookups.tracks.values()})),
                }
            )
    else:
        row.track = lookups.default_track
        if row.track is None:
            errors.append(_("Name the track in the “Penempatan” column, or choose one for the whole file."))

    if errors:
        return row
    row.profile = Applicant(
        full_name=row.full_name,
        nik=row.nik,
        birth_place=birth_place,
        birth_date=birth_date,
        sex=sex,
        phone=phone,
        address=address,
        province_id=province,
        regency=regency,
        school_name=school_name,
        school_npsn=npsn,
        major_id=major_id,
        graduation_year=year,
        average_grade=grade,
    )
    unmet = eligibility_problems(lookups, row.profile)
    if unmet:
        row.errors.append(_("Does not meet the programme's rules: %(rules)s") % {"rules": " ".join(unmet)})
        row.profile = None
    return row
