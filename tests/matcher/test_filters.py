"""One eligibility rule: the vectorised filter agrees with `admits` for every applicant."""

from types import SimpleNamespace

import numpy as np

from matcher.filters import admits, eligible

APPLICANTS = [
    ("FI", "FI1C2", "sme"),  # a Kanta-Häme company
    ("FI", "FI1D7", "public"),  # Lapland
    ("SE", "SE110", "research"),
    ("ES", "ES111", "ngo"),
]
RULES = [
    ((), (), ()),
    (("FI",), (), ()),
    (("FI", "SE"), ("SE11",), ()),  # Sweden limited to a region, Finland whole
    (("FI",), ("FI1D7",), ()),  # Finland limited to Lapland
    ((), ("FI1C", "ES11"), ()),
    (("ES", "FR", "PT"), ("ES11",), ("ngo", "public")),
    ((), (), ("sme",)),
]


def test_vectorised_filter_agrees_with_admits():
    arrays = SimpleNamespace(
        country=np.array([a[0] for a in APPLICANTS]),
        nuts3=np.array([a[1] for a in APPLICANTS]),
        eligibility=np.array([a[2] for a in APPLICANTS]),
    )
    for rule in RULES:
        expected = [admits(rule, *applicant) for applicant in APPLICANTS]
        assert eligible(arrays, rule).tolist() == expected, rule


def test_a_country_listed_alone_admits_all_of_it():
    hame = APPLICANTS[0]
    assert admits((("FI", "SE"), ("SE11",), ()), *hame)
    assert not admits((("FI",), ("FI1D7",), ()), *hame)
    assert admits(((), ("FI1C",), ()), *hame)
    assert not admits((("ES", "FR", "PT"), ("ES11",), ()), *hame)
    assert [admits(((), (), ("sme",)), *a) for a in APPLICANTS] == [True, False, False, False]
