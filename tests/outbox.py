"""The development outbox as a phone or an inbox: the code of the newest message to a number
or address, read from the server's own `outbox_messages` table (psql or sqlite3, as an
operator would) and off the message's text, as a person reads it."""
from __future__ import annotations

import re
import sqlite3
import subprocess


def latest_code(database_url: str, to: str) -> str:
    sql = "SELECT body FROM outbox_messages WHERE recipient = {} ORDER BY created_at DESC, id LIMIT 1"
    if database_url.startswith("postgresql"):
        quoted = "'" + to.replace("'", "''") + "'"
        bodies = subprocess.check_output(["psql", database_url, "-At", "-c", sql.format(quoted)], text=True)
    else:
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            bodies = "".join(row[0] for row in db.execute(sql.format("?"), (to,)))
    found = re.search(r"code is ([\d, ]+)", bodies)  # a voice message says it digit by digit
    assert found, f"no message to {to}"
    return re.sub(r"\D", "", found.group(1))
