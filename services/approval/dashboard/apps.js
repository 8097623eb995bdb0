// Greenlight dashboard, app cards: what serves traffic now, what waits on standby, what stays warm.
// Every fact comes from GET /apps/{app}, which reads the switcher's own events (and the platform, for replicas).
"use strict";

const short = (sha) => (sha || "").slice(0, 12);

function colourBadge(colour, testid) {
  const known = colour === "blue" || colour === "green";
  return el("span", { class: `colour colour-${known ? colour : "none"}`, "data-testid": testid }, known ? colour : "none");
}

// What matters first comes first, and the state only where the line's label does not already say it (`implied`):
// a card's line is one line on a wide screen, two on a phone (style.css), cut at its end, whole in its tooltip.
function releaseRef(release, implied, ...after) {
  return el("span", {}, navLink(releaseUrl(release.id), release.id.slice(0, 12), { title: release.id }),
    release.state === implied ? "" : [" ", stateBadge(release.state)], ...after, ` · ${short(release.commit)}`,
    release.ref && release.ref !== release.commit ? ` (${release.ref})` : "");
}

function fact(label, testid, ...value) {
  const dd = el("dd", { "data-testid": testid }, ...value);
  dd.title = stilled(dd).textContent; // not the countdown's text of this second: the card would differ every render
  return [el("dt", {}, label), dd];
}

const colourRole = (view, colour) =>
  colour === view.live_colour ? "live" : view.warm && view.warm.colour === colour ? "warm" : "standby";

// Replicas ready per colour, as the platform reports them. Where the API reads them (GET /me `replicas_read`) the
// line is always there, so the card keeps its height: "none" with no colour on the platform, and "not read" when the
// platform did not answer in time (`colours` null).
const readsReplicas = (view) => Boolean(view.colours || (model.me && model.me.replicas_read));

function replicaFacts(view) {
  if (!readsReplicas(view)) return [];
  const colours = Object.entries(view.colours || {});
  if (!colours.length) {
    return fact("Replicas", "replicas-line", none(view.colours ? "none" : "not read: the platform did not answer"));
  }
  const parts = colours.flatMap(([colour, count], i) => [i ? " · " : "", el("span", {
    class: `replicas${count.ready < count.desired ? " replicas-short" : ""}`, "data-testid": `replicas-${colour}`,
  }, colourBadge(colour), ` ${colourRole(view, colour)} `,
  `${count.ready}/${count.desired} ready`)]);
  return fact("Replicas", "replicas-line", ...parts);
}

// A card keeps one height through a release's run, so the list below it never moves under the pointer (a click on
// a release's link once met the page where the link had been): one line each for what serves, for the release on
// its way (in flight, then standby or candidate) and for the warm colour, saying "none" when empty, and room for
// the rollback button wherever this person may roll back.
const none = (text = "none", testid = null) => el("span", { class: "muted", "data-testid": testid }, text);

function nextLine(standby, flight) {
  if (standby) {
    return fact(standby.state === "awaiting_approval" ? "Candidate" : "Standby", "standby-line",
      colourBadge(standby.standby_colour, "standby-colour"), " ", releaseRef(standby, "awaiting_approval"));
  }
  return flight ? fact("In flight", "flight-line", releaseRef(flight, null)) : fact("In flight", "flight-none", none());
}

function warmLine(warm) {
  if (!warm) return fact("Warm", "warm-none", none());
  const left = el("span", { class: "countdown", "data-deadline": warm.scale_down_at, "data-testid": "countdown" },
    countdown(warm.scale_down_at));
  return fact("Warm", "warm-line", colourBadge(warm.colour, "warm-colour"), " ",
    warm.release ? releaseRef(warm.release, "superseded", " ", left) : left);
}

function cardOf(app, facts, actions) {
  return el("article", { class: "app", "data-testid": `app-${app}` },
    el("h3", {}, navLink(appUrl(app), app)),
    el("dl", { class: "facts" }, facts),
    el("div", { class: may("rollback_app") ? "actions reserved" : "actions" }, actions));
}

function appCard(view) {
  const live = view.live_release;
  const standby = view.standby_release && IN_FLIGHT.has(view.standby_release.state) ? view.standby_release : null;
  const flight = view.in_flight && (!standby || view.in_flight.id !== standby.id) ? view.in_flight : null;
  return cardOf(view.app, [
    ...fact("Serving", "live-line", live ? [colourBadge(view.live_colour, "live-colour"), " ", releaseRef(live, "live")]
      : none("nothing live yet", "live-colour")),
    ...nextLine(standby, flight),
    ...warmLine(view.warm),
    ...replicaFacts(view),
  ], rollbackButton(view));
}

// An app the list names whose facts are still being read: the same lines, so the card keeps its height once they
// come (they are read after the list: loading.js refreshAppSoon).
function pendingCard(app) {
  return cardOf(app, [...fact("Serving", null, none("…")), ...fact("In flight", null, none("…")),
    ...fact("Warm", null, none("…")), ...(readsReplicas({}) ? fact("Replicas", null, none("…")) : [])], null);
}

function renderApps(route) {
  const wanted = (app) => !route.filters.app || app === route.filters.app;
  const views = [...model.apps.values()].filter((view) => wanted(view.app));
  const pending = [...new Set([...model.releases.values()].map((r) => r.app))]
    .filter((app) => wanted(app) && !model.apps.has(app));
  const cards = [...views.map((view) => [view.app, appCard(view)]), ...pending.map((app) => [app, pendingCard(app)])]
    .sort(([a], [b]) => (a < b ? -1 : 1));
  replaceChanged(byId("apps"), cards.map(([, card]) => card));
  // Not before the list has come: "no app yet" flashed on every opening of a page that had apps.
  byId("no-apps").hidden = cards.length > 0 || !model.loadedKey || model.loadedKey !== model.shownKey;
}

// Replicas change on the platform without a release event (a pod crashes, a scale-down finishes):
// the cards that show them are read again every few seconds.
const REPLICAS_REFRESH_S = 5;
let ticks = 0;

// Countdowns and running durations move every second without re-rendering the page.
function tick() {
  ticks += 1;
  if (ticks % REPLICAS_REFRESH_S === 0 && model.token) {
    for (const view of model.apps.values()) if (view.colours) refreshAppSoon(view.app);
  }
  for (const node of document.querySelectorAll(".countdown[data-deadline]")) {
    node.textContent = countdown(node.dataset.deadline);
  }
  for (const node of document.querySelectorAll("[data-running]")) {
    const release = model.releases.get(node.dataset.running);
    if (release) node.textContent = took(release);
  }
}
