// TOTP codes from Debian's oathtool, for the SDK walkthroughs.
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
