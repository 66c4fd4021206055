"""Finnish and English text to stemmed TF-IDF vectors: tokens, language, stop words, model."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import Stemmer
from scipy import sparse

from matcher.stopwords import DOMAIN_STOP_WORDS, ENGLISH_STOP_WORDS, FINNISH_STOP_WORDS

Language = Literal["fi", "en"]
Matrix: TypeAlias = sparse.csr_matrix

_TOKEN = re.compile(r"[^\W\d_][^\W_]+")
_TAG = re.compile(r"<[^>]+>")


@cache
def _stemmer(language: Language) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("finnish" if language == "fi" else "english")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of at least two characters, HTML tags dropped."""
    return _TOKEN.findall(_TAG.sub(" ", text).lower())


def detect_language(words: Sequence[str]) -> Language:
    """Finnish or English, by which language's function words are more common."""
    sample = words[:200]
    fi = sum(map(FINNISH_STOP_WORDS.__contains__, sample))
    en = sum(map(ENGLISH_STOP_WORDS.__contains__, sample))
    if fi != en:
        return "fi" if fi > en else "en"
    return "fi" if any("ä" in w or "ö" in w for w in sample) else "en"


class StemCache:
    """Word -> stem per language, stemming each distinct word once; knows the stop words."""

    def __init__(self) -> None:
        self._all: dict[Language, dict[str, str]] = {"fi": {}, "en": {}}
        self._content: dict[Language, dict[str, str]] = {"fi": {}, "en": {}}  # "" = stop word

    def stems(
        self, words: Sequence[str], language: Language, keep_stop_words: bool = False
    ) -> list[str]:
        """Stems of the words; stop words dropped unless kept (keyword phrases need them)."""
        known = self._content[language]
        new = list({w for w in words if w not in known})
        if new:
            stop = FINNISH_STOP_WORDS if language == "fi" else ENGLISH_STOP_WORDS
            stemmed = _stemmer(language).stemWords(new)
            for word, stem in zip(new, stemmed, strict=True):
                self._all[language][word] = stem
                keep = word not in stop and word not in DOMAIN_STOP_WORDS
                known[word] = stem if keep else ""
        if keep_stop_words:
            return list(map(self._all[language].__getitem__, words))
        return [s for s in map(known.__getitem__, words) if s]

    def words(self) -> Iterable[tuple[str, str]]:
        """Every (word, stem) seen, stop words left out."""
        for mapping in self._content.values():
            yield from ((w, s) for w, s in mapping.items() if s)


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
    idf_values: tuple[float, ...] = ()  # idf as plain floats: faster per term than numpy
    stem_cache: StemCache = field(default_factory=StemCache, compare=False, repr=False)

    @property
    def size(self) -> int:
        """Number of stems in the vocabulary."""
        return len(self.display)


def count_stems(text: str, stem_cache: StemCache, seen: Counter[str] | None = None) -> Counter[str]:
    """The content stems of a text with their counts; its words are tallied into `seen`."""
    words = tokens(text)
    if seen is not None:
        seen.update(words)
    return Counter(stem_cache.stems(words, detect_language(words)))


def count_stems_bilingual(text: str, stem_cache: StemCache) -> Counter[str]:
    """Stems of short mixed-language text (a keyword list) by both stemmers, so either matches."""
    words = tokens(text)
    stems = set(stem_cache.stems(words, "en")) | set(stem_cache.stems(words, "fi"))
    return Counter(stems)


def fit_counts(
    documents: Sequence[Sequence[Counter[str]]], stem_cache: StemCache, seen: Counter[str]
) -> TextModel:
    """Fit vocabulary and smoothed IDF (as scikit-learn's) on documents counted by field."""
    df: Counter[str] = Counter()
    for fields in documents:
        df.update(set().union(*fields))
    n = len(documents)
    vocabulary = {stem: i for i, stem in enumerate(sorted(df))}
    idf = np.array([math.log((1 + n) / (1 + df[s])) + 1.0 for s in vocabulary])
    display = dict.fromkeys(vocabulary, "")
    for word, stem in stem_cache.words():
        shown = display.get(stem)
        # The commonest word of a stem reads best ("mobility" rather than "mobile").
        if shown is not None and (-seen[word], word) < (-seen[shown], shown):
            display[stem] = word
    return TextModel(vocabulary, idf, tuple(display.values()), tuple(idf.tolist()), stem_cache)


def fit_text_model(documents: Iterable[str]) -> TextModel:
    """Fit a model on a corpus of plain texts, e.g. the open calls."""
    stem_cache, seen = StemCache(), Counter[str]()
    return fit_counts([[count_stems(t, stem_cache, seen)] for t in documents], stem_cache, seen)


def vectorize(model: TextModel, texts: Sequence[str]) -> Matrix:
    """Rows of L2-normalised sublinear TF-IDF vectors; stems outside the vocabulary are dropped."""
    return vectorize_fields(model, [texts], [1.0])


def vectorize_fields(
    model: TextModel, fields: Sequence[Sequence[str]], weights: Sequence[float]
) -> Matrix:
    """One unit vector per document from several text fields, each normalised, then weighted."""
    cache = model.stem_cache
    documents = [[count_stems(t, cache) for t in texts] for texts in zip(*fields, strict=True)]
    return vectorize_counts(model, documents, weights)


def vectorize_counts(
    model: TextModel, documents: Sequence[Sequence[Counter[str]]], weights: Sequence[float]
) -> Matrix:
    """vectorize_fields for documents already counted by field."""
    rows = []
    for fields in documents:
        total: dict[int, float] = {}
        for counts, weight in zip(fields, weights, strict=True):
            if weight and counts:
                for term, value in _unit(_tfidf(model, counts)).items():
                    total[term] = total.get(term, 0.0) + weight * value
        rows.append(sorted(_unit(total).items()))
    indptr = np.cumsum([0, *(len(r) for r in rows)])
    indices = np.fromiter((t for r in rows for t, _ in r), np.int32, int(indptr[-1]))
    data = np.fromiter((v for r in rows for _, v in r), np.float32, int(indptr[-1]))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), model.size))


def _tfidf(model: TextModel, counts: Counter[str]) -> dict[int, float]:
    vocabulary, idf = model.vocabulary, model.idf_values
    terms = [(vocabulary[s], c) for s, c in counts.items() if s in vocabulary]
    return {t: (1.0 + math.log(c)) * idf[t] for t, c in terms}


def _unit(row: dict[int, float]) -> dict[int, float]:
    norm = math.sqrt(sum(v * v for v in row.values()))
    return {t: v / norm for t, v in row.items()} if norm else row
