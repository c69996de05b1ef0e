"""Property tests (Hypothesis) for the TOTP rules and code normalisation (domain/otp.py):
R11 (canonicalise before any check), R9/RFC 6238 steps, the verification window, and that a
match names a step whose code it is. The replay rule (a step is accepted once, and never one
at or before the last used) is played against the database in
tests/service/test_settle_properties.py."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from twofold.domain import otp

KEYS = st.binary(min_size=10, max_size=64)
TIMES = st.integers(min_value=0, max_value=2 ** 40)  # seconds; far past 2038 (R9)
CODES = st.text(alphabet="0123456789", min_size=6, max_size=6)
SEPARATORS = st.sampled_from([" ", "-", "\u00a0", "\u200b", "\t"])


@given(st.text(max_size=80), st.sampled_from([6, 8]))
def test_normalised_input_is_none_or_exactly_the_digits_and_idempotent(raw, digits):
    code = otp.normalize_code(raw, digits)
    if code is not None:
        assert len(code) == digits and code.isascii() and code.isdigit()
        assert otp.normalize_code(code, digits) == code


@given(CODES, st.lists(st.tuples(st.integers(0, 6), SEPARATORS), max_size=4))
def test_spaces_and_dashes_typed_by_people_do_not_change_the_code(code, inserts):
    typed = code
    for position, sep in sorted(inserts, reverse=True):
        typed = typed[:position] + sep + typed[position:]
    assert otp.normalize_code(typed, 6) == code


@given(CODES)
def test_full_width_digits_fold_to_ascii(code):
    full_width = "".join(chr(0xFF10 + int(c)) for c in code)
    assert otp.normalize_code(full_width, 6) == code


@given(CODES, st.text(alphabet="abcXYZ+./", min_size=1, max_size=3))
def test_anything_but_digits_and_separators_is_refused(code, junk):
    assert otp.normalize_code(code[:3] + junk + code[3:], 6) is None


@settings(max_examples=200)
@given(KEYS, TIMES, st.integers(0, 3), st.integers(-5, 5), st.sampled_from(["SHA1", "SHA256", "SHA512"]))
def test_a_code_matches_exactly_when_some_step_in_the_window_has_it(key, now, window, offset, algorithm):
    current = otp.time_step(now)
    step = max(0, current + offset)
    code = otp.hotp(key, step, algorithm=algorithm)
    match = otp.match_totp(key, code, now, window=window, algorithm=algorithm)
    in_window = [s for s in range(max(0, current - window), current + window + 1)]
    if step in in_window:
        assert match is not None
    if match is not None:
        # Whatever it matched (a collision may match an earlier step), it is a step in the
        # window whose code is the code given: never a step outside the window.
        assert match.step in in_window and otp.hotp(key, match.step, algorithm=algorithm) == code
    else:
        assert all(otp.hotp(key, s, algorithm=algorithm) != code for s in in_window)


@given(KEYS, TIMES)
def test_steps_are_whole_periods_and_codes_are_stable_within_one(key, now):
    start = otp.time_step(now) * 30
    assert otp.totp(key, start) == otp.totp(key, start + 29) == otp.hotp(key, otp.time_step(now))
