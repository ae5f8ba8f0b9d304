"""The committed OpenAPI schema (docs/openapi.json) must match the code; regenerate it with
`unstuck export_openapi_schema --api unstuck.api.api --output docs/openapi.json --indent 2 --sorted`."""

import json
from pathlib import Path

from unstuck.api import api

COMMITTED = Path(__file__).resolve().parents[4] / "docs" / "openapi.json"


def generated() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))


def test_the_committed_schema_matches_the_code():
    assert COMMITTED.exists(), "docs/openapi.json is missing: export it (see this module's docstring)"
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == generated(), (
        "the API changed: re-export docs/openapi.json (see this module's docstring) and commit it"
    )


def test_every_field_and_operation_is_described():
    schema = generated()
    undocumented = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undocumented == []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), f"{method.upper()} {path}"
