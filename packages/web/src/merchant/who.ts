/** Who is signed in to /merchant, as the session and sign-in answer it. */
export interface MerchantUser {
  readonly mchId: string;
  readonly userName: string;
  readonly role: 'owner' | 'cashier';
  readonly merchantName: string | null;
  /** The platform's time zone, which every time and day in the console is in. */
  readonly timeZone: string;
}
