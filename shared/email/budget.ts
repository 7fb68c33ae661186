/**
 * The extraction budget (issue 11.4): one message may use at most so much wall time, so many work
 * steps and so many characters of body text (all bodies, inline forwards and attached originals
 * together), MIME parse excluded (it has its own timeout). Every loop over message text charges
 * steps; over any limit the extraction stops with BudgetExceededError and the intake quarantines
 * the message with reason `extraction-over-budget` — a hostile mail costs a bounded amount and is
 * kept, never dropped.
 *
 * The budget of the running extraction is found through AsyncLocalStorage, so the text helpers
 * need no extra parameter and parallel parses do not share one. Outside an extraction (unit tests
 * of a helper) charging is free.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface BudgetLimits {
  /** Wall-clock milliseconds for the whole extraction. */
  ms: number;
  /** Work steps (lines, label occurrences, matches, tags… each counts one or its length). */
  steps: number;
  /** Characters of body text taken in (every source, every forward level). */
  chars: number;
}

export interface BudgetUse {
  ms: number;
  steps: number;
  chars: number;
}

export class BudgetExceededError extends Error {
  override name = "BudgetExceededError";
  readonly limit: keyof BudgetLimits;
  constructor(limit: keyof BudgetLimits, detail: string) {
    super(detail);
    this.limit = limit;
  }
}

/** How often (in steps) the clock is read. */
const CLOCK_EVERY = 512;

export class Budget {
  readonly limits: BudgetLimits;
  private readonly started: number;
  private readonly now: () => number;
  private stepsUsed = 0;
  private charsUsed = 0;
  private nextClock = CLOCK_EVERY;

  constructor(limits: BudgetLimits, now: () => number = () => performance.now()) {
    this.limits = limits;
    this.now = now;
    this.started = now();
  }

  /** Charges `n` steps of work done at `where`; throws when a limit is passed. */
  step(n: number, where: string): void {
    this.stepsUsed += n;
    if (this.stepsUsed > this.limits.steps) throw new BudgetExceededError("steps", `more than ${this.limits.steps} work steps (at ${where})`);
    if (this.stepsUsed >= this.nextClock) {
      this.nextClock = this.stepsUsed + CLOCK_EVERY;
      this.checkClock(where);
    }
  }

  /** Charges `n` characters of body text taken in at `where`. */
  text(n: number, where: string): void {
    this.charsUsed += n;
    if (this.charsUsed > this.limits.chars) throw new BudgetExceededError("chars", `more than ${this.limits.chars} characters of body text (at ${where})`);
    this.checkClock(where);
  }

  checkClock(where: string): void {
    const ms = this.now() - this.started;
    if (ms > this.limits.ms) throw new BudgetExceededError("ms", `extraction took more than ${this.limits.ms} ms (at ${where})`);
  }

  use(): BudgetUse {
    return { ms: Math.round(this.now() - this.started), steps: this.stepsUsed, chars: this.charsUsed };
  }
}

const current = new AsyncLocalStorage<Budget>();

/** Runs `fn` with `budget` as the running extraction's budget. */
export function withBudget<T>(budget: Budget, fn: () => Promise<T>): Promise<T> {
  return current.run(budget, fn);
}

/** Charges steps to the running extraction's budget (free outside one). */
export function charge(n: number, where: string): void {
  current.getStore()?.step(n, where);
}

/** Charges body characters to the running extraction's budget (free outside one). */
export function chargeText(n: number, where: string): void {
  current.getStore()?.text(n, where);
}
