// The page's configuration, from the deployment: GET ./config.json (the Function App
// builds it from its app settings; locally it says "local"). Nothing to edit per environment.

export const MSAL_SCRIPT = "./vendor/msal-browser.min.js";

/** Validate and complete what config.json says; throws when Entra mode lacks a setting. */
export function normalizeConfig(raw) {
  const data = raw && typeof raw === "object" ? raw : {};
  const mode = data.mode === "entra" ? "entra" : "local";
  const config = { mode, apiBase: typeof data.apiBase === "string" ? data.apiBase : "" };
  if (mode === "local") return config;
  const missing = ["clientId", "authority", "scope"].filter((k) => !data[k] || typeof data[k] !== "string");
  if (missing.length) throw new Error(`the page configuration lacks ${missing.join(", ")}`);
  return {
    ...config,
    clientId: data.clientId,
    authority: data.authority,
    scope: data.scope,
    redirectUri: typeof data.redirectUri === "string" ? data.redirectUri : "",
    msalScript: MSAL_SCRIPT,
  };
}

export async function loadConfig(fetchImpl = fetch, signal = undefined) {
  const response = await fetchImpl("./config.json", { headers: { Accept: "application/json" }, signal });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return normalizeConfig(await response.json());
}
