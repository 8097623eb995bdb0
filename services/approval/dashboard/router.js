// Greenlight dashboard, navigation: one URL per view (history API), so a reload or a shared link
// opens the same release, app or filtered list.
//   /                      every app and release     ?app=&state=&person= filter the list
//   /ui/apps/{app}         one app: its card and its releases
//   /ui/releases/{id}      one release: the approval gate, its facts and history
"use strict";

// A link cut mid-escape ("%E0%A4%A") threw out of every render and the sign-in: nothing shown, no stream.
function decoded(part) {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    return part; // the API then says there is no such release or app
  }
}

function currentRoute() {
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  const filters = { app: params.get("app") || "", state: params.get("state") || "", person: params.get("person") || "" };
  let match = path.match(/^\/ui\/releases\/([^/]+)$/);
  if (match) return { view: "release", id: decoded(match[1]), filters };
  match = path.match(/^\/ui\/apps\/([^/]+)$/);
  if (match) return { view: "app", app: decoded(match[1]), filters: { ...filters, app: decoded(match[1]) } };
  return { view: "list", filters };
}

const releaseUrl = (id) => `/ui/releases/${enc(id)}`;
const appUrl = (app) => `/ui/apps/${enc(app)}`;

function listUrl(filters) {
  const params = new URLSearchParams();
  for (const key of ["state", "person"]) if (filters[key]) params.set(key, filters[key]);
  const base = filters.app ? appUrl(filters.app) : "/";
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

function navLink(href, text, attrs = {}) {
  return el("a", { href, "data-nav": "", ...attrs }, text);
}

async function navigate(url, { replace = false } = {}) {
  if (url !== location.pathname + location.search) {
    history[replace ? "replaceState" : "pushState"](null, "", url);
  }
  await showRoute();
}

// Loads what the view needs, then renders; the data for a list is fetched again when its filters change.
async function showRoute() {
  const route = currentRoute();
  clearNotice({ keepErrors: false });
  const key = route.view === "release" ? `release:${route.id}` : `list:${route.filters.app}:${route.filters.state}`;
  scheduleRender();
  if (!model.token || key === model.shownKey) return;
  model.shownKey = key;
  try {
    if (route.view === "release") {
      const release = await loadRelease(route.id);
      refreshAppSoon(release.app);
    } else {
      model.nextCursor = null;
      await loadReleases(route.filters);
      if (route.filters.app) refreshAppSoon(route.filters.app);
    }
    if (model.shownKey === key) model.loadedKey = key;
    scheduleRender(); // an empty list remembered nothing, and so drew nothing
  } catch (err) {
    model.shownKey = null;
    handleError(err);
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-nav]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => showRoute());
