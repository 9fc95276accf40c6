// Which record the page shows, from its URL: #/<entityType>/<id>, or (e.g. when a CRM
// embeds the page) ?entityType=<type>&id=<id>. Pure.

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function recordFromLocation({ hash = "", search = "" } = {}) {
  const m = /^#\/([^/]+)\/(.+)$/.exec(hash);
  if (m) {
    const entityType = decode(m[1]);
    const id = decode(m[2]);
    if (entityType && id) return { entityType, id };
  }
  const query = new URLSearchParams(search);
  const entityType = (query.get("entityType") || "").trim();
  const id = (query.get("id") || query.get("recordId") || "").trim();
  return entityType && id ? { entityType, id } : null;
}

export function hashFor(record) {
  return `#/${encodeURIComponent(record.entityType)}/${encodeURIComponent(record.id)}`;
}

export function sameRecord(a, b) {
  return Boolean(a && b && a.entityType === b.entityType && a.id === b.id);
}

/** "account/a1" (a preset's value) → {entityType, id}; the id may itself contain "/". */
export function recordFromPreset(value) {
  const cut = String(value || "").indexOf("/");
  if (cut <= 0 || cut === value.length - 1) return null;
  return { entityType: value.slice(0, cut), id: value.slice(cut + 1) };
}
