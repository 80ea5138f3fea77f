/**
 * `--emulator`: an Entra ID emulator (the `entra-emulator` package) started inside the command's process,
 * with its demo tenant, apps and user. The package is loaded only when asked for: it is a development
 * dependency, so an installed `msal-ts` may not have it.
 */
import type * as EntraEmulator from "entra-emulator";
import type { DemoIdentities, Emulator } from "entra-emulator";
import { ExitCode, CliFailure } from "./exit-codes.js";

/** How long the emulator waits before approving a device code as the demo user, in milliseconds. */
const DEVICE_APPROVAL_DELAY_MS = 1000;

/**
 * A running emulator and the demo identities of its configuration (the demo public and confidential apps, the
 * demo user), both from the entra-emulator package, so that their types are checked against it.
 */
export type EmulatorSession = Emulator & { readonly demo: DemoIdentities };

/**
 * Starts an emulator with the demo configuration; device codes are polled every second (instead of 5)
 * so that `login --device-code --emulator` finishes quickly.
 *
 * @throws CliFailure (exit code 2) when the entra-emulator package is not installed.
 */
export async function startEmulatorSession(): Promise<EmulatorSession> {
  // A variable specifier keeps the package out of the bundle (it is development-only); the type-only imports
  // above are erased, so the built command needs the package only when `--emulator` is given.
  const specifier = "entra-emulator";
  let mod: typeof EntraEmulator;
  try {
    mod = (await import(specifier)) as typeof EntraEmulator;
  } catch (e) {
    if ((e as { code?: unknown })?.code === "ERR_MODULE_NOT_FOUND") {
      throw new CliFailure(ExitCode.USAGE, "--emulator needs the entra-emulator package (npm install entra-emulator)");
    }
    throw e;
  }
  const emulator = await mod.startEmulator({ config: { ...mod.defaultConfig(), deviceCodeInterval: 1 } });
  return Object.assign(emulator, { demo: mod.DEMO });
}

/** Plays the browser for an interactive sign-in: signs the demo user in and delivers the response. */
export function emulatorBrowser(emulator: EmulatorSession): (url: string) => Promise<void> {
  return async (url) => {
    const { username, password } = emulator.demo.alice;
    await emulator.signIn({ authUri: url, username, password, deliver: true });
  };
}

/** Approves `userCode` as the demo user after a short delay; returns a function that cancels it. */
export function approveDeviceCodeSoon(emulator: EmulatorSession, userCode: string): () => void {
  const timer = setTimeout(
    () => emulator.approveDevice(userCode, emulator.demo.alice.username),
    DEVICE_APPROVAL_DELAY_MS,
  );
  return () => clearTimeout(timer);
}
