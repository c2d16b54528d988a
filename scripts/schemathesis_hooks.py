"""Schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

1. POST /api/v1/import takes FollowTheMoney JSON Lines (`application/x-ndjson`), a media type
schemathesis cannot serialize by itself: without this the operation is reported as an error
("Serialization not possible") and never tested. A generated list becomes one JSON value per
line; any other value becomes a single line; bytes and text are sent as they are.

2. The run never revokes its own token (see before_call below).
"""

import json
import os
import re

import schemathesis


@schemathesis.serializer("application/x-ndjson", "application/jsonl", "application/json-seq")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")


# The run's own token must survive the run: GET /tokens lists its id, and the stateful phase
# links GET /tokens -> DELETE /tokens/{id} (and fuzzing reuses ids seen in responses), so any
# DELETE aimed at it is redirected to a spare token of the same user. Other DELETEs, e.g. of a
# token the run has just created with POST /tokens, go through untouched.
_IDS = os.environ.get("ENLACE_ST_TOKEN_IDS")
_TOKENS = json.load(open(_IDS)) if _IDS else None
_TOKEN_PATH = re.compile(r"/tokens/\{[^/}]+\}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    if _TOKENS is None or case.method.upper() != "DELETE" or not _TOKEN_PATH.search(case.operation.path):
        return
    for name, value in (case.path_parameters or {}).items():
        if value == _TOKENS["own"]:
            case.path_parameters[name] = _TOKENS["spare"]
