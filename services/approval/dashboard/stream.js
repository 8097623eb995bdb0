// Greenlight dashboard, the live event stream: events and progress as they happen (the model keeps them through
// loading.js), the view read again when a stream opens without a resume point, and a dropped stream reopened.
"use strict";

const REOPEN_MS = 5000;

function onEvent(message) {
  let event;
  try {
    event = JSON.parse(message.data);
  } catch (err) {
    return;
  }
  if (message.lastEventId) model.lastOffset = message.lastEventId;
  if (event.note) return; // logged, not folded: not where the release went (mergeHistory)
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
