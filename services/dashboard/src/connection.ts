// The dashboard's link to the gateway: one @carousel/client Subscriber per token. It subscribes to
// exactly the stream patterns the token grants (the `authenticated` answer lists them), so the
// gateway never refuses the subscription for scope; reconnects and resume are the SDK's.

import { Subscriber } from '@carousel/client';
import type { AlertMessage, ClientError, PredictionMessage, SubscriberStateName } from '@carousel/client';

/** What the page shows: the SDK's states folded into four words. */
export type LinkState = 'connecting' | 'authenticated' | 'reconnecting' | 'closed';

export function linkState(s: SubscriberStateName): LinkState {
  switch (s) {
    case 'open':
      return 'authenticated';
    case 'reconnecting':
      return 'reconnecting';
    case 'idle':
    case 'closed':
      return 'closed';
    default:
      return 'connecting';
  }
}

export interface LinkEvents {
  prediction(m: PredictionMessage): void;
  alert(m: AlertMessage): void;
  state(s: LinkState, detail: string): void;
  error(e: ClientError): void;
}

/**
 * The gateway's WebSocket URL: /ws on the host that served the page. Deliberately not taken from
 * the address: a crafted link must not be able to send the remembered token to another host.
 */
export function gatewayUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

export class GatewayLink {
  #sub: Subscriber | undefined;
  #granted: string[] = [];

  constructor(readonly url: string, readonly on: LinkEvents) {}

  /** Patterns the current token grants (empty before authentication). */
  get granted(): readonly string[] {
    return this.#granted;
  }

  get reconnects(): number {
    return this.#sub?.reconnects ?? 0;
  }

  get duplicates(): number {
    return this.#sub?.duplicates ?? 0;
  }

  /** Drops any current connection and connects with `token`. */
  async start(token: string): Promise<void> {
    await this.stop();
    const sub = new Subscriber({ url: this.url, token });
    this.#sub = sub;
    this.#granted = [];
    sub.on('prediction', (m) => this.on.prediction(m));
    sub.on('alert', (m) => this.on.alert(m));
    sub.on('error', (e) => this.on.error(e));
    // 'open' is reported from the authenticated answer (the SDK emits the state change just before
    // it), so the page learns the granted patterns and the state together.
    sub.on('authenticated', (m) => {
      this.#granted = [...m.streams];
      this.on.state('authenticated', 'open');
    });
    sub.on('state', (ev) => {
      if (ev.state !== 'open') this.on.state(linkState(ev.state), ev.closeCode === undefined ? ev.state : `${ev.state} (close ${ev.closeCode})`);
    });
    this.on.state('connecting', 'connecting');
    try {
      await sub.connect();
      // After connect() resolves, not inside the `authenticated` listener: the SDK (re)sends every
      // known subscription right after that event, so subscribing there would send it twice.
      if (this.#sub === sub && this.#granted.length > 0) await sub.subscribe(this.#granted);
    } catch {
      // The state and error events already told the page why.
    }
  }

  async stop(): Promise<void> {
    const sub = this.#sub;
    this.#sub = undefined;
    if (sub !== undefined) await sub.close();
  }
}
