// A mail's body and files, shown safely. Pure: API data and view state in, a frame
// document (a string) and descriptions out.
//
// The body goes into an <iframe sandbox> (no allow-scripts, no allow-same-origin: nothing
// in it runs, and it has an opaque origin) as srcdoc, with its own CSP on top of the page's:
// images only from data: URLs (inline cid: images, fetched with the user's token and turned
// into data: URLs) until the user asks for remote images. The HTML was sanitized by the
// service; this is the second and third layer. Subjects and file names are never put in
// the frame: they are text nodes of the page.

import { h, icon } from "./vdom.js";

const IMG_SRC = /(<img\b[^>]*?\ssrc=")([^"]*)(")/gi;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function unescapeAttr(text) {
  return String(text).replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}

/** Whether the HTML body references images on other servers (http/https). */
export function hasRemoteImages(html) {
  for (const m of String(html).matchAll(IMG_SRC)) if (/^https?:/i.test(unescapeAttr(m[2]))) return true;
  return false;
}

/** The stored inline attachments a body may reference by cid: [{id, contentId}]. */
export function inlineImages(attachments) {
  return (attachments || []).filter((a) => a && a.stored && a.isInline && a.contentId).map((a) => ({ id: a.id, contentId: a.contentId }));
}

/**
 * img src values rewritten: cid:X → the data: URL in `images[X]` (or nothing yet), a
 * remote URL → nothing unless `remote`, data: kept. Other schemes are dropped.
 */
export function rewriteImages(html, images = {}, remote = false) {
  return String(html).replace(IMG_SRC, (_, head, src, tail) => {
    const url = unescapeAttr(src).trim();
    let out = "";
    if (/^cid:/i.test(url)) out = images[url.slice(4)] || "";
    else if (/^https?:/i.test(url)) out = remote ? url : "";
    else if (/^data:image\//i.test(url)) out = url;
    return `${head}${escapeHtml(out)}${tail}`;
  });
}

/** The policy of the frame's own document (the page's policy applies as well). */
export function frameCsp(remote) {
  return `default-src 'none'; img-src data:${remote ? " https:" : ""}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'`;
}

/** The complete document the sandboxed frame shows. body: {contentType, content}. */
export function frameDocument(body, images = {}, remote = false) {
  const content = body && body.contentType === "html" ? rewriteImages(body.content || "", images, remote) : `<pre>${escapeHtml((body && body.content) || "")}</pre>`;
  return [
    "<!doctype html><html><head><meta charset=\"utf-8\">",
    `<meta http-equiv="Content-Security-Policy" content="${frameCsp(remote)}">`,
    '<meta name="referrer" content="no-referrer"><base target="_blank">',
    "</head><body>",
    content,
    "</body></html>",
  ].join("");
}

function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** One file as a list entry: its name, size and type, then `action` (a description) if any. */
export function fileItem(a, attrs = {}, action = null) {
  return h(
    "li",
    attrs,
    icon("attachment", "icon icon--sm"),
    h("span", { class: "attachments__name" }, a.name || "(unnamed)"),
    h("span", { class: "muted" }, ` ${formatSize(a.size)}${a.contentType ? ` · ${a.contentType}` : ""}${a.isInline ? " · inline" : ""}${action ? " " : ""}`),
    action,
  );
}

function fileRow(itemId, a, downloadable) {
  const action =
    downloadable && a.stored
      ? h(
          "button",
          { type: "button", class: "btn btn--ghost mail__download", on: { click: { intent: "downloadAttachment", itemId, attachmentId: a.id } } },
          "Download",
          h("span", { class: "visually-hidden" }, ` ${a.name || "(unnamed)"}`),
        )
      : h("span", { class: "muted mail__reason" }, a.reason || "not stored");
  return fileItem(a, { "data-attachment-id": a.id }, action);
}

/**
 * The message section of an expanded tile. mail: {status, data, error, remote, images}
 * (reducers.js); tracked: whether files can be downloaded (a suggestion has none stored).
 */
export function mailView(itemId, mail, tracked) {
  if (!mail || mail.status === "loading") return h("p", { class: "mail mail--loading muted" }, "Loading the message…");
  if (mail.status === "failed") return h("p", { class: "mail error error--inline", role: "alert" }, mail.error || "The message could not be loaded.");
  const data = mail.data || {};
  const body = data.body || { contentType: "text", content: "" };
  const remoteBlocked = body.contentType === "html" && !mail.remote && hasRemoteImages(body.content);
  const files = data.attachments || [];
  return h(
    "section",
    { class: "mail", "aria-label": "Message" },
    remoteBlocked
      ? h(
          "p",
          { class: "mail__remote" },
          "Remote images are blocked. ",
          h("button", { type: "button", class: "btn btn--ghost", on: { click: { intent: "allowRemoteImages", itemId } } }, "Show remote images"),
        )
      : null,
    h("iframe", {
      class: "mail__frame",
      title: "Message body",
      sandbox: "",
      referrerpolicy: "no-referrer",
      srcdoc: frameDocument(body, mail.images || {}, Boolean(mail.remote)),
    }),
    files.length ? h("ul", { class: "attachments mail__files" }, files.map((a) => fileRow(itemId, a, tracked))) : null,
  );
}
