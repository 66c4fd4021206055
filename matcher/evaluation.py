"""The matching benchmark: rank every candidate topic for every case and measure the ranking."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matcher.benchdata import (
    case_profile,
    coldstart_profile,
    history_priors,
    is_coldstart,
    topic_call,
    topic_titles,
)
from matcher.engine import score_matrix
from matcher.index import build_index
from matcher.settings import MatchSettings, Priors

METRICS = ("recall@10", "recall@50", "MRR", "nDCG@10")
BOTTOM_UP = ("ERC", "MSCA", "EIC", "EIT")  # families the thematic view leaves out


def case_metrics(ranked: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    """recall@10, recall@50, MRR and nDCG@10 of one ranking, as the benchmark README defines."""
    rel = set(relevant)
    hits = [t in rel for t in ranked]
    n = len(rel)
    first = next((i for i, h in enumerate(hits) if h), None)
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits[:10]))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(n, 10)))
    return {
        "recall@10": sum(hits[:10]) / n,
        "recall@50": sum(hits[:50]) / n,
        "MRR": 0.0 if first is None else 1 / (first + 1),
        "nDCG@10": dcg / idcg,
    }


def mean_metrics(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Macro average over cases, rounded to 4 decimals."""
    return {m: round(float(np.mean([r[m] for r in rows])), 4) for m in METRICS}


def default_data_dir(topics_path: Path) -> Path | None:
    """shared/data next to shared/bench/matching/topics.json, when it is there."""
    candidate = topics_path.resolve().parent.parent.parent / "data"
    return candidate if (candidate / "cordis").is_dir() else None


def rankings(
    cases: Sequence[Mapping[str, Any]],
    topics: Mapping[str, Mapping[str, Any]],
    data_dir: Path | None,
    settings: MatchSettings | None = None,
) -> list[list[str]]:
    """Every case's ranking of all topics, best first; `relevant_topics` is never read.

    Cold-start cases (a description, no past projects) are profiles as the web form makes them.
    """
    coldstart = is_coldstart(cases)
    titles = topic_titles(data_dir) if data_dir else None
    priors = history_priors(data_dir) if data_dir else Priors()
    calls = [topic_call(topics[k]) for k in sorted(topics)]
    profiles = [coldstart_profile(c) if coldstart else case_profile(c, titles) for c in cases]
    index = build_index(calls, profiles, settings=settings, priors=priors)
    # No `today`: the topics are from 2023, so no date filter applies and time is neutral.
    scores, _ = score_matrix(index, today=None)
    ids = np.array([c.identifier for c in calls])
    # Highest score first; equal scores in ascending topic id, as the baselines do.
    return [list(ids[np.lexsort((ids, -row.astype(np.float64)))]) for row in scores]


def evaluate(
    cases_path: Path | str,
    topics_path: Path | str,
    data_dir: Path | str | None = None,
    settings: MatchSettings | None = None,
    limit: int | None = None,
    history: bool = True,
) -> dict[str, Any]:
    """Benchmark metrics on all cases and on the thematic view, JSON-ready.

    With `history`, CORDIS 2021-2022 statistics from `data_dir` (default: shared/data beside
    the benchmark) give organisation-type priors and titles of projects beyond profile_text.
    """
    cases = json.loads(Path(cases_path).read_text(encoding="utf-8"))[:limit]
    topics = json.loads(Path(topics_path).read_text(encoding="utf-8"))
    data = Path(data_dir) if data_dir else default_data_dir(Path(topics_path))
    # A newcomer is ranked without CORDIS history, as production ranks one.
    data = data if history and not is_coldstart(cases) else None
    ranked = rankings(cases, topics, data, settings)
    bottom_up = {k for k, t in topics.items() if t.get("family") in BOTTOM_UP}
    everything, thematic = [], []
    for case, order in zip(cases, ranked, strict=True):
        everything.append(case_metrics(order, case["relevant_topics"]))
        relevant = [t for t in case["relevant_topics"] if t not in bottom_up]
        if relevant:
            thematic.append(case_metrics([t for t in order if t not in bottom_up], relevant))
    out: dict[str, Any] = {
        "all": {"cases": len(everything), **mean_metrics(everything)},
        "thematic": {"cases": len(thematic), **mean_metrics(thematic)},
    }
    by_language: dict[str, list[dict[str, float]]] = {}
    for case, metrics in zip(cases, everything, strict=True):
        if case.get("language"):
            by_language.setdefault(case["language"], []).append(metrics)
    if by_language:
        out["languages"] = {
            lang: {"cases": len(rows), **mean_metrics(rows)}
            for lang, rows in sorted(by_language.items())
        }
    return {**out, "candidates": len(topics), "history": str(data) if data else None}
