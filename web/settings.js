// The exclusion-list editor used by the settings panel (personal and organisation lists).

import { clear, h } from "./dom.js";

/**
 * Render into `container`: the entries with a Remove button each, and an add form.
 * opts: {scope: "user"|"org", title, help, entries, error, draft, onAdd(entry), onRemove(entry)}
 */
export function renderExclusions(container, opts) {
  const inputId = `${opts.scope}-exclusion-input`;
  const errorId = `${opts.scope}-exclusion-error`;
  const helpId = `${opts.scope}-exclusion-help`;
  const entries = opts.entries || [];

  const list = entries.length
    ? h(
        "ul",
        { class: "exclusions", "aria-label": opts.title },
        entries.map((entry) => {
          const remove = h(
            "button",
            { type: "button", class: "btn btn--small", "aria-label": `Remove ${entry}` },
            "Remove",
          );
          remove.addEventListener("click", () => opts.onRemove(entry));
          return h("li", {}, h("span", { class: "exclusions__entry" }, entry), remove);
        }),
      )
    : h("p", { class: "muted" }, "No exclusions.");

  const input = h("input", {
    id: inputId,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "name@example.com or @example.com",
    "aria-describedby": opts.error ? `${helpId} ${errorId}` : helpId,
    "aria-invalid": opts.error ? "true" : null,
  });
  input.value = opts.draft || "";
  const form = h(
    "form",
    { class: "inline-form", novalidate: true },
    h("label", { for: inputId }, `Add to ${opts.title.toLowerCase()}`),
    h("p", { id: helpId, class: "help" }, opts.help),
    h("div", { class: "inline-form__row" }, input, h("button", { type: "submit", class: "btn" }, "Add")),
    opts.error ? h("p", { id: errorId, class: "error error--inline", role: "alert" }, opts.error) : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) opts.onAdd(value);
  });

  clear(container).append(h("h4", {}, opts.title), list, form);
  return input;
}
