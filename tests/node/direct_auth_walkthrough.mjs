// Seed 000, Okta direct authentication (MFA OTP flow), driven by the official Okta Node.js SDK
// against a twofold server, on the `default` authorization server and on the org server:
// create a user with a password, enroll and activate Okta Verify TOTP (typed calls); register
// a client; password grant → 403 mfa_required; challenge; mfa-otp grant → tokens.
//
//   ORG_URL=http://127.0.0.1:PORT API_TOKEN=... node tests/node/direct_auth_walkthrough.mjs
//
// The SDK has no typed methods for the OAuth endpoints, so those calls go through its generic
// facility, client.http.http(url, {method, headers, body}) (README: "Call other API
// Endpoints"), which adds the client's default headers (Authorization: SSWS <token>,
// User-Agent). It throws on any non-2xx answer with an OktaApiError built from Okta's error
// fields only (errorCode, errorSummary, ...), so an OAuth error body such as
// {"error":"mfa_required","mfa_token":…} is lost; to read one, the request goes one level down,
// to the client's request executor (client.requestExecutor.fetch, the transport under
// client.http.http), with the same default headers.
//
// Prints one JSON line with what it observed and exits 0; on an unexpected failure it prints
// a JSON line with "ok": false, the step and the error, and exits 1. Codes come from Debian's
// oathtool, an implementation independent of the server's (tests/api/test_okta_sdk_direct_auth.py
// runs it and checks the output).
import { createRequire } from 'node:module';
import okta from '@okta/okta-sdk-nodejs';

import { report, twoCodes } from './common.mjs';

const require = createRequire(import.meta.url);
const SDK_VERSION = require('@okta/okta-sdk-nodejs/package.json').version;

const ORG_URL = process.env.ORG_URL;
const API_TOKEN = process.env.API_TOKEN;
const MFA_OTP = 'http://auth0.com/oauth/grant-type/mfa-otp';
const FORM = 'application/x-www-form-urlencoded';
const SCOPE = 'openid profile';
const PASSWORD = 'correct-horse-battery-9';
const out = { ok: false, sdkVersion: SDK_VERSION, node: process.version, servers: {}, sent: [] };
let step = 'start';

// The JWT payload, not verified (the Python test verifies signatures).
function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function formRequest(params) {
  return { method: 'POST', headers: { 'Content-Type': FORM, Accept: 'application/json' },
    body: new URLSearchParams(params).toString() };
}

async function main() {
  if (!ORG_URL || !API_TOKEN) throw new Error('ORG_URL and API_TOKEN must be set');
  step = 'client';
  const client = new okta.Client({ orgUrl: ORG_URL, token: API_TOKEN });
  const base = client.baseUrl;

  // What went out on the OAuth endpoints: the executor's documented "request" event.
  client.requestExecutor.on('request', (request) => {
    const path = new URL(request.url).pathname;
    if (!/\/v1\/(token|challenge)$/.test(path)) return;
    const auth = request.headers?.Authorization ?? null;
    out.sent.push({ path, method: request.method, contentType: request.headers?.['Content-Type'] ?? null,
      authorization: auth === `SSWS ${API_TOKEN}` ? 'SSWS <api token>' : auth });
  });

  // client.http.http: the SDK's generic call; resolves with the response for a 2xx answer.
  async function viaHttp(path, params) {
    const res = await client.http.http(`${base}${path}`, formRequest(params));
    return res.json();
  }

  // The request executor under it, with the client's default headers: any status, body kept.
  async function viaExecutor(path, params) {
    const request = formRequest(params);
    request.url = `${base}${path}`;
    request.headers = { ...client.http.defaultHeaders, ...request.headers };
    const res = await client.requestExecutor.fetch(request);
    return { status: res.status, body: await res.json() };
  }

  for (const prefix of ['/oauth2/default', '/oauth2']) {
    const run = {};
    out.servers[prefix] = run;
    const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e9)}`;

    // 1. Typed calls: a user with a password, Okta Verify TOTP enrolled and activated.
    step = `${prefix}: createUser`;
    const login = `node-sdk-direct-${stamp}@example.com`;
    const user = await client.userApi.createUser({
      body: { profile: { firstName: 'Node', lastName: 'Sdk', email: login, login },
        credentials: { password: { value: PASSWORD } } },
      activate: true,
    });
    run.user = { id: user.id, status: user.status, hasPassword: Boolean(user.credentials?.password) };

    step = `${prefix}: enrollFactor`;
    const factor = await client.userFactorApi.enrollFactor({
      userId: user.id, body: { factorType: 'token:software:totp', provider: 'OKTA' },
    });
    run.enroll = { factorType: factor.factorType, provider: factor.provider, status: factor.status };
    const secret = factor._embedded?.activation?.sharedSecret;
    if (!secret) throw new Error('no _embedded.activation.sharedSecret in the enroll response');
    const [first, second] = twoCodes(secret);

    step = `${prefix}: activateFactor`;
    const activated = await client.userFactorApi.activateFactor({
      userId: user.id, factorId: factor.id, body: { passCode: first },
    });
    run.activate = { status: activated.status, factorType: activated.factorType };

    // 2. Client registration: SSWS + JSON through client.http.http.
    step = `${prefix}: register client`;
    const regRes = await client.http.http(`${base}/oauth2/v1/clients`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ client_name: 'node-sdk-direct-auth', grant_types: ['password', MFA_OTP],
        token_endpoint_auth_method: 'client_secret_post' }),
    });
    const registered = await regRes.json();
    run.client = { status: regRes.status, id: registered.client_id, grant_types: registered.grant_types,
      token_endpoint_auth_method: registered.token_endpoint_auth_method, hasSecret: Boolean(registered.client_secret) };
    const creds = { client_id: registered.client_id, client_secret: registered.client_secret };
    const passwordGrant = { grant_type: 'password', username: login, password: PASSWORD, scope: SCOPE };

    // The SSWS header that rides along is not a client credential.
    step = `${prefix}: token without client credentials`;
    run.noClientCredentials = await viaExecutor(`${prefix}/v1/token`, passwordGrant);
    step = `${prefix}: token with a wrong secret`;
    run.wrongSecret = await viaExecutor(`${prefix}/v1/token`,
      { ...passwordGrant, client_id: creds.client_id, client_secret: 'not-the-secret' });

    // 3. Password grant → 403 mfa_required. Through client.http.http it throws, without the body.
    step = `${prefix}: password grant (client.http.http)`;
    try {
      await viaHttp(`${prefix}/v1/token`, { ...passwordGrant, ...creds });
      throw new Error('client.http.http resolved on the password grant; expected a 403');
    } catch (err) {
      if (!(err instanceof okta.OktaApiError)) throw err;
      run.passwordViaHttp = { name: err.name, status: err.status, errorCode: err.errorCode ?? null,
        errorSummary: err.errorSummary, hasMfaToken: JSON.stringify(err).includes('mfa_token') };
    }
    step = `${prefix}: password grant (requestExecutor)`;
    const pw = await viaExecutor(`${prefix}/v1/token`, { ...passwordGrant, ...creds });
    run.password = { status: pw.status, error: pw.body.error, error_description: pw.body.error_description,
      hasMfaToken: Boolean(pw.body.mfa_token) };
    if (!pw.body.mfa_token) throw new Error(`no mfa_token: ${JSON.stringify(pw)}`);

    // 4. Challenge.
    step = `${prefix}: challenge`;
    run.challenge = await viaHttp(`${prefix}/v1/challenge`,
      { mfa_token: pw.body.mfa_token, challenge_types_supported: MFA_OTP, ...creds });

    // 5. mfa-otp with the step after the activation code's.
    step = `${prefix}: mfa-otp grant`;
    const tokens = await viaHttp(`${prefix}/v1/token`,
      { grant_type: MFA_OTP, mfa_token: pw.body.mfa_token, otp: second, ...creds });
    run.tokens = { token_type: tokens.token_type, expires_in: tokens.expires_in, scope: tokens.scope,
      hasAccessToken: Boolean(tokens.access_token), hasIdToken: Boolean(tokens.id_token),
      hasRefreshToken: Boolean(tokens.refresh_token) };
    const at = claims(tokens.access_token);
    run.accessClaims = { iss: at.iss, aud: at.aud, uid: at.uid, cid: at.cid, scp: at.scp, amr: at.amr };
    const idt = claims(tokens.id_token);
    run.idClaims = { iss: idt.iss, aud: idt.aud, sub: idt.sub };
  }
  out.ok = true;
}

await report(main, out, () => step);
