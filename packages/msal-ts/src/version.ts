/** The library version, sent as `x-client-ver`. Kept in step with package.json by a unit test. */
export const VERSION = "0.1.0";
