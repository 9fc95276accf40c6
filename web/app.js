// The timeline page: wiring of auth, record picker, timeline, Track and settings.

import config from "./config.js";
import { Api } from "./api.js";
import { ADMIN_ROLE, EntraAuth, LocalAuth } from "./auth.js";
import { clear, h } from "./dom.js";
import { renderExclusions } from "./settings.js";
import { renderTile, summarize } from "./timeline.js";

const POLL_MS = 1000;
const POLL_MAX = 120;

/** The demo records (localdev/demo.py), offered as presets in local mode. */
const DEMO_RECORDS = [
  ["account", "a-contoso", "Contoso Ltd"],
  ["account", "a-fabrikam", "Fabrikam Inc"],
  ["account", "a-northwind", "Northwind Traders"],
  ["contact", "c-jane", "Jane Doe"],
  ["contact", "c-raj", "Raj Patel"],
  ["contact", "c-mei", "Mei Lin"],
  ["contact", "c-tom", "Tom Baker"],
  ["opportunity", "o-renewal", "Contoso renewal 2027"],
  ["lead", "l-inbound", "Inbound: Fabrikam pilot"],
  ["case", "k-outage", "Fabrikam: sync outage"],
  ["project", "p-rollout", "Northwind rollout (custom)"],
];

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const state = {
  auth: null,
  api: null,
  record: null, // {entityType, id}
  timeline: null,
  settings: null,
  expanded: new Set(), // item ids
  pending: new Map(), // item id -> trackingId (Track clicked, job running)
  errors: new Map(), // item id -> message
  polls: new Set(), // tracking ids being polled
  generation: 0, // bumped when the signed-in user changes
  loadSeq: 0,
  exclusion: { user: { draft: "", error: null }, org: { draft: "", error: null } },
};

// --- status ----------------------------------------------------------------------------

function announce(text) {
  const el = $("status");
  el.textContent = "";
  // A fresh text node after a tick, so that screen readers announce repeated messages.
  setTimeout(() => {
    el.textContent = text;
  }, 30);
}

function showError(id, message) {
  const el = $(id);
  el.textContent = message || "";
  el.hidden = !message;
}

function isAdmin() {
  const user = state.auth && state.auth.user;
  return Boolean(user && (user.roles || []).includes(ADMIN_ROLE));
}

// --- identity --------------------------------------------------------------------------

function renderLocalIdentity() {
  const select = h("select", { id: "user-select" });
  for (const u of state.auth.users) {
    const roles = (u.roles || []).length ? u.roles.join(", ") : "no role";
    const option = h("option", { value: u.user }, `${u.name || u.user} (${roles})`);
    option.selected = state.auth.current && u.user === state.auth.current.user;
    select.append(option);
  }
  select.addEventListener("change", () => switchUser(select.value));
  const user = state.auth.user;
  clear($("identity")).append(
    h("label", { for: "user-select" }, "Signed in as"),
    select,
    h("span", { class: "identity__meta", id: "identity-meta" }, identityMeta(user)),
  );
}

function identityMeta(user) {
  if (!user) return "";
  const groups = (user.groups || []).length ? `teams ${user.groups.join(", ")}` : "";
  return [user.id, groups].filter(Boolean).join(" · ");
}

function renderEntraIdentity() {
  const auth = state.auth;
  const box = clear($("identity"));
  if (auth.signedIn) {
    const out = h("button", { type: "button", class: "btn" }, "Sign out");
    out.addEventListener("click", () => auth.signOut());
    box.append(h("span", { class: "identity__name" }, auth.user.name), out);
  } else {
    const signIn = h("button", { type: "button", class: "btn btn--primary" }, "Sign in");
    signIn.addEventListener("click", () => auth.signIn());
    box.append(signIn);
  }
}

async function switchUser(upn) {
  const user = state.auth.select(upn);
  if (!user) return;
  state.generation += 1;
  state.pending.clear();
  state.errors.clear();
  state.expanded.clear();
  state.settings = null;
  $("identity-meta").textContent = identityMeta(state.auth.user);
  announce(`Signed in as ${user.name || user.user}`);
  await Promise.all([loadSettings(), state.record ? loadTimeline() : null]);
}

// --- record picker ---------------------------------------------------------------------

function presets() {
  if (Array.isArray(config.presets)) return config.presets;
  return config.mode === "local" ? DEMO_RECORDS : [];
}

function renderPresets() {
  const select = $("record-preset");
  const list = presets();
  if (!list.length) {
    select.closest(".field").hidden = true;
    return;
  }
  const groups = new Map();
  for (const [type, id, name] of list) {
    if (!groups.has(type)) groups.set(type, h("optgroup", { label: type }));
    groups.get(type).append(h("option", { value: `${type}/${id}` }, `${name} (${id})`));
  }
  select.append(...groups.values());
  select.addEventListener("change", () => {
    if (!select.value) return;
    const [type, id] = select.value.split("/");
    $("record-type").value = type;
    $("record-id").value = id;
    openRecord(type, id);
  });
}

function recordFromHash() {
  const m = /^#\/([^/]+)\/(.+)$/.exec(window.location.hash);
  if (!m) return null;
  try {
    return { entityType: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

function openRecord(entityType, id) {
  const hash = `#/${encodeURIComponent(entityType)}/${encodeURIComponent(id)}`;
  if (window.location.hash === hash) {
    applyHash();
  } else {
    window.location.hash = hash;
  }
}

function applyHash() {
  const record = recordFromHash();
  if (!record) return;
  $("record-type").value = record.entityType;
  $("record-id").value = record.id;
  const preset = $("record-preset");
  const key = `${record.entityType}/${record.id}`;
  preset.value = Array.from(preset.options).some((o) => o.value === key) ? key : "";
  const changed =
    !state.record || state.record.entityType !== record.entityType || state.record.id !== record.id;
  if (changed) {
    state.expanded.clear();
    state.errors.clear();
    state.timeline = null;
  }
  state.record = record;
  return loadTimeline();
}

// --- timeline --------------------------------------------------------------------------

async function loadTimeline({ quiet = false } = {}) {
  if (!state.record || !state.auth.user) return;
  const seq = ++state.loadSeq;
  const { entityType, id } = state.record;
  if (!quiet) {
    $("timeline-loading").hidden = false;
    $("timeline").setAttribute("aria-busy", "true");
  }
  try {
    const { data } = await state.api.timeline(entityType, id);
    if (seq !== state.loadSeq) return;
    state.timeline = data;
    showError("timeline-error", null);
    renderTimeline();
    for (const item of data.items || []) {
      if (item.state === "pending" && item.trackingId) pollTracking(item.trackingId, item.id, item.subject);
    }
  } catch (err) {
    if (seq !== state.loadSeq) return;
    state.timeline = null;
    renderTimeline();
    const message =
      err.status === 403
        ? `You may not see this record. ${err.problem.detail || ""}`.trim()
        : err.status === 404
          ? `No ${entityType} with id ${id}. ${err.problem.detail || ""}`.trim()
          : err.message;
    showError("timeline-error", message);
  } finally {
    if (seq === state.loadSeq) {
      $("timeline-loading").hidden = true;
      $("timeline").removeAttribute("aria-busy");
    }
  }
}

function focusedTileControl() {
  const el = document.activeElement;
  const tile = el && el.closest && el.closest(".tile");
  if (!tile) return null;
  return { itemId: tile.dataset.itemId, toggle: el.classList.contains("tile__toggle") };
}

function restoreFocus(saved) {
  if (!saved) return;
  const tile = Array.from(document.querySelectorAll("#timeline-list .tile")).find(
    (t) => t.dataset.itemId === saved.itemId,
  );
  const target = tile && (tile.querySelector(saved.toggle ? ".tile__toggle" : ".btn--track") || tile.querySelector(".tile__toggle"));
  if (target) target.focus();
}

function renderTimeline() {
  const data = state.timeline;
  const list = $("timeline-list");
  const saved = focusedTileControl();
  clear(list);
  const notice = $("notice");
  if (!data) {
    $("record-heading").textContent = state.record ? `${state.record.entityType} ${state.record.id}` : "No record open";
    $("record-sub").textContent = state.record ? "" : "Pick a record to see its timeline.";
    $("record-summary").hidden = true;
    $("timeline-empty").hidden = true;
    notice.hidden = true;
    return;
  }
  const record = data.record || state.record;
  $("record-heading").textContent = record.name || record.id;
  $("record-sub").textContent = `${record.entityType} · ${record.id}`;
  const items = data.items || [];
  $("record-summary").textContent = summarize(
    items.map((item) => (state.pending.has(item.id) ? { ...item, state: "pending" } : item)),
  );
  $("record-summary").hidden = false;

  const auto = data.autoCapture || {};
  if (auto.notice) {
    notice.textContent = auto.notice;
    notice.hidden = false;
  } else if (auto.active === false) {
    notice.textContent = "Suggestions from your mailbox are not shown.";
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
  notice.classList.toggle("notice--muted", !auto.notice);

  items.forEach((item, index) => {
    list.append(
      renderTile(item, {
        index,
        expanded: state.expanded.has(item.id),
        pending: state.pending.has(item.id),
        error: state.errors.get(item.id),
        onToggle: toggleTile,
        onTrack: trackItem,
      }),
    );
  });
  $("timeline-empty").hidden = items.length > 0;
  restoreFocus(saved);
}

function toggleTile(item) {
  if (state.expanded.has(item.id)) state.expanded.delete(item.id);
  else state.expanded.add(item.id);
  const tile = Array.from(document.querySelectorAll("#timeline-list .tile")).find(
    (t) => t.dataset.itemId === String(item.id),
  );
  if (!tile) return;
  const open = state.expanded.has(item.id);
  tile.querySelector(".tile__toggle").setAttribute("aria-expanded", String(open));
  tile.querySelector(".tile__body").hidden = !open;
}

function focusTrackedTile(subject) {
  if (document.activeElement && document.activeElement !== document.body) return;
  const tile = Array.from(document.querySelectorAll("#timeline-list .tile--tracked")).find(
    (t) => t.querySelector(".tile__subject").textContent === (subject || "(no subject)"),
  );
  if (tile) tile.querySelector(".tile__toggle").focus();
}

async function trackItem(item, button) {
  const record = state.timeline && state.timeline.record ? state.timeline.record : state.record;
  button.disabled = true;
  state.errors.delete(item.id);
  announce(`Tracking “${item.subject || "(no subject)"}”…`);
  const generation = state.generation;
  try {
    const { data } = await state.api.track(item.id, item.kind, { entityType: record.entityType, id: record.id });
    if (generation !== state.generation) return;
    if (data && data.state === "tracked") {
      announce(`Tracked: ${item.subject || "(no subject)"}`);
      await loadTimeline({ quiet: true });
      focusTrackedTile(item.subject);
      return;
    }
    state.pending.set(item.id, data.trackingId);
    renderTimeline();
    restoreFocus({ itemId: String(item.id), toggle: true });
    announce(`Tracking pending: ${item.subject || "(no subject)"}`);
    pollTracking(data.trackingId, item.id, item.subject);
  } catch (err) {
    if (generation !== state.generation) return;
    state.errors.set(item.id, `Could not track: ${err.message}`);
    renderTimeline();
    restoreFocus({ itemId: String(item.id), toggle: false });
    announce(`Could not track: ${err.message}`);
  }
}

async function pollTracking(trackingId, itemId, subject) {
  if (!trackingId || state.polls.has(trackingId)) return;
  const generation = state.generation;
  state.polls.add(trackingId);
  const title = subject || "(no subject)";
  try {
    for (let attempt = 0; attempt < POLL_MAX; attempt++) {
      await sleep(POLL_MS);
      if (generation !== state.generation) return;
      let data;
      try {
        ({ data } = await state.api.trackStatus(trackingId));
      } catch (err) {
        if (err.status === 0 || err.status >= 500 || err.status === 429 || err.status === 404) continue;
        throw err;
      }
      if (generation !== state.generation) return;
      if (data.state === "tracked") {
        state.pending.delete(itemId);
        await loadTimeline({ quiet: true });
        announce(`Tracked: ${title}`);
        focusTrackedTile(subject);
        return;
      }
      if (data.state === "failed") {
        state.pending.delete(itemId);
        state.errors.set(itemId, `Tracking failed: ${data.error || "unknown error"}`);
        await loadTimeline({ quiet: true });
        announce(`Tracking failed: ${title}`);
        return;
      }
    }
    announce(`Tracking “${title}” takes longer than usual; reopen the record later.`);
  } catch (err) {
    state.pending.delete(itemId);
    state.errors.set(itemId, `Tracking status unavailable: ${err.message}`);
    renderTimeline();
  } finally {
    state.polls.delete(trackingId);
  }
}

// --- settings --------------------------------------------------------------------------

async function loadSettings() {
  if (!state.auth.user) return;
  const generation = state.generation;
  try {
    const { data } = await state.api.settings();
    if (generation !== state.generation) return;
    state.settings = data;
    showError("settings-error", null);
  } catch (err) {
    if (generation !== state.generation) return;
    state.settings = null;
    showError("settings-error", `Settings unavailable: ${err.message}`);
  }
  renderSettings();
}

function renderSettings() {
  const s = state.settings;
  $("settings-loading").hidden = Boolean(s);
  if (!s) {
    $("settings-personal").hidden = true;
    $("settings-org").hidden = true;
    $("settings-org-off").hidden = true;
    return;
  }
  const org = s.org || {};
  const user = s.user;
  // The personal option exists only while the org flag is on (GET omits "user" then).
  $("settings-personal").hidden = !user;
  if (user) {
    $("show-untracked").checked = Boolean(user.showUntrackedEmail);
    const box = $("user-exclusions");
    if (Array.isArray(user.excluded)) {
      renderExclusions(box, {
        scope: "user",
        title: "My exclusions",
        help: "Addresses or @domains never suggested to you.",
        entries: user.excluded,
        ...state.exclusion.user,
        onAdd: (entry) => changeExclusions("user", [entry], []),
        onRemove: (entry) => changeExclusions("user", [], [entry]),
      });
    } else {
      clear(box);
    }
  }
  $("settings-org-off").hidden = org.autoCaptureEnabled !== false;
  const admin = isAdmin();
  $("settings-org").hidden = !admin;
  if (admin) {
    $("org-enabled").checked = Boolean(org.autoCaptureEnabled);
    $("org-hide-internal").checked = Boolean(org.hideInternalOnly);
    const domains = $("internal-domains");
    if (document.activeElement !== domains) domains.value = (org.internalDomains || []).join(", ");
    renderExclusions($("org-exclusions"), {
      scope: "org",
      title: "Organisation exclusions",
      help: "Addresses or @domains never suggested to anyone.",
      entries: org.excluded || [],
      ...state.exclusion.org,
      onAdd: (entry) => changeExclusions("org", [entry], []),
      onRemove: (entry) => changeExclusions("org", [], [entry]),
    });
  }
}

async function saveSettings(call, control, message) {
  const panel = document.querySelector(".settings-panel");
  panel.setAttribute("aria-busy", "true");
  if (control) control.disabled = true;
  try {
    const { data } = await call();
    if (data && data.org) state.settings = data;
    else await loadSettings();
    showError("settings-error", null);
    if (message) announce(typeof message === "function" ? message(state.settings) : message);
    renderSettings();
    await loadTimeline({ quiet: true });
    return true;
  } catch (err) {
    showError("settings-error", `Not saved: ${err.message}`);
    await loadSettings();
    return false;
  } finally {
    panel.removeAttribute("aria-busy");
    if (control) {
      control.disabled = false;
      control.focus();
    }
  }
}

async function changeExclusions(scope, add, remove) {
  const slot = state.exclusion[scope];
  slot.draft = add[0] || "";
  slot.error = null;
  try {
    const { data } = await state.api.changeExclusions(scope, add, remove);
    slot.draft = "";
    if (data && data.org) state.settings = data;
    else await loadSettings();
    announce(add.length ? `Excluded ${add[0]}` : `Removed ${remove[0]}`);
    renderSettings();
    const input = $(`${scope}-exclusion-input`);
    if (input && add.length) input.focus();
    await loadTimeline({ quiet: true });
  } catch (err) {
    slot.error = err.status === 400 ? err.problem.detail || err.message : err.message;
    renderSettings();
    const input = $(`${scope}-exclusion-input`);
    if (input) input.focus();
  }
}

function bindSettings() {
  $("show-untracked").addEventListener("change", (event) => {
    const value = event.target.checked;
    saveSettings(
      () => state.api.putUserSettings({ showUntrackedEmail: value }),
      event.target,
      value ? "Email not tracked is shown" : "Email not tracked is hidden",
    );
  });
  $("org-enabled").addEventListener("change", (event) => {
    const value = event.target.checked;
    saveSettings(
      () => state.api.putOrgSettings({ autoCaptureEnabled: value }),
      event.target,
      `Auto capture turned ${value ? "on" : "off"} for the organisation`,
    );
  });
  $("org-hide-internal").addEventListener("change", (event) => {
    const value = event.target.checked;
    saveSettings(
      () => state.api.putOrgSettings({ hideInternalOnly: value }),
      event.target,
      value ? "Internal-only email is hidden" : "Internal-only email is shown",
    );
  });
  $("internal-domains-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const domains = $("internal-domains")
      .value.split(/[\s,;]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    saveSettings(() => state.api.putOrgSettings({ internalDomains: domains }), null, "Internal domains saved");
  });
}

// --- start -----------------------------------------------------------------------------

async function start() {
  const apiBase = config.apiBase || "";
  state.auth = config.mode === "entra" ? new EntraAuth(config) : new LocalAuth(apiBase);
  state.api = new Api(apiBase, (forceNew) => state.auth.token(forceNew));
  renderPresets();
  bindSettings();
  $("record-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const type = $("record-type").value.trim();
    const id = $("record-id").value.trim();
    if (!type || !id) {
      showError("timeline-error", "Enter an entity type and a record id.");
      return;
    }
    openRecord(type, id);
  });
  window.addEventListener("hashchange", applyHash);
  try {
    await state.auth.init();
  } catch (err) {
    clear($("identity")).append(h("p", { class: "error", role: "alert" }, `Sign-in unavailable: ${err.message}`));
    return;
  }
  if (config.mode === "entra") {
    renderEntraIdentity();
    if (!state.auth.signedIn) {
      $("record-sub").textContent = "Sign in to see timelines.";
      return;
    }
    await state.auth.token().catch(() => null); // fills the roles claim for the settings panel
  } else {
    renderLocalIdentity();
  }
  document.body.dataset.ready = "true";
  await Promise.all([loadSettings(), recordFromHash() ? applyHash() : null]);
}

start();
