"""The search index (annotations/models/search.py) and each engine's own index on it:
GIN over the tsvector and pg_trgm over entity names on PostgreSQL; an FTS5 table kept by
triggers on SQLite. Fill it with `manage.py search_reindex` after migrating existing data."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX search_entry_vector ON annotations_searchentry USING gin (vector)",
    "CREATE INDEX search_entry_names_trgm ON annotations_searchentry "
    "USING gin (body gin_trgm_ops) WHERE kind = 'entity'",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_entry_names_trgm",
    "DROP INDEX IF EXISTS search_entry_vector",
]
SQLITE = [
    "CREATE VIRTUAL TABLE annotations_search_fts USING fts5(title, body, "
    "content='annotations_searchentry', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER annotations_search_ai AFTER INSERT ON annotations_searchentry BEGIN "
    "INSERT INTO annotations_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "CREATE TRIGGER annotations_search_ad AFTER DELETE ON annotations_searchentry BEGIN "
    "INSERT INTO annotations_search_fts(annotations_search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER annotations_search_au AFTER UPDATE ON annotations_searchentry BEGIN "
    "INSERT INTO annotations_search_fts(annotations_search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO annotations_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS annotations_search_au",
    "DROP TRIGGER IF EXISTS annotations_search_ad",
    "DROP TRIGGER IF EXISTS annotations_search_ai",
    "DROP TABLE IF EXISTS annotations_search_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


engine_indexes = _run({"postgresql": POSTGRESQL, "sqlite": SQLITE})
drop_engine_indexes = _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0009_event_client'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('article', 'Article'), ('annotation', 'Annotation'), ('reply', 'Reply'), ('review', 'Review note'), ('entity', 'Entity')], max_length=16)),
                ('object_id', models.BigIntegerField()),
                ('title', models.CharField(blank=True, default='', max_length=500)),
                ('body', models.TextField(blank=True, default='')),
                ('config', models.CharField(default='simple', max_length=32)),
                ('vector', django.contrib.postgres.search.SearchVectorField(blank=True, null=True)),
                ('indexed_at', models.DateTimeField(auto_now=True)),
                ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.article')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.team')),
            ],
            options={
                'indexes': [models.Index(fields=['team', 'kind'], name='search_entry_team_kind')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='search_entry_unique')],
            },
        ),
        migrations.RunPython(engine_indexes, drop_engine_indexes),
    ]
