"""Imitated cleaning of one value per kind, shaped like DaData's answers (reference §3.1).

Values are strings (or null) as DaData sends them; only the ``qc*`` fields are numbers. There
is no ``qc_region``. The rules are simple and deterministic, enough to produce every ``qc``:
phone 0/1/2/3/7, e-mail 0/1/2/3/4, name 0/1/2, address 0/1/2/3.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]

_EXTENSION = re.compile(r"(?:доб\.?|ext\.?|\*)\s*(\d{1,5})\s*$", re.IGNORECASE)
_PHONE_PART = re.compile(r"\+?\d[\d\s().-]{5,}\d")
CITY_REGIONS = {
    "495": ("Москва", "Москва"),
    "499": ("Москва", "Москва"),
    "812": ("Санкт-Петербург", "Санкт-Петербург"),
    "846": ("Самарская область", "Самара"),
}


def clean_phone(source: str) -> Record:
    text = source.strip()
    parts = _PHONE_PART.findall(text)
    if not parts:
        return _phone(source, None, None, qc=2)
    extension_match = _EXTENSION.search(text) if len(parts) == 1 else None
    extension = extension_match.group(1) if extension_match else None
    digits = re.sub(r"\D", "", parts[0])
    qc = 3 if len(parts) > 1 else 0
    if parts[0].startswith("+") and not digits.startswith("7") and 11 <= len(digits) <= 13:
        return _phone(source, digits[:-10], digits[-10:], qc=7 if qc == 0 else qc, extension=extension)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) == 10:
        return _phone(source, "7", digits, qc=qc, extension=extension)
    if 5 <= len(digits) <= 9:  # a local number: the city is an assumption, a person must look
        return {**_phone(source, None, None, qc=1), "number": digits, "type": "Неизвестный"}
    return _phone(source, None, None, qc=2)


def _phone(
    source: str, country: str | None, national: str | None, *, qc: int, extension: str | None = None
) -> Record:
    record: Record = dict.fromkeys(
        (
            "type",
            "phone",
            "country_code",
            "city_code",
            "number",
            "extension",
            "provider",
            "country",
            "region",
            "city",
            "timezone",
        ),
    )
    record.update(source=source, qc_conflict=0, qc=qc)
    if country is None or national is None:
        return record
    city_code, number = national[:3], national[3:]
    mobile = city_code.startswith("9")
    spelled = f"+{country} {city_code} {number[:3]}-{number[3:5]}-{number[5:]}"
    region, city = CITY_REGIONS.get(city_code, (None, None))
    record.update(
        type=("Мобильный" if mobile else "Стационарный") if country == "7" else "Неизвестный",
        phone=f"{spelled} доб. {extension}" if extension else spelled,
        country_code=country,
        city_code=city_code,
        number=number,
        extension=extension,
        provider='ПАО "Мобильные ТелеСистемы"' if mobile else None,
        country="Россия" if country == "7" else None,
        region=region,
        city=city,
        timezone="UTC+3" if country == "7" else None,
    )
    return record


_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
EMAIL_TYPOS = {
    "gmial.com": "gmail.com",
    "gmal.com": "gmail.com",
    "yandex.ry": "yandex.ru",
    "mail.ry": "mail.ru",
}
PERSONAL_DOMAINS = {
    "gmail.com",
    "yandex.ru",
    "mail.ru",
    "ya.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "rambler.ru",
}
DISPOSABLE_DOMAINS = {"mailinator.com", "10minutemail.com", "guerrillamail.com", "temp-mail.org"}
ROLE_NAMES = {"info", "support", "admin", "sales", "office", "hr", "noreply"}


def clean_email(source: str) -> Record:
    text = source.strip().lower()
    empty: Record = {"source": source, "email": None, "local": None, "domain": None, "type": None}
    if not re.search(r"[a-z0-9]", text):
        return {**empty, "qc": 2}
    local, _, domain = text.partition("@")
    fixed = re.sub(r"[/,]", ".", domain)
    fixed = EMAIL_TYPOS.get(fixed, fixed)
    email = f"{local}@{fixed}"
    if not _EMAIL.match(email):
        return {**empty, "email": text, "qc": 1}
    qc = 4 if fixed != domain else 0
    if fixed in DISPOSABLE_DOMAINS:
        kind, qc = "DISPOSABLE", 3
    elif local in ROLE_NAMES:
        kind = "ROLE"
    else:
        kind = "PERSONAL" if fixed in PERSONAL_DOMAINS else "CORPORATE"
    return {"source": source, "email": email, "local": local, "domain": fixed, "type": kind, "qc": qc}


_PATRONYMIC = re.compile(r"(?:вич|ьич|вна|чна|ична)$")


def clean_name(source: str) -> Record:
    words = [w.capitalize() for w in re.findall(r"[A-Za-zА-Яа-яЁё-]+", source)]
    record: Record = {
        "source": source,
        "result": None,
        "result_genitive": None,
        "result_dative": None,
        "result_ablative": None,
        "surname": None,
        "name": None,
        "patronymic": None,
        "gender": "НД",
        "qc": 2,
    }
    if not words or re.search(r"\d", source):
        return record
    surname, name, patronymic, qc = _name_parts(words)
    result = " ".join(part for part in (surname, name, patronymic) if part)
    gender = _gender(name, patronymic)
    record.update(result=result, surname=surname, name=name, patronymic=patronymic, gender=gender, qc=qc)
    # DaData declines the name; the sandbox repeats it (no morphology here).
    record.update(result_genitive=result, result_dative=result, result_ablative=result)
    return record


def _name_parts(words: list[str]) -> tuple[str | None, str | None, str | None, int]:
    if len(words) == 1:
        return None, words[0], None, 1
    if len(words) == 2:
        return words[0], words[1], None, 0
    if _PATRONYMIC.search(words[1].lower()):  # Имя Отчество Фамилия
        return words[2], words[0], words[1], 0 if len(words) == 3 else 1
    return words[0], words[1], words[2], 0 if len(words) == 3 else 1


def _gender(name: str | None, patronymic: str | None) -> str:
    if patronymic:
        return "М" if patronymic.lower().endswith("ич") else "Ж"
    if name:
        return "Ж" if name.lower().endswith(("а", "я")) else "М"
    return "НД"


_CITY = re.compile(r"\b(?:г\.?|город)\s+([А-ЯЁа-яё -]+?)\s*(?:,|$)")
_STREET = re.compile(r"\b(?:ул\.?|улица)\s+([А-ЯЁа-яё0-9 -]+?)\s*(?:,|$)")
_HOUSE = re.compile(r"\b(?:д\.?|дом)\s*(\d+[А-Яа-я]?)")
_FLAT = re.compile(r"\b(?:кв\.?|квартира)\s*(\d+)")
ADDRESS_FIELDS = (
    "result",
    "postal_code",
    "country",
    "region",
    "city",
    "street",
    "house",
    "flat",
    "fias_id",
    "geo_lat",
    "geo_lon",
)


def clean_address(source: str) -> Record:
    text = " ".join(source.split())
    record: Record = {
        "source": source,
        **dict.fromkeys(ADDRESS_FIELDS),
        "qc_geo": 5,
        "qc_complete": 1,
        "qc_house": 10,
        "qc": 2,
    }
    if not re.search(r"[А-Яа-яЁёA-Za-z]", text):
        return record
    city, street = _first(_CITY, text), _first(_STREET, text)
    house, flat = _first(_HOUSE, text), _first(_FLAT, text)
    postal = _first(re.compile(r"\b(\d{6})\b"), text)
    parts = [
        f"г {city}" if city else None,
        f"ул {street}" if street else None,
        f"д {house}" if house else None,
        f"кв {flat}" if flat else None,
    ]
    result = ", ".join(p for p in parts if p) or text
    complete = bool(city and street and house)
    qc = 3 if " или " in text else (0 if complete else 1)
    record.update(
        result=result,
        postal_code=postal,
        country="Россия",
        region=city,
        city=city,
        street=street,
        house=house,
        flat=flat,
        fias_id=str(uuid.uuid5(uuid.NAMESPACE_URL, result)) if complete else None,
        geo_lat="55.7522200" if complete else None,
        geo_lon="37.6155600" if complete else None,
        qc_geo=0 if complete else 4,
        qc_complete=0 if complete else 5,
        qc_house=2 if house else 10,
        qc=qc,
    )
    return record


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1).strip() if found else None


CLEANERS: dict[str, Callable[[str], Record]] = {
    "phone": clean_phone,
    "email": clean_email,
    "name": clean_name,
    "address": clean_address,
}
