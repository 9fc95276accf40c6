import assert from "node:assert/strict";
import { test } from "node:test";

import { Api, ApiError, exclusionErrorMessage, getDirectory, isAbort, isTransient, latestOnly, parseDirectory, sleep, timelineErrorMessage } from "../api.js";
import { hashFor, recordFromLocation, recordFromPreset } from "../route.js";
import { normalizeConfig } from "../config.js";

function reply(status, body) {
  return { ok: status < 400, status, text: async () => (body === undefined ? "" : JSON.stringify(body)), json: async () => body };
}

test("a problem+json answer becomes an ApiError naming title and detail", async () => {
  const api = new Api("", async () => "t", async () => reply(404, { title: "Not found", detail: "no record account:x" }));
  await assert.rejects(api.timeline({ entityType: "account", id: "x" }), (err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.equal(err.message, "Not found: no record account:x");
    return true;
  });
});

test("a 401 is retried once with a fresh token", async () => {
  const tokens = [];
  const answers = [reply(401, {}), reply(200, { ok: true })];
  const api = new Api("", async (forceNew) => (tokens.push(forceNew), "t"), async () => answers.shift());
  const { data } = await api.settings();
  assert.deepEqual(data, { ok: true });
  assert.deepEqual(tokens, [false, true]);
});

test("requests carry the bearer token, the caller's signal and an encoded path", async () => {
  const seen = [];
  const api = new Api("https://x/", async () => "tok", async (url, init) => (seen.push([url, init]), reply(200, {})));
  const controller = new AbortController();
  await api.timeline({ entityType: "account", id: "a/1" }, controller.signal);
  assert.equal(seen[0][0], "https://x/api/timeline/account/a%2F1");
  assert.equal(seen[0][1].headers.Authorization, "Bearer tok");
  assert.equal(seen[0][1].signal, controller.signal);
});

test("an aborted request rejects with the abort, not as an unreachable service", async () => {
  const abort = new DOMException("superseded", "AbortError");
  const api = new Api("", async () => "t", async () => Promise.reject(abort));
  await assert.rejects(api.settings(), (err) => isAbort(err));
});

test("an unreachable service is status 0 and worth retrying; a 403 is not", () => {
  assert.equal(isTransient(new ApiError(0, {})), true);
  assert.equal(isTransient(new ApiError(503, {})), true);
  assert.equal(isTransient(new ApiError(403, {})), false);
});

test("sleep ends early when its signal aborts", async () => {
  const controller = new AbortController();
  const waiting = sleep(60_000, controller.signal);
  controller.abort();
  await assert.rejects(waiting, (err) => isAbort(err));
});

test("timeline errors say what they mean to the user", () => {
  const record = { entityType: "account", id: "a1" };
  assert.equal(timelineErrorMessage(new ApiError(403, { title: "Forbidden", detail: "not yours" }), record), "You may not see this record. not yours");
  assert.equal(timelineErrorMessage(new ApiError(404, { title: "Not found" }), record), "No account with id a1.");
  assert.equal(exclusionErrorMessage(new ApiError(400, { title: "Invalid", detail: "entry 'x' is bad" })), "entry 'x' is bad");
});

test("the directory keeps well-formed users and records and drops the rest", () => {
  const parsed = parseDirectory({
    users: [{ userPrincipalName: "a@x", displayName: "A", roles: ["R", 3], groups: ["g"] }, { displayName: "no upn" }],
    records: [{ entityType: "account", id: "a1", name: "Contoso" }, { id: "no type" }],
  });
  assert.deepEqual(parsed.users, [{ userPrincipalName: "a@x", displayName: "A", roles: ["R"], groups: ["g"] }]);
  assert.deepEqual(parsed.records, [{ entityType: "account", id: "a1", name: "Contoso" }]);
  assert.deepEqual(parseDirectory(null), { users: [], records: [] });
});

test("without a directory endpoint the page says so", async () => {
  await assert.rejects(getDirectory("", async () => reply(404, {})), /GET \/dev\/directory: 404/);
});

test("the record comes from the hash or from query parameters", () => {
  assert.deepEqual(recordFromLocation({ hash: "#/account/a%2F1" }), { entityType: "account", id: "a/1" });
  assert.deepEqual(recordFromLocation({ search: "?entityType=lead&id=l1" }), { entityType: "lead", id: "l1" });
  assert.equal(recordFromLocation({ hash: "#/account/" }), null);
  assert.equal(hashFor({ entityType: "account", id: "a/1" }), "#/account/a%2F1");
  assert.deepEqual(recordFromPreset("project/p/1"), { entityType: "project", id: "p/1" });
  assert.equal(recordFromPreset(""), null);
});

test("an Entra configuration needs client id, authority and scope; local needs nothing", () => {
  assert.deepEqual(normalizeConfig({ mode: "local" }), { mode: "local", apiBase: "" });
  assert.throws(() => normalizeConfig({ mode: "entra", clientId: "c" }), /authority, scope/);
  const entra = normalizeConfig({ mode: "entra", clientId: "c", authority: "https://login/t", scope: "api://c/access_as_user" });
  assert.equal(entra.msalScript, "./vendor/msal-browser.min.js");
  assert.equal(entra.redirectUri, "");
});

test("latestOnly: a newer request aborts the one before it, and an abort is no failure", async () => {
  const requests = latestOnly();
  const failures = [];
  const signals = [];
  const wait = (signal) => (signals.push(signal), sleep(10_000, signal));
  const first = requests.run(wait, (err) => failures.push(err));
  const second = requests.run(wait, (err) => failures.push(err));
  await first;
  assert.deepEqual(signals.map((s) => s.aborted), [true, false]);
  requests.abort();
  await second;
  assert.deepEqual(failures, []);
});

test("latestOnly: a failure is reported; abort() and the outer signal abort the request running", async () => {
  const session = new AbortController();
  const requests = latestOnly(() => session.signal);
  const failures = [];
  await requests.run(async () => {
    throw new Error("boom");
  }, (err) => failures.push(err.message));
  assert.deepEqual(failures, ["boom"]);
  const signals = [];
  const wait = (signal) => (signals.push(signal), sleep(10_000, signal));
  const aborted = requests.run(wait, (err) => failures.push(err.message));
  requests.abort();
  await aborted;
  const ended = requests.run(wait, (err) => failures.push(err.message));
  session.abort();
  await ended;
  assert.deepEqual(signals.map((s) => s.aborted), [true, true]);
  assert.deepEqual(failures, ["boom"]);
});
