"""tcps: ILAB Technical Cooperation Project Summaries into a relational database."""

__version__ = "0.1.0"

# Bumped whenever the parser reads any summary differently: `tcps refresh` re-parses every
# source whose recorded parser version is older.
PARSER_VERSION = "1"

# The newest migration's revision (tests/test_migrations.py holds it to alembic's head): a
# database at it needs no migration, told without importing alembic.
SCHEMA_HEAD = "0013"
