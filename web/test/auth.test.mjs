import assert from "node:assert/strict";
import { test } from "node:test";

import { EntraAuth, LocalAuth, decodeClaims, msalConfiguration, stepUpClaims, tokenFresh, userFromDirectory } from "../auth.js";

const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
const jwt = (claims) => `${b64({ alg: "none" })}.${b64(claims)}.x`;
const users = [
  { userPrincipalName: "alice@x.dev", displayName: "Alice", roles: ["Sales.Person"], groups: ["t-east"] },
  { userPrincipalName: "bob@x.dev", displayName: "Bob", roles: ["Sales.Manager"], groups: [] },
];

function memoryStorage(initial = {}) {
  const data = { ...initial };
  return { getItem: (k) => data[k] ?? null, setItem: (k, v) => (data[k] = v), data };
}

test("claims are read from a token, non-ASCII names included; garbage gives none", () => {
  assert.deepEqual(decodeClaims(jwt({ name: "Zoë", roles: ["R"] })), { name: "Zoë", roles: ["R"] });
  assert.deepEqual(decodeClaims("not a token"), {});
});

test("a token is reused until a minute before it expires", () => {
  const now = 1_000_000_000_000;
  assert.equal(tokenFresh({ exp: now / 1000 + 120 }, now), true);
  assert.equal(tokenFresh({ exp: now / 1000 + 30 }, now), false);
  assert.equal(tokenFresh(undefined, now), false);
});

test("the local sign-in remembers the chosen user for the tab", () => {
  const storage = memoryStorage({ "autocapture.user": "bob@x.dev" });
  const auth = new LocalAuth("", users, storage);
  assert.equal(auth.user.id, "bob@x.dev");
  assert.deepEqual(auth.select("alice@x.dev"), userFromDirectory(users[0]));
  assert.equal(storage.data["autocapture.user"], "alice@x.dev");
  assert.equal(auth.select("nobody@x.dev"), null);
});

test("development tokens are asked for the user's roles and groups, and cached", async () => {
  const bodies = [];
  const token = jwt({ exp: Date.now() / 1000 + 3600 });
  const fetchImpl = async (url, init) => {
    bodies.push([url, JSON.parse(init.body)]);
    return { ok: true, status: 200, json: async () => ({ token }) };
  };
  const auth = new LocalAuth("http://h/", users, memoryStorage(), fetchImpl);
  assert.equal(await auth.token(), token);
  assert.equal(await auth.token(), token);
  assert.deepEqual(bodies, [["http://h/dev/token", { user: "alice@x.dev", roles: ["Sales.Person"], groups: ["t-east"] }]]);
  await auth.token(true);
  assert.equal(bodies.length, 2, "forceNew asks again");
});

test("MSAL redirects back to the page itself unless told otherwise", () => {
  const config = { clientId: "c", authority: "https://login.microsoftonline.com/t", redirectUri: "" };
  const msal = msalConfiguration(config, { origin: "https://app.example", pathname: "/" });
  assert.equal(msal.auth.redirectUri, "https://app.example/");
  assert.equal(msal.cache.cacheLocation, "sessionStorage");
});

const CLAIMS = '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}';

test("only a conditional-access answer with a claims challenge asks for a step-up", () => {
  assert.equal(stepUpClaims({ autoCapture: { reason: "CONDITIONAL_ACCESS", claims: CLAIMS } }), CLAIMS);
  assert.equal(stepUpClaims({ autoCapture: { reason: "CONDITIONAL_ACCESS" } }), null);
  assert.equal(stepUpClaims({ autoCapture: { reason: "BLOCKED_BY_POLICY", claims: CLAIMS } }), null);
  assert.equal(stepUpClaims(null), null);
});

function entra(storage) {
  const redirects = [];
  const auth = new EntraAuth({ scope: "api://app/access_as_user" }, storage, { href: "https://app.example/#/account/a1" });
  auth.app = { acquireTokenRedirect: async (request) => redirects.push(request) };
  auth.account = { username: "alice@contoso.com" };
  return { auth, redirects };
}

test("the Entra sign-in steps up with MSAL's claims parameter and comes back to the record", async () => {
  const { auth, redirects } = entra(memoryStorage());
  assert.equal(await auth.stepUp(CLAIMS), true);
  assert.deepEqual(redirects, [
    {
      scopes: ["api://app/access_as_user"],
      account: { username: "alice@contoso.com" },
      claims: CLAIMS,
      redirectStartPage: "https://app.example/#/account/a1",
    },
  ]);
});

test("the same challenge after a step-up shows the notice instead of looping", async () => {
  const storage = memoryStorage();
  storage.removeItem = (k) => delete storage.data[k];
  const { auth, redirects } = entra(storage);
  await auth.stepUp(CLAIMS);
  assert.equal(await auth.stepUp(CLAIMS), false, "back from the sign-in, same challenge: no redirect");
  assert.equal(redirects.length, 1);
  auth.steppedUp(); // an answer without a challenge
  assert.equal(await auth.stepUp(CLAIMS), true, "a later challenge steps up again");
  assert.equal(redirects.length, 2);
});
