"""Finnish words read as base forms and word roots, by Voikko's morphology."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import libvoikko

PROPER_NAMES = ("nimi", "etunimi", "sukunimi", "paikannimi")
INSTALL_HINT = "Finnish analysis needs Debian's libvoikko1 and voikko-fi: run `make install`"
# "+valtion(valtio)+avust(avustaa)+us(+us)": a surface piece, then its root in brackets;
# a root starting with "+" is a suffix, a piece without brackets a bound prefix ("bio").
_WORDBASE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")


class FinnishUnavailable(RuntimeError):
    """Voikko or its Finnish morphology is not installed."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a Finnish word: its base form and the roots it is built of."""

    base: str  # "kiertotalous" for "kiertotaloudessa"
    roots: tuple[str, ...] = ()  # ("kiertää", "talous"); compound parts and derivation roots


@cache
def _voikko() -> Any:
    try:
        return libvoikko.Voikko("fi")
    except (OSError, libvoikko.VoikkoException) as error:
        raise FinnishUnavailable(f"{INSTALL_HINT} ({error})") from error


@cache
def readings(word: str) -> tuple[Reading, ...]:
    """Voikko's readings of a lower-case word, common nouns before names; () when unknown."""
    analyses = _voikko().analyze(word)
    common = [a for a in analyses if a.get("CLASS") not in PROPER_NAMES]
    out = dict.fromkeys(_reading(a, word) for a in common or analyses)
    return tuple(out)


def _reading(analysis: dict[str, str], word: str) -> Reading:
    base = str(analysis.get("BASEFORM") or word).lower()
    roots = []
    for piece, root in _WORDBASE.findall(str(analysis.get("WORDBASES") or "")):
        if root and not root.startswith("+"):
            roots.append(root.lower())
        elif not root and len(piece) > 1:
            roots.append(piece.lower())
    return Reading(base, tuple(r for r in roots if r != base))
