"""What every `twofold` command shares: the settings, read once and refused in one line
naming the variable, and `serve`'s logger (its lines follow TWOFOLD_LOG_FORMAT)."""
from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from .config import Settings
from .observe import logs

# `serve`'s own lines, in TWOFOLD_LOG_FORMAT (the other commands print for a person at a terminal).
serve_log = logging.getLogger("twofold.serve")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise SystemExit(_refuse("; ".join(_setting_problem(e) for e in exc.errors()))) from None


def _setting_problem(error: dict) -> str:
    """'TWOFOLD_TRUSTED_PROXIES: '10.0.0.0/33' is not an IP network: …', not pydantic's report."""
    name = "TWOFOLD_" + "_".join(str(part) for part in error["loc"]).upper()
    return f"{name}: {error['msg'].removeprefix('Value error, ')}"


def _refuse(message: str) -> int:
    if serve_log.handlers:  # configured: `serve` says it in its log format
        serve_log.error(message, extra=logs.event("serve.refused"))
    else:
        print(f"twofold: {message}", file=sys.stderr)
    return 1
