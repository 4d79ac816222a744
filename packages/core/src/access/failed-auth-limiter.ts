/**
 * Slows down guessing: after `limit` failed authentications from one address within `windowMs`,
 * further failures from it are answered 429 until the window moves on. Successes are never limited.
 * Kept per process: it protects each node, and needs no store round trip.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit = 20, private readonly windowMs = 60_000) {}

  /** Records a failure; returns the seconds to wait if the address is now over the limit, else 0. */
  fail(address: string, now: number): number {
    const recent = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    recent.push(now);
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.sweep(now);
    return recent.length > this.limit ? Math.ceil((recent[0]! + this.windowMs - now) / 1000) : 0;
  }

  private sweep(now: number): void {
    for (const [address, times] of this.failures) if (times.every((t) => t <= now - this.windowMs)) this.failures.delete(address);
  }
}
