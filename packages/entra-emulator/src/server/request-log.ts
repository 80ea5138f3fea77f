import type { EmulatorClock } from "../clock.js";
import { EmulatorConfigError } from "../config.js";
import type { Listener } from "../http.js";
import { EntryBudget, maskRecord } from "./log-masking.js";
import type { RequestHead } from "./parse.js";

/** One entry of the request log (`GET /_emulator/requests`). */
export interface RequestLogEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  form: Record<string, string>;
  /**
   * For a SOAP request (the federation server's WS-Trust endpoints): what its envelope says, e.g. `action`,
   * `username`, `password` (masked like a form's), `applies_to`, `request_type`, `key_type`.
   */
  soap?: Record<string, string>;
  route: string | null;
  status: number | null;
  listener: Listener;
  /** Present (true) when a value was cut or fields were dropped to keep the entry within its size cap. */
  truncated?: true;
}

/** How much the request log keeps, and whether it masks secrets (start options of the same names). */
export interface RequestLogOptions {
  /** Most entries kept (default 1000); the oldest are dropped first. */
  requestLogLimit?: number;
  /** Most bytes kept, counted as the entries' JSON (default 8 MiB); the oldest are dropped first. */
  requestLogBytes?: number;
  /** Keep secret values (passwords, client secrets, assertions, codes, tokens) as sent; default: masked. */
  rawRequestLog?: boolean;
}

/** Room for `route` and `status`, filled in after the entry's size was counted. */
const LATE_FIELDS_BYTES = 64;

function sizeOption(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new EmulatorConfigError(`${name}: expected an integer >= 0`);
  return value;
}

/**
 * The requests the emulator answered, oldest first; the handler fills in route, form and status as it goes.
 * Bounded by count and by bytes (oldest dropped first), each entry capped in size, secrets masked unless raw.
 */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #sizes = new Map<RequestLogEntry, number>();
  #bytes = 0;
  #nextId = 1;
  readonly #limit: number;
  readonly #maxBytes: number;
  readonly #raw: boolean;
  readonly #budgets = new WeakMap<RequestLogEntry, EntryBudget>();

  constructor(
    private readonly clock: EmulatorClock,
    options: RequestLogOptions = {},
  ) {
    this.#limit = sizeOption(options.requestLogLimit, "requestLogLimit", 1000);
    this.#maxBytes = sizeOption(options.requestLogBytes, "requestLogBytes", 8 * 1024 * 1024);
    this.#raw = options.rawRequestLog === true;
  }

  /** An entry for a request; only `logged` ones are kept (control requests are numbered but not logged). */
  start(head: RequestHead, logged: boolean): RequestLogEntry {
    const { method, listener } = head;
    const budget = new EntryBudget();
    const time = new Date(this.clock.nowMs()).toISOString();
    const entry: RequestLogEntry = {
      id: this.#nextId++,
      time,
      method: budget.take(method),
      path: budget.take(head.path),
      query: budget.record(maskRecord(head.query, "fields", this.#raw)),
      headers: budget.record(maskRecord(head.headers, "headers", this.#raw)),
      form: {},
      route: null,
      status: null,
      listener,
    };
    this.#budgets.set(entry, budget);
    if (budget.truncated) entry.truncated = true;
    if (logged) {
      this.#entries.push(entry);
      this.#account(entry);
    }
    return entry;
  }

  /** Records the form fields of a request's body (masked and capped like the rest of its entry). */
  recordForm(entry: RequestLogEntry, form: Record<string, string>): void {
    const budget = this.#budgets.get(entry) ?? new EntryBudget();
    entry.form = budget.record(maskRecord(form, "fields", this.#raw));
    if (budget.truncated) entry.truncated = true;
    if (this.#sizes.has(entry)) this.#account(entry);
  }

  /** Records what a SOAP request's envelope says (masked and capped like the rest of its entry). */
  recordSoap(entry: RequestLogEntry, fields: Record<string, string>): void {
    const budget = this.#budgets.get(entry) ?? new EntryBudget();
    entry.soap = budget.record(maskRecord(fields, "fields", this.#raw));
    if (budget.truncated) entry.truncated = true;
    if (this.#sizes.has(entry)) this.#account(entry);
  }

  /** Counts an entry's size (again, after a change) and drops the oldest entries beyond the bounds. */
  #account(entry: RequestLogEntry): void {
    const size = Buffer.byteLength(JSON.stringify(entry)) + LATE_FIELDS_BYTES;
    this.#bytes += size - (this.#sizes.get(entry) ?? 0);
    this.#sizes.set(entry, size);
    while (this.#entries.length > 0 && (this.#entries.length > this.#limit || this.#bytes > this.#maxBytes)) {
      const oldest = this.#entries.shift() as RequestLogEntry;
      this.#bytes -= this.#sizes.get(oldest) ?? 0;
      this.#sizes.delete(oldest);
    }
  }

  /** The live entries (the control API serialises them). */
  entries(): RequestLogEntry[] {
    return this.#entries;
  }

  clear(): void {
    this.#entries.length = 0;
    this.#sizes.clear();
    this.#bytes = 0;
  }
}
