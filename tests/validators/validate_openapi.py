"""Validates the server's OpenAPI document against the OpenAPI 3.1 specification's schema
(openapi-spec-validator), and checks that it is 3.1.x with at least one operation.

    .venv/bin/python tests/validators/validate_openapi.py openapi.json

scripts/test writes the file with the ignored test `dump_openapi_document` (bb-testkit).
"""

import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: validate_openapi.py OPENAPI_JSON", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    version = doc.get("openapi", "")
    if not version.startswith("3.1."):
        print(f"openapi: expected 3.1.x, got {version!r}", file=sys.stderr)
        return 1
    try:
        validate(doc)
    except OpenAPIValidationError as e:
        print(f"invalid OpenAPI document: {e}", file=sys.stderr)
        return 1
    operations = sum(
        1
        for item in doc.get("paths", {}).values()
        for method in ("get", "post", "put", "delete", "patch")
        if method in item
    )
    if operations == 0:
        print("no operations", file=sys.stderr)
        return 1
    print(f"openapi: {version}, {len(doc['paths'])} paths, {operations} operations: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
