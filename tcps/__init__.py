"""tcps: ILAB Technical Cooperation Project Summaries into a relational database."""

__version__ = "0.1.0"

# Bumped whenever the parser reads any summary differently: `tcps refresh` re-parses every
# source whose recorded parser version is older.
PARSER_VERSION = "1"
