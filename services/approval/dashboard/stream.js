// Greenlight dashboard, data flow: loading pages of releases, app facts, and the live event stream.
"use strict";

const REOPEN_MS = 5000;

function remember(release) {
  const known = model.releases.get(release.id);
  if (known && known.seq > release.seq) return;
  // An event's snapshot has no `approval`, a list item has it null (the API adds it to a detail or a decision's
  // answer only): keep the one known. A list page loaded after an approval was counted once blanked "1 of 2".
  if (release.approval == null && known && known.approval && known.seq === release.seq) release = { ...release, approval: known.approval };
  model.releases.set(release.id, release);
  // A notice about this release ("is now approved") is stale once the release moves on.
  if (model.notice && model.notice.release === release.id && model.notice.seq < release.seq) clearNotice();
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
  refreshAppSoon(event.app);
  // The stream may replay old history: a release older than the pages loaded so far belongs to a page not
  // yet loaded ("Load older releases" brings it), so it is not slipped into the list out of turn.
  const unknown = !model.releases.has(event.release_id);
  if (unknown && model.nextCursor && model.oldestLoaded && event.release.created_at < model.oldestLoaded) return;
  remember(event.release);
  if (model.histories.has(event.release_id)) mergeHistory(event.release_id, [event]);
}

// Progress has no id: it must not move lastOffset, the point a reopened stream resumes from.
function onProgress(message) {
  try {
    const item = JSON.parse(message.data);
    model.progress.set(item.release_id, item);
    // "1 of 2 approvals": a release page that is open reloads the approvals given (they are no event).
    if (item.step === "approval" && model.histories.has(item.release_id)) loadRelease(item.release_id).catch(() => {});
  } catch (err) {
    return;
  }
  scheduleRender();
}

function mergeHistory(id, events) {
  const bySeq = new Map((model.histories.get(id) || []).map((e) => [e.seq, e]));
  for (const event of events) bySeq.set(event.seq, event);
  model.histories.set(id, [...bySeq.values()].sort((a, b) => a.seq - b.seq));
  scheduleRender();
}

async function loadRelease(id) {
  const answer = await api("GET", `/releases/${enc(id)}`);
  remember(answer.release);
  mergeHistory(id, answer.history);
  return answer.release;
}

// Histories fetched for the list's durations: each once a session (model.historyAsked), a few at a time, so a
// page of 50 stays cheap.
let historyBusy = 0;

function wantHistory(id) {
  if (model.historyAsked.has(id)) return;
  model.historyAsked.add(id);
  model.historyQueue.push(id);
  pumpHistories();
}

function pumpHistories() {
  while (historyBusy < 3 && model.historyQueue.length && model.token) {
    const id = model.historyQueue.shift();
    const asked = model.historyAsked; // this session's: an answer for one signed out since is dropped
    historyBusy += 1;
    api("GET", `/releases/${enc(id)}`)
      .then((answer) => { if (model.historyAsked === asked) mergeHistory(id, answer.history); })
      .catch(() => asked.delete(id)) // tried again on a later render
      .finally(() => { historyBusy -= 1; pumpHistories(); });
  }
}

// Two reads of one app can overlap (a burst's batch starts while the last one's answer is on its way, the
// replicas' refresh) and their answers arrive in any order: each read is numbered as it is sent, and an answer
// older than the one applied is dropped. Applied in arrival order, a slow answer read before a rollback put the
// rolled-back release back on the card as serving until the app's next event.
async function refreshApp(app) {
  model.appReads += 1;
  const read = model.appReads;
  const { apps, appRead } = model; // this session's: an answer for one signed out since is dropped
  const view = await api("GET", `/apps/${enc(app)}`);
  if (model.apps !== apps || read < (appRead.get(app) || 0)) return;
  appRead.set(app, read);
  apps.set(app, view);
  for (const r of [view.live_release, view.standby_release, view.in_flight, view.warm && view.warm.release]) {
    if (r) remember(r);
  }
  scheduleRender();
}

// History replay brings many events per app: one GET /apps/{app} per burst is enough (`model.appBatch`).
function refreshAppSoon(app) {
  model.pendingApps.add(app);
  if (!model.appBatch) {
    model.appBatch = new Promise((resolve) => setTimeout(resolve, 150)).then(async () => {
      model.appBatch = null;
      const apps = [...model.pendingApps];
      model.pendingApps.clear();
      for (const app of apps) {
        try {
          await refreshApp(app);
        } catch (err) {
          handleError(err);
        }
      }
    });
  }
}

async function fetchReleases(filters, cursor = null) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.app) query.set("app", filters.app);
  if (filters.state) query.set("state", filters.state);
  if (cursor) query.set("cursor", cursor);
  const page = await api("GET", `/releases?${query}`);
  for (const release of page.items) remember(release);
  for (const app of new Set(page.items.map((r) => r.app))) refreshAppSoon(app);
  return page;
}

// One page of releases as the filters ask (app and state are the API's own filters).
async function loadReleases(filters, more = false) {
  const page = await fetchReleases(filters, more ? model.nextCursor : null);
  model.nextCursor = page.next_cursor;
  const oldest = page.items.length ? page.items[page.items.length - 1].created_at : null;
  if (oldest && (!more || !model.oldestLoaded || oldest < model.oldestLoaded)) model.oldestLoaded = oldest;
  return page;
}

// A stream with no resume point starts at the server's newest event: what happened between the page's load
// and that moment would never arrive (a release requested right after sign-in stayed off the page). Once such
// a stream is open, the view's data is read again; remember() keeps the newer of two copies.
async function catchUp() {
  const route = currentRoute();
  try {
    if (route.view === "release") refreshAppSoon((await loadRelease(route.id)).app);
    else await fetchReleases(route.filters);
    // `model.caughtUp` settles once the apps' views came back too: one read late would still change the page.
    await model.appBatch;
  } catch (err) {
    handleError(err);
  }
}

async function openStream() {
  closeStream();
  // EventSource cannot send a header, and a token in a URL ends up in proxy logs: a single-use,
  // short-lived ticket stands in for it. A reconnect needs a new one, so a drop reopens through here.
  let ticket;
  try {
    ticket = (await api("POST", "/events/tickets")).ticket;
  } catch (err) {
    reopenLater(err);
    return;
  }
  if (!model.token) return; // signed out while the ticket was on its way
  closeStream(); // another open may have finished while this one waited
  let url = `/events?ticket=${enc(ticket)}`;
  // The browser resumes by itself after a drop; a stream we reopen resumes from what we saw.
  const resumes = model.lastOffset !== null;
  if (resumes) url += `&last_event_id=${enc(model.lastOffset)}`;
  const source = new EventSource(url);
  model.source = source;
  let opened = false;
  source.onopen = () => {
    streamStatus("live", true);
    // The browser's own reconnects resume from the last event id it saw: a gap only while none came.
    if (!resumes && (!opened || model.lastOffset === null)) model.caughtUp = catchUp();
    opened = true;
  };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) {
      streamStatus("reconnecting…", false);
      return;
    }
    streamStatus("disconnected", false);
    setTimeout(async () => {
      if (model.source !== source) return;
      try {
        await api("GET", "/me"); // a rejected token signs out instead of looping
      } catch (err) {
        if (model.source === source) closeStream();
        reopenLater(err);
        return;
      }
      openStream();
    }, REOPEN_MS);
  };
  for (const state of STATES) source.addEventListener(state, onEvent);
  source.addEventListener("progress", onProgress);
}

// A reopen that failed because the service is away (unreachable, 5xx, 429) is tried again: given up once, the
// page showed no event until reloaded, though the service was back seconds later. Anything else is said.
function reopenLater(err) {
  if (err.status !== 0 && err.status !== 429 && err.status < 500) {
    handleError(err); // a refused token signs out
    return;
  }
  const token = model.token;
  streamStatus("disconnected", false);
  setTimeout(() => { if (token && model.token === token && !model.source) openStream(); }, REOPEN_MS);
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
