import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config.ts';
import { createVerifier, signDevRoomToken, signDevToken } from './gateway/auth.ts';
import { limitOptions, roomPolicyFromConfig, verifierOptions } from './security-options.ts';

const SECRET = 'security-options-secret-of-32-chars!';

describe('security options from configuration', () => {
  it('builds a verifier that follows JWT_ALLOW_NO_EXP and the audience settings', async () => {
    const c = loadGatewayConfig({ JWT_SECRET: SECRET, JWT_AUDIENCE: 'tether' }, []);
    const verify = createVerifier(verifierOptions(c));
    expect(await verify(await signDevToken(SECRET, 'alice'))).toMatchObject({ ok: false, kind: 'wrong-audience' });
  });

  it('builds the tether-gateway room policy: no room opens unless a rule allows it', async () => {
    const policy = roomPolicyFromConfig(loadGatewayConfig({ JWT_SECRET: SECRET }, []));
    const join = (room: string, roomToken?: string) => policy({ user: 'alice', room, action: 'join', claims: { sub: 'alice' }, member: false, roomToken });
    expect(await join('game_1')).toMatchObject({ allow: false, rule: 'default' });
    expect(await join('dm#alice,bob')).toMatchObject({ allow: true });
    expect(await join('$board', await signDevRoomToken(SECRET, 'alice', '$board'))).toMatchObject({ allow: true, rule: 'room-token' });
  });

  it('builds the npm start room policy (PUBLIC_ROOMS=*): ordinary rooms open, $ and # still enforced', async () => {
    const policy = roomPolicyFromConfig(loadGatewayConfig({ JWT_SECRET: SECRET, PUBLIC_ROOMS: '*' }, []));
    const join = (user: string, room: string) => policy({ user, room, action: 'join', claims: { sub: user }, member: false });
    expect(await join('alice', 'game_1')).toMatchObject({ allow: true, rule: 'public' });
    expect(await join('mallory', 'dm#alice,bob')).toMatchObject({ allow: false, rule: 'user-limited' });
    expect(await join('alice', '$board')).toMatchObject({ allow: false, rule: 'room-token' });
  });

  it('passes the limits through', () => {
    expect(limitOptions(loadGatewayConfig({ JWT_SECRET: SECRET, MAX_ROOMS_PER_CONNECTION: '4' }, []))).toEqual({
      maxRoomsPerConnection: 4,
      maxConnectionsPerUser: 100,
      callsPerSecondPerUser: 100,
      maxPreauthPerAddress: 50,
      upgradesPerSecond: 500,
      maxFramesBeforeAuth: 1,
    });
  });
});
