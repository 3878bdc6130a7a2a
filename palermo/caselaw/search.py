"""Full-text search of the case law (issue 17), in each language with its own word forms.

A decision is indexed once per language (`SearchText`): its title, citation, case number and
court, the labels of its keywords in that language, and its summary in that language where
there is one, so a decision summarised in English only is still found by a Russian or French
keyword. The database's own full-text engine does the rest:

- **PostgreSQL**: each row's tsvector in its language's configuration (arabic, english,
  french, russian, spanish; Chinese, which no configuration segments, over its characters one
  by one in `simple`), stored as a generated column with a GIN index (migration 0004). A query
  is asked in every language's configuration, over the index (`websearch_to_tsquery`:
  words, "a phrase", -not, or), as written (accents count).
- **SQLite**: an FTS5 table over the same rows (kept by triggers, migration 0002), whose text is
  each word's Snowball stem in the row's language (`snowballstemmer`, the stemmers PostgreSQL's
  configurations are made from), Chinese characters one by one. A query's words are stemmed in
  every language and any of their stems matches; accents are left out.

Both give the decisions whose text has every word of the query in some form.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.db import connection

# The index's languages: Snowball's stemmer and PostgreSQL's configuration of each.
STEMMERS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}
CONFIGS = {**STEMMERS, "zh": "simple"}
LANGUAGES = tuple(CONFIGS)
MAX_TERMS = 12  # words of a query used on SQLite (the rest are left out)
MAX_QUERY = 500  # characters of a query read on PostgreSQL

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HAN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def base_language(code: str) -> str:
    """ "zh-hans" -> "zh", "fr" -> "fr"; a language without its own index reads as English."""
    base = code.split("-", maxsplit=1)[0].split("_", maxsplit=1)[0].lower()
    return base if base in CONFIGS else "en"


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(STEMMERS[language])


def _fold(text: str) -> str:
    """Lower case, accents off (as FTS5's remove_diacritics does), Han characters apart."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _HAN.sub(r" \1 ", unicodedata.normalize("NFC", plain))


def words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def stems(text: str, language: str) -> str:
    """The text as the SQLite index holds it: each word's stem in `language`."""
    found = words(text)
    if language not in STEMMERS:
        return " ".join(found)
    return " ".join(_stemmer(language).stemWords(found))


def for_postgres(text: str, language: str) -> str:
    """The text PostgreSQL indexes: as written, Chinese characters apart ('simple' would take
    a run of them for one word)."""
    return _HAN.sub(r" \1 ", text) if language == "zh" else text


def _forms(word: str) -> set[str]:
    return {word} | {_stemmer(language).stemWord(word) for language in STEMMERS}


def fts5_query(text: str) -> str | None:
    """An FTS5 query: every word of `text`, each in any of its stems; None when it has none."""
    terms = words(text)[:MAX_TERMS]
    if not terms:
        return None
    parts = []
    for term in terms:
        forms = sorted(f for f in _forms(term) if f)
        parts.append("(" + " OR ".join('"{}"'.format(f.replace('"', "")) for f in forms) + ")")
    return " AND ".join(parts)


def matching(text: str) -> list[str] | None:
    """Ids of the decisions whose text matches `text` (32 hexadecimal digits), best first;
    None when `text` has no word to search for (no filter)."""
    if not words(text):
        return None
    found = _postgres(text) if connection.vendor == "postgresql" else _sqlite(text)
    # SQLite gives the ids as the 32 hexadecimal digits it stores, PostgreSQL as UUIDs.
    return [pk.hex if isinstance(pk, uuid.UUID) else pk for pk in found]


def _sqlite(text: str) -> list[Any]:
    query = fts5_query(text)
    sql = (
        "SELECT s.decision_id FROM caselaw_fts f JOIN caselaw_searchtext s ON s.id = f.rowid "
        "WHERE caselaw_fts MATCH %s GROUP BY s.decision_id ORDER BY MIN(f.rank)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [query])
        return [row[0] for row in cursor.fetchall()]


def _postgres(text: str) -> list[Any]:
    # The query as written, read by the same parser as the texts (a case number 25965/04 is one
    # word there; accents are kept: "êtres" is not "etres"); websearch_to_tsquery accepts any.
    query = text[:MAX_QUERY]
    branches = []
    params: list[str] = []
    for language, config in CONFIGS.items():
        # The configuration is written in the text; it comes from CONFIGS, never a request.
        branches.append(
            "SELECT decision_id, ts_rank(vector, q) AS r FROM caselaw_searchtext, "  # noqa: S608
            "websearch_to_tsquery('{}'::regconfig, %s) q "
            "WHERE language = %s AND vector @@ q".format(config)
        )
        params += [for_postgres(query, language), language]
    union = " UNION ALL ".join(branches)
    sql = "SELECT decision_id FROM ({}) hits GROUP BY decision_id ORDER BY MAX(r) DESC"
    with connection.cursor() as cursor:
        cursor.execute(sql.format(union), params)
        return [row[0] for row in cursor.fetchall()]


def texts(
    *,
    common: Sequence[str],
    keywords: Sequence[tuple[str, Mapping[str, str]]],
    summaries: Sequence[tuple[str, Sequence[str]]],
) -> list[tuple[str, str]]:
    """(language, text) for each language a decision is searched in: what every language
    shares (`common`: title, case number, citation, court), the keywords' labels in that
    language ((English label, {language: label})), and the summary in that language if any."""
    by_language = {base_language(language): parts for language, parts in summaries}
    out = []
    for language in LANGUAGES:
        parts = list(common)
        parts += [labels.get(language) or label for label, labels in keywords]
        parts += list(by_language.get(language, ()))
        out.append((language, "\n".join(p for p in parts if p)))
    return out


def index_rows(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(language, text) -> (language, what the database indexes): stems on SQLite, the text
    on PostgreSQL."""
    if connection.vendor == "postgresql":
        return [(language, for_postgres(text, language)) for language, text in texts]
    return [(language, stems(text, language)) for language, text in texts]
