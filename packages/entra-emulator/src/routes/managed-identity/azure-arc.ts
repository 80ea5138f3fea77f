/**
 * Azure Arc's HIMDS agent: the IMDS token protocol behind a file-based challenge, for the system-assigned identity
 * only. The pending challenge secrets are kept per emulator context.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { perContext, type EmulatorContext } from "../../context.js";
import { json, type EmuRequest, type EmuResponse } from "../../http.js";
import { hasMetadataHeader, isProblem, methodProblem, mintForIdentity, parseTokenRequest, problem } from "./common.js";
import { IMDS_TOKEN_PATH, imdsError, imdsTokenBody } from "./imds.js";

/**
 * Azure Arc: HIMDS serves the same path as IMDS on `localhost:40342`; the emulator moves it under `/azurearc` so
 * that both can live on one listener.
 */
export const AZURE_ARC_PATH = `/azurearc${IMDS_TOKEN_PATH}`;

/** Most Arc challenge secrets kept waiting at once; the oldest are dropped (and their files removed) beyond this. */
const MAX_PENDING_ARC_SECRETS = 256;

/** Per-context state of the Azure Arc challenge: issued secret -> path of the key file holding it. */
const pendingArcSecrets = perContext<string>();

// ---------------------------------------------------------------------------------------------------------------
// 6. Azure Arc HIMDS (api-version 2020-06-01): the IMDS protocol plus a file-based challenge. The first GET is
//    answered 401 with `WWW-Authenticate: Basic realm=<path of a .key file>`; only a local process can read that
//    file, and it repeats the GET with `Authorization: Basic <file content>`. System-assigned identity only.
// ---------------------------------------------------------------------------------------------------------------

function issueArcChallenge(ctx: EmulatorContext): EmuResponse {
  const secret = randomBytes(32).toString("hex");
  const dir = resolve(ctx.arcKeyDir);
  const file = join(dir, `${randomBytes(16).toString("hex")}.key`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
  } catch (e) {
    return imdsError(
      problem(500, "server_error", "InternalError", `Could not write the challenge key file: ${(e as Error).message}`),
    );
  }
  const pending = pendingArcSecrets(ctx);
  pending.set(secret, file);
  while (pending.size > MAX_PENDING_ARC_SECRETS) {
    const oldest = pending.entries().next().value;
    if (!oldest) break;
    pending.delete(oldest[0]);
    rmSync(oldest[1], { force: true });
  }
  return json(
    401,
    {
      error: "unauthorized_client",
      error_description: "Send the content of the file named in WWW-Authenticate as Basic credentials.",
    },
    { "www-authenticate": `Basic realm=${file}` },
  );
}

export function handleAzureArc(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const bad = methodProblem(req, "GET");
  if (bad) return imdsError(bad);
  if (!hasMetadataHeader(req)) {
    return imdsError(problem(400, "invalid_request", "BadRequest", "Required metadata header not specified"));
  }
  const userAssigned = ["client_id", "object_id", "msi_res_id", "mi_res_id", "clientid"].find((n) => n in req.query);
  if (userAssigned !== undefined) {
    return imdsError(
      problem(
        400,
        "invalid_request",
        "InvalidParameter",
        `Azure Arc supports only the system-assigned managed identity; '${userAssigned}' is not supported`,
      ),
    );
  }
  const parsed = parseTokenRequest(ctx, req, { idParams: {}, foreignParams: {} });
  if (isProblem(parsed)) return imdsError(parsed);

  const authorization = req.headers.authorization;
  if (authorization === undefined) return issueArcChallenge(ctx);
  const match = /^basic\s+(\S+)\s*$/i.exec(authorization);
  const pending = pendingArcSecrets(ctx);
  const file = match?.[1] !== undefined ? pending.get(match[1]) : undefined;
  if (match?.[1] === undefined || file === undefined) {
    return imdsError(
      problem(
        401,
        "invalid_request",
        "Unauthorized",
        "The Authorization header does not carry a valid secret; request a new challenge without Authorization.",
      ),
    );
  }
  // Each secret is good for one request: forget it and remove its key file.
  pending.delete(match[1]);
  rmSync(file, { force: true });
  const minted = mintForIdentity(ctx, parsed.identity, parsed.resource);
  return json(200, imdsTokenBody(parsed.identity, parsed.resource, minted));
}
