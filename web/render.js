// Builds DOM from descriptions (vdom.js). No decisions here: only createElement,
// setAttribute, textContent-equivalent text nodes (never innerHTML), and events that
// hand their intent to the app.

const SVG_NS = "http://www.w3.org/2000/svg";

/** A DOM node for a description; events call onIntent(intent, event). */
export function build(doc, node, onIntent) {
  if (typeof node === "string") return doc.createTextNode(node);
  const el = node.ns === "svg" ? doc.createElementNS(SVG_NS, node.tag) : doc.createElement(node.tag);
  for (const [name, value] of Object.entries(node.attrs)) el.setAttribute(name, value);
  for (const [name, value] of Object.entries(node.props || {})) el[name] = value;
  for (const [type, intent] of Object.entries(node.on || {})) {
    el.addEventListener(type, (event) => {
      if (type === "submit") event.preventDefault();
      onIntent(intent, event);
    });
  }
  for (const child of node.children) el.append(build(doc, child, onIntent));
  return el;
}

const signature = (node) => JSON.stringify(node);

/**
 * Make `container`'s children the keyed descriptions `nodes`, in order. A child whose
 * description is unchanged keeps its DOM node (and so its focus); a changed one is rebuilt.
 */
export function patchKeyed(container, nodes, onIntent) {
  const previous = container.__keyed || new Map();
  const next = new Map();
  const elements = nodes.map((node) => {
    const sig = signature(node);
    const old = previous.get(node.key);
    const el = old && old.sig === sig ? old.el : build(container.ownerDocument, node, onIntent);
    if (el.dataset) el.dataset.key = node.key;
    next.set(node.key, { sig, el });
    return el;
  });
  elements.forEach((el, i) => {
    const at = container.children[i];
    if (at !== el) container.insertBefore(el, at || null);
  });
  while (container.children.length > elements.length) container.lastElementChild.remove();
  container.__keyed = next;
}

/** Replace `container`'s content with `nodes`, unless they are what it already shows. */
export function patchRegion(container, nodes, onIntent) {
  const sig = signature(nodes);
  if (container.__region === sig) return;
  container.__region = sig;
  container.replaceChildren(...nodes.map((node) => build(container.ownerDocument, node, onIntent)));
}
