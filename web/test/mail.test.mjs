import assert from "node:assert/strict";
import { test } from "node:test";

import { frameDocument, hasRemoteImages, inlineImages, mailView, rewriteImages } from "../mail.js";
import { initialState, reducer, tileState } from "../reducers.js";
import { tileView } from "../timeline.js";
import { findAll, textOf } from "../vdom.js";

const html = '<p>Hi</p><img src="cid:logo@x"><img src="https://tracker.example/p.gif?a=1&amp;b=2">';
const data = {
  body: { contentType: "html", content: html },
  attachments: [
    { id: "att-1", name: "logo.png", size: 68, contentType: "image/png", isInline: true, stored: true, contentId: "logo@x" },
    { id: "att-2", name: "<script>alert(1)</script>.pdf", size: 5 * 1024 * 1024, contentType: "application/pdf", isInline: false, stored: true },
    { id: "att-3", name: "mail.eml", size: 10, contentType: "message/rfc822", isInline: false, stored: false, reason: "an attached email is not copied" },
  ],
};
const frames = (node) => findAll(node, (n) => n.tag === "iframe");

test("remote images are blocked until asked, cid images come from the stored files", () => {
  assert.equal(hasRemoteImages(html), true);
  const blocked = rewriteImages(html, { "logo@x": "data:image/png;base64,AAAA" }, false);
  assert.match(blocked, /src="data:image\/png;base64,AAAA"/);
  assert.doesNotMatch(blocked, /tracker\.example/);
  const allowed = rewriteImages(html, {}, true);
  assert.match(allowed, /src="https:\/\/tracker\.example\/p\.gif\?a=1&amp;b=2"/);
  assert.deepEqual(inlineImages(data.attachments), [{ id: "att-1", contentId: "logo@x" }]);
});

test("the frame is sandboxed with no script and no same origin, and carries its own CSP", () => {
  const view = mailView("act-1", { status: "ready", data, remote: false, images: {} }, true);
  const [frame] = frames(view);
  assert.equal(frame.attrs.sandbox, "");
  assert.match(frame.attrs.srcdoc, /Content-Security-Policy" content="default-src 'none'; img-src data:;/);
  assert.ok(textOf(view).includes("Show remote images"));
  const shown = mailView("act-1", { status: "ready", data, remote: true, images: {} }, true);
  assert.match(frames(shown)[0].attrs.srcdoc, /img-src data: https:/);
  assert.ok(!textOf(shown).includes("Show remote images"));
});

test("a text body is escaped into the frame, never markup", () => {
  const doc = frameDocument({ contentType: "text", content: "<script>alert(1)</script>" });
  assert.ok(doc.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(!doc.includes("<script>"));
});

test("files are listed with sizes, download buttons for stored ones, and why the others are not", () => {
  const view = mailView("act-1", { status: "ready", data, remote: false, images: {} }, true);
  const text = textOf(view);
  assert.ok(text.includes("<script>alert(1)</script>.pdf"), "a name is text, shown as it is");
  assert.ok(text.includes("5.0 MB"));
  assert.ok(text.includes("an attached email is not copied"));
  const downloads = findAll(view, (n) => n.tag === "button" && n.on && n.on.click.intent === "downloadAttachment");
  assert.deepEqual(downloads.map((b) => b.on.click.attachmentId), ["att-1", "att-2"]);
  const suggestion = mailView("g-1", { status: "ready", data, remote: false, images: {} }, false);
  assert.equal(findAll(suggestion, (n) => n.tag === "button" && n.on && n.on.click.intent === "downloadAttachment").length, 0);
});

test("an expanded tile shows its message; the reducer keeps it per item and resets it per user", () => {
  let s = reducer(initialState(), { type: "mailRequested", itemId: "act-1" });
  s = reducer(s, { type: "mailLoaded", itemId: "act-1", data });
  s = reducer(s, { type: "mailImage", itemId: "act-1", contentId: "logo@x", dataUrl: "data:image/png;base64,AA" });
  s = reducer(s, { type: "tileToggled", itemId: "act-1" });
  const item = { id: "act-1", kind: "email", state: "tracked", subject: "S", to: [], cc: [], attachments: [] };
  const tile = tileView(item, tileState(s, item));
  assert.match(frames(tile)[0].attrs.srcdoc, /data:image\/png;base64,AA/);
  s = reducer(s, { type: "userChanged", user: { id: "b", name: "B", roles: [], groups: [] } });
  assert.deepEqual(s.mail, {});
});
