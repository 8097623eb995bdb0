// Greenlight dashboard, rendering: which view the URL asks for, and the release page's facts and steps.
"use strict";

const DECIDED = new Set(["approved", "switching", "live", "superseded", "rolling_back", "rolled_back"]);

function scheduleRender() {
  if (model.renderQueued) return;
  model.renderQueued = true;
  requestAnimationFrame(() => {
    model.renderQueued = false;
    if (!model.token) return;
    const route = currentRoute();
    byId("overview").hidden = route.view === "release";
    byId("release-page").hidden = route.view !== "release";
    if (route.view === "release") {
      renderRelease(route.id);
    } else {
      renderFilters(route);
      renderApps(route);
      renderReleases(route);
    }
  });
}

// Labels that fit the state: a live release has a serving colour, not a standby one; a rejection has
// a "rejected by", not an "approver".
function factsOf(release, view) {
  const colour = release.standby_colour;
  const colourLabel = IN_FLIGHT.has(release.state) ? "standby colour"
    : release.state === "live" ? "serving on" : "ran on";
  const serving = release.state === "live" && view && view.live_release && view.live_release.id === release.id
    ? view.live_colour : colour;
  const history = model.histories.get(release.id) || [];
  const rollback = history.filter((e) => e.state === "rolling_back").pop();
  // The switcher refused it (the previous colour no longer runs the previous release): the release stayed live.
  const refused = rollback && history.find((e) => e.seq > rollback.seq && e.details && e.details.rollback_refused);
  return [
    ["app", navLink(appUrl(release.app), release.app)], ["state", stateBadge(release.state)],
    ["repository", release.repository], ["commit", el("code", {}, release.commit)], ["ref", release.ref],
    ["requested by", release.requested_by], ["requested", when(release.created_at)], ["took", took(release)],
    ["image", release.image], ["digest", release.digest],
    [colourLabel, (serving || colour) && colourBadge(serving || colour, "colour")],
    [release.state === "rejected" ? "rejected by" : DECIDED.has(release.state) ? "approved by" : "decided by", release.approver],
    [release.state === "rejected" ? "reason" : "comment", release.comment],
    ["admin override", release.admin_override ? "yes: an admin approved their own release" : null],
    ["restores", release.restores && navLink(releaseUrl(release.restores), release.restores)],
    ["approvals", approvalText(release.approval)],
    [refused ? "rollback asked by" : "rolled back by", rollback && rollback.actor],
    ["rollback reason", rollback && rollback.details.reason],
    ["rollback refused", refused && refused.details.rollback_refused],
    ["analysis", verdictOf(history)],
  ];
}

// The newest analysis verdict (pre or post checks) and why: what a person deciding at the gate needs.
function verdictOf(history) {
  const decided = history.filter((e) => e.details && e.details.analysis).pop();
  if (!decided) return null;
  const { verdict, reason } = decided.details.analysis;
  return el("span", { class: `verdict verdict-${verdict}` }, `${verdict}: ${reason}`);
}

// One analysis measurement, under its step's state: check, provider, value, verdict and why.
function measurementOf(event) {
  const m = event.details && event.details.measurement;
  if (!m) return null;
  return el("div", { class: `measurement verdict-${m.verdict}`, "data-testid": "measurement" },
    `${m.check} (${m.provider}) = ${m.value} ${m.verdict}: ${m.why}`);
}

function renderRelease(id) {
  const release = model.releases.get(id);
  byId("release-title").textContent = `Release ${id}`;
  const body = byId("release-body");
  if (!release) {
    body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    return;
  }
  const view = model.apps.get(release.app);
  const facts = factsOf(release, view).filter(([, v]) => v);
  const history = model.histories.get(id) || [];
  const steps = history.map((event, i) => {
    const next = history[i + 1];
    return el("tr", {}, el("td", { "data-label": "#" }, event.seq), el("td", { "data-label": "State" }, stateBadge(event.state), measurementOf(event)),
      el("td", { "data-label": "At" }, when(event.occurred_at)),
      el("td", { "data-label": "Took" }, next ? between(event.occurred_at, next.occurred_at) : ""),
      el("td", { "data-label": "Actor" }, event.actor));
  });
  const live = view && view.live_release && view.live_release.id === release.id ? view : null;
  const gate = release.state === "awaiting_approval" ? gatePanel(release, view) : null;
  const said = new Set(gate ? [...gate.querySelectorAll("[data-testid=newer-only]")].map((n) => n.dataset.for) : []);
  const actions = [live ? rollbackButton(live) : null, rollbackToButton(release, view), abortButton(release)];
  replaceChanged(body, [
    gate,
    release.error ? el("div", { class: "failure", "data-testid": "failure" },
      el("strong", {}, `Failed at ${release.error.step}: `), release.error.reason,
      release.error.log_tail ? el("pre", {}, release.error.log_tail) : null) : null,
    el("div", { class: "actions" }, notesOnce(actions, said)),
    el("dl", { class: "facts", "data-testid": "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k),
      el("dd", { "data-testid": `fact-${k.replace(/ /g, "-")}`, "data-running": k === "took" && IN_FLIGHT.has(release.state) && release.id }, v)])),
    el("h3", {}, "Steps"),
    el("table", { class: "history", "data-testid": "history" },
      el("thead", {}, el("tr", {}, ...["#", "State", "At", "Took", "Actor"].map((h) => el("th", {}, h)))),
      el("tbody", {}, steps)),
  ]);
}

// "1 of 2 (dev-admin) · soak until … · expires …": how the release stands against its approval policy.
function approvalText(status) {
  if (!status) return null;
  const given = status.given || [];
  const parts = [`${given.length} of ${status.required}` + (given.length ? ` (${given.map((g) => g.by).join(", ")})` : "")];
  if (status.soak_ends_at && new Date(status.soak_ends_at) > new Date()) parts.push(`soak until ${when(status.soak_ends_at)}`);
  if (status.expires_at) parts.push(`expires ${when(status.expires_at)}`);
  if (status.auto_promote_at) parts.push(`auto-promotes ${when(status.auto_promote_at)}`);
  for (const note of status.notes || []) parts.push(note);
  return parts.join(" · ");
}
