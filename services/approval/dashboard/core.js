// Greenlight dashboard, core: the API, the shared model, DOM and time helpers.
// Every piece of data reaches the page as text (textContent / append of strings), never as HTML.
"use strict";

const TOKEN_KEY = "greenlight.token";
const STATES = [
  "requested", "building", "built", "pushing", "pushed", "deploying", "analysing", "awaiting_approval", "approved",
  "switching", "verifying", "live", "superseded", "rolling_back", "rolled_back", "failed", "rejected",
];
const IN_FLIGHT = new Set(STATES.slice(0, 11)); // requested … verifying (services/shared/protocol.py IN_FLIGHT)
const OUTCOMES = new Set(["live", "failed", "rejected"]); // where a release's own run ended
const FINAL = new Set(["failed", "rejected"]); // ended for good: the snapshot's updated_at is the end
const PAGE_SIZE = 50;

// Everything a session learns or asks for, in one place: signing out puts back a fresh copy of each (session.js),
// so a cache added here cannot outlive its session. A set left behind once kept the next session from asking
// again (the list's "Took" stayed blank, the gate's "Live now" had no commit facts after signing in again).
function freshSession() {
  return {
    token: null,
    me: null, // GET /me: name, roles, may (operation ids), decide_own_releases, decision_comment_required
    releases: new Map(), // id -> newest release snapshot seen
    apps: new Map(), // app -> answer of GET /apps/{app}
    appRead: new Map(), // app -> number of the newest GET /apps/{app} answer applied (loading.js refreshApp)
    histories: new Map(), // id -> events, for the release page and for commit facts
    historyAsked: new Set(), // ids whose history the list asked for, for its durations (loading.js wantHistory)
    historyQueue: [], // of those, the ids still to fetch
    liveAsked: new Set(), // ids of live releases whose history the gate asked for, for their commit (gate.js)
    shownKey: null, // the view whose data is being loaded or was (router.js showRoute)
    loadedKey: null, // of those, the last whose load came back (until then the apps' area claims nothing: apps.js)
    nextCursor: null,
    oldestLoaded: null, // created_at of the oldest release of the pages loaded
    lastOffset: null,
    pendingApps: new Set(),
    progress: new Map(), // id -> newest progress of its running step (live only, never stored)
  };
}

const model = {
  ...freshSession(),
  source: null,
  caughtUp: Promise.resolve(), // the view read again once a stream without a resume point opened (stream.js)
  appBatch: null, // the pending GET /apps/{app} batch (loading.js refreshAppSoon)
  appReads: 0, // GET /apps/{app} requests numbered in the order sent, over every session (loading.js refreshApp)
  renderQueued: false,
  notice: null, // { release, seq }: an info notice about a release clears when it changes again
};

const byId = (id) => document.getElementById(id);
const enc = encodeURIComponent;

// A render replaces only the children that changed: a button replaced between the press and the release of a
// click eats the click, and the page renders again on every event and every few seconds (replica counts).
function replaceChanged(parent, nodes) {
  const old = new Map([...parent.children].map((node, i) => [keyOf(node, i), node]));
  const kept = nodes.filter(Boolean).map((node, i) => { // a null would show as the text "null"
    const key = keyOf(node, i);
    const was = old.get(key);
    old.delete(key);
    return was && stilled(was).isEqualNode(stilled(node)) ? was : node;
  });
  const keep = new Set(kept);
  for (const node of [...parent.childNodes]) if (!keep.has(node)) node.remove();
  // What stays where it was is not touched: only new nodes go in, before the first kept one after them.
  kept.forEach((node, i) => {
    if (parent.childNodes[i] !== node) parent.insertBefore(node, parent.childNodes[i] || null);
  });
}

const keyOf = (node, i) => node.dataset.release || node.dataset.testid || `${node.tagName}#${i}`;

// Without the texts tick() moves every second in place (apps.js).
const TICKING = ".countdown[data-deadline], [data-running]";
function stilled(node) {
  if (!node.querySelector(TICKING)) return node;
  const copy = node.cloneNode(true);
  for (const ticking of copy.querySelectorAll(TICKING)) ticking.textContent = "";
  return copy;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

// ---- talking to the API ----------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, body) {
    const said = body && typeof body.error === "string" ? body.error : "unexpected answer";
    const fields = body && Array.isArray(body.fields)
      ? body.fields.map((f) => `${(f.loc || []).join(".")}: ${f.msg}`).filter((f) => !said.includes(f.split(": ")[1]))
      : [];
    super(status ? `${[said, ...fields].join("; ")} (HTTP ${status})` : said);
    this.status = status;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { Authorization: `Bearer ${model.token}`, Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, { error: "cannot reach Greenlight" });
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// ---- who may do what: the API's identity endpoint, never guessed from the token ---------------
const may = (operation) => Boolean(model.me && model.me.may.includes(operation));

function mayDecide(release) {
  if (!release || release.state !== "awaiting_approval" || !may("approve_release")) return false;
  return release.requested_by !== model.me.name || model.me.decide_own_releases;
}

// ---- time ------------------------------------------------------------------------------------
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

// How long the release's own run took: to its outcome, or so far while in flight. A live, superseded or
// rolled-back release has moved on since its outcome (a restore makes it live again later), so its figure
// comes from its history: requested to the first time it went live.
function took(release) {
  if (IN_FLIGHT.has(release.state)) return `${between(release.created_at, new Date().toISOString())} so far`;
  if (FINAL.has(release.state)) return between(release.created_at, release.updated_at);
  const history = model.histories.get(release.id);
  if (!history) {
    wantHistory(release.id);
    return "";
  }
  const end = history.find((e) => OUTCOMES.has(e.state));
  return end ? between(release.created_at, end.occurred_at) : "";
}

function countdown(iso) {
  const left = new Date(iso) - Date.now();
  return left > 0 ? `scales down in ${duration(left).replace(/\.\ds$/, "s")}` : "scale-down due now";
}
