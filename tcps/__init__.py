"""tcps: ILAB Technical Cooperation Project Summaries into a relational database."""

__version__ = "0.1.0"

# Where a site's operators can learn what tcps is and who runs it: `tcps fetch` names it in its
# User-Agent, as polite crawlers do.
PROJECT_URL = "https://github.com/tcps-project/tcps"

# Bumped whenever the parser reads any summary differently: `tcps refresh` re-parses every
# source whose recorded parser version is older.
PARSER_VERSION = "1"
