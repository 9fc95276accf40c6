// Puts the views on the page: index.html's fixed elements get their texts and flags, the
// regions (identity, presets, tiles, exclusion editors) are patched from descriptions.
// DOM only: what to show is decided by the views, what to do by app.js.

import { explainView } from "./explain.js";
import { identityView, presetsView } from "./header.js";
import { patchKeyed, patchRegion } from "./render.js";
import { settingsView } from "./settings.js";
import { timelineView } from "./timeline.js";

const ANNOUNCE_DELAY_MS = 30;

function setText(el, text) {
  el.textContent = text || "";
  el.hidden = !text;
}

export function createScreen(doc, onIntent) {
  const $ = (id) => doc.getElementById(id);
  const list = $("timeline-list");
  const panel = doc.querySelector(".settings-panel");
  let lastSeq = 0;
  let lastRecordKey = null;

  function focusSnapshot() {
    const el = doc.activeElement;
    if (!el || el === doc.body) return null;
    const tile = el.closest && el.closest("#timeline-list .tile");
    if (tile) return { key: tile.dataset.key, control: el.classList.contains("btn--track") ? "track" : "toggle" };
    return el.id ? { id: el.id } : null;
  }

  function restoreFocus(saved, aliases) {
    const active = doc.activeElement;
    if (!saved || (active && active !== doc.body && active.isConnected)) return;
    if (saved.id) {
      const el = $(saved.id);
      if (el) el.focus();
      return;
    }
    for (const key of [saved.key, aliases[saved.key]]) {
      const tile = key && Array.from(list.children).find((t) => t.dataset.key === key);
      if (!tile) continue;
      const track = saved.control === "track" && tile.querySelector(".btn--track:not(:disabled)");
      const target = track || tile.querySelector(".tile__toggle");
      if (target) target.focus();
      return;
    }
  }

  function renderPicker(state) {
    const preset = $("record-preset");
    preset.closest(".field").hidden = state.records.length === 0;
    patchRegion(preset, presetsView(state.records), onIntent);
    const key = state.record ? `${state.record.entityType}/${state.record.id}` : "";
    if (key !== lastRecordKey) {
      lastRecordKey = key;
      if (state.record) {
        $("record-type").value = state.record.entityType;
        $("record-id").value = state.record.id;
      }
    }
    preset.value = Array.from(preset.options).some((o) => o.value === key) ? key : "";
  }

  function renderTimeline(state) {
    const view = timelineView(state);
    $("record-heading").textContent = view.heading;
    $("record-sub").textContent = view.sub;
    setText($("record-summary"), view.summary);
    const notice = $("notice");
    setText(notice, view.notice && view.notice.text);
    notice.classList.toggle("notice--muted", Boolean(view.notice && view.notice.muted));
    setText($("timeline-error"), view.error);
    $("timeline-loading").hidden = !view.loading;
    if (view.busy) $("timeline").setAttribute("aria-busy", "true");
    else $("timeline").removeAttribute("aria-busy");
    $("timeline-empty").hidden = !view.empty;
    patchKeyed(list, view.tiles, onIntent);
    renderExplain(state);
  }

  function renderExplain(state) {
    const open = state.explain.status !== "closed";
    const toggle = $("explain-toggle");
    toggle.hidden = !state.record || !state.timeline.data;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    $("explain").hidden = !open;
    if (state.explain.status === "loading") $("explain").setAttribute("aria-busy", "true");
    else $("explain").removeAttribute("aria-busy");
    patchRegion($("explain-body"), explainView(state.explain), onIntent);
  }

  function renderSettings(state) {
    const view = settingsView(state);
    $("settings-loading").hidden = !view.loading;
    setText($("settings-error"), view.error);
    if (view.saving) panel.setAttribute("aria-busy", "true");
    else panel.removeAttribute("aria-busy");
    for (const id of ["show-untracked", "org-enabled", "org-hide-internal"]) $(id).disabled = view.saving;
    $("settings-personal").hidden = !view.personal;
    if (view.personal) {
      if (!view.saving) $("show-untracked").checked = view.personal.showUntracked;
      patchRegion($("user-exclusions"), view.personal.exclusions, onIntent);
    }
    $("settings-org-off").hidden = !view.orgOff;
    $("settings-org").hidden = !view.org;
    if (view.org) {
      if (!view.saving) {
        $("org-enabled").checked = view.org.enabled;
        $("org-hide-internal").checked = view.org.hideInternal;
      }
      const domains = $("internal-domains");
      if (doc.activeElement !== domains) domains.value = view.org.internalDomains;
      patchRegion($("org-exclusions"), view.org.exclusions, onIntent);
    }
  }

  function announce(state) {
    if (state.announcement.seq === lastSeq) return;
    lastSeq = state.announcement.seq;
    const status = $("status");
    const text = state.announcement.text;
    status.textContent = "";
    // A fresh text node after a tick, so that screen readers announce repeated messages.
    setTimeout(() => {
      if (state.announcement.seq === lastSeq) status.textContent = text;
    }, ANNOUNCE_DELAY_MS);
  }

  return {
    render(state) {
      const saved = focusSnapshot();
      patchRegion($("identity"), identityView(state), onIntent);
      renderPicker(state);
      renderTimeline(state);
      renderSettings(state);
      announce(state);
      restoreFocus(saved, state.aliases);
    },
  };
}
