// The API client: JSON in and out, problem+json errors turned into ApiError, every call
// cancellable with an AbortSignal (a superseded request is aborted, not ignored).

export class ApiError extends Error {
  constructor(status, problem) {
    const title = (problem && problem.title) || `HTTP ${status}`;
    const detail = problem && problem.detail;
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.problem = problem || {};
  }
}

/** True for the rejection of an aborted request or wait (nothing to report). */
export function isAbort(err) {
  return Boolean(err && err.name === "AbortError");
}

/** Worth asking again later: unreachable, throttled, a server error, or not there yet. */
export function isTransient(err) {
  return err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status === 404 || err.status >= 500);
}

/** What a failed timeline request means to the user. */
export function timelineErrorMessage(err, record) {
  const detail = (err.problem && err.problem.detail) || "";
  if (err.status === 403) return `You may not see this record. ${detail}`.trim();
  if (err.status === 404) return `No ${record.entityType} with id ${record.id}. ${detail}`.trim();
  return err.message;
}

/** What a rejected exclusion change means: a 400 names the bad entry in its detail. */
export function exclusionErrorMessage(err) {
  return err.status === 400 ? err.problem.detail || err.message : err.message;
}

/** Resolve after `ms`, or reject with an AbortError when `signal` aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    }
  });
}

/**
 * Requests of one kind of which only the latest counts. `run(work, failed)` aborts the one
 * before it and calls `work(signal)`, a signal that also aborts with `outer()` (e.g. the
 * session's); `failed(err)` hears of any failure but an abort.
 */
export function latestOnly(outer = () => new AbortController().signal) {
  let current = null;
  return {
    async run(work, failed) {
      if (current) current.abort();
      const controller = new AbortController();
      current = controller;
      try {
        await work(AbortSignal.any([controller.signal, outer()]));
      } catch (err) {
        if (!isAbort(err)) failed(err);
      } finally {
        if (current === controller) current = null;
      }
    },
    abort() {
      if (current) current.abort();
    },
  };
}

function recordPath(record) {
  return `/api/timeline/${encodeURIComponent(record.entityType)}/${encodeURIComponent(record.id)}`;
}

export class Api {
  /** base: "" for this origin; getToken(forceNew) resolves to a bearer token. */
  constructor(base, getToken, fetchImpl = (...args) => fetch(...args)) {
    this.base = base.replace(/\/$/, "");
    this.getToken = getToken;
    this.fetch = fetchImpl;
  }

  async request(method, path, { body, signal } = {}, retried = false) {
    const headers = { Accept: "application/json, application/problem+json" };
    const token = await this.getToken(retried);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await this.fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        signal,
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(0, { title: "The service cannot be reached", detail: String(err.message || err) });
    }
    if (response.status === 401 && !retried) return this.request(method, path, { body, signal }, true);
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return { status: response.status, data };
  }

  timeline(record, signal) {
    return this.request("GET", recordPath(record), { signal });
  }
  explain(record, address, signal) {
    const query = address ? `?address=${encodeURIComponent(address)}` : "";
    return this.request("GET", `${recordPath(record)}/explain${query}`, { signal });
  }
  track(itemId, kind, regarding, signal) {
    return this.request("POST", "/api/track", { body: { itemId, kind, regarding }, signal });
  }
  trackStatus(trackingId, signal) {
    return this.request("GET", `/api/track/${encodeURIComponent(trackingId)}`, { signal });
  }
  activity(record, activityId, signal) {
    return this.request("GET", `${recordPath(record)}/activities/${encodeURIComponent(activityId)}`, { signal });
  }
  mailboxItem(kind, itemId, signal) {
    return this.request("GET", `/api/mailbox/${encodeURIComponent(kind)}/${encodeURIComponent(itemId)}`, { signal });
  }
  /** A copied attachment's bytes as a Blob (with the type the API sent). */
  async file(record, activityId, attachmentId, signal) {
    const token = await this.getToken(false);
    const path = `${recordPath(record)}/activities/${encodeURIComponent(activityId)}/attachments/${encodeURIComponent(attachmentId)}`;
    const response = await this.fetch(this.base + path, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      cache: "no-store",
      signal,
    });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    return response.blob();
  }
  settings(signal) {
    return this.request("GET", "/api/settings", { signal });
  }
  putOrgSettings(changes, signal) {
    return this.request("PUT", "/api/settings/org", { body: changes, signal });
  }
  putUserSettings(changes, signal) {
    return this.request("PUT", "/api/settings/user", { body: changes, signal });
  }
  changeExclusions(scope, add, remove, signal) {
    return this.request("POST", `/api/settings/${scope}/exclusions`, { body: { add, remove }, signal });
  }
}

/**
 * The local host's demo directory (GET /dev/directory, local mode only):
 * {users: [{userPrincipalName, displayName, roles, groups}], records: [{entityType, id, name}]}.
 * Entries that do not have that shape are dropped.
 */
export function parseDirectory(data) {
  const strings = (list) => (Array.isArray(list) ? list.filter((x) => typeof x === "string") : []);
  const users = (data && Array.isArray(data.users) ? data.users : [])
    .filter((u) => u && typeof u.userPrincipalName === "string" && u.userPrincipalName)
    .map((u) => ({
      userPrincipalName: u.userPrincipalName,
      displayName: typeof u.displayName === "string" && u.displayName ? u.displayName : u.userPrincipalName,
      roles: strings(u.roles),
      groups: strings(u.groups),
    }));
  const records = (data && Array.isArray(data.records) ? data.records : [])
    .filter((r) => r && typeof r.entityType === "string" && typeof r.id === "string" && r.entityType && r.id)
    .map((r) => ({ entityType: r.entityType, id: r.id, name: typeof r.name === "string" ? r.name : r.id }));
  return { users, records };
}

export async function getDirectory(base, fetchImpl = (...args) => fetch(...args), signal = undefined) {
  const response = await fetchImpl(`${base.replace(/\/$/, "")}/dev/directory`, {
    headers: { Accept: "application/json" },
    signal,
  });
  if (!response.ok) throw new Error(`the local host has no demo directory (GET /dev/directory: ${response.status})`);
  return parseDirectory(await response.json());
}

/** A downloaded file as a ``data:`` URL (for an inline image in the sandboxed mail frame). */
export function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
