"""Finland's regions (maakunnat) by the code EURA 2021 uses, and their NUTS 2021 level-3 codes."""

from __future__ import annotations

from scrapers.eligibility import KANTA_HAME

# code: (Finnish name as EURA's koodisto spells it, NUTS 2021 code). Åland (21) has a
# programme of its own and never appears in EURA.
MAAKUNNAT = {
    "01": ("Uusimaa", "FI1B1"),
    "02": ("Varsinais-Suomi", "FI1C1"),
    "04": ("Satakunta", "FI196"),
    "05": ("Kanta-Häme", KANTA_HAME),
    "06": ("Pirkanmaa", "FI197"),
    "07": ("Päijät-Häme", "FI1C3"),
    "08": ("Kymenlaakso", "FI1C4"),
    "09": ("Etelä-Karjala", "FI1C5"),
    "10": ("Etelä-Savo", "FI1D1"),
    "11": ("Pohjois-Savo", "FI1D2"),
    "12": ("Pohjois-Karjala", "FI1D3"),
    "13": ("Keski-Suomi", "FI193"),
    "14": ("Etelä-Pohjanmaa", "FI194"),
    "15": ("Pohjanmaa", "FI195"),
    "16": ("Keski-Pohjanmaa", "FI1D5"),
    "17": ("Pohjois-Pohjanmaa", "FI1D9"),
    "18": ("Kainuu", "FI1D8"),
    "19": ("Lappi", "FI1D7"),
}


def nuts3(codes: list[str]) -> tuple[str, ...]:
    """NUTS-3 codes of the regions among these maakunta codes, in their order; the area codes
    ("valtakunnallinen", "ylimaakunnallinen/KA") name no region and are left out."""
    return tuple(dict.fromkeys(MAAKUNNAT[code][1] for code in codes if code in MAAKUNNAT))
