import type { EmulatorContext } from "./context.js";
import type { NormalizedApp } from "./config.js";
import { entraError } from "./errors.js";

export const OIDC_SCOPES = ["openid", "profile", "offline_access", "email"] as const;
const GRAPH = "https://graph.microsoft.com";

/** The resource a set of scopes targets, and how it appears in tokens. */
export interface ResolvedResource {
  /** The resource identifier as the client wrote it (`https://graph.microsoft.com`, `api://orders`). */
  resource: string;
  /**
   * Token audience: for a v2 resource the API app's client id; for a v1 resource (and resources outside the
   * directory) the resource as the client wrote it.
   */
  audience: string;
  /** Access-token version: the API app's `accessTokenVersion`; 2 for resources outside the directory. */
  version: 1 | 2;
  /** The emulated API app, when the resource is one. */
  app?: NormalizedApp;
  /** Scope names without the resource prefix (`User.Read`, `.default`). */
  names: string[];
  /** The full scope strings as requested, for the `scope` echo. */
  full: string[];
}

export interface ParsedScopes {
  oidc: Set<string>;
  resources: ResolvedResource[];
}

function splitScope(scope: string): { resource: string; name: string } {
  const slash = scope.lastIndexOf("/");
  if (slash < 0) {
    // A bare scope name means Microsoft Graph, as in Entra (`User.Read` == `https://graph.microsoft.com/User.Read`).
    return { resource: GRAPH, name: scope };
  }
  return { resource: scope.slice(0, slash), name: scope.slice(slash + 1) };
}

/** The emulated app a resource identifier names: `api://{clientId}`, `{clientId}` or an identifier URI. */
export function findResourceApp(ctx: EmulatorContext, resource: string): NormalizedApp | undefined {
  const r = resource.toLowerCase().replace(/\/+$/, "");
  return ctx.config.apps.find((a) => {
    const id = a.clientId.toLowerCase();
    return (
      r === id || r === `api://${id}` || (a.identifierUris ?? []).some((u) => u.toLowerCase().replace(/\/+$/, "") === r)
    );
  });
}

/**
 * Splits a `scope` parameter into OIDC scopes and resource scopes, checking the resources against the emulated
 * directory: an `api://` or GUID resource must be an emulated app, and a named scope must be one it exposes.
 */
export function parseScopes(ctx: EmulatorContext, scopeParam: string, tenantName: string): ParsedScopes {
  const oidc = new Set<string>();
  const byResource = new Map<string, ResolvedResource>();
  for (const scope of scopeParam.split(/\s+/).filter(Boolean)) {
    if ((OIDC_SCOPES as readonly string[]).includes(scope.toLowerCase())) {
      oidc.add(scope.toLowerCase());
      continue;
    }
    let { resource, name } = splitScope(scope);
    let app = findResourceApp(ctx, resource);
    if (!app && !scope.includes("/")) {
      // A bare client id used as a scope asks for a token for that app itself.
      const self = findResourceApp(ctx, scope);
      if (self) {
        app = self;
        resource = scope;
        name = ".default";
      }
    }
    const external = /^https?:\/\//i.test(resource);
    if (!app && !external) {
      throw entraError(
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    if (app && name !== ".default" && !(app.exposedScopes ?? []).includes(name)) {
      throw entraError(
        65005,
        `The application asked for scope '${name}' that doesn't exist on the resource '${app.clientId}'. Contact the app vendor.`,
      );
    }
    const key = app ? `app:${app.clientId.toLowerCase()}` : resource.toLowerCase();
    const version = app?.accessTokenVersion ?? 2;
    const entry = byResource.get(key) ?? {
      resource,
      audience: app && version === 2 ? app.clientId : resource,
      version,
      ...(app ? { app } : {}),
      names: [],
      full: [],
    };
    entry.names.push(name);
    entry.full.push(scope);
    byResource.set(key, entry);
  }
  return { oidc, resources: [...byResource.values()] };
}

/**
 * The single resource a token request is for. Entra issues one access token per request, so more than one
 * resource is an error; none means Microsoft Graph (what Entra does for a request of only OIDC scopes).
 */
export function singleResource(ctx: EmulatorContext, parsed: ParsedScopes, scopeParam: string): ResolvedResource {
  if (parsed.resources.length > 1) {
    throw entraError(
      28000,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopeParam} is not valid.`,
    );
  }
  if (parsed.resources[0]) return parsed.resources[0];
  const graph = findResourceApp(ctx, GRAPH);
  const version = graph?.accessTokenVersion ?? 2;
  const audience = graph && version === 2 ? graph.clientId : GRAPH;
  return { resource: GRAPH, audience, version, ...(graph ? { app: graph } : {}), names: [], full: [] };
}

/**
 * The resource of a v1-style request (`resource=...`: the v1 token endpoint, managed identity), resolved as its
 * `{resource}/.default` scope would be: AADSTS500011 for an `api://` or GUID resource not in the directory.
 */
export function resolveResource(ctx: EmulatorContext, resource: string, tenantName: string): ResolvedResource {
  const parsed = parseScopes(ctx, `${resource}/.default`, tenantName);
  const found = parsed.resources[0];
  if (!found || parsed.resources.length !== 1 || parsed.oidc.size > 0) {
    throw entraError(
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  return { ...found, resource, audience: found.version === 2 && found.app ? found.app.clientId : resource };
}

/** The app roles an API grants a client (an app or a managed identity): `grantedTo` names it, or is omitted. */
export function appRolesFor(resource: ResolvedResource, clientId: string): string[] {
  const id = clientId.toLowerCase();
  return (resource.app?.roles ?? [])
    .filter((r) => r.grantedTo === undefined || r.grantedTo.some((g) => g.toLowerCase() === id))
    .map((r) => r.value);
}
