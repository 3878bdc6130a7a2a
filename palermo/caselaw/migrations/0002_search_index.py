"""The full-text index of the case law (palermo.caselaw.search): on SQLite an FTS5 table over
caselaw_searchtext kept by triggers; on PostgreSQL one partial GIN index per language over
to_tsvector in that language's configuration."""

from django.db import migrations

LANGUAGES = {
    "ar": "arabic",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "ru": "russian",
    "zh": "simple",
}

SQLITE = [
    "CREATE VIRTUAL TABLE caselaw_fts USING fts5(text, content='caselaw_searchtext', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER caselaw_fts_insert AFTER INSERT ON caselaw_searchtext BEGIN "
    "INSERT INTO caselaw_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER caselaw_fts_delete AFTER DELETE ON caselaw_searchtext BEGIN "
    "INSERT INTO caselaw_fts(caselaw_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER caselaw_fts_update AFTER UPDATE ON caselaw_searchtext BEGIN "
    "INSERT INTO caselaw_fts(caselaw_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO caselaw_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS caselaw_fts_update",
    "DROP TRIGGER IF EXISTS caselaw_fts_delete",
    "DROP TRIGGER IF EXISTS caselaw_fts_insert",
    "DROP TABLE IF EXISTS caselaw_fts",
]
POSTGRES = [
    "CREATE INDEX caselaw_search_{lang} ON caselaw_searchtext USING gin "
    "(to_tsvector('{config}'::regconfig, text)) WHERE language = '{lang}'".format(
        lang=lang, config=config
    )
    for lang, config in LANGUAGES.items()
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS caselaw_search_{}".format(lang) for lang in LANGUAGES]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, ()):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("caselaw", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
