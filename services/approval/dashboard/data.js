// Greenlight dashboard, data side: the API, the model of releases and apps, and the live stream.
// Every piece of data reaches the page as text (textContent / append of strings), never as HTML.
"use strict";

const TOKEN_KEY = "greenlight.token";
const STATES = [
  "requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval", "approved",
  "switching", "live", "superseded", "rolling_back", "rolled_back", "failed", "rejected",
];
const MAX_ROWS = 200;
const REOPEN_MS = 5000;

const model = {
  token: null,
  releases: new Map(), // id -> newest release snapshot seen
  rows: new Map(), // id -> { tr, cells, decision }: rows are updated in place so a typed comment survives
  apps: new Map(), // app -> answer of GET /apps/{app}
  selected: null,
  history: [],
  source: null,
  lastOffset: null,
  pendingApps: new Set(),
  progress: new Map(), // id -> newest progress of its running step (live only, never stored)
  appTimer: null,
  renderQueued: false,
};

const byId = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---- talking to the API ----------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, body) {
    const said = body && typeof body.error === "string" ? body.error : "unexpected answer";
    const fields = body && Array.isArray(body.fields)
      ? body.fields.map((f) => `${(f.loc || []).join(".")}: ${f.msg}`) : [];
    const extra = body && body.state ? [`state: ${body.state}`] : [];
    const parts = [said, ...fields, ...extra].join("; ");
    super(status ? `${parts} (HTTP ${status})` : parts);
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

const enc = encodeURIComponent;

// ---- the model -------------------------------------------------------------------------------
function remember(release) {
  const known = model.releases.get(release.id);
  if (known && known.seq > release.seq) return;
  model.releases.set(release.id, release);
  scheduleRender();
}

function onEvent(message) {
  let event;
  try {
    event = JSON.parse(message.data);
  } catch (err) {
    return;
  }
  if (message.lastEventId) model.lastOffset = message.lastEventId;
  remember(event.release);
  if (model.selected === event.release_id) mergeHistory([event]);
  refreshAppSoon(event.app);
}

// Progress has no id: it must not move lastOffset, the point a reopened stream resumes from.
function onProgress(message) {
  try {
    const item = JSON.parse(message.data);
    model.progress.set(item.release_id, item);
  } catch (err) {
    return;
  }
  scheduleRender();
}

function mergeHistory(events) {
  const bySeq = new Map(model.history.map((e) => [e.seq, e]));
  for (const event of events) bySeq.set(event.seq, event);
  model.history = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  scheduleRender();
}

function refreshAppSoon(app) {
  // History replay brings many events per app: one GET /apps/{app} per burst is enough.
  model.pendingApps.add(app);
  if (model.appTimer) return;
  model.appTimer = setTimeout(async () => {
    model.appTimer = null;
    const apps = [...model.pendingApps];
    model.pendingApps.clear();
    for (const app of apps) {
      try {
        model.apps.set(app, await api("GET", `/apps/${enc(app)}`));
      } catch (err) {
        handleError(err);
      }
    }
    scheduleRender();
  }, 250);
}

async function loadReleases() {
  const page = await api("GET", "/releases?limit=50");
  for (const release of page.items) remember(release);
  for (const app of new Set(page.items.map((r) => r.app))) refreshAppSoon(app);
}

async function select(id) {
  model.selected = id;
  model.history = [];
  scheduleRender();
  try {
    const answer = await api("GET", `/releases/${enc(id)}`);
    if (model.selected !== id) return;
    remember(answer.release);
    mergeHistory(answer.history);
  } catch (err) {
    handleError(err);
  }
}

async function decide(id, decision, input, buttons) {
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const release = await api("POST", `/releases/${enc(id)}/${decision}`, { comment: input.value || null });
    input.value = "";
    remember(release);
    notice(`Release ${release.id} is now ${release.state}.`, "info");
  } catch (err) {
    handleError(err);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function handleError(err) {
  if (err.status === 401) {
    signOut();
    notice(`Your token was not accepted; sign in again. ${err.message}`, "error");
    return;
  }
  notice(err.message, "error");
}

// ---- live updates ----------------------------------------------------------------------------
function openStream() {
  closeStream();
  let url = `/events?access_token=${enc(model.token)}`;
  // The browser resumes by itself after a drop; a stream we reopen resumes from what we saw.
  if (model.lastOffset !== null) url += `&last_event_id=${enc(model.lastOffset)}`;
  const source = new EventSource(url);
  model.source = source;
  source.onopen = () => streamStatus("live", true);
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      streamStatus("reconnecting…", false);
      return;
    }
    streamStatus("disconnected", false);
    setTimeout(async () => {
      if (model.source !== source) return;
      try {
        await api("GET", "/releases?limit=1"); // a rejected token signs out instead of looping
        openStream();
      } catch (err) {
        handleError(err);
      }
    }, REOPEN_MS);
  };
  for (const state of STATES) source.addEventListener(state, onEvent);
  source.addEventListener("progress", onProgress);
}

function closeStream() {
  if (model.source) model.source.close();
  model.source = null;
  streamStatus("offline", false);
}

function streamStatus(text, on) {
  const badge = byId("stream-status");
  badge.textContent = text;
  badge.className = `stream ${on ? "stream-on" : "stream-off"}`;
}
