/**
 * String order as Python sorts: by Unicode code point. The cache `target` and the scope lists the library
 * sends are sorted this way (docs/msal-python-compatibility.md section 3.4).
 */
const SURROGATE = /[\ud800-\udfff]/;

/** Compares strings by Unicode code point (Python's default string order). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals code-point order unless a surrogate pair is involved (rare in scopes).
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}
