/** Midnight UTC of `now`'s day, as the ISO-8601 text the database's timestamps are written in. */
export function utcDayStart(now: Date): string {
  const day = new Date(now.getTime());
  day.setUTCHours(0, 0, 0, 0);
  return day.toISOString();
}
