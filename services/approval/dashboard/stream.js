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
  const release = releaseOf(event); // a newer Greenlight's event marks it (newer.js)
  const created = release ? release.created_at : null;
  if (unknown && model.nextCursor && model.oldestLoaded && created && created < model.oldestLoaded) return;
  // A newer schema's event may hold no snapshot this page reads: the API's reading of the release stands in.
  if (release) remember(release);
  else if (!unknown || currentRoute().id === event.release_id) loadRelease(event.release_id).catch(() => {});
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
  // A stream reopened after a drop resumes from what was seen: no gap, no event twice.
  const resumes = model.lastOffset !== null;
  if (resumes) url += `&last_event_id=${enc(model.lastOffset)}`;
  // Every message whatever its name: a newer Greenlight's state is an event too (sse.js).
  const source = new EventStream(url, {
    onmessage: (message) => (message.type === "progress" ? onProgress(message) : onEvent(message)),
    onopen: () => {
      streamStatus("live", true);
      if (!resumes) model.caughtUp = catchUp();
    },
    // Ended by the server, the network or a refusal: reopened with a new ticket, resuming from what was seen.
    onclose: () => {
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
    },
  });
  model.source = source;
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
