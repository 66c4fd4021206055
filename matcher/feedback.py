"""Feedback of an actor on its matches: what it teaches and what it dismisses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from matcher.calls import CallInput, call_hash

FeedbackKind = Literal["relevant", "not_relevant", "applied"]
FEEDBACK_KINDS = ("relevant", "not_relevant", "applied")
# Why a call was not relevant: the one list the form, the API, the database and scoring use.
# Only a wrong topic says anything about similar calls; a budget, timing, eligibility or
# capacity reason dismisses this call alone.
REASONS = ("topic", "budget", "timing", "eligibility", "capacity", "other")
DEFAULT_REASON = "other"  # a dismissal without a stated reason
_TEACHING_REASONS = ("topic", "other")


@dataclass(frozen=True)
class Feedback:
    """One mark on a call by the actor or by staff."""

    call: CallInput  # the call now (its text teaches similar calls)
    kind: FeedbackKind
    content_hash: str = ""  # call_hash(call) when the mark was made; empty: the hash of `call`
    reason: str = "topic"  # for not_relevant: one of REASONS
    note: str = ""  # the person's own words

    def marked_hash(self) -> str:
        """The call's content hash at the time of the mark."""
        return self.content_hash or call_hash(self.call)


def feedback_sign(feedback: Feedback) -> int:
    """+1 when similar calls should rise, -1 when they should fall, 0 when neither."""
    if feedback.kind in ("relevant", "applied"):
        return 1
    return -1 if feedback.reason in _TEACHING_REASONS else 0
