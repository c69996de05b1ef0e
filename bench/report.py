"""Results: JSON, a Markdown summary and a PNG chart (throughput and latency per scenario)."""
from __future__ import annotations

import json
import time
from pathlib import Path

TARGETS = {"1_okta_verify": 1500, "2_auth0_mfa_otp": 800, "6_sms_pairs": 400}


def summarize(report: dict) -> dict:
    tf = report["twofold"]["scenarios"]
    summary: dict = {}
    peer = report.get("privacyidea")
    s1 = tf.get("1_okta_verify")
    if s1 and peer and peer.get("ops_per_s"):
        summary["ratio_scenario1_vs_privacyidea"] = round(s1["ops_per_s"] / peer["ops_per_s"], 1)
    if "3_full_login" in tf and report.get("argon2id_verify_ms"):
        cores = report["machine"]["cpus"]
        bound = cores / (report["argon2id_verify_ms"] / 1000)
        summary["scenario3_argon2_bound_per_s"] = round(bound, 1)
        summary["scenario3_share_of_bound"] = round(tf["3_full_login"]["ops_per_s"] / bound, 2)
        if report.get("argon2id_parallel_per_s"):
            summary["scenario3_share_of_parallel_argon2"] = round(
                tf["3_full_login"]["ops_per_s"] / report["argon2id_parallel_per_s"], 2)
    probe = report["twofold"].get("size_probe")
    if probe and probe["small"].get("p50_ms"):
        summary["scenario5_p50_ratio_large_vs_small"] = round(probe["large"]["p50_ms"] / probe["small"]["p50_ms"], 2)
        cpu = {k: (sum(v["server_cpu_s"].values()) + v["postgres_cpu_s"]) / max(1, v["ok"]) for k, v in probe.items()
               if isinstance(v, dict)}
        summary["scenario5_cpu_per_verification_ratio"] = round(cpu["large"] / cpu["small"], 2)
    for name, target in TARGETS.items():
        if name in tf:
            summary[f"{name}_meets_{target}_per_s"] = tf[name]["ops_per_s"] >= target
    rc = report["twofold"].get("replay_check")
    if rc:
        summary["replayed_codes_refused"] = f"{rc['refused']}/{rc['sampled']}"
    s6 = tf.get("6_sms_pairs")
    if s6 and s6.get("server_cpu_ms_per_pair") is not None:
        summary["scenario6_server_cpu_ms_per_pair"] = s6["server_cpu_ms_per_pair"]
        summary["scenario6_postgres_cpu_ms_per_pair"] = s6["postgres_cpu_ms_per_pair"]
        summary["scenario6_bench_process_cpu_ms_per_pair"] = round(s6["bench_process_cpu_s"] / s6["ok"] * 1000, 3)
    rc6 = report["twofold"].get("sms_replay_check")
    if rc6:
        summary["sms_replayed_codes_refused"] = f"{rc6['refused']}/{rc6['sampled']}"
    return summary


def _rows(report: dict):
    for name, r in report["twofold"]["scenarios"].items():
        yield f"twofold {name} (N={report['twofold']['users']})", r
    probe = report["twofold"].get("size_probe")
    if probe:
        yield f"twofold 5_size N={report['twofold']['users']}", probe["large"]
        yield f"twofold 5_size N={probe['small_users']}", probe["small"]
    if report.get("privacyidea"):
        yield "privacyIDEA /validate/check", report["privacyidea"]
    yield "wrk ceiling (fixed-answer server)", report["generator_ceiling"]


def markdown(report: dict) -> str:
    lines = [f"# twofold benchmark, {report['started']}", "",
             f"Machine: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}. "
             f"Server: {report['settings']['workers']} workers; wrk {report['settings']['wrk_threads']} threads, "
             f"{report['settings']['connections']} connections. argon2id {report['settings']['argon2id']}: "
             + (f"{report['argon2id_verify_ms']} ms per verification, {report['argon2id_parallel_per_s']} "
                "verifications/s on all cores at once (measured just before scenario 3)."
                if report.get("argon2id_verify_ms") else "not measured (no scenario 3)."), "",
             "| run | ops/s | p50 ms | p95 ms | p99 ms | errors | server CPU s | PostgreSQL CPU s |",
             "|---|---|---|---|---|---|---|---|"]
    for label, r in _rows(report):
        cpu = sum(r.get("server_cpu_s", {}).values()) if r.get("server_cpu_s") else ""
        lines.append(f"| {label} | {r['ops_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                     f"{r['errors']} | {round(cpu, 1) if cpu != '' else ''} | {r.get('postgres_cpu_s', '')} |")
    lines += ["", "Summary:", "", "```json", json.dumps(report["summary"], indent=2), "```", ""]
    return "\n".join(lines)


def chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(label, r) for label, r in _rows(report) if "ceiling" not in label]
    labels = [label.replace("twofold ", "").replace(" /validate/check", "") for label, _ in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.barh(labels, [r["ops_per_s"] for _, r in rows], color="#3b7dd8")
    a.set_xlabel("successful operations / s")
    a.invert_yaxis()
    for key, color in (("p50_ms", "#7fb36b"), ("p95_ms", "#e0a23b"), ("p99_ms", "#d0543b")):
        b.scatter([r[key] or 0 for _, r in rows], labels, label=key.replace("_ms", ""), color=color)
    b.set_xscale("log")
    b.set_xlabel("latency (ms, log)")
    b.invert_yaxis()
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(report: dict, out: Path, *, name: str = "latest") -> list[Path]:
    report["summary"] = summarize(report)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    suffix = "" if name == "latest" else "-" + name.removeprefix("latest-")
    paths = [out / f"{stamp}{suffix}.json", out / f"{name}.md", out / f"{name}.png"]
    paths[0].write_text(json.dumps(report, indent=2))
    paths[1].write_text(markdown(report))
    chart(report, paths[2])
    return paths
