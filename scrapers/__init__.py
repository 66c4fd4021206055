"""Where calls come from: one module per source, each with fetch() and a pure parse()."""

from scrapers.ft_bulk import FtBulk
from scrapers.ft_search import FtSearch

SOURCES = (FtSearch, FtBulk)


def source_class(name: str) -> type:
    """The registered source class of that name; KeyError names the known ones."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.name for s in SOURCES)}")
