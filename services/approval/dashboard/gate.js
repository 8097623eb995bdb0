// Greenlight dashboard, one release's page: at the approval gate, the candidate against what is live,
// the commits between them, the checks, the preview; then its facts and every step with its timing.
"use strict";

// The commits the builder recorded at build time: newest first, the candidate's own commit first.
function recordedCommits(id) {
  const history = model.histories.get(id) || [];
  const built = history.find((e) => Array.isArray(e.details && e.details.commits));
  return built ? built.details.commits : null;
}

function commitOf(release) {
  const commits = recordedCommits(release.id);
  return (commits && commits.find((c) => c.sha === release.commit)) || null;
}

function side(title, release, testid) {
  if (release === undefined) return el("div", { class: "side", "data-testid": testid }, el("h3", {}, title), el("p", { class: "muted" }, "loading…"));
  if (!release) return el("div", { class: "side", "data-testid": testid }, el("h3", {}, title), el("p", { class: "muted" }, "nothing live yet: this is the first release"));
  const commit = commitOf(release);
  const row = (label, value, attrs = {}) => [el("dt", {}, label), el("dd", attrs, value || el("span", { class: "muted" }, "not recorded"))];
  return el("div", { class: "side", "data-testid": testid }, el("h3", {}, title),
    el("dl", { class: "facts" },
      row("release", navLink(releaseUrl(release.id), release.id)),
      row("commit", el("code", { title: release.commit }, release.commit), { "data-testid": "commit" }),
      row("author", commit && commit.author, { "data-testid": "author" }),
      row("message", commit && commit.subject, { "data-testid": "message" }),
      row("committed", commit && when(commit.time)),
      row("image", release.image && el("code", {}, release.image)),
      row("digest", release.digest && el("code", {}, release.digest), { "data-testid": "digest" })));
}

function commitsBetween(candidate, live) {
  const commits = recordedCommits(candidate.id);
  if (!commits) return el("p", { class: "muted" }, "The builder recorded no commit list for this release.");
  if (live === undefined) return el("p", { class: "muted" }, "loading…");
  const stop = live ? commits.findIndex((c) => c.sha === live.commit) : -1;
  const list = stop >= 0 ? commits.slice(0, stop) : commits;
  const note = !live ? "every recorded commit (nothing is live yet)"
    : stop >= 0 ? `${list.length} commit(s) since the live ${short(live.commit)}`
      : `the live commit ${short(live.commit)} is not among the ${commits.length} recorded: at least this many`;
  return el("div", {}, el("p", { class: "muted", "data-testid": "commits-note" }, note),
    el("ol", { class: "commits", "data-testid": "commits" }, list.map((c) => el("li", {},
      el("code", { title: c.sha }, short(c.sha)), " ", el("strong", {}, c.subject || ""),
      el("span", { class: "muted" }, ` — ${c.author || "unknown"}, ${when(c.time)}`)))));
}

function checks(release) {
  const lint = release.lint || [];
  if (!lint.length) {
    return el("p", { "data-testid": "checks" }, release.image ? "hadolint: no findings." : "No checks have run yet.");
  }
  return el("ul", { class: "checks", "data-testid": "checks" }, lint.map((f) => el("li", {},
    el("span", { class: `state state-${f.level === "error" ? "failed" : "awaiting_approval"}` }, f.level), " ",
    `${f.code}${f.line ? ` line ${f.line}` : ""}: ${f.message}`)));
}

// Why there is no button, said where the button would be.
function whyNoDecision(release) {
  if (release.state !== "awaiting_approval" || mayDecide(release)) return null;
  const text = !may("approve_release")
    ? `${model.me.name} may not approve or reject: that needs the approver role.`
    : `${model.me.name} requested this release, so someone else must approve or reject it.`;
  return el("p", { class: "muted", "data-testid": "no-decision" }, text);
}

function gatePanel(release, view) {
  // undefined while the app's facts are on their way: "nothing live" must not be said before it is known.
  const live = !view ? undefined : view.live_release && view.live_release.id !== release.id ? view.live_release : null;
  if (live && !model.liveAsked.has(live.id)) {
    model.liveAsked.add(live.id);
    loadRelease(live.id).catch(handleError);
  }
  return el("section", { class: "gate", "data-testid": "gate" },
    el("div", { class: "gate-head" },
      el("h3", {}, "Waiting for approval"),
      previewLink(release.preview, true),
      decideButtons(release, "big"), whyNoDecision(release)),
    el("div", { class: "compare" }, side("Candidate", release, "candidate"), side("Live now", live, "live")),
    el("h3", {}, "Commits"), commitsBetween(release, live),
    el("h3", {}, "Checks"), checks(release));
}

function previewLink(url, big = false) {
  if (!url) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch (err) {
    return url;
  }
  // Only web links become links: a javascript: URL stays inert text.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return url;
  return el("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank", "data-testid": "preview-link",
    class: big ? "button preview" : "" }, big ? `Open the preview ↗ ${parsed.host}` : url);
}
