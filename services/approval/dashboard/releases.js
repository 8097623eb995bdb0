// Greenlight dashboard, the release list: filters by app, state and person, paged by the API's cursor.
"use strict";

// A state this version does not know (a newer Greenlight's, shown as stored) is badged "unknown"; a newer schema's
// event may hold its state as an object, shown by its name where it has one (String.replace on it stopped the page).
function stateBadge(state) {
  const name = typeof state === "string" ? state : state && typeof state.name === "string" ? state.name : "unknown";
  return el("span", { class: `state state-${STATES.includes(state) ? state : "unknown"}`, "data-testid": "state" },
    name.replace(/_/g, " "));
}

// The state a step's progress belongs to: shown only while the release is still in it.
const STEP_STATE = { build: "building", push: "pushing", deploy: "deploying", approval: "awaiting_approval" };

function progressOf(release) {
  const item = model.progress.get(release.id);
  if (!item || STEP_STATE[item.step] !== release.state) return null;
  return el("small", { class: "progress", "data-testid": "progress" }, item.message);
}

function matches(release, filters) {
  if (filters.app && release.app !== filters.app) return false;
  if (filters.state && release.state !== filters.state) return false;
  // The API filters by app and state; a person is matched here, over what has been loaded.
  const person = filters.person.toLowerCase();
  return !person || [release.requested_by, release.approver].some((who) => (who || "").toLowerCase().includes(person));
}

function renderFilters(route) {
  const form = byId("filters");
  const apps = [...new Set([...model.apps.keys(), ...[...model.releases.values()].map((r) => r.app)])].sort();
  const appSelect = form.elements.app;
  appSelect.replaceChildren(el("option", { value: "" }, "all apps"), ...apps.map((a) => el("option", { value: a }, a)));
  appSelect.value = route.filters.app;
  const stateSelect = form.elements.state;
  if (stateSelect.options.length === 0) {
    stateSelect.append(el("option", { value: "" }, "any state"), ...STATES.map((s) => el("option", { value: s }, s.replace(/_/g, " "))));
  }
  stateSelect.value = route.filters.state;
  if (document.activeElement !== form.elements.person) form.elements.person.value = route.filters.person;
}

function releaseRow(release) {
  const cell = (label, ...content) => el("td", { "data-label": label }, ...content);
  const running = IN_FLIGHT.has(release.state) ? release.id : null;
  return el("tr", { "data-release": release.id, "data-testid": "release-row" },
    cell("Release", navLink(releaseUrl(release.id), release.id.slice(0, 12), { "data-testid": "open", title: release.id })),
    cell("App", navLink(appUrl(release.app), release.app)),
    cell("State", stateBadge(release.state), progressOf(release)),
    cell("Commit", el("code", { title: release.commit }, short(release.commit))),
    cell("Requested by", release.requested_by || ""),
    // On a phone these two keep their lines while empty (style.css), so the cards below never move: the decider's
    // before the decision, the buttons' for whoever may decide.
    el("td", { "data-label": "Decided by", class: "kept" }, release.approver || ""),
    cell("Updated", when(release.updated_at)),
    cell("Took", el("span", { "data-running": running }, took(release))),
    el("td", { "data-label": "", class: may("approve_release") ? "kept buttons" : "" }, decideButtons(release)));
}

function renderReleases(route) {
  const shown = [...model.releases.values()].filter((r) => matches(r, route.filters))
    .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  replaceChanged(byId("releases").tBodies[0], shown.map(releaseRow));
  byId("no-releases").hidden = shown.length > 0;
  byId("more").hidden = !model.nextCursor;
  byId("list-title").textContent = route.filters.app ? `Releases of ${route.filters.app}` : "Releases";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = byId("filters");
  const apply = () => {
    navigate(listUrl({ app: form.elements.app.value, state: form.elements.state.value,
      person: form.elements.person.value.trim() }));
  };
  form.addEventListener("change", apply);
  form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  byId("more").addEventListener("click", (e) => act(() => loadReleases(currentRoute().filters, true), e.target));
});
