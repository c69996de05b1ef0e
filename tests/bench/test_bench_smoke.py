"""The benchmark's 10-second smoke run (issue: CI runs it so it cannot rot). It checks that
every scenario (SMS pairs through the webhook gateway too) completes operations and that codes
used under load are refused afterwards;
it asserts no speed (speed is for the full benchmark, not for timed tests)."""
from __future__ import annotations

import json
import subprocess
import sys

from ..conftest import ROOT, require_postgres


def test_bench_smoke(tmp_path):
    require_postgres()
    out = subprocess.run([sys.executable, "-m", "bench.run", "--smoke", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    (result,) = tmp_path.glob("*-smoke.json")
    report = json.loads(result.read_text())
    scenarios = report["twofold"]["scenarios"]
    assert set(scenarios) == {"1_okta_verify", "2_auth0_mfa_otp", "3_full_login", "4_wrong_codes", "6_sms_pairs"}
    for name, r in scenarios.items():
        assert r["ok"] > 0, (name, r)
        assert r["server_cpu_s"] and r["server_peak_rss_mib"], name
    assert all(r["errors"] == 0 for r in scenarios.values()), {n: r["errors"] for n, r in scenarios.items()}
    probe = report["twofold"]["size_probe"]
    assert probe["large"]["ok"] > 0 and probe["small"]["ok"] > 0 and probe["large"]["errors"] == 0
    assert "scenario5_p50_ratio_large_vs_small" in report["summary"]
    assert report["summary"]["replayed_codes_refused"] == "100/100"
    # Scenario 6: every pair's code came through the webhook gateway, and a verified code sent
    # again is refused (E0000082).
    sms = scenarios["6_sms_pairs"]
    assert sms["gateway_messages"] >= sms["ok"]
    sms_replays = report["twofold"]["sms_replay_check"]
    assert sms_replays["sampled"] > 0 and sms_replays["refused"] == sms_replays["sampled"], sms_replays
    assert report["generator_ceiling"]["ops_per_s"] > 0
    assert (tmp_path / "smoke.md").read_text().startswith("# twofold benchmark")
    assert (tmp_path / "smoke.png").read_bytes()[:4] == b"\x89PNG"
