/**
 * A length of time in words, whole minutes ("2 h 5 min", "under a minute"), as the CLI and the
 * operator console say how new a payout's account was at its request (domain/payout.ts).
 */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes === 0) return 'under a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A count of hours as typed ("1", "24"), in words: "1 hour", "24 hours" (a key roll's overlap). */
export function hoursWords(hours: string): string {
  return hours === '1' ? '1 hour' : `${hours} hours`;
}
