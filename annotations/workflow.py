"""The review workflow as data: which verdict moves an annotation to which state, from which
states. The services enforce it; the review pages and the API read it to offer only the
verdicts that would be accepted."""

from __future__ import annotations

from annotations.models import Annotation, Review

# The review workflow. Authors (and owners) submit drafts and withdraw what nobody reviewed;
# reviewers (and owners, never on their own work) give verdicts, each allowed from some states:
#
#   draft --submit--> submitted --approve--> approved
#     ^                 |  |  \--request changes--> changes_requested --submit--> submitted
#     +----withdraw-----+  \--dispute--> disputed --approve/request changes--> ...
#
# An edit to an approved annotation sends it back to "submitted".
VERDICT_STATE = {
    Review.Verdict.APPROVE: Annotation.ReviewState.APPROVED,
    Review.Verdict.REQUEST_CHANGES: Annotation.ReviewState.CHANGES_REQUESTED,
    Review.Verdict.DISPUTE: Annotation.ReviewState.DISPUTED,
}
_S = Annotation.ReviewState
VERDICT_FROM = {
    Review.Verdict.APPROVE: (_S.SUBMITTED, _S.DISPUTED),
    Review.Verdict.REQUEST_CHANGES: (_S.SUBMITTED, _S.APPROVED, _S.DISPUTED),
    Review.Verdict.DISPUTE: (_S.SUBMITTED, _S.APPROVED, _S.CHANGES_REQUESTED),
}
SUBMITTABLE = (_S.DRAFT, _S.CHANGES_REQUESTED)
