/**
 * Confidential client applications of both libraries pointed at a running emulator (the demo daemon app),
 * for the benchmarks that reach the network.
 */
import { DEMO, type Emulator } from "entra-emulator";
import { msalNodeNetwork } from "../../packages/msal-ts/test/helpers/msal-node-network.ts";

export const DAEMON = { clientId: DEMO.confidential, secret: DEMO.secret, scope: DEMO.apiDefault };

export async function msalTsDaemon(emulator: Emulator) {
  const { ConfidentialClientApplication } = await import("msal-ts");
  return new ConfidentialClientApplication(DAEMON.clientId, {
    clientCredential: DAEMON.secret,
    authority: emulator.authority(),
    verify: emulator.caPem,
    instanceDiscovery: false,
  });
}

export async function msalNodeDaemon(emulator: Emulator) {
  const msal = await import("@azure/msal-node");
  return new msal.ConfidentialClientApplication({
    auth: {
      clientId: DAEMON.clientId,
      clientSecret: DAEMON.secret,
      authority: emulator.authority(),
      knownAuthorities: [new URL(emulator.url).host],
    },
    system: { networkClient: msalNodeNetwork(emulator.caPem) },
  });
}
