// The stream list: a single-select ARIA listbox, virtualised. Only the rows in view (plus a few) exist
// in the DOM, reused as the list scrolls, so a thousand streams cost what thirty do. Rows are
// fixed-height and absolutely placed inside a spacer as tall as the whole list. It shows a snapshot
// (ListItem) taken when the list was sorted, so the scores on screen are in order, except while the
// pointer is on the list: then the rows keep their places and only their values change (the page
// refreshes the snapshot in the same order), so a row does not move away under a click; the list
// re-sorts when the pointer leaves.

/** One row's content, as of the last sort. */
export interface ListItem {
  readonly name: string;
  /** Anomaly score; null while the stream's scorer warms up. */
  readonly score: number | null;
  readonly flagged: boolean;
  readonly alerts: number;
}

/** Row height in CSS pixels; must match --row-h in style.css. */
export const ROW_HEIGHT = 34;
/** Rows rendered above and below the viewport. */
const OVERSCAN = 6;

interface RowView {
  readonly el: HTMLDivElement;
  readonly name: HTMLSpanElement;
  readonly bar: HTMLSpanElement;
  readonly score: HTMLSpanElement;
  readonly badge: HTMLSpanElement;
  stream: string;
  text: string;
}

export interface StreamListEvents {
  select(name: string): void;
  /** The pointer came onto the list (held) or left it. */
  hold(held: boolean): void;
}

export class StreamList {
  #items: ListItem[] = [];
  #selected: string | undefined;
  readonly #rows: RowView[] = [];
  readonly #spacer: HTMLDivElement;
  #dirty = true;
  #held = false;

  constructor(
    readonly el: HTMLElement,
    readonly on: StreamListEvents,
  ) {
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'list-spacer';
    el.append(this.#spacer);
    el.addEventListener('scroll', () => this.invalidate(), { passive: true });
    el.addEventListener('keydown', (ev) => this.#onKey(ev));
    el.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('[role="option"]');
      const name = row?.dataset['stream'];
      if (name !== undefined) this.on.select(name);
    });
    el.addEventListener('pointerenter', () => this.#hold(true));
    el.addEventListener('pointerleave', () => this.#hold(false));
    new ResizeObserver(() => this.invalidate()).observe(el);
  }

  /** True while the pointer is on the list: the rows keep their order. */
  get held(): boolean {
    return this.#held;
  }

  /** The items shown, in their order. */
  get items(): readonly ListItem[] {
    return this.#items;
  }

  #hold(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    this.on.hold(held);
  }

  /** Back to the top (a new filter shows its best matches first). */
  scrollToTop(): void {
    this.el.scrollTop = 0;
    this.#dirty = true;
  }

  /** Replaces the items (already filtered and sorted). */
  setItems(items: ListItem[]): void {
    this.#items = items;
    this.#dirty = true;
  }

  setSelected(name: string | undefined): void {
    if (name === this.#selected) return;
    this.#selected = name;
    this.#dirty = true;
  }

  invalidate(): void {
    this.#dirty = true;
  }

  /** Brings the selected row into view. */
  reveal(): void {
    const i = this.#items.findIndex((e) => e.name === this.#selected);
    if (i < 0) return;
    const top = i * ROW_HEIGHT;
    if (top < this.el.scrollTop) this.el.scrollTop = top;
    else if (top + ROW_HEIGHT > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = top + ROW_HEIGHT - this.el.clientHeight;
    this.#dirty = true;
  }

  /** Draws the rows in view; cheap when nothing changed. `force` redraws the values too. */
  render(force = false): void {
    if (!this.#dirty && !force) return;
    this.#dirty = false;
    const n = this.#items.length;
    this.#spacer.style.height = `${n * ROW_HEIGHT}px`;
    this.el.setAttribute('aria-busy', 'false');
    // The list may just have shrunk (a filter): never start below its end.
    const top = Math.min(this.el.scrollTop, Math.max(0, n * ROW_HEIGHT - this.el.clientHeight));
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil((this.el.clientHeight || 600) / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(n, first + visible);
    while (this.#rows.length < last - first) this.#rows.push(this.#makeRow());
    let active = '';
    for (let k = 0; k < this.#rows.length; k++) {
      const row = this.#rows[k]!;
      const i = first + k;
      if (i >= last) {
        if (!row.el.hidden) {
          row.el.hidden = true;
          row.el.removeAttribute('id');
          delete row.el.dataset['stream'];
          row.stream = row.text = '';
        }
        continue;
      }
      const e = this.#items[i]!;
      row.el.hidden = false;
      row.el.id = `stream-option-${i}`;
      row.el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      row.el.setAttribute('aria-posinset', String(i + 1));
      row.el.setAttribute('aria-setsize', String(n));
      const selected = e.name === this.#selected;
      row.el.setAttribute('aria-selected', String(selected));
      if (selected) active = row.el.id;
      this.#fill(row, e);
    }
    if (active === '') this.el.removeAttribute('aria-activedescendant');
    else this.el.setAttribute('aria-activedescendant', active);
  }

  #makeRow(): RowView {
    const el = document.createElement('div');
    el.setAttribute('role', 'option');
    el.className = 'stream-row';
    const name = document.createElement('span');
    name.className = 'stream-name';
    const meter = document.createElement('span');
    meter.className = 'score-meter';
    meter.setAttribute('aria-hidden', 'true');
    const bar = document.createElement('span');
    bar.className = 'score-bar';
    meter.append(bar);
    const score = document.createElement('span');
    score.className = 'stream-score';
    const badge = document.createElement('span');
    badge.className = 'alert-badge';
    el.append(name, meter, score, badge);
    this.#spacer.append(el);
    return { el, name, bar, score, badge, stream: '', text: '' };
  }

  #fill(row: RowView, e: ListItem): void {
    const flagged = e.flagged;
    const score = e.score === null ? '—' : e.score.toFixed(3);
    const text = `${e.name}|${score}|${flagged ? e.alerts : 0}`;
    if (row.text === text) return;
    row.text = text;
    if (row.stream !== e.name) {
      row.stream = e.name;
      row.el.dataset['stream'] = e.name;
      row.name.textContent = e.name;
      row.name.title = e.name;
    }
    row.score.textContent = score;
    row.score.setAttribute('aria-label', e.score === null ? 'score warming up' : `score ${score}`);
    row.bar.style.transform = `scaleX(${e.score ?? 0})`;
    row.el.classList.toggle('flagged', flagged);
    row.badge.textContent = flagged ? `alert${e.alerts > 1 ? ` ×${e.alerts}` : ''}` : '';
  }

  #onKey(ev: KeyboardEvent): void {
    const n = this.#items.length;
    if (n === 0) return;
    const cur = this.#items.findIndex((e) => e.name === this.#selected);
    const page = Math.max(1, Math.floor(this.el.clientHeight / ROW_HEIGHT) - 1);
    let next: number;
    switch (ev.key) {
      case 'ArrowDown': next = cur < 0 ? 0 : Math.min(n - 1, cur + 1); break;
      case 'ArrowUp': next = cur < 0 ? 0 : Math.max(0, cur - 1); break;
      case 'PageDown': next = Math.min(n - 1, Math.max(0, cur) + page); break;
      case 'PageUp': next = Math.max(0, cur - page); break;
      case 'Home': next = 0; break;
      case 'End': next = n - 1; break;
      default: return;
    }
    ev.preventDefault();
    this.on.select(this.#items[next]!.name);
    this.reveal();
  }
}
