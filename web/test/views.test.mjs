import assert from "node:assert/strict";
import { test } from "node:test";

import { identityView, presetsView } from "../header.js";
import { initialState, reducer } from "../reducers.js";
import { exclusionsView, parseDomains, settingsView } from "../settings.js";
import { domId, summarize, tileView, timelineView, whyMatched } from "../timeline.js";
import { byClass, findAll, textOf } from "../vdom.js";

const contoso = { entityType: "account", id: "a1", name: "Contoso" };
const alice = { id: "alice@x.dev", name: "Alice", roles: ["Sales.Person"], groups: ["t-east"] };
const idle = { expanded: false, busy: false, pending: false, error: null };
const suggestion = {
  id: "g1",
  kind: "email",
  state: "untracked",
  subject: "<b>Quote</b>",
  from: { address: "jane@contoso.com", name: "Jane" },
  to: [],
  cc: [],
  occurredAt: "2026-01-02T10:00:00Z",
  matchedBy: [
    { address: "jane@contoso.com", rule: "primaryContact" },
    { address: "jane@contoso.com", rule: "accountContact" },
  ],
};
const tracked = {
  id: "act-1",
  kind: "meeting",
  state: "tracked",
  subject: "QBR",
  from: "alice@x.dev",
  to: ["jane@contoso.com"],
  direction: "outgoing",
  attachments: [{ name: "a.pdf", size: 2048, contentType: "application/pdf" }],
  occurredAt: "2026-01-02T10:00:00Z",
};

const buttons = (node, name) => findAll(node, (n) => n.tag === "button" && textOf(n).startsWith(name));

test("a suggestion's tile is keyed by its id, private, with a Track button and why it matched", () => {
  const tile = tileView(suggestion, idle);
  assert.equal(tile.key, "g1");
  assert.equal(tile.attrs["data-state"], "untracked");
  assert.equal(textOf(byClass(tile, "badge--private")[0]), "Private");
  assert.equal(
    textOf(byClass(tile, "tile__why")[0]),
    "Why it matched: jane@contoso.com — primary contact, account contact",
  );
  assert.deepEqual(buttons(tile, "Track")[0].on.click, { intent: "track", itemId: "g1" });
});

test("subjects stay text: markup in a subject is a string child, never an element", () => {
  const tile = tileView(suggestion, idle);
  assert.equal(textOf(byClass(tile, "tile__subject")[0]), "<b>Quote</b>");
  assert.equal(findAll(tile, (n) => n.tag === "b").length, 0);
});

test("a tracked meeting shows direction and attachments and no Track button", () => {
  const tile = tileView(tracked, idle);
  assert.equal(textOf(byClass(tile, "badge--outgoing")[0]), "Outgoing");
  assert.equal(textOf(byClass(tile, "badge--attachments")[0]), "1 attachment");
  assert.equal(buttons(tile, "Track").length, 0);
  assert.match(textOf(byClass(tile, "tile__meta")[0]), /^Organizer: alice@x.dev with jane@contoso.com/);
});

test("a pending tile says so instead of offering Track; a busy Track button is disabled", () => {
  const pending = tileView(suggestion, { ...idle, pending: true });
  assert.equal(pending.attrs["data-state"], "pending");
  assert.equal(textOf(byClass(pending, "pending-note")[0]), "Tracking pending");
  assert.equal(buttons(pending, "Track").length, 0);
  assert.equal(buttons(tileView(suggestion, { ...idle, busy: true }), "Track")[0].attrs.disabled, "");
});

test("the details toggle says whether the body is open", () => {
  const closed = tileView(suggestion, idle);
  const open = tileView(suggestion, { ...idle, expanded: true });
  assert.equal(buttons(closed, "Details")[0].attrs["aria-expanded"], "false");
  assert.equal(byClass(closed, "tile__body")[0].attrs.hidden, "");
  assert.equal(byClass(open, "tile__body")[0].attrs.hidden, undefined);
});

test("distinct item ids give distinct DOM ids", () => {
  assert.notEqual(domId("a/b"), domId("a_b"));
});

test("the summary counts tracked, private and pending items", () => {
  assert.equal(summarize([tracked, suggestion, { ...suggestion, state: "pending" }]), "1 tracked · 1 private suggestion · 1 pending");
  assert.equal(whyMatched([]), "");
});

test("the timeline panel shows the record, the mailbox notice and one tile per item", () => {
  const state = [
    { type: "booted", mode: "local", user: alice },
    { type: "recordOpened", record: contoso },
    {
      type: "timelineLoaded",
      record: contoso,
      data: { record: contoso, items: [suggestion, tracked], autoCapture: { active: true, notice: "Mailbox unavailable" } },
    },
  ].reduce(reducer, initialState());
  const view = timelineView(state);
  assert.equal(view.heading, "Contoso");
  assert.equal(view.sub, "account · a1");
  assert.deepEqual(view.notice, { text: "Mailbox unavailable", muted: false });
  assert.deepEqual(view.tiles.map((t) => t.key), ["g1", "act-1"]);
  assert.equal(view.empty, false);
});

test("before sign-in in Entra mode the panel asks to sign in", () => {
  const state = reducer(initialState(), { type: "booted", mode: "entra", user: null });
  assert.equal(timelineView(state).sub, "Sign in to see timelines.");
  assert.equal(textOf(identityView(state)[0]), "Sign in");
});

test("the local user switcher lists the directory's users with their roles", () => {
  const users = [
    { userPrincipalName: "alice@x.dev", displayName: "Alice", roles: ["Sales.Person"], groups: ["t-east"] },
    { userPrincipalName: "dave@x.dev", displayName: "Dave", roles: [], groups: [] },
  ];
  const state = reducer(initialState(), { type: "booted", mode: "local", users, user: alice });
  const options = findAll(identityView(state)[1], (n) => n.tag === "option");
  assert.deepEqual(options.map(textOf), ["Alice (Sales.Person)", "Dave (no role)"]);
  assert.equal(options[0].props.selected, true);
  assert.equal(textOf(identityView(state)[2]), "alice@x.dev · teams t-east");
});

test("presets are grouped by entity type", () => {
  const view = presetsView([
    { entityType: "account", id: "a1", name: "Contoso" },
    { entityType: "contact", id: "c1", name: "Jane" },
    { entityType: "account", id: "a2", name: "Fabrikam" },
  ]);
  assert.deepEqual(view.slice(1).map((g) => [g.attrs.label, g.children.length]), [["account", 2], ["contact", 1]]);
});

test("the settings panel offers the personal option only while the org flag is on, and org options to admins", () => {
  const load = (user, data) =>
    [{ type: "booted", mode: "local", user }, { type: "settingsLoaded", data }].reduce(reducer, initialState());
  const on = { org: { autoCaptureEnabled: true }, user: { showUntrackedEmail: true, excluded: [] } };
  const off = { org: { autoCaptureEnabled: false } };
  assert.equal(settingsView(load(alice, on)).personal.showUntracked, true);
  assert.equal(settingsView(load(alice, on)).org, null);
  assert.equal(settingsView(load(alice, off)).personal, null);
  assert.equal(settingsView(load(alice, off)).orgOff, true);
  const carol = { ...alice, roles: ["AutoCapture.Admin"] };
  assert.equal(settingsView(load(carol, off)).org.enabled, false);
});

test("a rejected exclusion is shown next to its field and marks it invalid", () => {
  const [, , form] = exclusionsView({ scope: "org", title: "Organisation exclusions", help: "", entries: [], error: "bad 'x'", draft: "x" });
  const input = findAll(form, (n) => n.tag === "input")[0];
  assert.equal(input.attrs["aria-invalid"], "true");
  assert.equal(input.props.value, "x");
  assert.equal(textOf(findAll(form, (n) => n.attrs.id === "org-exclusion-error")[0]), "bad 'x'");
});

test("internal domains may be separated by commas, semicolons or spaces", () => {
  assert.deepEqual(parseDomains(" a.com, b.com;c.com  d.com "), ["a.com", "b.com", "c.com", "d.com"]);
});

test("a failed or stale Track offers Retry, which is the Track intent again", () => {
  const failed = tileView(suggestion, { ...idle, error: "Tracking failed: TEMPORARY" });
  const [retry] = buttons(failed, "Retry");
  assert.ok(retry, "Retry on a failed request");
  assert.equal(buttons(failed, "Track").length, 0);
  assert.deepEqual(retry.on.click, { intent: "track", itemId: "g1" });

  const stale = tileView(suggestion, { ...idle, pending: true, stale: true });
  assert.equal(stale.attrs["data-state"], "pending");
  assert.match(textOf(byClass(stale, "pending-note")[0]), /Taking longer than usual/);
  assert.equal(buttons(stale, "Retry").length, 1);
});
