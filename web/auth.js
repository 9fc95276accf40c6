// Who is signed in, and their bearer token.
//
// LocalAuth: demo users, tokens from POST /dev/token (local mode only).
// EntraAuth: MSAL.js (loaded from config.msalScript only in this mode), redirect sign-in.
// Both expose: user ({id, name, roles}), token(forceNew), and for the page's own
// decisions the roles from the token (the API enforces them; the page only hides).

export const ADMIN_ROLE = "AutoCapture.Admin";

/** The demo users of localdev/demo.py, used when the host has no /dev/users. */
export const DEMO_USERS = [
  { user: "alice@autocapture.dev", name: "Alice Kim", roles: ["Sales.Person"], groups: ["t-east"] },
  { user: "bob@autocapture.dev", name: "Bob Stone", roles: ["Sales.Manager"], groups: ["t-east", "t-west"] },
  {
    user: "carol@autocapture.dev",
    name: "Carol Diaz",
    roles: ["AutoCapture.Admin", "Sales.Person"],
    groups: ["t-west"],
  },
  { user: "dave@autocapture.dev", name: "Dave Ng", roles: [], groups: ["t-east"] },
];

/** The claims of a JWT (unverified: for display only). */
export function decodeClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function validUser(u) {
  return u && typeof u.user === "string" && Array.isArray(u.roles || []);
}

export class LocalAuth {
  constructor(apiBase) {
    this.apiBase = apiBase.replace(/\/$/, "");
    this.users = DEMO_USERS;
    this.current = null;
    this.tokens = new Map(); // upn -> {token, exp}
  }

  async init() {
    try {
      const response = await fetch(`${this.apiBase}/dev/users`, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        const list = Array.isArray(data) ? data : data && data.users;
        if (Array.isArray(list) && list.length && list.every(validUser)) {
          this.users = list.map((u) => ({ name: u.user, groups: [], roles: [], ...u }));
        }
      }
    } catch {
      // No /dev/users on this host: keep the built-in demo users.
    }
    const saved = sessionStorage.getItem("autocapture.user");
    this.current = this.users.find((u) => u.user === saved) || this.users[0];
  }

  select(upn) {
    const found = this.users.find((u) => u.user === upn);
    if (found) {
      this.current = found;
      sessionStorage.setItem("autocapture.user", upn);
    }
    return found;
  }

  get user() {
    const u = this.current;
    return u && { id: u.user, name: u.name || u.user, roles: u.roles || [], groups: u.groups || [] };
  }

  async token(forceNew = false) {
    const u = this.current;
    if (!u) return null;
    const cached = this.tokens.get(u.user);
    if (!forceNew && cached && cached.exp * 1000 > Date.now() + 60_000) return cached.token;
    const response = await fetch(`${this.apiBase}/dev/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ user: u.user, roles: u.roles || [], groups: u.groups || [] }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || !data.token) {
      throw new Error(`No development token for ${u.user}: ${data.detail || response.status}`);
    }
    const exp = decodeClaims(data.token).exp || Date.now() / 1000 + 300;
    this.tokens.set(u.user, { token: data.token, exp });
    return data.token;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`MSAL.js could not be loaded from ${src}`));
    document.head.append(script);
  });
}

export class EntraAuth {
  constructor(config) {
    this.config = config;
    this.app = null;
    this.account = null;
    this.claims = {};
  }

  async init() {
    if (!window.msal) await loadScript(this.config.msalScript);
    this.app = new window.msal.PublicClientApplication({
      auth: {
        clientId: this.config.clientId,
        authority: this.config.authority,
        redirectUri: this.config.redirectUri || window.location.origin + window.location.pathname,
      },
      cache: { cacheLocation: "sessionStorage" },
    });
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
    return {
      id: this.account.username,
      name: this.account.name || this.account.username,
      roles: this.claims.roles || (this.account.idTokenClaims && this.account.idTokenClaims.roles) || [],
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
