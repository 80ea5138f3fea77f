/** Typed access to the fields a server adds beyond the documented ones (docs/api.md "Results and data shapes"). */

/**
 * Reads a field a server sent beyond the documented ones (results keep every field the identity provider
 * sent), as `unknown` to check before use. Only the object's own fields are read (never `toString` or
 * `__proto__` from its prototype); `undefined` when absent. Documented fields are better read directly:
 * they are typed.
 *
 * @example
 * ```ts
 * if ("access_token" in r) {
 *   const notBefore = readExtra(r, "not_before"); // unknown
 *   if (typeof notBefore === "string") console.log(notBefore);
 * }
 * ```
 */
export function readExtra(value: object, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}
