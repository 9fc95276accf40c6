// "Why don't I see an email?": the explain answer as descriptions (vdom.js). Pure.

import { h } from "./vdom.js";
import { dateInWords, hiddenInWords, leftOutInWords, ruleInWords } from "./words.js";

function label(record) {
  if (!record) return "";
  return record.name || `${record.entityType} ${record.id}`;
}

function addressRow(a) {
  const from = (a.from || []).map(label).filter(Boolean);
  const rules = (a.rules || []).map((rule) => ruleInWords(rule, (a.from || [])[0]));
  return h(
    "li",
    { class: "explain__address" },
    h("span", { class: "explain__addr" }, a.address),
    ` — ${rules.join(", ")}`,
    from.length ? h("span", { class: "muted" }, ` (${from.join(", ")})`) : null,
  );
}

function section(title, id, items, empty) {
  return h(
    "section",
    { class: "explain__section", "aria-labelledby": id },
    h("h4", { id }, title),
    items.length ? h("ul", { class: "explain__list" }, items) : h("p", { class: "muted" }, empty),
  );
}

/** The panel's content, from state.explain ({status, data, error, address}). */
export function explainView(explain) {
  if (!explain || explain.status === "closed") return [];
  if (explain.status === "loading") return [h("p", { class: "muted" }, "Looking through your mailbox…")];
  if (explain.status === "failed") return [h("p", { class: "error", role: "alert" }, explain.error || "Not available")];
  const data = explain.data || {};
  const out = [];
  const auto = data.autoCapture || {};
  if (auto.notice) out.push(h("p", { class: "notice" }, auto.notice));
  const asked = data.address;
  if (asked) {
    const text = asked.related
      ? `${asked.address} belongs to this record as: ${asked.rules.map((r) => ruleInWords(r)).join(", ")}.`
      : `${asked.address} is not related to this record by any rule, so its email is not suggested here.`;
    out.push(h("p", { class: "explain__asked", "data-related": asked.related ? "true" : "false" }, text));
  }
  const hidden = (data.hidden || []).map((item) =>
    h(
      "li",
      { class: "explain__hidden", "data-reason": item.reason, "data-item-id": item.id },
      h("span", { class: "explain__subject" }, item.subject || "(no subject)"),
      h("span", { class: "muted" }, ` · ${item.kind === "meeting" ? "meeting" : "email"}, ${dateInWords(item.occurredAt)}`),
      h("span", { class: "explain__reason" }, hiddenInWords(item.reason)),
    ),
  );
  out.push(section("In your mailbox but not shown", "explain-hidden", hidden, "Nothing from the last 30 days is hidden."));
  out.push(section("Addresses that match this record", "explain-addresses", (data.addresses || []).map(addressRow), "No addresses."));
  const leftOut = (data.leftOut || []).map((r) =>
    h("li", { class: "explain__left-out", "data-reason": r.reason }, `${label(r)} — ${leftOutInWords(r.reason)}`),
  );
  out.push(section("Records the rules left out", "explain-left-out", leftOut, "None."));
  const ex = data.exclusions;
  if (ex) {
    const parts = [];
    if (ex.org.length) parts.push(`organisation: ${ex.org.join(", ")}`);
    if (ex.user.length) parts.push(`yours: ${ex.user.join(", ")}`);
    if (ex.internalOnly) parts.push("internal-only email is hidden");
    out.push(h("p", { class: "muted explain__exclusions" }, parts.length ? `Exclusions — ${parts.join("; ")}.` : "No exclusions."));
  }
  return out;
}
