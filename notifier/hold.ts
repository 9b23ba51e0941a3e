// A provider's Retry-After, held per channel: while it runs, no row of the channel is sent. The one
// hold of a channel, shared by the channel (Slack's pacer voids the slots reserved before a 429) and
// the drain (a row claimed meanwhile is deferred, untried and not counted, until it ends).

export class RetryAfterHold {
  private until = 0;

  /** Holds the channel back until `untilEpochMs` (a later hold wins; an earlier one changes nothing). */
  extend(untilEpochMs: number): void {
    this.until = Math.max(this.until, untilEpochMs);
  }

  /** Milliseconds the hold still runs (0 when none). */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.until - now);
  }

  /** True while the hold runs. */
  active(now = Date.now()): boolean {
    return now < this.until;
  }
}
