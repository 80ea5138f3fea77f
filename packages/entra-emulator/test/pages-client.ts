/** A tiny browser for the emulator's HTML pages: keeps cookies, submits their forms. */
import assert from "node:assert/strict";
import type { Emulator } from "../src/index.js";
import { DEMO, call, type Reply } from "./helpers.js";

export class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly emulator: Emulator) {}
  async get(path: string): Promise<Reply> {
    return this.keep(await call(this.emulator, "GET", path, { headers: this.header() }));
  }
  async post(path: string, form: Record<string, string>): Promise<Reply> {
    return this.keep(await call(this.emulator, "POST", path, { form, headers: this.header() }));
  }
  /** Submits the form of `page` that has the given hidden field values, plus `fields`. */
  async submit(page: Reply, fields: Record<string, string>, pick?: Record<string, string>): Promise<Reply> {
    const forms = [...page.text.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/gs)];
    const chosen = forms.find((f) =>
      Object.entries(pick ?? {}).every(([k, v]) => (f[2] ?? "").includes(`name="${k}" value="${v}"`)),
    );
    assert.ok(chosen, `no matching form in page:\n${page.text}`);
    const hidden = Object.fromEntries(
      [...(chosen[2] ?? "").matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    return this.post(chosen[1] as string, { ...hidden, ...fields });
  }
  private header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }
  private keep(r: Reply): Reply {
    const set = r.headers["set-cookie"];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = c.split(";");
      const [k, v] = (pair ?? "").split("=");
      if (k && v) this.cookies.set(k, v);
    }
    return r;
  }
}

export function authorizePath(q: Record<string, string>): string {
  return `/${DEMO.tenant}/oauth2/v2.0/authorize?${new URLSearchParams(q)}`;
}
