// Greenlight dashboard, actions: approve, reject, roll back and abort, each confirmed in a dialog that
// takes the comment or reason. Buttons exist only for what GET /me says this person may do, and not on a release a
// newer Greenlight wrote, which this replica refuses to act on (newer.js says so instead).
"use strict";

const ABORT_OPERATION = "abort_release"; // shown once the API offers it (POST /releases/{id}/abort)

// Resolves to the text typed (possibly "") on confirm, or null on cancel.
function confirmDialog({ title, body, label, required, confirmText, kind }) {
  const dialog = byId("confirm");
  byId("confirm-title").textContent = title;
  byId("confirm-body").textContent = body;
  byId("confirm-label").textContent = required ? `${label} (required)` : `${label} (optional)`;
  const text = byId("confirm-text");
  text.value = "";
  text.required = required;
  const ok = byId("confirm-ok");
  ok.textContent = confirmText;
  ok.className = kind;
  return new Promise((resolve) => {
    const done = (value) => {
      byId("confirm-form").onsubmit = null;
      byId("confirm-cancel").onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(value);
    };
    byId("confirm-form").onsubmit = (e) => {
      e.preventDefault();
      if (required && !text.value.trim()) return;
      done(text.value.trim());
    };
    byId("confirm-cancel").onclick = () => done(null);
    dialog.onclose = () => done(null);
    dialog.showModal();
    text.focus();
  });
}

// Every button names what it acts on in `data-for`: a render keeps a node that is equal to the new one
// (replaceChanged), and equality cannot see the listener. Without it, opening release B after release A kept A's
// "Roll back to this release…" and "Abort…", which then acted on A.
const actionKey = (button) => `${button.dataset.testid} ${button.dataset.for}`;
// The actions whose request is on its way: a render draws their buttons disabled too. Disabling only the pressed
// node lost the guard at the next render (every few seconds), and a second press sent a second approval.
const busyActions = new Set();

function actionButton(attrs, text) {
  const button = el("button", { type: "button", ...attrs }, text);
  button.disabled = busyActions.has(actionKey(button));
  return button;
}

async function act(work, button) {
  const key = button ? actionKey(button) : null;
  if (key) busyActions.add(key);
  if (button) button.disabled = true;
  try {
    await work();
  } catch (err) {
    handleError(err);
  } finally {
    if (key) busyActions.delete(key);
    if (button) button.disabled = false;
    scheduleRender(); // buttons drawn while it was busy are enabled again
  }
}

function decideButtons(release, size = "") {
  if (!mayDecide(release)) return null;
  if (newerWhy(release)) return newerNote(release); // a newer Greenlight's: deciding here answers 409
  const approve = actionButton({ class: `approve ${size}`, "data-testid": "approve", "data-for": release.id }, "Approve…");
  const reject = actionButton({ class: `reject ${size}`, "data-testid": "reject", "data-for": release.id }, "Reject…");
  approve.addEventListener("click", () => decide(release, "approve", approve));
  reject.addEventListener("click", () => decide(release, "reject", reject));
  return el("div", { class: "actions" }, approve, reject);
}

function decide(release, decision, button) {
  const verb = decision === "approve" ? "Approve" : "Reject";
  const body = decision === "approve"
    ? `${release.app} switches to ${release.standby_colour || "the standby colour"} (commit ${(release.commit || "").slice(0, 12)}).`
    : `${release.app} keeps serving what it serves now; the release ends as rejected.`;
  return act(async () => {
    const comment = await confirmDialog({ title: `${verb} release ${release.id}?`, body, label: "Comment",
      required: model.me.decision_comment_required, confirmText: verb, kind: decision });
    if (comment === null) return;
    const answer = await api("POST", `/releases/${enc(release.id)}/${decision}`, { comment: comment || null });
    remember(answer);
    notice(`Release ${answer.id} is now ${answer.state}.`, "info", { release: answer.id, seq: answer.seq });
  }, button);
}

// A rollback or restore waits for the app's release in flight to end: the API refuses it meanwhile (409, one release
// in flight per app), the live release's own post-switch checks included.
const busyApp = (view) => Boolean(view && view.in_flight);

function rollbackButton(view) {
  const live = view && view.live_release;
  if (!live || !live.previous_release || !may("rollback_app") || busyApp(view)) return null;
  if (appNewerWhy(view)) return newerOnly(view.app, view.app, appNewerWhy(view));
  const button = actionButton({ class: "reject", "data-testid": "rollback",
    "data-for": `${view.app} ${live.id} ${live.previous_release}` }, "Roll back…");
  button.addEventListener("click", () => act(async () => {
    const reason = await confirmDialog({ title: `Roll ${view.app} back?`, label: "Reason", required: true,
      body: `Release ${live.id} leaves live traffic; release ${live.previous_release} serves again.`,
      confirmText: "Roll back", kind: "reject" });
    if (reason === null) return;
    const answer = await api("POST", `/apps/${enc(view.app)}/rollback`, { reason });
    remember(answer);
    notice(`Rolling ${view.app} back: release ${answer.id} is ${answer.state}.`, "info", { release: answer.id, seq: answer.seq });
  }, button));
  return button;
}

// Any earlier release that was pushed can come back as a release of its own (POST /apps/{app}/rollback with `to`).
function rollbackToButton(release, view) {
  const current = view && view.live_release;
  if (!release.digest || IN_FLIGHT.has(release.state) || release.state === "live" || !may("rollback_app")
      || busyApp(view)) return null;
  if (current && current.restores === release.id) return null;
  if (newerWhy(release)) return newerNote(release);
  const button = actionButton({ class: "reject", "data-testid": "rollback-to", "data-for": release.id },
    "Roll back to this release…");
  button.addEventListener("click", () => act(async () => {
    const reason = await confirmDialog({ title: `Roll ${release.app} back to release ${release.id}?`, label: "Reason",
      required: true, confirmText: "Roll back", kind: "reject",
      body: `Its image is deployed to the standby colour, checked, and switched live as a new release (no build).` });
    if (reason === null) return;
    const answer = await api("POST", `/apps/${enc(release.app)}/rollback`, { reason, to: release.id });
    remember(answer);
    notice(`Release ${answer.id} restores ${release.id}.`, "info", { release: answer.id, seq: answer.seq });
  }, button));
  return button;
}

function abortButton(release) {
  // A state this version does not know may be a newer version's step in flight: only a newer replica can tell.
  // `verifying` is in flight but serves traffic: abort.py refuses it (a failed check rolls it back).
  const running = (IN_FLIGHT.has(release.state) && release.state !== "verifying") || !STATES.includes(release.state);
  if (!running || !may(ABORT_OPERATION)) return null;
  if (newerWhy(release)) return newerNote(release);
  const button = actionButton({ class: "reject", "data-testid": "abort", "data-for": release.id }, "Abort…");
  button.addEventListener("click", () => act(async () => {
    const reason = await confirmDialog({ title: `Abort release ${release.id}?`, label: "Reason", required: true,
      body: "The pipeline stops this release; live traffic is not touched.", confirmText: "Abort", kind: "reject" });
    if (reason === null) return;
    remember(await api("POST", `/releases/${enc(release.id)}/abort`, { reason }));
  }, button));
  return button;
}
