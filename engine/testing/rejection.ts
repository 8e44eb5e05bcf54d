/**
 * The StudioError a promise rejects with (rejection) or a call throws
 * (refusal), for tests that then check its message, hint and code; fails the
 * test when the promise resolves or the call returns, or when what is thrown
 * is anything that is not a StudioError (a crash is not a refusal).
 */
import assert from 'node:assert/strict';
import { isStudioError, type StudioError } from '../errors.js';

export async function rejection(promise: Promise<unknown>): Promise<StudioError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isStudioError(e), `a StudioError, not ${e}`);
    return e;
  }
  assert.fail('expected a rejection');
}

export function refusal(run: () => unknown): StudioError {
  try {
    run();
  } catch (e) {
    assert.ok(isStudioError(e), `a StudioError, not ${e}`);
    return e;
  }
  assert.fail('expected a refusal');
}

/** A call refused with a StudioError of this code whose message matches `pattern`. */
export function assertRefused(run: () => unknown, code: string, pattern: RegExp): void {
  const e = refusal(run);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, pattern);
}

/** A promise rejected with a StudioError of this code whose message matches `pattern`. */
export async function assertRejected(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const e = await rejection(promise);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, pattern);
}
