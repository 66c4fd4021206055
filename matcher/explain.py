"""What a match rests on (stored as JSON), told in English or Finnish on the day it is read."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from babel import dates

from matcher.facts import ActorFacts, CallFacts
from matcher.index import MatchIndex, profile_fields
from matcher.profile import Profile, eligibility_type
from matcher.settings import COMPONENTS
from matcher.text import Language, Matrix
from matcher.themes import Theme

MAX_WORDS = 6
MAX_THEME_TERMS = 4
MIN_PROJECT_COSINE = 0.12  # below this a past project is not called similar
# A word in more than this share of the calls, or of the profiles, says nothing of one match:
# "project" is in 60 % of the calls, "funding" and "seek" in most profiles ("etsimme rahoitusta").
COMMON_SHARE = 0.4
MIN_DOCUMENTS = 10  # fewer calls or profiles cannot tell boilerplate from a shared interest
MIN_LIFT = 1.5  # organisation-type lift worth a sentence
FEEDBACK_SAID = 0.3  # feedback component at which "like calls you marked" is said
# Per text model (its stem cache), each profile's own words: a profile is read once, not per call.
DATE_LOCALES = {"en": "en_GB", "fi": "fi"}  # "23 September 2027", "23. syyskuuta 2027"


@dataclass(frozen=True, slots=True)
class ThemeReason:
    """A theme the actor chose that the call serves, with the terms of that theme found."""

    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """The facts one match rests on; stored as JSON and told in words when read."""

    points: tuple[tuple[str, float], ...] = ()  # (component, signed points of the 0-100 score)
    words: tuple[str, ...] = ()  # shared words in the profile's own words, strongest first
    themes: tuple[ThemeReason, ...] = ()  # only themes the actor chose
    projects: tuple[str, ...] = ()  # similar past projects, "ACRONYM (topic id)"
    programme: str = ""  # the call's programme part
    same_programme: int = 0  # earlier projects of the actor in it
    interest: bool = False  # in the actor's programmes of interest
    grant: tuple[float, float] | None = None  # grant size range in EUR
    budget: str = ""  # "fits", "above", "below"; "" when the actor gave no budget
    feedback: int = 0  # +1 like calls marked relevant, -1 like dismissed ones
    partner_on_single: bool = False
    kind: str = ""  # type of action, for the organisation-type lift
    lift: float | None = None
    deadline: date | None = None  # the next deadline on the day of scoring

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, field by field: `dataclasses.asdict` deep-copies every value, which
        took a fifth of a full re-score at 125,000 matches."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data["points"] = dict(self.points)
        data["themes"] = [{"name": t.name, "terms": t.terms} for t in self.themes]
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        """Evidence from its stored dict; an empty dict (an older row) gives empty evidence."""
        return cls(
            points=tuple((str(k), float(v)) for k, v in data.get("points", {}).items()),
            words=tuple(data.get("words", ())),
            themes=tuple(ThemeReason(t["name"], tuple(t["terms"])) for t in data.get("themes", ())),
            projects=tuple(data.get("projects", ())),
            programme=data.get("programme", ""),
            same_programme=int(data.get("same_programme", 0)),
            interest=bool(data.get("interest", False)),
            grant=tuple(data["grant"]) if data.get("grant") else None,
            budget=data.get("budget", ""),
            feedback=int(data.get("feedback", 0)),
            partner_on_single=bool(data.get("partner_on_single", False)),
            kind=data.get("kind", ""),
            lift=data.get("lift"),
            deadline=date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
        )


def silent_terms(index: MatchIndex) -> npt.NDArray[np.bool_]:
    """Per vocabulary term: too common among the calls or the profiles to explain a match, or
    an exact word (its stem speaks for it, in the profile's own word)."""
    common = index.model.exact.copy()
    if len(index.calls) >= MIN_DOCUMENTS:
        common |= np.asarray(index.model.idf) < 1.0 + math.log(1.0 / COMMON_SHARE)
    if len(index.actors) >= MIN_DOCUMENTS:
        profiles = index.actor_matrix()
        df = np.bincount(profiles.indices, minlength=index.model.size)
        common |= df > COMMON_SHARE * profiles.shape[0]
    return common


def shared_words(
    index: MatchIndex, product: Matrix, actors: Sequence[ActorFacts]
) -> list[tuple[str, ...]]:
    """Per row of a pairs x vocabulary product (one actor per row): the informative terms adding
    most to the cosine, in the actor's own words."""
    data = product.data * ~silent_terms(index)[product.indices]
    counts = np.diff(product.indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-data, rows))
    rank = np.arange(len(order)) - np.repeat(product.indptr[:-1], counts)
    # Twice the words shown: a Finnish word gives several terms ("biokaasu", "biogas").
    top = order[(rank < 2 * MAX_WORDS) & (data[order] > 0)]
    ranked: list[list[int]] = [[] for _ in counts]
    for r, term in zip(rows[top].tolist(), product.indices[top].tolist(), strict=True):
        ranked[r].append(term)
    known: dict[int, dict[int, str]] = {}  # id of an actor's facts -> its own words
    out = []
    for terms, actor in zip(ranked, actors, strict=True):
        if id(actor) not in known:
            known[id(actor)] = _profile_words(index, actor.profile)
        own = known[id(actor)]
        words = dict.fromkeys(own.get(t) or index.model.display[t] for t in terms)
        out.append(tuple(words)[:MAX_WORDS])
    return out


def _profile_words(index: MatchIndex, profile: Profile) -> dict[int, str]:
    """Vocabulary term -> the profile's own word giving it most weight: "recycling" itself
    rather than the Finnish word one of whose senses it is."""
    vocabulary, cache = index.model.vocabulary, index.model.stem_cache
    best: dict[int, tuple[float, str]] = {}
    for text in profile_fields(profile):
        for term, (weight, word) in cache.text_words(text).items():
            t = vocabulary.get(term)
            if t is not None and weight > best.get(t, (0.0, ""))[0]:
                best[t] = (weight, word)
    return {t: word for t, (_, word) in best.items()}


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
    index: MatchIndex,
    actor: ActorFacts,
    call: CallFacts,
    parts: Mapping[str, float],
    points: Mapping[str, float],
    words: tuple[str, ...],
    projects: tuple[str, ...],
    deadline: date | None,
) -> Evidence:
    """Collect what one match rests on: `parts` are its components, `points` their shares."""
    chosen = actor.profile.themes
    lift = index.priors.lift(eligibility_type(actor.profile.org_type), call.kind)
    feedback = parts.get("feedback", 0.0)
    return Evidence(
        points=tuple((k, points[k]) for k in COMPONENTS if k in points),
        words=words,
        themes=tuple(
            ThemeReason(t.theme, t.keywords[:MAX_THEME_TERMS])
            for t in call.tags
            if t.theme in chosen
        ),
        projects=projects,
        programme=call.prefix,
        same_programme=actor.past_prefixes.get(call.prefix, 0) if call.prefix else 0,
        interest=parts.get("interest") == 1.0,
        grant=call.grant,
        budget=_budget(call.grant, parts.get("budget"), actor.profile.budget_max_eur),
        feedback=(feedback >= FEEDBACK_SAID) - (feedback <= -FEEDBACK_SAID),
        partner_on_single=parts.get("role", 1.0) < 0.5,
        kind=call.kind,
        lift=None if lift is None else round(lift, 1),
        deadline=deadline,
    )


def _budget(grant: tuple[float, float] | None, fit: float | None, budget_max: int | None) -> str:
    if grant is None or fit is None:
        return ""
    if fit >= 0.99:
        return "fits"
    return "above" if grant[0] > (budget_max or np.inf) else "below"


# --- told in words ------------------------------------------------------------------------------

COMPONENT_NAMES: dict[Language, dict[str, str]] = {
    "en": {
        "text": "text",
        "theme": "themes",
        "past": "past projects",
        "interest": "programmes of interest",
        "org_fit": "organisation type",
        "budget": "budget",
        "role": "role",
        "time": "time",
        "feedback": "feedback",
    },
    "fi": {
        "text": "teksti",
        "theme": "teemat",
        "past": "aiemmat hankkeet",
        "interest": "kiinnostavat ohjelmat",
        "org_fit": "organisaatiotyyppi",
        "budget": "budjetti",
        "role": "rooli",
        "time": "aika",
        "feedback": "palaute",
    },
}
TEXTS: dict[Language, dict[str, str]] = {
    "en": {
        "score": "Score",
        "words": "Shared words: {}.",
        "theme": "Your Smart Häme theme {}: {}.",
        "projects": "Similar past projects: {}.",
        "programme": "{} earlier projects of yours in {}.",
        "programme_1": "1 earlier project of yours in {}.",
        "interest": "In your programmes of interest.",
        "grant": "Grant size {}.",
        "fits": "Grant size {} fits your budget.",
        "above": "Grant size {} is above your budget.",
        "below": "Grant size {} is below your budget or beyond your co-financing.",
        "liked": "Like calls you marked relevant.",
        "disliked": "Like calls you marked not relevant.",
        "partner": "Single-applicant call, though you prefer a partner role.",
        "org_fit": "Organisations like yours join {} actions often ({}x).",
        "days": "{} days left (deadline {}).",
        "days_1": "1 day left (deadline {}).",
        "today": "The deadline is today ({}).",
        "passed": "The deadline {} has passed.",
        "million": "EUR {} million",
    },
    "fi": {
        "score": "Pisteet",
        "words": "Yhteiset sanat: {}.",
        "theme": "Älykäs Häme -teemanne {}: {}.",
        "projects": "Samankaltaiset aiemmat hankkeet: {}.",
        "programme": "Teillä on {} aiempaa hanketta ohjelmassa {}.",
        "programme_1": "Teillä on 1 aiempi hanke ohjelmassa {}.",
        "interest": "Kuuluu kiinnostaviin ohjelmiinne.",
        "grant": "Avustuksen koko {}.",
        "fits": "Avustuksen koko {} sopii budjettiinne.",
        "above": "Avustuksen koko {} ylittää budjettinne.",
        "below": "Avustuksen koko {} jää alle budjettinne tai omarahoitus ei riitä.",
        "liked": "Muistuttaa hakuja, jotka merkitsitte kiinnostaviksi.",
        "disliked": "Muistuttaa hakuja, jotka merkitsitte epäkiinnostaviksi.",
        "partner": "Yksin haettava, vaikka toivotte kumppanin roolia.",
        "org_fit": "Kaltaisenne organisaatiot osallistuvat {}-hankkeisiin usein ({}-kertaisesti).",
        "days": "Aikaa {} päivää (määräaika {}).",
        "days_1": "Aikaa 1 päivä (määräaika {}).",
        "today": "Määräaika on tänään ({}).",
        "passed": "Määräaika {} on mennyt.",
        "million": "{} milj. euroa",
    },
}


@dataclass(frozen=True, slots=True)
class Explanation:
    """A match told in one language: the score's shares and the reasons."""

    shares: str  # "Text 48 %, themes 20 %, time 10 %, feedback −8 %"
    reasons: tuple[str, ...] = field(default=())
    label: str = "Score"

    @property
    def text(self) -> str:
        """Shares and reasons as one paragraph."""
        head = [f"{self.label}: {self.shares}."] if self.shares else []
        return " ".join([*head, *self.reasons])


def explain(
    ev: Evidence, language: Language, today: date, themes: Mapping[str, Theme]
) -> Explanation:
    """The match told in `language` on `today` (days left are counted now, not when scored)."""
    say = TEXTS[language]
    amount = money(*ev.grant, language) if ev.grant else ""
    reasons = (
        say["words"].format(", ".join(ev.words)) if ev.words else None,
        *(
            say["theme"].format(themes[t.name].label(language), ", ".join(t.terms))
            for t in ev.themes
            if t.name in themes and t.terms
        ),
        say["projects"].format(", ".join(ev.projects)) if ev.projects else None,
        _programme(say, ev.same_programme, ev.programme),
        say["interest"] if ev.interest else None,
        say[ev.budget or "grant"].format(amount) if ev.grant else None,
        say["liked"] if ev.feedback > 0 else say["disliked"] if ev.feedback < 0 else None,
        say["partner"] if ev.partner_on_single else None,
        say["org_fit"].format(ev.kind, f"{ev.lift:.1f}".replace(".", _decimal(language)))
        if ev.lift is not None and ev.lift >= MIN_LIFT
        else None,
        _time(say, language, ev.deadline, today),
    )
    return Explanation(
        shares=shares(ev, language), reasons=tuple(r for r in reasons if r), label=say["score"]
    )


def shares(ev: Evidence, language: Language) -> str:
    """Each component that counts with its signed share: "Text 48 %, feedback −8 %"."""
    names = COMPONENT_NAMES[language]
    said = [(names[k], round(v)) for k, v in ev.points if round(v)]
    text = ", ".join(f"{name} {value}\u00a0%".replace("-", "\u2212") for name, value in said)
    return text[:1].upper() + text[1:]


def _programme(say: dict[str, str], n: int, programme: str) -> str | None:
    if not n:
        return None
    return say["programme_1"].format(programme) if n == 1 else say["programme"].format(n, programme)


def _time(
    say: dict[str, str], language: Language, deadline: date | None, today: date
) -> str | None:
    if deadline is None:
        return None
    day = dates.format_date(deadline, "long", locale=DATE_LOCALES[language])
    left = (deadline - today).days
    if left < 0:
        return say["passed"].format(day)
    if left == 0:
        return say["today"].format(day)
    return say["days_1"].format(day) if left == 1 else say["days"].format(left, day)


def _decimal(language: Language) -> str:
    return "," if language == "fi" else "."


def money(low: float, high: float, language: Language) -> str:
    """A grant range such as `EUR 0.5-2 million` or `0,5-2 milj. euroa`."""

    def num(value: float) -> str:
        """Millions with up to two decimals."""
        return f"{value / 1e6:.2f}".rstrip("0").rstrip(".").replace(".", _decimal(language))

    span = num(low) if low == high else f"{num(low)}-{num(high)}"
    return TEXTS[language]["million"].format(span)
