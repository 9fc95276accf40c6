// The header (who is signed in) and the record presets, as descriptions. Pure.

import { h } from "./vdom.js";

function identityMeta(user) {
  if (!user) return "";
  const groups = user.groups.length ? `teams ${user.groups.join(", ")}` : "";
  return [user.id, groups].filter(Boolean).join(" · ");
}

/** Local mode: a user switcher; Entra mode: Sign in / Sign out. */
export function identityView(state) {
  if (state.boot.status === "failed") {
    return [h("p", { class: "error", role: "alert" }, `Sign-in unavailable: ${state.boot.error}`)];
  }
  if (state.boot.status !== "ready") return [];
  if (state.mode === "entra") {
    if (!state.signedIn) {
      return [h("button", { type: "button", class: "btn btn--primary", on: { click: { intent: "signIn" } } }, "Sign in")];
    }
    return [
      h("span", { class: "identity__name" }, state.user.name),
      h("button", { type: "button", class: "btn", on: { click: { intent: "signOut" } } }, "Sign out"),
    ];
  }
  if (!state.users.length) return [h("p", { class: "error", role: "alert" }, "No demo users to sign in as.")];
  const current = state.user && state.user.id;
  const options = state.users.map((u) => {
    const roles = u.roles.length ? u.roles.join(", ") : "no role";
    return h(
      "option",
      { value: u.userPrincipalName, selected: u.userPrincipalName === current, props: { selected: u.userPrincipalName === current } },
      `${u.displayName} (${roles})`,
    );
  });
  return [
    h("label", { for: "user-select" }, "Signed in as"),
    h("select", { id: "user-select", on: { change: { intent: "selectUser" } } }, options),
    h("span", { class: "identity__meta", id: "identity-meta" }, identityMeta(state.user)),
  ];
}

/** The record presets (local mode: the directory's records), grouped by entity type. */
export function presetsView(records) {
  const groups = new Map();
  for (const r of records) {
    if (!groups.has(r.entityType)) groups.set(r.entityType, []);
    groups.get(r.entityType).push(h("option", { value: `${r.entityType}/${r.id}` }, `${r.name} (${r.id})`));
  }
  return [
    h("option", { value: "" }, "Choose a record…"),
    ...Array.from(groups, ([type, options]) => h("optgroup", { label: type }, options)),
  ];
}
