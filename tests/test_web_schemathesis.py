"""Property-based requests generated from the OpenAPI spec: whatever the fields and files hold,
the API answers with a status it documents, in the shape it documents, and never a server error."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, positive_data_acceptance  # noqa: E402

from sodcheck.web.app import create_app  # noqa: E402

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(max_upload_mb=1))
token_schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(token="t0ken", max_upload_mb=1),
                                              headers={"authorization": "Bearer t0ken"})


# Random bytes are schema-valid files but not staffing sheets: refusing them with 422 is the point,
# so the check that schema-valid data is always accepted does not apply to this API.
@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_requests(case):
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@token_schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_with_a_token_never_fails(case):
    for headers in ({}, {"authorization": "Bearer t0ken"}, {"x-sodcheck-token": "wrong"}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (response.status_code, response.text[:200])
        if not headers.get("authorization") and case.path != "/healthz":
            assert response.status_code == 401
        if headers.get("authorization"):
            case.validate_response(response, checks=[not_a_server_error])
