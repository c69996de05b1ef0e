"""Every registered factor type satisfies the one interface (authenticators.base.FactorType),
as Kratos's `var _ login.Strategy = new(Strategy)` makes the compiler check; and a judgement is
pure: it names an effect and changes nothing."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from twofold import authenticators
from twofold.authenticators.base import Answer, FactorType, JudgeContext, Reject

ATTRIBUTES = [name for name, _ in inspect.get_annotations(FactorType).items()]
METHODS = [name for name, member in vars(FactorType).items()
           if inspect.isfunction(member) and not name.startswith("_")]


def test_the_interface_is_small_and_complete():
    assert set(METHODS) == {"authenticator_key", "describe", "display_name", "validate", "secret_to_hash", "enroll",
                            "pending_secret", "challenge", "prompt", "destination", "masked", "judge",
                            "wrong"}


@pytest.mark.parametrize("type_", sorted(authenticators.REGISTRY))
def test_every_registered_type_satisfies_the_protocol(type_):
    kind = authenticators.get(type_)
    assert isinstance(kind, FactorType)
    assert kind.type == type_
    for name in ATTRIBUTES:
        assert hasattr(kind, name), f"{type_} lacks {name}"
    assert isinstance(kind.answer, Answer)
    for name in METHODS:
        ours, theirs = inspect.signature(getattr(type(kind), name)), inspect.signature(getattr(FactorType, name))
        assert list(ours.parameters) == list(theirs.parameters), f"{type_}.{name}{ours} != {theirs}"


@pytest.mark.parametrize("type_", sorted(authenticators.REGISTRY))
def test_a_malformed_answer_is_rejected_without_touching_anything(type_):
    kind = authenticators.get(type_)
    row = SimpleNamespace(id="f", user_id="u", digits=6, period=30, algorithm="SHA1", secret_sealed=None,
                          secret_hash=None, last_used_step=None)
    effect = kind.judge(JudgeContext(sealer=None, now_s=0.0, totp_window=1), row, None)
    assert isinstance(effect, Reject) or kind.answer is Answer.SECRET_ANSWER
    assert kind.wrong(False) is not None


def test_every_answer_has_a_type_and_the_hot_types_claim_steps():
    for answer in Answer:
        assert authenticators.answering(answer)
    assert all(authenticators.get(t).answer is Answer.PASSCODE
               for t in authenticators.REGISTRY if authenticators.get(t).hot)
