/**
 * Property tests of the loopback listener (`startLoopbackListener`) over real HTTP to 127.0.0.1: arbitrary
 * authorization responses as a query (GET) or a form_post body (POST), with well-formed, percent-encoded,
 * malformed (`%zz`, lone `%`, invalid UTF-8) and repeated parameters, other content types and methods.
 *
 * The expected parameters come from the WHATWG application/x-www-form-urlencoded parser (URLSearchParams,
 * first value of a repeated key). For every request the listener answers; a response with `code` or
 * `error` and the waiting state resolves the wait with exactly those parameters and a page in which every
 * echoed value is HTML-escaped; any other state is answered with the mismatch page and keeps waiting.
 *
 * 10,000 runs over keep-alive sockets take a few seconds, so this family keeps the floor.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startLoopbackListener, type AuthResponse, type LoopbackListener } from "../../src/loopback/listener.ts";
import { PARAMS } from "./support.ts";

/** Templates that echo every substitutable value, plus text that must stay literal. */
const SUCCESS_TEMPLATE = "S|$error|${error_description}|$error_uri|$errorx|${error}|$$error_uri_";
const ERROR_TEMPLATE = "E|$error|${error_description}|$error_uri";

/** HTML escaping as the listener promises it (the five characters of HTML's attribute and text contexts). */
function escape(value: string | undefined): string {
  return (value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function expectedPage(template: string, p: AuthResponse): string {
  if (template === ERROR_TEMPLATE) return `E|${escape(p.error)}|${escape(p.error_description)}|${escape(p.error_uri)}`;
  // `$errorx` and `$error_uri_` are not placeholders: a name followed by a word character stays literal.
  return `S|${escape(p.error)}|${escape(p.error_description)}|${escape(p.error_uri)}|$errorx|${escape(p.error)}|$$error_uri_`;
}

/** First value of each key, as the WHATWG parser reads the raw text. */
function firstValues(text: string): AuthResponse {
  const out: AuthResponse = {};
  for (const [k, v] of new URLSearchParams(text))
    if (!Object.hasOwn(out, k))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

const KEYS = [
  "code",
  "state",
  "error",
  "error_description",
  "error_uri",
  "client_info",
  "session_state",
  "__proto__",
  "constructor",
  "hasOwnProperty",
  "code ",
  "Code",
  "st%61te",
];

/** Junk that is not a key=value pair, or is a malformed escape. */
const junk = fc.constantFrom(
  "",
  "&",
  "&&",
  "=",
  "==",
  "%",
  "%zz",
  "%e9",
  "%C3",
  "%C3%28",
  "%ED%A0%80",
  "+",
  "%2B",
  "a=b=c",
  "%00",
  ";",
  "code",
  "error",
);

const STATE_KINDS = ["waiting", "waiting", "waiting", "other", "none", "prefix", "upper"] as const;

interface Pair {
  key: string;
  /** A literal value, or a stand-in for the state of the wait at the time of the request. */
  value: string | { state: (typeof STATE_KINDS)[number] };
}

const value = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "the-code",
      "access_denied",
      "<script>alert(1)</script>",
      "\"'&<>",
      "$error",
      "${error_uri}",
      "a&b=c",
      "é✓💥",
      " ",
    ),
  },
);

const pair: fc.Arbitrary<Pair> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ key: fc.constantFrom(...KEYS), value }) },
  {
    weight: 2,
    arbitrary: fc.record({
      key: fc.constant("state"),
      value: fc.constantFrom(...STATE_KINDS).map((state) => ({ state })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ key: fc.string({ maxLength: 6 }), value }) },
);

/** Near-valid authorization responses: `code` or `error` (with its description) and the state, plus extras. */
const nearValidResponse: fc.Arbitrary<(Pair | string)[]> = fc
  .tuple(
    fc.oneof(
      fc.record({ key: fc.constant("code"), value }).map((p) => [p]),
      fc
        .tuple(
          fc.record({ key: fc.constant("error"), value }),
          fc.record({ key: fc.constantFrom("error_description", "error_uri"), value }),
        )
        .map((ps) => [...ps]),
    ),
    fc.constantFrom(...STATE_KINDS),
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: pair.map((p): Pair | string => p) },
        { weight: 1, arbitrary: junk.map((j): Pair | string => j) },
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
  )
  .map(([main, state, extras, extrasFirst]) => {
    const core: (Pair | string)[] = [...main, { key: "state", value: { state } }];
    return extrasFirst ? [...extras, ...core] : [...core, ...extras];
  });

const METHODS = ["GET", "GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE"] as const;
const FORM = "application/x-www-form-urlencoded";

const requestShape = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.constantFrom("/", "/", "/callback", "/favicon.ico", "//", "/?"),
  pairs: fc.oneof(
    { weight: 3, arbitrary: nearValidResponse },
    {
      weight: 2,
      arbitrary: fc.array(
        fc.oneof(
          { weight: 5, arbitrary: pair.map((p): Pair | string => p) },
          { weight: 1, arbitrary: junk.map((j): Pair | string => j) },
        ),
        { maxLength: 6 },
      ),
    },
  ),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constant(FORM) },
    fc.constantFrom(
      `${FORM}; charset=utf-8`,
      "Application/X-WWW-Form-Urlencoded",
      "text/plain",
      "application/json",
      "multipart/form-data; boundary=x",
      "",
    ),
  ),
  /** Encoding choices (indexes into `encoded`), one per key and per value. */
  encodings: fc.array(fc.nat(2), { minLength: 12, maxLength: 12 }),
});

function stateValue(kind: (typeof STATE_KINDS)[number], waiting: string): string {
  switch (kind) {
    case "waiting":
      return waiting;
    case "other":
      return "not-the-state";
    case "none":
      return "";
    case "prefix":
      return waiting.slice(0, -1);
    case "upper":
      return waiting.toUpperCase();
  }
}

/**
 * The raw text of the query or body: each key and value written as a browser does (form encoding), as
 * encodeURIComponent does, or raw (only what a request line cannot carry is percent-encoded, so `&`, `=`,
 * `+` and `%` in a value change the structure); junk as is.
 */
function rawText(pairs: (Pair | string)[], encodingsChosen: number[], waiting: string): string {
  let n = 0;
  const pick = (text: string): string => {
    const i = encodingsChosen[n++ % encodingsChosen.length] ?? 0;
    if (i === 0) return new URLSearchParams({ x: text }).toString().slice(2);
    if (i === 1) return encodeURIComponent(text);
    return text.replace(/[^\x21-\x7e]|#/gu, (c) => encodeURIComponent(c));
  };
  return pairs
    .map((p) => {
      if (typeof p === "string") return p;
      const v = typeof p.value === "string" ? p.value : stateValue(p.value.state, waiting);
      return `${pick(p.key)}=${pick(v)}`;
    })
    .join("&");
}

interface Reply {
  status: number;
  body: string;
}

/**
 * Turns a hang into a failure that names what hung (a generous bound, not a timing assertion: a healthy
 * exchange on loopback takes well under a millisecond).
 */
function unlessHung<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms: ${what}`)), HANG_MS);
  });
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

const HANG_MS = 10_000;

function send(
  port: number,
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Reply> {
  return unlessHung(
    sendOnce(port, agent, method, path, headers, body),
    `${method} ${path} ${JSON.stringify(headers)} ${body === undefined ? "" : JSON.stringify(body.toString("latin1"))}`,
  );
}

function sendOnce(
  port: number,
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The wait being served
// ---------------------------------------------------------------------------------------------------------

class Waiting {
  readonly state: string;
  readonly promise: Promise<AuthResponse>;
  settled: { value: AuthResponse } | { error: unknown } | undefined;

  constructor(listener: LoopbackListener, n: number) {
    // Non-ASCII and reserved characters: the state must survive percent-encoding both ways.
    this.state = `st-${n}-é✓&=+%`;
    this.promise = listener.waitForResponse({ state: this.state });
    this.promise.then(
      (value) => (this.settled = { value }),
      (error: unknown) => (this.settled = { error }),
    );
  }
}

describe("property: loopback listener (query and form_post responses over real HTTP)", () => {
  let listener: LoopbackListener;
  let agent: Agent;
  before(async () => {
    listener = await startLoopbackListener({ successPage: SUCCESS_TEMPLATE, errorPage: ERROR_TEMPLATE });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });
  after(async () => {
    agent.destroy();
    await listener.close();
  });

  it("answers every request; resolves the wait exactly for code/error with the waiting state; escapes what it echoes", async () => {
    let n = 0;
    let waiting = new Waiting(listener, n);
    await fc.assert(
      fc.asyncProperty(requestShape, fc.boolean(), async (shape, invalidUtf8) => {
        const text = rawText(shape.pairs, shape.encodings, waiting.state);
        let reply: Reply;
        let params: AuthResponse | undefined;
        if (shape.method === "POST") {
          // A form_post body; sometimes with bytes that are not UTF-8 (decoded as U+FFFD).
          const body = invalidUtf8
            ? Buffer.concat([Buffer.from(text), Buffer.from([0x26, 0x78, 0x3d, 0xc3, 0x28, 0xff])])
            : Buffer.from(text);
          reply = await send(
            listener.port,
            agent,
            "POST",
            shape.path,
            { "Content-Type": shape.contentType, "Content-Length": String(body.length) },
            body,
          );
          if (shape.contentType.split(";")[0]?.trim().toLowerCase() === FORM)
            params = firstValues(body.toString("utf8"));
          else assert.equal(reply.status, 415, "a body that is not a form is refused");
        } else {
          const path = text === "" ? shape.path : `${shape.path}${shape.path.includes("?") ? "&" : "?"}${text}`;
          reply = await send(listener.port, agent, shape.method, path, {});
          if (shape.method === "GET") params = firstValues(path.slice(path.indexOf("?") + 1 || path.length));
          else if (shape.method === "HEAD") assert.equal(reply.status, 200);
          else assert.equal(reply.status, 405);
        }
        if (
          params !== undefined &&
          (params.code !== undefined || params.error !== undefined) &&
          params.state === waiting.state
        ) {
          assert.equal(reply.status, 200);
          const served = waiting;
          // A new wait first: without one, later responses would be held (and their sockets with them).
          waiting = new Waiting(listener, ++n);
          const got = await unlessHung(served.promise, `the wait for parameters ${JSON.stringify(params)}`);
          assert.deepStrictEqual(
            { ...got },
            { ...params },
            "the wait resolves with exactly the first value of each parameter",
          );
          assert.equal(reply.body, expectedPage(params.code === undefined ? ERROR_TEMPLATE : SUCCESS_TEMPLATE, params));
          return;
        }
        if (params !== undefined && params.code === undefined && params.error === undefined) {
          assert.equal(reply.status, shape.path === "/favicon.ico" ? 404 : 200);
          assert.ok(!reply.body.includes("<script>"), "the neutral page echoes nothing");
        } else if (params !== undefined) {
          assert.equal(reply.status, 200);
          assert.match(reply.body, /State mismatch/);
        }
        // The wait would resolve when the page is flushed, before the client has read it: give it a turn.
        await new Promise((resolve) => setImmediate(resolve));
        const unexpected = waiting.settled;
        if (unexpected !== undefined) {
          waiting = new Waiting(listener, ++n);
          assert.fail(
            `this request resolved the wait, expected parameters ${JSON.stringify(params)}: ${JSON.stringify(unexpected)}`,
          );
        }
      }),
      PARAMS,
    );
  });
});
