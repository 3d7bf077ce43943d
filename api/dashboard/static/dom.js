// Building DOM from data without ever parsing it as HTML (no innerHTML: values are text),
// and the formats every section shares.

/** An element: h("td", {class: "num"}, "12", child, …). Attributes starting with "on" are listeners. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A link that opens in a new tab, or plain text when the URL is not a web address. */
export function link(url, text, title) {
  if (!url || !/^https?:\/\//i.test(url)) return h("span", {title}, text);
  return h("a", {href: url, target: "_blank", rel: "noopener noreferrer", title: title || url}, text);
}

export function pill(text, tone = "", title) {
  return h("span", {class: `pill ${tone}`.trim(), title}, text);
}

/** A table; an empty list shows `empty` instead (a calm "nothing here"). */
export function table(columns, rows, empty) {
  if (rows.length === 0) return h("div", {class: "empty"}, empty);
  const head = h("tr", {}, columns.map((c) => h("th", {class: c.num ? "num" : null}, c.label)));
  return h("table", {}, h("thead", {}, head), h("tbody", {}, rows));
}

export function sectionError(message) {
  return h("div", {class: "section-error", role: "alert"}, message);
}

/** Replace the children of #id (only when the section's data changed, so clicks are not lost). */
export function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children);
}

export function shortId(id) {
  return id ? id.slice(0, 8) : "—";
}

const integer = new Intl.NumberFormat(undefined, {maximumFractionDigits: 0});
const decimal = new Intl.NumberFormat(undefined, {maximumFractionDigits: 1});

export function count(value) {
  return value === null || value === undefined ? "—" : integer.format(value);
}

export function rate(value) {
  if (value === null || value === undefined) return "—";
  return value > 0 && value < 0.1 ? "< 0.1" : decimal.format(value);
}

export function percent(share) {
  if (share === null || share === undefined) return "—";
  const value = share * 100;
  return value > 0 && value < 0.1 ? "< 0.1 %" : `${decimal.format(value)} %`;
}

/** "42 s", "5 min", "3 h 20 min", "2 d 4 h": the age of something, readable at a glance. */
export function age(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 24) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export function clock(date) {
  return date.toLocaleTimeString(undefined, {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false});
}

/** An element whose text is the age since `iso`, kept current by ticking() between snapshots. */
export function since(iso, extraClass = "") {
  if (!iso) return h("span", {class: "muted"}, "—");
  const date = new Date(iso);
  return h("span", {class: `since ${extraClass}`.trim(), dataset: {since: iso}, title: date.toLocaleString()},
    age((serverNow() - date.getTime()) / 1000));
}

// The server's clock, as far as the last snapshot tells: ages agree with the server's times
// even when this machine's clock is off.
let offsetMs = 0;

export function syncClock(serverIso) {
  offsetMs = new Date(serverIso).getTime() - Date.now();
}

export function serverNow() {
  return Date.now() + offsetMs;
}

/** Refresh every age on the page once a second. */
export function ticking() {
  setInterval(() => {
    for (const element of document.querySelectorAll("[data-since]")) {
      element.textContent = age((serverNow() - new Date(element.dataset.since).getTime()) / 1000);
    }
  }, 1000);
}
