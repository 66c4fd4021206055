"""Where calls come from: one module per source, each with fetch() and a pure parse()."""

from scrapers.eu_grants_feed import EuGrantsFeed
from scrapers.eura2021 import Eura2021
from scrapers.euro_access import EuroAccess
from scrapers.ft_bulk import FtBulk
from scrapers.ft_search import FtSearch
from scrapers.haeavustuksia import Haeavustuksia
from scrapers.interreg import Interreg

# The order is the merge priority: a field comes from the first source that has it
# (descriptions: the longest text wins, see tracker/merge.py).
SOURCES = (FtSearch, FtBulk, EuGrantsFeed, Eura2021, Haeavustuksia, Interreg, EuroAccess)


def source_class(name: str) -> type:
    """The registered source class of that name; KeyError names the known ones."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.name for s in SOURCES)}")
