"""Import and export of cases in the Human Trafficking Case Data Standard (HTCDS v2.0).

Files
-----
- HTCDS JSON: ``{"htcds_version": "2.0", "generator": ..., "org_Name": ..., "identifying": ...,
  "records": [...]}`` (a bare list of records is accepted on import).
- HTCDS CSV: one header row of field names, then one row per record.
- CTDC: the Counter Trafficking Data Collaborative's global synthetic dataset layout (27
  columns), imported as de-identified cases (see `ctdc_plans`).

Records
-------
One record per person in a case, carrying the case's fields as well. Field names are HTCDS
names (``prs_``, ``vic_``, ``per_``, ``cas_``, ``cco_``, ``hte_``, ``spl_``, ``con_``); what
HTCDS does not define but a case needs to be restored is a Palermo extension with the
``plm_`` prefix (case reference, country and dates, the person's pseudonym, role and age,
consent purposes). Picklist values are HTCDS value names, countries ISO 3166-1 alpha-3, dates
``YYYY-MM-DD``. Multi-select fields are JSON lists, ``;``-joined in CSV (a ``;`` or ``\\`` inside a
value is escaped with ``\\``). The repeated parts of a record are lists of objects in JSON under
`Group.key` (``HistoricTraffickingEvents`` with ``hte_`` fields, ``SupportPlans``, ``Consents``,
``OutgoingReferrals``, ``CaseComments``); in CSV each of their fields is one column holding the
items' values in order, ``;``-joined.

De-identified by default
------------------------
An export leaves out every identifying field (names, birthdate, identity number, documents,
e-mail, phones, mailing address, aliases), the free-text fields that case anonymisation removes
too (titles, details, descriptions, places, comments) and the case owner's username. The
birthdate is reduced to the age at registration (``plm_AgeAtRegistration``).
``identifying=True`` is for case workers and investigators of the organisation only, and every
person's identity included is an audited read (`services.person_identity_read`, with the
reason given).

Import
------
A file is read twice and never held whole, so an import's memory does not grow with the file
(`importing`). The first reading parses and checks every record on its own (unknown fields and
codes, impossible dates), keeping on disk what concerns several records (`ledger`: duplicate
pseudonyms, pseudonyms that exist already, case fields that disagree between the records of
one case); any error refuses the whole file with file, record number and reason, and nothing is
written. The second reading writes the cases as it reads them, in batches of 1,000 (one audit
entry per batch names the cases created), in one transaction on PostgreSQL (COPY into the
tables; constraints and foreign keys still apply), each batch committed on its own and undone
if the import stops on SQLite (one executemany INSERT per table). A file changed between the
two readings is refused. The importing user owns the new cases; `cas_CaseOwner` and the
outgoing referrals (`OutgoingReferrals`) are exported for information but not imported: a
referral is an act of the sending organisation that shares the case with the receiver, so the
importing organisation makes its own. A case without persons has no record, so it is not
exported.

Modules
-------
`fields` (the record layout), `homes` (where each HTCDS field is kept: `HTCDS_HOMES`),
`export`, `reading` (files, a record at a time), `values` and `checking` (records parsed and
checked into their part of a `writer.CasePlan`), `ledger` (what an import keeps across records,
on disk), `ctdc` (the CTDC layout) and `importing` (`cases_import`). The cases are written by
the one bulk writer of case rows, `palermo.cases.writer.cases_bulk_create`. The names callers
use are re-exported here.
"""

from __future__ import annotations

from palermo.cases.interchange.checking import Checker
from palermo.cases.interchange.ctdc import CTDC_COLUMNS, ctdc_plans
from palermo.cases.interchange.errors import InterchangeError, RecordError
from palermo.cases.interchange.export import (
    EXPORT_QUASI_IDENTIFIERS,
    ExportReport,
    Writable,
    cases_export,
    export_records,
    record_to_csv_row,
)
from palermo.cases.interchange.fields import (
    ALL_COLUMNS,
    BATCH,
    CASE_COLUMNS,
    COLUMN_BY_NAME,
    COMMENTS,
    CONSENTS,
    FACT_COLUMNS,
    FORMATS,
    GROUPS,
    HTCDS_VERSION,
    IDENTITY_COLUMNS,
    MOVEMENTS,
    PERSON_COLUMNS,
    REFERRALS,
    SUPPORT_PLANS,
    Column,
    Group,
    csv_columns,
    join_values,
    split_values,
)
from palermo.cases.interchange.homes import HTCDS_HOMES, Home
from palermo.cases.interchange.importing import ImportReport, cases_import
from palermo.cases.interchange.reading import RawRecord, detect_format, read_csv, read_json

__all__ = [
    "ALL_COLUMNS",
    "BATCH",
    "CASE_COLUMNS",
    "COLUMN_BY_NAME",
    "COMMENTS",
    "CONSENTS",
    "CTDC_COLUMNS",
    "EXPORT_QUASI_IDENTIFIERS",
    "FACT_COLUMNS",
    "FORMATS",
    "GROUPS",
    "HTCDS_HOMES",
    "HTCDS_VERSION",
    "IDENTITY_COLUMNS",
    "MOVEMENTS",
    "PERSON_COLUMNS",
    "REFERRALS",
    "SUPPORT_PLANS",
    "Checker",
    "Column",
    "ExportReport",
    "Group",
    "Home",
    "ImportReport",
    "InterchangeError",
    "RawRecord",
    "RecordError",
    "Writable",
    "cases_export",
    "cases_import",
    "csv_columns",
    "ctdc_plans",
    "detect_format",
    "export_records",
    "join_values",
    "read_csv",
    "read_json",
    "record_to_csv_row",
    "split_values",
]
