"""Admin pages.

Teams, memberships, outlets, entities and tags are saved and deleted through their services
(HackSoft's files/admin.py): each page's form validates through the service's validator, so
that a rule the service enforces shows as a form error, and a delete the service refuses shows
on the confirmation page as a protected object. Article text edits go through the service
layer too, so annotations re-anchor. Annotations, mentions, reviews, events, jobs ... are shown
read-only and cannot be deleted here, because their rules live in services.
"""

# Importing the modules registers their pages with the admin site.
from annotations.admin import (  # noqa: F401
    ach,
    annotations,
    articles,
    claims,
    entities,
    feeds,
    figures,
    grading,
    network,
    notes,
    screening,
    search,
    summaries,
    teams,
    watchlists,
)
