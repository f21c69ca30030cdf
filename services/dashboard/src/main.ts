// The dashboard page: wires the gateway link, the stream table and the views, and runs one
// requestAnimationFrame loop that draws whatever changed since the last frame. Messages only update
// the table (O(1) each); everything visible is redrawn at most once per frame.

import './style.css';
import type { ClientError } from '@carousel/client';
import { AlertLog } from './alert-log.ts';
import { StreamCharts } from './charts.ts';
import { GatewayLink, gatewayUrl } from './connection.ts';
import type { LinkState } from './connection.ts';
import { StatsPanel } from './stats.ts';
import { StreamList } from './stream-list.ts';
import { StreamTable } from './streams.ts';
import { initTheme } from './theme.ts';
import { initialToken, rememberToken } from './token.ts';

/** Shortest time between two re-sorts of the stream list, ms (rows should not jump every frame). */
const SORT_INTERVAL_MS = 500;
/** Shortest time between two updates of the text panels (stats, caption), ms. */
const TEXT_INTERVAL_MS = 250;

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

const table = new StreamTable();
const listEl = $('stream-list');
const list = new StreamList(listEl, { select, hold });
const charts = new StreamCharts($('value-chart'), $('score-chart'), $('charts'));
const stats = new StatsPanel($('stats'));
const alerts = new AlertLog($('alert-log'), $('alert-empty'), $('announcer'), (s) => {
  select(s);
  list.reveal();
});

const connEl = $('conn');
const connState = $('conn-state');
const connDetail = $('conn-detail');
const tokenInput = $<HTMLInputElement>('token');
const filterInput = $<HTMLInputElement>('filter');
const countEl = $('stream-count');
const heldEl = $('list-held');
/** The listbox's name says its order, so a screen reader hears the hold that the line under the filter shows. */
const LIST_LABEL = { sorted: listEl.getAttribute('aria-label') ?? 'Streams', held: 'Streams, order held while the pointer is on the list' };
const titleEl = $('stream-title');
const captionEl = $('chart-caption');

let filter = '';
let sortedAt = -Infinity;
let sortedMembership = -1;
let sortedFilter: string | null = null;
let sortedAlerts = 0;
/** The list must be sorted at the next frame (the pointer left it). */
let resort = false;
let drawnVersion = -1;
let textAt = -Infinity;
let textVersion = -1;
let frameRequested = false;
let shown = 0;

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function select(name: string): void {
  table.select(name);
  list.setSelected(name);
  charts.show(table.selected);
  titleEl.textContent = name;
  textAt = -Infinity;
  textVersion = -1;
  requestFrame();
}

/** The pointer came onto the stream list or left it: it holds its order meanwhile, and re-sorts after. */
function hold(held: boolean): void {
  if (!held) resort = true;
  heldEl.hidden = !held;
  listEl.setAttribute('aria-label', held ? LIST_LABEL.held : LIST_LABEL.sorted);
  requestFrame();
}

function frame(now: number): void {
  frameRequested = false;
  let again = false;
  if (table.version !== drawnVersion || sortedFilter !== filter || resort) {
    // Re-sort at once for a new stream, a new filter, a new alert or the pointer leaving the list;
    // otherwise twice a second. While the pointer is on the list (and the filter stays), the rows
    // keep their order and only their values are refreshed, as often.
    const held = list.held && sortedFilter === filter;
    const urgent = !held && (resort || table.membership !== sortedMembership || sortedFilter !== filter || table.alerts !== sortedAlerts);
    if (urgent || now - sortedAt >= SORT_INTERVAL_MS) {
      const items = held ? table.refreshed(list.items, filter) : table.sorted(filter);
      resort = false;
      shown = items.length;
      list.setItems(items);
      sortedAt = now;
      sortedMembership = table.membership;
      sortedFilter = filter;
      sortedAlerts = table.alerts;
      drawnVersion = table.version;
      if (table.selected === undefined && items.length > 0) select(items[0]!.name); // a first look shows something
    } else {
      again = true; // the list's snapshot catches up at the next sort
    }
  }
  list.render();
  charts.draw();
  alerts.render(now);
  if (now - textAt >= TEXT_INTERVAL_MS) {
    textAt = now;
    textVersion = table.version;
    stats.render(table.selected);
    countEl.textContent =
      table.size === 0 ? 'No streams yet' : shown === table.size ? `${table.size} streams` : `${shown} of ${table.size} streams`;
    captionEl.textContent = caption();
  } else if (textVersion !== table.version) {
    again = true; // the text catches up once the interval has passed
  }
  if (again) requestFrame();
}

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

function caption(): string {
  const { points, alertsShown } = charts.summary();
  const last = charts.latest();
  if (last === undefined) return 'Waiting for predictions.';
  return `${points} steps shown, ${alertsShown} alert${alertsShown === 1 ? '' : 's'} marked. ` +
    `Step ${last.seq}: value ${fmt(last.value)}, forecast ${fmt(last.forecast)}, error ${fmt(last.err)}, score ${fmt(last.score)}, likelihood ${fmt(last.lik)}.`;
}

// The last refusal or failure stays visible after the connection closes (it says why).
let lastError = '';

function showState(s: LinkState, detail: string): void {
  connEl.dataset['state'] = s;
  connState.textContent = s;
  if (s === 'authenticated') {
    lastError = '';
    connDetail.textContent = link.granted.length > 0 ? `streams ${link.granted.join(', ')}` : '';
  } else if (lastError !== '') {
    connDetail.textContent = lastError;
  } else if (detail !== s) {
    connDetail.textContent = detail;
  }
}

const link = new GatewayLink(gatewayUrl(), {
  prediction(m) {
    table.applyPrediction(m);
    requestFrame();
  },
  alert(m) {
    table.applyAlert(m);
    alerts.add(m);
    requestFrame();
  },
  state: showState,
  error(e: ClientError) {
    lastError = e.message;
    connDetail.textContent = e.message;
    connDetail.title = e.message;
  },
});

$<HTMLFormElement>('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const token = tokenInput.value.trim();
  rememberToken(token);
  lastError = '';
  void link.start(token);
});
$('disconnect').addEventListener('click', () => {
  void link.stop();
  connDetail.textContent = 'disconnected';
});
filterInput.addEventListener('input', () => {
  filter = filterInput.value;
  list.scrollToTop();
  requestFrame();
});

initTheme($<HTMLButtonElement>('theme-toggle'), () => {
  charts.rebuild();
  requestFrame();
});

const token = initialToken();
tokenInput.value = token;
if (token !== '') void link.start(token);
else {
  connDetail.textContent = 'enter a token to connect';
  tokenInput.focus();
}
requestFrame();
