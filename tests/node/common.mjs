// Shared by the SDK walkthroughs: TOTP codes from Debian's oathtool, and the report line.
import { execFileSync } from 'node:child_process';

export function totp(secret, epochSeconds) {
  return execFileSync('oathtool', ['--totp', '-b', `--now=@${Math.floor(epochSeconds)}`, secret],
    { encoding: 'utf8' }).trim();
}

// Two codes of consecutive 30 s steps, both inside the server's ±1 step window for at least
// 10 s (as tests/support.py two_codes). The server refuses any step at or before the last
// accepted one, so use them in order.
export function twoCodes(secret) {
  const now = Date.now() / 1000;
  if (now % 30 <= 20) return [totp(secret, now - 30), totp(secret, now)];
  return [totp(secret, now), totp(secret, now + 30)];
}

// Runs a walkthrough and prints one JSON line of what it saw; on a failure the line also says
// at which step (currentStep()) and why, and the exit code is 1.
export async function report(main, out, currentStep) {
  try {
    await main();
  } catch (err) {
    out.step = currentStep();
    out.error = { name: err?.name, message: String(err?.message ?? err), status: err?.status, errorCode: err?.errorCode };
    process.exitCode = 1;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
