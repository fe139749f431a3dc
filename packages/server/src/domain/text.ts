/**
 * Characters no name or logged text may hold: control characters (C0, DEL, C1) would corrupt
 * statements, logs and terminals, and bidi controls would reorder what a console shows after them.
 */
export const CONTROL_OR_BIDI = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
export const CONTROL_OR_BIDI_ALL = new RegExp(CONTROL_OR_BIDI.source, 'gu');
