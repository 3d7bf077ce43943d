// One function per section of the snapshot: data in, DOM out. Action buttons are rendered
// only for the operate role and carry data-action / data-id; actions.js handles the clicks.

import {count, h, link, percent, pill, rate, sectionError, serverNow, shortId, since, table} from "./dom.js";

const DAY_S = 86400;

function meta(listing, noun) {
  if (listing.error) return "";
  if (listing.items.length < listing.total) return `showing ${listing.items.length} of ${count(listing.total)}`;
  return `${count(listing.total)} ${noun}`;
}

function button(action, id, label, busy, extraClass = "") {
  const pending = busy.has(`${action}:${id}`);
  return h("button", {
    type: "button",
    class: `btn row-action ${extraClass}`.trim(),
    dataset: {action, id},
    disabled: pending,
  }, pending ? `${label}…` : label);
}

// -- systems -------------------------------------------------------------------------------

const CIRCUIT_TONES = {closed: "ok", "half-open": "warn", open: "bad"};

function errorTone(share) {
  if (share === null || share === undefined) return "";
  if (share >= 0.2) return "bad";
  if (share >= 0.05) return "warn";
  return "";
}

function headroomMeter(headroom) {
  if (headroom === null || headroom === undefined) return h("span", {class: "muted"}, "—");
  const tone = headroom < 0.1 ? "bad" : headroom < 0.3 ? "warn" : "";
  const fill = h("div", {class: `meter-fill ${tone}`.trim()});
  fill.style.width = `${Math.round(Math.max(0, Math.min(1, headroom)) * 100)}%`;
  return h("div", {class: "meter", title: "share of the rate limit's burst free now"},
    h("span", {}, percent(headroom)), h("div", {class: "meter-track"}, fill));
}

function systemRow(system) {
  const name = h("td", {class: "strong"}, system.name, h("span", {class: "sub"}, system.kind));
  if (!system.has_data) {
    return h("tr", {dataset: {system: system.name}}, name,
      h("td", {colspan: 5}, pill("no data", "nodata"), " ",
        h("span", {class: "muted"}, "no metrics for it yet: no task settled and no call made since its services started")));
  }
  const tone = system.circuit === "open" ? "bad" : errorTone(system.error_share);
  return h("tr", {class: tone ? `row-${tone}` : null, dataset: {system: system.name}},
    name,
    h("td", {class: "num", dataset: {field: "rate"}}, rate(system.tasks_per_min)),
    h("td", {class: "num"},
      h("span", {class: tone === "bad" ? "pill bad" : tone === "warn" ? "pill warn" : ""}, percent(system.error_share)),
      h("span", {class: "sub"}, system.calls_per_min === null ? "" : `${rate(system.calls_per_min)} calls/min`)),
    h("td", {}, system.circuit ? pill(system.circuit, CIRCUIT_TONES[system.circuit]) : h("span", {class: "muted"}, "—")),
    h("td", {class: "num"}, headroomMeter(system.headroom)),
    h("td", {class: "num"}, count(system.tracked)));
}

export function systems(snapshot) {
  const columns = [
    {label: "System"}, {label: "Tasks / min", num: true}, {label: "Errors", num: true},
    {label: "Circuit"}, {label: "Rate-limit headroom", num: true}, {label: "In flight", num: true},
  ];
  const body = table(columns, snapshot.systems.map(systemRow), "No systems are configured");
  const withData = snapshot.systems.filter((s) => s.has_data).length;
  return {body, meta: `${withData} of ${snapshot.systems.length} reporting`, foot: targets(snapshot)};
}

function targets(snapshot) {
  if (snapshot.metrics_error) return [sectionError(snapshot.metrics_error)];
  if (snapshot.metrics_targets.length === 0) {
    return [h("span", {}, "No metrics endpoints found: services list theirs in their heartbeat, or set metrics.targets.")];
  }
  return [h("span", {}, "Metrics from"), ...snapshot.metrics_targets.map((t) =>
    h("span", {class: t.ok ? "target" : "target down", title: t.error ? `${t.url}: ${t.error}` : t.url},
      t.ok ? t.name : `${t.name} (${t.error})`))];
}

// -- queues --------------------------------------------------------------------------------

function queueTone(queue) {
  if (!queue.exists) return "warn";
  if (queue.role === "errors" && queue.messages > 0) return "bad";
  if (queue.role === "unrouted" && queue.messages > 0) return "warn";
  if (queue.messages > 0 && queue.consumers === 0 && queue.role !== "errors") return "warn";
  return "";
}

const ROLE_NOTES = {
  tasks: "task messages", results: "results for the tracker", responses: "responses to settle",
  errors: "poison messages", intake: "direct submissions", unrouted: "tasks no rule routed", other: "",
};

export function queues(snapshot) {
  const listing = snapshot.queues;
  if (listing.error) return {body: sectionError(listing.error), meta: ""};
  const rows = listing.items.map((q) => {
    const tone = queueTone(q);
    return h("tr", {class: tone ? `row-${tone}` : null, dataset: {queue: q.name}},
      h("td", {title: q.exists ? ROLE_NOTES[q.role] : "the queue does not exist on the broker"},
        h("span", {class: "mono"}, q.name), q.exists ? null : [" ", pill("missing", "warn")]),
      h("td", {class: q.messages ? "num strong" : "num muted", dataset: {field: "messages"}}, count(q.messages)),
      h("td", {class: q.consumers ? "num" : "num muted", dataset: {field: "consumers"}}, count(q.consumers)),
      h("td", {class: "num"}, q.retrying ? pill(count(q.retrying), "warn") : h("span", {class: "muted"}, "0")));
  });
  const columns = [{label: "Queue"}, {label: "Ready", num: true}, {label: "Consumers", num: true}, {label: "Retrying", num: true}];
  const waiting = listing.items.reduce((sum, q) => sum + q.messages, 0);
  return {body: table(columns, rows, "No queues"), meta: `${count(waiting)} messages waiting`};
}

// -- incidents -----------------------------------------------------------------------------

export function incidents(snapshot, {canOperate, busy}) {
  const listing = snapshot.incidents;
  if (listing.error) return {body: sectionError(listing.error), meta: ""};
  const rows = listing.items.map((incident) => h("tr", {class: "row-bad", dataset: {id: incident.id}},
    h("td", {}, since(incident.created_at)),
    h("td", {class: "strong"}, incident.activity_id || "—",
      h("span", {class: "sub"}, "instance ", link(incident.instance_url, shortId(incident.process_instance_id), incident.process_instance_id))),
    h("td", {class: "clip", title: incident.message || ""}, incident.message || incident.type),
    canOperate ? h("td", {class: "actions-cell"}, h("div", {class: "actions"},
      incident.retryable ? button("retry", incident.id, "Retry", busy) : pill(incident.type))) : null));
  const columns = [{label: "Since"}, {label: "Activity"}, {label: "Message"}];
  if (canOperate) columns.push({label: ""});
  return {body: table(columns, rows, "No open incidents"), meta: meta(listing, "open")};
}

// -- executions ----------------------------------------------------------------------------

export function executions(snapshot, {canOperate, busy}) {
  const listing = snapshot.executions;
  if (listing.error) return {body: sectionError(listing.error), meta: ""};
  const rows = listing.items.map((run) => {
    const paused = run.state === "suspended";
    const actions = canOperate ? h("td", {}, h("div", {class: "actions"},
      paused ? button("resume", run.id, "Resume", busy) : button("pause", run.id, "Pause", busy),
      button("stop", run.id, "Stop", busy, "stop"))) : null;
    return h("tr", {class: paused ? "row-warn" : null, dataset: {id: run.id, state: run.state}},
      h("td", {class: "strong"}, link(run.instance_url, shortId(run.id), run.id),
        h("span", {class: "sub"}, run.business_key ? `key ${run.business_key}` : "no business key")),
      h("td", {}, run.definition_key),
      h("td", {}, paused ? pill("paused", "warn") : pill("running", "info")),
      h("td", {}, since(run.started_at)),
      actions);
  });
  const columns = [{label: "Instance"}, {label: "Process"}, {label: "State"}, {label: "Running for"}];
  if (canOperate) columns.push({label: ""});
  return {body: table(columns, rows, "Nothing is running"), meta: meta(listing, "running or paused")};
}

// -- people work ---------------------------------------------------------------------------

export function work(snapshot) {
  const listing = snapshot.work;
  if (listing.error) return {body: sectionError(listing.error), meta: ""};
  const rows = listing.items.map((item) => {
    const waited = (serverNow() - new Date(item.since).getTime()) / 1000;
    const old = waited > DAY_S;
    return h("tr", {class: old ? "row-warn" : null, dataset: {id: item.external_task_id}},
      h("td", {class: "strong"}, link(item.external_url, item.external_id ? `#${item.external_id}` : "—", item.external_url),
        h("span", {class: "sub"}, item.topic)),
      h("td", {}, item.system),
      h("td", {}, item.activity_id, h("span", {class: "sub"}, item.process_definition_key)),
      h("td", {}, item.direct ? pill("direct task", "accent")
        : link(item.instance_url, shortId(item.process_instance_id), item.process_instance_id)),
      h("td", {class: "num"}, since(item.since, old ? "warn" : "")));
  });
  const columns = [{label: "Work item"}, {label: "System"}, {label: "Activity"}, {label: "Instance"}, {label: "Waiting", num: true}];
  return {body: table(columns, rows, "No people work in flight"), meta: meta(listing, "in flight")};
}

// -- recent tasks --------------------------------------------------------------------------

const STATE_TONES = {
  completed: "ok", failed: "bad", bpmn_error: "warn", cancelled: "", tracked: "accent",
  created: "info", routed: "info", result: "info",
};

export function recent(snapshot) {
  const listing = snapshot.recent;
  if (listing.error) return {body: sectionError(listing.error), meta: ""};
  const rows = listing.items.map((task) => h("tr", {dataset: {id: task.external_task_id, state: task.state}},
    h("td", {}, since(task.updated_at)),
    h("td", {class: "strong"}, task.topic,
      h("span", {class: "sub"}, task.direct ? "direct task" : `${task.process_definition_key} · ${shortId(task.process_instance_id)}`)),
    h("td", {}, task.system),
    h("td", {}, pill(task.state.replace("_", " "), STATE_TONES[task.state] ?? "", task.last_error || undefined)),
    h("td", {class: "num", title: task.last_error || ""},
      task.attempts ? count(task.attempts) : h("span", {class: "muted"}, "—"))));
  const columns = [{label: "Updated"}, {label: "Task"}, {label: "System"}, {label: "State"}, {label: "Failed tries", num: true}];
  return {body: table(columns, rows, "No tasks yet"), meta: listing.items.length ? `latest ${listing.items.length}` : ""};
}

// -- the figures at the top ------------------------------------------------------------------

const KPI_TONES = {
  running: () => "",
  suspended: (v) => (v > 0 ? "warn" : ""),
  incidents: (v) => (v > 0 ? "bad" : "ok"),
  in_flight: () => "",
  tasks_per_min: (v) => (v > 0 ? "ok" : ""),
  poison: (v) => (v > 0 ? "bad" : "ok"),
};

export function kpis(snapshot) {
  for (const [name, tone] of Object.entries(KPI_TONES)) {
    const value = snapshot.counts[name];
    const element = document.getElementById(`kpi-${name}`);
    element.textContent = name === "tasks_per_min" ? rate(value) : count(value);
    element.parentElement.className = `kpi ${value === null ? "" : tone(value)}`.trim();
  }
}
