// Greenlight dashboard, releases a newer Greenlight wrote: during a rolling upgrade this replica's API shows them as
// stored, marked `unknown_to_this_version` (services/approval/shown_json.py), and refuses any command on them with a
// 409 (gate.py refusing_newer). The page shows their facts and, where a button would be, who can act on them.
"use strict";

const UNKNOWN = "unknown_to_this_version";

// What this version does not know of the release, or null. The mark is on its snapshot, or only on its newest event:
// a release whose row still reads as this version's can have its latest step logged by a newer Greenlight (a newer
// schema version), and a command on it is refused just the same. Its history is asked for to tell.
function newerWhy(release) {
  if (!release) return null;
  if (release[UNKNOWN]) return release[UNKNOWN];
  const history = model.histories.get(release.id);
  if (!history) {
    wantHistory(release.id);
    return null;
  }
  const latest = history[history.length - 1]; // folded events only, by seq (loading.js mergeHistory)
  // An older history than the snapshot does not say what its latest step was.
  return latest && latest.seq >= release.seq && latest[UNKNOWN] ? latest[UNKNOWN] : null;
}

// A rollback of the app reads its live release, the one on the other colour it would bring back and the one in
// flight: any of them a newer Greenlight's, it answers 409 too.
function appNewerWhy(view) {
  if (!view) return null;
  const staged = [view.standby_release, view.in_flight].find((r) => r && r[UNKNOWN]);
  return newerWhy(view.live_release) || (staged ? staged[UNKNOWN] : null);
}

// Said where the button would be; `subject` (a release id or an app) keeps it to one note per subject.
function newerOnly(subject, what, why) {
  return el("p", { class: "muted", "data-testid": "newer-only", "data-for": subject, title: why },
    `A newer Greenlight replica must act on ${what}.`);
}

const newerNote = (release) => newerOnly(release.id, "this release", newerWhy(release));

// One note per release or app, however many of its buttons it stands for (the gate's approve and the page's abort).
function notesOnce(nodes, said = new Set()) {
  return nodes.filter((node) => {
    if (!node || node.dataset.testid !== "newer-only") return Boolean(node);
    if (said.has(node.dataset.for)) return false;
    said.add(node.dataset.for);
    return true;
  });
}

// The release an event brings, marked as the event is: a snapshot in a newer event may read as this version's
// (only the event's schema is newer), and its latest step is still not this version's to act on.
function releaseOf(event) {
  const release = event.release;
  if (!release || typeof release !== "object" || release.id !== event.release_id) return null;
  return event[UNKNOWN] && !release[UNKNOWN] ? { ...release, [UNKNOWN]: event[UNKNOWN] } : release;
}
