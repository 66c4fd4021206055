"""Finnish and English text to TF-IDF vectors in one space: tokens, language, terms, model.

English words count as their Snowball stems. A Finnish word counts as its base form (Voikko),
its roots at a lower weight, and the English stems of its senses (glossary, then FreeDict),
so a Finnish profile meets an English call, and an English profile a Finnish call, on the
English stems they share.

Beside the stems, a text's exact words are terms of their own ("=policy" beside "polici"; a
Finnish word as the words of its first English sense): stems join the forms of a word, and
exact words keep apart the words a stem joins ("organic" and "organ").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from typing import Any, Generic, Literal, NamedTuple, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import Stemmer
from scipy import sparse

from matcher import finnish, lexicon
from matcher.stopwords import DOMAIN_STOP_WORDS, ENGLISH_STOP_WORDS, FINNISH_STOP_WORDS

Language = Literal["fi", "en"]
Matrix: TypeAlias = sparse.csr_matrix
Terms: TypeAlias = tuple[tuple[str, float], ...]  # (term, weight) pairs of one word
Counts: TypeAlias = dict[str, float]  # term -> weighted count in one text


class Coded(NamedTuple):
    """A text's counts (held, so that their id names them while kept) as arrays."""

    counts: Counts
    ids: npt.NDArray[np.int64]  # process-wide term ids (StemCache.term_ids)
    weights: npt.NDArray[np.float64]


ROOT_WEIGHT = 0.5  # a root of a Finnish word ("avustus" in "valtionavustus")
TRANSLATION_WEIGHT = 1.0  # the English senses of a Finnish word, together
SENSE_DECAY = 0.6  # each later sense of a word weighs this much of the one before
MAX_SENSES = 4

EXACT = "="  # the prefix of an exact-word term

_TOKEN = re.compile(r"[^\W\d_][^\W_]+")
_TAG = re.compile(r"<[^>]+>")


@cache
def _stemmer(language: Language) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("finnish" if language == "fi" else "english")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of at least two characters, HTML tags dropped."""
    return _TOKEN.findall(_TAG.sub(" ", text).lower())


def detect_language(words: Sequence[str]) -> Language:
    """Finnish or English, by function words; else (a keyword list) by words Voikko knows."""
    sample = words[:200]
    fi = sum(map(FINNISH_STOP_WORDS.__contains__, sample))
    en = sum(map(ENGLISH_STOP_WORDS.__contains__, sample))
    if fi != en:
        return "fi" if fi > en else "en"
    known = sum(bool(finnish.readings(w)) for w in sample)
    return "fi" if sample and known * 2 > len(sample) else "en"


class StemCache:
    """Word -> stem per language, stemming each distinct word once; knows the stop words.

    It also keeps each text's terms between fits of a process: a text read once is not read
    again until a fit no longer uses it (`forget_unused`).
    """

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()  # word -> distinct texts read that hold it
        self._counts: _Kept[str, Counts] = _Kept()  # text -> its terms
        self._words: _Kept[str, dict[str, tuple[float, str]]] = _Kept()  # text -> its own words
        self._exact: _Kept[str, Counts] = _Kept()  # text -> its exact-word terms
        self._finnish_exact: dict[str, tuple[str, ...]] = {}  # Finnish word -> English words
        self._all: dict[Language, dict[str, str]] = {"fi": {}, "en": {}}
        self._content: dict[Language, dict[str, str]] = {"fi": {}, "en": {}}  # "" = stop word
        self._finnish: dict[str, Terms] = {}  # Finnish word -> its weighted terms
        self._shown: dict[str, str] = {}  # word -> term, for terms no English text spelled
        self._base: dict[str, str] = {}  # Finnish word -> the base form its terms come from
        # Every term met gets an id for the process; a text's terms are kept as arrays of ids.
        self.term_ids: dict[str, int] = {}
        self.term_names: list[str] = []
        self._coded: _Kept[int, Coded] = _Kept()  # id of a Counts it holds -> its arrays

    def stems(
        self, words: Sequence[str], language: Language, keep_stop_words: bool = False
    ) -> list[str]:
        """Stems of the words; stop words dropped unless kept (keyword phrases need them)."""
        known = self._content[language]
        new = list(set(words).difference(known))
        if new:
            stop = FINNISH_STOP_WORDS if language == "fi" else ENGLISH_STOP_WORDS
            stemmed = _stemmer(language).stemWords(new)
            for word, stem in zip(new, stemmed, strict=True):
                self._all[language][word] = stem
                keep = word not in stop and word not in DOMAIN_STOP_WORDS
                known[word] = stem if keep else ""
        if keep_stop_words:
            return list(map(self._all[language].__getitem__, words))
        return list(filter(None, map(known.__getitem__, words)))

    def count(self, text: str) -> Counts:
        """The weighted terms of a text (callers do not change them)."""
        return self._counts.get(text, self._count)

    def _count(self, text: str) -> Counts:
        words = tokens(text)
        self.seen.update(set(words))
        return self.terms(words, detect_language(words))

    def text_words(self, text: str) -> dict[str, tuple[float, str]]:
        """Each term of a text with the text's own word for it (see term_words)."""
        return self._words.get(text, self._text_words)

    def _text_words(self, text: str) -> dict[str, tuple[float, str]]:
        words = tokens(text)
        return self.term_words(words, detect_language(words))

    def exact_words(self, text: str) -> Counts:
        """The exact-word terms of a text: its content words as written, a Finnish word as the
        content words of its first English sense."""
        return self._exact.get(text, self._exact_words)

    def _exact_words(self, text: str) -> Counts:
        words = tokens(text)
        if detect_language(words) == "en":
            self.stems(words, "en")
            known = self._content["en"]
            return dict(Counter(EXACT + w for w in words if known[w]))
        found = Counter[str]()
        for word in words:
            found.update(EXACT + w for w in self.english_of(word))
        return dict(found)

    def english_of(self, word: str) -> tuple[str, ...]:
        """The English words a Finnish word reads as (see _english_words), read once."""
        exact = self._finnish_exact.get(word)
        if exact is None:
            exact = self._finnish_exact[word] = self._english_words(word)
        return exact

    def _english_words(self, word: str) -> tuple[str, ...]:
        """The content words of a Finnish word's first English sense (of each root's when the
        word is not listed); the word itself when Voikko does not know it."""
        read = english_reading(word)
        if read is None:
            return (word,)
        english = [w for unit in read[1] or () for w in tokens(" ".join(lexicon.english(unit)[:1]))]
        self.stems(english, "en")
        return tuple(w for w in english if self._content["en"][w])

    def forget_unused(self) -> None:
        """Forget the texts not read since the last call: a new fit begins."""
        self._counts.forget_unused()
        self._words.forget_unused()
        self._exact.forget_unused()
        self._coded.forget_unused()

    def coded(self, counts: Counts) -> Coded:
        """The terms of one text's counts as arrays: their process-wide ids and weights. Kept
        like the counts themselves, so a fit reads a kept text's terms without a loop."""
        return self._coded.get(id(counts), lambda _: self._code(counts))

    def _code(self, counts: Counts) -> Coded:
        ids, names = self.term_ids, self.term_names
        for term in counts:
            if term not in ids:
                ids[term] = len(names)
                names.append(term)
        coded = np.fromiter(map(ids.__getitem__, counts), np.int64, len(counts))
        weights = np.fromiter(counts.values(), np.float64, len(counts))
        return Coded(counts, coded, weights)

    def terms(self, words: Sequence[str], language: Language) -> Counts:
        """Weighted terms of words in one language: stems, or Finnish readings and senses."""
        if language == "en":
            return dict(Counter(self.stems(words, "en")))
        counts: Counts = {}
        for word in words:
            for term, weight in self._finnish_word(word):
                counts[term] = counts.get(term, 0.0) + weight
        return counts

    def _finnish_word(self, word: str) -> Terms:
        terms = self._finnish.get(word)
        if terms is None:
            terms = self._finnish[word] = self._finnish_terms(word)
        return terms

    def _finnish_terms(self, word: str) -> Terms:
        """Base form, roots and English senses of one Finnish word; () for a stop word."""
        read = english_reading(word)
        if read is None:
            return tuple((s, 1.0) for s in self.both_ways(word))
        reading, units = read
        if units is None:  # a stop word
            return ()
        weights: dict[str, float] = {reading.base: 1.0}
        self._base[word] = reading.base
        self._shown[reading.base] = reading.base
        for root in reading.roots:
            if root not in FINNISH_STOP_WORDS:
                weights[root] = weights.get(root, 0.0) + ROOT_WEIGHT
                self._shown[root] = root
        for unit in units:
            for stem, weight in self._senses(lexicon.english(unit)).items():
                weights[stem] = weights.get(stem, 0.0) + weight
        return tuple(weights.items())

    def both_ways(self, word: str) -> list[str]:
        """A word Voikko does not know (a name, a loanword) read both ways: its Finnish and
        English stems, sorted."""
        return sorted({*self.stems([word], "fi"), *self.stems([word], "en")})

    def term_words(self, words: Sequence[str], language: Language) -> dict[str, tuple[float, str]]:
        """Each term of the words with the word giving it most weight (a Finnish one as its
        base form) and that weight: the words a text itself used for the terms it shares."""
        unique = list(dict.fromkeys(words))
        best: dict[str, tuple[float, str]] = {}
        if language == "en":
            self.stems(unique, "en")  # every word's stem now known ("" for a stop word)
            known = self._content["en"]
            for word in unique:
                if known[word] and known[word] not in best:  # each weighs 1: the first wins
                    best[known[word]] = (1.0, word)
            return best
        for word in unique:
            terms = self._finnish_word(word)  # reads the word's base form first
            shown = self._base.get(word, word)
            for term, weight in terms:
                if weight > best.get(term, (0.0, ""))[0]:
                    best[term] = (weight, shown)
        return best

    def _senses(self, senses: Sequence[str]) -> dict[str, float]:
        """English stems of a word's senses, TRANSLATION_WEIGHT shared, earlier senses more."""
        shares = [SENSE_DECAY**i for i in range(min(len(senses), MAX_SENSES))]
        out: dict[str, float] = {}
        for sense, share in zip(senses, shares, strict=False):
            for word in tokens(sense):
                for stem in self.stems([word], "en"):  # none for a stop word
                    out[stem] = max(out.get(stem, 0.0), TRANSLATION_WEIGHT * share / sum(shares))
                    self._shown.setdefault(word, stem)
        return out

    def words(self) -> Iterable[tuple[str, str]]:
        """Every (word, term) seen, stop words left out."""
        for mapping in self._content.values():
            yield from ((w, s) for w, s in mapping.items() if s)
        yield from self._shown.items()


def english_reading(word: str) -> tuple[finnish.Reading, tuple[str, ...] | None] | None:
    """The reading of a Finnish word that English senses come from (the first whose base form
    has one, else the first) and the units whose senses it takes: the whole word, or each root
    when the word itself is not listed; units None for a stop word. None when Voikko does not
    know the word."""
    readings = finnish.readings(word)
    if not readings:
        return None
    reading = next((r for r in readings if lexicon.english(r.base)), readings[0])
    if reading.base in FINNISH_STOP_WORDS or word in FINNISH_STOP_WORDS:
        return reading, None
    units = (reading.base,) if lexicon.english(reading.base) else reading.roots
    return reading, units


Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _Kept(Generic[Key, Value]):
    """What was computed of each text, kept while fits use it: a text neither read nor looked up
    between two calls of `forget_unused` is forgotten at the second."""

    def __init__(self) -> None:
        self._earlier: dict[Key, Value] = {}
        self._now: dict[Key, Value] = {}

    def get(self, key: Key, make: Callable[[Key], Value]) -> Value:
        value = self._now.get(key)
        if value is None:
            value = self._earlier.get(key)
            self._now[key] = value = make(key) if value is None else value
        return value

    def forget_unused(self) -> None:
        self._earlier, self._now = self._now, {}


def analyze(
    text: str, stem_cache: StemCache, keep_stop_words: bool = False
) -> tuple[Language, list[str]]:
    """The text's language and its stems in order (stop words removed unless kept)."""
    words = tokens(text)
    language = detect_language(words)
    return language, stem_cache.stems(words, language, keep_stop_words)


@dataclass(frozen=True)
class TextModel:
    """Vocabulary of stems, their IDF, and a readable word for each stem."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    display: tuple[str, ...]
    exact: npt.NDArray[np.bool_]  # per term: an exact word, not a stem
    columns: npt.NDArray[np.int64]  # per process-wide term id known at the fit: its term or -1
    stem_cache: StemCache = field(default_factory=StemCache, compare=False, repr=False)

    @property
    def size(self) -> int:
        """Number of stems in the vocabulary."""
        return len(self.display)


def fit_counts(documents: Sequence[Sequence[Counts]], stem_cache: StemCache) -> TextModel:
    """Fit vocabulary and smoothed IDF (as scikit-learn's) on documents counted by field."""
    n = len(documents)
    coded = [[stem_cache.coded(c).ids for c in fields] for fields in documents]
    size = len(stem_cache.term_names)
    ids = np.concatenate([np.zeros(0, np.int64), *chain.from_iterable(coded)])
    owners = np.repeat(np.arange(n), [sum(map(len, fields)) for fields in coded])
    pairs = np.sort(owners * size + ids)  # (text, term), a term in several fields repeated
    distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    df = np.bincount(distinct % size, minlength=size)  # the texts holding each term
    names = stem_cache.term_names
    terms = sorted(np.flatnonzero(df).tolist(), key=names.__getitem__)
    vocabulary = {names[t]: i for i, t in enumerate(terms)}
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms])
    display = {term: term.removeprefix(EXACT) if term[0] == EXACT else "" for term in vocabulary}
    seen = stem_cache.seen
    for word, stem in stem_cache.words():
        shown = display.get(stem)
        # The commonest word of a stem reads best ("mobility" rather than "mobile").
        if shown is not None and (not shown or (-seen[word], word) < (-seen[shown], shown)):
            display[stem] = word
    exact = np.fromiter((term[0] == EXACT for term in vocabulary), bool, len(vocabulary))
    columns = np.full(size, -1, np.int64)  # process-wide term id -> column
    columns[terms] = np.arange(len(terms))
    return TextModel(vocabulary, idf, tuple(display.values()), exact, columns, stem_cache)


def fit_text_model(documents: Iterable[str]) -> TextModel:
    """Fit a model on a corpus of plain texts, e.g. the open calls."""
    stem_cache = StemCache()
    return fit_counts([[stem_cache.count(t)] for t in documents], stem_cache)


def vectorize(model: TextModel, texts: Sequence[str]) -> Matrix:
    """Rows of L2-normalised sublinear TF-IDF vectors; stems outside the vocabulary are dropped."""
    return vectorize_fields(model, [texts], [1.0])


def vectorize_fields(
    model: TextModel,
    fields: Sequence[Sequence[str]],
    weights: Sequence[float],
    norm_power: float = 1.0,
) -> Matrix:
    """One unit vector per document from several text fields (see vectorize_counts)."""
    cache = model.stem_cache
    documents = [[cache.count(t) for t in texts] for texts in zip(*fields, strict=True)]
    return vectorize_counts(model, documents, weights, norm_power)


def vectorize_counts(
    model: TextModel,
    documents: Sequence[Sequence[Counts]],
    weights: Sequence[float],
    norm_power: float = 1.0,
) -> Matrix:
    """vectorize_fields for documents already counted by field.

    Each field is divided by its length to `norm_power` (1: a unit vector), weighted, and the
    sum made a unit vector.
    """
    n = len(documents)
    parts = [
        _tfidf(model, [fields[f] for fields in documents], n, norm_power, weight)
        for f, weight in enumerate(weights)
        if weight
    ]
    rows, columns, values = (np.concatenate(p) for p in zip(*parts, strict=True))
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(n, model.size))  # fields summed
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    matrix.data = (matrix.data / _lengths(rows, matrix.data, n)[rows]).astype(np.float32)
    return matrix


Entries: TypeAlias = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]


def _tfidf(
    model: TextModel, counts: Sequence[Counts], n: int, power: float, weight: float
) -> Entries:
    """(rows, columns, values) of one field's sublinear TF-IDF, each row divided by its length to
    `power` and weighted; a translated sense may count for less than one word."""
    coded = [model.stem_cache.coded(c) for c in counts]
    ids = np.concatenate([np.zeros(0, np.int64), *(c.ids for c in coded)])
    tf = np.concatenate([np.zeros(0), *(c.weights for c in coded)])
    rows = np.repeat(np.arange(len(counts)), [len(c) for c in counts])
    columns = np.full(len(ids), -1, np.int64)
    fitted = ids < len(model.columns)  # terms first met after the fit are not in it
    columns[fitted] = model.columns[ids[fitted]]
    known = columns >= 0
    columns, tf, rows = columns[known], tf[known], rows[known]
    values = np.where(tf >= 1, 1.0 + np.log(np.maximum(tf, 1.0)), tf) * model.idf[columns]
    return rows, columns, weight * values / _lengths(rows, values, n)[rows] ** power


def _lengths(rows: npt.NDArray[np.int64], values: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
    """The Euclidean length of each of `n` rows given as (row, value) entries; 1 for empty rows."""
    lengths = np.sqrt(np.bincount(rows, weights=values.astype(np.float64) ** 2, minlength=n))
    return np.where(lengths > 0, lengths, 1.0)
