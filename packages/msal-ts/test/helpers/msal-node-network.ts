/**
 * A network module for @azure/msal-node that trusts a given CA (the emulator's), so msal-node can run
 * in-process against the emulator without touching NODE_EXTRA_CA_CERTS.
 */
import https from "node:https";
import type { INetworkModule, NetworkResponse } from "@azure/msal-node";

function send<T>(
  method: "GET" | "POST",
  url: string,
  ca: string,
  options?: { headers?: Record<string, string>; body?: string },
): Promise<NetworkResponse<T>> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: options?.headers, ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        let parsed: unknown;
        try {
          parsed = body === "" ? {} : JSON.parse(body);
        } catch {
          parsed = { raw: body };
        }
        resolve({ headers: res.headers as Record<string, string>, body: parsed as T, status: res.statusCode ?? 0 });
      });
    });
    req.on("error", reject);
    if (options?.body) req.write(options.body);
    req.end();
  });
}

export function msalNodeNetwork(ca: string): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: { headers?: Record<string, string> }) =>
      send<T>("GET", url, ca, options),
    sendPostRequestAsync: <T>(url: string, options?: { headers?: Record<string, string>; body?: string }) =>
      send<T>("POST", url, ca, options),
  };
}
