import assert from "node:assert/strict";
import { test } from "node:test";

import { explainView } from "../explain.js";
import { initialState, reducer } from "../reducers.js";
import { tileView, whyMatched } from "../timeline.js";
import { byClass, findAll, textOf } from "../vdom.js";
import { hiddenInWords, ruleInWords } from "../words.js";

const idle = { expanded: false, busy: false, pending: false, error: null };
const contact = (id, name) => ({ entityType: "contact", id, name });

test("why it matched is phrased with the record the address came from", () => {
  const matchedBy = [
    { address: "jane@contoso.com", rule: "opportunityContact", record: contact("c1", "Jane Doe") },
    { address: "raj@contoso.com", rule: "stakeholder", record: contact("c2", "Raj Patel") },
    { address: "info@contoso.com", rule: "recordEmail", record: { entityType: "account", id: "a1", name: "Contoso" } },
    { address: "raj@contoso.com", rule: "stakeholder", record: contact("c2", "Raj Patel") },
  ];
  assert.equal(whyMatched(matchedBy), "Jane Doe — opportunity contact; Raj Patel — stakeholder; Contoso — account email");
});

test("a record whose name is not shown is phrased by its address; lookup rules name their field", () => {
  assert.equal(whyMatched([{ address: "x@y.com", rule: "primaryContact", record: contact("c9", null) }]), "x@y.com — primary contact");
  assert.equal(ruleInWords("lookupAccountPrimaryContact:client"), "client's primary contact");
  assert.equal(ruleInWords("someFutureRule"), "someFutureRule");
});

test("an item tracked on another record says where, with a link only when the name is shown", () => {
  const item = { id: "g1", kind: "email", state: "tracked", subject: "QBR", to: [], cc: [], occurredAt: "2026-01-02T10:00:00Z" };
  const readable = tileView({ ...item, regarding: { entityType: "project", id: "p1", name: "Northwind" } }, idle);
  assert.equal(textOf(byClass(readable, "tile__where")[0]), "Tracked on Northwind");
  const [link] = findAll(readable, (n) => n.tag === "a");
  assert.equal(link.attrs.href, "#/project/p1");
  assert.equal(findAll(readable, (n) => n.tag === "button" && textOf(n).startsWith("Track")).length, 0);

  const hidden = tileView({ ...item, regarding: { entityType: "project", id: "p2", name: null } }, idle);
  assert.equal(textOf(byClass(hidden, "tile__where")[0]), "Tracked on another record");
  assert.equal(findAll(hidden, (n) => n.tag === "a").length, 0);
});

const answer = {
  record: { entityType: "account", id: "a1", name: "Contoso" },
  addresses: [{ address: "jane@contoso.com", rules: ["primaryContact"], from: [contact("c1", "Jane Doe")] }],
  leftOut: [{ entityType: "contact", id: "c51", name: "Sam Lee", reason: "BEYOND_TOP_50" }],
  exclusions: { org: ["@spam.example"], user: [], internalOnly: true },
  hidden: [{ id: "g1", kind: "email", subject: "Kick-off", occurredAt: "2026-01-02T10:00:00Z", reason: "OUTSIDE_WINDOW" }],
  autoCapture: { active: true, notice: null },
};

test("the explain panel gives each hidden item its reason in words, the addresses by rule and what was left out", () => {
  const nodes = explainView({ status: "ready", data: answer });
  const text = nodes.map(textOf).join("\n");
  const [hidden] = findAll({ tag: "div", attrs: {}, children: nodes }, (n) => n.attrs && n.attrs["data-reason"] === "OUTSIDE_WINDOW");
  assert.match(textOf(hidden), /Kick-off/);
  assert.match(textOf(hidden), new RegExp(hiddenInWords("OUTSIDE_WINDOW")));
  assert.match(text, /jane@contoso\.com — primary contact \(Jane Doe\)/);
  assert.match(text, /Sam Lee — not among the account's 50 most recently modified contacts/);
  assert.match(text, /organisation: @spam\.example; internal-only email is hidden/);
});

test("an unrelated address is said to be unrelated", () => {
  const data = { ...answer, hidden: [], address: { address: "x@else.example", related: false, rules: [] } };
  const text = explainView({ status: "ready", data }).map(textOf).join("\n");
  assert.match(text, /x@else\.example is not related to this record by any rule/);
});

test("the explanation lives only while its record is open and the same user is signed in", () => {
  const record = { entityType: "account", id: "a1" };
  let s = reducer(initialState(), { type: "recordOpened", record });
  s = reducer(s, { type: "explainRequested", record });
  s = reducer(s, { type: "explainLoaded", record, data: answer });
  assert.equal(s.explain.status, "ready");
  assert.equal(reducer(s, { type: "recordOpened", record: { entityType: "account", id: "a2" } }).explain.status, "closed");
  assert.equal(reducer(s, { type: "userChanged", user: null }).explain.data, null);
  assert.equal(reducer(s, { type: "explainClosed" }).explain.status, "closed");
  const late = reducer(reducer(s, { type: "explainClosed" }), { type: "explainLoaded", record, data: answer });
  assert.equal(late.explain.status, "closed"); // an answer arriving after close is dropped
});
