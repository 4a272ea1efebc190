"""Job bodies for the fault drills: they record each attempt, and the first one hangs (to be killed)."""

from __future__ import annotations

import time
from pathlib import Path


def hang_first_attempt(marker: str, seconds: float = 120) -> int:
    path = Path(marker)
    with path.open("a") as fh:
        fh.write(f"{time.time()}\n")
    attempts = len(path.read_text().splitlines())
    if attempts == 1:
        time.sleep(seconds)  # the drill kills the worker here
    return attempts
