/**
 * Workload identity federation: the client assertion is a JWT that the platform (Kubernetes with Azure
 * Workload Identity, GitHub Actions, ...) writes to a file and rotates. The file is read again for every
 * token request, so a rotated token is used as soon as it is written; a cached access token needs no read.
 */
import { InvalidArgumentError, MsalError } from "../errors.js";
import { readSmallFile, SmallFileProblem } from "../util/small-file.js";

/** The environment variable Azure Workload Identity sets to the path of the projected token file. */
export const FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE";

/**
 * A client credential read from a federated token file: a path, or `true` for the path in the
 * application's `AZURE_FEDERATED_TOKEN_FILE` environment variable.
 */
export interface FederatedTokenFileCredential {
  federatedTokenFile: string | true;
}

/** The spec-style spelling of {@link FederatedTokenFileCredential}, for JSON configuration. */
export interface FederatedTokenFileCredentialDict {
  federated_token_file: string | true;
}

/** Where the token comes from: the path, and how the caller named it (for messages). */
export interface FederatedTokenSource {
  path: string;
  /** `clientCredential.federatedTokenFile` or `AZURE_FEDERATED_TOKEN_FILE`. */
  namedBy: string;
}

/**
 * The file a `federatedTokenFile` value names.
 *
 * @throws InvalidArgumentError when the value is neither a path nor `true`, or `true` with the variable unset.
 */
export function federatedTokenSource(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): FederatedTokenSource {
  if (value === true) {
    const path = env[FEDERATED_TOKEN_FILE_ENV];
    if (path === undefined || path.trim() === "")
      throw new InvalidArgumentError(
        `clientCredential { federatedTokenFile: true } reads the token file named by ${FEDERATED_TOKEN_FILE_ENV}, ` +
          "which is not set: set it (Azure Workload Identity does) or pass the path as federatedTokenFile.",
      );
    return { path, namedBy: FEDERATED_TOKEN_FILE_ENV };
  }
  if (typeof value !== "string" || value.trim() === "")
    throw new InvalidArgumentError(
      `clientCredential.federatedTokenFile must be the path of the federated token file, or true to use ${FEDERATED_TOKEN_FILE_ENV}.`,
    );
  return { path: value, namedBy: "clientCredential.federatedTokenFile" };
}

/** Largest token file read: projected service-account tokens are about 1 KB; a larger file is not one. */
const MAX_TOKEN_BYTES = 64 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function fileError(source: FederatedTokenSource, problem: string): MsalError {
  return new MsalError(
    "federated_token_file_error",
    `The federated token file ${source.path} (named by ${source.namedBy}) ${problem}. ` +
      "Check the workload identity set-up (the projected service account token, or the CI's OIDC token).",
  );
}

/**
 * Reads the current token of the file: surrounding whitespace (an `echo`'s newline) is dropped. Opened
 * without blocking (a FIFO does not hang the request) and read up to 64 KiB (a device cannot fill memory).
 * Messages name the file and the failure, never its content.
 *
 * @throws MsalError (`federated_token_file_error`) for a missing, unreadable, empty or non-JWT file.
 */
export async function readFederatedToken(source: FederatedTokenSource): Promise<string> {
  let text: string;
  try {
    text = (await readSmallFile(source.path, { maxBytes: MAX_TOKEN_BYTES })).trim();
  } catch (e) {
    if (!(e instanceof SmallFileProblem)) throw e;
    if (e.problem === "cannot-open") throw fileError(source, `cannot be opened (${e.code ?? "unreadable"})`);
    if (e.problem === "not-a-file") throw fileError(source, "is not a regular file");
    if (e.problem === "too-large") throw fileError(source, `is larger than ${MAX_TOKEN_BYTES} bytes`);
    throw fileError(source, `cannot be read (${e.code ?? "unreadable"})`);
  }
  if (text === "") throw fileError(source, "is empty");
  if (!COMPACT_JWS.test(text)) throw fileError(source, "does not hold a JWT (three base64url parts)");
  return text;
}
