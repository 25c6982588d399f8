"""Bounds and durations that the models, the services and the API share."""

# Each side of a TextQuoteSelector carries this many code points of context.
QUOTE_CONTEXT_CHARS = 32
# Deleted annotations stay restorable in the trash for this many days.
TRASH_DAYS = 30
# The largest key a database integer column holds; ids beyond it are refused, not looked up.
MAX_ID = 2**63 - 1
