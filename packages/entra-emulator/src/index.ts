export { startEmulator } from "./emulator.js";
export { DEMO } from "./demo.js";
export type { DemoIdentities } from "./demo.js";
export type {
  Emulator,
  EmulatorClientOptions,
  EmulatorOptions,
  RequestLogEntry,
  RequestLogOptions,
  FederatedTokenOptions,
} from "./emulator.js";
export { defaultConfig, loadConfigFile, normalizeConfig, EmulatorConfigError, DEFAULT_CONFIG_PATH } from "./config.js";
export type {
  EmulatorConfig,
  TenantConfig,
  AppConfig,
  AppRoleConfig,
  UserConfig,
  TokenLifetimes,
  ManagedIdentityConfig,
  SubscriptionConfig,
  SubscriptionState,
  FederatedIdentityCredentialConfig,
  WorkloadIdentityConfig,
  FederationConfig,
} from "./config.js";
export type { FaultSpec } from "./server/faults.js";
export type { Revocation } from "./revocation.js";
export type { SignInOptions, SignInResult } from "./routes/authorize.js";
export { MANAGED_IDENTITY_SOURCES } from "./routes/managed-identity/index.js";
export type { ManagedIdentitySource } from "./routes/managed-identity/index.js";
export { createTestCertificate } from "./tls.js";
export type { TestCertificate } from "./tls.js";
