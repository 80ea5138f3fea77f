/**
 * Compile-time assertions for the type tests in this folder (checked by `tsc -p tsconfig.tests.json`, in
 * `npm run lint`): `expect<Equal<A, B>>()` fails to compile unless A and B are the same type.
 */

/** `true` when A and B are identical types (not merely assignable either way), else `false`. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** `true` when T has a string index signature (any key reads as some type). */
export type HasStringIndex<T> = string extends keyof T ? true : false;

/** Compiles only when its type argument is `true`. Does nothing at runtime. */
export function expect<_T extends true>(): void {}
