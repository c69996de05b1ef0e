"""twofold_settle_otp also settles a code sent by SMS, voice or email

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

Okta's factor verify with a sent code takes the hot path: the stored function's claim is a TOTP
step or the spend of the challenge the code matched (p_challenge_id), and a sent code's failure
rows name its factor (p_names_factor), as the transactional path's do. Two more parameters make
a new signature, so the old one is dropped first (CREATE OR REPLACE would add an overload). The
downgrade installs the text 0013 installed, kept here whole.
"""
from alembic import op

from twofold.store.settle import function_source

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_SIGNATURE_OF_0013 = ("text, text, bigint, boolean, text, bigint, integer, bigint, text, text, text, text, text, "
                      "text, text, text")
_SIGNATURE = _SIGNATURE_OF_0013 + ", text, boolean"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS twofold_settle_otp({_SIGNATURE_OF_0013})")
        op.execute(function_source())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS twofold_settle_otp({_SIGNATURE})")
        op.execute(TEXT_OF_0013)


# The function as 0013 installed it (the file's text until this revision): a snapshot.
TEXT_OF_0013 = r"""
CREATE OR REPLACE FUNCTION twofold_settle_otp(
    p_user_id text, p_factor_id text, p_step bigint, p_replayed boolean, p_txn_id text,
    p_now bigint, p_max_failures integer, p_cooldown_ms bigint,
    p_event_id text, p_extra_event_id text, p_client_id text, p_ip text, p_user_agent text,
    p_detail text, p_success_event text, p_success_detail text)
RETURNS TABLE (outcome text, attempt integer, retry_at bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_stored integer;  -- the counter as read
    v_failures integer;  -- the failures that still count (0 once the cooldown has passed)
    v_last bigint;
    v_attempt integer;
BEGIN
    -- The row lock serialises every attempt of this user until the commit.
    SELECT mfa_failures, mfa_last_attempt_at INTO v_stored, v_last
    FROM users WHERE id = p_user_id AND (p_txn_id IS NULL OR status = 'ACTIVE') FOR UPDATE;
    v_failures := v_stored;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'gone'::text, 0, 0::bigint;
        RETURN;
    END IF;
    IF v_failures >= p_max_failures THEN
        IF v_last > p_now - p_cooldown_ms THEN
            INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                                      ip, user_agent, detail)
            VALUES (p_event_id, p_now, 'mfa.verify', 'DENY', 'locked_out', p_user_id, p_client_id, NULL,
                    p_ip, p_user_agent, p_detail);
            RETURN QUERY SELECT 'locked'::text, 0, v_last + p_cooldown_ms;
            RETURN;
        END IF;
        v_failures := 0;  -- the cooldown has passed: counting starts again
    END IF;
    v_attempt := v_failures + 1;  -- this attempt, counted before the code is judged

    IF p_step IS NOT NULL THEN
        UPDATE factors SET last_used_step = p_step, last_updated_at = p_now
        WHERE id = p_factor_id AND user_id = p_user_id AND status = 'ACTIVE'
          AND (last_used_step IS NULL OR last_used_step < p_step);
        IF FOUND THEN
            IF v_stored <> 0 THEN
                UPDATE users SET mfa_failures = 0, mfa_last_attempt_at = p_now WHERE id = p_user_id;
            END IF;
            INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                                      ip, user_agent, detail)
            VALUES (p_event_id, p_now, 'mfa.verify', 'SUCCESS', NULL, p_user_id, p_client_id, p_factor_id,
                    p_ip, p_user_agent, p_detail);
            IF p_txn_id IS NOT NULL THEN
                UPDATE mfa_transactions SET consumed_at = p_now
                WHERE id = p_txn_id AND consumed_at IS NULL AND expires_at > p_now;
                IF NOT FOUND THEN
                    RETURN QUERY SELECT 'txn_spent'::text, v_attempt, 0::bigint;
                    RETURN;
                END IF;
            END IF;
            IF p_success_event IS NOT NULL THEN
                INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                                          ip, user_agent, detail)
                VALUES (p_extra_event_id, p_now, p_success_event, 'SUCCESS', NULL, p_user_id, p_client_id, NULL,
                        p_ip, p_user_agent, p_success_detail);
            END IF;
            RETURN QUERY SELECT 'ok'::text, v_attempt, 0::bigint;
            RETURN;
        END IF;
        p_replayed := true;  -- a parallel twin claimed this step first
    END IF;

    UPDATE users SET mfa_failures = v_attempt, mfa_last_attempt_at = p_now WHERE id = p_user_id;
    INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                              ip, user_agent, detail)
    VALUES (p_event_id, p_now, 'mfa.verify', 'FAILURE',
            CASE WHEN p_replayed THEN 'replayed' ELSE 'invalid_code' END, p_user_id, p_client_id,
            CASE WHEN p_replayed THEN p_factor_id END, p_ip, p_user_agent, p_detail);
    IF v_attempt >= p_max_failures THEN
        INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                                  ip, user_agent, detail)
        VALUES (p_extra_event_id, p_now, 'user.mfa.lockout', 'DENY', NULL, p_user_id, p_client_id, NULL,
                p_ip, p_user_agent,
                '{"kind": ' || to_json(p_detail::json ->> 'kind')::text || ', "failures": ' || v_attempt || '}');
    END IF;
    RETURN QUERY SELECT CASE WHEN p_replayed THEN 'replayed' ELSE 'invalid' END, v_attempt, 0::bigint;
END
$fn$;
"""
