// Greenlight dashboard, delivery panel: DORA's four keys (GET /metrics/delivery), refreshed every minute.
// Its own file so the rest of the dashboard is untouched; it reads the signed-in token core.js keeps (TOKEN_KEY).
"use strict";

(() => {
  const REFRESH_MS = 60000;
  const panel = () => document.getElementById("delivery-keys");

  const hours = (seconds) => (seconds === null ? "n/a" : `${(seconds / 3600).toFixed(1)} h`);
  const percent = (rate) => (rate === null ? "n/a" : `${Math.round(rate * 100)} %`);

  function show(report) {
    const keys = report.overall;
    const facts = [
      ["Deployment frequency", `${keys.deployment_frequency_per_day.toFixed(2)} / day (${keys.deployments})`],
      ["Lead time for changes", `${hours(keys.lead_time_seconds)} (median of ${keys.lead_time_samples})`],
      ["Change failure rate", `${percent(keys.change_failure_rate)} (${keys.failed_changes} rolled back)`],
      ["Time to restore", hours(keys.time_to_restore_seconds)],
    ];
    const list = panel();
    list.replaceChildren();
    for (const [name, value] of facts) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.testid = `delivery-${name.toLowerCase().replaceAll(" ", "-")}`;
      list.append(dt, dd);
    }
  }

  // Figures kept from an earlier answer are still worth showing in an outage, but never as if current: the
  // panel says since when they stand and why they are not newer.
  let shownAt = null;

  function state(problem) {
    const status = document.getElementById("delivery-status");
    panel().classList.toggle("stale", problem !== null && shownAt !== null);
    if (!status) return;
    status.classList.toggle("quiet", problem === null);
    if (problem === null) return;
    status.textContent = shownAt === null
      ? `Delivery figures unavailable: ${problem}.`
      : `Not updated since ${shownAt.toLocaleTimeString()}: ${problem}.`;
    status.title = status.textContent; // one line, cut at its end: the whole on hover
  }

  async function refresh() {
    const token = sessionStorage.getItem("greenlight.token");
    const content = document.getElementById("content");
    if (!token || !panel() || (content && content.hidden)) return;
    let response;
    try {
      response = await fetch("/metrics/delivery", {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      });
    } catch (err) {
      state("the API could not be reached");
      return;
    }
    if (response.status === 401) return; // the session's own requests sign the person out
    if (!response.ok) {
      state(`the API answered ${response.status}`);
      return;
    }
    try {
      show(await response.json());
    } catch (err) {
      state("the API's answer was unreadable");
      return;
    }
    shownAt = new Date();
    state(null);
  }

  document.addEventListener("DOMContentLoaded", () => {
    refresh();
    setInterval(refresh, REFRESH_MS);
    // view.js shows #content once signed in: refresh then, without touching view.js.
    const content = document.getElementById("content");
    if (content) {
      new MutationObserver(() => { if (!content.hidden) refresh(); })
        .observe(content, { attributes: true, attributeFilter: ["hidden"] });
    }
  });
})();
