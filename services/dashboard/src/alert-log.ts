// Recent alerts, newest first, across every stream: a short list (ALERT_LOG_ROWS) whose entries
// select their stream. New alerts are also announced to screen readers, at most one message per
// ANNOUNCE_MS so a burst of alerts is one announcement, not a flood.

import type { AlertMessage } from '@carousel/client';

/** Alerts listed. */
export const ALERT_LOG_ROWS = 30;
/** Shortest time between two screen-reader announcements, ms. */
const ANNOUNCE_MS = 3_000;

export class AlertLog {
  #pending: AlertMessage[] = [];
  #lastAnnounce = -Infinity;
  #unannounced = 0;
  #lastStream = '';

  constructor(
    readonly list: HTMLOListElement,
    readonly empty: HTMLElement,
    readonly announcer: HTMLElement,
    readonly onSelect: (stream: string) => void,
  ) {
    list.addEventListener('click', (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-stream]');
      if (b !== null) this.onSelect(b.dataset['stream']!);
    });
  }

  add(a: AlertMessage): void {
    this.#pending.push(a);
    if (this.#pending.length > ALERT_LOG_ROWS) this.#pending.splice(0, this.#pending.length - ALERT_LOG_ROWS);
    this.#unannounced++;
    this.#lastStream = a.stream;
  }

  /** Moves pending alerts into the DOM; called once per frame. */
  render(now: number): void {
    if (this.#pending.length > 0) {
      const frag = document.createDocumentFragment();
      for (const a of this.#pending) frag.prepend(this.#item(a));
      this.list.prepend(frag);
      this.#pending = [];
      while (this.list.children.length > ALERT_LOG_ROWS) this.list.lastElementChild!.remove();
      this.empty.hidden = true;
    }
    if (this.#unannounced > 0 && now - this.#lastAnnounce >= ANNOUNCE_MS) {
      this.announcer.textContent =
        this.#unannounced === 1 ? `Anomaly alert on ${this.#lastStream}` : `${this.#unannounced} anomaly alerts, the latest on ${this.#lastStream}`;
      this.#unannounced = 0;
      this.#lastAnnounce = now;
    }
  }

  #item(a: AlertMessage): HTMLLIElement {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset['stream'] = a.stream;
    const name = document.createElement('span');
    name.className = 'alert-stream';
    name.textContent = a.stream;
    const meta = document.createElement('span');
    meta.className = 'alert-meta';
    const when = a.ts === undefined ? '' : ` · ${new Date(a.ts).toLocaleTimeString()}`;
    meta.textContent = `seq ${a.seq} · likelihood ${a.lik.toFixed(3)}${when}`;
    b.append(name, meta);
    li.append(b);
    return li;
  }
}
