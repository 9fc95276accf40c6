// DOM helpers. Text from the API only ever reaches the page through textContent and
// setAttribute (never innerHTML), so it cannot become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an element: h("p", {class: "x", "aria-live": "polite"}, "text", childNode, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "onclick" || key === "onchange" || key === "onsubmit") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Icons: static path data (24x24, stroke), decorative (aria-hidden); meaning is given in text.
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

export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** Text only screen readers read (e.g. the subject a Track button acts on). */
export function srOnly(text) {
  return h("span", { class: "visually-hidden" }, text);
}
