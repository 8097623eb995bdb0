// Greenlight dashboard, app cards: what serves traffic now, what waits on standby, what stays warm.
// Every fact comes from GET /apps/{app}, which reads the switcher's own events (and the platform, for replicas).
"use strict";

const short = (sha) => (sha || "").slice(0, 12);

function colourBadge(colour, testid) {
  const known = colour === "blue" || colour === "green";
  return el("span", { class: `colour colour-${known ? colour : "none"}`, "data-testid": testid }, known ? colour : "none");
}

function releaseRef(release) {
  return el("span", {}, navLink(releaseUrl(release.id), release.id.slice(0, 12), { title: release.id }),
    ` · ${short(release.commit)}`, release.ref && release.ref !== release.commit ? ` (${release.ref})` : "",
    " ", stateBadge(release.state));
}

function fact(label, testid, ...value) {
  return [el("dt", {}, label), el("dd", { "data-testid": testid }, ...value)];
}

const colourRole = (view, colour) =>
  colour === view.live_colour ? "live" : view.warm && view.warm.colour === colour ? "warm" : "standby";

// Replicas ready per colour, as the platform reports them (null when the API does not read it).
function replicaFacts(view) {
  const colours = Object.entries(view.colours || {});
  if (!colours.length) return [];
  const parts = colours.flatMap(([colour, count], i) => [i ? " · " : "", el("span", {
    class: `replicas${count.ready < count.desired ? " replicas-short" : ""}`, "data-testid": `replicas-${colour}`,
  }, colourBadge(colour), ` ${colourRole(view, colour)} `,
  `${count.ready}/${count.desired} ready`)]);
  return fact("Replicas", "replicas-line", ...parts);
}

function appCard(view) {
  const live = view.live_release;
  const standby = view.standby_release && IN_FLIGHT.has(view.standby_release.state) ? view.standby_release : null;
  const flight = view.in_flight && (!standby || view.in_flight.id !== standby.id) ? view.in_flight : null;
  const warm = view.warm;
  const facts = [
    ...fact("Serving", "live-line", live ? [colourBadge(view.live_colour, "live-colour"), " ", releaseRef(live)]
      : el("span", { class: "muted", "data-testid": "live-colour" }, "nothing live yet")),
    ...(standby ? fact(standby.state === "awaiting_approval" ? "Candidate" : "Standby", "standby-line",
      colourBadge(standby.standby_colour, "standby-colour"), " ", releaseRef(standby)) : []),
    ...(warm ? fact("Warm", "warm-line", colourBadge(warm.colour, "warm-colour"), " ",
      warm.release ? releaseRef(warm.release) : "", " ",
      el("span", { class: "countdown", "data-deadline": warm.scale_down_at, "data-testid": "countdown" },
        countdown(warm.scale_down_at))) : []),
    ...(flight ? fact("In flight", "flight-line", releaseRef(flight)) : []),
    ...replicaFacts(view),
  ];
  return el("article", { class: "app", "data-testid": `app-${view.app}` },
    el("h3", {}, navLink(appUrl(view.app), view.app)),
    el("dl", { class: "facts" }, facts),
    el("div", { class: "actions" }, rollbackButton(view)));
}

function renderApps(route) {
  const views = [...model.apps.values()]
    .filter((view) => !route.filters.app || view.app === route.filters.app)
    .sort((a, b) => (a.app < b.app ? -1 : 1));
  replaceChanged(byId("apps"), views.map(appCard));
  byId("no-apps").hidden = views.length > 0;
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
