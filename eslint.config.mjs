// eslint for the timeline page (web/): the recommended rules, browser globals for the page,
// node globals for its unit tests (`make jslint`). The vendored msal-browser is not ours.
import js from "@eslint/js";
import globals from "globals";

// globals 11 (the version the shared install already holds for Babel) has one name with a
// trailing space, which eslint 9 rejects: trim the names.
const names = (set) => Object.fromEntries(Object.entries(set).map(([name, value]) => [name.trim(), value]));

export default [
  { ignores: ["web/vendor/**", "node_modules/**", ".venv/**", ".local/**", "artifacts/**"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: names(globals.browser) },
  },
  {
    files: ["web/test/**/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // Node has these web APIs too; globals 11 does not list them for node.
      globals: { ...names(globals.node), AbortController: "readonly", DOMException: "readonly" },
    },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
