// The dashboard page: sign-in, the live stream, and rendering each snapshot.
//
// Nothing is fetched without a token. The token is checked with /v1/me (which also tells the
// role: operate shows the action buttons), kept in sessionStorage, and sent in the
// Authorization header of every call and of the stream.

import {wireActions} from "./actions.js";
import {ApiError, token, whoAmI} from "./api.js";
import {clock, fill, syncClock, ticking} from "./dom.js";
import * as render from "./render.js";
import {LiveStream} from "./stream.js";

const STREAM_URL = "/v1/dashboard/stream";
const SECTIONS = {
  systems: (s) => [s.systems, s.metrics_targets, s.metrics_error],
  queues: (s) => s.queues,
  incidents: (s) => s.incidents,
  executions: (s) => s.executions,
  work: (s) => s.work,
  recent: (s) => s.recent,
};

const state = {
  canOperate: false,
  snapshot: null,
  receivedAt: 0,
  drawn: {}, // section → the data it was last drawn from (a section is redrawn only when it changes)
  busy: new Set(),
  stream: null,
  connection: "connecting",
  lost: null, // {reason, retryAt} while the stream is down
};

const $ = (id) => document.getElementById(id);

// -- sign-in ---------------------------------------------------------------------------------

function showSignIn(message) {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").hidden = !message;
  $("signin-error").textContent = message || "";
  $("token").focus();
}

function reasonFor(error) {
  if (error instanceof ApiError && error.status === 401) return "This token is not accepted.";
  if (error instanceof ApiError && error.status === 0) return "The API cannot be reached. Try again in a moment.";
  return `Sign-in failed: ${error.message}`;
}

async function signIn(event) {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) return;
  const button = $("signin-button");
  button.disabled = true;
  button.textContent = "Signing in…";
  try {
    const me = await whoAmI(value);
    token.set(value);
    $("token").value = "";
    enter(me);
  } catch (error) {
    showSignIn(reasonFor(error));
  } finally {
    button.disabled = false;
    button.textContent = "Sign in";
  }
}

function signOut(message) {
  state.stream?.stop();
  state.stream = null;
  token.clear();
  state.snapshot = null;
  state.drawn = {};
  state.lost = null;
  for (const id of [...Object.keys(SECTIONS), "targets"]) fill(id);
  for (const element of document.querySelectorAll(".kpi-value")) element.textContent = "—";
  $("updated").textContent = "—";
  $("updated-age").textContent = "";
  showSignIn(message);
}

function enter(me) {
  state.canOperate = me.roles.includes("operate");
  $("user-name").textContent = me.name;
  $("user-role").textContent = state.canOperate ? "operate" : "read-only";
  $("user-role").className = state.canOperate ? "pill accent" : "pill";
  $("signin").hidden = true;
  $("app").hidden = false;
  state.stream = new LiveStream(STREAM_URL, {
    onSnapshot: received,
    onState: connection,
    onUnauthorized: () => signOut("Your token is no longer accepted. Sign in again."),
  });
  state.stream.start();
}

// -- the stream ------------------------------------------------------------------------------

function received(snapshot) {
  state.snapshot = snapshot;
  state.receivedAt = Date.now();
  syncClock(snapshot.at);
  $("env").textContent = snapshot.environment;
  $("env").hidden = !snapshot.environment;
  draw();
  $("updated").textContent = clock(new Date(snapshot.at));
  $("updated").dateTime = snapshot.at;
  header();
}

function connection(name, info) {
  state.connection = name;
  if (name === "lost") state.lost = info;
  if (name === "live") state.lost = null;
  header();
}

/** The connection pill, the banner and the age of the data; runs on every change and every second. */
function header() {
  const interval = (state.snapshot?.interval_s ?? 2) * 1000;
  const late = state.connection === "live" && Date.now() - state.receivedAt > interval * 3;
  const shown = late ? "stale" : state.connection;
  const conn = $("conn");
  conn.dataset.state = shown;
  const waitS = state.lost ? Math.max(0, Math.ceil((state.lost.retryAt - Date.now()) / 1000)) : 0;
  const texts = {
    live: "Live",
    stale: "Delayed",
    connecting: state.lost ? "Reconnecting…" : "Connecting…",
    lost: `Stream lost · retry in ${waitS} s`,
  };
  $("conn-text").textContent = texts[shown];
  const down = state.lost !== null;
  document.title = down ? "Stream lost · Exchanger" : "Exchanger · Operations";
  $("banner").hidden = !down;
  $("main").classList.toggle("stale", down || late);
  if (down) {
    const from = state.snapshot ? ` The figures below are from ${clock(new Date(state.snapshot.at))}.` : "";
    const next = state.connection === "lost" ? `Reconnecting in ${waitS} s.` : "Reconnecting…";
    $("banner-text").textContent = `Live updates lost: ${state.lost.reason}.${from} ${next}`;
  }
  if (state.snapshot) {
    const seconds = Math.max(0, Math.round((Date.now() - state.receivedAt) / 1000));
    $("updated-age").textContent = seconds >= 5 ? `(${seconds} s ago)` : "";
  }
}

// -- drawing ---------------------------------------------------------------------------------

function draw() {
  const snapshot = state.snapshot;
  if (!snapshot) return;
  render.kpis(snapshot);
  const context = {canOperate: state.canOperate, busy: state.busy};
  const busyKey = [...state.busy].sort().join(",");
  for (const [id, pick] of Object.entries(SECTIONS)) {
    const key = JSON.stringify([pick(snapshot), state.canOperate, busyKey]);
    if (state.drawn[id] === key) continue;
    state.drawn[id] = key;
    const {body, meta, foot} = render[id](snapshot, context);
    fill(id, body);
    $(`${id}-meta`).textContent = meta;
    if (foot) fill("targets", ...foot);
  }
}

// -- start -----------------------------------------------------------------------------------

async function boot() {
  ticking();
  setInterval(header, 1000);
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut());
  $("reconnect").addEventListener("click", () => state.stream?.reconnectNow());
  wireActions([$("incidents"), $("executions")], {
    busy: state.busy,
    changed: () => draw(),
    unauthorized: () => signOut("Your token is no longer accepted. Sign in again."),
  });
  const saved = token.get();
  if (!saved) {
    showSignIn();
    return;
  }
  try {
    enter(await whoAmI(saved));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) token.clear();
    showSignIn(reasonFor(error));
  }
}

boot();
