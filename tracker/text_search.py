"""What the text of a search finds: identifiers by their start, else words by the full-text index.

Words are analysed as the calls' own texts are (matcher.search_terms) and looked up in the index
of migration 0018: SQLite's FTS5 table, ranked by bm25; PostgreSQL's tsvector with its GIN
index, ranked by ts_rank. A number, which the analysis leaves out, is a term as written. A
query shaped like an identifier ("HORIZON-CL6-2027") that starts some call's identifier or call
identifier finds those calls, on indexes of their lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, column, func, literal_column, or_, table, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from matcher.search_terms import Query, query
from tracker.models import Call, CallSearch

# One word of letters and digits in parts, with a digit: "HORIZON-CL6-2027", "va-lou-2026-5".
IDENTIFIER = re.compile(r"(?=\S*\d)[^\W_]+(?:[-_./][^\W_]+)+[-_./]?")
FTS = table("callsearch_fts", column("rowid", Integer))  # SQLite's index of CallSearch
FTS_WEIGHTS = (2.5, 1.0)  # title, body: as PostgreSQL's weights of A and B (1.0 and 0.4)
DOCUMENT: Any = literal_column("callsearch.document")  # PostgreSQL's tsvector of CallSearch
SIMPLE: Any = literal_column("'simple'::regconfig")
# The calls a SQLite identifier search reads ids from: made once, as an alias adapts each of
# its columns on first use (4 of the 38 ms of such a page at 50,000 calls, made per search).
NAMED = aliased(Call, name="named")


@dataclass(frozen=True)
class TextMatch:
    """The calls a text finds, as a join or condition on a statement of calls, and their rank."""

    terms: Query | None  # the words searched; None when the text named identifiers
    hits: Any = None  # (call_id) of the calls whose terms match
    rank: Any = None  # SQL of a found call's rank, best lowest (when ranked)
    prefix: str = ""  # the start of the identifiers found
    identifiers: Any = None  # the condition of those identifiers

    def apply(self, statement: Any) -> Any:
        """`statement` (of calls) narrowed to the calls found."""
        if self.hits is not None:
            return statement.join(self.hits, self.hits.c.call_id == Call.id)
        return statement.where(self.identifiers)

    def best_first(self) -> list[Any]:
        """Most relevant first: by rank; identifiers: the one named exactly first."""
        if self.hits is not None:
            return [self.rank]
        return [func.lower(Call.identifier) != self.prefix]


def text_match(session: Session, text: str, ranked: bool = True) -> TextMatch | None:
    """What `text` finds; None when it asks for nothing (empty, or stop words only).
    `ranked`: the words' hits have their rank, to sort by; else they are only found (the
    rank reads each hit's terms again: most of the matching's time on SQLite)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    prefix = text.strip().lower()
    if IDENTIFIER.fullmatch(prefix):
        identifiers = _starts(prefix, postgres)
        if session.exec(select(Call.id).where(identifiers).limit(1)).first() is not None:
            return TextMatch(None, prefix=prefix, identifiers=identifiers)
    terms = query(text)
    if not terms.words:
        return None
    hits, rank = (_tsvector_hits if postgres else _fts5_hits)(terms, ranked)
    return TextMatch(terms, hits, rank)


def _starts(prefix: str, postgres: bool) -> Any:
    """Calls whose identifier or call identifier starts with `prefix` (lower case): ranges on
    the indexes of their lower case, compared character by character on both engines (SQLite's
    default, PostgreSQL's pattern operators whatever the database's collation). PostgreSQL
    reads both ranges into one bitmap of the calls; SQLite gets a subquery of ids, so that it
    starts from those indexes, not from another filter's. (As a subquery on PostgreSQL, the
    planner joined the 2,882 calls of "HORIZON-CL6-2027" at 50,000 calls by reading every
    call: 70 ms, against 7.)"""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    if postgres:
        ranges = (and_(lower.op("~>=~")(prefix), lower.op("~<~")(after)) for lower in _lower(Call))
        return or_(*ranges)
    ids = (select(NAMED.id).where(lower >= prefix, lower < after) for lower in _lower(NAMED))
    return col(Call.id).in_(union(*ids))


def _lower(calls: Any) -> tuple[Any, Any]:
    """The lower case of the calls' identifier and call identifier, as their indexes hold it."""
    return func.lower(calls.identifier), func.lower(calls.call_identifier)


def _fts5_hits(terms: Query, ranked: bool) -> tuple[Any, Any]:
    """The hits, ranked by bm25 as they are matched (SQLite ranks only within the MATCH)."""
    expression = " AND ".join(
        "(" + " OR ".join("(" + " AND ".join(f'"{t}"' for t in r) + ")" for r in word) + ")"
        for word in terms.words
    )
    rank = func.bm25(literal_column(FTS.name), *FTS_WEIGHTS)
    found: Any = select(FTS.c.rowid.label("call_id"), *([rank.label("rank")] if ranked else []))
    hits = _matched_once(found.where(literal_column(FTS.name).op("MATCH")(expression)))
    return hits, hits.c.rank if ranked else None


def _tsvector_hits(terms: Query, ranked: bool) -> tuple[Any, Any]:
    """The hits; their rank read for the calls the other filters keep, once joined: ranking
    every hit read the terms of thousands of calls the filters then left out (5 of 11 ms at
    50,000 calls, "kiertotalous" with a programme and open)."""
    expression = " & ".join(
        "(" + " | ".join("(" + " & ".join(r) + ")" for r in word) + ")" for word in terms.words
    )
    tsquery = func.to_tsquery(SIMPLE, expression)
    found: Any = select(col(CallSearch.call_id).label("call_id"))
    hits = _matched_once(found.where(DOCUMENT.op("@@")(tsquery)))
    if not ranked:
        return hits, None
    rank = -func.ts_rank(DOCUMENT, tsquery, 1)  # 1: divided by 1 + the log of its length
    of_call = select(rank).where(CallSearch.call_id == Call.id).correlate(Call)
    return hits, of_call.scalar_subquery()


def _matched_once(hits: Any) -> Any:
    """The hits found first, once, then each one's call looked up by its id. Left to the
    planners as a subquery, SQLite (without statistics) starts from an equality filter's index
    such as the programme's and runs the whole MATCH again for each call it finds (2 s at
    50,000 calls), and PostgreSQL ranks by reading every call's terms in a parallel scan."""
    return hits.cte("hits").prefix_with("MATERIALIZED")
