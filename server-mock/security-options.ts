/**
 * From the gateway's configuration to the options of the security modules, so the CLI,
 * `runGateway` and tests build the verifiers, the room policy and the limits the same way.
 *
 * Wiring (runGateway / the gateway core): `createVerifier(verifierOptions(config))` for
 * connection tokens; `roomPolicyFromConfig(config, { authorizeRoom, logger })` once per
 * gateway for the core's room checks; `limitOptions(config)` for the per-user limits.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.ts';
import { createRoomTokenVerifier, type VerifierOptions } from './gateway/auth.ts';
import type { LimitOptions } from './gateway/limits-defaults.ts';
import { createRoomPolicy, type AuthorizeRoom, type RoomPolicy, type RoomPolicyOptions } from './gateway/room-policy.ts';

/** How connection tokens (and room tokens) are checked. */
export function verifierOptions(c: GatewayConfig): VerifierOptions {
  return {
    secret: c.jwtSecret,
    jwksUrl: c.jwksUrl,
    issuer: c.jwtIssuer,
    audience: c.jwtAudience,
    audienceCheck: c.jwtAudienceCheck,
    issuerCheck: c.jwtIssuerCheck,
    allowNoExp: c.jwtAllowNoExp,
  };
}

/** The room policy's options: room tokens signed like connection tokens, and the configured rules. */
export function roomPolicyOptions(c: GatewayConfig, o: { authorizeRoom?: AuthorizeRoom | undefined; logger?: Logger | undefined } = {}): RoomPolicyOptions {
  return {
    verifyRoomToken: createRoomTokenVerifier(verifierOptions(c)),
    publicRooms: c.publicRooms,
    rules: c.roomRules,
    publish: c.roomPublish,
    proxy: c.roomProxyUrl ? { url: c.roomProxyUrl, timeoutMs: c.roomProxyTimeoutMs, cacheMs: c.roomProxyCacheMs } : undefined,
    authorizeRoom: o.authorizeRoom,
    logger: o.logger,
  };
}

/** The gateway's room policy, from its configuration and the application's hook. */
export function roomPolicyFromConfig(c: GatewayConfig, o: { authorizeRoom?: AuthorizeRoom | undefined; logger?: Logger | undefined } = {}): RoomPolicy {
  return createRoomPolicy(roomPolicyOptions(c, o));
}

/** The per-user, per-address and pre-auth limits. */
export function limitOptions(c: GatewayConfig): LimitOptions {
  return {
    maxRoomsPerConnection: c.maxRoomsPerConnection,
    maxConnectionsPerUser: c.maxConnectionsPerUser,
    callsPerSecondPerUser: c.callsPerSecondPerUser,
    maxPreauthPerAddress: c.maxPreauthPerAddress,
    upgradesPerSecond: c.upgradesPerSecond,
    maxFramesBeforeAuth: c.maxFramesBeforeAuth,
  };
}
