// Greenlight dashboard, loading: releases, their histories and the apps' facts read from the API into the model.
"use strict";

function remember(release) {
  const known = model.releases.get(release.id);
  if (known && known.seq > release.seq) return;
  // An event's snapshot has no `approval`, a list item has it null (the API adds it to a detail or a decision's
  // answer only): keep the one known. A list page loaded after an approval was counted once blanked "1 of 2".
  if (release.approval == null && known && known.approval && known.seq === release.seq) release = { ...release, approval: known.approval };
  // So is the mark of an event a newer Greenlight logged (newer.js releaseOf): the list reads its snapshot unmarked.
  if (known && known[UNKNOWN] && !release[UNKNOWN] && known.seq === release.seq) release = { ...release, [UNKNOWN]: known[UNKNOWN] };
  model.releases.set(release.id, release);
  // A notice about this release ("is now approved") is stale once the release moves on.
  if (model.notice && model.notice.release === release.id && model.notice.seq < release.seq) clearNotice();
  scheduleRender();
}

function mergeHistory(id, events) {
  const bySeq = new Map((model.histories.get(id) || []).map((e) => [e.seq, e]));
  // An event with a note was logged but not folded (a retried step's conflicting twin shares its seq): it is
  // not where the release went, and keyed by seq it would replace the step that was.
  for (const event of events) if (!event.note) bySeq.set(event.seq, event);
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
