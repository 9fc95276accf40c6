// The settings panel as descriptions and flags: personal option, organisation options
// (admins only) and the exclusion-list editors. Pure: state in, data out.

import { h } from "./vdom.js";
import { isAdmin } from "./reducers.js";

/**
 * One exclusion list: its entries with a Remove button each, and an add form.
 * opts: {scope: "user"|"org", title, help, entries, error, draft}
 */
export function exclusionsView(opts) {
  const inputId = `${opts.scope}-exclusion-input`;
  const errorId = `${opts.scope}-exclusion-error`;
  const helpId = `${opts.scope}-exclusion-help`;
  const entries = opts.entries || [];
  const list = entries.length
    ? h(
        "ul",
        { class: "exclusions", "aria-label": opts.title },
        entries.map((entry) =>
          h(
            "li",
            {},
            h("span", { class: "exclusions__entry" }, entry),
            h(
              "button",
              {
                type: "button",
                class: "btn btn--small",
                "aria-label": `Remove ${entry}`,
                on: { click: { intent: "removeExclusion", scope: opts.scope, entry } },
              },
              "Remove",
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, "No exclusions.");
  const input = h("input", {
    id: inputId,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "name@example.com or @example.com",
    "aria-describedby": opts.error ? `${helpId} ${errorId}` : helpId,
    "aria-invalid": opts.error ? "true" : null,
    props: { value: opts.draft || "" },
  });
  const form = h(
    "form",
    { class: "inline-form", novalidate: true, on: { submit: { intent: "addExclusion", scope: opts.scope } } },
    h("label", { for: inputId }, `Add to ${opts.title.toLowerCase()}`),
    h("p", { id: helpId, class: "help" }, opts.help),
    h("div", { class: "inline-form__row" }, input, h("button", { type: "submit", class: "btn" }, "Add")),
    opts.error ? h("p", { id: errorId, class: "error error--inline", role: "alert" }, opts.error) : null,
  );
  return [h("h4", {}, opts.title), list, form];
}

/** What the settings panel shows. */
export function settingsView(state) {
  const { data, error, saving } = state.settings;
  const org = (data && data.org) || {};
  const user = data && data.user;
  const admin = Boolean(data) && isAdmin(state);
  return {
    loading: !data,
    error: error ? String(error) : null,
    saving,
    personal: user
      ? {
          showUntracked: Boolean(user.showUntrackedEmail),
          exclusions: Array.isArray(user.excluded)
            ? exclusionsView({
                scope: "user",
                title: "My exclusions",
                help: "Addresses or @domains never suggested to you.",
                entries: user.excluded,
                ...state.exclusions.user,
              })
            : [],
        }
      : null,
    orgOff: Boolean(data) && org.autoCaptureEnabled === false,
    org: admin
      ? {
          enabled: Boolean(org.autoCaptureEnabled),
          hideInternal: Boolean(org.hideInternalOnly),
          internalDomains: (org.internalDomains || []).join(", "),
          exclusions: exclusionsView({
            scope: "org",
            title: "Organisation exclusions",
            help: "Addresses or @domains never suggested to anyone.",
            entries: org.excluded || [],
            ...state.exclusions.org,
          }),
        }
      : null,
  };
}

/** "a.com, b.com; c.com" → ["a.com", "b.com", "c.com"] */
export function parseDomains(text) {
  return String(text || "")
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}
