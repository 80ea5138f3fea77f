/**
 * The token cache takes the time from its clock when the caller of `add()` or `updateRefreshToken()`
 * passes none (the public `add(event, now?)` of the API contract).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DistributedTokenCache,
  SerializableTokenCache,
  TokenCache,
  type DistributedStore,
} from "../../../src/index.ts";
import { FakeClock } from "../../helpers/fakes.ts";
import { clientInfo } from "../../helpers/tokens.ts";

const ENDPOINT = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";
const EVENT = {
  client_id: "app",
  scope: ["User.Read"],
  token_endpoint: ENDPOINT,
  response: {
    access_token: "at",
    expires_in: 3600,
    scope: "User.Read",
    client_info: clientInfo("u", "t"),
    refresh_token: "rt",
  },
};
/** 2030-01-01T00:00:00.750Z: a fraction of a second is cut, as MSAL Python's `int(time.time())`. */
const START_MS = 1_893_456_000_750;
const START_S = 1_893_456_000;

function only(cache: TokenCache, type: string): Record<string, unknown> {
  const entries = cache.find(type);
  assert.equal(entries.length, 1);
  return entries[0] as Record<string, unknown>;
}

describe("TokenCache clock", () => {
  it("add() without now stamps the entries with the cache clock's time", () => {
    const cache = new SerializableTokenCache({ clock: new FakeClock(START_MS) });
    cache.add(EVENT);
    const at = only(cache, "AccessToken");
    assert.equal(at.cached_at, String(START_S));
    assert.equal(at.expires_on, String(START_S + 3600));
    assert.equal(only(cache, "RefreshToken").last_modification_time, String(START_S));
  });

  it("updateRefreshToken() without now stamps last_modification_time with the cache clock's time", () => {
    const clock = new FakeClock(START_MS);
    const cache = new TokenCache({ clock });
    cache.add(EVENT);
    clock.advance(90_000);
    cache.updateRefreshToken(only(cache, "RefreshToken"), "rt2");
    const rt = only(cache, "RefreshToken");
    assert.equal(rt.secret, "rt2");
    assert.equal(rt.last_modification_time, String(START_S + 90));
  });

  it("a now passed by the caller wins over the clock", () => {
    const cache = new TokenCache({ clock: new FakeClock(START_MS) });
    cache.add(EVENT, 1000);
    assert.equal(only(cache, "AccessToken").cached_at, "1000");
  });

  it("DistributedTokenCache gives its clock option to add()", () => {
    const store: DistributedStore = { get: async () => null, set: async () => undefined };
    const cache = new DistributedTokenCache({ store, clock: new FakeClock(START_MS) });
    cache.add(EVENT);
    assert.equal(only(cache, "AccessToken").cached_at, String(START_S));
  });
});
