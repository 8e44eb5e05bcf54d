/**
 * The size limit on frames from a window counts UTF-8 bytes, whatever the
 * characters: 3-byte characters (most of CJK, €) included. Issue 19: the
 * shortcut that skips counting short frames assumed 2 bytes per character in a
 * mutant that no test caught, letting a 2.25 MB frame past the 2 MiB limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MESSAGE_BYTES, parseRequest } from './messageValidation.js';

/** A project.open request whose path is `path`; its size in UTF-8 bytes. */
function frameWithPath(path: string): { frame: string; bytes: number } {
  const frame = JSON.stringify({ kind: 'request', id: 7, command: { type: 'project.open', path } });
  return { frame, bytes: Buffer.byteLength(frame) };
}

const THREE_BYTES = '€'; // U+20AC: one UTF-16 unit, three UTF-8 bytes

test('a 2.25 MB frame of 3-byte characters is refused, naming its size in bytes', () => {
  const { frame, bytes } = frameWithPath(THREE_BYTES.repeat(750_000));
  assert.ok(bytes > MAX_MESSAGE_BYTES && frame.length * 2 < MAX_MESSAGE_BYTES, 'the case a 2-bytes-per-unit estimate misses');
  const parsed = parseRequest(frame);
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.error.code, 'message-too-large');
  assert.equal(parsed.id, null, 'not parsed, so no id');
  assert.match(parsed.error.message, new RegExp(`^A message of ${bytes.toLocaleString('en-US')} bytes is larger than the 2,097,152 bytes allowed\\.$`));
});

test('at the limit in bytes a frame of 3-byte characters passes the size check; one byte over, it does not', () => {
  const overhead = frameWithPath('').bytes;
  // Fill to exactly the limit: 3-byte characters, then 1-byte ones for the remainder.
  const threes = Math.floor((MAX_MESSAGE_BYTES - overhead) / 3);
  const path = THREE_BYTES.repeat(threes) + 'x'.repeat(MAX_MESSAGE_BYTES - overhead - 3 * threes);
  const atLimit = frameWithPath(path);
  assert.equal(atLimit.bytes, MAX_MESSAGE_BYTES);
  // The frame passes the size check (a path this long is then refused for its length, by another rule).
  const parsedAtLimit = parseRequest(atLimit.frame);
  assert.notEqual(parsedAtLimit.ok ? 'accepted' : parsedAtLimit.error.code, 'message-too-large');
  const over = frameWithPath(path + 'x');
  assert.equal(over.bytes, MAX_MESSAGE_BYTES + 1);
  const parsed = parseRequest(over.frame);
  assert.equal(parsed.ok ? 'accepted' : parsed.error.code, 'message-too-large');
});
