"""Person records for linkage: read from CSV files, checked, and turned into the comparable
features of `normalise` (one row per record in a pandas DataFrame, as Splink takes them).

The file format of `palermo linkage files` (issue 16): UTF-8 CSV with a header naming some of
COLUMNS (`rec_id` required, each other column optional and any value may be empty). A problem
is named by file, line and column, never by the value (these are identities).
"""

from __future__ import annotations

import csv
import functools
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pycountry
from django.utils.translation import gettext as _

from palermo.linkage import normalise as n
from palermo.linkage import variants

COLUMNS = (
    "rec_id",
    "reg_date",
    "given_name",
    "middle_name",
    "family_name",
    "alias",
    "sex",
    "dob",
    "age_est",
    "citizenship",
    "birth_place",
    "doc_no",
)
# Not in issue 16's list: a place of residence, compared like a birth place (the FEBRL sets
# have addresses and no birth place).
EXTRA_COLUMNS = ("address",)
SEXES = {
    "m": "m",
    "male": "m",
    "f": "f",
    "female": "f",
    "x": "x",
    "other": "x",
    "u": None,
    "unknown": None,
    "": None,
}
# A file of more records than this is refused (the linkage holds every record in memory).
MAX_RECORDS = 2_000_000
MAX_FIELD = 500  # characters in one value
# A name skeleton is "rare" when at most one record in RARE_TOKEN_SHARE has it (and at least
# RARE_TOKEN_MIN records may share it in small files).
RARE_TOKEN_SHARE = 300
RARE_TOKEN_MIN = 300
# The same for two tokens together (a whole common name: pairs sharing it are still compared
# when something else is shared, a date, a document, a place).
RARE_PAIR_SHARE = 300
RARE_PAIR_MIN = 300
# A name token with another's initial: at most this many records, whatever their number (a
# common given name and an initial would pair thousands).
RARE_INITIALS = 30
INITIAL = "*"  # ends a key of a name token with another's initial
# Name tokens paired into keys (10 give 45 pairs and 90 with an initial).
MAX_PAIR_TOKENS = 10


class RecordError(ValueError):
    """A file that cannot be linked; the message names the file, line and column."""


@dataclass(frozen=True)
class Record:
    """One input record, as read (strings; "" when empty)."""

    source: str
    rec_id: str
    values: Mapping[str, str]


def _citizenship(code: str) -> str | None:
    code = code.strip().upper()
    if not code:
        return None
    if len(code) != 3 or pycountry.countries.get(alpha_3=code) is None:
        raise ValueError(_("not an ISO 3166-1 alpha-3 country code"))
    return code


def read_csv(path: Path, source: str | None = None) -> Iterator[Record]:
    """The records of one file, checked for their shape (columns, unique ids, lengths)."""
    name = source or path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RecordError(
            _("%(file)s: cannot be read (%(why)s)") % {"file": name, "why": exc.strerror}
        ) from exc
    with handle:
        yield from read_rows(handle, name)


def read_rows(handle: Iterable[str] | io.TextIOBase, name: str) -> Iterator[Record]:
    try:
        reader = csv.DictReader(handle, strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
    except UnicodeDecodeError as exc:
        raise RecordError(_("%(file)s: not UTF-8 text") % {"file": name}) from exc
    if "rec_id" not in header:
        raise RecordError(_("%(file)s: the header has no rec_id column") % {"file": name})
    unknown = [h for h in header if h not in COLUMNS and h not in EXTRA_COLUMNS]
    if unknown:
        raise RecordError(
            _("%(file)s: unknown columns %(columns)s (expected some of %(expected)s)")
            % {"file": name, "columns": ", ".join(unknown), "expected": ", ".join(COLUMNS)}
        )
    reader.fieldnames = header
    seen: set[str] = set()
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise RecordError(
                    _("%(file)s line %(line)d: more values than columns")
                    % {"file": name, "line": line}
                )
            values = {k: (v or "").strip() for k, v in row.items()}
            for column, value in values.items():
                if len(value) > MAX_FIELD:
                    raise RecordError(
                        _("%(file)s line %(line)d, %(column)s: longer than %(max)d characters")
                        % {"file": name, "line": line, "column": column, "max": MAX_FIELD}
                    )
            rec_id = values["rec_id"]
            if not rec_id:
                raise RecordError(
                    _("%(file)s line %(line)d: rec_id is empty") % {"file": name, "line": line}
                )
            if rec_id in seen:
                raise RecordError(
                    _("%(file)s line %(line)d: rec_id given twice in the file")
                    % {"file": name, "line": line}
                )
            seen.add(rec_id)
            if len(seen) > MAX_RECORDS:
                raise RecordError(
                    _("%(file)s: more than %(max)d records") % {"file": name, "max": MAX_RECORDS}
                )
            yield Record(name, rec_id, values)
    except UnicodeDecodeError as exc:
        raise RecordError(_("%(file)s: not UTF-8 text") % {"file": name}) from exc
    except csv.Error as exc:
        raise RecordError(
            _("%(file)s line %(line)d: not CSV (%(why)s)")
            % {"file": name, "line": reader.line_num, "why": exc}
        ) from exc


def _grams(tokens: Sequence[str]) -> str | None:
    """A token list's bigram numbers as text ("12,45,..."): a tenth of the memory of a list of
    Python integers at 100,000 records; the engine reads them back as a bit string."""
    return _grams_of(tuple(tokens))


@functools.lru_cache(maxsize=100_000)
def _grams_of(tokens: tuple[str, ...]) -> str | None:
    # Names repeat: most records' grams are computed once.
    return ",".join(map(str, n.bigrams(tokens))) or None


def _pairs(tokens: list[str]) -> list[str]:
    """Keys of two name tokens (skeletons) together: both whole, and each whole with the other's
    first letter (a typo or another spelling of one name: Popescu, Popesku, Popecu). Of a name
    of many tokens, the first MAX_PAIR_TOKENS in alphabetical order (so that its keys stay within
    what an encoded record may carry, pprl.MAX_LIST)."""
    distinct = sorted(set(tokens))[:MAX_PAIR_TOKENS]
    whole = [a + " " + b for i, a in enumerate(distinct) for b in distinct[i + 1 :]]
    initials = {a + " " + b[0] + INITIAL for a in distinct for b in distinct if a != b}
    return whole + sorted(initials)


def name_features(
    given: Sequence[str], middle: Sequence[str], family: Sequence[str]
) -> dict[str, Any]:
    """The features of a record's names (its tokens already written as `variants` spells
    them)."""
    tokens = [*given, *middle, *family]
    skeletons = [s for s in (n.skeleton(t) for t in tokens) if s]
    return {
        "name_key": " ".join(sorted(tokens)) or None,
        "grams": _grams(tokens),
        "skel": _grams(skeletons),
        "given_grams": _grams(given),
        "family_grams": _grams(family),
        "given_skel": _grams([n.skeleton(t) for t in given]),
        "family_skel": _grams([n.skeleton(t) for t in family]),
        "skel_tokens": sorted(set(skeletons)) or None,
        "skel_key": " ".join(sorted(set(skeletons))) or None,
        "skel_pairs": _pairs(skeletons) or None,
    }


NAME_COLUMNS = tuple(name_features([], [], []))


def features(record: Record) -> dict[str, Any]:
    """The comparable features of one record (see `normalise`) but its names', and the tokens
    of its names (`given`, `middle`, `family`); a value that cannot be read raises RecordError
    naming the record's file and id and the column."""
    v = record.values
    where = "{} {}".format(record.source, record.rec_id)

    def tokens(column: str, **kwargs: bool) -> list[str]:
        return list(n.latin_tokens(v[column], **kwargs)) if v.get(column) else []

    try:
        born = n.birth(v.get("dob", ""), v.get("age_est", ""), v.get("reg_date", ""))
    except n.DateError as exc:
        column = "dob" if v.get("dob") else "age_est"
        raise RecordError(
            _("%(where)s, %(column)s: %(why)s") % {"where": where, "column": column, "why": exc}
        ) from exc
    sex_text = v.get("sex", "").casefold()
    if sex_text not in SEXES:
        raise RecordError(
            _("%(where)s, sex: not one of m, f, x, u (or male, female, other, unknown)")
            % {"where": where}
        )
    try:
        citizenship = _citizenship(v.get("citizenship", ""))
    except ValueError as exc:
        raise RecordError(
            _("%(where)s, citizenship: %(why)s") % {"where": where, "why": exc}
        ) from exc
    address = tokens("address", digits=True)
    doc = n.document_number(v["doc_no"]) if v.get("doc_no") else ""
    return {
        "source": record.source,
        "given": tokens("given_name"),
        "middle": tokens("middle_name"),
        "family": tokens("family_name"),
        "alias_grams": _grams(tokens("alias")),
        "by_low": born.low,
        "by_high": born.high,
        "b_year": born.year,
        "b_month": born.month,
        "b_day": born.day,
        "sex": SEXES[sex_text],
        "citizenship": citizenship,
        "birth_place": " ".join(tokens("birth_place")) or None,
        "doc": doc or None,
        "doc_sorted": "".join(sorted(doc)) or None,
        "address_grams": _grams(address),
        "address_words": sorted({n.skeleton(t) for t in address if len(t) > 2}) or None,
    }


BASE_COLUMNS = tuple(
    c for c in features(Record("", "x", {"rec_id": "x"})) if c not in ("given", "middle", "family")
)


def frame(records: Iterable[Record]) -> pd.DataFrame:
    """The records' features, one row each, with a `unique_id` (their order, from 0), built
    column by column (a row of Python objects per record would hold ten times the memory):
    `finish(local_columns(records))`."""
    return finish(local_columns(records))


def local_columns(
    records: Iterable[Record], confirmed: Iterable[tuple[int, int]] = ()
) -> dict[str, list[Any]]:
    """The features of records one party holds, column by column (a list per column).

    The names' tokens are first written as the spellings `variants` learns from the records'
    anchors (within these records: a node learns from its own), and from the pairs of records
    (indexes) a reviewer `confirmed` as one person. `skel_tokens`, `skel_key` and
    `skel_pairs` are the name skeletons, all of them sorted and joined, and two by two; `finish`
    keeps the rare ones."""
    columns: dict[str, list[Any]] = {name: [] for name in BASE_COLUMNS}
    names: list[tuple[list[str], list[str], list[str]]] = []
    for record in records:
        row = features(record)
        names.append((row["given"], row["middle"], row["family"]))
        for name in BASE_COLUMNS:
            columns[name].append(row[name])
    spell = variants.learn(
        [[*g, *m, *f] for g, m, f in names],
        variants.anchors(
            columns["doc"],
            [
                (y, mo, d) if d is not None else None
                for y, mo, d in zip(
                    columns["b_year"], columns["b_month"], columns["b_day"], strict=True
                )
            ],
            [{n.skeleton(t) for t in (*g, *f)} for g, _m, f in names],
        ),
        confirmed,
    )
    for name in NAME_COLUMNS:
        columns[name] = []
    for given, middle, family in names:
        row = name_features(
            [spell.get(t, t) for t in given],
            [spell.get(t, t) for t in middle],
            [spell.get(t, t) for t in family],
        )
        for name in NAME_COLUMNS:
            columns[name].append(row[name])
    return columns


def rare_only(
    values: list[list[Any] | None], most: int, most_initials: int | None = None
) -> list[list[Any] | None]:
    """Each record's values that at most `most` records have (None where none is left); keys of
    a name and another's initial (`_pairs`) only where at most `most_initials` records have them
    (they are coarser: more records share one)."""
    shared = Counter(v for vs in values if vs for v in vs)

    def rare(value: Any) -> bool:
        if most_initials is not None and isinstance(value, str) and value.endswith(INITIAL):
            return shared[value] <= most_initials
        return shared[value] <= most

    return [[v for v in vs if rare(v)] or None if vs else None for vs in values]


def rare_pairs(values: list[list[Any] | None], records: int) -> list[list[Any] | None]:
    """The keys of two name tokens (`_pairs`) few enough records share to pair them."""
    return rare_only(values, max(RARE_PAIR_MIN, records // RARE_PAIR_SHARE), RARE_INITIALS)


def finish(columns: dict[str, list[Any]]) -> pd.DataFrame:
    """The columns of `local_columns` (of one party, or of several joined) as the frame the
    model takes. `rare_tokens` are the name skeletons of a record that few records share
    (RARE_TOKEN_SHARE): the candidate rules on one token use them, as a token half the records
    share ("md") would pair every record with every other; `skel_pairs` keeps the pairs of
    tokens few records share (RARE_PAIR_SHARE). `name_count` is how many records bear the
    record's name (where `skel_key` is given; privacy-preserving encodings bring their own)."""
    records = len(columns["source"])
    columns["skel_pairs"] = rare_pairs(columns["skel_pairs"], records)
    columns["rare_tokens"] = rare_only(
        columns.pop("skel_tokens"), max(RARE_TOKEN_MIN, records // RARE_TOKEN_SHARE)
    )
    if "skel_key" in columns:
        # How many records bear each name (by its skeletons, in any order): two records
        # agreeing on a name few records bear are more likely one person than two bearing a
        # common one.
        keys = Counter(columns["skel_key"])
        columns["name_count"] = [keys[k] if k else None for k in columns.pop("skel_key")]
    df = pd.DataFrame(columns)
    df.insert(0, "unique_id", range(len(df)))
    for column in ("by_low", "by_high", "b_year", "b_month", "b_day", "name_count"):
        if column in df:
            df[column] = df[column].astype("Int64")
    return df
