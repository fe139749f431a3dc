/** Who is signed in to /admin. */
export interface SignedInOperator {
  readonly operatorName: string;
  /** The platform's time zone, which every time in the console is in. */
  readonly timeZone: string;
}
