"""twofold_settle_otp's user.mfa.lockout row names the attempt's kind, as the mfa.verify rows do

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26

The transactional path's lockout row carries {"kind": …, "failures": n} (store/settle.py,
Attempt.lockout_detail); the stored function wrote {"failures": n} only. The function's file,
twofold/store/sql/twofold_settle_otp.sql, now writes the same text; this installs it again on
databases past 0012. Its downgrade installs the text 0012 installed, kept here whole.
"""
from alembic import op

from twofold.store.settle import function_source

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(function_source())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TEXT_OF_0012)


# The function as 0012 installed it (the file's text until this revision): a snapshot.
TEXT_OF_0012 = r"""
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
                p_ip, p_user_agent, '{"failures": ' || v_attempt || '}');
    END IF;
    RETURN QUERY SELECT CASE WHEN p_replayed THEN 'replayed' ELSE 'invalid' END, v_attempt, 0::bigint;
END
$fn$;
"""
