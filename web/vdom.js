// DOM-free descriptions of page parts: what the view functions return and render.js builds.
//
// A description is plain data: {tag, ns, attrs, props, on, key, children}. Text is a string
// child; render.js turns it into a text node, never markup. `on` maps an event to an
// intent (plain data too), e.g. {click: {intent: "track", itemId}}: the views decide what
// a control means, the app decides what to do.

const ICONS = {
  email: ["M3 5h18v14H3z", "M3 6l9 7 9-7"],
  meeting: ["M4 5h16v15H4z", "M4 10h16", "M8 3v4", "M16 3v4"],
  lock: ["M6 11h12v9H6z", "M9 11V8a3 3 0 0 1 6 0v3"],
  incoming: ["M19 5L7 17", "M7 9v8h8"],
  outgoing: ["M5 19L17 7", "M9 7h8v8"],
  attachment: ["M16 7l-7.5 7.5a2.1 2.1 0 0 0 3 3L19 10a4.2 4.2 0 0 0-6-6l-7.5 7.5a6.4 6.4 0 0 0 9 9L20 15"],
  chevron: ["M6 9l6 6 6-6"],
  clock: ["M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z", "M12 7v5l3 3"],
  check: ["M5 12l5 5 9-10"],
};

function flatten(children) {
  const out = [];
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    out.push(typeof child === "object" ? child : String(child));
  }
  return out;
}

/** h("p", {class: "x", key, props: {value}, on: {click: intent}}, "text", child, ...) */
export function h(tag, attrs = {}, ...children) {
  const { key, props, on, ns, ...rest } = attrs || {};
  const clean = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === null || value === undefined || value === false) continue;
    clean[name] = value === true ? "" : String(value);
  }
  const node = { tag, attrs: clean, children: flatten(children) };
  if (key !== undefined) node.key = String(key);
  if (props) node.props = props;
  if (on) node.on = on;
  if (ns) node.ns = ns;
  return node;
}

/** A decorative icon (meaning is always given in text too). */
export function icon(name, className = "icon") {
  const paths = (ICONS[name] || []).map((d) => h("path", { ns: "svg", d }));
  return h(
    "svg",
    { ns: "svg", viewBox: "0 0 24 24", class: className, "aria-hidden": "true", focusable: "false" },
    paths,
  );
}

/** Text only screen readers read (e.g. the subject a Track button acts on). */
export function srOnly(text) {
  return h("span", { class: "visually-hidden" }, text);
}

/** The text a description shows (as textContent would give it). */
export function textOf(node) {
  if (typeof node === "string") return node;
  return (node.children || []).map(textOf).join("");
}

/** Every description in the tree for which `test` is true (depth first). */
export function findAll(node, test, out = []) {
  if (typeof node === "string") return out;
  if (test(node)) out.push(node);
  for (const child of node.children || []) findAll(child, test, out);
  return out;
}

/** Descriptions carrying class `name`. */
export function byClass(node, name) {
  return findAll(node, (n) => (n.attrs.class || "").split(/\s+/).includes(name));
}
