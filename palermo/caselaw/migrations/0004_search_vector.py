"""PostgreSQL: each search text's tsvector stored (a generated column in its language's
configuration) and one GIN index over it, in place of the indexes over to_tsvector(text) of
0002: a match no longer parses the text again to rank it (205 ms a query at 10,000 decisions
before, bench/bench_knowledge.py). SQLite: nothing (its FTS5 table is the index)."""

from django.db import migrations

CONFIG = (
    "CASE language WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig "
    "WHEN 'es' THEN 'spanish'::regconfig WHEN 'fr' THEN 'french'::regconfig "
    "WHEN 'ru' THEN 'russian'::regconfig ELSE 'simple'::regconfig END"
)
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
FORWARD = [
    *("DROP INDEX IF EXISTS caselaw_search_{}".format(lang) for lang in LANGUAGES),
    "ALTER TABLE caselaw_searchtext ADD COLUMN vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector({}, text)) STORED".format(CONFIG),
    "CREATE INDEX caselaw_search_vector ON caselaw_searchtext USING gin (vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS caselaw_search_vector",
    "ALTER TABLE caselaw_searchtext DROP COLUMN IF EXISTS vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("caselaw", "0003_drafted_from_case")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
