// Greenlight dashboard, view side: rendering the model, the sign-in form and the notices.
// Loaded after data.js (both deferred, in order). Data becomes text nodes only, never parsed HTML.
"use strict";

function scheduleRender() {
  if (model.renderQueued) return;
  model.renderQueued = true;
  requestAnimationFrame(() => {
    model.renderQueued = false;
    renderReleases();
    renderApps();
    renderDetail();
  });
}

function duration(ms) {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, "0")}h`;
}

const between = (a, b) => duration(new Date(b) - new Date(a));
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const stateClass = (state) => `state state-${STATES.includes(state) ? state : "unknown"}`;

function stateBadge(state) {
  return el("span", { class: stateClass(state), "data-testid": "state" }, state);
}

// ---- releases table: one row per release, built once and then updated in place --------------
function renderReleases() {
  const tbody = byId("releases").tBodies[0];
  const newest = [...model.releases.values()]
    .sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).slice(0, MAX_ROWS);
  newest.forEach((release, index) => {
    let row = model.rows.get(release.id);
    if (!row) {
      row = buildRow(release.id);
      model.rows.set(release.id, row);
    }
    // Rows only move when a newer release arrives, so a comment being typed keeps its focus.
    if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] || null);
    updateRow(row, release);
  });
  byId("no-releases").hidden = newest.length > 0;
}

function buildRow(id) {
  const cells = {};
  for (const name of ["app", "state", "commit", "by", "updated", "took"]) cells[name] = el("td");
  const input = el("input", { type: "text", placeholder: "comment", "aria-label": `comment on ${id}`,
    "data-testid": "comment" });
  const approve = el("button", { type: "button", class: "approve", "data-testid": "approve" }, "Approve");
  const reject = el("button", { type: "button", class: "reject", "data-testid": "reject" }, "Reject");
  approve.addEventListener("click", () => decide(id, "approve", input, [approve, reject]));
  reject.addEventListener("click", () => decide(id, "reject", input, [approve, reject]));
  const decision = el("div", { class: "decision" }, input, approve, reject);
  const open = el("button", { type: "button", class: "link", "data-testid": "open", onclick: () => select(id) }, id);
  const tr = el("tr", { "data-release": id, "data-testid": "release-row" }, el("td", {}, open),
    cells.app, cells.state, cells.commit, cells.by, cells.updated, cells.took, el("td", {}, decision));
  return { tr, cells, decision };
}

// The state a step's progress belongs to: shown only while the release is still in it.
const STEP_STATE = { build: "building", push: "pushing", deploy: "deploying" };

function progressOf(release) {
  const item = model.progress.get(release.id);
  if (!item || STEP_STATE[item.step] !== release.state) return [];
  return [el("small", { class: "progress", "data-testid": "progress" }, item.message)];
}

function updateRow(row, release) {
  const { cells } = row;
  cells.app.textContent = release.app;
  cells.state.replaceChildren(stateBadge(release.state), ...progressOf(release));
  cells.commit.textContent = (release.commit || "").slice(0, 12);
  cells.commit.title = release.commit || "";
  cells.by.textContent = release.requested_by || "";
  cells.updated.textContent = when(release.updated_at);
  cells.took.textContent = between(release.created_at, release.updated_at);
  row.decision.hidden = release.state !== "awaiting_approval";
  row.tr.classList.toggle("selected", model.selected === release.id);
}

// ---- apps: which colour is live, what is on standby, what is in flight ------------------------
function renderApps() {
  const cards = [...model.apps.values()].sort((a, b) => (a.app < b.app ? -1 : 1)).map((view) => {
    const colour = view.live_colour;
    const line = (label, release) => el("p", {}, `${label}: `, release
      ? el("span", {}, `${release.id} (${release.state})`) : el("span", { class: "none" }, "none"));
    return el("article", { class: "app", "data-testid": `app-${view.app}` },
      el("h3", {}, view.app),
      el("p", {}, "live colour: ", el("span", {
        class: `colour ${colour === "blue" || colour === "green" ? `colour-${colour}` : "colour-none"}`,
        "data-testid": "live-colour",
      }, colour || "none")),
      line("live", view.live_release), line("standby", view.standby_release), line("in flight", view.in_flight));
  });
  byId("apps").replaceChildren(...cards);
}

// ---- the selected release: facts, failure, and its steps with timings ------------------------
function renderDetail() {
  const section = byId("detail");
  const release = model.selected && model.releases.get(model.selected);
  section.hidden = !release;
  if (!release) return;
  byId("detail-title").textContent = `Release ${release.id}`;
  const facts = [["app", release.app], ["state", stateBadge(release.state)], ["repository", release.repository],
    ["commit", release.commit], ["ref", release.ref], ["requested by", release.requested_by],
    ["image", release.image], ["digest", release.digest], ["standby colour", release.standby_colour],
    ["preview", previewLink(release.preview)], ["approver", release.approver], ["comment", release.comment],
    ["admin override", release.admin_override ? "yes: an admin approved their own release" : null]];
  byId("detail-facts").replaceChildren(...facts.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k),
    el("dd", { "data-testid": `fact-${k.replace(/ /g, "-")}` }, v)]));
  const failure = byId("detail-error");
  failure.hidden = !release.error;
  failure.replaceChildren(...(release.error ? [
    el("strong", {}, `Failed at ${release.error.step}: `), release.error.reason,
    release.error.log_tail ? el("pre", {}, release.error.log_tail) : null] : []));
  const rows = model.history.map((event, i) => {
    const next = model.history[i + 1];
    return el("tr", {}, el("td", {}, event.seq), el("td", {}, stateBadge(event.state)),
      el("td", {}, when(event.occurred_at)), el("td", {}, next ? between(event.occurred_at, next.occurred_at) : ""),
      el("td", {}, event.actor));
  });
  byId("history").tBodies[0].replaceChildren(...rows);
}

function previewLink(url) {
  if (!url) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch (err) {
    return url;
  }
  // Only web links become links: a javascript: URL stays inert text.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return url;
  return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, url);
}

// ---- session and notices ---------------------------------------------------------------------
function notice(text, kind) {
  const box = byId("notice");
  box.textContent = text;
  box.className = `notice notice-${kind}`;
  box.hidden = false;
}

async function signIn(token) {
  model.token = token;
  try {
    await loadReleases();
  } catch (err) {
    model.token = null;
    notice(err.status === 401 ? `That token was not accepted. ${err.message}` : err.message, "error");
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  byId("signin").hidden = true;
  byId("session").hidden = false;
  byId("content").hidden = false;
  byId("notice").hidden = true;
  openStream();
}

function signOut() {
  closeStream();
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(model, { token: null, selected: null, history: [], lastOffset: null });
  model.releases.clear();
  model.rows.clear();
  model.apps.clear();
  byId("releases").tBodies[0].replaceChildren();
  byId("signin").hidden = false;
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
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
});
