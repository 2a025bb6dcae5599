// ccmux's web view. The server holds every session's screen; this page draws the rows it is
// sent (real DOM text, so selecting and copying work), sends typed keys to the focused
// session, and acknowledges each frame once drawn, so a busy tab is sent less, never more.
'use strict';

const ui = {
  tiles: new Map(), // session id -> tile
  focused: null,
  ws: null,
  lastFrame: 0,
  ackQueued: false,
  viewSent: '',
  pendingFocus: null, // a session this page started, focused once it shows
  cell: { w: 8, h: 16 },
};
// Counters a test (or a curious user in the console) can read.
window.ccmuxStats = { bytes: 0, messages: 0, frames: 0 };

const $ = (id) => document.getElementById(id);

function setStatus(text) { $('status').textContent = text; }

function showMessage(text, bad) {
  const box = $('message');
  box.textContent = text;
  box.classList.toggle('bad', !!bad);
  box.hidden = false;
}

async function main() {
  measureCell();
  wireForm();
  if (location.pathname === '/login') {
    const code = location.hash.slice(1);
    // The code is spent whatever happens: take it out of the address bar and history.
    history.replaceState(null, '', '/');
    if (!(await logIn(code))) return;
  }
  connect();
}

async function logIn(code) {
  if (!code) {
    showMessage('This login link has no code. Run `ccmux web` for a new one.', true);
    return false;
  }
  let reply;
  try {
    reply = await fetch('/web/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
  } catch (e) {
    showMessage('Cannot reach the ccmux server: ' + e, true);
    return false;
  }
  if (!reply.ok) {
    const body = await reply.json().catch(() => ({}));
    const why = (body.error && body.error.message) || 'HTTP ' + reply.status;
    showMessage('Login failed: ' + why, true);
    setStatus('not logged in');
    return false;
  }
  return true;
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws/web`, ['ccmux']);
  let opened = false;
  ui.ws = ws;
  ws.onopen = () => {
    opened = true;
    $('message').hidden = true;
    setStatus('connected');
    ui.viewSent = '';
    ui.lastFrame = 0;
    sendView();
  };
  ws.onmessage = (event) => {
    window.ccmuxStats.bytes += utf8Length(event.data);
    window.ccmuxStats.messages += 1;
    const message = JSON.parse(event.data);
    if (message.type === 'frame') applyFrame(message);
    else if (message.type === 'error') noteError(message);
  };
  ws.onclose = (event) => {
    ui.ws = null;
    if (event.code === 4001) {
      setStatus('logged out');
      showMessage(event.reason || 'Logged out. Run `ccmux web` to log in again.', true);
    } else if (!opened) {
      setStatus('not logged in');
      showMessage('Not logged in. Run `ccmux web` in a terminal and open the link it prints.', true);
    } else {
      setStatus('disconnected; reconnecting…');
      setTimeout(connect, 2000);
    }
  };
}

function send(message) {
  if (ui.ws && ui.ws.readyState === WebSocket.OPEN) ui.ws.send(JSON.stringify(message));
}

function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// ----- frames -------------------------------------------------------------------------------

function applyFrame(message) {
  if (message.sessions) updateSessions(message.sessions);
  for (const screen of message.screens) {
    const tile = ui.tiles.get(screen.session);
    if (tile) drawScreen(tile, screen);
  }
  window.ccmuxStats.frames += 1;
  ui.lastFrame = message.frame;
  // Acknowledged once the browser has painted, so a tab that cannot keep up is sent less.
  if (!ui.ackQueued) {
    ui.ackQueued = true;
    requestAnimationFrame(() => {
      ui.ackQueued = false;
      send({ type: 'ack', frame: ui.lastFrame });
    });
  }
}

function drawScreen(tile, screen) {
  if (screen.full) {
    tile.rowsEl.replaceChildren();
    tile.lines = [];
    for (let i = 0; i < screen.rows; i++) {
      const row = document.createElement('div');
      row.className = 'row';
      tile.rowsEl.appendChild(row);
      tile.lines.push('');
    }
  }
  const rows = tile.rowsEl.children;
  for (const [index, runs] of screen.changed) {
    const row = rows[index];
    if (!row) continue;
    row.replaceChildren(...runs.map(runNode));
    tile.lines[index] = runs.map((r) => r.t).join('');
  }
  const c = screen.cursor;
  tile.cursorEl.hidden = !c.visible;
  tile.cursorEl.style.left = `calc(4px + ${c.col}ch)`;
  tile.cursorEl.style.top = `calc(4px + ${c.row} * var(--lh) * 1em)`;
  updateChoices(tile);
}

const BOLD = 1, DIM = 2, ITALIC = 4, UNDERLINE = 8, INVERSE = 16, WIDE = 32;

function runNode(run) {
  const a = run.a || 0;
  if (!a && run.fg === undefined && run.bg === undefined) return document.createTextNode(run.t);
  const span = document.createElement('span');
  span.textContent = run.t;
  let fg = run.fg === undefined ? null : colour(run.fg);
  let bg = run.bg === undefined ? null : colour(run.bg);
  if (a & INVERSE) [fg, bg] = [bg || 'var(--bg)', fg || 'var(--fg)'];
  if (fg) span.style.color = fg;
  if (bg) span.style.backgroundColor = bg;
  const classes = [];
  if (a & BOLD) classes.push('b');
  if (a & DIM) classes.push('d');
  if (a & ITALIC) classes.push('i');
  if (a & UNDERLINE) classes.push('u');
  if (a & WIDE) classes.push('w');
  if (classes.length) span.className = classes.join(' ');
  return span;
}

const BASE16 = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5',
  '#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

function colour(c) {
  if (typeof c === 'string') return c;
  if (c < 16) return BASE16[c];
  if (c < 232) {
    const n = c - 16;
    const level = (v) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(n / 36))},${level(Math.floor(n / 6) % 6)},${level(n % 6)})`;
  }
  const grey = 8 + (c - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

// ----- sessions -----------------------------------------------------------------------------

function updateSessions(list) {
  const seen = new Set();
  for (const info of list) {
    seen.add(info.session_id);
    let tile = ui.tiles.get(info.session_id);
    if (!tile) {
      tile = makeTile(info.session_id);
      ui.tiles.set(info.session_id, tile);
      $('grid').appendChild(tile.el);
      if (ui.pendingFocus === info.session_id) focus(info.session_id);
    }
    tile.info = info;
    tile.el.dataset.task = info.task_id;
    tile.el.dataset.state = info.state;
    tile.taskEl.textContent = info.task_id;
    tile.stateEl.textContent = info.state;
    tile.stateEl.className = 'state state-' + info.state;
    tile.reasonEl.textContent = info.state_reason || '';
    tile.reasonEl.title = info.state_reason || '';
    tile.costEl.textContent = typeof info.cost_usd === 'number' ? '$' + info.cost_usd.toFixed(2) : '';
    updateChoices(tile);
  }
  for (const [id, tile] of ui.tiles) {
    if (!seen.has(id)) {
      tile.el.remove();
      ui.tiles.delete(id);
      if (ui.focused === id) ui.focused = null;
    }
  }
  sendView();
}

function makeTile(id) {
  const el = document.createElement('section');
  el.className = 'tile';
  el.dataset.id = id;
  el.innerHTML = `<header><span class="task"></span><span class="state"></span>
    <span class="reason"></span><span class="cost"></span>
    <button type="button" class="interrupt" title="Send the session's interrupt key">Interrupt</button></header>
    <div class="choices"></div><div class="note" role="alert"></div>
    <div class="screen"><div class="rows"></div><div class="cursor"></div></div>`;
  const tile = {
    id, el, info: null, lines: [], choicesKey: '',
    taskEl: el.querySelector('.task'),
    stateEl: el.querySelector('.state'),
    reasonEl: el.querySelector('.reason'),
    costEl: el.querySelector('.cost'),
    choicesEl: el.querySelector('.choices'),
    noteEl: el.querySelector('.note'),
    screenEl: el.querySelector('.screen'),
    rowsEl: el.querySelector('.rows'),
    cursorEl: el.querySelector('.cursor'),
  };
  el.addEventListener('mousedown', () => focus(id));
  el.querySelector('.interrupt').addEventListener('click', (event) => {
    // Keys typed next go to the session, not to the button.
    event.currentTarget.blur();
    act(tile, 'interrupt');
  });
  return tile;
}

function focus(id) {
  ui.focused = id;
  for (const [other, tile] of ui.tiles) tile.el.classList.toggle('focused', other === id);
}

// The options of the dialog at the bottom of the screen: the last run of numbered lines
// counting up from 1 (`❯ 1. Yes`, `  2. No`).
function dialogOptions(lines) {
  const pattern = /^\s*(?:❯\s*)?([1-9])\.\s+(\S.*)$/;
  const runs = [];
  let current = [];
  for (const line of lines) {
    const m = pattern.exec(line);
    const option = m && { n: Number(m[1]), label: m[2].trim() };
    if (option && option.n === current.length + 1) {
      current.push(option);
      continue;
    }
    if (current.length) runs.push(current);
    current = option && option.n === 1 ? [option] : [];
  }
  if (current.length) runs.push(current);
  return runs.length ? runs[runs.length - 1] : [];
}

function updateChoices(tile) {
  const waiting = tile.info && tile.info.state === 'waiting_input';
  let choices = [];
  if (waiting) {
    choices = dialogOptions(tile.lines).map((o) => ({ choice: o.n, label: `${o.n}. ${o.label}` }));
    if (!choices.length) choices = [{ choice: 'yes', label: 'Yes' }, { choice: 'no', label: 'No' }];
  }
  const key = JSON.stringify(choices);
  if (key === tile.choicesKey) return;
  tile.choicesKey = key;
  tile.choicesEl.replaceChildren(...choices.map((c) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'choice';
    button.textContent = c.label.length > 60 ? c.label.slice(0, 57) + '…' : c.label;
    button.title = c.label;
    button.addEventListener('click', () => {
      button.blur();
      act(tile, 'answer', { choice: c.choice });
    });
    return button;
  }));
}

async function act(tile, action, body) {
  tile.noteEl.textContent = '';
  try {
    const reply = await fetch(`/api/v1/sessions/${tile.id}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!reply.ok) {
      const answer = await reply.json().catch(() => ({}));
      tile.noteEl.textContent = (answer.error && answer.error.message) || `${action}: HTTP ${reply.status}`;
    }
  } catch (e) {
    tile.noteEl.textContent = `${action}: ${e}`;
  }
}

function noteError(message) {
  const tile = ui.focused !== null ? ui.tiles.get(ui.focused) : null;
  if (tile) tile.noteEl.textContent = message.message;
  else setStatus('error: ' + message.message);
}

// ----- sizes --------------------------------------------------------------------------------

function measureCell() {
  const box = $('measure').getBoundingClientRect();
  ui.cell = { w: box.width / 10 || 8, h: box.height || 16 };
}

// Each tile's screen size in cells, which the server applies under its size rule.
function sendView() {
  const sessions = [];
  for (const tile of ui.tiles.values()) {
    const width = tile.screenEl.clientWidth - 8;
    const height = tile.screenEl.clientHeight - 8;
    const cols = Math.max(20, Math.min(500, Math.floor(width / ui.cell.w)));
    const rows = Math.max(5, Math.min(200, Math.floor(height / ui.cell.h)));
    sessions.push({ id: tile.id, cols, rows });
  }
  const key = JSON.stringify(sessions);
  if (key === ui.viewSent) return;
  ui.viewSent = key;
  send({ type: 'view', sessions });
}

let resizeTimer = null;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(sendView, 150);
}).observe($('grid'));

// ----- keys and paste -----------------------------------------------------------------------

const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'CapsLock', 'NumLock', 'Dead']);

function typingElsewhere(event) {
  const t = event.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'BUTTON');
}

function selectionInside(tile) {
  const selection = window.getSelection();
  return selection && !selection.isCollapsed && tile.el.contains(selection.anchorNode);
}

document.addEventListener('keydown', (event) => {
  if (ui.focused === null || typingElsewhere(event) || event.isComposing) return;
  const tile = ui.tiles.get(ui.focused);
  if (!tile || MODIFIERS.has(event.key) || event.metaKey) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  // Ctrl-C copies while text of the session is selected (else it is the session's ^C);
  // Ctrl-V pastes, as a paste event.
  if (event.ctrlKey && key === 'c' && selectionInside(tile)) return;
  if (event.ctrlKey && key === 'v') return;
  event.preventDefault();
  send({
    type: 'key',
    session: tile.id,
    key: {
      key: event.key,
      ctrl: event.ctrlKey,
      alt: event.altKey,
      shift: event.shiftKey,
      text: event.key.length === 1 ? event.key : undefined,
    },
  });
});

document.addEventListener('paste', (event) => {
  if (ui.focused === null || typingElsewhere(event)) return;
  const text = event.clipboardData.getData('text');
  if (!text) return;
  event.preventDefault();
  send({ type: 'paste', session: ui.focused, text });
});

// ----- new session --------------------------------------------------------------------------

function wireForm() {
  const form = $('new-form');
  $('new-session').addEventListener('click', () => {
    form.hidden = false;
    form.elements.task.focus();
  });
  $('new-cancel').addEventListener('click', () => { form.hidden = true; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $('new-error').textContent = '';
    const body = { task_id: form.elements.task.value.trim() };
    const command = form.elements.command.value.trim();
    if (command) body.command = command.split(/\s+/);
    const reply = await fetch('/api/v1/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((e) => ({ ok: false, status: 0, json: async () => ({ error: { message: String(e) } }) }));
    if (!reply.ok) {
      const answer = await reply.json().catch(() => ({}));
      $('new-error').textContent = (answer.error && answer.error.message) || 'HTTP ' + reply.status;
      return;
    }
    const info = await reply.json();
    form.hidden = true;
    form.reset();
    ui.pendingFocus = info.session_id;
    if (ui.tiles.has(info.session_id)) focus(info.session_id);
  });
}

main();
