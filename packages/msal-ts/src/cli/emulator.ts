/**
 * `--emulator`: an Entra ID emulator (the `entra-emulator` package) started inside the command's process,
 * with its demo tenant, apps and user. The package is loaded only when asked for: it is a development
 * dependency, so an installed `msal-ts` may not have it.
 */
import { ExitCode, CliFailure } from "./exit-codes.js";

/** The demo identities of the emulator's default configuration (offline test values, not real credentials). */
export const EMULATOR_DEMO = {
  publicClientId: "22222222-2222-4222-8222-222222222222",
  confidentialClientId: "11111111-1111-4111-8111-111111111111",
  username: "alice@contoso.com",
  password: "alice-password",
} as const;

/** How long the emulator waits before approving a device code as the demo user, in milliseconds. */
const DEVICE_APPROVAL_DELAY_MS = 1000;

/** The part of the emulator's API the command uses. */
export interface EmulatorSession {
  readonly caPem: string;
  authority(tenant?: string): string;
  approveDevice(userCode: string, username: string): void;
  signIn(o: { authUri: string; username: string; password: string; deliver: true }): Promise<unknown>;
  managedIdentityEnv(source: "imds"): Record<string, string>;
  close(): Promise<void>;
}

interface EmulatorModule {
  startEmulator(o: { config: Record<string, unknown> }): Promise<EmulatorSession>;
  defaultConfig(): Record<string, unknown>;
}

/**
 * Starts an emulator with the demo configuration; device codes are polled every second (instead of 5)
 * so that `login --device-code --emulator` finishes quickly.
 *
 * @throws CliFailure (exit code 2) when the entra-emulator package is not installed.
 */
export async function startEmulatorSession(): Promise<EmulatorSession> {
  // A variable specifier: the library's build must not depend on the development-only package.
  const specifier = "entra-emulator";
  let mod: EmulatorModule;
  try {
    mod = (await import(specifier)) as EmulatorModule;
  } catch (e) {
    if ((e as { code?: unknown })?.code === "ERR_MODULE_NOT_FOUND") {
      throw new CliFailure(ExitCode.USAGE, "--emulator needs the entra-emulator package (npm install entra-emulator)");
    }
    throw e;
  }
  return mod.startEmulator({ config: { ...mod.defaultConfig(), deviceCodeInterval: 1 } });
}

/** Plays the browser for an interactive sign-in: signs the demo user in and delivers the response. */
export function emulatorBrowser(emulator: EmulatorSession): (url: string) => Promise<void> {
  return async (url) => {
    await emulator.signIn({ authUri: url, username: EMULATOR_DEMO.username, password: EMULATOR_DEMO.password, deliver: true });
  };
}

/** Approves `userCode` as the demo user after a short delay; returns a function that cancels it. */
export function approveDeviceCodeSoon(emulator: EmulatorSession, userCode: string): () => void {
  const timer = setTimeout(() => emulator.approveDevice(userCode, EMULATOR_DEMO.username), DEVICE_APPROVAL_DELAY_MS);
  return () => clearTimeout(timer);
}
