"""Validate every FHIR R4 JSON file in a folder with fhir.resources 6.4.0 (exact R4).

Usage: python validate_fhir.py DIR. Each file holds one resource (a Bundle's entries are
validated as part of it). Prints one line per invalid file and exits 1 if any is invalid.
"""
import json
import pathlib
import sys

from fhir.resources import construct_fhir_element


def main(folder: str) -> int:
    files = sorted(pathlib.Path(folder).glob("*.json"))
    if not files:
        print(f"validate_fhir.py: no JSON files in {folder}", file=sys.stderr)
        return 1
    bad = 0
    for path in files:
        data = json.loads(path.read_text())
        try:
            construct_fhir_element(data["resourceType"], data)
        except Exception as error:  # pydantic.ValidationError and friends
            bad += 1
            print(f"{path.name}: {error}".replace("\n", " | ")[:2000])
    print(f"fhir.resources 6.4.0: {len(files) - bad} valid, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
