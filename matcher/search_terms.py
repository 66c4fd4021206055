"""A call's texts and a search query as terms of full-text search, read as the matcher reads text.

A call's terms are those of matcher.text: an English word as its Snowball stem; a Finnish word
as its base form, its roots and the English stems of its senses, so that an English query meets
a Finnish call on the English its words read as. A query's Finnish word is found by its base
form, or by its English words in English calls (the bridge); an English word by its stem.
Numbers, which the analysis leaves out, are terms as written ("2027", "5g").

Every term is letters and digits only, so that SQLite's FTS5 (unicode61) and PostgreSQL's
'simple' configuration each read it as one token, as written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from matcher import lexicon
from matcher.text import MAX_SENSES, Language, StemCache, detect_language, english_reading, tokens

MAX_QUERY_WORDS = 8
NUMBER = re.compile(r"\b\d[^\W_]*")  # "2027" and "5g", not the digit of "cl6"
_NOT_TERM = re.compile(r"[\W_]+")

Reading = tuple[str, ...]  # terms a call must hold together to hold a query word this way


@dataclass(frozen=True)
class Document:
    """A call's terms, space-separated, each as often as its weight in the text."""

    title: str  # of the title, the call's title and the identifiers: ranked higher
    body: str


@dataclass(frozen=True)
class Query:
    """The terms a query asks for: every word, each in one of its readings."""

    words: tuple[tuple[Reading, ...], ...]
    language: Language
    # Finnish words and the English words they were searched by, too ("kiertotalous",
    # "circular economy").
    translated: tuple[tuple[str, str], ...] = ()


@cache
def _analysis() -> StemCache:
    """The process's word analysis: each word is read once (Voikko, FreeDict, stemmers)."""
    return StemCache()


DOCUMENT_FIELDS = (  # a call's fields its terms come from, as stored (tracker.models.Call)
    "identifier", "call_identifier", "title", "call_title", "description_text", "keywords",
)  # fmt: skip


def document(
    identifier: str,
    call_identifier: str | None,
    title: str,
    call_title: str | None,
    description_text: str | None,
    keywords: Iterable[str] | None,
) -> Document:
    """The terms of a call: its titles and its description with keywords, read in the language
    of both together; its identifiers as English words and numbers."""
    title_text = " ".join(filter(None, (title, call_title)))
    body_text = " ".join(filter(None, (description_text, *(keywords or ()))))
    title_words, body_words = tokens(title_text), tokens(body_text)
    language = detect_language(title_words + body_words)
    codes = " ".join(filter(None, (identifier, call_identifier)))
    heading = [_terms(title_text, title_words, language), _terms(codes, tokens(codes), "en")]
    return Document(" ".join(filter(None, heading)), _terms(body_text, body_words, language))


def _terms(text: str, words: list[str], language: Language) -> str:
    terms: list[str] = []
    for word, weight in _analysis().terms(words, language).items():
        if term := clean(word):
            terms += [term] * max(1, round(weight))
    return " ".join(terms + NUMBER.findall(text.lower()))


def clean(term: str) -> str:
    """A term as both engines' tokenizers keep it whole: "pk-yritys" as "pkyritys"."""
    # Most terms are whole already; isalnum() is exactly "no [\W_]" and far cheaper than sub.
    return term if term.isalnum() else _NOT_TERM.sub("", term)


def query(text: str) -> Query:
    """The readings of a query's words (stop words left out) and numbers, at most
    MAX_QUERY_WORDS of them, in the language of the whole query."""
    words = tokens(text)
    language = detect_language(words)
    read: list[tuple[Reading, ...]] = []
    translated: list[tuple[str, str]] = []
    for word in words:
        readings, english = _english(word) if language == "en" else _finnish(word)
        if readings:
            read.append(readings)
            if english:
                translated.append((word, english))
    read += [((number,),) for number in NUMBER.findall(text.lower())]
    return Query(tuple(read[:MAX_QUERY_WORDS]), language, tuple(translated[:MAX_QUERY_WORDS]))


def _english(word: str) -> tuple[tuple[Reading, ...], str]:
    return tuple((term,) for s in _analysis().stems([word], "en") if (term := clean(s))), ""


def _finnish(word: str) -> tuple[tuple[Reading, ...], str]:
    """A Finnish word by its base form, or in English by any of its senses the matcher reads
    (of a compound not listed: the first sense of each root, when each has one); a word Voikko
    does not know by its stems, as the calls' own words are read."""
    analysis = _analysis()
    read = english_reading(word)
    if read is None:
        return tuple((term,) for s in analysis.both_ways(word) if (term := clean(s))), ""
    reading, units = read
    if units is None:  # a stop word
        return (), ""
    if len(units) == 1:
        senses = lexicon.english(units[0])[:MAX_SENSES]
    else:
        senses = (" ".join(analysis.english_of(word)),) if all(map(lexicon.english, units)) else ()
    readings: dict[Reading, str] = {(clean(reading.base),): ""}
    for sense in senses:
        stems = analysis.stems(tokens(sense), "en")
        terms = tuple(dict.fromkeys(filter(None, map(clean, stems))))
        if terms:
            readings.setdefault(terms, sense)
    english = ", ".join(sense for sense in readings.values() if sense)
    return tuple(r for r in readings if all(r)), english
