// The one duration grammar of sms-monitor (notifier settings, CLI options such as `silence --for`):
// "250ms", "5s", "2m", "1h", "1d", several units in that order ("1h30m", "1d12h"), decimals ("1.5s"),
// or a bare number of seconds ("30").

const UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const ORDER = ['d', 'h', 'm', 's', 'ms'] as const;
const PART = /(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/gy;

/** Milliseconds (rounded) for a duration, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return finite(Number(t) * 1000);
  if (t === '') return null;
  PART.lastIndex = 0;
  let ms = 0;
  let last = -1;
  let m: RegExpExecArray | null;
  while (PART.lastIndex < t.length) {
    m = PART.exec(t);
    if (!m) return null;
    const unit = m[2] as keyof typeof UNITS;
    const at = ORDER.indexOf(unit);
    if (at <= last) return null; // each unit once, largest first: "30m2h" is a typo, not 2.5 h
    last = at;
    ms += Number(m[1]) * UNITS[unit];
    while (t[PART.lastIndex] === ' ') PART.lastIndex++;
  }
  return finite(ms);
}

function finite(ms: number): number | null {
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** "1.5 s", "250 ms", "2 min": for messages that say what happens next. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
