import { randomInt } from "node:crypto";
import { randomToken, type DeviceCodeRecord, type EmulatorContext } from "../context.js";
import { entraError, missingParameter, unknownApplication } from "../errors.js";
import { html, json, type EmuRequest, type EmuResponse } from "../http.js";
import type { Router } from "../server/router.js";
import { deviceCodeEntryPage, messagePage } from "../pages.js";
import { parseScopes } from "../scopes.js";
import { resolveTenantPath, userAllowed } from "../tenants.js";
import { beginTransaction, proceed, sessionOf, showSignIn } from "./sign-in.js";

/** Letters and digits that cannot be mistaken for each other when typed (no 0/O, 1/I/L). */
const USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

function newUserCode(): string {
  let code = "";
  for (let i = 0; i < 9; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

function findByUserCode(ctx: EmulatorContext, userCode: string): DeviceCodeRecord | undefined {
  const deviceCode = ctx.userCodes.get(userCode.trim().toUpperCase().replace(/[\s-]/g, ""));
  return deviceCode ? ctx.deviceCodes.get(deviceCode) : undefined;
}

function usable(ctx: EmulatorContext, userCode: string): DeviceCodeRecord {
  const record = findByUserCode(ctx, userCode);
  if (!record) throw entraError(70018, `Unknown user code '${userCode}'.`);
  if (record.status !== "pending") throw entraError(70018, `The code '${userCode}' was already used.`);
  if (ctx.clock.now() >= record.expiresAt) throw entraError(70019);
  return record;
}

/** Approves a pending device code as `username` (test-control API and `Emulator.approveDevice`). */
export function approveDeviceCode(ctx: EmulatorContext, userCode: string, username: string): void {
  const record = usable(ctx, userCode);
  const user = ctx.findUser(username);
  if (!user) throw entraError(50034, `The user account ${username} does not exist in the directory.`);
  if (!userAllowed(resolveTenantPath(ctx, record.tenantPath), user)) {
    throw entraError(50020, `User account does not exist in tenant '${record.tenantPath}'.`);
  }
  record.status = "approved";
  record.userOid = user.oid;
  record.authTime = ctx.clock.now();
  record.amr = user.mfaRequired ? ["pwd", "mfa"] : ["pwd"];
}

export function denyDeviceCode(ctx: EmulatorContext, userCode: string): void {
  usable(ctx, userCode).status = "declined";
}

/** `POST /{tenant}/oauth2/v2.0/devicecode` (RFC 8628 §3.1-3.2): a device code and a user code for the client. */
export function deviceAuthorization(
  ctx: EmulatorContext,
  req: EmuRequest,
  params: Record<string, string>,
): EmuResponse {
  const tenant = resolveTenantPath(ctx, params.tenant ?? "");
  if (!req.isForm) throw missingParameter("client_id");
  const clientId = req.form.client_id;
  if (!clientId) throw missingParameter("client_id");
  const app = ctx.findApp(clientId);
  if (!app) throw unknownApplication(clientId, tenant.path);
  const scope = req.form.scope;
  if (!scope) throw missingParameter("scope");
  parseScopes(ctx, scope, tenant.path);
  let userCode = newUserCode();
  while (ctx.userCodes.has(userCode)) userCode = newUserCode();
  const deviceCode = randomToken(48);
  const expiresIn = ctx.config.lifetimes.deviceCode;
  const interval = ctx.config.deviceCodeInterval;
  ctx.deviceCodes.set(deviceCode, {
    deviceCode,
    userCode,
    clientId: app.clientId,
    scope,
    tenantPath: tenant.path,
    status: "pending",
    expiresAt: ctx.clock.now() + expiresIn,
    interval,
  });
  ctx.userCodes.set(userCode, deviceCode);
  const verificationUri = `${req.origin}/devicelogin`;
  return json(200, {
    user_code: userCode,
    device_code: deviceCode,
    verification_uri: verificationUri,
    expires_in: expiresIn,
    interval,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  });
}

/** The device-login page: enter the code, then sign in and confirm (`GET`/`POST /devicelogin`). */
function deviceLogin(ctx: EmulatorContext, req: EmuRequest): EmuResponse | Promise<EmuResponse> {
  if (req.method === "GET") return html(200, deviceCodeEntryPage({ action: "/devicelogin" }));
  const code = req.form.otc ?? "";
  const record = findByUserCode(ctx, code);
  if (!record || record.status !== "pending" || ctx.clock.now() >= record.expiresAt) {
    return html(
      200,
      deviceCodeEntryPage({
        action: "/devicelogin",
        error: "That code didn't work. Check the code and try again. (AADSTS70018)",
      }),
    );
  }
  const app = ctx.findApp(record.clientId);
  const tenant = resolveTenantPath(ctx, record.tenantPath);
  const appName = app?.displayName ?? record.clientId;
  const txn = beginTransaction(ctx, {
    kind: "device",
    tenant,
    appName,
    scopes: [],
    needsConfirmation: () => true,
    confirmTitle: "Are you trying to sign in?",
    confirmQuestion:
      "Only continue if you downloaded the app from a store or website that you trust, and you started this sign-in on your device:",
    complete: (user, session) => {
      if (record.status !== "pending" || ctx.clock.now() >= record.expiresAt) {
        return html(
          400,
          messagePage("Code expired", "This code is no longer valid. Start again on your device.", true),
        );
      }
      record.status = "approved";
      record.userOid = user.oid;
      record.authTime = session.authTime;
      record.amr = session.amr;
      return html(
        200,
        messagePage(
          appName,
          `You have signed in to the ${appName} application on your device. You may now close this window.`,
        ),
      );
    },
    decline: () => {
      if (record.status === "pending") record.status = "declined";
      return html(200, messagePage("Sign-in cancelled", "You cancelled the sign-in. You may now close this window."));
    },
  });
  const current = sessionOf(ctx, req);
  const user = current ? ctx.userByOid(current.session.userOid) : undefined;
  if (current && user && userAllowed(tenant, user)) return proceed(ctx, txn, user, current.session);
  return showSignIn(txn);
}

/**
 * Device authorization (RFC 8628): `POST /{tenant}/oauth2/v2.0/devicecode` and the device-login pages where a
 * user enters the code, signs in and confirms.
 */
export function registerDeviceRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "devicecode",
    methods: ["POST"],
    path: "/:tenant/oauth2/v2.0/devicecode",
    listener: "https",
    handler: (req, params) => deviceAuthorization(ctx, req, params),
  });

  router.add({
    id: "devicelogin",
    methods: ["GET", "POST"],
    path: "/devicelogin",
    listener: "https",
    handler: (req) => deviceLogin(ctx, req),
  });
}
