"""EU Funding & Tenders bulk reference file: placeholder until the parser lands."""

from dataclasses import dataclass

from scrapers.base import SourceSettings


@dataclass
class FtBulkSettings(SourceSettings):
    url: str = "https://ec.europa.eu/info/funding-tenders/opportunities/data/referenceData/grantsTenders.json"


class FtBulk:
    name = "ft_bulk"
    Settings = FtBulkSettings
