"""Short explanations of a match in English and Finnish, built from its components."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from matcher.facts import ActorFacts, CallFacts
from matcher.index import MatchIndex
from matcher.profile import eligibility_type
from matcher.text import Matrix

Sentence = tuple[str, str]  # (English, Finnish)

INTEREST = ("In your programmes of interest.", "Kuuluu kiinnostaviin ohjelmiinne.")
LIKE_RELEVANT = (
    "Like calls you marked relevant.",
    "Muistuttaa hakuja, jotka merkitsitte kiinnostaviksi.",
)
LIKE_DISMISSED = (
    "Like calls you marked not relevant.",
    "Muistuttaa hakuja, jotka merkitsitte epäkiinnostaviksi.",
)
PARTNER_ON_SINGLE = (
    "Single-applicant call, though you prefer a partner role.",
    "Yksin haettava, vaikka toivotte kumppanin roolia.",
)

MAX_WORDS = 6
MIN_PROJECT_COSINE = 0.12  # below this a past project is not called similar


@dataclass(frozen=True, slots=True)
class Evidence:
    """The facts behind one match that the explanation and the UI show."""

    words: tuple[str, ...]  # shared words, strongest first
    themes: tuple[str, ...]  # Smart Häme theme names
    theme_keywords: tuple[str, ...]
    own_themes: bool  # the actor chose these themes (else: the call's main theme)
    similar_projects: tuple[str, ...]  # "ACRONYM (topic id)"
    same_programme: int  # earlier projects in the call's programme part
    days_left: int | None
    deadline: date | None


def shared_words(index: MatchIndex, product: Matrix) -> list[tuple[str, ...]]:
    """Per row of a pairs x vocabulary product: the stems adding most to the cosine, as words."""
    counts = np.diff(product.indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-product.data, rows))
    rank = np.arange(len(order)) - np.repeat(product.indptr[:-1], counts)
    top = order[rank < MAX_WORDS]
    top_rows, top_terms = rows[top].tolist(), product.indices[top].tolist()
    words: list[list[str]] = [[] for _ in counts]
    for r, term in zip(top_rows, top_terms, strict=True):
        words[r].append(index.model.display[term])
    return [tuple(w) for w in words]


def similar_projects(actor: ActorFacts, cosines: np.ndarray) -> list[tuple[str, ...]]:
    """Per column (a call) of a past projects x calls cosine array: up to two similar projects."""
    past = actor.profile.past_projects
    names = [f"{p.acronym or p.title[:40]} ({p.topic_id})" for p in past]
    best = np.argsort(-cosines, axis=0, kind="stable")[:2].T.tolist()
    ok = np.take_along_axis(cosines, np.argsort(-cosines, axis=0)[:2], 0) >= MIN_PROJECT_COSINE
    return [
        tuple(names[i] for i, good in zip(pair, flags, strict=True) if good)
        for pair, flags in zip(best, ok.T.tolist(), strict=True)
    ]


def evidence(
    actor: ActorFacts,
    call: CallFacts,
    words: tuple[str, ...],
    projects: tuple[str, ...],
    deadline: date | None,
    days_left: int | None,
) -> Evidence:
    """Collect what one match rests on."""
    own = [t for t in call.tags if t.theme in actor.profile.themes]
    chosen = own or list(call.tags[:1])
    same = actor.past_prefixes.get(call.prefix, 0) if call.prefix else 0
    keywords = tuple(k for t in chosen for k in t.keywords)[:4]
    themes = tuple(t.theme for t in chosen)
    return Evidence(words, themes, keywords, bool(own), projects, same, days_left, deadline)


def explain(
    index: MatchIndex,
    actor: ActorFacts,
    call: CallFacts,
    parts: Mapping[str, float],
    ev: Evidence,
) -> tuple[str, str]:
    """The explanation of one match as (English, Finnish)."""
    lift = index.priors.lift(eligibility_type(actor.profile.org_type), call.kind)
    feedback = parts.get("feedback", 0.0)
    sentences = (
        _words(ev.words),
        *(
            _theme(index.themes.labels.get(n, (n, n)), ev.theme_keywords, ev.own_themes)
            for n in ev.themes
        ),
        _projects(ev.similar_projects),
        _programme(ev.same_programme, call.prefix),
        INTEREST if parts.get("interest") == 1.0 else None,
        _budget(call.grant, parts.get("budget"), actor.profile.budget_max_eur),
        LIKE_RELEVANT if feedback >= 0.3 else LIKE_DISMISSED if feedback <= -0.3 else None,
        PARTNER_ON_SINGLE if parts.get("role", 1.0) < 0.5 else None,
        _org_fit(call.kind, round(lift, 1)) if lift is not None and lift >= 1.5 else None,
        _time(ev.days_left, ev.deadline),
    )
    said = [s for s in sentences if s is not None]
    return " ".join([s[0] for s in said]), " ".join([s[1] for s in said])


# The sentences repeat across actors and calls: each is built once and cached.


@lru_cache(maxsize=65536)
def _words(words: tuple[str, ...]) -> Sentence | None:
    if not words:
        return None
    text = ", ".join(words)
    return f"Shared words: {text}.", f"Yhteiset sanat: {text}."


@lru_cache(maxsize=4096)
def _theme(labels: tuple[str, str], keywords: tuple[str, ...], own: bool) -> Sentence:
    en, fi = labels
    keys = f" ({', '.join(keywords)})" if keywords else ""
    if own:
        return f"Your Smart Häme theme: {en}{keys}.", f"Älykäs Häme -teemanne: {fi}{keys}."
    return f"Serves the Smart Häme theme {en}{keys}.", f"Palvelee Älykäs Häme -teemaa {fi}{keys}."


@lru_cache(maxsize=65536)
def _projects(projects: tuple[str, ...]) -> Sentence | None:
    if not projects:
        return None
    names = ", ".join(projects)
    return f"Similar past projects: {names}.", f"Samankaltaiset aiemmat hankkeet: {names}."


@lru_cache(maxsize=4096)
def _programme(n: int, prefix: str) -> Sentence | None:
    if not n:
        return None
    return (
        f"{n} earlier project{'s' * (n > 1)} of yours in {prefix}.",
        f"Teillä on {n} aiempaa hanketta ohjelmassa {prefix}.",
    )


@lru_cache(maxsize=16384)
def _budget(
    grant: tuple[float, float] | None, fit: float | None, budget_max: int | None
) -> Sentence | None:
    if grant is None:
        return None
    low, high = grant
    en, fi = money(low, high, "en"), money(low, high, "fi")
    if fit is None:
        return f"Grant size {en}.", f"Avustuksen koko {fi}."
    if fit >= 0.99:
        return f"Grant size {en} fits your budget.", f"Avustuksen koko {fi} sopii budjettiinne."
    if low > (budget_max or np.inf):
        return (
            f"Grant size {en} is above your budget.",
            f"Avustuksen koko {fi} ylittää budjettinne.",
        )
    return (
        f"Grant size {en} is below your budget or beyond your co-financing.",
        f"Avustuksen koko {fi} jää alle budjettinne tai omarahoitus ei riitä.",
    )


@lru_cache(maxsize=1024)
def _org_fit(kind: str, lift: float) -> Sentence:
    times = f"{lift:.1f}"
    return (
        f"Organisations like yours join {kind} actions often ({times}x).",
        f"Kaltaisenne organisaatiot osallistuvat {kind}-hankkeisiin usein "
        f"({times.replace('.', ',')}-kertaisesti).",
    )


@lru_cache(maxsize=4096)
def _time(days_left: int | None, deadline: date | None) -> Sentence | None:
    if days_left is None or deadline is None:
        return None
    d = deadline
    return (
        f"{days_left} days left (deadline {d.isoformat()}).",
        f"Aikaa {days_left} päivää (määräaika {d.day}.{d.month}.{d.year}).",
    )


@lru_cache(maxsize=4096)
def money(low: float, high: float, language: str) -> str:
    """A grant range such as `EUR 0.5-2 million` or `0,5-2 milj. euroa`."""

    def num(value: float) -> str:
        """Millions with up to two decimals."""
        text = f"{value / 1e6:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if language == "fi" else text

    span = num(low) if low == high else f"{num(low)}-{num(high)}"
    return f"{span} milj. euroa" if language == "fi" else f"EUR {span} million"
