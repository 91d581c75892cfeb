export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (at least 1). */
  failures: number;
  /** How long an open breaker refuses requests before letting one trial through, in ms. */
  cooldownMs: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

/**
 * Per-endpoint circuit breaker: closed → open after `failures` consecutive failures → half-open once
 * `cooldownMs` have passed, which admits exactly one trial request; the trial's success closes the
 * breaker, its failure opens it for another cooldown. Every admitted request must end in exactly one of
 * `recordSuccess`, `recordFailure` or `release` (the request ended without telling anything, e.g. the
 * caller cancelled it), so that a half-open trial slot is never lost.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether a request may go now; in half-open this takes the single trial slot. */
  tryAcquire(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.state = 'half-open';
      this.trialInFlight = false;
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Whether `tryAcquire` would admit a request now, without taking a slot. */
  wouldAllow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return this.now() - this.openedAt >= this.options.cooldownMs;
    return !this.trialInFlight;
  }

  recordSuccess(): void {
    this.state = 'closed';
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    this.trialInFlight = false;
    if (this.state === 'half-open' || this.consecutiveFailures >= this.options.failures) {
      this.state = 'open';
      this.openedAt = this.now();
    }
  }

  release(): void {
    this.trialInFlight = false;
  }

  status(): { state: BreakerState; consecutiveFailures: number; retryAt?: number } {
    const state = this.state === 'open' && this.wouldAllow() ? 'half-open' : this.state;
    return state === 'open'
      ? { state, consecutiveFailures: this.consecutiveFailures, retryAt: this.openedAt + this.options.cooldownMs }
      : { state, consecutiveFailures: this.consecutiveFailures };
  }
}
