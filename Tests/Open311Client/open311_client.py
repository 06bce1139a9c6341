"""Drives a real Open311 client, the `georeport` package (PyPI), against Whistle's GeoReport v2.

Usage: open311_client.py ROOT [JURISDICTION] < calls.json

`calls.json` is a JSON array of {"name", "method", "args"}: `method` is a method of
georeport.GeoReport (get_service_list, get_service_definition, get_service_requests,
get_service_request) and `args` its keyword arguments. Prints one JSON object: for each name,
{"result": what the client returned} or {"error": {"status": the HTTP status, "body": the body}}.
The Swift test (Tests/IntegrationTests/Open311ReadTests.swift) compares it with what it published.
"""

import json
import sys

import requests
from georeport import GeoReport


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    jurisdiction = sys.argv[2] if len(sys.argv) == 3 and sys.argv[2] else None
    client = GeoReport(sys.argv[1], jurisdiction=jurisdiction)
    answers = {}
    for call in json.load(sys.stdin):
        method = getattr(client, call["method"])
        try:
            answers[call["name"]] = {"result": method(**call.get("args", {}))}
        except requests.HTTPError as error:
            response = error.response
            answers[call["name"]] = {"error": {"status": response.status_code, "body": response.text}}
    json.dump(answers, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
