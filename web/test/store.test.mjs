import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore } from "../store.js";

const counter = (state, action) => (action.type === "add" ? { n: state.n + action.by } : state);

test("dispatch applies the reducer and tells every subscriber the new state", () => {
  const store = createStore(counter, { n: 1 });
  const seen = [];
  store.subscribe((state) => seen.push(state.n));
  store.dispatch({ type: "add", by: 2 });
  assert.equal(store.getState().n, 3);
  assert.deepEqual(seen, [3]);
});

test("an action the reducer ignores notifies nobody", () => {
  const store = createStore(counter, { n: 1 });
  let calls = 0;
  store.subscribe(() => calls++);
  store.dispatch({ type: "unknown" });
  assert.equal(calls, 0);
});

test("an unsubscribed listener hears nothing more", () => {
  const store = createStore(counter, { n: 0 });
  let calls = 0;
  const stop = store.subscribe(() => calls++);
  store.dispatch({ type: "add", by: 1 });
  stop();
  store.dispatch({ type: "add", by: 1 });
  assert.equal(calls, 1);
});
