"""Smart Häme themes (data from config) and the tagging of calls with them, with the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.calls import CallInput
from matcher.text import Language, StemCache, analyze, tokens

TITLE_WEIGHT = 2  # a keyword in the title or keywords says more than one deep in the text
MIN_HITS = 3  # weighted keyword hits a theme needs before a call is tagged with it
FULL_HITS = 6  # weighted hits that make the theme score 1.0


@dataclass(frozen=True)
class Theme:
    """One regional smart-specialisation theme, with describing keywords in both languages."""

    name: str
    label_fi: str
    label_en: str
    keywords_fi: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        """The theme's name in Finnish ("fi") or English."""
        return self.label_fi if language == "fi" else self.label_en


@dataclass(frozen=True)
class ThemeTag:
    """A theme a call serves: score 0..1 and the keywords found (the reason)."""

    theme: str
    score: float
    keywords: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # told apart as objects: a set of them is looked up often
class _Keyword:
    text: str
    stems: tuple[str, ...]
    prefix: bool  # Finnish keywords match word beginnings: compounds and gradation


class ThemeMatcher:
    """Themes compiled once to stems, then matched against many calls."""

    def __init__(self, themes: Sequence[Theme], stem_cache: StemCache | None = None) -> None:
        self.themes = tuple(themes)
        self._cache = stem_cache or StemCache()
        self._keywords = [self._compile(t) for t in self.themes]
        # The keywords by their first stem, so that a text is only checked for the few whose
        # first stem it holds (or, in Finnish, begins a word with), not for every keyword.
        self._starting: dict[str, set[_Keyword]] = {}
        for kw in (kw for keywords in self._keywords for kw in keywords):
            self._starting.setdefault(kw.stems[0], set()).add(kw)
        self._first_lengths = {len(first) for first in self._starting}

    def _compile(self, theme: Theme) -> list[_Keyword]:
        compiled = []
        seen: set[tuple[str, ...]] = set()
        for language, words in (("fi", theme.keywords_fi), ("en", theme.keywords_en)):
            lang: Language = "fi" if language == "fi" else "en"
            for text in words:
                stems = tuple(self._cache.stems(tokens(text), lang, keep_stop_words=True))
                if lang == "fi":  # drop a final letter that gradation or case endings change
                    stems = tuple(s[:-1] if len(s) >= 7 else s for s in stems)
                if stems and stems not in seen:  # "business model(s)": one keyword, not two
                    seen.add(stems)
                    compiled.append(_Keyword(text, stems, prefix=lang == "fi"))
        return compiled

    def tag(self, call: CallInput) -> tuple[ThemeTag, ...]:
        """The themes the call serves, best first."""
        head = " ".join((call.title, *call.keywords))
        body = " ".join((call.description, call.programme_part, call.call_title))
        return self.tag_text(head, body)

    def tag_text(self, head: str, body: str) -> tuple[ThemeTag, ...]:
        """Themes of a text whose `head` (title, keywords) weighs more than its `body`."""
        head_lang, head_stems = analyze(head, self._cache, keep_stop_words=True)
        body_lang, body_stems = analyze(body, self._cache, keep_stop_words=True)
        head_set, body_set = set(head_stems), set(body_stems)
        in_head = self._candidates(head_set, head_lang)
        in_body = self._candidates(body_set, body_lang)
        tags = []
        for theme, keywords in zip(self.themes, self._keywords, strict=True):
            hits, found = 0, list[str]()
            for kw in keywords:
                if kw in in_head and _contains(head_stems, head_set, kw, head_lang):
                    hits, found = hits + TITLE_WEIGHT, [*found, kw.text]
                elif kw in in_body and _contains(body_stems, body_set, kw, body_lang):
                    hits, found = hits + 1, [*found, kw.text]
            if hits >= MIN_HITS:
                tags.append(ThemeTag(theme.name, min(1.0, hits / FULL_HITS), tuple(found)))
        return tuple(sorted(tags, key=lambda t: (-t.score, t.theme)))

    def _candidates(self, stem_set: set[str], language: Language) -> set[_Keyword]:
        """The keywords a text of these stems may hold: those whose first stem is one of them,
        and in Finnish text the Finnish keywords whose first stem begins one of them."""
        starting = self._starting
        found = {kw for stem in stem_set & starting.keys() for kw in starting[stem]}
        if language == "fi":
            beginnings = {stem[:n] for stem in stem_set for n in self._first_lengths}
            found |= {
                kw for start in beginnings & starting.keys() for kw in starting[start] if kw.prefix
            }
        return found


def _contains(stems: list[str], stem_set: set[str], kw: _Keyword, language: Language) -> bool:
    """True when the keyword's stems occur in a row; by word beginnings for Finnish text."""
    first, rest = kw.stems[0], kw.stems[1:]
    if not (kw.prefix and language == "fi"):
        if first not in stem_set or not all(s in stem_set for s in rest):
            return False
        return not rest or any(
            tuple(stems[i : i + len(kw.stems)]) == kw.stems
            for i, s in enumerate(stems)
            if s == first
        )
    return any(
        all(i + j < len(stems) and stems[i + j].startswith(part) for j, part in enumerate(kw.stems))
        for i, s in enumerate(stems)
        if s.startswith(first)
    )


def themes_from_config(rows: Sequence[Mapping[str, Any]]) -> tuple[Theme, ...]:
    """Themes from config rows ([[matching.themes]]: name, label_fi, label_en, keywords_*)."""
    return tuple(
        Theme(
            name=row["name"],
            label_fi=row["label_fi"],
            label_en=row["label_en"],
            keywords_fi=tuple(row.get("keywords_fi", ())),
            keywords_en=tuple(row.get("keywords_en", ())),
        )
        for row in rows
    )


def tag_call(call: CallInput, themes: Sequence[Theme]) -> tuple[ThemeTag, ...]:
    """The Smart Häme themes one call serves, with the keywords that show it."""
    return ThemeMatcher(themes).tag(call)
