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
 * Its JSON is cut once, the first time a pass moves it, and reused for every position after.
 */
export class ViewFrame {
  private parts: readonly [string, string, string] | null = null;

  constructor(readonly view: TicketView) {}

  /** The view's JSON with this position and estimate, the same text `JSON.stringify` would give. */
  json(position: number | null, eta: Eta | null): string {
    // A stream's first view is sent as it is: a crowd that connects and is never moved keeps no cut.
    if (this.parts === null && position === this.view.position && eta === this.view.eta)
      return JSON.stringify(this.view);
    const parts = (this.parts ??= cut(this.view));
    if (parts === WHOLE) return JSON.stringify({ ...this.view, position, eta });
    return parts[0] + position + parts[1] + etaJson(eta) + parts[2];
  }
}

/** A view without either field to cut around (not a customer view): serialised whole each time. */
const WHOLE: readonly [string, string, string] = ['', '', ''];

function cut(view: TicketView): readonly [string, string, string] {
  const marked = JSON.stringify({ ...view, position: POSITION_MARK, eta: ETA_MARK });
  const p = marked.indexOf(POSITION_AT);
  const e = marked.indexOf(ETA_AT);
  if (p < 0 || e < p) return WHOLE;
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
    return this.frame.view.status;
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
    const a = this.frame.view;
    const b = next.frame.view;
    return a !== b && (a.status !== b.status || a.counter !== b.counter || (a.pass ?? '') !== (b.pass ?? ''));
  }
}
