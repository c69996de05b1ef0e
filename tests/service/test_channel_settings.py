"""The Phone and Email authenticators' settings (services.org_authenticators, channel_settings,
message_templates), validated when saved and enforced by the neutral services on both backends:
a channel turned off enrolls nothing, sends nothing and its factors are not usable; Email
allowed for recovery only (or nothing) is no second factor at sign-in (R26); the code lives
as the authenticator says, at most ten minutes (R20); the message is the administrator's
template for the channel, its id, or the person's language."""
from __future__ import annotations

import re

import pytest

from twofold import authenticators
from twofold.delivery.outbox import messages
from twofold.domain.errors import AuthenticatorNotAllowed, NotEnrolled, ValidationFailed
from twofold.services import factors, message_templates, oob, org_authenticators
from twofold.services.mfa import factor_views

NUMBER = "+14155552671"
ADDRESS = "jo@example.com"


@pytest.fixture(autouse=True)
def _forget_rules():
    """The enrollment rules are remembered per process: another test's database must not see
    this one's."""
    org_authenticators._rules.clear()
    yield
    org_authenticators._rules.clear()


async def _authenticator(rt, key: str):
    return next(a for a in await org_authenticators.list_all(rt) if a.key == key)


async def _set(rt, key: str, **settings):
    row = await _authenticator(rt, key)
    return await org_authenticators.replace(rt, row.id, {"name": row.name, "settings": settings})


async def _code(rt, to: str) -> str:
    found = await messages(rt.db, rt.now_ms(), recipient=to, limit=1)
    return re.sub(r"\D", "", re.search(r"code is ([\d, ]+)", found[0].body).group(1))


async def _active(rt, user, type_: str) -> str:
    to = ADDRESS if type_ == "email" else NUMBER
    profile = {"email": to} if type_ == "email" else {"phoneNumber": to}
    info = await factors.enroll_factor(rt, user.id, authenticators.get(type_), "OKTA", profile)
    await factors.activate(rt, user.id, info.view.id, await _code(rt, to))
    rt.clock.advance(rt.settings.send_interval_seconds)
    return info.view.id


def _causes(exc: pytest.ExceptionInfo) -> list[str]:
    return [m for _, m in exc.value.causes]


# --- validation --------------------------------------------------------------------------------

async def test_fresh_org_settings_and_their_validation(rt):
    phone, email = await _authenticator(rt, "phone_number"), await _authenticator(rt, "okta_email")
    assert org_authenticators.settings_of(phone) == {"allowedFor": "any"}
    assert org_authenticators.enabled_channels("phone_number", {}) == ("sms", "voice")
    assert org_authenticators.settings_of(email) == {"allowedFor": "any", "tokenLifetimeInMinutes": 5}

    with pytest.raises(ValidationFailed) as refused:
        await _set(rt, "phone_number", allowedFor="sometimes", channels=["sms", "fax"], tokenLifetimeInMinutes=0)
    assert _causes(refused) == [
        "allowedFor: Must be one of recovery, sso, any, none.",
        "tokenLifetimeInMinutes: Must be a whole number from 1 to 1440.",
        "channels: Must list one or more of sms, voice; to turn them all off, deactivate the authenticator."]
    with pytest.raises(ValidationFailed):
        await _set(rt, "phone_number", channels=[])
    with pytest.raises(ValidationFailed):
        await _set(rt, "okta_email", channels=["sms"])  # Email has one channel, its own
    assert org_authenticators.settings_of(await _authenticator(rt, "phone_number")) == {"allowedFor": "any"}

    saved = await _set(rt, "phone_number", channels=["voice", "sms"], allowedFor="sso")
    assert org_authenticators.settings_of(saved) == {"allowedFor": "sso", "channels": ["sms", "voice"]}


async def test_templates_are_validated_and_kept_with_ids(rt):
    def bad(**template):
        return {"channel": "sms", "text": "Code {code}", **template}

    with pytest.raises(ValidationFailed) as refused:
        await _set(rt, "phone_number", templates=[
            bad(text="no code here"), bad(text="{code} {password}"), bad(text="{code!r}"), bad(text="{code"),
            bad(text="x" * 150 + "{code} {issuer}"), bad(channel="email"), bad(language="not a tag"), bad(text=""),
            "text"])
    assert _causes(refused) == [
        "templates: Template 1: The text must contain {code}.",
        "templates: Template 2: Unknown placeholder {password}; use {code}, {issuer}, {minutes}.",
        "templates: Template 3: Unknown placeholder {code}; use {code}, {issuer}, {minutes}.",
        "templates: Template 4: A brace is not closed; write {{ and }} for a literal brace.",
        "templates: Template 5: At most 160 characters.",
        "templates: Template 6: channel must be one of sms, voice.",
        "templates: Template 7: language must be a language tag such as fr or pt-BR.",
        "templates: Template 8: The text cannot be left blank.",
        "templates: Template 9: Must be an object."]
    with pytest.raises(ValidationFailed) as refused:
        await _set(rt, "phone_number", templates=[bad(language="fr"), bad(language="FR")])
    assert _causes(refused) == ["templates: Template 2: Another template has this id, or this channel and language."]
    with pytest.raises(ValidationFailed):
        await _set(rt, "okta_email", templates=[{"channel": "email", "text": "{code}" + "x" * 2000}])

    saved = await _set(rt, "phone_number", templates=[
        {"channel": "sms", "text": "{issuer}: {code} ({minutes} min) {{literal}}"},
        {"channel": "sms", "language": "fr-CA", "text": "Code {code}"}, {"id": "cstMine", "channel": "voice",
                                                                          "text": "Your code: {code}"}])
    kept = org_authenticators.settings_of(saved)["templates"]
    assert [(t["channel"], t["language"]) for t in kept] == [("sms", None), ("sms", "fr-ca"), ("voice", None)]
    assert kept[0]["id"].startswith("cst") and len(kept[0]["id"]) == 20 and kept[2]["id"] == "cstMine"
    # Saved again (another setting changes), the templates keep their ids.
    again = org_authenticators.settings_of(await _set(rt, "phone_number", allowedFor="any"))
    assert again["templates"] == kept


def test_languages_and_template_choice():
    assert message_templates.languages_of("fr-CH, fr;q=0.9, en;q=0.8, de;q=0, *;q=0.5") == ("fr-ch", "fr", "en")
    assert message_templates.languages_of("") == () and message_templates.languages_of("x" * 600) == ()
    settings = {"templates": [
        {"id": "cstA", "channel": "sms", "language": None, "text": "A {code}"},
        {"id": "cstB", "channel": "sms", "language": "fr", "text": "B {code}"},
        {"id": "cstC", "channel": "sms", "language": "pt-br", "text": "C {code}"},
        {"id": "cstD", "channel": "voice", "language": None, "text": "D {code} {{code}}"}]}
    assert message_templates.pick(settings, "sms") == "A {code}"
    assert message_templates.pick(settings, "sms", languages=("de", "fr-CA")) == "B {code}"
    assert message_templates.pick(settings, "sms", languages=("pt",)) == "C {code}"
    assert message_templates.pick(settings, "sms", languages=("PT-BR", "fr")) == "C {code}"
    assert message_templates.pick(settings, "sms", template_id="cstB", languages=("pt",)) == "B {code}"
    with pytest.raises(ValidationFailed):
        message_templates.pick(settings, "sms", template_id="cstD")  # another channel's
    assert message_templates.pick(settings, "voice") == "D {spoken} {{code}}"  # said digit by digit
    assert message_templates.pick(settings, "email") is None  # the built-in text


# --- enforcement --------------------------------------------------------------------------------

async def test_a_channel_turned_off_enrolls_sends_and_verifies_nothing(rt, user):
    call_id = await _active(rt, user, "call")
    await _set(rt, "phone_number", channels=["sms"])
    rules = await org_authenticators.cached_rules(rt)
    assert rules.off == {"call"} and ("call", "OKTA") not in org_authenticators.options(rules)
    assert ("sms", "OKTA") in org_authenticators.options(rules)

    sent_before = len(await messages(rt.db, rt.now_ms()))
    with pytest.raises(AuthenticatorNotAllowed) as refused:
        await factors.enroll_factor(rt, user.id, authenticators.get("call"), "OKTA", {"phoneNumber": NUMBER})
    assert refused.value.detail == "The voice channel of the phone_number authenticator is turned off."
    with pytest.raises(NotEnrolled):  # an enrolled call factor stays, but is no second factor now
        await factors.verify(rt, user.id, call_id, "123456", None)
    with pytest.raises(NotEnrolled):
        await factors.send_code(rt, user.id, call_id, pending=False)
    async with rt.db.transaction() as conn:
        view = next(v for v in await factor_views(conn, user.id) if v.id == call_id)
    with pytest.raises(AuthenticatorNotAllowed):  # no code goes out on it, whoever asks
        await oob.send_code(rt, view, txn_id="txn")
    assert len(await messages(rt.db, rt.now_ms())) == sent_before

    sms_id = await _active(rt, user, "sms")  # the other channel works
    await factors.send_code(rt, user.id, sms_id, pending=False)
    await factors.verify(rt, user.id, sms_id, await _code(rt, NUMBER), None)

    await _set(rt, "phone_number", channels=["sms", "voice"])  # on again: the factor is usable again
    rt.clock.advance(rt.settings.send_interval_seconds)
    await factors.send_code(rt, user.id, call_id, pending=False)
    await factors.verify(rt, user.id, call_id, await _code(rt, NUMBER), None)


@pytest.mark.parametrize("allowed_for", ["recovery", "none"])
async def test_email_for_recovery_or_nothing_is_no_second_factor(rt, user, allowed_for):
    """R26: an administrator limits Email; an enrolled email factor is then not a second factor
    at sign-in (neither offered nor accepted). Recovery-only still enrolls; none does not."""
    email_id = await _active(rt, user, "email")
    await _set(rt, "okta_email", allowedFor=allowed_for)
    rules = await org_authenticators.cached_rules(rt)
    assert "email" in rules.off and ("email", "OKTA") not in org_authenticators.options(rules)
    with pytest.raises(NotEnrolled):
        await factors.verify(rt, user.id, email_id, "123456", None)
    with pytest.raises(NotEnrolled):
        await factors.send_code(rt, user.id, email_id, pending=False)
    await factors.delete(rt, user.id, email_id)
    profile = {"email": ADDRESS}
    if allowed_for == "none":
        with pytest.raises(AuthenticatorNotAllowed):
            await factors.enroll_factor(rt, user.id, authenticators.get("email"), "OKTA", profile)
    else:
        info = await factors.enroll_factor(rt, user.id, authenticators.get("email"), "OKTA", profile)
        assert info.view.status == "PENDING_ACTIVATION"

    await _set(rt, "okta_email", allowedFor="any")
    rules = await org_authenticators.cached_rules(rt)
    assert rules.off == frozenset() and ("email", "OKTA") in org_authenticators.options(rules)


async def test_the_code_lives_as_the_authenticator_says_at_most_ten_minutes(rt, user):
    email_id = await _active(rt, user, "email")
    async with rt.db.transaction() as conn:
        view = next(v for v in await factor_views(conn, user.id) if v.id == email_id)
    assert (await oob.send_code(rt, view, txn_id="t1")).expires_in == 5 * 60  # Email's default
    for minutes, seconds in ((2, 120), (60, 600)):
        await _set(rt, "okta_email", tokenLifetimeInMinutes=minutes)
        rt.clock.advance(rt.settings.send_interval_seconds)
        sent = await oob.send_code(rt, view, txn_id=f"t{minutes}")
        assert sent.expires_in == seconds
        body = (await messages(rt.db, rt.now_ms(), recipient=ADDRESS, limit=1))[0].body
        assert f"expires in {seconds // 60} minutes" in body


async def test_the_message_is_the_administrators_template(rt, user):
    sms_id = await _active(rt, user, "sms")
    await _set(rt, "phone_number", templates=[
        {"channel": "sms", "text": "Default {code} from {issuer}, {minutes} min"},
        {"id": "cstFrench", "channel": "sms", "language": "fr", "text": "Votre code {issuer} : {code}"}])
    await factors.send_code(rt, user.id, sms_id, pending=False)
    body = (await messages(rt.db, rt.now_ms(), recipient=NUMBER, limit=1))[0].body
    assert re.fullmatch(rf"Default \d{{6}} from {re.escape(rt.settings.otp_issuer)}, 5 min", body), body
    rt.clock.advance(rt.settings.send_interval_seconds)
    await factors.send_code(rt, user.id, sms_id, pending=False,
                            languages=message_templates.languages_of("fr-FR,fr;q=0.9"))
    body = (await messages(rt.db, rt.now_ms(), recipient=NUMBER, limit=1))[0].body
    assert body.startswith("Votre code ") and body[-6:].isdigit()
    await factors.verify(rt, user.id, sms_id, body[-6:], None)
    rt.clock.advance(rt.settings.send_interval_seconds)
    with pytest.raises(ValidationFailed):  # an id no template has: refused before any send
        await factors.send_code(rt, user.id, sms_id, pending=False, template_id="cstNope")
    await factors.send_code(rt, user.id, sms_id, pending=False, template_id="cstFrench")  # the interval is not spent
    assert (await messages(rt.db, rt.now_ms(), recipient=NUMBER, limit=1))[0].body.startswith("Votre code ")
