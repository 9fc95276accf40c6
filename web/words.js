// The API's codes and values in words: rule names, hidden-item reasons, left-out reasons,
// times. Pure.

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An ISO time in the user's locale ("2 Jan 2026, 10:00"); text that is not a time as it is. */
export function dateInWords(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || "") : dateFormat.format(d);
}

const RULES = {
  recordEmail: (record) => `${(record && record.entityType) || "record"} email`,
  primaryContact: () => "primary contact",
  accountContact: () => "account contact",
  opportunityContact: () => "opportunity contact",
  stakeholder: () => "stakeholder",
  originatingLead: () => "originating lead",
  leadContact: () => "lead contact",
  customerContact: () => "customer contact",
  customerAccount: () => "customer account",
  customerPrimaryContact: () => "customer's primary contact",
  lookupAccount: (_, field) => `${field} account`,
  lookupAccountPrimaryContact: (_, field) => `${field}'s primary contact`,
  lookupContact: (_, field) => `${field} contact`,
};

/** "opportunityContact" → "opportunity contact"; "lookupAccount:client" → "client account". */
export function ruleInWords(rule, record) {
  const text = String(rule || "");
  const cut = text.indexOf(":");
  const name = cut < 0 ? text : text.slice(0, cut);
  const field = cut < 0 ? "" : text.slice(cut + 1);
  const words = RULES[name];
  return words ? words(record, field) : text;
}

/** Every matchedBy entry in words, one phrase per record: "Jane Doe — primary contact, account contact". */
export function matchedInWords(matchedBy) {
  const byWho = new Map();
  for (const m of matchedBy || []) {
    const record = m && m.record;
    const who = (record && record.name) || (m && m.address) || "";
    const rule = ruleInWords(m && m.rule, record);
    if (!byWho.has(who)) byWho.set(who, []);
    if (!byWho.get(who).includes(rule)) byWho.get(who).push(rule);
  }
  return Array.from(byWho, ([who, rules]) => `${who} — ${rules.join(", ")}`);
}

export const HIDDEN_REASONS = {
  OUTSIDE_WINDOW: "Too old: the timeline shows emails of the last 3 days and meetings 3 days either side",
  EXCLUDED_ORG: "Someone on it is on your organisation's exclusion list",
  EXCLUDED_USER: "Someone on it is on your personal exclusion list",
  INTERNAL_ONLY: "Only internal addresses take part, and your organisation hides internal-only email",
  OWN_ADDRESS_ONLY: "It involves this record only through your own address",
  FOLDER: "It is in a folder suggestions do not come from",
  DRAFT: "It is a draft, not sent",
  CANCELLED: "The meeting was cancelled",
  PRIVATE: "The meeting is marked private",
  DECLINED: "You declined the meeting",
  OVER_CAP: "Only the 50 newest suggestions are shown, and this one is older",
};

export const LEFT_OUT_REASONS = {
  BEYOND_TOP_50: "not among the account's 50 most recently modified contacts",
  NOT_FOUND: "referenced, but no such record",
  NO_EMAIL: "has no email address the rules use",
};

export function hiddenInWords(reason) {
  return HIDDEN_REASONS[reason] || String(reason || "");
}

export function leftOutInWords(reason) {
  return LEFT_OUT_REASONS[reason] || String(reason || "");
}
