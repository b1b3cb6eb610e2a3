import { describe, expect, it } from 'vitest';
import { ErrorCode } from './codes.ts';
import { decode } from './decode-any.ts';
import { decodeServerFrame } from './decode-server.ts';

const frame = (o: unknown) => JSON.stringify(o);
const rpc = (o: Record<string, unknown>) => frame({ jsonrpc: '2.0', ...o });

describe('decode', () => {
  it('decodes each kind of frame into a typed frame', () => {
    expect(decode(rpc({ id: 'a1', method: 'auth', params: { token: 'jwt', resume: { user: '5-0', rooms: { g: '7-1' } } } }))).toEqual({
      ok: true,
      frame: { kind: 'request', id: 'a1', method: 'auth', params: { token: 'jwt', resume: { user: '5-0', rooms: { g: '7-1' } } } },
    });
    expect(decode(rpc({ id: 7, method: 'orders.create', params: { qty: 1 } }))).toEqual({
      ok: true,
      frame: { kind: 'call', id: 7, method: 'orders.create', params: { qty: 1 } },
    });
    expect(decode(rpc({ id: 'x', result: null }))).toEqual({ ok: true, frame: { kind: 'result', id: 'x', result: null } });
    expect(decode(rpc({ id: 'x', error: { code: 404, message: 'no' } }))).toEqual({
      ok: true,
      frame: { kind: 'error', id: 'x', error: { code: 404, message: 'no' } },
    });
    expect(decode(rpc({ method: 'pong' }))).toEqual({ ok: true, frame: { kind: 'event', method: 'pong', params: undefined } });
    expect(decode(rpc({ method: 'room.message', params: { room: 'r', offset: '1-2', event: 'e', data: [1], ts: 5 } }))).toMatchObject({
      ok: true,
      frame: { kind: 'event', method: 'room.message', params: { room: 'r', offset: '1-2', data: [1] } },
    });
  });

  it('answers non-JSON with -32700 and a null id', () => {
    expect(decode('{nope')).toEqual({ ok: false, error: { id: null, code: ErrorCode.ParseError, message: expect.any(String) } });
  });

  it('answers a bad envelope with -32600, keeping the id when it can be read', () => {
    for (const bad of [frame([1, 2]), frame('str'), frame(null), rpc({ id: {}, method: 'x' }), frame({ id: 'k', method: 'x' }), rpc({ id: 'k', method: 5 }), rpc({})]) {
      const d = decode(bad);
      expect(d.ok, bad).toBe(false);
      if (!d.ok) expect(d.error.code, bad).toBe(ErrorCode.InvalidRequest);
    }
    const d = decode(frame({ jsonrpc: '1.0', id: 'k', method: 'x' }));
    expect(d).toMatchObject({ ok: false, error: { id: 'k', code: -32600 } });
  });

  it('answers invalid built-in params with -32602 and the issue paths', () => {
    const d = decode(rpc({ id: 'j', method: 'rooms.join', params: { room: '', since: 'yesterday' } }));
    expect(d).toMatchObject({ ok: false, error: { id: 'j', code: ErrorCode.InvalidParams } });
    if (!d.ok) expect(d.error.data!.issues.map((i) => i.path)).toEqual([['room'], ['since']]);
  });

  it('answers an unknown notification with -32601', () => {
    expect(decode(rpc({ method: 'nope' }))).toMatchObject({ ok: false, error: { id: null, code: ErrorCode.MethodNotFound } });
  });

  it('does not treat inherited property names as built-in methods', () => {
    expect(decode(rpc({ id: 1, method: 'constructor' }))).toMatchObject({ ok: true, frame: { kind: 'call', method: 'constructor' } });
    expect(decode(rpc({ method: '__proto__' }))).toMatchObject({ ok: false, error: { code: ErrorCode.MethodNotFound } });
  });

  it('never throws, whatever the input', () => {
    const inputs = ['', ' ', '0', 'true', '"x"', '{}', '[]', '{"jsonrpc":"2.0","id":1e400}', '\u0000', 'x'.repeat(10_000), '{"__proto__":{"jsonrpc":"2.0"}}'];
    for (const raw of inputs) expect(() => decode(raw)).not.toThrow();
  });
});

describe('decodeServerFrame', () => {
  it('knows only what a gateway sends: client requests are plain calls to it', () => {
    expect(decodeServerFrame(rpc({ id: 'a', method: 'auth', params: { token: 't' } }))).toMatchObject({ ok: true, frame: { kind: 'call' } });
    expect(decodeServerFrame(rpc({ method: 'pong' }))).toMatchObject({ ok: false, error: { code: ErrorCode.MethodNotFound } });
    expect(decodeServerFrame(rpc({ method: 'token.expiring', params: { inMs: 5 } }))).toMatchObject({ ok: true, frame: { method: 'token.expiring' } });
    expect(decodeServerFrame(rpc({ method: 'notification', params: { offset: '1-0', type: 't' } }))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.InvalidParams, data: { issues: [{ path: ['ts'] }] } },
    });
  });
});
