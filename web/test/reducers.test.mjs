import assert from "node:assert/strict";
import { test } from "node:test";

import { initialState, isAdmin, pollDelay, reducer, serverPending, shownItems, STALE_AFTER_MS, tileState } from "../reducers.js";

const contoso = { entityType: "account", id: "a1" };
const alice = { id: "alice@x.dev", name: "Alice", roles: ["Sales.Person"], groups: [] };
const suggestion = { id: "g1", kind: "email", state: "untracked", subject: "Quote" };
const tracked = { id: "act-1", kind: "email", state: "tracked", subject: "Contract" };

function run(...actions) {
  return actions.reduce(reducer, initialState());
}

function withTimeline(items, ...more) {
  return run(
    { type: "booted", mode: "local", users: [], records: [], user: alice },
    { type: "recordOpened", record: contoso },
    { type: "timelineLoaded", record: contoso, data: { record: contoso, items } },
    ...more,
  );
}

test("the reducer never changes the state it is given", () => {
  const before = withTimeline([suggestion]);
  const frozen = JSON.stringify(before);
  reducer(before, { type: "tileToggled", itemId: "g1" });
  reducer(before, { type: "trackPending", itemId: "g1", trackingId: "trk-1" });
  assert.equal(JSON.stringify(before), frozen);
});

test("an answer for a record no longer open is dropped", () => {
  const other = { entityType: "contact", id: "c1" };
  const state = withTimeline([suggestion], { type: "recordOpened", record: other });
  const after = reducer(state, { type: "timelineLoaded", record: contoso, data: { items: [tracked] } });
  assert.equal(after.timeline.data, null);
});

test("an accepted Track shows the suggestion as pending until the job finishes", () => {
  const state = withTimeline([suggestion], { type: "trackPending", itemId: "g1", trackingId: "trk-1" });
  assert.equal(shownItems(state)[0].state, "pending");
  assert.equal(tileState(state, suggestion).pending, true);
});

test("a finished Track stays pending until the timeline shows the activity, then follows its id", () => {
  let state = withTimeline(
    [suggestion],
    { type: "tileToggled", itemId: "g1" },
    { type: "trackPending", itemId: "g1", trackingId: "trk-1" },
    { type: "trackTracked", itemId: "g1", activityId: "act-9" },
  );
  assert.equal(shownItems(state)[0].state, "pending");
  assert.equal(state.aliases.g1, "act-9");
  const activity = { ...tracked, id: "act-9" };
  state = reducer(state, { type: "timelineLoaded", record: contoso, data: { items: [activity] } });
  assert.equal(state.tiles.g1, undefined);
  assert.equal(tileState(state, activity).expanded, true, "the tile stays open under its new id");
});

test("a failed Track shows its error on the tile and offers Track again", () => {
  const state = withTimeline(
    [suggestion],
    { type: "trackPending", itemId: "g1", trackingId: "trk-1" },
    { type: "trackFailed", itemId: "g1", message: "Tracking failed: gone" },
  );
  const view = tileState(state, suggestion);
  assert.equal(view.error, "Tracking failed: gone");
  assert.equal(view.pending, false);
  assert.equal(view.busy, false);
});

test("switching user forgets the previous user's timeline, tiles and settings", () => {
  const state = withTimeline(
    [suggestion],
    { type: "tileToggled", itemId: "g1" },
    { type: "settingsLoaded", data: { org: { autoCaptureEnabled: true } } },
    { type: "userChanged", user: { ...alice, id: "bob@x.dev" } },
  );
  assert.equal(state.timeline.data, null);
  assert.deepEqual(state.tiles, {});
  assert.equal(state.settings.data, null);
  assert.deepEqual(state.record, contoso);
});

test("items the server reports pending are the ones to poll", () => {
  const pending = { ...suggestion, state: "pending", trackingId: "trk-7" };
  assert.deepEqual(serverPending(withTimeline([pending, tracked])), [{ item: pending, trackingId: "trk-7" }]);
});

test("only the admin role makes an admin", () => {
  assert.equal(isAdmin(run({ type: "booted", mode: "local", user: alice })), false);
  const carol = { ...alice, roles: ["AutoCapture.Admin"] };
  assert.equal(isAdmin(run({ type: "booted", mode: "local", user: carol })), true);
});

test("a rejected exclusion keeps the entry as typed and says why", () => {
  const state = run(
    { type: "exclusionRequested", scope: "org", draft: "nope" },
    { type: "exclusionRejected", scope: "org", error: "'nope' is not an address" },
  );
  assert.deepEqual(state.exclusions.org, { draft: "nope", error: "'nope' is not an address" });
});

test("polling waits longer and longer, never more than 15 s", () => {
  const waits = [0, 1, 2, 3, 10, 100].map(pollDelay);
  assert.deepEqual(waits.slice(0, 4), [1000, 1500, 2250, 3375]);
  assert.equal(waits[4], 15000);
  assert.equal(waits[5], 15000);
  assert.ok(STALE_AFTER_MS >= 60000);
});

test("a request pending for long is stale until it is tracked again or settles", () => {
  let state = withTimeline([suggestion], { type: "trackPending", itemId: "g1", trackingId: "trk-1" });
  state = reducer(state, { type: "trackStale", itemId: "g1" });
  assert.equal(tileState(state, suggestion).stale, true);
  assert.equal(tileState(state, suggestion).pending, true, "still pending: polling goes on");
  state = reducer(state, { type: "trackPending", itemId: "g1", trackingId: "trk-1" });
  assert.equal(tileState(state, suggestion).stale, false, "Retry accepted: pending afresh");
  state = reducer(state, { type: "trackStale", itemId: "g1" });
  state = reducer(state, { type: "trackFailed", itemId: "g1", message: "Tracking failed: TEMPORARY" });
  assert.equal(tileState(state, suggestion).stale, false);
});
