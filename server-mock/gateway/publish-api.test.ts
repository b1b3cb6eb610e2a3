import { describe, expect, it } from 'vitest';
import { authorize, checkApiKey, parsePublishBody, publishResponse } from './publish-api.ts';

describe('parsePublishBody: Tether bodies', () => {
  it('reads a user notification', () => {
    expect(parsePublishBody({ user: '42', type: 'order.shipped', message: 'On its way', data: { id: 7 } })).toEqual({
      ok: true,
      kind: 'tether',
      target: { kind: 'user', user: '42' },
      body: { type: 'order.shipped', message: 'On its way', data: { id: 7 } },
    });
  });

  it('takes a numeric user id as the same user as its string', () => {
    expect(parsePublishBody({ user: 42, type: 't' })).toMatchObject({ ok: true, target: { kind: 'user', user: '42' }, body: { type: 't' } });
  });

  it('reads a broadcast, leaving out what was not given', () => {
    const r = parsePublishBody({ broadcast: true, type: 'maintenance' });
    expect(r).toEqual({ ok: true, kind: 'tether', target: { kind: 'broadcast' }, body: { type: 'maintenance' } });
  });

  it('reads a room message', () => {
    expect(parsePublishBody({ room: 'game_1', event: 'chat', data: { text: 'hi' } })).toEqual({
      ok: true,
      kind: 'tether',
      target: { kind: 'room', room: 'game_1' },
      body: { event: 'chat', data: { text: 'hi' } },
    });
  });

  it.each([
    ['not an object', [1, 2], 'body must be a JSON object'],
    ['null', null, 'body must be a JSON object'],
    ['no target', { type: 't' }, 'give exactly one of "user", "broadcast" or "room" (or a Centrifugo body with "channel")'],
    ['two targets', { user: '1', room: 'r', type: 't' }, 'give exactly one of "user", "broadcast" or "room" (or a Centrifugo body with "channel")'],
    ['no type', { user: '1' }, 'type: Invalid input: expected string, received undefined'],
    ['an empty user', { user: '', type: 't' }, 'user: Too small: expected string to have >=1 characters'],
    ['broadcast: false', { broadcast: false, type: 't' }, 'broadcast: Invalid input: expected true'],
    ['a room with a type instead of an event', { room: 'r', type: 't' }, 'event: Invalid input: expected string, received undefined; body: Unrecognized key: "type"'],
    ['a misspelt field', { user: '1', type: 't', mesage: 'm' }, 'body: Unrecognized key: "mesage"'],
    ['a non-string message', { user: '1', type: 't', message: 5 }, 'message: Invalid input: expected string, received number'],
  ])('refuses %s with a 400 saying what is wrong', (_name, body, message) => {
    expect(parsePublishBody(body)).toEqual({ ok: false, status: 400, message });
  });
});

describe('parsePublishBody: Centrifugo bodies', () => {
  const v4 = (channel: string, data: unknown) => ({ method: 'publish', params: { channel, data } });

  it('sends user#<id> and notifications#user#<id> to that user, as django-cfg names them', () => {
    const data = { event_type: 'notification', title: 'Hi', message: 'Hello', level: 'info', timestamp: '2025-01-01T00:00:00+00:00' };
    for (const channel of ['user#42', 'notifications#user#42']) {
      expect(parsePublishBody(v4(channel, data))).toEqual({
        ok: true,
        kind: 'centrifugo',
        target: { kind: 'user', user: '42' },
        body: { type: 'notification', message: 'Hello', data },
      });
    }
  });

  it('reads channels as the room rules do: $ and # names are rooms of that exact name', () => {
    expect(parsePublishBody(v4('$board', { type: 'x' }))).toMatchObject({ target: { kind: 'room', room: '$board' } });
    expect(parsePublishBody(v4('dialog#alice,bob', { type: 'x' }))).toMatchObject({ target: { kind: 'room', room: 'dialog#alice,bob' } });
    // Several users is a room (Tether's notifications go to one user), joinable by those users only.
    expect(parsePublishBody(v4('user#42,43', { type: 'x' }))).toMatchObject({ target: { kind: 'room', room: 'user#42,43' } });
    // The user is what follows the last #, as for rooms: no user id with a # in it.
    expect(parsePublishBody(v4('user#a#b', { type: 'x' }))).toMatchObject({ target: { kind: 'room', room: 'user#a#b' } });
    expect(parsePublishBody(v4('user#', { type: 'x' }))).toMatchObject({ target: { kind: 'room', room: 'user#' } });
  });

  it('sends the broadcast channel to everyone, and any other channel to that room', () => {
    expect(parsePublishBody(v4('broadcast', { type: 'deploy' }))).toMatchObject({ target: { kind: 'broadcast' }, body: { type: 'deploy', data: { type: 'deploy' } } });
    expect(parsePublishBody(v4('ai_chat:workspace:9', { event_type: 'token', text: 'x' }))).toEqual({
      ok: true,
      kind: 'centrifugo',
      target: { kind: 'room', room: 'ai_chat:workspace:9' },
      body: { event: 'token', data: { event_type: 'token', text: 'x' } },
    });
  });

  it("prefers event_type to type, and falls back to 'message'", () => {
    expect(parsePublishBody(v4('user#1', { event_type: 'a', type: 'b' }))).toMatchObject({ body: { type: 'a' } });
    expect(parsePublishBody(v4('user#1', { event_type: 3, type: 'b' }))).toMatchObject({ body: { type: 'b' } });
    expect(parsePublishBody(v4('user#1', { value: 1, message: { not: 'text' } }))).toEqual({
      ok: true,
      kind: 'centrifugo',
      target: { kind: 'user', user: '1' },
      body: { type: 'message', data: { value: 1, message: { not: 'text' } } },
    });
    expect(parsePublishBody(v4('room', 'just text'))).toMatchObject({ body: { event: 'message', data: 'just text' } });
  });

  it('reads the v5 body, channel and data at the top, ignoring extra options', () => {
    expect(parsePublishBody({ channel: 'user#7', data: { type: 't' }, wait_for_ack: false, ack_timeout: 10 })).toMatchObject({
      ok: true,
      kind: 'centrifugo',
      target: { kind: 'user', user: '7' },
    });
  });

  it.each([
    ['another method', { method: 'broadcast', params: {} }, 'method "broadcast" is not supported (only "publish")'],
    ['no params', { method: 'publish' }, 'params: Invalid input: expected object, received undefined'],
    ['no data', { method: 'publish', params: { channel: 'c' } }, 'params.data: required'],
    ['binary data', { channel: 'c', b64data: 'AAE=' }, 'b64data: binary payloads are not supported; send JSON in "data"'],
    ['an empty channel', { channel: '', data: {} }, 'channel: Too small: expected string to have >=1 characters'],
    ['a room name too long', { channel: 'x'.repeat(201), data: {} }, 'channel: Too big: expected string to have <=200 characters'],
  ])('refuses %s', (_name, body, message) => {
    const r = parsePublishBody(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe(message);
  });
});

describe('authorize', () => {
  const key = 'k-0123456789';
  it.each([
    ['Authorization: apikey', { authorization: `apikey ${key}` }],
    ['the scheme in any case', { authorization: `ApiKey ${key}` }],
    ['Authorization: Bearer', { authorization: `Bearer ${key}` }],
    ['X-API-Key', { 'x-api-key': key }],
    ['a right key next to a wrong one', { authorization: 'Bearer nope', 'x-api-key': key }],
  ])('accepts the key in %s', (_name, headers) => {
    expect(authorize(headers, key)).toBe(true);
  });

  it.each([
    ['no header', {}],
    ['a wrong key', { 'x-api-key': 'k-0123456788' }],
    ['a prefix of the key', { 'x-api-key': 'k-0123' }],
    ['the key plus more', { authorization: `apikey ${key}x` }],
    ['another scheme', { authorization: `Basic ${key}` }],
    ['a bare key', { authorization: key }],
    ['an empty value', { 'x-api-key': '' }],
  ])('refuses %s', (_name, headers) => {
    expect(authorize(headers, key)).toBe(false);
  });

  it('refuses everything when the configured key is empty', () => {
    expect(authorize({ 'x-api-key': '' }, '')).toBe(false);
    expect(authorize({ 'x-api-key': 'x' }, '')).toBe(false);
  });

  it('tells a missing key (401) from a wrong one (403)', () => {
    expect(checkApiKey({}, key)).toBe('missing');
    expect(checkApiKey({ authorization: `Basic ${key}` }, key)).toBe('missing');
    expect(checkApiKey({ 'x-api-key': '' }, key)).toBe('missing');
    expect(checkApiKey({ 'x-api-key': 'nope' }, key)).toBe('wrong');
    expect(checkApiKey({ authorization: 'Bearer nope' }, key)).toBe('wrong');
    expect(checkApiKey({ 'x-api-key': key }, key)).toBe('ok');
  });
});

describe('publishResponse', () => {
  const event = { offset: '1700000000000-0', ts: 1_700_000_000_000, type: 't' };
  it('answers in the dialect of the request', () => {
    expect(publishResponse('tether', event)).toEqual({ offset: '1700000000000-0', ts: 1_700_000_000_000 });
    expect(publishResponse('centrifugo', event)).toEqual({ result: {} });
  });
});
