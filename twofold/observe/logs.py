"""The process log: uvicorn's lines, the access line of every request and twofold's own events,
in one of two formats (TWOFOLD_LOG_FORMAT):

- text, the default: uvicorn's `LEVEL:     message`, then the event's fields and the request
  id as `key=value`;
- json: one object a line with `time`, `level` and `event`, inside a request also
  `request_id`, `method`, `client_ip` and `route` (the path template), then the event's own
  fields; the access line (`http.request`) adds `path`, `status` and `duration_ms`.

Only twofold's and uvicorn's loggers speak at TWOFOLD_LOG_LEVEL; every other library stays at
WARNING (aiosqlite's debug lines carry the statements' parameters), and uvicorn's TRACE, which
logs whole ASGI scopes with their headers, is not offered. No secret is ever an event's field
(R68)."""
from __future__ import annotations

import logging
import logging.config
import time

import orjson
from uvicorn.logging import DefaultFormatter

from .context import current

ACCESS = "http.request"  # the access line's event: its text message already says its fields
_LOGGER_EVENTS = {"uvicorn.error": "server", "uvicorn": "server"}  # a line with no event of its own


def event(name: str, **fields) -> dict:
    """The `extra` of a log call: the event's name and its own fields (never a secret)."""
    return {"event": name, "fields": fields}


def _iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created * 1000) % 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        name = getattr(record, "event", None)
        out: dict = {"time": _iso(record.created), "level": record.levelname.lower(),
                     "event": name or _LOGGER_EVENTS.get(record.name, record.name)}
        context = current()
        if context is not None:
            out.update(context.fields())
        if name != ACCESS:
            out["message"] = record.getMessage()
        for key, value in (getattr(record, "fields", None) or {}).items():
            out.setdefault(key, value)  # an event's field never overwrites the keys every line has
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def _text(value) -> str:
    text = str(value)
    if text and text.isprintable() and not any(c in text for c in ' "='):
        return text
    return orjson.dumps(text).decode()  # quoted, control characters escaped: one line stays one


class TextFormatter(DefaultFormatter):
    """uvicorn's format, plus the event's fields and the request id."""

    def __init__(self) -> None:
        super().__init__("%(levelprefix)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = getattr(record, "fields", None)
        if fields and getattr(record, "event", None) != ACCESS:
            line += "".join(f" {k}={_text(v)}" for k, v in fields.items() if v is not None)
        context = current()
        if context is not None:
            line += f" request_id={context.request_id}"
        return line


class ServeFormatter(logging.Formatter):
    """`twofold serve`'s own lines in the text format, as they always read: `twofold: …`."""

    def __init__(self) -> None:
        super().__init__("twofold: %(message)s")


def config(log_format: str = "text", level: str = "info") -> dict:
    """The logging configuration (logging.config.dictConfig) of `serve` and of each uvicorn
    worker process (uvicorn applies it in every process it starts)."""
    level = level.upper()
    json = log_format == "json"
    main = "twofold.observe.logs.JsonFormatter" if json else "twofold.observe.logs.TextFormatter"
    serve = main if json else "twofold.observe.logs.ServeFormatter"

    def stream(to: str, formatter: str) -> dict:
        return {"class": "logging.StreamHandler", "formatter": formatter, "stream": f"ext://sys.{to}"}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": main}, "serve": {"()": serve}},
        # As uvicorn's: the access lines on stdout, everything else on stderr.
        "handlers": {"default": stream("stderr", "default"), "access": stream("stdout", "default"),
                     "serve": stream("stderr", "serve")},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "propagate": False},  # replaced by twofold.access
            "twofold": {"handlers": ["default"], "level": level, "propagate": False},
            "twofold.access": {"handlers": ["access"], "level": level, "propagate": False},
            "twofold.serve": {"handlers": ["serve"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def configure(log_format: str = "text", level: str = "info") -> None:
    logging.config.dictConfig(config(log_format, level))
    logging.captureWarnings(True)  # a library's warning is a line in the same format
