import { InvalidArgumentError } from "../errors.js";
import { popUrl } from "./pop-key.js";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
export type PopHttpMethod = (typeof METHODS)[number];

/**
 * Asks for a Proof-of-Possession token bound to this application's key, presented to the resource as a
 * Signed HTTP Request for exactly this method, URL and nonce (the resource's challenge).
 *
 * @example
 * ```ts
 * const scheme = new PopAuthScheme({ httpMethod: PopAuthScheme.HTTP_GET, url: "https://api.example.com/orders", nonce });
 * const r = await app.acquireTokenForClient(["api://orders/.default"], { authScheme: scheme });
 * await fetch("https://api.example.com/orders", { headers: { Authorization: `PoP ${r.access_token}` } });
 * ```
 */
export class PopAuthScheme {
  static readonly HTTP_GET = "GET";
  static readonly HTTP_POST = "POST";
  static readonly HTTP_PUT = "PUT";
  static readonly HTTP_DELETE = "DELETE";
  static readonly HTTP_PATCH = "PATCH";

  readonly httpMethod: PopHttpMethod;
  readonly url: URL;
  readonly nonce: string;

  /** @throws InvalidArgumentError for a missing value, an unknown method, or a URL that is not absolute http(s). */
  constructor(o: { httpMethod: PopHttpMethod; url: string; nonce: string }) {
    if (!o || !o.httpMethod || !o.url || !o.nonce)
      throw new InvalidArgumentError("All httpMethod, url and nonce are required parameters.");
    if (!(METHODS as readonly string[]).includes(o.httpMethod)) {
      throw new InvalidArgumentError(`httpMethod must be one of ${METHODS.join(", ")} (upper case).`);
    }
    if (typeof o.nonce !== "string")
      throw new InvalidArgumentError("nonce must be the string the resource sent in its PoP challenge.");
    this.httpMethod = o.httpMethod;
    this.url = popUrl(o.url);
    this.nonce = o.nonce;
  }
}
