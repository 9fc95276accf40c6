// Who is signed in, and their bearer token.
//
// LocalAuth: the demo users of GET /dev/directory, tokens from POST /dev/token (local mode).
// EntraAuth: MSAL.js (web/vendor/msal-browser.min.js, v4.30.0, loaded only in this mode), redirect sign-in.
// Both expose `user` ({id, name, roles, groups}) and token(forceNew). The page reads the
// roles only to hide controls; the API enforces them.

export const ADMIN_ROLE = "AutoCapture.Admin";
const TOKEN_MARGIN_MS = 60_000;
const STEP_UP_KEY = "autocapture.stepUp";

/** The claims challenge of a timeline answer that asks for a step-up sign-in, or null (pure). */
export function stepUpClaims(data) {
  const auto = (data && data.autoCapture) || {};
  return auto.reason === "CONDITIONAL_ACCESS" && typeof auto.claims === "string" && auto.claims ? auto.claims : null;
}

/** The MSAL request that signs in again satisfying `claims`, back to this page (pure). */
export function stepUpRequest(config, account, claims, location) {
  return { scopes: [config.scope], account, claims, redirectStartPage: location.href };
}

/** The claims of a JWT (unverified: for display only). */
export function decodeClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** A directory entry as the page's user. */
export function userFromDirectory(entry) {
  return {
    id: entry.userPrincipalName,
    name: entry.displayName || entry.userPrincipalName,
    roles: entry.roles || [],
    groups: entry.groups || [],
  };
}

/** Whether a cached token is still good for a minute at `now` (ms). */
export function tokenFresh(cached, now) {
  return Boolean(cached && cached.exp * 1000 > now + TOKEN_MARGIN_MS);
}

export class LocalAuth {
  constructor(apiBase, users, storage = globalThis.sessionStorage, fetchImpl = (...args) => fetch(...args)) {
    this.apiBase = apiBase.replace(/\/$/, "");
    this.users = users; // directory entries
    this.storage = storage;
    this.fetch = fetchImpl;
    this.tokens = new Map(); // upn -> {token, exp}
    const saved = storage && storage.getItem("autocapture.user");
    this.current = users.find((u) => u.userPrincipalName === saved) || users[0] || null;
  }

  select(upn) {
    const found = this.users.find((u) => u.userPrincipalName === upn);
    if (found) {
      this.current = found;
      if (this.storage) this.storage.setItem("autocapture.user", upn);
    }
    return found ? userFromDirectory(found) : null;
  }

  get user() {
    return this.current && userFromDirectory(this.current);
  }

  async token(forceNew = false) {
    const u = this.current;
    if (!u) return null;
    const cached = this.tokens.get(u.userPrincipalName);
    if (!forceNew && tokenFresh(cached, Date.now())) return cached.token;
    const response = await this.fetch(`${this.apiBase}/dev/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ user: u.userPrincipalName, roles: u.roles, groups: u.groups }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || !data.token) {
      throw new Error(`No development token for ${u.userPrincipalName}: ${data.detail || response.status}`);
    }
    const exp = decodeClaims(data.token).exp || Date.now() / 1000 + 300;
    this.tokens.set(u.userPrincipalName, { token: data.token, exp });
    return data.token;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error(`MSAL.js could not be loaded from ${src}`)));
    document.head.append(script);
  });
}

/** The MSAL configuration for the page's config (pure). */
export function msalConfiguration(config, location) {
  return {
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      redirectUri: config.redirectUri || location.origin + location.pathname,
    },
    cache: { cacheLocation: "sessionStorage" },
  };
}

export class EntraAuth {
  constructor(config, storage = globalThis.sessionStorage, location = globalThis.location) {
    this.config = config;
    this.storage = storage;
    this.location = location;
    this.app = null;
    this.account = null;
    this.claims = {};
  }

  /**
   * Sign in again with the API's conditional-access `claims` (MSAL redirect; the page
   * reloads on return). Once per challenge per tab: if the same challenge comes back after
   * a step-up, the notice stays instead of a redirect loop. Resolves false when not started.
   */
  async stepUp(claims) {
    if (!this.app || !this.account || !claims) return false;
    if (this.storage && this.storage.getItem(STEP_UP_KEY) === claims) return false;
    if (this.storage) this.storage.setItem(STEP_UP_KEY, claims);
    await this.app.acquireTokenRedirect(stepUpRequest(this.config, this.account, claims, this.location));
    return true;
  }

  /** The API answered without a challenge: a later one may step up again. */
  steppedUp() {
    if (this.storage && this.storage.getItem(STEP_UP_KEY) !== null) this.storage.removeItem(STEP_UP_KEY);
  }

  async init() {
    if (!window.msal) await loadScript(this.config.msalScript);
    this.app = new window.msal.PublicClientApplication(msalConfiguration(this.config, window.location));
    if (this.app.initialize) await this.app.initialize();
    const result = await this.app.handleRedirectPromise();
    this.account = (result && result.account) || this.app.getAllAccounts()[0] || null;
    if (this.account) this.app.setActiveAccount(this.account);
  }

  get signedIn() {
    return Boolean(this.account);
  }

  signIn() {
    return this.app.loginRedirect({ scopes: [this.config.scope] });
  }

  signOut() {
    return this.app.logoutRedirect({ account: this.account });
  }

  get user() {
    if (!this.account) return null;
    const idRoles = this.account.idTokenClaims && this.account.idTokenClaims.roles;
    return {
      id: this.account.username,
      name: this.account.name || this.account.username,
      roles: this.claims.roles || idRoles || [],
      groups: [],
    };
  }

  async token(forceNew = false) {
    if (!this.account) return null;
    const request = { scopes: [this.config.scope], account: this.account, forceRefresh: forceNew };
    try {
      const result = await this.app.acquireTokenSilent(request);
      this.claims = decodeClaims(result.accessToken);
      return result.accessToken;
    } catch (err) {
      if (err instanceof window.msal.InteractionRequiredAuthError) {
        await this.app.acquireTokenRedirect(request);
      }
      throw err;
    }
  }
}
