// The Okta Factors walkthrough (seed 001: create a user, enroll a factor, activate it, verify
// it) driven by the official Okta Node.js SDK against a twofold server.
//
//   ORG_URL=http://127.0.0.1:PORT API_TOKEN=... node tests/node/factors_walkthrough.mjs
//
// Prints one JSON line with what it observed and exits 0; on an unexpected failure it prints
// a JSON line with "ok": false, the step and the error, and exits 1. Codes come from Debian's
// oathtool, an implementation independent of the server's.
import { createRequire } from 'node:module';
import okta from '@okta/okta-sdk-nodejs';

import { report, twoCodes } from './common.mjs';

const require = createRequire(import.meta.url);
const SDK_VERSION = require('@okta/okta-sdk-nodejs/package.json').version;

const ORG_URL = process.env.ORG_URL;
const API_TOKEN = process.env.API_TOKEN;
const out = { ok: false, sdkVersion: SDK_VERSION, node: process.version };
let step = 'start';

function apiError(err) {
  if (!(err instanceof okta.OktaApiError)) throw err;
  return { name: err.name, status: err.status, errorCode: err.errorCode, errorSummary: err.errorSummary,
    errorCauses: err.errorCauses, errorId: err.errorId };
}

async function expectApiError(promise) {
  try {
    await promise;
  } catch (err) {
    return apiError(err);
  }
  throw new Error(`step ${step}: expected an OktaApiError, the call succeeded`);
}

async function collect(collection) {
  const items = [];
  for await (const item of collection) items.push(item);
  return items;
}

async function main() {
  if (!ORG_URL || !API_TOKEN) throw new Error('ORG_URL and API_TOKEN must be set');
  step = 'client';
  const client = new okta.Client({ orgUrl: ORG_URL, token: API_TOKEN });
  const users = client.userApi;
  const factors = client.userFactorApi;
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e9)}`;

  // Seed 001 "Create User without Credentials": POST /api/v1/users?activate=false, profile only.
  step = 'createUser(no credentials)';
  const login = `node-sdk-${stamp}@example.com`;
  const user = await users.createUser({
    body: { profile: { firstName: 'Node', lastName: 'Sdk', email: login, login } },
    activate: false,
  });
  out.userWithoutCredentials = { id: user.id, status: user.status, login: user.profile?.login,
    hasPassword: Boolean(user.credentials?.password) };

  step = 'createUser(password)';
  const login2 = `node-sdk-pw-${stamp}@example.com`;
  const user2 = await users.createUser({
    body: { profile: { firstName: 'Node', lastName: 'Sdk', email: login2, login: login2 },
      credentials: { password: { value: 'correct-horse-battery-9' } } },
    activate: true,
  });
  out.userWithPassword = { id: user2.id, status: user2.status, hasPassword: Boolean(user2.credentials?.password) };

  step = 'enrollFactor';
  const enrolled = await factors.enrollFactor({
    userId: user.id, body: { factorType: 'token:software:totp', provider: 'GOOGLE' },
  });
  const activation = enrolled._embedded?.activation ?? {};
  const secret = activation.sharedSecret;
  out.enroll = { id: enrolled.id, factorType: enrolled.factorType, provider: enrolled.provider,
    status: enrolled.status, sharedSecretLength: secret ? secret.length : 0,
    encoding: activation.encoding, timeStep: activation.timeStep,
    qrcodeType: enrolled._embedded?._links?.qrcode?.type ?? activation._links?.qrcode?.type ?? null,
    // The SDK's model has a slot for every link name; keep the ones the server sent.
    links: Object.entries(enrolled._links ?? {}).filter(([, v]) => v).map(([k]) => k).sort() };
  if (!secret) throw new Error('no _embedded.activation.sharedSecret in the enroll response');

  const [first, second] = twoCodes(secret);
  step = 'activateFactor';
  const activated = await factors.activateFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: first } });
  out.activate = { status: activated.status, factorType: activated.factorType };

  step = 'verifyFactor';
  const verified = await factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: second } });
  out.verify = { factorResult: verified.factorResult };

  step = 'verifyFactor(replay)';
  out.replay = await expectApiError(
    factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: second } }));

  step = 'verifyFactor(wrong code)';
  const wrong = second === '000000' ? '111111' : '000000';
  out.wrongCode = await expectApiError(
    factors.verifyFactor({ userId: user.id, factorId: enrolled.id, body: { passCode: wrong } }));

  step = 'listFactors';
  const listed = await collect(await factors.listFactors({ userId: user.id }));
  out.list = listed.map((f) => ({ id: f.id, factorType: f.factorType, provider: f.provider, status: f.status }));

  step = 'getFactor';
  const got = await factors.getFactor({ userId: user.id, factorId: enrolled.id });
  out.get = { id: got.id, status: got.status, hasEmbedded: got._embedded != null,
    verifyHref: got._links?.verify?.href ?? null };

  step = 'listSupportedFactors';
  const catalog = await collect(await factors.listSupportedFactors({ userId: user.id }));
  out.catalog = catalog.map((f) => ({ factorType: f.factorType, provider: f.provider, status: f.status }));

  step = 'listSupportedSecurityQuestions';
  const questions = await collect(await factors.listSupportedSecurityQuestions({ userId: user.id }));
  out.questions = questions.map((q) => q.question);

  step = 'unenrollFactor';
  await factors.unenrollFactor({ userId: user.id, factorId: enrolled.id });
  out.unenrolled = true;

  step = 'getFactor(deleted)';
  out.getDeleted = await expectApiError(factors.getFactor({ userId: user.id, factorId: enrolled.id }));

  step = 'enrollFactor(question)';
  const question = await factors.enrollFactor({
    userId: user2.id,
    body: { factorType: 'question', provider: 'OKTA', profile: { question: 'disliked_food', answer: 'mayonnaise' } },
  });
  out.question = { factorType: question.factorType, status: question.status, question: question.profile?.question };

  step = 'verifyFactor(answer)';
  const answered = await factors.verifyFactor({ userId: user2.id, factorId: question.id, body: { answer: 'Mayonnaise' } });
  out.questionVerify = { factorResult: answered.factorResult };

  step = 'verifyFactor(wrong answer)';
  out.questionWrong = await expectApiError(
    factors.verifyFactor({ userId: user2.id, factorId: question.id, body: { answer: 'ketchup' } }));

  out.ok = true;
}

await report(main, out, () => step);
