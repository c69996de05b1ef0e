-- twofold_settle_otp: the hot path's settle on PostgreSQL (see twofold/store/settle.py, which
-- runs the same steps as statements on SQLite, and docs/architecture.md "Single use and lockout").
--
-- This file is the function's whole current text. Migrations install it with CREATE OR REPLACE
-- (0012 first); a change to it comes with a migration that installs it again and keeps, for its
-- downgrade, the text it replaces. tests/service/test_settle.py runs one table of scenarios on
-- both backends and checks that they decide alike.
--
-- Count the attempt (R31; a locked user is refused), claim the step (R1, R2), reset the counter
-- on success (R32), spend the MFA transaction if there is one (R46) and write the audit rows,
-- as one call: one round trip and one commit. The user row is locked first and stays locked to
-- the commit, so concurrent attempts for one user run one after the other, and in a VOLATILE
-- PL/pgSQL function each statement takes a fresh snapshot, so each sees its predecessor's
-- commit. The counter is written once per attempt: the new count on a failure, and on a
-- success only when it was not zero already (the common case writes no user row at all). With
-- an MFA transaction to spend, only a user still ACTIVE is locked and served: one deactivated
-- or suspended since the caller read it is 'gone' (migration 0009). p_detail is the mfa.verify
-- rows' detail, {"kind": …}; the lockout row names the same kind before its count, in the key
-- order and spacing of store/settle.py's Attempt.lockout_detail (migration 0013).
-- The claim is a TOTP step (p_step) or, for a code sent by SMS, voice or email, the spend of
-- the challenge it matched (p_challenge_id, single use while alive, R1, R20); a sent code
-- answers one factor, so its failure rows name it (p_names_factor; migration 0015).
CREATE OR REPLACE FUNCTION twofold_settle_otp(
    p_user_id text, p_factor_id text, p_step bigint, p_replayed boolean, p_txn_id text,
    p_now bigint, p_max_failures integer, p_cooldown_ms bigint,
    p_event_id text, p_extra_event_id text, p_client_id text, p_ip text, p_user_agent text,
    p_detail text, p_success_event text, p_success_detail text,
    p_challenge_id text, p_names_factor boolean)
RETURNS TABLE (outcome text, attempt integer, retry_at bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_stored integer;  -- the counter as read
    v_failures integer;  -- the failures that still count (0 once the cooldown has passed)
    v_last bigint;
    v_attempt integer;
    v_claimed boolean;
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
        v_claimed := FOUND;
    ELSIF p_challenge_id IS NOT NULL THEN
        UPDATE oob_challenges SET used_at = p_now
        WHERE id = p_challenge_id AND factor_id = p_factor_id AND used_at IS NULL AND expires_at > p_now
          AND EXISTS (SELECT 1 FROM factors
                      WHERE id = p_factor_id AND user_id = p_user_id AND status = 'ACTIVE');
        v_claimed := FOUND;
    END IF;
    IF p_step IS NOT NULL OR p_challenge_id IS NOT NULL THEN
        IF v_claimed THEN
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
        p_replayed := true;  -- a parallel twin claimed this step (or spent this challenge) first
    END IF;

    UPDATE users SET mfa_failures = v_attempt, mfa_last_attempt_at = p_now WHERE id = p_user_id;
    INSERT INTO audit_events (id, at, event_type, outcome, reason, user_id, client_id, factor_id,
                              ip, user_agent, detail)
    VALUES (p_event_id, p_now, 'mfa.verify', 'FAILURE',
            CASE WHEN p_replayed THEN 'replayed' ELSE 'invalid_code' END, p_user_id, p_client_id,
            CASE WHEN p_replayed OR p_names_factor THEN p_factor_id END, p_ip, p_user_agent, p_detail);
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
