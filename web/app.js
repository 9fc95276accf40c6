// The timeline page: the store, the screen, and the I/O (sign-in, API calls, polling).
//
// Every request runs under an AbortSignal: a newer timeline or settings request aborts the
// one it supersedes, and switching user aborts everything the previous user started.

import { Api, blobToDataUrl, exclusionErrorMessage, getDirectory } from "./api.js";
import { isAbort, isTransient, latestOnly, sleep, timelineErrorMessage } from "./api.js";
import { EntraAuth, LocalAuth, stepUpClaims } from "./auth.js";
import { loadConfig } from "./config.js";
import { inlineImages } from "./mail.js";
import { initialState, pollDelay, reducer, serverPending, STALE_AFTER_MS } from "./reducers.js";
import { hashFor, recordFromLocation, recordFromPreset, sameRecord } from "./route.js";
import { createScreen } from "./screen.js";
import { parseDomains } from "./settings.js";
import { createStore } from "./store.js";

const store = createStore(reducer, initialState());
const dispatch = (action) => store.dispatch(action);
const announce = (text) => dispatch({ type: "announced", text });
const $ = (id) => document.getElementById(id);
const subjectOf = (item) => item.subject || "(no subject)";

let auth = null;
let api = null;
let session = new AbortController(); // the signed-in user's requests
const polls = new Set(); // tracking ids being polled

// A newer request of each kind aborts the one before it; all end with the session.
const ofTheSession = () => latestOnly(() => session.signal);
const timelineRequests = ofTheSession();
const settingsRequests = ofTheSession();
const explainRequests = ofTheSession();

/** For the open record (and a signed-in user): dispatch `requested`, then `work(record, signal)`. */
async function loadForRecord(requests, requested, failedType, work) {
  const { record, user } = store.getState();
  if (!record || !user) return;
  await requests.run(
    (signal) => {
      dispatch({ ...requested, record });
      return work(record, signal);
    },
    (err) => dispatch({ type: failedType, record, error: timelineErrorMessage(err, record) }),
  );
}

// --- timeline ----------------------------------------------------------------------------

function loadTimeline({ quiet = false } = {}) {
  return loadForRecord(timelineRequests, { type: "timelineRequested", quiet }, "timelineFailed", async (record, signal) => {
    const { data } = await api.timeline(record, signal);
    dispatch({ type: "timelineLoaded", record, data });
    // A tile open before the reload (e.g. an item that just turned tracked) shows its message.
    for (const [id, t] of Object.entries(store.getState().tiles)) if (t.expanded) loadMail(id);
    for (const { item, trackingId } of serverPending(store.getState())) pollTracking(trackingId, item);
    stepUpIfAsked(data);
  });
}

/** Conditional access asks the user to sign in again (Entra mode): MSAL with its claims. */
function stepUpIfAsked(data) {
  if (!auth.stepUp) return; // local mode: the notice says it all
  const claims = stepUpClaims(data);
  if (claims) auth.stepUp(claims).catch((err) => announce(`Sign-in again failed: ${err.message}`));
  else auth.steppedUp();
}

function loadExplain(address = "") {
  return loadForRecord(explainRequests, { type: "explainRequested", address }, "explainFailed", async (record, signal) => {
    const { data } = await api.explain(record, address, signal);
    dispatch({ type: "explainLoaded", record, data });
    const n = (data.hidden || []).length;
    announce(n === 1 ? "1 hidden item explained" : `${n} hidden items explained`);
  });
}

function applyLocation() {
  const record = recordFromLocation(window.location);
  if (!record || !store.getState().signedIn) return;
  dispatch({ type: "recordOpened", record });
  loadTimeline();
}

function openRecord(record) {
  const hash = hashFor(record);
  if (window.location.hash === hash) applyLocation();
  else window.location.hash = hash;
}

// --- Track -------------------------------------------------------------------------------

function findItem(itemId) {
  const { timeline } = store.getState();
  return ((timeline.data && timeline.data.items) || []).find((i) => String(i.id) === itemId);
}

/** The open record, with what the timeline said of it (its name). */
function currentRecord() {
  const state = store.getState();
  return { ...state.record, ...((state.timeline.data && state.timeline.data.record) || {}) };
}

async function track(itemId) {
  const item = findItem(itemId);
  if (!item) return;
  const record = currentRecord();
  const signal = session.signal;
  dispatch({ type: "trackStarted", itemId: item.id });
  announce(`Tracking “${subjectOf(item)}”…`);
  try {
    const { data } = await api.track(item.id, item.kind, { entityType: record.entityType, id: record.id }, signal);
    if (data && data.state === "tracked") {
      dispatch({ type: "trackTracked", itemId: item.id, activityId: data.activityId });
      await loadTimeline({ quiet: true });
      announce(`Tracked: ${subjectOf(item)}`);
      return;
    }
    dispatch({ type: "trackPending", itemId: item.id, trackingId: data.trackingId });
    announce(`Tracking pending: ${subjectOf(item)}`);
    pollTracking(data.trackingId, item);
  } catch (err) {
    if (isAbort(err)) return;
    dispatch({ type: "trackFailed", itemId: item.id, message: `Could not track: ${err.message}` });
    announce(`Could not track: ${err.message}`);
  }
}

// Polls until the request is tracked or failed (or the user changes), waiting longer and
// longer (pollDelay); after STALE_AFTER_MS the tile says so and offers Retry, and polling
// goes on: the server's sweeper queues a lost job again, or fails the request with a reason.
async function pollTracking(trackingId, item) {
  if (!trackingId || polls.has(trackingId)) return;
  polls.add(trackingId);
  const signal = session.signal;
  const started = Date.now();
  try {
    for (let attempt = 0; ; attempt++) {
      await sleep(pollDelay(attempt), signal);
      if (Date.now() - started > STALE_AFTER_MS) dispatch({ type: "trackStale", itemId: item.id });
      let data;
      try {
        ({ data } = await api.trackStatus(trackingId, signal));
      } catch (err) {
        if (isTransient(err)) continue;
        throw err;
      }
      if (data.state === "tracked") {
        dispatch({ type: "trackTracked", itemId: item.id, activityId: data.activityId });
        await loadTimeline({ quiet: true });
        announce(`Tracked: ${subjectOf(item)}`);
        return;
      }
      if (data.state === "failed") {
        dispatch({ type: "trackFailed", itemId: item.id, message: `Tracking failed: ${data.error || "unknown error"}` });
        await loadTimeline({ quiet: true });
        announce(`Tracking failed: ${subjectOf(item)}`);
        return;
      }
    }
  } catch (err) {
    if (!isAbort(err)) {
      dispatch({ type: "trackFailed", itemId: item.id, message: `Tracking status unavailable: ${err.message}` });
    }
  } finally {
    polls.delete(trackingId);
  }
}

// --- a message's body and files ------------------------------------------------------------

/** Read an expanded tile's message: a tracked activity from the store, a suggestion live. */
async function loadMail(itemId) {
  const item = findItem(itemId);
  if (!item || store.getState().mail[itemId]) return;
  const record = currentRecord();
  const signal = session.signal;
  dispatch({ type: "mailRequested", itemId });
  try {
    const { data } =
      item.state === "tracked" ? await api.activity(record, item.id, signal) : await api.mailboxItem(item.kind, item.id, signal);
    dispatch({ type: "mailLoaded", itemId, data });
    if (item.state !== "tracked") return;
    for (const { id, contentId } of inlineImages(data.attachments)) {
      const blob = await api.file(record, item.id, id, signal);
      if (/^image\//.test(blob.type)) dispatch({ type: "mailImage", itemId, contentId, dataUrl: await blobToDataUrl(blob) });
    }
  } catch (err) {
    if (!isAbort(err)) dispatch({ type: "mailFailed", itemId, error: `The message could not be loaded: ${err.message}` });
  }
}

async function downloadAttachment(itemId, attachmentId) {
  const item = findItem(itemId);
  const mail = store.getState().mail[itemId];
  const file = mail && mail.data && (mail.data.attachments || []).find((a) => a.id === attachmentId);
  if (!item || !file) return;
  try {
    const blob = await api.file(currentRecord(), item.id, attachmentId, session.signal);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = file.name || "attachment";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce(`Downloaded ${file.name}`);
  } catch (err) {
    if (!isAbort(err)) announce(`Could not download ${file.name}: ${err.message}`);
  }
}

// --- settings ----------------------------------------------------------------------------

async function loadSettings() {
  if (!store.getState().user) return;
  await settingsRequests.run(
    async (signal) => {
      const { data } = await api.settings(signal);
      dispatch({ type: "settingsLoaded", data });
    },
    (err) => dispatch({ type: "settingsFailed", error: `Settings unavailable: ${err.message}` }),
  );
}

async function saveSettings(call, message, controlId = null) {
  dispatch({ type: "settingsSaving", saving: true });
  try {
    const { data } = await call(session.signal);
    if (data && data.org) dispatch({ type: "settingsLoaded", data });
    else await loadSettings();
    announce(message);
    loadTimeline({ quiet: true });
  } catch (err) {
    if (isAbort(err)) return;
    await loadSettings();
    dispatch({ type: "settingsFailed", error: `Not saved: ${err.message}` });
  } finally {
    dispatch({ type: "settingsSaving", saving: false });
    if (controlId) $(controlId).focus();
  }
}

async function changeExclusions(scope, add, remove) {
  dispatch({ type: "exclusionRequested", scope, draft: add[0] || "" });
  try {
    const { data } = await api.changeExclusions(scope, add, remove, session.signal);
    dispatch({ type: "exclusionSaved", scope, data: data && data.org ? data : null });
    if (!(data && data.org)) await loadSettings();
    announce(add.length ? `Excluded ${add[0]}` : `Removed ${remove[0]}`);
    if (add.length) focusById(`${scope}-exclusion-input`);
    loadTimeline({ quiet: true });
  } catch (err) {
    if (isAbort(err)) return;
    dispatch({ type: "exclusionRejected", scope, error: exclusionErrorMessage(err) });
    focusById(`${scope}-exclusion-input`);
  }
}

function focusById(id) {
  const el = $(id);
  if (el) el.focus();
}

// --- who is signed in ----------------------------------------------------------------------

function selectUser(upn) {
  const user = auth.select(upn);
  if (!user) return;
  session.abort();
  session = new AbortController();
  polls.clear();
  dispatch({ type: "userChanged", user });
  announce(`Signed in as ${user.name}`);
  loadSettings();
  loadTimeline();
}

// --- events ------------------------------------------------------------------------------

const intents = {
  selectUser: (_, event) => selectUser(event.target.value),
  signIn: () => auth.signIn(),
  signOut: () => auth.signOut(),
  toggleTile: (intent) => {
    dispatch({ type: "tileToggled", itemId: intent.itemId });
    const t = store.getState().tiles[intent.itemId];
    if (t && t.expanded) loadMail(intent.itemId);
  },
  allowRemoteImages: (intent) => dispatch({ type: "remoteImagesAllowed", itemId: intent.itemId }),
  downloadAttachment: (intent) => downloadAttachment(intent.itemId, intent.attachmentId),
  track: (intent) => track(intent.itemId),
  addExclusion: (intent, event) => {
    const value = event.target.querySelector("input").value.trim();
    if (value) changeExclusions(intent.scope, [value], []);
  },
  removeExclusion: (intent) => changeExclusions(intent.scope, [], [intent.entry]),
};

function toggleExplain() {
  if (store.getState().explain.status === "closed") loadExplain();
  else {
    explainRequests.abort();
    dispatch({ type: "explainClosed" });
  }
}

function onIntent(intent, event) {
  const handle = intents[intent.intent];
  if (handle) handle(intent, event);
}

function bindStaticControls() {
  $("record-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const record = { entityType: $("record-type").value.trim(), id: $("record-id").value.trim() };
    if (!record.entityType || !record.id) dispatch({ type: "formInvalid", message: "Enter an entity type and a record id." });
    else openRecord(record);
  });
  $("record-preset").addEventListener("change", (event) => {
    const record = recordFromPreset(event.target.value);
    if (record && !sameRecord(record, store.getState().record)) openRecord(record);
  });
  const toggle = (id, call, on, off) =>
    $(id).addEventListener("change", (event) => {
      const value = event.target.checked;
      saveSettings((signal) => call(value, signal), value ? on : off, id);
    });
  toggle("show-untracked", (v, s) => api.putUserSettings({ showUntrackedEmail: v }, s), "Email not tracked is shown", "Email not tracked is hidden");
  toggle(
    "org-enabled",
    (v, s) => api.putOrgSettings({ autoCaptureEnabled: v }, s),
    "Auto capture turned on for the organisation",
    "Auto capture turned off for the organisation",
  );
  toggle("org-hide-internal", (v, s) => api.putOrgSettings({ hideInternalOnly: v }, s), "Internal-only email is hidden", "Internal-only email is shown");
  $("internal-domains-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const domains = parseDomains($("internal-domains").value);
    saveSettings((signal) => api.putOrgSettings({ internalDomains: domains }, signal), "Internal domains saved");
  });
  $("explain-toggle").addEventListener("click", toggleExplain);
  $("explain-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadExplain($("explain-address").value.trim());
  });
  window.addEventListener("hashchange", applyLocation);
}

// --- start -------------------------------------------------------------------------------

async function signInFor(config) {
  if (config.mode === "entra") {
    auth = new EntraAuth(config);
    await auth.init();
    api = new Api(config.apiBase, (forceNew) => auth.token(forceNew));
    if (auth.signedIn) await auth.token().catch(() => null); // the roles come from the access token
    return { type: "booted", mode: "entra", user: auth.user };
  }
  const directory = await getDirectory(config.apiBase);
  auth = new LocalAuth(config.apiBase, directory.users);
  api = new Api(config.apiBase, (forceNew) => auth.token(forceNew));
  return { type: "booted", mode: "local", users: directory.users, records: directory.records, user: auth.user };
}

async function start() {
  const screen = createScreen(document, onIntent);
  store.subscribe((state) => screen.render(state));
  screen.render(store.getState());
  bindStaticControls();
  try {
    dispatch(await signInFor(await loadConfig()));
  } catch (err) {
    dispatch({ type: "bootFailed", error: (err && err.message) || String(err) });
    return;
  }
  document.body.dataset.ready = "true";
  if (!store.getState().signedIn) return;
  loadSettings();
  applyLocation();
}

start();
