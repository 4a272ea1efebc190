"""Serve Ralph's LRS API (``ralph.api:app``) with uvicorn, run by tests/lrs/.venv's Python:

    tests/lrs/.venv/bin/python tests/lrs/serve_ralph.py PORT

Configuration comes from Ralph's own environment variables (RALPH_RUNSERVER_BACKEND=fs,
RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH, RALPH_AUTH_FILE…). One setting has no variable:
Ralph's file-system LRS backend (its development backend; the others need Elasticsearch, MongoDB or
ClickHouse servers) writes every statement with the data backend's default operation, ``create``,
which refuses an existing file, so it can hold one statement only (the second PUT answers 500
"Statement indexation failed", in 5.1.0 as on Ralph's main branch). Its data backend supports
``append``; this makes it the default, and nothing else of Ralph is changed: the HTTP API,
authentication, validation and duplicate checks are Ralph's own.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
