// The API client: JSON in and out, problem+json errors turned into ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    const title = (problem && problem.title) || `HTTP ${status}`;
    const detail = problem && problem.detail;
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.problem = problem || {};
  }
}

export class Api {
  /** base: "" for this origin; getToken(forceNew) resolves to a bearer token. */
  constructor(base, getToken) {
    this.base = base.replace(/\/$/, "");
    this.getToken = getToken;
  }

  async request(method, path, body, retried = false) {
    const headers = { Accept: "application/json, application/problem+json" };
    const token = await this.getToken(retried);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, { title: "The service cannot be reached", detail: String(err.message || err) });
    }
    if (response.status === 401 && !retried) return this.request(method, path, body, true);
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return { status: response.status, data };
  }

  get(path) {
    return this.request("GET", path);
  }
  post(path, body) {
    return this.request("POST", path, body);
  }
  put(path, body) {
    return this.request("PUT", path, body);
  }

  timeline(entityType, id) {
    return this.get(`/api/timeline/${encodeURIComponent(entityType)}/${encodeURIComponent(id)}`);
  }
  track(itemId, kind, regarding) {
    return this.post("/api/track", { itemId, kind, regarding });
  }
  trackStatus(trackingId) {
    return this.get(`/api/track/${encodeURIComponent(trackingId)}`);
  }
  settings() {
    return this.get("/api/settings");
  }
  putOrgSettings(changes) {
    return this.put("/api/settings/org", changes);
  }
  putUserSettings(changes) {
    return this.put("/api/settings/user", changes);
  }
  changeExclusions(scope, add, remove) {
    return this.post(`/api/settings/${scope}/exclusions`, { add, remove });
  }
}
