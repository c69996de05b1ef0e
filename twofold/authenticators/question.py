"""Security question (Okta `question`): a knowledge factor. Shown and verified by the Okta
dialect and the console only; it never satisfies MFA, because password + question are both
"something you know". The answer is normalised and hashed with argon2id; enrolling it
activates it at once."""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ..crypto.sealing import Sealer
from ..domain import ids
from ..domain.errors import DomainError, InvalidAnswer, ValidationFailed
from .base import (
    ACTIVE, Answer, CheckHash, Describes, Effect, Enrollment, EnrollRequest, FactorView, JudgeContext,
)

MIN_ANSWER = 4
MAX_ANSWER = 1024

# Okta's catalogue of questions (GET /api/v1/users/{id}/factors/questions).
QUESTIONS = {
    "disliked_food": "What is the food you least liked as a child?",
    "name_of_first_plush_toy": "What is the name of your first stuffed animal?",
    "first_award": "What did you earn your first medal or award for?",
    "favorite_security_question": "What is your favorite security question?",
    "favorite_toy": "What is the toy/stuffed animal you liked the most as a kid?",
    "first_computer_game": "What was the first computer game you played?",
    "favorite_movie_quote": "What is your favorite movie quote?",
    "first_sports_team_mascot": "What was the mascot of the first sports team you played on?",
    "first_music_purchase": "What music album or song did you first purchase?",
    "favorite_art_piece": "What is your favorite piece of art?",
    "grandmother_favorite_desert": "What was your grandmother's favorite dessert?",
    "first_thing_cooked": "What was the first thing you learned to cook?",
    "childhood_dream_job": "What was your dream job as a child?",
    "place_where_significant_other_was_met": "Where did you meet your spouse/significant other?",
    "favorite_vacation_location": "Where did you go for your favorite vacation?",
    "new_years_two_thousand": "Where were you on New Year's Eve in the year 2000?",
    "favorite_speaker_actor": "Who is your favorite speaker/orator?",
    "favorite_book_movie_character": "Who is your favorite book/movie character?",
    "favorite_sports_player": "Who is your favorite sports player?",
}


def normalize_answer(answer: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", answer).casefold()).strip()


class Question(Describes):
    type = "question"
    answer = Answer.SECRET_ANSWER
    attempt_kind = "question"
    primary = False
    console_step = "question"
    okta_factor_type = "question"
    auth0_kind = "question"
    auth0_authenticator_type = "question"
    auth0_type = "question"
    auth0_visible = False

    def authenticator_key(self, provider: str | None) -> str | None:
        return "security_question"

    def display_name(self, provider: str | None) -> str:
        return "Security Question"

    def prompt(self, view: FactorView) -> str:
        return (view.profile or {}).get("questionText", "")

    def validate(self, profile: dict) -> dict:
        question, answer = profile.get("question"), profile.get("answer")
        causes = []
        if not isinstance(question, str) or question not in QUESTIONS:
            causes.append(("question", "question: The security question is not valid."))
        if not isinstance(answer, str) or len(normalize_answer(answer)) < MIN_ANSWER or len(answer) > MAX_ANSWER:
            causes.append(("answer", "answer: The security question answer must be at least "
                                     f"{MIN_ANSWER} characters in length"))
        if causes:
            raise ValidationFailed("factorEnrollRequest", causes)
        return {"question": question, "answer": answer}

    def secret_to_hash(self, profile: dict) -> str | None:
        return normalize_answer(profile["answer"])

    def enroll(self, sealer: Sealer, request: EnrollRequest) -> Enrollment:
        question = request.profile["question"]
        values = dict(
            id=ids.okta_id("ufs"), device_id=ids.device_id(), user_id=request.user_id, type=self.type,
            provider="OKTA", status=ACTIVE, secret_hash=(request.secret_hash or "").encode(),
            profile=json.dumps({"question": question, "questionText": QUESTIONS[question]}),
            created_at=request.now, last_updated_at=request.now, activated_at=request.now,
        )
        return Enrollment(values=values, shown_secret="")

    def judge(self, ctx: JudgeContext, row: Any, answer: str | None) -> Effect:
        stored = row.secret_hash.decode() if row.secret_hash else None
        return CheckHash(stored=stored, candidate=normalize_answer(answer or "")[:MAX_ANSWER])

    def wrong(self, replayed: bool) -> DomainError:
        return InvalidAnswer()
