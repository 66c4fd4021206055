"""Schemathesis, a peer's test tool, against the JSON API in-process, on both engines.

It reads the app's own OpenAPI document and sends valid and invalid requests to every
operation; each answer must not be a server error and must agree with the document: a status
code it declares, of the content type and shape it declares.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from tests.webapp.conftest import rescore
from tracker.accounts import issue_api_token

CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]
EXAMPLES = 300  # a bounded run: about ten seconds per engine


def test_the_api_keeps_to_its_openapi_document(app, session, settings, people, calls):
    """Real calls and a member's real matches; requests of staff, a member and no one."""
    rescore(session, settings, people["actor"])
    tokens = [issue_api_token(session, people[role]) for role in ("staff", "member")]
    session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    call_ids = [call.id for call in calls.values()]
    actor_ids = [people["actor"].id, people["other_actor"].id]
    cases = st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE),
        schema.as_strategy(GenerationMode.NEGATIVE),
        # ids that have rows, so that answers with content are checked as well
        _with_ids(schema["/api/calls/{call_id}"]["GET"], "call_id", call_ids),
        _with_ids(schema["/api/actors/{actor_id}/matches"]["GET"], "actor_id", actor_ids),
    )

    @given(case=cases, token=st.sampled_from(tokens))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    def request_and_check(case, token):
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    request_and_check()


def _with_ids(operation, name: str, ids: list[int]):
    return st.sampled_from(ids).flatmap(
        lambda id_: operation.as_strategy(path_parameters={name: id_})
    )
