"""The Okta Factors walkthrough driven by the official Okta Node.js SDK
(@okta/okta-sdk-nodejs, pinned in tests/node/package.json) against a real server on SQLite and
PostgreSQL: tests/node/factors_walkthrough.mjs does the walk and prints one JSON line.

scripts/test installs the SDK (`npm ci --prefix tests/node`); without it this test fails
rather than skips, so a green run always includes it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
SCRIPT = NODE_DIR / "factors_walkthrough.mjs"
SDK_PACKAGE = NODE_DIR / "node_modules" / "@okta" / "okta-sdk-nodejs" / "package.json"


def _pinned_version() -> str:
    return json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["@okta/okta-sdk-nodejs"]


@pytest.fixture(scope="session")
def node_sdk() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Okta Node SDK test needs Node.js (v18 or later)")
    if not SDK_PACKAGE.exists():
        pytest.fail(f"{SDK_PACKAGE.relative_to(NODE_DIR.parent.parent)} is missing: run scripts/test, "
                    "or `npm ci --prefix tests/node`, to install the Okta Node SDK from package-lock.json")
    installed = json.loads(SDK_PACKAGE.read_text())["version"]
    if installed != _pinned_version():
        pytest.fail(f"tests/node/node_modules has @okta/okta-sdk-nodejs {installed}, package.json pins "
                    f"{_pinned_version()}: run `npm ci --prefix tests/node`")
    return node


def run_walkthrough(node: str, server, home: Path, script: Path = SCRIPT, timeout: int = 60) -> tuple[int, dict, str]:
    # Hermetic: no OKTA_* settings from this machine; the SDK reads ~/.okta/okta.yaml and
    # ./okta.yaml, so HOME and the working directory are an empty temporary directory.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA_")}
    env.update({"HOME": str(home), "ORG_URL": server.base_url, "API_TOKEN": server.api_token})
    proc = subprocess.run([node, str(script)], env=env, cwd=home, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, f"no output (exit {proc.returncode}); stderr:\n{proc.stderr}"
    return proc.returncode, json.loads(lines[-1]), proc.stderr


def test_node_sdk_factors_walkthrough(server, node_sdk, tmp_path):
    code, seen, stderr = run_walkthrough(node_sdk, server, tmp_path)
    assert code == 0 and seen["ok"] is True, f"{json.dumps(seen, indent=1)}\nstderr:\n{stderr}"
    assert seen["sdkVersion"] == _pinned_version()

    assert seen["userWithoutCredentials"]["status"] == "STAGED"
    assert seen["userWithoutCredentials"]["hasPassword"] is False
    assert seen["userWithPassword"] == {**seen["userWithPassword"], "status": "ACTIVE", "hasPassword": True}

    enroll = seen["enroll"]
    assert (enroll["factorType"], enroll["provider"], enroll["status"]) == (
        "token:software:totp", "GOOGLE", "PENDING_ACTIVATION")
    assert (enroll["sharedSecretLength"], enroll["encoding"], enroll["timeStep"]) == (32, "base32", 30)
    assert enroll["links"] == ["activate", "self", "user"]
    assert enroll["qrcodeType"] == "image/png"

    # The Node SDK sends passCode: the typed activate and verify calls work.
    assert seen["activate"] == {"status": "ACTIVE", "factorType": "token:software:totp"}
    assert seen["verify"] == {"factorResult": "SUCCESS"}

    for key, code_, status in (("replay", "E0000082", 403), ("wrongCode", "E0000068", 403),
                               ("getDeleted", "E0000007", 404), ("questionWrong", "E0000068", 403)):
        err = seen[key]
        assert (err["name"], err["status"], err["errorCode"]) == ("OktaApiError", status, code_), (key, err)
        assert err["errorId"].startswith("oae")
    assert seen["wrongCode"]["errorSummary"] == "Invalid Passcode/Answer"
    assert seen["wrongCode"]["errorCauses"] == [
        {"errorSummary": "Your passcode doesn't match our records. Please try again."}]
    assert seen["questionWrong"]["errorCauses"] == [
        {"errorSummary": "Your answer doesn't match our records. Please try again."}]

    assert seen["list"] == [{"id": enroll["id"], "factorType": "token:software:totp", "provider": "GOOGLE",
                             "status": "ACTIVE"}]
    assert seen["get"]["id"] == enroll["id"] and seen["get"]["status"] == "ACTIVE"
    assert seen["get"]["hasEmbedded"] is False
    assert seen["get"]["verifyHref"].endswith(f"/factors/{enroll['id']}/verify")
    assert {(c["factorType"], c["provider"]): c["status"] for c in seen["catalog"]} == {
        ("token:software:totp", "OKTA"): "NOT_SETUP",
        ("token:software:totp", "GOOGLE"): "ACTIVE",
        ("question", "OKTA"): "NOT_SETUP",
        ("sms", "OKTA"): "NOT_SETUP",
        ("call", "OKTA"): "NOT_SETUP",
        ("email", "OKTA"): "NOT_SETUP",
    }
    assert "disliked_food" in seen["questions"]
    assert seen["unenrolled"] is True
    assert seen["question"] == {"factorType": "question", "status": "ACTIVE", "question": "disliked_food"}
    assert seen["questionVerify"] == {"factorResult": "SUCCESS"}


def test_node_sdk_sms_walkthrough(sending_server, node_sdk, tmp_path):
    """Seed 001 with an SMS factor (tests/node/sms_walkthrough.mjs): the script asks for each
    code, which is read from the server's outbox as the phone would read it."""
    from ..support import latest_code, new_phone

    server, phone = sending_server, new_phone()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA_")}
    env.update({"HOME": str(tmp_path), "ORG_URL": server.base_url, "API_TOKEN": server.api_token, "PHONE": phone})
    proc = subprocess.Popen([node_sdk, str(NODE_DIR / "sms_walkthrough.mjs")], env=env, cwd=tmp_path, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    asked, seen = [], None
    try:
        for line in proc.stdout:
            message = json.loads(line)
            if "need" not in message:
                seen = message
                break
            asked.append(message["to"])
            proc.stdin.write(latest_code(server, message["to"]) + "\n")
            proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    assert seen is not None and seen["ok"] is True, f"{json.dumps(seen, indent=1)}\nstderr:\n{stderr}"
    assert asked == [phone] * 3  # enrollment, resend, verify's challenge

    enroll = seen["enroll"]
    assert (enroll["factorType"], enroll["status"], enroll["phoneNumber"]) == ("sms", "PENDING_ACTIVATION", phone)
    assert enroll["links"] == ["activate", "resend", "self", "user"]
    # The SDK reads Okta's `_links.resend` array (reference B.2) into its one-link model and
    # loses it: an empty object, no href. Its resendEnrollFactor call builds the path itself and
    # works. If this fails, a release fixed the model (docs/compatibility.md, "Okta SDKs").
    assert (enroll["resendIsArray"], enroll["resend"]) == (False, {}), json.dumps(enroll)
    if "activateWithFirstCode" in seen:  # a resend makes the first code useless
        assert (seen["activateWithFirstCode"]["status"], seen["activateWithFirstCode"]["errorCode"]) == (403, "E0000068")
    assert seen["activate"] == {"status": "ACTIVE", "factorType": "sms"}
    assert seen["challenge"] == {"factorResult": "CHALLENGE", "phoneNumber": phone}
    assert seen["verify"] == {"factorResult": "SUCCESS"}
    assert (seen["replay"]["status"], seen["replay"]["errorCode"]) == (403, "E0000082")
    assert seen["list"] == [{"id": enroll["id"], "factorType": "sms", "status": "ACTIVE"}]
    assert seen["get"] == {"status": "ACTIVE", "phoneNumber": phone}
    assert seen["unenrolled"] is True
