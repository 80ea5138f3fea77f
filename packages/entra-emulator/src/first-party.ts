import type { AppConfig } from "./config.js";

/**
 * Microsoft's first-party applications, present in every tenant of a real directory and so in every emulated
 * one unless the configuration's `firstPartyApps` leaves them out. The client apps are public clients of
 * family "1" (they share family refresh tokens); the resources are the APIs they call. ARM and Microsoft Graph
 * issue v1.0 access tokens (`iss` `https://sts.windows.net/{tid}/`, `aud` the resource as requested), as their
 * registrations in Entra do.
 */
export const FIRST_PARTY_APPS: readonly Omit<AppConfig, "tenant">[] = [
  {
    clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    displayName: "Microsoft Azure CLI",
    public: true,
    familyId: "1",
    redirectUris: ["http://localhost", "https://login.microsoftonline.com/common/oauth2/nativeclient"],
  },
  {
    clientId: "1950a258-227b-4e31-a9cf-717495945fc2",
    displayName: "Microsoft Azure PowerShell",
    public: true,
    familyId: "1",
    redirectUris: ["http://localhost", "urn:ietf:wg:oauth:2.0:oob"],
  },
  {
    clientId: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    displayName: "Windows Azure Service Management API",
    identifierUris: ["https://management.core.windows.net/", "https://management.azure.com/"],
    exposedScopes: ["user_impersonation"],
    accessTokenVersion: 1,
  },
  {
    clientId: "00000003-0000-0000-c000-000000000000",
    displayName: "Microsoft Graph",
    identifierUris: ["https://graph.microsoft.com", "https://graph.microsoft.com/"],
    exposedScopes: [
      "User.Read",
      "User.ReadBasic.All",
      "User.Read.All",
      "User.ReadWrite",
      "Mail.Read",
      "Mail.ReadWrite",
      "Mail.Send",
      "Calendars.Read",
      "Calendars.ReadWrite",
      "Contacts.Read",
      "Files.Read",
      "Files.ReadWrite",
      "Files.Read.All",
      "Sites.Read.All",
      "Group.Read.All",
      "Directory.Read.All",
      "Directory.AccessAsUser.All",
      "People.Read",
      "Tasks.ReadWrite",
    ],
    accessTokenVersion: 1,
  },
  {
    clientId: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    displayName: "Azure Key Vault",
    identifierUris: ["https://vault.azure.net"],
    exposedScopes: ["user_impersonation"],
    accessTokenVersion: 1,
  },
];

/** The client ids of `FIRST_PARTY_APPS`, lower-case. */
export const FIRST_PARTY_IDS: readonly string[] = FIRST_PARTY_APPS.map((a) => a.clientId.toLowerCase());

/** Microsoft Graph's client id: `.default` on Graph grants `User.Read`, what every app registration starts with. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
