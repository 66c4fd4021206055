"""Facts derived from a call: status and deadline on a given day, keys, kind, content hash."""

import dataclasses
from datetime import date

import pytest

from matcher.calls import (
    CallInput,
    action_kind,
    call_hash,
    for_applicant,
    identifier_prefix,
    is_single_applicant,
    normalise_topic_id,
    theme_series,
    topic_series,
)
from tests.matcher.conftest import TODAY


def test_status_is_computed_from_dates(feed):
    forthcoming = feed["HORIZON-CL6-2027-02-FARM2FORK-08"]  # opens 2027-04-20
    open_call = feed["HORIZON-CL5-2026-11-D3-14"]  # 2026-08-04 .. 2026-12-01
    assert for_applicant(forthcoming, TODAY, 14).status == "forthcoming"
    assert for_applicant(open_call, TODAY, 14).status == "open"
    assert for_applicant(open_call, date(2026, 12, 2), 14).status == "closed"
    continuous = dataclasses.replace(open_call, deadlines=())
    assert for_applicant(continuous, date(2030, 1, 1), 14).status == "open"


@pytest.mark.parametrize(
    ("identifier", "prefix", "series"),
    [
        ("HORIZON-CL6-2022-FARM2FORK-01-11", "HORIZON-CL6", "HORIZON-CL6|FARM2FORK-1-11"),
        ("HORIZON-MSCA-2023-PF-01-01", "HORIZON-MSCA", "HORIZON-MSCA|PF-1-1"),
        ("ERC-2023-STG", "ERC", "ERC|STG"),
        ("LIFE-2024-SAP-ENV", "LIFE", "LIFE|SAP-ENV"),
        (
            "HORIZON-WIDERA-2022-ACCESS-01-01-two-stage",
            "HORIZON-WIDERA",
            "HORIZON-WIDERA|ACCESS-1-1",
        ),
        ("va-lou-2026-5", "VA-LOU", "VA-LOU|5"),
        ("ESAELY-002", "", ""),
    ],
)
def test_prefix_and_series_of_identifiers(identifier, prefix, series):
    assert identifier_prefix(identifier) == prefix
    assert topic_series(identifier) == series


@pytest.mark.parametrize(
    ("later", "earlier", "series"),
    [  # a topic of the F&T feed (2026-2027 work programme) and one of CORDIS's funded topics
        (
            "HORIZON-CL6-2027-02-FARM2FORK-08",
            "HORIZON-CL6-2022-FARM2FORK-01-11",
            "HORIZON-CL6|FARM2FORK",
        ),
        ("HORIZON-CL5-2026-11-D3-14", "HORIZON-CL5-2021-D3-01-02", "HORIZON-CL5|D3"),
        ("HORIZON-CL4-2025-04-DATA-03", "HORIZON-CL4-2021-DATA-01-05", "HORIZON-CL4|DATA"),
        ("HORIZON-JU-CBE-2026-IA-05", "HORIZON-JU-CBE-2022-IA-01", "HORIZON-JU-CBE|IA"),
        ("HORIZON-MSCA-2027-DN-01-01", "HORIZON-MSCA-2022-DN-01-01", "HORIZON-MSCA|DN"),
        ("HORIZON-CL6-2027-01-BIODIV-07", "HORIZON-CL6-2023-BIODIV-01-11", "HORIZON-CL6|BIODIV"),
        ("HORIZON-CL5-2027-04-Two-Stage-D5-09", "HORIZON-CL5-2022-D5-01-07", "HORIZON-CL5|D5"),
    ],
)
def test_a_later_topic_joins_the_series_of_earlier_topics_of_its_theme(later, earlier, series):
    assert theme_series(later) == theme_series(earlier) == series


@pytest.mark.parametrize(
    ("identifier", "series"),
    [  # funded topics of CORDIS
        ("HORIZON-CL4-2022-DIGITAL-EMERGING-02-17", "HORIZON-CL4|DIGITAL-EMERGING"),
        ("HORIZON-SESAR-2022-DES-ER-01-WA1-2", "HORIZON-SESAR|DES-ER"),
        ("HORIZON-JU-CBE-2022-IAFlag-01", "HORIZON-JU-CBE|IAFLAG"),
        ("HORIZON-JTI-CLEANH2-2022-04-01", "HORIZON-JTI-CLEANH2|"),
        ("ERC-2022-COG", "ERC|COG"),
        ("HORIZON-WIDERA-2022-ACCESS-01-01-two-stage", "HORIZON-WIDERA|ACCESS"),
        ("ESAELY-002", ""),
    ],
)
def test_theme_series_of_identifiers(identifier, series):
    assert theme_series(identifier) == series


def test_normalise_topic_id_as_the_benchmark_readme():
    assert (
        normalise_topic_id("HORIZON-CL6-2022-FARM2FORK-01-11") == "HORIZON-CL6-2022-FARM2FORK-1-11"
    )
    assert normalise_topic_id(" horizon  cl6--2022 ") == "HORIZON-CL6-2022"


@pytest.mark.parametrize(
    ("type_of_action", "identifier", "kind"),
    [
        ("HORIZON-RIA", "HORIZON-CL6-2023-FARM2FORK-1-2", "RIA"),
        ("HORIZON-JU-IA", "HORIZON-JU-CBE-2023-IA-1", "JU-IA"),
        ("HORIZON Innovation Actions", "HORIZON-CL5-2027-07-D3-16", "IA"),
        ("HORIZON  Research and Innovation Actions", "HORIZON-CL6-2027-02-CLIMATE-03", "RIA"),
        ("HORIZON Coordination and Support Actions", "HORIZON-CL6-2027-02-FARM2FORK-09", "CSA"),
        ("HORIZON-COFUND", "HORIZON-CL6-2023-FARM2FORK-1-2", "COFUND"),
        ("", "HORIZON-MSCA-2023-PF-1-1", "HORIZON-MSCA"),
        ("HORIZON TMA MSCA Doctoral Networks", "HORIZON-MSCA-2027-DN-01-01", "HORIZON-MSCA"),
        ("LIFE Project Grants", "LIFE-2026-SAP-ENV-ENVIRONMENT", "LIFE"),
        ("Regional development grant", "ESAELY-002", "REGIONAL DEVELOPMENT GRANT"),
    ],
)
def test_action_kind(type_of_action, identifier, kind):
    assert action_kind(type_of_action, identifier) == kind


def test_single_applicant_calls():
    def call(identifier, **kw):
        return CallInput(id=identifier, identifier=identifier, title="t", **kw)

    assert is_single_applicant(call("ERC-2023-STG"))
    assert is_single_applicant(call("HORIZON-MSCA-2023-PF-1-1"))
    assert not is_single_applicant(call("HORIZON-MSCA-2023-DN-1-1"))
    assert not is_single_applicant(call("HORIZON-CL6-2023-FARM2FORK-1-2"))
    assert not is_single_applicant(call("ERC-2023-SYG", single_applicant=False))


def test_content_hash_changes_with_content_only(feed):
    call = feed["HORIZON-CL6-2027-02-FARM2FORK-08"]
    assert call_hash(call) == call_hash(dataclasses.replace(call, id="another-row"))
    assert call_hash(call) != call_hash(dataclasses.replace(call, deadlines=(date(2027, 10, 1),)))
    assert call_hash(call) != call_hash(dataclasses.replace(call, description="Changed scope."))
    assert call_hash(dataclasses.replace(call, content_hash="v7")) == "v7"
