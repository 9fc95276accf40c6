// The timeline as descriptions (vdom.js): one tile per item, keyed by the item's id, and
// the texts around the list. Pure: state in, descriptions and strings out.

import { fileItem, mailView } from "./mail.js";
import { h, icon, srOnly } from "./vdom.js";
import { shownItems, tileState } from "./reducers.js";
import { hashFor } from "./route.js";
import { dateInWords, matchedInWords } from "./words.js";

/** A participant may be {address, name} or a plain address string. */
export function person(p) {
  if (!p) return null;
  if (typeof p === "string") return { address: p, name: "" };
  return { address: String(p.address || ""), name: String(p.name || "") };
}

function shortName(p) {
  const x = person(p);
  return x ? x.name || x.address : "";
}

export function fullName(p) {
  const x = person(p);
  if (!x) return "";
  return x.name && x.address ? `${x.name} <${x.address}>` : x.name || x.address;
}

function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h("span", {}, iso || "");
  return h("time", { datetime: d.toISOString() }, dateInWords(iso));
}

/** "Jane Doe — opportunity contact; Raj Patel — stakeholder; Contoso — account email" */
export function whyMatched(matchedBy) {
  return matchedInWords(matchedBy).join("; ");
}

/** "Tracked on Northwind rollout" (a link when the name is shown), for an item tracked elsewhere. */
export function trackedOn(regarding) {
  if (!regarding) return null;
  if (!regarding.name) return h("span", { class: "tracked-on" }, "Tracked on another record");
  const href = hashFor({ entityType: regarding.entityType, id: regarding.id });
  return h("span", { class: "tracked-on" }, "Tracked on ", h("a", { href, class: "tracked-on__link" }, regarding.name));
}

/** A DOM id derived from an item id: readable part plus a hash, so distinct ids stay distinct. */
export function domId(itemId) {
  const text = String(itemId);
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return `tile-${text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40)}-${hash.toString(36)}`;
}

function badge(cls, iconName, text, title) {
  return h("span", { class: `badge ${cls}`, title }, iconName ? icon(iconName, "icon icon--sm") : null, text);
}

function badges(item, state) {
  if (state === "tracked" && item.regarding) return [badge("badge--tracked", "check", "Tracked elsewhere")];
  if (state === "tracked") {
    const out = [badge("badge--tracked", "check", "Tracked")];
    if (item.direction === "incoming" || item.direction === "outgoing") {
      const label = item.direction === "incoming" ? "Incoming" : "Outgoing";
      out.push(badge(`badge--${item.direction}`, item.direction, label));
    }
    const n = (item.attachments || []).length;
    if (n) out.push(badge("badge--attachments", "attachment", n === 1 ? "1 attachment" : `${n} attachments`));
    return out;
  }
  return [
    badge("badge--private", "lock", "Private", "Only you can see this item"),
    state === "pending" ? badge("badge--pending", "clock", "Tracking pending") : badge("badge--untracked", null, "Not tracked"),
  ];
}

export function participantsLine(item) {
  const from = shortName(item.from);
  const to = (item.to || []).map(shortName).filter(Boolean);
  const parts = [];
  if (from) parts.push(item.kind === "meeting" ? `Organizer: ${from}` : `From ${from}`);
  if (to.length) {
    const head = to.slice(0, 2).join(", ");
    parts.push(`${item.kind === "meeting" ? "with" : "to"} ${head}${to.length > 2 ? ` +${to.length - 2}` : ""}`);
  }
  return parts.join(" ");
}

function detailRow(label, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return null;
  return h("div", { class: "details__row" }, h("dt", {}, label), h("dd", {}, value));
}

function attachmentList(atts) {
  return atts.length ? h("ul", { class: "attachments" }, atts.map((a) => fileItem(a))) : "None";
}

function details(item, state, bodyId, expanded, mail) {
  const meeting = item.kind === "meeting";
  const list = (people) => (people || []).map(fullName).filter(Boolean).join(", ");
  const rows = [
    detailRow(meeting ? "Organizer" : "From", fullName(item.from)),
    detailRow(meeting ? "Attendees" : "To", list(item.to)),
    detailRow(meeting ? "Optional" : "Cc", list(item.cc)),
    detailRow(meeting ? "Starts" : "Sent", when(item.occurredAt)),
  ];
  if (state === "tracked" && item.regarding) {
    rows.push(detailRow("Tracked on", trackedOn(item.regarding)));
  } else if (state === "tracked") {
    const direction = item.direction === "outgoing" ? "Outgoing" : item.direction ? "Incoming" : "";
    rows.push(detailRow("Direction", direction), detailRow("Attachments", attachmentList(item.attachments || [])));
  } else {
    const reasons = matchedInWords(item.matchedBy);
    const why = reasons.length ? h("ul", { class: "matched" }, reasons.map((text) => h("li", {}, text))) : null;
    const visibility = state === "pending" ? "Private until tracking finishes" : "Private: only you see this suggestion";
    rows.push(detailRow("Why it matched", why), detailRow("Visibility", visibility));
  }
  return h(
    "div",
    { class: "tile__body", id: bodyId, hidden: !expanded },
    item.preview ? h("p", { class: "tile__preview" }, item.preview) : null,
    h("dl", { class: "details" }, rows),
    expanded ? mailView(String(item.id), mail, state === "tracked") : null,
  );
}

/** One tile. view: {expanded, busy, pending, stale, error} (reducers.tileState). A failed
 * Track offers "Retry"; a request pending for long keeps its note and offers "Retry" too. */
export function tileView(item, view) {
  const state = item.state === "tracked" ? "tracked" : view.pending ? "pending" : "untracked";
  const kind = item.kind === "meeting" ? "meeting" : "email";
  const base = domId(item.id);
  const subjectId = `${base}-subject`;
  const bodyId = `${base}-body`;
  const subject = item.subject || "(no subject)";
  const itemId = String(item.id);

  const toggle = h(
    "button",
    {
      type: "button",
      class: "btn btn--ghost tile__toggle",
      "aria-expanded": view.expanded ? "true" : "false",
      "aria-controls": bodyId,
      on: { click: { intent: "toggleTile", itemId } },
    },
    "Details",
    srOnly(`: ${subject}`),
    icon("chevron", "icon icon--sm chevron"),
  );
  let action = null;
  const trackButton = (label) =>
    h(
      "button",
      { type: "button", class: "btn btn--track", disabled: view.busy, on: { click: { intent: "track", itemId } } },
      label,
      srOnly(` ${kind}: ${subject}`),
    );
  if (state === "untracked") {
    action = trackButton(view.error ? "Retry" : "Track");
  } else if (state === "pending" && view.stale) {
    action = h(
      "span",
      { class: "pending-note pending-note--stale" },
      "Taking longer than usual",
      trackButton("Retry"),
    );
  } else if (state === "pending") {
    action = h("span", { class: "pending-note" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Tracking pending");
  }
  const reasons = state !== "tracked" && (item.matchedBy || []).length;
  const why = reasons
    ? h("p", { class: "tile__why" }, h("span", { class: "tile__why-label" }, "Why it matched: "), whyMatched(item.matchedBy))
    : null;
  const meta = participantsLine(item);

  return h(
    "li",
    { key: itemId, class: `tile tile--${state} tile--${kind}`, "data-state": state, "data-kind": kind, "data-item-id": itemId },
    h(
      "article",
      { "aria-labelledby": subjectId, class: "tile__card" },
      h(
        "div",
        { class: "tile__head" },
        h(
          "span",
          { class: `tile__icon tile__icon--${state}` },
          icon(kind, "icon icon--lg"),
          srOnly(kind === "meeting" ? "Meeting" : "Email"),
        ),
        h(
          "div",
          { class: "tile__main" },
          h("h3", { class: "tile__subject", id: subjectId }, subject),
          h("p", { class: "tile__meta" }, meta, meta ? " · " : "", when(item.occurredAt)),
          h("p", { class: "badges" }, badges(item, state)),
          state === "tracked" && item.regarding ? h("p", { class: "tile__where" }, trackedOn(item.regarding)) : null,
          why,
          view.error ? h("p", { class: "error error--inline", role: "alert" }, view.error) : null,
        ),
        h("div", { class: "tile__actions" }, action, toggle),
      ),
      details(item, state, bodyId, view.expanded, view.mail),
    ),
  );
}

export function summarize(items) {
  const count = { tracked: 0, untracked: 0, pending: 0 };
  for (const item of items) if (item.state in count) count[item.state] += 1;
  const parts = [`${count.tracked} tracked`];
  if (count.untracked) parts.push(`${count.untracked} private ${count.untracked === 1 ? "suggestion" : "suggestions"}`);
  if (count.pending) parts.push(`${count.pending} pending`);
  return parts.join(" · ");
}

/** Everything the timeline panel shows, from the state. */
export function timelineView(state) {
  const { record, timeline } = state;
  const data = timeline.data;
  const shown = data ? { ...(record || {}), ...(data.record || {}) } : record;
  const items = shownItems(state);
  const auto = (data && data.autoCapture) || {};
  let sub = "";
  if (!record) sub = state.mode === "entra" && !state.signedIn ? "Sign in to see timelines." : "Pick a record to see its timeline.";
  else if (data) sub = `${shown.entityType} · ${shown.id}`;
  let notice = null;
  if (data && auto.notice) notice = { text: auto.notice, muted: false };
  else if (data && auto.active === false) notice = { text: "Suggestions from your mailbox are not shown.", muted: true };
  return {
    heading: !record ? "No record open" : data ? shown.name || shown.id : `${record.entityType} ${record.id}`,
    sub,
    summary: data ? summarize(items) : null,
    notice,
    error: state.formError || timeline.error,
    loading: timeline.status === "loading" && !timeline.quiet,
    busy: timeline.status === "loading",
    empty: Boolean(data) && items.length === 0,
    tiles: data ? items.map((item) => tileView(item, tileState(state, item))) : [],
  };
}
