/**
 * The one form every time is kept in: ISO-8601 UTC with milliseconds (`2026-11-24T21:40:00.000Z`), so times
 * compare correctly as strings and two docs written in the same second still have an order.
 */
export function isoTime(t: Date | number | string = Date.now()): string {
  return (t instanceof Date ? t : new Date(t)).toISOString();
}
