// Rendering of timeline tiles. Pure functions of the item (plus view state) to DOM.

import { h, icon, srOnly } from "./dom.js";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

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

function fullName(p) {
  const x = person(p);
  if (!x) return "";
  return x.name && x.address ? `${x.name} <${x.address}>` : x.name || x.address;
}

export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h("span", {}, iso || "");
  return h("time", { datetime: d.toISOString() }, dateFormat.format(d));
}

/** [["jane@contoso.com", ["primaryContact", "accountContact"]], ...]: rules grouped per address. */
export function reasonsByAddress(matchedBy) {
  const grouped = new Map();
  for (const m of matchedBy || []) {
    const address = String((m && m.address) || "");
    if (!grouped.has(address)) grouped.set(address, []);
    const rules = grouped.get(address);
    if (m.rule && !rules.includes(String(m.rule))) rules.push(String(m.rule));
  }
  return Array.from(grouped);
}

/** "jane@contoso.com · primaryContact, accountContact; raj@contoso.com · stakeholder" */
export function whyMatched(matchedBy) {
  return reasonsByAddress(matchedBy)
    .map(([address, rules]) => (rules.length ? `${address} · ${rules.join(", ")}` : address))
    .join("; ");
}

function badge(cls, iconName, text, title) {
  return h("span", { class: `badge ${cls}`, title }, iconName ? icon(iconName, "icon icon--sm") : null, text);
}

function badges(item, pending) {
  const out = [];
  if (item.state === "tracked") {
    out.push(badge("badge--tracked", "check", "Tracked"));
    if (item.direction === "incoming" || item.direction === "outgoing") {
      const label = item.direction === "incoming" ? "Incoming" : "Outgoing";
      out.push(badge(`badge--${item.direction}`, item.direction, label));
    }
    const n = (item.attachments || []).length;
    if (n) out.push(badge("badge--attachments", "attachment", n === 1 ? "1 attachment" : `${n} attachments`));
  } else {
    out.push(badge("badge--private", "lock", "Private", "Only you can see this item"));
    if (pending) out.push(badge("badge--pending", "clock", "Tracking pending"));
    else out.push(badge("badge--untracked", null, "Not tracked"));
  }
  return out;
}

function participantsLine(item) {
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
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
    return null;
  }
  return h("div", { class: "details__row" }, h("dt", {}, label), h("dd", {}, value));
}

function details(item, bodyId, pending, hidden) {
  const list = (people) => (people || []).map(fullName).filter(Boolean).join(", ");
  const rows = [
    detailRow(item.kind === "meeting" ? "Organizer" : "From", fullName(item.from)),
    detailRow(item.kind === "meeting" ? "Attendees" : "To", list(item.to)),
    detailRow(item.kind === "meeting" ? "Optional" : "Cc", list(item.cc)),
    detailRow(item.kind === "meeting" ? "Starts" : "Sent", when(item.occurredAt)),
  ];
  if (item.state === "tracked") {
    rows.push(detailRow("Direction", item.direction === "outgoing" ? "Outgoing" : item.direction ? "Incoming" : ""));
    const atts = item.attachments || [];
    rows.push(
      detailRow(
        "Attachments",
        atts.length
          ? h(
              "ul",
              { class: "attachments" },
              atts.map((a) =>
                h(
                  "li",
                  {},
                  icon("attachment", "icon icon--sm"),
                  h("span", { class: "attachments__name" }, a.name || "(unnamed)"),
                  h("span", { class: "muted" }, ` ${formatSize(a.size)}${a.contentType ? ` · ${a.contentType}` : ""}`),
                ),
              ),
            )
          : "None",
      ),
    );
  } else {
    rows.push(
      detailRow(
        "Why it matched",
        (item.matchedBy || []).length
          ? h(
              "ul",
              { class: "matched" },
              reasonsByAddress(item.matchedBy).map(([address, rules]) => h("li", {}, `${address} · ${rules.join(", ")}`)),
            )
          : null,
      ),
    );
    rows.push(
      detailRow("Visibility", pending ? "Private until tracking finishes" : "Private: only you see this suggestion"),
    );
  }
  return h(
    "div",
    { class: "tile__body", id: bodyId, hidden },
    item.preview ? h("p", { class: "tile__preview" }, item.preview) : null,
    h("dl", { class: "details" }, rows),
  );
}

/**
 * One tile. view: {index, expanded, pending (local), error, onToggle(item), onTrack(item, button)}.
 */
export function renderTile(item, view) {
  const pending = item.state === "pending" || Boolean(view.pending);
  const state = item.state === "tracked" ? "tracked" : pending ? "pending" : "untracked";
  const kind = item.kind === "meeting" ? "meeting" : "email";
  const subjectId = `tile-${view.index}-subject`;
  const bodyId = `tile-${view.index}-body`;
  const subject = item.subject || "(no subject)";

  const toggle = h(
    "button",
    {
      type: "button",
      class: "btn btn--ghost tile__toggle",
      "aria-expanded": view.expanded ? "true" : "false",
      "aria-controls": bodyId,
    },
    "Details",
    srOnly(`: ${subject}`),
    icon("chevron", "icon icon--sm chevron"),
  );
  toggle.addEventListener("click", () => view.onToggle(item));

  let action = null;
  if (state === "untracked") {
    action = h("button", { type: "button", class: "btn btn--track" }, "Track", srOnly(` ${kind}: ${subject}`));
    action.addEventListener("click", () => view.onTrack(item, action));
  } else if (state === "pending") {
    action = h("span", { class: "pending-note" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Tracking pending");
  }

  const why = state !== "tracked" && (item.matchedBy || []).length
    ? h("p", { class: "tile__why" }, h("span", { class: "tile__why-label" }, "Why it matched: "), whyMatched(item.matchedBy))
    : null;

  return h(
    "li",
    { class: `tile tile--${state} tile--${kind}`, dataset: { state, kind, itemId: String(item.id) } },
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
          h("p", { class: "tile__meta" }, participantsLine(item), participantsLine(item) ? " · " : "", when(item.occurredAt)),
          h("p", { class: "badges" }, badges(item, pending)),
          why,
          view.error ? h("p", { class: "error error--inline", role: "alert" }, view.error) : null,
        ),
        h("div", { class: "tile__actions" }, action, toggle),
      ),
      details(item, bodyId, pending, !view.expanded),
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
