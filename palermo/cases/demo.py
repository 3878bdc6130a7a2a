"""Synthetic, realistic-looking cases for demos, tests and benchmarks (`palermo demo-data`).

Every person, name and story here is invented. Names come from a small built-in list in the
scripts of the victims' countries (Latin, Arabic, Cyrillic, Devanagari, Bengali, Thai, Burmese,
Khmer, Chinese, Ge'ez); routes follow those in the seeds and the UNODC Global Reports
(Nigeria -> Niger -> Libya -> Italy, Myanmar -> Thailand, Nepal -> India, Ukraine -> Poland ->
Germany, the Mekong, West Africa, Latin America, the Gulf). Every code is an HTCDS value or a
Palermo code list value.

`generate` draws a list of `DemoCase` (the intended final state of each case, deterministic for a
seed) from the reference data; two writers create them:

- `write_with_services` calls the services one step at a time, as a case worker would (every
  rule checked, every step audited). Used for small sets (`make run` loads 40 cases).
- `write_bulk` inserts the same final state with `bulk_create`, one audit entry per batch of
  cases, for benchmark sizes.

The first cases of a set are made to cover every stage at least once (see `COVERAGE`): a
negative screening, screening only, identification, referrals in every status, reflection
periods and permits ending this week or overdue, a renewed and a revoked permit, children with
guardians and best-interest determinations, returns in every status, follow-up visits with
re-trafficking, proceedings up to compensation paid, consents given and withdrawn, closed cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases import services as s
from palermo.cases.audit_kinds import CASE
from palermo.cases.facets import case_facets
from palermo.cases.identification import assess, requires_means
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    Consent,
    FollowUpVisit,
    Guardian,
    Identification,
    Indicator,
    IndicatorList,
    Movement,
    Person,
    PersonIdentity,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
    SupportPlan,
    is_child,
    new_case_reference,
)
from palermo.core.audit import audit_record
from palermo.core.bulk import instance_row, rows_insert
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.crypto import encrypt_json, encrypt_text
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Organisation, User
from palermo.core.services import organisation_ensure, user_create
from palermo.registry.models import DirectoryEntry

PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

# --- names -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Given and family names in one script; `family_first` for the order used in that locale."""

    script: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False


NAMES: dict[str, Names] = {
    "edo": Names(
        "Latin",
        ("Blessing", "Joy", "Osarugue", "Aisosa", "Precious", "Faith", "Gift", "Osasere"),
        ("Osagie", "Efosa", "Osaro", "Ikponmwosa", "Nosa"),
        ("Igbinedion", "Osagie", "Ogbebor", "Aigbe", "Omoregie", "Edobor", "Okafor"),
    ),
    "ar": Names(
        "Arabic",
        ("أمينة", "فاطمة", "مريم", "عائشة", "خديجة", "زينب"),
        ("يوسف", "إبراهيم", "محمد", "عمر", "آدم", "موسى"),
        ("الحسن", "إدريس", "عبد الله", "موسى", "بكر", "الطاهر"),
    ),
    "uk": Names(
        "Cyrillic",
        ("Олена", "Ірина", "Тетяна", "Наталія", "Оксана", "Юлія"),
        ("Андрій", "Олександр", "Сергій", "Дмитро", "Богдан"),
        ("Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Мельник", "Кравець"),
    ),
    "ne": Names(
        "Devanagari",
        ("सीता", "गीता", "सुनिता", "मीना", "सरिता", "कमला"),
        ("राम", "बिकास", "सुरेश", "दीपक", "सन्तोष"),
        ("तामाङ", "श्रेष्ठ", "गुरुङ", "थापा", "राई", "मगर"),
    ),
    "bn": Names(
        "Bengali",
        ("রহিমা", "নাসরিন", "শাহনাজ", "ফারজানা"),
        ("রফিক", "জাহিদ", "কামাল", "সাইফুল", "মিজানুর"),
        ("হোসেন", "ইসলাম", "আহমেদ", "রহমান", "মিয়া"),
    ),
    "th": Names(
        "Thai",
        ("มาลี", "สมหญิง", "นภา", "อรุณี", "สุดารัตน์"),
        ("สมชาย", "ประเสริฐ", "วิชัย", "สมศักดิ์"),
        ("ศรีสุข", "ใจดี", "สุขสวัสดิ์", "บุญมา", "แก้วมณี"),
    ),
    "my": Names(  # Burmese names have no family name
        "Burmese",
        ("ခင်မာ", "သီတာ", "နီလာ", "မြင့်မြင့်", "စန္ဒာ"),
        ("အောင်ကို", "ကျော်ဇင်", "မောင်မောင်", "ဇော်မင်း", "သန်းထိုက်"),
        (),
    ),
    "km": Names(
        "Khmer",
        ("ស្រីពៅ", "សុភា", "ចន្ថា", "ស្រីនាង"),
        ("ដារ៉ា", "សុខា", "វិចិត្រ", "បុប្ផា"),
        ("សុខ", "ចាន់", "គឹម", "ហេង", "លី"),
        family_first=True,
    ),
    "zh": Names(
        "Chinese",
        ("芳", "娜", "丽", "静", "秀英", "婷"),
        ("伟", "强", "磊", "军", "浩"),
        ("王", "李", "张", "刘", "陈", "杨"),
        family_first=True,
    ),
    "vi": Names(
        "Latin (Vietnamese)",
        ("Thị Lan", "Thị Hoa", "Thị Mai", "Thị Hương", "Thị Thu"),
        ("Văn Minh", "Văn Tuấn", "Văn Hùng", "Đức Anh"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"),
        family_first=True,
    ),
    "am": Names(
        "Ge'ez",
        ("ሄለን", "መሰረት", "ትዕግስት", "ሰላማዊት", "ብርቱካን"),
        ("ታደሰ", "ዳዊት", "ብርሃኑ", "ሙሉጌታ"),
        ("ገብሬ", "ተስፋዬ", "ኃይሌ", "አበበ", "ከበደ"),
    ),
    "tl": Names(
        "Latin",
        ("Maria Cristina", "Jocelyn", "Rowena", "Liza", "Marites"),
        ("Mark Anthony", "Jun", "Rodel", "Jericho"),
        ("Santos", "Reyes", "dela Cruz", "Bautista", "Mendoza"),
    ),
    "fr": Names(
        "Latin",
        ("Aminata", "Fatoumata", "Awa", "Mariam", "Kadiatou", "Rokia"),
        ("Moussa", "Ibrahim", "Souleymane", "Mamadou", "Issa"),
        ("Traoré", "Ouédraogo", "Diallo", "Koné", "Sawadogo", "Kouassi", "Agbéko"),
    ),
    "es": Names(
        "Latin",
        ("María José", "Luisa", "Yuliana", "Daniela", "Ana Lucía", "Wendy"),
        ("José Luis", "Carlos", "Jhon", "Wilmer", "Edwin"),
        ("Pérez", "Gómez", "Rodríguez", "Quispe", "Mamani", "Hernández", "López"),
    ),
    "ro": Names(
        "Latin",
        ("Andreea", "Ioana", "Elena", "Florentina"),
        ("Florin", "Ionuț", "Marian", "Cătălin"),
        ("Popescu", "Ionescu", "Stan", "Dumitru", "Lăcătuș"),
    ),
}
NICKNAMES = ("Mimi", "Baby", "Sisi", "Lulu", "Tina", "Jojo", "Kiki")

# --- routes and what happens on them ---------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A form of exploitation on a route."""

    weight: int
    exploitation: tuple[str, ...]
    female: float
    child: float
    sex: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    control: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """Countries with places, from recruitment through transit to exploitation."""

    key: str
    weight: int
    legs: tuple[tuple[str, tuple[str, ...]], ...]
    names: str
    languages: tuple[str, ...]
    recruitment: tuple[str, ...]
    profiles: tuple[Profile, ...]
    websites: tuple[str, ...] = ()


F = h.TypeOfExploitation
M = h.MethodOfControl
R = h.MethodOfRecruitment
I = h.ForcedLabourIndustry  # noqa: E741 - short local alias of a long enum name
SEX = h.TypeOfSexExploitation.PROSTITUTION
ROUTES: tuple[Route, ...] = (
    Route(
        "nga-ner-lby-ita",
        6,
        (
            ("NGA", ("Benin City", "Lagos", "Uromi")),
            ("NER", ("Agadez",)),
            ("LBY", ("Sabha", "Tripoli")),
            ("ITA", ("Castel Volturno", "Palermo", "Torino", "Catania")),
        ),
        "edo",
        ("en", "bin"),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS, R.THROUGH_FAMILY_OR_FAMILY_EVENTS),
        (
            Profile(
                8,
                (F.SEXUAL_EXPLOITATION,),
                0.95,
                0.2,
                (SEX,),
                control=(M.DEBT_BONDAGE, M.PSYCHOLOGICAL_ABUSE, M.THREATENS_CHILDREN_FAMILY),
            ),
            Profile(2, (F.FORCED_BEGGING,), 0.5, 0.1, control=(M.DEBT_BONDAGE, M.TAKES_EARNINGS)),
        ),
        (h.WebsiteOrApp.FACEBOOK, h.WebsiteOrApp.WHATS_APP),
    ),
    Route(
        "sahel-lby-ita",
        3,
        (
            ("MLI", ("Bamako", "Kayes")),
            ("NER", ("Agadez",)),
            ("LBY", ("Bani Walid", "Zuwara")),
            ("ITA", ("Foggia", "Rosarno", "Latina")),
        ),
        "fr",
        ("bm", "fr"),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS, R.AT_WORK),
        (
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.1,
                0.15,
                industries=(I.A_AGRICULTURE_FORESTRY_AND_FISHING,),
                control=(M.DEBT_BONDAGE, M.EXCESSIVE_WORKING_HOURS, M.WITHHOLDS_NECESSITIES),
            ),
        ),
    ),
    Route(
        "bgd-are-lby-ita",
        2,
        (
            ("BGD", ("Madaripur", "Dhaka")),
            ("ARE", ("Dubai",)),
            ("LBY", ("Benghazi", "Tripoli")),
            ("ITA", ("Latina", "Roma", "Ragusa")),
        ),
        "bn",
        ("bn",),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS, R.AT_A_PLACE_OF_BUSINESS),
        (
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.05,
                0.05,
                industries=(I.A_AGRICULTURE_FORESTRY_AND_FISHING, I.F_CONSTRUCTION),
                control=(M.DEBT_BONDAGE, M.WITHHOLDS_DOCUMENTS, M.PHYSICAL_ABUSE),
            ),
        ),
    ),
    Route(
        "mmr-tha",
        5,
        (
            ("MMR", ("Mawlamyine", "Yangon", "Dawei")),
            ("THA", ("Samut Sakhon", "Mae Sot", "Songkhla")),
        ),
        "my",
        ("my",),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS, R.AT_WORK),
        (
            Profile(
                3,
                (F.FORCED_LABOUR,),
                0.2,
                0.1,
                industries=(I.A_AGRICULTURE_FORESTRY_AND_FISHING,),
                control=(M.DEBT_BONDAGE, M.WITHHOLDS_DOCUMENTS, M.EXCESSIVE_WORKING_HOURS),
            ),
            Profile(
                2,
                (F.FORCED_LABOUR,),
                0.7,
                0.15,
                industries=(I.C_MANUFACTURING,),
                control=(M.TAKES_EARNINGS, M.WITHHOLDS_DOCUMENTS),
            ),
            Profile(1, (F.SEXUAL_EXPLOITATION,), 1.0, 0.3, (SEX,), control=(M.DEBT_BONDAGE,)),
        ),
        (h.WebsiteOrApp.FACEBOOK, h.WebsiteOrApp.VIBER),
    ),
    Route(
        "mekong-scam-compounds",
        4,
        (
            ("CHN", ("Kunming", "Xiamen")),
            ("THA", ("Bangkok", "Mae Sot")),
            ("MMR", ("Myawaddy",)),
        ),
        "zh",
        ("zh",),
        (R.THROUGH_AN_ONLINE_ADVERTISEMENT, R.THROUGH_ONLINE_SOCIAL_NETWORKS),
        (
            Profile(
                1,
                (F.FORCED_CRIMINALITY,),
                0.35,
                0.0,
                control=(M.PHYSICAL_ABUSE, M.DEBT_BONDAGE, M.WITHHOLDS_DOCUMENTS),
            ),
        ),
        (h.WebsiteOrApp.WE_CHAT, h.WebsiteOrApp.TELEGRAM, h.WebsiteOrApp.TIK_TOK),
    ),
    Route(
        "vnm-khm-scam",
        2,
        (("VNM", ("Hà Tĩnh", "Nghệ An")), ("KHM", ("Sihanoukville", "Bavet"))),
        "vi",
        ("vi",),
        (R.THROUGH_ONLINE_SOCIAL_NETWORKS,),
        (
            Profile(
                1,
                (F.FORCED_CRIMINALITY,),
                0.3,
                0.05,
                control=(M.PHYSICAL_ABUSE, M.RESTRICTS_FINANCIAL_ACCESS),
            ),
        ),
        (h.WebsiteOrApp.FACEBOOK, h.WebsiteOrApp.TELEGRAM),
    ),
    Route(
        "mekong-forced-marriage",
        2,
        (("KHM", ("Kampong Cham", "Prey Veng")), ("CHN", ("Zhengzhou", "Hefei"))),
        "km",
        ("km",),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS, R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS),
        (
            Profile(
                1,
                (F.FORCED_MARRIAGE,),
                1.0,
                0.3,
                control=(M.FALSE_PROMISES, M.SEXUAL_ABUSE, M.RESTRICTS_FINANCIAL_ACCESS),
            ),
        ),
    ),
    Route(
        "npl-ind",
        4,
        (
            ("NPL", ("Sindhupalchok", "Makwanpur", "Nuwakot")),
            ("IND", ("Mumbai", "Delhi", "Kolkata")),
        ),
        "ne",
        ("ne",),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS, R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS),
        (
            Profile(3, (F.SEXUAL_EXPLOITATION,), 1.0, 0.35, (SEX,), control=(M.DEBT_BONDAGE,)),
            Profile(
                1,
                (F.FORCED_LABOUR, F.CHILD_LABOUR),
                0.4,
                0.9,
                industries=(I.C_MANUFACTURING,),
                control=(M.WITHHOLDS_NECESSITIES, M.EXCESSIVE_WORKING_HOURS),
            ),
        ),
    ),
    Route(
        "ukr-pol-deu",
        4,
        (
            ("UKR", ("Kharkiv", "Odesa", "Zaporizhzhia")),
            ("POL", ("Przemyśl", "Warszawa")),
            ("DEU", ("Berlin", "München", "Rheda-Wiedenbrück")),
        ),
        "uk",
        ("uk", "ru"),
        (R.THROUGH_AN_ONLINE_ADVERTISEMENT, R.THROUGH_ONLINE_SOCIAL_NETWORKS),
        (
            Profile(
                2,
                (F.FORCED_LABOUR,),
                0.4,
                0.05,
                industries=(I.C_MANUFACTURING, I.H_TRANSPORTATION_AND_STORAGE, I.F_CONSTRUCTION),
                control=(M.TAKES_EARNINGS, M.WITHHOLDS_DOCUMENTS, M.EXCESSIVE_WORKING_HOURS),
            ),
            Profile(1, (F.SEXUAL_EXPLOITATION,), 1.0, 0.1, (SEX,), control=(M.PHYSICAL_THREATS,)),
        ),
        (h.WebsiteOrApp.TELEGRAM, h.WebsiteOrApp.VIBER),
    ),
    Route(
        "rou-gbr",
        2,
        (("ROU", ("Craiova", "Iași")), ("GBR", ("London", "Birmingham"))),
        "ro",
        ("ro",),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS,),
        (
            Profile(2, (F.SEXUAL_EXPLOITATION,), 1.0, 0.1, (SEX,), control=(M.PHYSICAL_ABUSE,)),
            Profile(1, (F.FORCED_CRIMINALITY,), 0.5, 0.3, control=(M.TAKES_EARNINGS,)),
        ),
    ),
    Route(
        "bfa-civ-cocoa",
        3,
        (("BFA", ("Koudougou", "Ouahigouya")), ("CIV", ("Soubré", "Daloa"))),
        "fr",
        ("mos", "fr"),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS,),
        (
            Profile(
                1,
                (F.CHILD_LABOUR, F.FORCED_LABOUR),
                0.2,
                0.95,
                industries=(I.A_AGRICULTURE_FORESTRY_AND_FISHING,),
                control=(M.WITHHOLDS_NECESSITIES, M.PHYSICAL_ABUSE),
            ),
        ),
    ),
    Route(
        "tgo-ben-gab-domestic",
        2,
        (("TGO", ("Vogan", "Lomé")), ("BEN", ("Cotonou",)), ("GAB", ("Libreville",))),
        "fr",
        ("ee", "fr"),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS,),
        (
            Profile(
                1,
                (F.DOMESTIC_SERVITUDE, F.CHILD_LABOUR),
                0.9,
                0.9,
                industries=(I.T_ACTIVITIES_OF_HOUSEHOLDS_AS_EMPLOYERS,),
                control=(M.WITHHOLDS_NECESSITIES, M.PSYCHOLOGICAL_ABUSE),
            ),
        ),
    ),
    Route(
        "ven-col-per",
        3,
        (
            ("VEN", ("Maracaibo", "Valencia")),
            ("COL", ("Cúcuta", "Bogotá")),
            ("PER", ("Lima", "Puerto Maldonado")),
        ),
        "es",
        ("es",),
        (R.THROUGH_ONLINE_SOCIAL_NETWORKS, R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS),
        (
            Profile(
                3,
                (F.SEXUAL_EXPLOITATION,),
                0.95,
                0.2,
                (SEX,),
                control=(M.DEBT_BONDAGE, M.PHYSICAL_THREATS),
            ),
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.5,
                0.1,
                industries=(I.B_MINING_AND_QUARRYING,),
                control=(M.DEBT_BONDAGE,),
            ),
        ),
        (h.WebsiteOrApp.FACEBOOK, h.WebsiteOrApp.WHATS_APP, h.WebsiteOrApp.INSTAGRAM),
    ),
    Route(
        "bol-arg-textile",
        2,
        (("BOL", ("El Alto", "La Paz")), ("ARG", ("Buenos Aires",))),
        "es",
        ("es", "qu"),
        (R.THROUGH_A_NEWSPAPER_ADVERT, R.THROUGH_A_TELEVISION_ADVERT),
        (
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.5,
                0.15,
                industries=(I.C_MANUFACTURING,),
                control=(M.DEBT_BONDAGE, M.EXCESSIVE_WORKING_HOURS, M.WITHHOLDS_DOCUMENTS),
            ),
        ),
    ),
    Route(
        "hnd-mex-usa",
        2,
        (
            ("HND", ("San Pedro Sula",)),
            ("GTM", ("Tecún Umán",)),
            ("MEX", ("Tapachula", "Tijuana")),
            ("USA", ("Houston",)),
        ),
        "es",
        ("es",),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS,),
        (
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.3,
                0.2,
                industries=(I.I_ACCOMMODATION_AND_FOOD_SERVICE_ACTIVITIES,),
            ),
            Profile(1, (F.SEXUAL_EXPLOITATION,), 1.0, 0.3, (SEX,)),
        ),
    ),
    Route(
        "eth-lbn-domestic",
        2,
        (("ETH", ("Addis Ababa", "Dessie")), ("LBN", ("Beirut",))),
        "am",
        ("am",),
        (R.THROUGH_FAMILY_OR_FAMILY_EVENTS, R.AT_A_PLACE_OF_BUSINESS),
        (
            Profile(
                1,
                (F.DOMESTIC_SERVITUDE, F.FORCED_LABOUR),
                0.97,
                0.05,
                industries=(I.T_ACTIVITIES_OF_HOUSEHOLDS_AS_EMPLOYERS,),
                control=(
                    M.WITHHOLDS_DOCUMENTS,
                    M.RESTRICTS_FINANCIAL_ACCESS,
                    M.EXCESSIVE_WORKING_HOURS,
                ),
            ),
        ),
    ),
    Route(
        "phl-are-domestic",
        2,
        (("PHL", ("Manila", "Cotabato")), ("ARE", ("Dubai", "Abu Dhabi"))),
        "tl",
        ("tl", "en"),
        (R.THROUGH_AN_ONLINE_ADVERTISEMENT, R.AT_A_PLACE_OF_BUSINESS),
        (
            Profile(
                1,
                (F.DOMESTIC_SERVITUDE, F.FORCED_LABOUR),
                0.95,
                0.02,
                industries=(I.T_ACTIVITIES_OF_HOUSEHOLDS_AS_EMPLOYERS,),
                control=(M.WITHHOLDS_DOCUMENTS, M.TAKES_EARNINGS),
            ),
        ),
        (h.WebsiteOrApp.FACEBOOK,),
    ),
    Route(
        "sdn-lby-ita",
        2,
        (
            ("SDN", ("Khartoum", "El Fasher")),
            ("LBY", ("Kufra", "Tripoli")),
            ("ITA", ("Lampedusa", "Crotone")),
        ),
        "ar",
        ("ar",),
        (R.THROUGH_FRIENDS_OR_SOCIAL_EVENTS,),
        (
            Profile(
                1,
                (F.FORCED_LABOUR,),
                0.2,
                0.3,
                industries=(I.F_CONSTRUCTION, I.A_AGRICULTURE_FORESTRY_AND_FISHING),
                control=(M.PHYSICAL_ABUSE, M.DEBT_BONDAGE),
            ),
        ),
    ),
)
CURRENCY = {
    "ITA": "EUR",
    "DEU": "EUR",
    "GBR": "GBP",
    "THA": "THB",
    "MMR": "MMK",
    "KHM": "KHR",
    "CHN": "CNY",
    "IND": "INR",
    "CIV": "XOF",
    "GAB": "XAF",
    "PER": "PEN",
    "ARG": "ARS",
    "USA": "USD",
    "LBN": "LBP",
    "ARE": "AED",
}
VULNERABILITIES = (
    h.Vulnerability.POVERTY,
    h.Vulnerability.MIGRATION,
    h.Vulnerability.EDUCATION,
    h.Vulnerability.DISCRIMINATION,
    h.Vulnerability.HOMELESSNESS,
    h.Vulnerability.ABUSE_PHYSICAL,
    h.Vulnerability.MENTAL_HEALTH,
)
SERVICE_PARTNERS = {
    c.ServiceType.SHELTER: "Demo safe house",
    c.ServiceType.MEDICAL: "Demo health centre",
    c.ServiceType.PSYCHOLOGICAL: "Demo psychosocial service",
    c.ServiceType.LEGAL_AID: "Demo legal aid clinic",
    c.ServiceType.INTERPRETATION: "Demo interpreters' cooperative",
    c.ServiceType.VOCATIONAL_TRAINING: "Demo training centre",
}
POLICE = "Demo anti-trafficking police unit"
CHILD_PROTECTION = "Demo child protection service"
IMMIGRATION = "Demo immigration office"
AUTHORITIES = {
    POLICE: OrganisationKind.GOVERNMENT,
    CHILD_PROTECTION: OrganisationKind.GOVERNMENT,
    IMMIGRATION: OrganisationKind.GOVERNMENT,
}

# What the first cases of every set are made to show (one case each, in this order).
COVERAGE = (
    "screened_out",
    "screening_only",
    "reflection_this_week",
    "reflection_overdue",
    "permit_overdue",
    "permit_renewed",
    "permit_revoked",
    "child_return_completed",
    "return_cancelled",
    "return_decided",
    "return_planned",
    "retrafficked",
    "referrals_every_status",
    "proceeding_compensation",
    "age_uncertain",
    "witness_protection",
    "consent_withdrawn",
    "closed",
    "closed_referred",
    "follow_up",
    "not_identified",
)

# --- the intended state of a case ------------------------------------------------------------


@dataclass
class DMeasure:
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    decided_by: str
    linked_to_cooperation: bool = False
    reference: str = ""
    notes: str = ""
    renewal_of: int | None = None  # index in the person's measures


@dataclass
class DReferral:
    service: str
    to: str
    scopes: list[str]
    sent_on: dt.date
    status: str
    responded_on: dt.date | None = None
    delivered_on: dt.date | None = None
    closed_on: dt.date | None = None
    details: str = ""
    response_note: str = ""


@dataclass
class DReturn:
    destination: str
    risk_level: str
    risk_assessment: str
    voluntary_consent: bool
    consent_on: dt.date | None
    status: str
    travel_documents: str = ""
    decided_on: dt.date | None = None
    return_date: dt.date | None = None
    with_bid: bool = False


@dataclass
class DPerson:
    role: str  # as added; screening and identification may change it (see `facts`)
    facts: dict[str, Any]  # the final HTCDS facts, role and trafficking status included
    identity: dict[str, Any] = field(default_factory=dict)
    pseudonym: str = ""
    movements: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)
    identification: dict[str, Any] | None = None
    measures: list[DMeasure] = field(default_factory=list)
    guardian: dict[str, Any] | None = None
    bid: dict[str, Any] | None = None
    referrals: list[DReferral] = field(default_factory=list)
    returns: list[DReturn] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    support_plans: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DCase:
    title: str
    country: str
    opened_on: dt.date
    persons: list[DPerson]
    status: str = h.CaseStatus.ACTIVE
    closed_on: dt.date | None = None
    reason_for_closure: str = ""
    referring: str = ""
    incoming_referral_date: dt.date | None = None
    reason_for_incoming_referral: str = ""
    incoming_referral_details: str = ""
    proceedings: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    features: set[str] = field(default_factory=set)


# --- generating ------------------------------------------------------------------------------


@dataclass
class Reference:
    """What generation reads from the database: indicator lists and reflection minimums."""

    lists: dict[str, tuple[IndicatorList, list[Indicator]]]
    reflection_days: Callable[[str], int]

    @classmethod
    def load(cls) -> Reference:
        lists: dict[str, tuple[IndicatorList, list[Indicator]]] = {}
        for lst in IndicatorList.objects.filter(active=True).order_by("key", "-version"):
            indicators = list(lst.indicators.order_by("code"))
            if indicators and lst.target not in lists:
                lists[lst.target] = (lst, indicators)
        if not lists:
            raise ApplicationError(
                "No indicator lists are loaded: run `palermo load-reference` first.",
                code="no_reference_data",
            )
        countries = {x.iso3: x for x in Country.objects.filter(iso3__in=_route_countries())}
        missing = sorted(_route_countries() - set(countries))
        if missing:
            raise ApplicationError(
                "Countries missing ({}): run `palermo load-reference` first.".format(
                    ", ".join(missing)
                ),
                code="no_reference_data",
            )
        cache: dict[str, int] = {}

        def reflection(iso3: str) -> int:
            if iso3 not in cache:
                cache[iso3] = s.reflection_days_min(countries[iso3])
            return cache[iso3]

        return cls(lists=lists, reflection_days=reflection)


def _route_countries() -> set[str]:
    return {country for route in ROUTES for country, _ in route.legs}


class _Gen:
    """Draws cases; all randomness comes from one seeded generator."""

    def __init__(self, *, seed: int, today: dt.date, ref: Reference) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.today = today
        self.ref = ref

    # small helpers
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def past(self, day: dt.date) -> dt.date:
        return min(day, self.today)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def some(self, items: Sequence[str], lo: int, hi: int) -> list[str]:
        """Between lo and hi distinct items, sorted (as the services store multi-selects)."""
        distinct = list(dict.fromkeys(items))
        k = min(len(distinct), self.rng.randint(lo, hi))
        return sorted(self.rng.sample(distinct, k))

    def name(self, locale: str, female: bool) -> dict[str, Any]:
        pool = NAMES[locale]
        given = self.pick(pool.female if female else pool.male)
        out: dict[str, Any] = {"first_name": given}
        if pool.family:
            out["second_name"] = self.pick(pool.family)
        return out

    # one case
    def case(self, index: int, want: str) -> DCase:  # noqa: PLR0912, PLR0915 - a story in order
        route: Route = self.rng.choices(ROUTES, weights=[r.weight for r in ROUTES])[0]
        profile: Profile = self.rng.choices(
            route.profiles, weights=[p.weight for p in route.profiles]
        )[0]
        country = route.legs[-1][0]
        origin = route.legs[0][0]
        child = want in ("child_return_completed", "age_uncertain") or (
            want == "" and self.chance(profile.child)
        )
        female = self.chance(profile.female)
        minimum = self.ref.reflection_days(country)
        self.target_end: dt.date | None = None
        # When the case opened: recent cases are in the early stages.
        if want in ("screened_out", "screening_only"):
            opened = self.today - self.days(0, 6)
        elif want in ("reflection_this_week", "reflection_overdue"):
            self.target_end = (
                self.today + self.days(0, 6)
                if want == "reflection_this_week"
                else self.today - self.days(1, 9)
            )
            opened = self.target_end - dt.timedelta(days=minimum) - self.days(8, 15)
        elif want in ("return_planned", "referrals_every_status", "not_identified"):
            opened = self.today - self.days(60, 200)
        elif want:
            opened = self.today - self.days(400, 900)
        elif self.chance(0.35):
            opened = self.today - self.days(0, 120)
        else:
            opened = self.today - self.days(120, 1100)
        age = self.rng.randint(9, 17) if child else self.rng.randint(18, 45)
        age_uncertain = want == "age_uncertain" or (child and self.chance(0.1))
        title = "{} {}".format(
            "Girl" if child and female else "Boy" if child else "Woman" if female else "Man",
            "from {} in {}".format(dict(route.legs)[origin][0], self.pick(route.legs[-1][1])),
        )
        case = DCase(
            title=title, country=country, opened_on=opened, persons=[], features={want} - {""}
        )
        if self.chance(0.5):
            case.referring = POLICE
            case.incoming_referral_date = opened - self.days(0, 3)
            case.reason_for_incoming_referral = self.pick(
                [
                    h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
                    h.ReferralReason.MIGRATION_OR_CHANGE_OF_LOCATION,
                ]
            )
            case.incoming_referral_details = "Found during a labour inspection with the police."
        victim = self.victim(
            route,
            profile,
            case,
            child=child,
            age=age,
            female=female,
            age_uncertain=age_uncertain,
            want=want,
        )
        case.persons.append(victim)
        if self.chance(0.15) and want == "":  # a second victim of the same exploiter
            case.persons.append(
                self.victim(
                    route,
                    profile,
                    case,
                    child=False,
                    age=self.rng.randint(18, 40),
                    female=female,
                    age_uncertain=False,
                    want="",
                    stop_after_screening=self.chance(0.3),
                )
            )
        suspects = (
            self.rng.randint(1, 2) if (want == "proceeding_compensation" or self.chance(0.6)) else 0
        )
        for _ in range(suspects):
            case.persons.append(self.suspect(route, case))
        if want == "witness_protection" or self.chance(0.15):
            case.persons.append(self.witness(route, case, force=want == "witness_protection"))
        self.proceedings(case, force=want == "proceeding_compensation")
        self.comments(case)
        self.closure(case, want)
        return case

    def victim(  # noqa: PLR0912, PLR0915 - one story
        self,
        route: Route,
        profile: Profile,
        case: DCase,
        *,
        child: bool,
        age: int,
        female: bool,
        age_uncertain: bool,
        want: str,
        stop_after_screening: bool = False,
    ) -> DPerson:
        opened = case.opened_on
        born = opened - dt.timedelta(days=365 * age + self.rng.randint(1, 360))
        months_exploited = self.rng.randint(1, min(36, max(1, 12 * (age - 6))))
        trafficked_on = opened - dt.timedelta(days=30 * months_exploited + self.rng.randint(10, 90))
        trafficked_age = max(0, age - (opened - trafficked_on).days // 365)
        if trafficked_on < born:
            trafficked_on = born + dt.timedelta(days=365 * 6)
        facts: dict[str, Any] = {
            "gender": h.Gender.FEMININE if female else h.Gender.MASCULINE,
            "age_at_registration": None if age_uncertain else age,
            "age_uncertain": age_uncertain,
            "citizenship": [route.legs[0][0]],
            "primary_language": route.languages[0],
            "secondary_language": route.languages[1]
            if len(route.languages) > 1 and self.chance(0.5)
            else "",
            "marital_status": ""
            if child
            else self.pick(["Single", "Single", "Married", "Divorced", "Separated"]),
            "number_of_children": None if child else self.rng.choice([0, 0, 1, 2, 3]),
            "education": self.pick(
                ["PrimaryEducation", "LowerSecondaryEducation"]
                if child
                else [
                    "PrimaryEducation",
                    "LowerSecondaryEducation",
                    "UpperSecondaryEducation",
                    "ShortCycleTertiaryEducation",
                ]
            ),
            "age_when_trafficked": trafficked_age,
            "methods_of_recruitment": self.some(route.recruitment, 1, 2),
            "recruitment_websites_and_apps": self.some(route.websites, 0, 2)
            if route.websites
            else [],
            "methods_of_control": self.some(
                [*profile.control, M.FALSE_PROMISES, M.PSYCHOLOGICAL_ABUSE, M.PHYSICAL_THREATS],
                2,
                4,
            ),
            "types_of_exploitation": sorted(profile.exploitation),
            "types_of_sex_exploitation": list(profile.sex),
            "forced_labour_industry": self.pick(profile.industries) if profile.industries else "",
            "exploitation_websites_and_apps": self.some(route.websites, 0, 1)
            if profile.sex and route.websites
            else [],
            "vulnerabilities": self.some(VULNERABILITIES, 1, 3),
            "relationship_to_trafficker": self.pick(
                ["Familial", "Acquainted", "Acquainted", "Unaquainted"]
            ),
            "location_of_recruitment": self.pick(route.legs[0][1]),
            "location_of_exploitation": self.pick(route.legs[-1][1]),
            "details_of_vulnerabilities": self.pick(
                [
                    "Left school early to support the family.",
                    "Debt to the recruiter for the journey.",
                    "Irregular stay; afraid of deportation.",
                    "Lost contact with family during the journey.",
                ]
            ),
            "deceased": False,
            "agreement_to_manage_personal_data": False,
        }
        identity = self.name(route.names, female)
        if not age_uncertain:
            identity["birthdate"] = born.isoformat()
        if self.chance(0.2):
            identity["aliases"] = [self.pick(NICKNAMES)]
        if self.chance(0.4):
            identity["documents"] = self.pick(
                ["Passport confiscated by the employer", "No documents", "Expired national ID card"]
            )
        if self.chance(0.5):
            identity["mobile_phone"] = "+{} {:03d} {:03d} {:03d}".format(
                self.rng.randint(20, 998),
                self.rng.randint(0, 999),
                self.rng.randint(0, 999),
                self.rng.randint(0, 999),
            )
        person = DPerson(role=c.PersonRole.PRESUMED_VICTIM, facts=facts, identity=identity)
        # Movements: recruitment, transits, exploitation (ended when the person got out).
        day = trafficked_on
        for n, (iso3, places) in enumerate(route.legs):
            last = n == len(route.legs) - 1
            kind = (
                h.EventType.RECRUITMENT
                if n == 0
                else h.EventType.EXPLOITATION
                if last
                else h.EventType.TRANSIT
            )
            start = day
            end = None
            if kind == h.EventType.TRANSIT:
                end = start + self.days(3, 60)
                day = end + self.days(1, 5)
            elif kind == h.EventType.EXPLOITATION:
                end = opened - self.days(0, 5) if self.chance(0.8) else None
                if end is not None and end < start:
                    end = start
            else:
                day = start + self.days(1, 10)
            start = min(start, opened)
            if end is not None and end > opened:
                end = opened
            person.movements.append(
                {
                    "event_type": kind,
                    "country": iso3,
                    "city": self.pick(places),
                    "date": start
                    if (kind != h.EventType.EXPLOITATION or self.chance(0.9))
                    else None,
                    "end_date": end if end is None or end >= start else start,
                    "description": "",
                }
            )
        # Consents.
        if self.chance(0.95) or want:
            person.consents.append(
                {
                    "purpose": c.ConsentPurpose.ASSISTANCE,
                    "given_on": opened,
                    "withdrawn_on": None,
                    "notes": "",
                }
            )
        sharing = want in ("consent_withdrawn", "referrals_every_status") or self.chance(0.55)
        if sharing:
            given = self.past(opened + self.days(0, 3))
            withdrawn = None
            if want == "consent_withdrawn" or self.chance(0.08):
                withdrawn = self.past(given + self.days(10, 120))
            person.consents.append(
                {
                    "purpose": c.ConsentPurpose.DATA_SHARING,
                    "given_on": given,
                    "withdrawn_on": withdrawn,
                    "notes": "explained with an interpreter",
                }
            )
            facts["agreement_to_manage_personal_data"] = True
        if self.chance(0.25):
            person.consents.append(
                {
                    "purpose": c.ConsentPurpose.RESEARCH,
                    "given_on": self.past(opened + self.days(0, 20)),
                    "withdrawn_on": None,
                    "notes": "",
                }
            )
        # Screening and identification.
        screened = self.past(opened + self.days(0, 5))
        negative = want == "screened_out"
        self.screening(person, screened, child=person_is_child(facts), negative=negative)
        if negative or want == "screening_only" or stop_after_screening:
            return person
        presumed = person.screenings[-1]["outcome"] == c.ScreeningOutcome.PRESUMED_VICTIM
        identified_on = screened + self.days(5, 45)
        if want in ("reflection_this_week", "reflection_overdue"):
            identified_on = self.today + dt.timedelta(days=1)  # not yet
        identified = identified_on <= self.today
        if identified:
            decision = (
                c.IdentificationDecision.NOT_IDENTIFIED
                if want == "not_identified" or (not want and self.chance(0.07))
                else c.IdentificationDecision.IDENTIFIED
            )
            person.identification = {
                "authority": POLICE,
                "decision": decision,
                "decision_org_type": h.StatusDecisionOrg.POLICE,
                "decided_on": identified_on,
                "reasoning": "Interview with an interpreter and the screening; {}.".format(
                    "indicators corroborated by the labour inspection"
                    if decision == c.IdentificationDecision.IDENTIFIED
                    else "the account could not be corroborated"
                ),
            }
            if decision == c.IdentificationDecision.IDENTIFIED:
                facts["trafficking_status"] = h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
                person_role = c.PersonRole.VICTIM
            else:
                facts["trafficking_status"] = h.TraffickingStatus.NOT_A_VICTIM_OF_TRAFFICKING
                person_role = c.PersonRole.PRESUMED_VICTIM
            facts["status_decision_org"] = h.StatusDecisionOrg.POLICE
            facts["role"] = person_role
            if decision == c.IdentificationDecision.NOT_IDENTIFIED:
                return person
        elif not presumed:
            return person
        # Protection: reflection period, then a residence permit for identified victims.
        minimum = self.ref.reflection_days(case.country)
        start = screened + self.days(0, 3)
        length = max(minimum, self.pick([30, 45, 60, 90]))
        if self.target_end is not None:  # made to end this week, or overdue
            start = min(start, self.target_end - dt.timedelta(days=minimum))
            length = (self.target_end - start).days
        reflection_end = start + dt.timedelta(days=length)
        if self.chance(0.85) or want:
            status = c.MeasureStatus.ACTIVE
            if reflection_end < self.today - dt.timedelta(days=10) or (
                reflection_end < self.today and want != "reflection_overdue" and self.chance(0.6)
            ):
                status = c.MeasureStatus.ENDED
            person.measures.append(
                DMeasure(
                    c.MeasureKind.REFLECTION_PERIOD,
                    start,
                    reflection_end,
                    status,
                    IMMIGRATION,
                    notes="",
                )
            )
        if identified and (
            want in ("permit_overdue", "permit_renewed", "permit_revoked") or self.chance(0.55)
        ):
            p_start = max(reflection_end + dt.timedelta(days=1), identified_on)
            if p_start <= self.today:
                months = self.pick([6, 12])
                p_end = p_start + dt.timedelta(days=30 * months)
                linked = self.chance(0.5)
                permit_ref = "PS-{}-{:05d}".format(p_start.year, self.rng.randint(1, 99999))
                mstatus = (
                    c.MeasureStatus.ACTIVE
                    if p_end >= self.today - dt.timedelta(days=20)
                    else c.MeasureStatus.ENDED
                )
                if want == "permit_overdue":
                    p_start = self.today - dt.timedelta(days=30 * 6 + self.rng.randint(2, 12))
                    p_start = max(p_start, reflection_end + dt.timedelta(days=1), identified_on)
                    p_end = min(p_start + dt.timedelta(days=180), self.today - dt.timedelta(days=2))
                    p_end = max(p_end, p_start)
                    mstatus = c.MeasureStatus.ACTIVE
                if want == "permit_revoked":
                    mstatus = c.MeasureStatus.REVOKED
                person.measures.append(
                    DMeasure(
                        c.MeasureKind.RESIDENCE_PERMIT,
                        p_start,
                        p_end,
                        mstatus,
                        IMMIGRATION,
                        linked,
                        permit_ref,
                    )
                )
                renew = want == "permit_renewed" or (
                    mstatus == c.MeasureStatus.ENDED and self.chance(0.3)
                )
                if renew and want not in ("permit_overdue", "permit_revoked"):
                    person.measures[-1].status = c.MeasureStatus.ENDED
                    r_start = p_end + dt.timedelta(days=1)
                    r_end = r_start + dt.timedelta(days=365)
                    if r_end < self.today:
                        r_end = self.today + self.days(30, 300)
                    person.measures.append(
                        DMeasure(
                            c.MeasureKind.RESIDENCE_PERMIT,
                            r_start,
                            r_end,
                            c.MeasureStatus.ACTIVE,
                            IMMIGRATION,
                            linked,
                            permit_ref,
                            renewal_of=len(person.measures) - 1,
                        )
                    )
        # Children: a guardian, and a best-interest determination before any return.
        if person_is_child(facts):
            person.guardian = {
                "appointed_on": self.past(opened + self.days(0, 7)),
                "name": self.pick(["Avv. Giulia Rossi", "Sr. Maria Bianchi", ""]),
                "organisation": CHILD_PROTECTION,
            }
        # Referrals.
        services = list(SERVICE_PARTNERS)
        count = self.rng.randint(1, 3)
        statuses: list[str] = []
        if want == "referrals_every_status":
            statuses = [
                c.ReferralStatus.SENT,
                c.ReferralStatus.ACCEPTED,
                c.ReferralStatus.DECLINED,
                c.ReferralStatus.DELIVERED,
                c.ReferralStatus.CLOSED,
            ]
            count = len(statuses)
        for n in range(count):
            service = (
                services[n % len(services)]
                if want == "referrals_every_status"
                else self.pick(services)
            )
            sent = self.past(screened + self.days(0, 20))
            if statuses:
                rstatus = statuses[n]
                if rstatus == c.ReferralStatus.SENT:
                    sent = self.today - self.days(2, 6)  # waiting: on the receiver's board
            else:
                age_days = (self.today - sent).days
                rstatus = self.pick(
                    [c.ReferralStatus.SENT]
                    if age_days < 3
                    else [
                        c.ReferralStatus.ACCEPTED,
                        c.ReferralStatus.DELIVERED,
                        c.ReferralStatus.CLOSED,
                        c.ReferralStatus.DECLINED,
                        c.ReferralStatus.DELIVERED,
                    ]
                )
            scopes = [c.ShareScope.CASE_FACTS]
            if service in (c.ServiceType.LEGAL_AID, c.ServiceType.SHELTER) and self.chance(0.6):
                scopes.append(c.ShareScope.PROTECTION)
            if service in (
                c.ServiceType.MEDICAL,
                c.ServiceType.SHELTER,
                c.ServiceType.LEGAL_AID,
            ) and consent_on(person, c.ConsentPurpose.DATA_SHARING, sent):
                scopes += [c.ShareScope.IDENTITY, c.ShareScope.CONTACT]
            dref = DReferral(
                service,
                SERVICE_PARTNERS[service],
                sorted(scopes),
                sent,
                rstatus,
                details="Needs {}.".format(service.replace("_", " ")),
            )
            if rstatus != c.ReferralStatus.SENT:
                dref.responded_on = self.past(sent + self.days(0, 3))
            if rstatus in (c.ReferralStatus.DELIVERED, c.ReferralStatus.CLOSED) and (
                rstatus == c.ReferralStatus.DELIVERED or self.chance(0.5)
            ):
                dref.delivered_on = (
                    self.past(dref.responded_on + self.days(1, 30)) if dref.responded_on else None
                )
            if rstatus == c.ReferralStatus.CLOSED:
                dref.closed_on = self.past(
                    (dref.delivered_on or dref.responded_on or sent) + self.days(1, 60)
                )
            if rstatus == c.ReferralStatus.DECLINED:
                dref.response_note = "No place available this month."
            person.referrals.append(dref)
        # Return and reintegration.
        wants_return = want in (
            "child_return_completed",
            "return_cancelled",
            "return_decided",
            "return_planned",
            "retrafficked",
            "follow_up",
        )
        if identified and (wants_return or (not want and self.chance(0.25))):
            self.return_home(person, route, case, want, identified_on)
        # Support plan.
        if identified and self.chance(0.5):
            plan_type = (
                h.SupportPlanType.SEXUAL_EXPLOITATION_REHABILITATION
                if h.TypeOfExploitation.SEXUAL_EXPLOITATION in facts["types_of_exploitation"]
                else h.SupportPlanType.EDUCATION
                if person_is_child(facts)
                else h.SupportPlanType.LABOUR_EXPLOITATION_REHABILITATION
            )
            person.support_plans.append(
                {
                    "plan_type": plan_type,
                    "objectives": "Recovery, safety and a plan for the future.",
                    "action_plan": "Weekly sessions; language course; job placement.",
                    "planned_end": identified_on + self.days(90, 365),
                }
            )
        return person

    def screening(self, person: DPerson, day: dt.date, *, child: bool, negative: bool) -> None:
        sexual = h.TypeOfExploitation.SEXUAL_EXPLOITATION in person.facts["types_of_exploitation"]
        targets = (
            (["child_sexual", "child_labour"] if sexual else ["child_labour"])
            if child
            else (["adult_sexual", "adult_labour"] if sexual else ["adult_labour"])
        )
        target = (
            next((t for t in targets if t in self.ref.lists), None) or sorted(self.ref.lists)[0]
        )
        lst, indicators = self.ref.lists[target]
        by_dim: dict[str, list[Indicator]] = {}
        rank: dict[str, int] = {
            c.IndicatorStrength.STRONG: 0,
            c.IndicatorStrength.MEDIUM: 1,
            c.IndicatorStrength.WEAK: 2,
        }
        for ind in indicators:
            by_dim.setdefault(ind.dimension, []).append(ind)
        for items in by_dim.values():
            items.sort(key=lambda i: (rank.get(i.strength, 3), i.code))
        chosen: list[Indicator] = []
        if negative:
            for dim in (
                c.IndicatorDimension.DECEPTIVE_RECRUITMENT,
                c.IndicatorDimension.EXPLOITATION,
            ):
                weakest = [
                    i for i in by_dim.get(dim, []) if i.strength != c.IndicatorStrength.STRONG
                ]
                chosen += weakest[:1]
        else:
            recruitment = self.pick(
                [
                    d
                    for d in (
                        c.IndicatorDimension.DECEPTIVE_RECRUITMENT,
                        c.IndicatorDimension.COERCIVE_RECRUITMENT,
                    )
                    if by_dim.get(d)
                ]
                or [c.IndicatorDimension.RECRUITMENT_ABUSE_OF_VULNERABILITY]
            )
            dims = [recruitment, c.IndicatorDimension.EXPLOITATION]
            if requires_means(lst) or self.chance(0.5):
                dims.append(c.IndicatorDimension.COERCION_AT_DESTINATION)
            for dim in dims:
                items = by_dim.get(dim, [])
                if not items:
                    continue
                chosen.append(items[0])
                rest = items[1:]
                chosen += self.rng.sample(rest, min(len(rest), 2))
        result = assess(chosen, requires_means=requires_means(lst))
        notes = "Screened with an interpreter."
        person.screenings.append(
            {
                "list": lst,
                "indicators": sorted({i.code for i in chosen}),
                "dimensions_met": result.dimensions_met,
                "outcome": result.outcome,
                "reasoning": result.reasoning + "\n\nNotes: " + notes,
                "notes": notes,
                "screened_on": day,
            }
        )
        if (
            result.outcome == c.ScreeningOutcome.PRESUMED_VICTIM
            and person.facts.get("trafficking_status")
            != h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
        ):
            person.facts["role"] = c.PersonRole.PRESUMED_VICTIM
            person.facts["trafficking_status"] = h.TraffickingStatus.POSSIBLE_VICTIM_OF_TRAFFICKING

    def return_home(
        self, person: DPerson, route: Route, case: DCase, want: str, identified_on: dt.date
    ) -> None:
        origin = route.legs[0][0]
        child = person_is_child(person.facts)
        status = {
            "child_return_completed": c.ReturnStatus.COMPLETED,
            "return_cancelled": c.ReturnStatus.CANCELLED,
            "return_decided": c.ReturnStatus.DECIDED,
            "return_planned": c.ReturnStatus.PLANNED,
            "retrafficked": c.ReturnStatus.COMPLETED,
            "follow_up": c.ReturnStatus.COMPLETED,
        }.get(want) or self.pick(
            [
                c.ReturnStatus.PLANNED,
                c.ReturnStatus.DECIDED,
                c.ReturnStatus.COMPLETED,
                c.ReturnStatus.COMPLETED,
                c.ReturnStatus.CANCELLED,
            ]
        )
        planned_on = self.past(identified_on + self.days(5, 40))
        consent = status != c.ReturnStatus.PLANNED or self.chance(0.5)
        ret = DReturn(
            destination=origin,
            risk_level=self.pick([c.RiskLevel.LOW, c.RiskLevel.MEDIUM, c.RiskLevel.HIGH]),
            risk_assessment="Family contacted through IOM; recruiter still active in the home town."
            if self.chance(0.5)
            else "Family supportive; no known threat at home.",
            voluntary_consent=consent,
            consent_on=planned_on if consent else None,
            status=status,
            travel_documents="Emergency travel document requested from the consulate",
        )
        if status in (c.ReturnStatus.DECIDED, c.ReturnStatus.COMPLETED):
            decided = self.past(planned_on + self.days(5, 30))
            if child:
                guardian = person.guardian
                assert guardian is not None  # noqa: S101 - every child has one
                bid_on = max(guardian["appointed_on"], self.past(planned_on + self.days(0, 4)))
                decided = max(decided, bid_on)
                person.bid = {
                    "decided_on": bid_on,
                    "return_in_best_interest": True,
                    "reasoning": "Parents traced and assessed; a school place at home; the child "
                    "wishes to go home.",
                    "decided_by": CHILD_PROTECTION,
                }
                ret.with_bid = True
            ret.decided_on = decided
            if status == c.ReturnStatus.COMPLETED:
                ret.return_date = self.past(decided + self.days(3, 30))
                self.follow_ups(person, ret.return_date, retrafficked=want == "retrafficked")
        elif child and self.chance(0.5):
            person.bid = {
                "decided_on": self.past(planned_on + self.days(0, 10)),
                "return_in_best_interest": self.chance(0.6),
                "reasoning": "Family assessment pending; interim care in the host country.",
                "decided_by": CHILD_PROTECTION,
            }
        person.returns.append(ret)

    def follow_ups(self, person: DPerson, returned: dt.date, *, retrafficked: bool) -> None:
        visits = self.rng.randint(1, 3)
        day = returned
        for n in range(visits):
            day = day + self.days(30, 120)
            if day <= self.today and (n < visits - 1 or self.chance(0.7)):
                again = retrafficked and n == visits - 1 or (not retrafficked and self.chance(0.04))
                person.follow_ups.append(
                    {
                        "planned_on": day,
                        "done_on": day,
                        "outcome": "Recruited again by the same network."
                        if again
                        else "Back at school or work; family support good.",
                        "retrafficked": again,
                    }
                )
            else:
                person.follow_ups.append(
                    {"planned_on": day, "done_on": None, "outcome": "", "retrafficked": False}
                )
        if retrafficked and not any(v["retrafficked"] for v in person.follow_ups):
            day = min(returned + self.days(20, 60), self.today)
            person.follow_ups.append(
                {
                    "planned_on": day,
                    "done_on": day,
                    "outcome": "Recruited again by the same network.",
                    "retrafficked": True,
                }
            )

    def suspect(self, route: Route, case: DCase) -> DPerson:
        female = self.chance(0.35)
        roles = self.some(
            [
                h.PerpetratorRole.RECRUITER_OR_INTERMEDIARY,
                h.PerpetratorRole.TRANSPORTER,
                h.PerpetratorRole.EXPLOITER,
                h.PerpetratorRole.CONTROLLED_INDIVIDUAL,
                h.PerpetratorRole.SMUGGLER,
            ],
            1,
            2,
        )
        person = DPerson(
            role=c.PersonRole.SUSPECT,
            facts={
                "role": c.PersonRole.SUSPECT,
                "gender": h.Gender.FEMININE if female else h.Gender.MASCULINE,
                "age_at_registration": self.rng.randint(24, 60),
                "citizenship": [self.pick([route.legs[0][0], route.legs[-1][0]])],
                "perpetrator_roles": roles,
                "perpetrator_role_details": "Known to the victims by a nickname.",
                "deceased": False,
                "age_uncertain": False,
                "agreement_to_manage_personal_data": False,
            },
        )
        if self.chance(0.5):
            person.identity = self.name(route.names, female)
        return person

    def witness(self, route: Route, case: DCase, *, force: bool) -> DPerson:
        female = self.chance(0.5)
        person = DPerson(
            role=c.PersonRole.WITNESS,
            facts={
                "role": c.PersonRole.WITNESS,
                "gender": h.Gender.FEMININE if female else h.Gender.MASCULINE,
                "age_at_registration": self.rng.randint(20, 60),
                "citizenship": [route.legs[-1][0]],
                "deceased": False,
                "age_uncertain": False,
                "agreement_to_manage_personal_data": False,
            },
            identity=self.name(route.names, female),
        )
        if force or self.chance(0.4):
            start = self.past(case.opened_on + self.days(10, 60))
            person.measures.append(
                DMeasure(
                    c.MeasureKind.WITNESS_PROTECTION,
                    start,
                    None if self.chance(0.5) else start + self.days(180, 720),
                    c.MeasureStatus.ACTIVE,
                    POLICE,
                    True,
                )
            )
        return person

    def proceedings(self, case: DCase, *, force: bool) -> None:
        suspects = [i for i, p in enumerate(case.persons) if p.role == c.PersonRole.SUSPECT]
        for index in suspects:
            if not (force or self.chance(0.6)):
                continue
            started = self.past(case.opened_on + self.days(10, 90))
            age = (self.today - started).days
            stages = [c.ProceedingStage.INVESTIGATION]
            if age > 120:
                stages += [c.ProceedingStage.PROSECUTION, c.ProceedingStage.TRIAL]
            if age > 300:
                stages += [
                    c.ProceedingStage.VERDICT,
                    c.ProceedingStage.APPEAL,
                    c.ProceedingStage.CLOSED,
                ]
            stage = c.ProceedingStage.VERDICT if force else self.pick(stages)
            item: dict[str, Any] = {
                "suspect": index,
                "stage": stage,
                "started_on": started,
                "charges": "Trafficking in persons (art. 3 of the Palermo Protocol as enacted).",
            }
            if stage in (
                c.ProceedingStage.VERDICT,
                c.ProceedingStage.APPEAL,
                c.ProceedingStage.CLOSED,
            ):
                verdict = (
                    c.Verdict.CONVICTED
                    if force
                    else self.pick(
                        [
                            c.Verdict.CONVICTED,
                            c.Verdict.CONVICTED,
                            c.Verdict.ACQUITTED,
                            c.Verdict.DISMISSED,
                        ]
                    )
                )
                item["verdict"] = verdict
                item["verdict_on"] = self.past(started + self.days(200, 600))
                if verdict == c.Verdict.CONVICTED:
                    item["sentence_months"] = self.rng.randint(18, 144)
                    item["currency"] = CURRENCY.get(case.country, "USD")
                    if force or self.chance(0.5):
                        item["confiscated_amount"] = Decimal(self.rng.randint(5, 500) * 1000)
                    if force or self.chance(0.5):
                        ordered = Decimal(self.rng.randint(5, 80) * 1000)
                        item["compensation_ordered"] = ordered
                        if force or self.chance(0.4):
                            item["compensation_paid"] = (
                                ordered
                                if force
                                else (ordered * Decimal(self.pick(["0.25", "0.5", "1"]))).quantize(
                                    Decimal("1")
                                )
                            )
            case.proceedings.append(item)

    def comments(self, case: DCase) -> None:
        texts = [
            "Interpreter booked for the next interview.",
            "Met the lawyer; the complaint will be filed next week.",
            "Safe house confirmed; transport arranged.",
            "Family contacted with the person's agreement.",
        ]
        for _ in range(self.rng.randint(0, 2)):
            case.comments.append(self.pick(texts))

    def closure(self, case: DCase, want: str) -> None:
        victim = case.persons[0]
        last = max([case.opened_on, *all_dates(case)])
        if want == "screened_out":
            case.status = h.CaseStatus.CLOSED
            case.closed_on = self.past(last + self.days(0, 2))
            case.reason_for_closure = (
                "Not a presumed victim on the indicators; referred to general migrant services."
            )
            return
        if want == "closed_referred" or (
            not want and self.chance(0.05) and last < self.today - dt.timedelta(days=60)
        ):
            case.status = h.CaseStatus.CLOSED_REFERRED
            case.closed_on = self.past(last + self.days(1, 30))
            case.reason_for_closure = "Moved to another region; case handed over to the local NGO."
            return
        completed = any(r.status == c.ReturnStatus.COMPLETED for r in victim.returns)
        pending_visit = any(v["done_on"] is None for v in victim.follow_ups)
        if want == "follow_up" or (completed and pending_visit and not want):
            case.status = h.CaseStatus.FOLLOW_UP
            case.closed_on = None
            case.reason_for_closure = "Returned home; follow-up visits continue."
            case.features.add("reopened")
            return
        old = last < self.today - dt.timedelta(days=90)
        if want == "closed" or (
            not want
            and old
            and (completed or self.chance(0.3))
            and not pending_visit
            and not open_measures(case)
        ):
            case.status = h.CaseStatus.CLOSED
            case.closed_on = self.past(last + self.days(1, 60))
            case.reason_for_closure = (
                "Recovered; living independently."
                if not completed
                else "Returned home; reintegration completed."
            )


def person_is_child(facts: dict[str, Any]) -> bool:
    return is_child(facts.get("age_uncertain"), facts.get("age_at_registration"))


def consent_on(person: DPerson, purpose: str, day: dt.date) -> bool:
    return any(
        x["purpose"] == purpose
        and x["given_on"] <= day
        and (x["withdrawn_on"] is None or x["withdrawn_on"] > day)
        for x in person.consents
    )


def open_measures(case: DCase) -> bool:
    return any(m.status == c.MeasureStatus.ACTIVE for p in case.persons for m in p.measures)


def all_dates(case: DCase) -> list[dt.date]:
    """Every past event date of a case (so that a closure comes after them)."""
    out: list[dt.date] = []
    for p in case.persons:
        out += [x["screened_on"] for x in p.screenings]
        out += [x["given_on"] for x in p.consents] + [
            x["withdrawn_on"] for x in p.consents if x["withdrawn_on"]
        ]
        if p.identification:
            out.append(p.identification["decided_on"])
        out += [m.starts_on for m in p.measures]
        out += [
            d
            for r in p.referrals
            for d in (r.sent_on, r.responded_on, r.delivered_on, r.closed_on)
            if d
        ]
        out += [d for r in p.returns for d in (r.consent_on, r.decided_on, r.return_date) if d]
        out += [v["done_on"] for v in p.follow_ups if v["done_on"]]
        if p.guardian:
            out.append(p.guardian["appointed_on"])
        if p.bid:
            out.append(p.bid["decided_on"])
    for proc in case.proceedings:
        out += [d for d in (proc["started_on"], proc.get("verdict_on")) if d]
    return out


def generate(
    *, count: int, seed: int, today: dt.date | None = None, ref: Reference | None = None
) -> list[DCase]:
    """`count` cases; the first ones cover every stage (COVERAGE), the rest are drawn freely."""
    gen = _Gen(seed=seed, today=today or timezone.localdate(), ref=ref or Reference.load())
    return [gen.case(i, COVERAGE[i] if i < len(COVERAGE) else "") for i in range(count)]


class Pseudonyms:
    """Deterministic pseudonyms for a seed and an organisation, so that two organisations loaded
    with the same seed do not collide; those already taken are skipped."""

    def __init__(self, *, seed: int, salt: str) -> None:
        self.rng = random.Random("{}:{}".format(seed, salt))  # noqa: S311 - demo ids, not secrets
        self.taken = set(
            Person.objects.filter(pseudonym__startswith="P-").values_list("pseudonym", flat=True)
        )

    def assign(self, cases: Sequence[DCase]) -> None:
        for case in cases:
            for person in case.persons:
                while True:
                    name = "P-" + "".join(self.rng.choice(PSEUDONYM_ALPHABET) for _ in range(10))
                    if name not in self.taken:
                        self.taken.add(name)
                        person.pseudonym = name
                        break


def assign_pseudonyms(cases: Sequence[DCase], *, seed: int, salt: str) -> None:
    Pseudonyms(seed=seed, salt=salt).assign(cases)


def demo_cases_create(
    *,
    organisation: Organisation,
    actor: User,
    count: int,
    seed: int,
    today: dt.date | None = None,
    bulk: bool = False,
    chunk: int = 1000,
) -> tuple[int, int]:
    """Generate and write `count` cases in chunks (memory stays flat for large sets): through
    the services in one transaction, or in bulk with one transaction per chunk. Returns
    (cases, persons)."""
    partners = partners_ensure(organisation, with_workers=not bulk)
    gen = _Gen(seed=seed, today=today or timezone.localdate(), ref=Reference.load())
    names = Pseudonyms(seed=seed, salt=organisation.name)
    persons = 0
    with contextlib.nullcontext() if bulk else transaction.atomic():
        for start in range(0, count, chunk):
            batch = [
                gen.case(i, COVERAGE[i] if i < len(COVERAGE) else "")
                for i in range(start, min(count, start + chunk))
            ]
            names.assign(batch)
            persons += sum(len(x.persons) for x in batch)
            if bulk:
                write_bulk(batch, actor=actor, organisation=organisation, partners=partners)
            else:
                write_with_services(batch, actor=actor, partners=partners)
    return count, persons


# --- organisations and users -----------------------------------------------------------------


@dataclass
class Partners:
    """The other organisations a demo case deals with, by name, and a worker in each."""

    orgs: dict[str, Organisation]
    workers: dict[str, User]


def partners_ensure(organisation: Organisation, *, with_workers: bool) -> Partners:
    """Service providers and authorities next to the demo organisation (created once)."""
    country = organisation.country
    orgs: dict[str, Organisation] = {}
    for name in sorted(set(SERVICE_PARTNERS.values())):
        orgs[name] = organisation_ensure(
            name=name,
            kind=OrganisationKind.SERVICE_PROVIDER,
            country=country,
            actor_label="demo-data",
        )
    for name, kind in AUTHORITIES.items():
        orgs[name] = organisation_ensure(
            name=name, kind=kind, country=country, actor_label="demo-data"
        )
    workers: dict[str, User] = {}
    if with_workers:
        for name in SERVICE_PARTNERS.values():
            org = orgs[name]
            user = (
                User.objects.filter(organisation=org, role=Role.CASE_WORKER, is_active=True)
                .order_by("pk")
                .first()
            )
            if user is None:
                username = "demo-" + "".join(
                    ch if ch.isalnum() else "-" for ch in name.lower()
                ).strip("-")
                user, _ = user_create(
                    actor=None,
                    system=True,
                    username=username[:150],
                    organisation=name,
                    role=Role.CASE_WORKER,
                )
            workers[name] = user
    return Partners(orgs=orgs, workers=workers)


def demo_actor(organisation: Organisation, username: str | None = None) -> User:
    """Who records the demo cases: the given user, else the organisation's first case worker,
    else a new case worker `demo-worker-<id>` (its generated password is not shown)."""
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ApplicationError("No user named '{}'.".format(username), code="unknown_user")
        return user
    user = (
        User.objects.filter(
            organisation=organisation,
            role__in=[Role.CASE_WORKER, Role.INVESTIGATOR],
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if user is not None:
        return user
    user, _ = user_create(
        actor=None,
        system=True,
        username="demo-worker-{}".format(organisation.pk),
        organisation=organisation.name,
        role=Role.CASE_WORKER,
    )
    return user


# --- writing through the services ------------------------------------------------------------


def _directory_entry(country: str) -> int | None:
    return (
        DirectoryEntry.objects.filter(country_id=country)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def write_with_services(cases: Sequence[DCase], *, actor: User, partners: Partners) -> list[Case]:  # noqa: PLR0912, PLR0915
    """Create the cases step by step through the services (each step validated and audited)."""
    created: list[Case] = []
    orgs = partners.orgs
    for dcase in cases:
        case = s.case_open(
            actor=actor,
            opened_on=dcase.opened_on,
            title=dcase.title,
            country=dcase.country,
            referring_organisation=orgs[dcase.referring] if dcase.referring else None,
            incoming_referral_date=dcase.incoming_referral_date,
            reason_for_incoming_referral=dcase.reason_for_incoming_referral,
            incoming_referral_details=dcase.incoming_referral_details,
        )
        persons: list[Person] = []
        for dp in dcase.persons:
            initial = {
                k: v
                for k, v in dp.facts.items()
                if k
                not in (
                    "role",
                    "trafficking_status",
                    "status_decision_org",
                    "agreement_to_manage_personal_data",
                )
            }
            person = s.person_add(
                actor=actor,
                case=case,
                role=dp.role,
                identity=dp.identity,
                pseudonym=dp.pseudonym,
                **initial,
            )
            persons.append(person)
            for m in dp.movements:
                s.movement_add(actor=actor, person=person, **m)
            consents = [
                (
                    s.consent_record(
                        actor=actor,
                        person=person,
                        purpose=x["purpose"],
                        given_on=x["given_on"],
                        notes=x["notes"],
                    ),
                    x,
                )
                for x in dp.consents
            ]
            for sc in dp.screenings:
                s.screening_record(
                    actor=actor,
                    person=person,
                    indicator_list=sc["list"],
                    indicators=sc["indicators"],
                    screened_on=sc["screened_on"],
                    notes=sc["notes"],
                )
            if dp.identification:
                ident = dict(dp.identification)
                s.identification_record(
                    actor=actor, person=person, authority=orgs[ident.pop("authority")], **ident
                )
            granted: list[ProtectionMeasure] = []
            for dm in dp.measures:
                if dm.renewal_of is not None:
                    measure = s.measure_renew(
                        actor=actor,
                        measure=granted[dm.renewal_of],
                        ends_on=dm.ends_on or dm.starts_on,
                        reference=dm.reference,
                    )
                    granted[dm.renewal_of].refresh_from_db()
                else:
                    measure = s.measure_grant(
                        actor=actor,
                        person=person,
                        kind=dm.kind,
                        starts_on=dm.starts_on,
                        ends_on=dm.ends_on,
                        linked_to_cooperation=dm.linked_to_cooperation,
                        decided_by=orgs[dm.decided_by],
                        reference=dm.reference,
                        notes=dm.notes,
                    )
                granted.append(measure)
            for dm, measure in zip(dp.measures, granted, strict=True):
                measure.refresh_from_db()
                if dm.status != measure.status:
                    s.measure_end(
                        actor=actor, measure=measure, revoke=dm.status == c.MeasureStatus.REVOKED
                    )
            if dp.guardian:
                g = dp.guardian
                s.guardian_appoint(
                    actor=actor,
                    person=person,
                    appointed_on=g["appointed_on"],
                    name=g["name"],
                    organisation=orgs[g["organisation"]],
                )
            if dp.bid:
                b = dict(dp.bid)
                s.best_interest_record(
                    actor=actor, person=person, decided_by=orgs[b.pop("decided_by")], **b
                )
            for dr in dp.referrals:
                referral = s.referral_send(
                    actor=actor,
                    person=person,
                    to_organisation=orgs[dr.to],
                    service=dr.service,
                    scopes=dr.scopes,
                    details=dr.details,
                    sent_on=dr.sent_on,
                )
                receiver = partners.workers[dr.to]
                if dr.status == c.ReferralStatus.SENT:
                    continue
                first = "decline" if dr.status == c.ReferralStatus.DECLINED else "accept"
                referral = s.referral_transition(
                    actor=receiver,
                    referral=referral,
                    action=first,
                    note=dr.response_note,
                    on=dr.responded_on,
                )
                if dr.delivered_on:
                    referral = s.referral_transition(
                        actor=receiver, referral=referral, action="deliver", on=dr.delivered_on
                    )
                if dr.status == c.ReferralStatus.CLOSED:
                    s.referral_transition(
                        actor=actor, referral=referral, action="close", on=dr.closed_on
                    )
            for ret_plan in dp.returns:
                ret = s.return_plan(
                    actor=actor,
                    person=person,
                    destination=ret_plan.destination,
                    risk_level=ret_plan.risk_level,
                    risk_assessment=ret_plan.risk_assessment,
                    voluntary_consent=ret_plan.voluntary_consent,
                    consent_on=ret_plan.consent_on,
                    travel_documents=ret_plan.travel_documents,
                    receiving_authority_id=_directory_entry(ret_plan.destination),
                )
                if ret_plan.decided_on:
                    ret = s.return_decide(actor=actor, ret=ret, decided_on=ret_plan.decided_on)
                if ret_plan.return_date:
                    s.return_complete(actor=actor, ret=ret, return_date=ret_plan.return_date)
                if ret_plan.status == c.ReturnStatus.CANCELLED:
                    s.return_cancel(actor=actor, ret=ret, reason="The person chose to stay.")
            for v in dp.follow_ups:
                visit = s.follow_up_plan(actor=actor, person=person, planned_on=v["planned_on"])
                if v["done_on"]:
                    s.follow_up_record(
                        actor=actor,
                        visit=visit,
                        done_on=v["done_on"],
                        outcome=v["outcome"],
                        retrafficked=v["retrafficked"],
                    )
            for sp in dp.support_plans:
                s.support_plan_add(actor=actor, person=person, **sp)
            for consent, x in consents:
                if x["withdrawn_on"]:
                    s.consent_withdraw(actor=actor, consent=consent, withdrawn_on=x["withdrawn_on"])
        for proc in dcase.proceedings:
            fields = {k: v for k, v in proc.items() if k not in ("suspect", "stage", "started_on")}
            s.proceeding_record(
                actor=actor,
                case=case,
                stage=proc["stage"],
                started_on=proc["started_on"],
                suspect=persons[proc["suspect"]],
                **fields,
            )
        for text in dcase.comments:
            s.comment_add(actor=actor, case=case, text=text)
        if dcase.status != h.CaseStatus.ACTIVE:
            case = s.case_close(
                actor=actor,
                case=case,
                reason=dcase.reason_for_closure,
                closed_on=dcase.closed_on or min(_last_day(dcase), timezone.localdate()),
                referred=dcase.status == h.CaseStatus.CLOSED_REFERRED,
            )
            if dcase.status == h.CaseStatus.FOLLOW_UP:
                case = s.case_reopen(actor=actor, case=case)
        created.append(case)
    return created


def _last_day(dcase: DCase) -> dt.date:
    return max([dcase.opened_on, *all_dates(dcase)])


# --- writing in bulk -------------------------------------------------------------------------


# Rows whose ids other demo rows refer to (a renewal its permit, a referral its share, a return
# its best-interest determination): written with bulk_create, which returns the new ids. The
# others go through rows_insert (COPY on PostgreSQL).
_REFERENCED = frozenset({"measure", "share", "bid"})


def write_bulk(  # noqa: PLR0912, PLR0915 - one insert list per model
    cases: Sequence[DCase],
    *,
    actor: User,
    organisation: Organisation,
    partners: Partners,
    batch_size: int = 1000,
) -> int:
    """Insert the same final state with bulk_create: one audit entry per batch of cases.

    Values are those the services would have stored (the generator only draws valid codes and
    consistent dates; tests compare both writers)."""
    orgs = partners.orgs
    directory: dict[str, int | None] = {}
    written = 0
    for start in range(0, len(cases), batch_size):
        batch = cases[start : start + batch_size]
        with transaction.atomic():
            rows: dict[str, list[Any]] = {
                name: []
                for name in (
                    "case",
                    "person",
                    "identity",
                    "movement",
                    "consent",
                    "screening",
                    "identification",
                    "measure",
                    "renewal",
                    "guardian",
                    "bid",
                    "share",
                    "referral",
                    "return",
                    "visit",
                    "plan",
                    "proceeding",
                    "comment",
                )
            }
            for dcase in batch:
                case = Case(
                    id=uuid.uuid4(),
                    reference=new_case_reference(),
                    organisation=organisation,
                    owner=actor,
                    title=dcase.title,
                    status=dcase.status,
                    reason_for_closure=dcase.reason_for_closure,
                    country_id=dcase.country,
                    opened_on=dcase.opened_on,
                    closed_on=dcase.closed_on,
                    referring_organisation=orgs[dcase.referring] if dcase.referring else None,
                    incoming_referral_date=dcase.incoming_referral_date,
                    reason_for_incoming_referral=dcase.reason_for_incoming_referral,
                    incoming_referral_details=dcase.incoming_referral_details,
                    **case_facets({"role": dp.role, **dp.facts} for dp in dcase.persons),
                )
                rows["case"].append(case)
                persons = []
                for dp in dcase.persons:
                    facts = dict(dp.facts)
                    facts.setdefault("role", dp.role)
                    person = Person(id=uuid.uuid4(), case=case, pseudonym=dp.pseudonym, **facts)
                    persons.append(person)
                    rows["person"].append(person)
                    if dp.identity:
                        rows["identity"].append(
                            PersonIdentity(person=person, ciphertext=encrypt_json(dp.identity))
                        )
                    rows["movement"] += [
                        Movement(
                            person=person,
                            country_id=m["country"],
                            **{k: v for k, v in m.items() if k != "country"},
                        )
                        for m in dp.movements
                    ]
                    rows["consent"] += [
                        Consent(person=person, recorded_by=actor, **x) for x in dp.consents
                    ]
                    for sc in dp.screenings:
                        rows["screening"].append(
                            Screening(
                                person=person,
                                indicator_list=sc["list"],
                                indicators=sc["indicators"],
                                dimensions_met=sc["dimensions_met"],
                                outcome=sc["outcome"],
                                reasoning=sc["reasoning"],
                                screened_on=sc["screened_on"],
                                screened_by=actor,
                            )
                        )
                    if dp.identification:
                        ident = dict(dp.identification)
                        rows["identification"].append(
                            Identification(
                                person=person,
                                authority=orgs[ident.pop("authority")],
                                recorded_by=actor,
                                **ident,
                            )
                        )
                    measures: list[ProtectionMeasure] = []
                    for dm in dp.measures:
                        measure = ProtectionMeasure(
                            person=person,
                            kind=dm.kind,
                            starts_on=dm.starts_on,
                            ends_on=dm.ends_on,
                            status=dm.status,
                            linked_to_cooperation=dm.linked_to_cooperation,
                            decided_by=orgs[dm.decided_by],
                            reference=dm.reference,
                            notes=dm.notes,
                            organisation=organisation,
                        )
                        if dm.renewal_of is not None:
                            measure.renewal_of = measures[dm.renewal_of]
                            rows["renewal"].append(measure)
                        else:
                            rows["measure"].append(measure)
                        measures.append(measure)
                    if dp.guardian:
                        g = dp.guardian
                        rows["guardian"].append(
                            Guardian(
                                person=person,
                                organisation=orgs[g["organisation"]],
                                appointed_on=g["appointed_on"],
                                name_ciphertext=encrypt_text(g["name"]) if g["name"] else "",
                            )
                        )
                    bid = None
                    if dp.bid:
                        b = dict(dp.bid)
                        bid = BestInterestDetermination(
                            person=person, decided_by=orgs[b.pop("decided_by")], **b
                        )
                        rows["bid"].append(bid)
                    for dr in dp.referrals:
                        share = CaseShare(
                            case=case,
                            organisation=orgs[dr.to],
                            scopes=dr.scopes,
                            persons=[dp.pseudonym],
                            reason="referral: {}".format(dr.service),
                            granted_by=actor,
                        )
                        if dr.status in (c.ReferralStatus.DECLINED, c.ReferralStatus.CLOSED):
                            share.revoked_at = timezone.now()
                        rows["share"].append(share)
                        rows["referral"].append(
                            Referral(
                                person=person,
                                from_organisation=organisation,
                                to_organisation=orgs[dr.to],
                                service=dr.service,
                                details=dr.details,
                                scopes=dr.scopes,
                                status=dr.status,
                                sent_on=dr.sent_on,
                                responded_on=dr.responded_on,
                                delivered_on=dr.delivered_on,
                                closed_on=dr.closed_on,
                                response_note=dr.response_note,
                                share=share,
                                sent_by=actor,
                            )
                        )
                    for rp in dp.returns:
                        if rp.destination not in directory:
                            directory[rp.destination] = _directory_entry(rp.destination)
                        rows["return"].append(
                            Return(
                                person=person,
                                destination_id=rp.destination,
                                receiving_authority_id=directory[rp.destination],
                                risk_level=rp.risk_level,
                                risk_assessment=rp.risk_assessment,
                                voluntary_consent=rp.voluntary_consent,
                                consent_on=rp.consent_on,
                                travel_documents=rp.travel_documents,
                                status=rp.status,
                                decided_on=rp.decided_on,
                                return_date=rp.return_date,
                                best_interest_determination=bid if rp.with_bid else None,
                            )
                        )
                    rows["visit"] += [
                        FollowUpVisit(person=person, organisation=organisation, **v)
                        for v in dp.follow_ups
                    ]
                    rows["plan"] += [SupportPlan(person=person, **sp) for sp in dp.support_plans]
                for proc in dcase.proceedings:
                    fields = {k: v for k, v in proc.items() if k != "suspect"}
                    rows["proceeding"].append(
                        Proceeding(case=case, suspect=persons[proc["suspect"]], **fields)
                    )
                rows["comment"] += [
                    CaseComment(case=case, text=t, author=actor) for t in dcase.comments
                ]
            models_in_order: list[tuple[str, Any]] = [
                ("case", Case),
                ("person", Person),
                ("identity", PersonIdentity),
                ("movement", Movement),
                ("consent", Consent),
                ("screening", Screening),
                ("identification", Identification),
                ("measure", ProtectionMeasure),
                ("renewal", ProtectionMeasure),
                ("guardian", Guardian),
                ("bid", BestInterestDetermination),
                ("share", CaseShare),
                ("referral", Referral),
                ("return", Return),
                ("visit", FollowUpVisit),
                ("plan", SupportPlan),
                ("proceeding", Proceeding),
                ("comment", CaseComment),
            ]
            for name, model in models_in_order:
                if not rows[name]:
                    continue
                if name in _REFERENCED:  # later rows need their new ids
                    model.objects.bulk_create(rows[name], batch_size=2000)
                else:
                    rows_insert(model, [instance_row(obj) for obj in rows[name]])
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                kind=CASE,
                object_id="demo-data",
                reason="synthetic demo data",
                after={
                    "organisation": organisation.pk,
                    "cases": [str(x.pk) for x in rows["case"]],
                    "persons": len(rows["person"]),
                },
            )
        written += len(batch)
    return written
