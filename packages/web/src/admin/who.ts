/** Who is signed in to /admin. */
export interface SignedInOperator {
  readonly operatorName: string;
}
