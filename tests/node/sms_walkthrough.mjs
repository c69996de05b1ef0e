// Seed 001's walkthrough with an SMS factor, driven by the official Okta Node.js SDK against a
// twofold server: enroll, resend, activate with the code the phone got, verify (a challenge,
// then the code), list, get, unenroll.
//
//   ORG_URL=http://127.0.0.1:PORT API_TOKEN=... PHONE=+1415... node tests/node/sms_walkthrough.mjs
//
// The code reaches the phone, not the SDK: for each one the script prints {"need": "code",
// "to": …} and reads the code from its standard input (tests/api/test_okta_node_sdk.py reads
// it from the server's outbox). The last line is the report, as in factors_walkthrough.mjs.
import { createRequire } from 'node:module';
import readline from 'node:readline';
import okta from '@okta/okta-sdk-nodejs';

import { report } from './common.mjs';

const require = createRequire(import.meta.url);
const SDK_VERSION = require('@okta/okta-sdk-nodejs/package.json').version;

const { ORG_URL, API_TOKEN, PHONE } = process.env;
const out = { ok: false, sdkVersion: SDK_VERSION, node: process.version };
let step = 'start';
const input = readline.createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();

async function codeSentTo(to) {
  process.stdout.write(JSON.stringify({ need: 'code', to }) + '\n');
  const { value, done } = await lines.next();
  if (done) throw new Error(`step ${step}: no code on standard input`);
  return value.trim();
}

async function apiError(promise) {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof okta.OktaApiError)) throw err;
    return { name: err.name, status: err.status, errorCode: err.errorCode, errorSummary: err.errorSummary };
  }
  throw new Error(`step ${step}: expected an OktaApiError, the call succeeded`);
}

async function collect(collection) {
  const items = [];
  for await (const item of collection) items.push(item);
  return items;
}

async function main() {
  if (!ORG_URL || !API_TOKEN || !PHONE) throw new Error('ORG_URL, API_TOKEN and PHONE must be set');
  const client = new okta.Client({ orgUrl: ORG_URL, token: API_TOKEN });
  const factors = client.userFactorApi;
  const login = `node-sdk-sms-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;

  step = 'createUser';
  const user = await client.userApi.createUser({
    body: { profile: { firstName: 'Node', lastName: 'Sms', email: login, login },
      credentials: { password: { value: 'correct-horse-battery-9' } } },
    activate: true,
  });

  step = 'enrollFactor(sms)';
  const enrolled = await factors.enrollFactor({
    userId: user.id, body: { factorType: 'sms', provider: 'OKTA', profile: { phoneNumber: PHONE } },
  });
  const resend = enrolled._links?.resend;
  out.enroll = { id: enrolled.id, factorType: enrolled.factorType, status: enrolled.status,
    phoneNumber: enrolled.profile?.phoneNumber ?? null,
    links: Object.entries(enrolled._links ?? {}).filter(([, v]) => v).map(([k]) => k).sort(),
    resendIsArray: Array.isArray(resend), resendName: Array.isArray(resend) ? resend[0]?.name : resend?.name ?? null,
    resend: resend ?? null };
  const first = await codeSentTo(PHONE);

  step = 'resendEnrollFactor';
  await factors.resendEnrollFactor({ userId: user.id, factorId: enrolled.id, resendUserFactor: { factorType: 'sms' } });
  const second = await codeSentTo(PHONE);
  if (first !== second) {
    step = 'activateFactor(first code)';
    out.activateWithFirstCode = await apiError(
      factors.activateFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: first } }));
  }

  step = 'activateFactor';
  const activated = await factors.activateFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: second } });
  out.activate = { status: activated.status, factorType: activated.factorType };

  step = 'verifyFactor(challenge)';
  const challenge = await factors.verifyFactor({ userId: user.id, factorId: enrolled.id });
  out.challenge = { factorResult: challenge.factorResult, phoneNumber: challenge.profile?.phoneNumber ?? null };
  const code = await codeSentTo(PHONE);

  step = 'verifyFactor(code)';
  const verified = await factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: code } });
  out.verify = { factorResult: verified.factorResult };

  step = 'verifyFactor(replay)';
  out.replay = await apiError(
    factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: code } }));

  step = 'listFactors';
  out.list = (await collect(await factors.listFactors({ userId: user.id })))
    .map((f) => ({ id: f.id, factorType: f.factorType, status: f.status }));

  step = 'getFactor';
  const got = await factors.getFactor({ userId: user.id, factorId: enrolled.id });
  out.get = { status: got.status, phoneNumber: got.profile?.phoneNumber ?? null };

  step = 'unenrollFactor';
  await factors.unenrollFactor({ userId: user.id, factorId: enrolled.id });
  out.unenrolled = true;
  out.ok = true;
}

await report(main, out, () => step);
input.close();
