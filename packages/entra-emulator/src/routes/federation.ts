import type { EmulatorContext } from "../context.js";
import { ADFS_TRUST, mexDocument } from "../federation/mex.js";
import { wsTrustIssue } from "../federation/wstrust.js";
import type { Router } from "../server/router.js";

/**
 * The federation server federated users sign in with (what the user realm names for them): its metadata
 * exchange document and its two WS-Trust username/password endpoints, at ADFS's paths.
 */
export function registerFederationRoutes(router: Router, ctx: EmulatorContext): void {
  router.add({
    id: "mex",
    methods: ["GET"],
    path: `${ADFS_TRUST}/mex`,
    listener: "https",
    handler: (req) => ({
      status: 200,
      headers: { "content-type": "application/soap+xml; charset=utf-8" },
      body: mexDocument(req.origin),
    }),
  });
  router.add({
    id: "wstrust",
    methods: ["POST"],
    path: `${ADFS_TRUST}/13/usernamemixed`,
    listener: "https",
    handler: (req) => wsTrustIssue(ctx, req, "13"),
  });
  router.add({
    id: "wstrust",
    methods: ["POST"],
    path: `${ADFS_TRUST}/2005/usernamemixed`,
    listener: "https",
    handler: (req) => wsTrustIssue(ctx, req, "2005"),
  });
}
