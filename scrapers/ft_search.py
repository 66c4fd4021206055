"""EU Funding & Tenders search API (SEDIA): placeholder until the parser lands."""

from dataclasses import dataclass

from scrapers.base import SourceSettings


@dataclass
class FtSearchSettings(SourceSettings):
    url: str = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"


class FtSearch:
    name = "ft_search"
    Settings = FtSearchSettings
