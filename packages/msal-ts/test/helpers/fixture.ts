/** The MSAL Python 1.31 wire fixture (see test/fixtures/README.md). */
import { readFileSync } from "node:fs";

export interface FixtureRequest {
  method: "GET" | "POST";
  url: string;
  params: Record<string, string> | null;
  headers: Record<string, string>;
  data: Record<string, string | number> | null;
  _decoded_assertion?: unknown;
}

interface Fixture {
  _inputs: Record<string, Record<string, unknown>> & {
    _common: { canned_responses: Record<string, { status?: number; body: Record<string, unknown> }> };
  };
  requests: Array<{ section: string } | FixtureRequest>;
  out: Record<string, unknown>;
}

export const fixture: Fixture = JSON.parse(
  readFileSync(new URL("../fixtures/msal-python-1.31-wire.json", import.meta.url), "utf8"),
);

/** The captured requests of one section, in order. */
export function sectionRequests(section: string): FixtureRequest[] {
  const out: FixtureRequest[] = [];
  let current: string | undefined;
  for (const r of fixture.requests) {
    if ("section" in r) current = r.section;
    else if (current === section) out.push(r);
  }
  return out;
}

/** The capture time of the fixture's cache dumps (epoch seconds). */
export const FIXTURE_NOW = 1795565806;
