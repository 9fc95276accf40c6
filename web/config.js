// Deployment configuration of the timeline page (the only file to edit per environment).
//
// mode "local": the local host (`make run`) serves this page and the API on one origin;
//   the user switcher gets development tokens from POST /dev/token. Nothing external loads.
// mode "entra": sign-in with MSAL.js against Entra ID. MSAL is loaded from `msalScript`
//   only in this mode (host lib/msal-browser.min.js from the npm package @azure/msal-browser
//   next to the page: see docs/web.md).
export default {
  mode: "local",
  // Where the API lives: "" = this page's origin; in Azure e.g. "https://func-autocapture.azurewebsites.net".
  apiBase: "",
  // Entra ID (mode "entra" only).
  clientId: "",
  authority: "https://login.microsoftonline.com/<tenant-id>",
  scope: "api://autocapture/user_impersonation",
  redirectUri: "",
  msalScript: "./vendor/msal-browser.min.js",
};
