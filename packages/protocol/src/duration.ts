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
