// Greenlight dashboard, session: signing in and out, who I am, notices, and start-up.
"use strict";

const INFO_NOTICE_MS = 6000;
let noticeTimer = null;

function notice(text, kind, about = null) {
  const box = byId("notice");
  byId("notice-text").textContent = text;
  box.className = `notice notice-${kind}`;
  box.hidden = false;
  model.notice = about ? { ...about, kind } : { kind };
  clearTimeout(noticeTimer);
  // Confirmations fade by themselves; an error stays until dismissed or the view changes.
  if (kind === "info") noticeTimer = setTimeout(() => clearNotice(), INFO_NOTICE_MS);
}

function clearNotice({ keepErrors = false } = {}) {
  if (keepErrors && model.notice && model.notice.kind === "error") return;
  clearTimeout(noticeTimer);
  byId("notice").hidden = true;
  model.notice = null;
}

function handleError(err) {
  if (err.status === 401) {
    signOut();
    notice(`Your token was not accepted; sign in again. ${err.message}`, "error");
    return;
  }
  notice(err.message, "error");
}

async function signIn(token) {
  model.token = token;
  try {
    model.me = await api("GET", "/me");
  } catch (err) {
    model.token = null;
    notice(err.status === 401 ? `That token was not accepted. ${err.message}` : err.message, "error");
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  byId("signin-page").hidden = true;
  byId("session").hidden = false;
  byId("content").hidden = false;
  byId("whoami").textContent = `${model.me.name} · ${model.me.roles.join(", ") || "no roles"}`;
  clearNotice();
  model.shownKey = null;
  // The first page first: then the stream's replay of older history cannot slip in ahead of the paging.
  await showRoute();
  if (model.token === token) openStream();
}

function signOut() {
  closeStream();
  sessionStorage.removeItem(TOKEN_KEY);
  // New caches, not cleared ones: an answer still on its way for the old session is told apart by them.
  Object.assign(model, freshSession());
  byId("signin-page").hidden = false;
  byId("session").hidden = true;
  byId("content").hidden = true;
}

document.addEventListener("DOMContentLoaded", () => {
  byId("signin").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId("token");
    const token = input.value.trim();
    input.value = "";
    if (token) signIn(token);
  });
  byId("signout").addEventListener("click", () => {
    signOut();
    notice("Signed out.", "info");
  });
  byId("notice-close").addEventListener("click", () => clearNotice());
  setInterval(tick, 1000);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
});
