import type { Eta } from './types.js';
import type { TicketView } from './views.js';

/*
 * A pass gives thousands of watchers their new position and estimate and nothing else. Building a
 * whole view object and serialising all of it per watcher was most of a pass's own cost, so the
 * rest of the view is held once, with its JSON cut around the two values a pass writes.
 */

// Strings that stringify to a value no customer field can hold raw: JSON escapes control
// characters and quotes inside strings, so `"position":"\u0001p"` can only be the key itself.
const POSITION_MARK = '\u0001p';
const ETA_MARK = '\u0001e';
const POSITION_AT = `"position":${JSON.stringify(POSITION_MARK)}`;
const ETA_AT = `"eta":${JSON.stringify(ETA_MARK)}`;

/**
 * A ticket's view apart from its position and estimate, as the last note or database read left it.
 * Its JSON is cut once, the first time a pass moves it, and reused for every position after. Once
 * cut, the frame keeps the pieces instead of the view object (which held the same fields again,
 * for every watched ticket) and reads the view back from them in the rare case it is asked for.
 */
export class ViewFrame {
  readonly id: string;
  readonly status: TicketView['status'];
  readonly counter: string | null;
  readonly pass: string | null | undefined;
  private whole: TicketView | null;
  private parts: readonly [string, string, string] | null = null;

  constructor(view: TicketView) {
    this.whole = view;
    this.id = view.id;
    this.status = view.status;
    this.counter = view.counter;
    this.pass = view.pass;
  }

  /** The view as it was given, or as its JSON says once cut (position and estimate then null). */
  get view(): TicketView {
    return this.whole ?? (JSON.parse(this.json(null, null)) as TicketView);
  }

  /** The view's JSON with this position and estimate, the same text `JSON.stringify` would give. */
  json(position: number | null, eta: Eta | null): string {
    const { whole } = this;
    if (whole !== null) {
      // A stream's first view is sent as it is: a crowd that connects and is never moved keeps no cut.
      if (position === whole.position && eta === whole.eta) return JSON.stringify(whole);
      const parts = cut(whole);
      if (parts === null) return JSON.stringify({ ...whole, position, eta });
      this.parts = parts;
      this.whole = null;
    }
    const parts = this.parts as readonly [string, string, string];
    return parts[0] + position + parts[1] + etaJson(eta) + parts[2];
  }
}

/** The JSON around position and estimate; null when the view has them in the other order (it is
 * then kept whole and serialised whole each time). */
function cut(view: TicketView): readonly [string, string, string] | null {
  const marked = JSON.stringify({ ...view, position: POSITION_MARK, eta: ETA_MARK });
  const p = marked.indexOf(POSITION_AT);
  const e = marked.indexOf(ETA_AT);
  if (p < 0 || e < p) return null;
  const afterP = p + POSITION_AT.length - JSON.stringify(POSITION_MARK).length;
  const afterE = e + ETA_AT.length - JSON.stringify(ETA_MARK).length;
  return [marked.slice(0, afterP), marked.slice(p + POSITION_AT.length, afterE), marked.slice(e + ETA_AT.length)];
}

/** An estimate's JSON; both builders of an `Eta` write exactly these two fields, in this order. */
const etaJson = (eta: Eta | null): string =>
  eta === null ? 'null' : `{"lowSeconds":${eta.lowSeconds},"highSeconds":${eta.highSeconds}}`;

/**
 * What one pass shows of a ticket: its frame, position and estimate. The whole view and its JSON
 * are built when asked for and not kept: a pass's views live until the next pass, so whatever
 * they held for every watcher would outlast the young generation and cost the collector more
 * than building it again for the rare second stream of a ticket.
 */
export class ShownView {
  constructor(
    readonly frame: ViewFrame,
    readonly position: number | null,
    readonly eta: Eta | null,
  ) {}

  static of(view: TicketView): ShownView {
    return new ShownView(new ViewFrame(view), view.position, view.eta);
  }

  get status(): TicketView['status'] {
    return this.frame.status;
  }

  get view(): TicketView {
    return { ...this.frame.view, position: this.position, eta: this.eta };
  }

  get json(): string {
    return this.frame.json(this.position, this.eta);
  }

  /** Whether showing `next` after this would tell the customer something new: a change of position,
   * estimate, status, desk or pass. */
  differs(next: ShownView): boolean {
    if (next === this) return false;
    if (next.position !== this.position) return true;
    if (next.eta?.lowSeconds !== this.eta?.lowSeconds || next.eta?.highSeconds !== this.eta?.highSeconds) return true;
    const a = this.frame;
    const b = next.frame;
    return a !== b && (a.status !== b.status || a.counter !== b.counter || (a.pass ?? '') !== (b.pass ?? ''));
  }
}
