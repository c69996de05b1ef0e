"""The README, followed literally (issue #10, a newcomer's first hour): the first command of
"The two commands" starts `twofold serve` in an empty directory, then the shell blocks of the
"Five-minute walkthrough" run with bash in order, in a second "terminal", with the `...`
placeholders filled from the answers before them as a reader would, and every answer is
checked, including the keys the README's sample answers show.

Changes a reader would make too: the installed virtualenv stands in for `pip install .`, the
server gets a free port (`--port`, and `localhost:8000` in the blocks becomes that port), and a
code comes from oathtool for a chosen 30-second step (`--now`) instead of the wall clock, so the
test never waits for the next code. On PostgreSQL both terminals have TWOFOLD_DATABASE_URL set,
as the README asks."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..conftest import ROOT, free_port

INSTALL = "python3 -m venv .venv && .venv/bin/pip install . && "
PLACEHOLDER = re.compile(r"\b([A-Z]+)=\.\.\.")
SECRET = "oathtool --totp -b SECRET"
# Which field of an earlier answer a reader copies into each placeholder.
FIELDS = {"CID": "client_id", "CS": "client_secret", "MFA": "mfa_token", "AT": "access_token"}


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def _blocks(title: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", _section(title), re.S)


def _json_values(text: str) -> list:
    """Every JSON value printed one after another (curl -s prints bodies without newlines)."""
    decoder, values, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Reader:
    """A terminal in the walkthrough's directory: bash runs each piece, and the variables it
    sets (`set -a` exports them) are there for the next piece, as in one interactive shell."""

    def __init__(self, cwd: Path, env: dict, port: int) -> None:
        self.cwd, self.env, self.port = cwd, env, port
        self.answers: list = []  # every JSON value printed so far, oldest first
        self.groups: list[int] = []  # process groups started, ended by the test
        self.step: int | None = None  # the 30-second step of the last code sent

    def run(self, script: str, *, as_documented: bool = True) -> str:
        state, stdout, stderr = (self.cwd / f".walkthrough-{name}" for name in ("env", "out", "err"))
        full = f"set -euo pipefail\nset -a\n{script}\nenv -0 > {state}\n"
        # Files, not pipes: a job the block leaves in the background must not hold its output open.
        with open(stdout, "w") as out_file, open(stderr, "w") as err_file:
            proc = subprocess.Popen(["bash", "-c", full], cwd=self.cwd, env=self.env, stdout=out_file,
                                    stderr=err_file, start_new_session=True)
            self.groups.append(proc.pid)
            proc.wait(timeout=120)
        out, err = stdout.read_text(), stderr.read_text()
        assert proc.returncode == 0, (script, out, err)
        self.env = dict(item.split("=", 1) for item in state.read_text().split("\0") if "=" in item)
        self.answers += _json_values(out)
        if as_documented:
            _documented_keys_are_there(script, out)
        return out

    def fill(self, line: str) -> str:
        """`CID=... ; CS=...` with the values a reader copies from the answers above."""
        def value(m: re.Match) -> str:
            name = m.group(1)
            if name == "ID":  # the otp authenticator in the last list
                listed = next(a for a in reversed(self.answers) if isinstance(a, list))
                found = [a["id"] for a in listed if a["type"] == "otp"]
            else:
                assert name in FIELDS, f"the README has a placeholder {name}=... this test does not know"
                found = [a[FIELDS[name]] for a in reversed(self.answers) if isinstance(a, dict) and FIELDS[name] in a]
            assert found, f"no answer above gives {name}; the last ones: {self.answers[-2:]}"
            return f"{name}='{found[0]}'"
        return PLACEHOLDER.sub(value, line)

    def code_for(self, step: int) -> str:
        """The README's oathtool command, for `step` and the secret of the associate answer."""
        secret = next(a["secret"] for a in reversed(self.answers) if isinstance(a, dict) and "secret" in a)
        return f"oathtool --totp -b --now=@{step * 30 + 1} {secret}"

    def block(self, text: str) -> None:
        """Runs a block in pieces, each ending before a placeholder line: a reader types that
        line after reading the answer above it."""
        pieces: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in text.replace("localhost:8000", f"localhost:{self.port}").splitlines():
            if PLACEHOLDER.search(line) and not line.lstrip().startswith("#"):
                pieces.append((line, []))
            else:
                pieces[-1][1].append(line)
        for placeholder, lines in pieces:
            piece = "\n".join(([self.fill(placeholder)] if placeholder else []) + lines)
            if SECRET in piece:
                self.code_piece(piece)
            else:
                self.run(piece)

    def code_piece(self, piece: str) -> str:
        """A piece that sends a TOTP code. The first code is the current step's. Later ones: the
        reader first sends the code still on the screen, which the README says is refused,
        then the next one."""
        if self.step is None:
            self.step = int(time.time()) // 30
            return self.run(piece.replace(SECRET, self.code_for(self.step)))
        out = self.run(piece.replace(SECRET, self.code_for(self.step)), as_documented=False)
        assert self.answers[-1] == {"error": "invalid_grant", "error_description": "Invalid otp_code."}, out
        self.step += 1
        return self.run(piece.replace(SECRET, self.code_for(self.step)))

    def end(self) -> None:
        for group in self.groups:
            try:
                os.killpg(group, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _documented_keys_are_there(script: str, out: str) -> None:
    """The README's sample answers (`# {…}`, `# 204`) name keys and values the real ones have."""
    for line in script.splitlines():
        text = line.strip()[1:].strip() if line.strip().startswith("#") else None
        if not text or not (text[0] in '{["' or text[0].isdigit()):
            continue
        keys = re.findall(r'"(\w+)":', text)
        for key in keys:
            assert f'"{key}":' in out, (key, line, out)
        if not keys and "…" not in text:
            assert text in out, (line, out)


@pytest.fixture
def newcomer(backend, tmp_path, pg_database_factory):
    """An empty directory with the installed virtualenv as `.venv`, and a shell environment
    without any TWOFOLD_* variable (but the database URL on PostgreSQL)."""
    for tool in ("curl", "oathtool", "bash"):
        assert shutil.which(tool), f"{tool} is missing: scripts/test installs it"
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWOFOLD_")}
    if backend == "postgresql":
        env["TWOFOLD_DATABASE_URL"] = pg_database_factory()
    return tmp_path, env


def test_the_readme_walkthrough_works_when_followed_literally(newcomer):
    """Issue #10 items 9 and 11: the walkthrough restarted the server with
    TWOFOLD_BOOTSTRAP_API_TOKEN, which a database that already had a token ignored (every
    admin call: 401 E0000011, and the port was taken); it never showed how to earn the
    `<issuer>mfa/` token for DELETE /mfa/authenticators, nor that a code works once (R1, R35,
    R38: removal needs a token earned with the second factor; R57: its audience)."""
    cwd, env = newcomer
    port = free_port()
    (first,) = [b.strip() for b in _blocks("The two commands") if "twofold serve" in b]
    assert first.startswith(INSTALL), first
    log = open(cwd / "serve.log", "w")
    server = subprocess.Popen(["bash", "-c", f"{first.removeprefix(INSTALL)} --port {port}"], cwd=cwd, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    reader = Reader(cwd, env, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (cwd / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (cwd / "serve.log").read_text()
            time.sleep(0.2)
        started = (cwd / "serve.log").read_text()
        assert "twofold: created an admin API token" in started and f"serving http://localhost:{port}/" in started

        _walk(reader, _blocks("Five-minute walkthrough (curl)"), port)
        assert "is ignored" not in (cwd / "serve.log").read_text()
    finally:
        reader.end()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def _walk(reader: Reader, blocks: list[str], port: int) -> None:
    issuer = f"http://localhost:{port}/"
    blocks = iter(blocks)
    reader.block(next(blocks))  # B and T
    assert reader.env["T"].startswith("SSWS 00") and reader.env["B"] == issuer.rstrip("/")

    reader.block(next(blocks))  # a user and a client
    user, client = reader.answers[-2:]
    assert user.get("status") == "ACTIVE" and user["profile"]["lastName"] == "Lovelace", user
    assert client.get("client_id") and client.get("client_secret"), client
    assert reader.env["CID"] == client["client_id"]

    reader.block(next(blocks))  # the password grant
    assert reader.answers[-1]["error"] == "mfa_required", reader.answers[-1]
    assert reader.answers[-1]["mfa_requirements"] == {"enroll": [{"type": "otp"}, {"type": "phone"}, {"type": "email"}]}

    reader.block(next(blocks))  # /mfa/associate
    assert reader.answers[-1]["secret"] and reader.answers[-1]["recovery_codes"], reader.answers[-1]

    reader.block(next(blocks))  # confirmed with the first code
    tokens = reader.answers[-1]
    assert tokens["scope"] == "openid profile" and tokens["id_token"], tokens
    assert _claims(tokens["access_token"])["amr"] == ["pwd", "otp", "mfa"]

    reader.block(next(blocks))  # the MFA API token, earned with a new code; list; delete
    assert next(blocks, None) is None
    (asked, refused, earned, listed, deleted, after) = reader.answers[-6:]
    assert asked["error"] == "mfa_required" and "challenge" in asked["mfa_requirements"], asked
    assert refused == {"error": "invalid_grant", "error_description": "Invalid otp_code."}  # a code works once
    assert earned["scope"] == "enroll read:authenticators remove:authenticators" and "id_token" not in earned
    assert _claims(earned["access_token"])["aud"] == issuer + "mfa/"
    assert sorted(a["type"] for a in listed) == ["otp", "recovery-code"], listed
    assert (deleted, after) == (204, []), (deleted, after)
