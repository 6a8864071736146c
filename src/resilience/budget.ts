import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One request's overall deadline. Each dependency call has its own deadline, but a request that
 * chains several could still take their sum; the budget bounds the whole. It never turns a write
 * that may have committed into a failure: once a call that may write has started, the request
 * runs to its end (each call still bounded by its own deadline) and answers what happened.
 */
export class Budget {
  private writing = 0;
  private wrote = false;
  private abandoned = false;

  constructor(readonly deadline: number) {}

  /** True once nothing this request did can have changed anything: it may still be refused. */
  get refusable(): boolean {
    return this.writing === 0 && !this.wrote;
  }

  /** The HTTP layer answered 503 for this request: whatever it still tries fails at once. */
  abandon(): void {
    this.abandoned = true;
  }

  /**
   * Called before each dependency call: throws `BudgetSpent` when the request is past its budget
   * and has changed nothing, so no new call starts (and no write begins) for an answer that is
   * already, or will be, "retry shortly".
   */
  check(now = Date.now()): void {
    if (this.abandoned || (this.refusable && now >= this.deadline)) throw new BudgetSpent();
  }

  /** Runs a call that may write; until it settles the request is never refused for its budget. */
  async writes<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    this.writing++;
    try {
      return await fn();
    } finally {
      this.writing--;
      // Settled either way: a failed write may still have committed (a lost answer).
      this.wrote = true;
    }
  }
}

/** What a dependency call throws instead of starting once its request's budget is spent. */
export class BudgetSpent extends Error {
  constructor() {
    super('the request used up its time budget');
    this.name = 'BudgetSpent';
  }
}

const current = new AsyncLocalStorage<Budget>();

/** Runs `fn` (and everything it awaits) under `budget`. */
export const withBudget = <T>(budget: Budget, fn: () => T): T => current.run(budget, fn);

/** The budget of the request this code runs for, if any (background work has none). */
export const currentBudget = (): Budget | undefined => current.getStore();
