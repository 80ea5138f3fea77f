import { decodeBase64UrlText } from "./encoding.js";
import { parseJsonObject } from "../util/json.js";

/** The `uid` and `utid` of Entra's `client_info` (base64url JSON; padding optional). */
export interface ClientInfo {
  uid: string;
  utid: string;
}

/**
 * Decodes `client_info`. Returns null for anything that is not base64url JSON carrying string `uid` and
 * `utid`: a malformed value from the server must not break a token response.
 */
export function decodeClientInfo(value: unknown): ClientInfo | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 8192) return null;
  const text = decodeBase64UrlText(value);
  if (text === null) return null;
  const json = parseJsonObject(text);
  if (!json || typeof json.uid !== "string" || typeof json.utid !== "string") return null;
  if (json.uid === "" || json.utid === "") return null;
  return { uid: json.uid, utid: json.utid };
}
