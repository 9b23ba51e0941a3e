// The database's input bounds that the client checks before a round trip, in one place. The SQL
// functions enforce them (22023 past them); client/test/bounds.test.ts checks every one against the
// database, so the two cannot drift apart.
export const BOUNDS = {
  /** One recorded value (_metric_problem). */
  maxValue: 1e12,
  /** An event's metadata, in bytes of its JSON text (_metric_problem). */
  maxMetadataBytes: 4096,
  /** Events in one record_sms_events call. */
  maxBatchEvents: 100_000,
  /** api_alerts p_limit. */
  alertsLimit: { min: 1, max: 200 },
} as const;

/** The client's own bound (notifications() reads the outbox table itself): at most this many rows. */
export const NOTIFICATIONS_LIMIT = { min: 1, max: 1000 } as const;
