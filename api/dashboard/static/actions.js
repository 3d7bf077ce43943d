// The operate buttons: Retry (incidents), Pause, Resume and Stop (executions). They call the
// API's run-control endpoints; the server checks the role whatever the page shows.

import {ApiError, call} from "./api.js";
import {h} from "./dom.js";

const CALLS = {
  retry: (id) => ({path: `/v1/incidents/${encodeURIComponent(id)}/retry`, done: "Retried: the task gets one more try"}),
  pause: (id) => ({path: `/v1/executions/${encodeURIComponent(id)}/pause`, done: "Paused: its tasks are not fetched"}),
  resume: (id) => ({path: `/v1/executions/${encodeURIComponent(id)}/resume`, done: "Resumed"}),
  stop: (id) => ({path: `/v1/executions/${encodeURIComponent(id)}/stop`, done: "Stopped"}),
};

export function toast(message, tone = "") {
  const element = h("div", {class: `toast ${tone}`.trim(), role: "status"}, message);
  document.getElementById("toasts").append(element);
  setTimeout(() => element.remove(), 5000);
}

/**
 * Wire the buttons inside `containers` (event delegation: sections are re-rendered often).
 * `busy` holds "action:id" while a call is under way; `changed` re-renders; `unauthorized`
 * signs out when the token stopped being accepted.
 */
export function wireActions(containers, {busy, changed, unauthorized}) {
  const dialog = document.getElementById("stop-dialog");
  const reason = document.getElementById("stop-reason");
  let stopping = null;

  async function run(action, id, body) {
    const key = `${action}:${id}`;
    const {path, done} = CALLS[action](id);
    busy.add(key);
    changed();
    try {
      await call(path, {method: "POST", body});
      toast(done, "ok");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return unauthorized();
      const why = error instanceof ApiError && error.status === 403 ? "this needs the operate role" : error.message;
      toast(`${action} failed: ${why}`, "bad");
    } finally {
      busy.delete(key);
      changed();
    }
  }

  for (const container of containers) {
    container.addEventListener("click", (event) => {
      const target = event.target.closest("button[data-action]");
      if (!target || target.disabled) return;
      const {action, id} = target.dataset;
      if (action === "stop") {
        stopping = id;
        document.getElementById("stop-target").textContent = id;
        reason.value = "";
        dialog.showModal();
        reason.focus();
      } else {
        run(action, id);
      }
    });
  }

  document.getElementById("stop-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("stop-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (!text || !stopping) return;
    dialog.close();
    run("stop", stopping, {reason: text});
    stopping = null;
  });
}
