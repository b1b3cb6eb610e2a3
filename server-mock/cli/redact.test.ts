import { describe, expect, it } from 'vitest';
import { redactSecrets, startupError } from './redact.ts';

describe('redactSecrets', () => {
  it('hides the password of a Redis URL in a start-up error', () => {
    expect(startupError(new Error('Redis at redis://:hunter2@cache:6379/0 did not answer: ECONNREFUSED'))).toBe(
      'Redis at redis://:***@cache:6379/0 did not answer: ECONNREFUSED',
    );
  });

  it('keeps the user name, hides the password, for every URL in the message', () => {
    expect(redactSecrets('a rediss://app:s3cr3t@r1:6380 and https://u:p@x.example/jwks')).toBe('a rediss://app:***@r1:6380 and https://u:***@x.example/jwks');
  });

  it('leaves URLs without credentials alone', () => {
    expect(redactSecrets('Port 8080 on 127.0.0.1 is already in use; see http://127.0.0.1:8080/health')).toBe(
      'Port 8080 on 127.0.0.1 is already in use; see http://127.0.0.1:8080/health',
    );
  });

  it('prints non-errors as text', () => {
    expect(startupError('plain')).toBe('plain');
  });
});
