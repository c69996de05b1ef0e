"""The shell and delivery: `twofold outbox list [--json]` shows the development provider's
messages (a developer finishes a flow with the code it shows), and `twofold serve` refuses to
start, before touching the database, when a provider is chosen without its settings."""
from __future__ import annotations

import json
import re
import secrets

from ..conftest import Server, free_port
from .test_cli import _env, _run

NUMBER, ADDRESS = "+14155552671", "dev@example.com"


def test_outbox_list_shows_the_codes_a_developer_finishes_the_flow_with(tmp_path):
    r = _run(_env(tmp_path / "fresh"), "outbox", "list")
    assert r.returncode == 0 and r.stdout == "" and "the outbox is empty" in r.stderr, r.stderr
    env = _env(tmp_path)
    srv = Server("cli-outbox", f"sqlite:///{tmp_path / 'twofold.db'}", tmp_path, "00" + secrets.token_urlsafe(30))
    srv.start()
    try:
        api = srv.api()
        user = api.create_user()
        enrolled = {}
        for factor_type, profile in (("sms", {"phoneNumber": NUMBER}), ("email", {"email": ADDRESS})):
            r = api.http.post(f"/api/v1/users/{user['id']}/factors", headers=api.ssws,
                              json={"factorType": factor_type, "provider": "OKTA", "profile": profile})
            assert r.status_code == 200, r.text
            enrolled[factor_type] = r.json()["id"]

        r = _run(env, "outbox", "list", "--json")
        assert r.returncode == 0, r.stderr
        listed = json.loads(r.stdout)
        assert [m["channel"] for m in listed] == ["email", "sms"]  # newest first
        sms = next(m for m in listed if m["to"] == NUMBER)
        email = next(m for m in listed if m["to"] == ADDRESS)
        assert sms["subject"] is None and email["subject"] and set(sms) >= {"id", "body", "created", "expires"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sms["expires"])

        r = _run(env, "outbox", "list", "--to", NUMBER)
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 1, r.stdout
        line = r.stdout.strip()
        assert " sms " in line and NUMBER in line and ADDRESS not in line
        code = re.search(r"code is (\d{6})", line).group(1)
        assert code == re.search(r"code is (\d{6})", sms["body"]).group(1)
        for factor_type, message in (("sms", sms), ("email", email)):
            code = re.search(r"code is (\d{6})", message["body"]).group(1)
            r = api.http.post(f"/api/v1/users/{user['id']}/factors/{enrolled[factor_type]}/lifecycle/activate",
                              headers=api.ssws, json={"passCode": code})
            assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text
    finally:
        srv.stop()


def test_serve_refuses_a_provider_without_its_settings_before_touching_the_database(tmp_path):
    for variables, named in (({"TWOFOLD_SMS_PROVIDER": "webhook"}, "TWOFOLD_SMS_WEBHOOK_URL"),
                             ({"TWOFOLD_EMAIL_PROVIDER": "smtp"}, "TWOFOLD_SMTP_HOST")):
        r = _run(_env(tmp_path, **variables), "serve", "--port", str(free_port()))
        assert r.returncode == 1 and named in r.stderr, r.stderr
        assert "serving" not in r.stderr
        assert not (tmp_path / "twofold.db").exists()
