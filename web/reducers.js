// The page's state and the pure reducer that changes it. No I/O, no DOM.
//
// Per-item view state (expanded, a Track in flight, its tracking id, an error) lives in
// `tiles`, keyed by the item's id. When a Track finishes, `aliases` maps the mailbox
// item's id to the tracked activity's id, so the page follows the item to its new tile.

import { ADMIN_ROLE } from "./auth.js";
import { sameRecord } from "./route.js";

export function initialState() {
  return {
    boot: { status: "starting", error: null }, // starting | ready | failed
    mode: "local",
    signedIn: false,
    user: null, // {id, name, roles, groups}
    users: [], // local mode: the directory's users
    records: [], // local mode: the directory's records (presets)
    record: null, // {entityType, id}
    formError: null,
    timeline: { status: "idle", data: null, error: null, quiet: false }, // idle | loading | ready | failed
    tiles: {},
    aliases: {},
    mail: {}, // itemId -> {status, data, error, remote, images} (the message of an expanded tile)
    explain: CLOSED, // "Why don't I see an email?": closed | loading | ready | failed
    settings: { status: "idle", data: null, error: null, saving: false },
    exclusions: { user: { draft: "", error: null }, org: { draft: "", error: null } },
    announcement: { text: "", seq: 0 },
  };
}

const CLOSED = { status: "closed", data: null, error: null, address: "" };
const EMPTY_TILE = { expanded: false, busy: false, trackingId: null, error: null };

function tile(state, itemId) {
  return state.tiles[itemId] || EMPTY_TILE;
}

function withTile(state, itemId, changes) {
  return { ...state, tiles: { ...state.tiles, [itemId]: { ...tile(state, itemId), ...changes } } };
}

function withMail(state, itemId, changes) {
  const m = state.mail[itemId];
  return m ? { ...state, mail: { ...state.mail, [itemId]: { ...m, ...changes } } } : state;
}

const handlers = {
  booted: (s, a) => ({
    ...s,
    boot: { status: "ready", error: null },
    mode: a.mode,
    users: a.users || [],
    records: a.records || [],
    signedIn: Boolean(a.user),
    user: a.user || null,
  }),
  bootFailed: (s, a) => ({ ...s, boot: { status: "failed", error: a.error } }),

  userChanged: (s, a) => ({
    ...s,
    user: a.user,
    signedIn: Boolean(a.user),
    // Nothing of the previous user's private view survives a switch.
    timeline: { status: s.record ? "loading" : "idle", data: null, error: null, quiet: false },
    tiles: {},
    aliases: {},
    mail: {},
    explain: CLOSED,
    settings: { status: "idle", data: null, error: null, saving: false },
    exclusions: initialState().exclusions,
  }),

  recordOpened: (s, a) => {
    if (sameRecord(s.record, a.record)) return { ...s, formError: null };
    return {
      ...s,
      record: a.record,
      formError: null,
      timeline: { status: "idle", data: null, error: null, quiet: false },
      explain: CLOSED,
      tiles: Object.fromEntries(Object.entries(s.tiles).filter(([, t]) => t.trackingId)),
    };
  },
  formInvalid: (s, a) => ({ ...s, formError: a.message }),

  timelineRequested: (s, a) =>
    sameRecord(s.record, a.record) ? { ...s, timeline: { ...s.timeline, status: "loading", quiet: Boolean(a.quiet) } } : s,
  timelineLoaded: (s, a) => {
    if (!sameRecord(s.record, a.record)) return s;
    // Items tracked from this page now appear under their activity id: drop their old tiles.
    const tiles = Object.fromEntries(Object.entries(s.tiles).filter(([id]) => !(id in s.aliases)));
    return { ...s, tiles, timeline: { status: "ready", data: a.data, error: null, quiet: false } };
  },
  timelineFailed: (s, a) =>
    sameRecord(s.record, a.record) ? { ...s, timeline: { status: "failed", data: null, error: a.error, quiet: false } } : s,

  // The explanation is private like suggestions: kept only while its record is open.
  explainRequested: (s, a) =>
    sameRecord(s.record, a.record) ? { ...s, explain: { status: "loading", data: null, error: null, address: a.address || "" } } : s,
  explainLoaded: (s, a) =>
    sameRecord(s.record, a.record) && s.explain.status === "loading" ? { ...s, explain: { ...s.explain, status: "ready", data: a.data } } : s,
  explainFailed: (s, a) =>
    sameRecord(s.record, a.record) && s.explain.status === "loading" ? { ...s, explain: { ...s.explain, status: "failed", error: a.error } } : s,
  explainClosed: (s) => ({ ...s, explain: CLOSED }),

  tileToggled: (s, a) => withTile(s, a.itemId, { expanded: !tile(s, a.itemId).expanded }),
  trackStarted: (s, a) => withTile(s, a.itemId, { busy: true, error: null }),
  trackPending: (s, a) => withTile(s, a.itemId, { busy: false, trackingId: a.trackingId, stale: false, error: null }),
  // The item stays "pending" until the timeline is read again and shows the activity.
  trackTracked: (s, a) => {
    const before = tile(s, a.itemId);
    let next = withTile(s, a.itemId, { busy: false, trackingId: before.trackingId || "tracked", error: null });
    if (!a.activityId) return next;
    next = { ...next, aliases: { ...next.aliases, [a.itemId]: a.activityId } };
    return before.expanded ? withTile(next, a.activityId, { expanded: true }) : next;
  },
  trackFailed: (s, a) => withTile(s, a.itemId, { busy: false, trackingId: null, stale: false, error: a.message }),
  // Still pending after STALE_AFTER_MS of polling: the page keeps polling and offers Retry.
  trackStale: (s, a) => (tile(s, a.itemId).stale ? s : withTile(s, a.itemId, { stale: true })),

  mailRequested: (s, a) => ({ ...s, mail: { ...s.mail, [a.itemId]: { status: "loading", data: null, error: null, remote: false, images: {} } } }),
  mailLoaded: (s, a) => withMail(s, a.itemId, { status: "ready", data: a.data, error: null }),
  mailFailed: (s, a) => withMail(s, a.itemId, { status: "failed", error: a.error }),
  mailImage: (s, a) => {
    const m = s.mail[a.itemId];
    return m ? withMail(s, a.itemId, { images: { ...m.images, [a.contentId]: a.dataUrl } }) : s;
  },
  remoteImagesAllowed: (s, a) => withMail(s, a.itemId, { remote: true }),

  settingsLoaded: (s, a) => ({ ...s, settings: { status: "ready", data: a.data, error: null, saving: false } }),
  settingsFailed: (s, a) => ({ ...s, settings: { ...s.settings, status: "failed", error: a.error, saving: false } }),
  settingsSaving: (s, a) => ({ ...s, settings: { ...s.settings, saving: a.saving, error: a.saving ? null : s.settings.error } }),

  exclusionRequested: (s, a) => ({ ...s, exclusions: { ...s.exclusions, [a.scope]: { draft: a.draft, error: null } } }),
  exclusionSaved: (s, a) => ({
    ...s,
    exclusions: { ...s.exclusions, [a.scope]: { draft: "", error: null } },
    settings: a.data ? { status: "ready", data: a.data, error: null, saving: false } : s.settings,
  }),
  exclusionRejected: (s, a) => ({
    ...s,
    exclusions: { ...s.exclusions, [a.scope]: { ...s.exclusions[a.scope], error: a.error } },
  }),

  announced: (s, a) => ({ ...s, announcement: { text: a.text, seq: s.announcement.seq + 1 } }),
};

export function reducer(state, action) {
  const handle = handlers[action.type];
  return handle ? handle(state, action) : state;
}

// --- selectors ---------------------------------------------------------------------------

export function isAdmin(state) {
  return Boolean(state.user && state.user.roles.includes(ADMIN_ROLE));
}

/** The view state of one item's tile (pending when the server says so or a Track runs). */
export function tileState(state, item) {
  const t = tile(state, item.id);
  return { ...t, pending: item.state === "pending" || Boolean(t.trackingId), mail: state.mail[item.id] || null };
}

/** The items as the page shows them: a Track accepted here counts as pending. */
export function shownItems(state) {
  const items = (state.timeline.data && state.timeline.data.items) || [];
  return items.map((item) =>
    item.state !== "tracked" && tile(state, item.id).trackingId ? { ...item, state: "pending" } : item,
  );
}

/** Milliseconds of polling after which a pending request counts as stale (Retry offered). */
export const STALE_AFTER_MS = 2 * 60 * 1000;

/** The wait before status poll number `attempt` (0-based): 1 s, growing by half up to 15 s. */
export function pollDelay(attempt) {
  return Math.min(1000 * 1.5 ** Math.max(0, attempt), 15000);
}

/** Tracking ids of items the server reports pending (another tab, a reload): to be polled. */
export function serverPending(state) {
  const items = (state.timeline.data && state.timeline.data.items) || [];
  return items.filter((i) => i.state === "pending" && i.trackingId).map((i) => ({ item: i, trackingId: i.trackingId }));
}
