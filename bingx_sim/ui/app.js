// The bingx-sim dashboard: reads and drives the sandbox through the control API's own
// JSON routes only (docs/dashboard.md). No framework, no build step: the DOM is built
// node by node (textContent, never markup from strings), as the page's
// Content-Security-Policy (Trusted Types) requires.

const API = "/_sim";
const TOKEN_KEY = "bingx-sim-control-token"; // sessionStorage: this tab only
const JOURNAL_ROWS = 300; // rows shown
const JOURNAL_KEEP = 3000; // entries kept in the tab for the filters
const BACKFILL = 300; // entries read back when the page opens
const REFRESH_MS = 2000; // the state panels' refresh when nothing else asks for one

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// -- the control API ------------------------------------------------------------------

let token = sessionStorage.getItem(TOKEN_KEY);
let tokenWaiters = [];

function headers(extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function askForToken(problem) {
  const form = $("#token-form");
  const note = $("#token-problem");
  note.textContent = problem || "";
  note.hidden = !problem;
  if (form.hidden) {
    form.hidden = false;
    $("input", form).focus();
  }
  setStatus("token", "waiting for the control token");
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#token-form input");
  token = input.value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = "";
  $("#token-form").hidden = true;
  const waiters = tokenWaiters;
  tokenWaiters = [];
  waiters.forEach((resolve) => resolve());
});

class ApiError extends Error {}

async function call(method, path, body) {
  for (;;) {
    const init = { method, headers: headers(), cache: "no-store" };
    if (body !== undefined || method !== "GET") {
      init.headers = headers({ "Content-Type": "application/json" });
      init.body = JSON.stringify(body ?? {});
    }
    const answer = await fetch(API + path, init);
    if (answer.status === 401) {
      await askForToken(token ? "That token was refused." : "");
      continue;
    }
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new ApiError(data.error || `${answer.status} ${answer.statusText}`);
    return data;
  }
}

const get = (path) => call("GET", path);
const post = (path, body) => call("POST", path, body);
const del = (path) => call("DELETE", path);
const enc = encodeURIComponent;

// -- small helpers --------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function short(key) {
  return key ? (key.length > 12 ? `${key.slice(0, 8)}…` : key) : "–";
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

function hms(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function setStatus(state, text) {
  const status = $("#status");
  status.dataset.state = state;
  status.textContent = text;
}

let noticeTimer = 0;
function notice(text, kind = "error") {
  const box = $("#notice");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (box.hidden = true), 8000);
}

// Runs an action from a form or button: errors are shown, the panels refreshed.
async function act(what, action) {
  try {
    const result = await action();
    notice(what, "ok");
    await refresh();
    return result;
  } catch (error) {
    notice(`${what}: ${error.message}`);
    return undefined;
  }
}

// Rows keyed by `key`: kept, updated, added or removed, so a focused button survives.
function reconcile(tbody, items, key, create, update) {
  const old = new Map([...tbody.children].map((row) => [row.dataset.key, row]));
  let previous = null;
  for (const item of items) {
    const k = key(item);
    let row = old.get(k);
    if (row) old.delete(k);
    else {
      row = create(item);
      row.dataset.key = k;
    }
    update(row, item);
    const expected = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (row !== expected) tbody.insertBefore(row, expected);
    previous = row;
  }
  old.forEach((row) => row.remove());
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// -- the exchange clock ---------------------------------------------------------------

const clock = { nowMs: 0, offsetMs: 0, at: 0 };

function exchangeNow() {
  return clock.nowMs + (performance.now() - clock.at);
}

function showClock() {
  if (!clock.at) return;
  setText($("#clock-now"), new Date(exchangeNow()).toISOString().replace("T", " ").replace("Z", " UTC"));
  setText($("#clock-offset"), `${(clock.offsetMs / 1000).toFixed(3)} s`);
  $$(".ttl").forEach((cell) => {
    const expires = Number(cell.dataset.expires);
    if (cell.dataset.active === "1") setText(cell, duration(expires - exchangeNow()));
  });
}

async function advance(seconds) {
  await act(`clock moved ${seconds} s`, () => post("/clock", { advance: seconds }));
}

$$("[data-advance]").forEach((button) =>
  button.addEventListener("click", () => advance(Number(button.dataset.advance))),
);

$("#clock-form").addEventListener("submit", (event) => {
  event.preventDefault();
  advance(Number(event.target.seconds.value));
});

// -- accounts, keys, sockets, ledgers -------------------------------------------------

let accounts = [];
const cards = new Map();

function fillAccountSelects() {
  for (const select of $$(".account-select")) {
    const chosen = select.value;
    const options = [];
    if (select.dataset.any) options.push(el("option", { value: "", text: select.dataset.any }));
    for (const account of accounts) {
      options.push(el("option", { value: account.api_key, text: short(account.api_key) }));
    }
    const signature = options.map((o) => o.value).join("\n");
    if (select.dataset.signature !== signature) {
      select.replaceChildren(...options);
      select.dataset.signature = signature;
      if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
    }
  }
}

function accountCard(apiKey) {
  let card = cards.get(apiKey);
  if (card) return card;
  card = $("#account-template").content.firstElementChild.cloneNode(true);
  card.dataset.account = apiKey;
  $(".account-key", card).textContent = apiKey;
  $(".account-key", card).title = apiKey;
  $(".deposit-form", card).addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(`deposited ${form.amount.value} ${form.asset.value}`, () =>
      post(`/accounts/${enc(apiKey)}/deposit`, { asset: form.asset.value, amount: form.amount.value }),
    );
  });
  $(".order-form", card).addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const order = {};
    for (const name of ["symbol", "side", "positionSide", "type", "quantity", "price"]) {
      if (form[name].value) order[name] = form[name].value;
    }
    act(`order placed on ${short(apiKey)}`, () => post(`/accounts/${enc(apiKey)}/orders`, order));
  });
  cards.set(apiKey, card);
  return card;
}

function keyRow() {
  const row = el("tr");
  const expire = el("button", { type: "button", class: "small", text: "Expire" });
  const forget = el("button", { type: "button", class: "small", text: "Forget" });
  expire.addEventListener("click", () =>
    act("key expired", () => post(`/listen-keys/${enc(row.dataset.key)}/expire`)),
  );
  forget.addEventListener("click", () =>
    act("key forgotten", () => post(`/listen-keys/${enc(row.dataset.key)}/forget`)),
  );
  row.append(
    el("td", {}, el("code", { class: "key" })),
    el("td", { class: "state" }),
    el("td", { class: "ttl" }),
    el("td", { class: "actions" }, expire, forget),
  );
  return row;
}

function updateKeyRow(row, key) {
  const code = $("code", row);
  setText(code, short(key.key));
  code.title = key.key;
  const state = $(".state", row);
  setText(state, key.state);
  state.dataset.state = key.state;
  const ttl = $(".ttl", row);
  const active = key.state === "active";
  ttl.dataset.expires = key.expires_at_ms;
  ttl.dataset.active = active ? "1" : "0";
  setText(ttl, active ? duration(key.expires_at_ms - exchangeNow()) : "–");
  $$("button", row).forEach((button) => (button.disabled = !active));
}

function socketRow() {
  return el(
    "tr",
    {},
    el("td", { class: "product" }),
    el("td", { class: "remote" }),
    el("td", { class: "age" }),
    el("td", { class: "beats" }),
    el("td", { class: "counts" }),
    el("td", { class: "last" }),
  );
}

function updateSocketRow(row, socket) {
  setText($(".product", row), socket.closing ? `${socket.product} (closing ${socket.close_code})` : socket.product);
  setText($(".remote", row), socket.remote);
  setText($(".age", row), duration(socket.age_s * 1000));
  setText($(".beats", row), `${socket.pings} / ${socket.pongs}`);
  setText($(".counts", row), `${socket.frames_in} / ${socket.frames_out}`);
  const last = socket.last_frame;
  const text = last ? `${last.direction === "in" ? "← " : "→ "}${last.text.slice(0, 80)}` : "–";
  setText($(".last", row), text);
  $(".last", row).title = last ? last.text : "";
}

function cellRow(values) {
  return el("tr", {}, ...values.map((v) => el("td", { text: v ?? "" })));
}

function showLedger(card, ledger) {
  const balance = ledger?.balance?.balance;
  const items = [];
  if (balance) {
    for (const name of ["asset", "balance", "equity", "availableMargin", "unrealizedProfit"]) {
      items.push(el("dt", { text: name }), el("dd", { text: String(balance[name] ?? "") }));
    }
  }
  const dl = $(".balance", card);
  const signature = JSON.stringify(balance ?? null);
  if (dl.dataset.signature !== signature) {
    dl.replaceChildren(...items);
    dl.dataset.signature = signature;
  }
  const positions = Array.isArray(ledger?.positions) ? ledger.positions : [];
  reconcile(
    $(".positions tbody", card),
    positions,
    (p) => `${p.symbol} ${p.positionSide}`,
    () => el("tr"),
    (row, p) => {
      const values = [p.symbol, p.positionSide, p.positionAmt, p.avgPrice, p.markPrice, p.unrealizedProfit];
      const signature = values.join("|");
      if (row.dataset.signature !== signature) {
        row.replaceChildren(...cellRow(values).children);
        row.dataset.signature = signature;
      }
    },
  );
  $(".positions", card).hidden = !positions.length;
  const orders = ledger?.openOrders?.orders ?? [];
  reconcile(
    $(".orders tbody", card),
    orders,
    (o) => String(o.orderId),
    () => el("tr"),
    (row, o) => {
      const values = [String(o.orderId), o.symbol, o.side, o.type, o.origQty, o.price, o.status];
      const signature = values.join("|");
      if (row.dataset.signature !== signature) {
        row.replaceChildren(...cellRow(values).children);
        row.dataset.signature = signature;
      }
    },
  );
  $(".orders", card).hidden = !orders.length;
}

function showAccounts(keys, sockets, ledgers) {
  const list = $("#account-list");
  const seen = new Set();
  accounts.forEach((account, i) => {
    const card = accountCard(account.api_key);
    seen.add(account.api_key);
    $(".seed", card).hidden = !account.seed;
    const mine = keys.filter((k) => k.owner === account.api_key);
    reconcile($(".keys tbody", card), mine, (k) => k.key, keyRow, updateKeyRow);
    $(".keys", card).hidden = !mine.length;
    $(".none-keys", card).hidden = mine.length > 0;
    const open = sockets.filter((s) => s.account === account.api_key);
    reconcile(
      $(".sockets tbody", card),
      open,
      (s) => String(s.id),
      socketRow,
      updateSocketRow,
    );
    $(".sockets", card).hidden = !open.length;
    $(".none-sockets", card).hidden = open.length > 0;
    showLedger(card, ledgers[i]);
    if (list.children[i] !== card) list.insertBefore(card, list.children[i] || null);
  });
  for (const [apiKey, card] of cards) {
    if (!seen.has(apiKey)) {
      card.remove();
      cards.delete(apiKey);
    }
  }
  $("#no-accounts").hidden = accounts.length > 0;
}

// -- faults and incidents ---------------------------------------------------------------

let faultTypes = [];

function faultField(field) {
  const id = `fault-field-${field.name}`;
  let input;
  if (field.type === "boolean") {
    input = el("input", { type: "checkbox", id, name: field.name });
    input.checked = Boolean(field.default);
    return el("label", { class: "check" }, input, ` ${field.name}`);
  }
  if (field.type === "choice") {
    input = el("select", { id, name: field.name }, ...field.choices.map((c) => el("option", { value: c, text: c })));
    if (field.default !== undefined) input.value = field.default;
  } else if (field.type === "account") {
    input = el("select", { id, name: field.name, class: "account-select", "data-any": "every account" });
  } else {
    const numeric = field.type === "integer" || field.type === "number";
    input = el("input", {
      id,
      name: field.name,
      type: numeric ? "number" : "text",
      step: field.type === "integer" ? "1" : numeric ? "any" : null,
      required: Boolean(field.required),
      placeholder: field.nullable ? (field.name === "times" ? "until cleared" : "none") : null,
    });
    if (field.default !== undefined && field.default !== null) input.value = String(field.default);
  }
  input.dataset.kind = field.type;
  input.dataset.nullable = field.nullable ? "1" : "0";
  return el("label", {}, `${field.name} `, input);
}

function showFaultForm() {
  const type = faultTypes.find((t) => t.type === $("#fault-type").value);
  if (!type) return;
  $("#fault-doc").textContent = `${type.doc} One time is one ${type.scope}.`;
  $("#fault-fields").replaceChildren(...type.fields.map(faultField));
  fillAccountSelects();
}

function faultBody(form) {
  const body = { type: form.elements.type.value };
  for (const input of $$("#fault-fields input, #fault-fields select")) {
    const kind = input.dataset.kind;
    if (kind === "boolean") body[input.name] = input.checked;
    else if (input.value === "") {
      if (input.dataset.nullable === "1") body[input.name] = null;
      else if (kind === "string") body[input.name] = "";
    } else if (kind === "integer") body[input.name] = parseInt(input.value, 10);
    else if (kind === "number") body[input.name] = Number(input.value);
    else body[input.name] = input.value;
  }
  return body;
}

$("#fault-type").addEventListener("change", showFaultForm);
$("#fault-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = faultBody(event.target);
  act(`fault ${body.type} injected`, () => post("/faults", body));
});
$("#clear-faults").addEventListener("click", () => act("faults cleared", () => del("/faults")));

function faultRow() {
  const row = el("tr", {}, el("td"), el("td"), el("td"), el("td", { class: "hits" }), el("td"), el("td", { class: "details" }));
  const clear = el("button", { type: "button", class: "small", text: "Clear" });
  clear.addEventListener("click", () => act("fault cleared", () => del(`/faults/${enc(row.dataset.key)}`)));
  row.append(el("td", {}, clear));
  return row;
}

function updateFaultRow(row, fault) {
  const { id, type, account, hits, times, required, ...rest } = fault;
  const cells = row.children;
  setText(cells[0], String(id));
  setText(cells[1], type);
  setText(cells[2], account ? short(account) : "every account");
  setText(cells[3], String(hits));
  setText(cells[4], times === null ? "until cleared" : String(times));
  setText(cells[5], Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" "));
}

function showFaults(faults) {
  reconcile($("#faults tbody"), faults, (f) => String(f.id), faultRow, updateFaultRow);
  $("#faults").hidden = !faults.length;
  $("#no-faults").hidden = faults.length > 0;
}

let incidents = [];

function showIncidentDoc() {
  const incident = incidents.find((i) => i.name === $("#incident-name").value);
  $("#incident-doc").textContent = incident ? `${incident.summary}. A correct client: ${incident.correct}.` : "";
}

$("#incident-name").addEventListener("change", showIncidentDoc);
$("#incident-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value;
  act(`incident ${name} triggered`, () => post(`/incidents/${enc(name)}`, { account: form.elements.account.value }));
});

$("#close-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { code: parseInt(form.elements.code.value, 10), reason: form.elements.reason.value };
  if (form.elements.account.value) body.account = form.elements.account.value;
  act(`sockets closed with ${body.code}`, () => post("/sockets/close", body));
});

$("#price-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  act(`${form.elements.symbol.value} at ${form.elements.price.value}`, () =>
    post("/prices", { symbol: form.elements.symbol.value, price: form.elements.price.value }),
  );
});

$("#account-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const body = {};
  if (form.elements.api_key.value) body.api_key = form.elements.api_key.value;
  if (form.elements.api_secret.value) body.api_secret = form.elements.api_secret.value;
  if (form.elements.usdt.value) body.balances = { USDT: form.elements.usdt.value };
  act("account added", () => post("/accounts", body));
});

// -- refreshing the panels --------------------------------------------------------------

let refreshing = null;
let again = false;

async function refreshOnce() {
  const started = performance.now();
  const [accountList, keyList, socketList, faultList, clockNow] = await Promise.all([
    get("/accounts"),
    get("/listen-keys"),
    get("/sockets"),
    get("/faults"),
    get("/clock"),
  ]);
  Object.assign(clock, { nowMs: clockNow.now_ms, offsetMs: clockNow.offset_ms, at: started });
  accounts = accountList.accounts;
  const ledgers = await Promise.all(
    accounts.map((a) => get(`/accounts/${enc(a.api_key)}/ledger`).catch(() => null)),
  );
  fillAccountSelects();
  showAccounts(keyList.listen_keys, socketList.sockets, ledgers);
  showFaults(faultList.faults);
  showClock();
}

async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      try {
        await refreshOnce();
        if (streaming) setStatus("live", "live");
      } catch (error) {
        setStatus("down", `cannot read the sandbox: ${error.message}`);
      }
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

let soon = 0;
function refreshSoon() {
  if (!soon) soon = setTimeout(() => ((soon = 0), refresh()), 100);
}

// -- the journal's live tail ------------------------------------------------------------

const entries = [];
let cursor = 0;
let paused = false;
let filters = readFilters();

function readFilters() {
  const form = $("#journal-filters");
  return {
    account: form.elements.account.value,
    kinds: new Set($$("input[name=kind]:checked", form).map((i) => i.value)),
    mistakes: form.elements.mistakes.checked,
    hideConfig: form.elements.config.checked,
  };
}

const KIND = { RestCall: "rest", WsFrame: "frame", WsEvent: "socket", FaultFired: "fault", SimError: "error" };

function isConfigFrame(entry) {
  return entry.type === "WsFrame" && entry.direction === "out" && entry.text.startsWith('{"e":"SNAPSHOT"');
}

function shown(entry) {
  if (filters.account && entry.account !== filters.account) return false;
  if (!filters.kinds.has(KIND[entry.type])) return false;
  if (filters.mistakes && !entry.violation) return false;
  if (filters.hideConfig && isConfigFrame(entry)) return false;
  return true;
}

function describe(entry) {
  switch (entry.type) {
    case "RestCall": {
      const code = entry.code !== null ? ` code ${entry.code}` : "";
      return `${entry.method} ${entry.path} → ${entry.status}${code}`;
    }
    case "WsFrame": {
      const arrow = entry.direction === "in" ? "client →" : "→ client";
      const gzip = entry.binary ? " (gzip)" : "";
      return `${entry.stream} ${arrow}${gzip} ${entry.text}`;
    }
    case "WsEvent": {
      const code = entry.code !== null ? ` ${entry.code}` : "";
      return `${entry.stream} socket ${entry.kind}${code} ${entry.reason}`.trim();
    }
    case "FaultFired":
      return `fault ${entry.fault} #${entry.fault_id} fired on ${entry.where}`;
    default:
      return `simulator error in ${entry.where}: ${entry.error}`;
  }
}

const LONG = 160; // characters of an entry shown before "more"

function journalRow(entry) {
  const text = describe(entry);
  const what = el("td", { class: "what" });
  if (text.length > LONG) {
    what.append(
      el("details", {}, el("summary", { text: `${text.slice(0, LONG)}…` }), el("pre", { text })),
    );
  } else {
    what.append(el("span", { text }));
  }
  if (entry.violation) what.append(el("span", { class: "mistake-reason", text: `client mistake: ${entry.violation}` }));
  const kind = KIND[entry.type];
  const row = el(
    "tr",
    { class: `entry ${kind}${entry.violation ? " mistake" : ""}`, dataset: { seq: entry.seq, kind } },
    el("td", { text: String(entry.seq) }),
    el("td", { text: entry.at_ms ? hms(entry.at_ms) : "" }),
    el("td", {}, el("span", { class: `badge ${kind}`, text: kind })),
    el("td", { text: short(entry.account) }),
    what,
  );
  return row;
}

function renderJournal() {
  const rows = [];
  for (let i = entries.length - 1; i >= 0 && rows.length < JOURNAL_ROWS; i--) {
    if (shown(entries[i])) rows.push(journalRow(entries[i]));
  }
  $("#journal-rows").replaceChildren(...rows);
  setText($("#journal-count"), `(${entries.length} in this tab)`);
}

function addEntries(batch) {
  for (const entry of batch) {
    if (!(filters.hideConfig && isConfigFrame(entry))) entries.push(entry);
  }
  if (entries.length > JOURNAL_KEEP) entries.splice(0, entries.length - JOURNAL_KEEP);
  if (paused) return;
  const tbody = $("#journal-rows");
  const fresh = batch.filter(shown).map(journalRow).reverse();
  tbody.prepend(...fresh);
  while (tbody.children.length > JOURNAL_ROWS) tbody.lastElementChild.remove();
  setText($("#journal-count"), `(${entries.length} in this tab)`);
}

$("#journal-filters").addEventListener("change", () => {
  filters = readFilters();
  renderJournal();
});

$("#journal-pause").addEventListener("click", (event) => {
  paused = !paused;
  event.target.setAttribute("aria-pressed", String(paused));
  event.target.textContent = paused ? "Resume" : "Pause";
  if (!paused) renderJournal();
});

function handleEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const payload = JSON.parse(data.join("\n"));
  if (event === "dropped") {
    const box = $("#journal-dropped");
    box.textContent = `${payload.dropped} entries were let go by the journal's bound (or a reset) before this page read them.`;
    box.hidden = false;
    return null;
  }
  return payload;
}

let streaming = false;

async function tail() {
  let started = false;
  for (;;) {
    try {
      if (!started) {
        const start = await get("/journal?limit=0");
        cursor = Math.max(start.first - 1, start.last - BACKFILL);
        started = true;
      }
      const answer = await fetch(`${API}/journal/stream?since=${cursor}`, { headers: headers(), cache: "no-store" });
      if (answer.status === 401) {
        await askForToken(token ? "That token was refused." : "");
        continue;
      }
      if (answer.status === 400) {
        cursor = 0; // a cursor from before the sandbox restarted
        entries.length = 0;
        renderJournal();
        continue;
      }
      if (!answer.ok || !answer.body) throw new Error(`${answer.status}`);
      streaming = true;
      setStatus("live", "live");
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        const batch = blocks.map(handleEvent).filter(Boolean);
        if (batch.length) {
          cursor = batch[batch.length - 1].seq;
          addEntries(batch);
          refreshSoon();
        }
      }
    } catch (error) {
      // the sandbox went away, or the network: retried below
    }
    streaming = false;
    setStatus("down", "disconnected; retrying");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// -- start ------------------------------------------------------------------------------

async function start() {
  const session = await (await fetch("/_sim/ui/session", { cache: "no-store" })).json();
  if (session.token_required && !token) await askForToken("");
  const [types, catalogue] = await Promise.all([get("/fault-types"), get("/incidents")]);
  faultTypes = types.fault_types;
  $("#fault-type").replaceChildren(...faultTypes.map((t) => el("option", { value: t.type, text: t.type })));
  $("#fault-type").value = faultTypes.some((t) => t.type === "rest_error") ? "rest_error" : faultTypes[0]?.type;
  incidents = catalogue.incidents;
  $("#incident-name").replaceChildren(...incidents.map((i) => el("option", { value: i.name, text: i.name })));
  showIncidentDoc();
  showFaultForm();
  await refresh();
  setInterval(showClock, 250);
  setInterval(() => document.hidden || refresh(), REFRESH_MS);
  tail();
}

start().catch((error) => setStatus("down", `cannot start: ${error.message}`));
