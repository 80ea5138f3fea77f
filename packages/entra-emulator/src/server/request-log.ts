import type { EmulatorClock } from "../clock.js";
import type { Listener } from "../http.js";
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
  route: string | null;
  status: number | null;
  listener: Listener;
}

/** The requests the emulator answered, oldest first; the handler fills in route, form and status as it goes. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  #nextId = 1;

  constructor(private readonly clock: EmulatorClock) {}

  /** An entry for a request; only `logged` ones are kept (control requests are numbered but not logged). */
  start(head: RequestHead, logged: boolean): RequestLogEntry {
    const { method, path, query, headers, listener } = head;
    const time = new Date(this.clock.nowMs()).toISOString();
    const entry: RequestLogEntry = {
      id: this.#nextId++,
      time,
      method,
      path,
      query,
      headers,
      form: {},
      route: null,
      status: null,
      listener,
    };
    if (logged) this.#entries.push(entry);
    return entry;
  }

  /** The live entries (the control API serialises them). */
  entries(): RequestLogEntry[] {
    return this.#entries;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
