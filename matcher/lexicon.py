"""Finnish base forms to English words: FreeDict's Finnish-English dictionary and a glossary.

The dictionary is Debian's `dict-freedict-fin-eng` (FreeDict/WikDict, CC BY-SA 3.0), read in
place from its dictd files. The glossary (`glossary.toml` beside this module) holds the terms
of EU funding and of the Smart Häme themes that a general dictionary lacks or gets wrong.
"""

from __future__ import annotations

import gzip
import re
import tomllib
from functools import cache
from pathlib import Path

DICTIONARY = Path("/usr/share/dictd/freedict-fin-eng")
GLOSSARY = Path(__file__).with_name("glossary.toml")
_B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_SENSE_NUMBER = re.compile(r"(?:^| )\d+\.(?= |\n|$)", re.MULTILINE)
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
INSTALL_HINT = (
    "the Finnish-English dictionary needs Debian's dict-freedict-fin-eng: run `make install`"
)


class LexiconUnavailable(RuntimeError):
    """The dictionary files are not installed."""


def _offset(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def parse_entry(entry: str) -> tuple[str, ...]:
    """The English senses of one dictd entry, first sense first: "1. battery\\n<Finnish gloss>"."""
    body = entry.split("\n", 1)[1] if "\n" in entry else ""
    senses: list[str] = []
    for chunk in _SENSE_NUMBER.split(body):
        chunk = chunk.removeprefix(" ")
        if not chunk or chunk.startswith("\n"):  # a sense with a Finnish gloss only
            continue
        line = _BRACKETS.sub(" ", chunk.split("\n", 1)[0])
        senses.extend(s.strip() for s in line.split(",") if s.strip())
    return tuple(dict.fromkeys(senses))


class Dictionary:
    """Finnish headword -> English senses from dictd `.index` and `.dict.dz` files.

    The index is read at once; an entry is parsed only when its word is first looked up.
    """

    def __init__(self, path: Path) -> None:
        index, data = path.with_suffix(".index"), path.with_suffix(".dict.dz")
        if not index.exists() or not data.exists():
            raise LexiconUnavailable(f"{INSTALL_HINT} ({index} not found)")
        self._text = gzip.decompress(data.read_bytes())
        self._where: dict[str, list[tuple[int, int]]] = {}
        for line in index.read_text(encoding="utf-8").splitlines():
            word, start, length = line.split("\t")
            if not word.startswith("00database"):
                self._where.setdefault(word.lower(), []).append((_offset(start), _offset(length)))
        self._senses: dict[str, tuple[str, ...]] = {}

    def get(self, word: str) -> tuple[str, ...]:
        """The senses of a headword, every entry of it in order; () when it is not listed."""
        if word not in self._senses:
            entries = (self._text[a : a + n].decode("utf-8") for a, n in self._where.get(word, ()))
            senses = (s for entry in entries for s in parse_entry(entry))
            self._senses[word] = tuple(dict.fromkeys(senses))
        return self._senses[word]


@cache
def dictionary(path: Path = DICTIONARY) -> Dictionary:
    """The Finnish-English dictionary, read once per process."""
    return Dictionary(path)


@cache
def glossary(path: Path = GLOSSARY) -> dict[str, tuple[str, ...]]:
    """The project's own Finnish base form -> English terms."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {k.lower(): tuple(s.strip() for s in v.split(",")) for k, v in table["terms"].items()}


def english(base: str) -> tuple[str, ...]:
    """English senses of a Finnish base form, best first: the glossary's, else the dictionary's."""
    return glossary().get(base) or dictionary().get(base)
