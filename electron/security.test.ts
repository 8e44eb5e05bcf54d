import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ENTRY_URL, isAllowedNavigation, isAppUrl, isTrustedSender } from './security.js';
import { SECURITY_HEADERS } from '../engine/host/contentSecurityPolicy.js';

const WINDOW = 7;
const fromApp = { senderId: WINDOW, frameUrl: APP_ENTRY_URL, isMainFrame: true };

test('IPC is accepted only from the studio window’s own top frame on the studio origin', () => {
  assert.equal(isTrustedSender(fromApp, WINDOW), true);
  assert.equal(isTrustedSender({ ...fromApp, frameUrl: 'studio://app/assets/x.js#y' }, WINDOW), true);
  const refused = [
    { ...fromApp, senderId: 8 }, // another webContents (a devtools page, a second window)
    { ...fromApp, isMainFrame: false }, // an iframe inside the page
    { ...fromApp, frameUrl: null }, // a frame that is gone
    { ...fromApp, frameUrl: 'https://evil.example/' },
    { ...fromApp, frameUrl: 'file:///etc/passwd' },
    { ...fromApp, frameUrl: 'studio://other/index.html' },
    { ...fromApp, frameUrl: 'studio:app' },
    { ...fromApp, frameUrl: 'not a url' },
  ];
  for (const sender of refused) assert.equal(isTrustedSender(sender, WINDOW), false, JSON.stringify(sender));
  assert.equal(isTrustedSender(fromApp, null), false, 'no window, no trusted sender');
});

test('navigation stays on the studio origin', () => {
  assert.equal(isAllowedNavigation(APP_ENTRY_URL), true);
  for (const url of ['https://example.com', 'file:///home', 'http://127.0.0.1:3000/', 'javascript:alert(1)', 'studio://app.evil/']) {
    assert.equal(isAllowedNavigation(url), false, url);
  }
  assert.equal(isAppUrl('STUDIO://APP/index.html'), true, 'scheme and host are case-insensitive in URLs');
});

test('the Content-Security-Policy forbids foreign and inline scripts, eval, plugins and framing', () => {
  // The policy as both hosts serve it (SECURITY_HEADERS), not as the constant that builds it.
  const served = SECURITY_HEADERS['Content-Security-Policy'] ?? '';
  const directives = new Map(served.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'"]);
  assert.ok(!served.includes('unsafe-eval'));
  assert.deepEqual(directives.get('style-src'), ["'self'", "'unsafe-inline'"], 'inline styles only (Svelte Flow positions nodes with them), never inline scripts');
  assert.equal(SECURITY_HEADERS['X-Content-Type-Options'], 'nosniff');
  assert.equal(SECURITY_HEADERS['Referrer-Policy'], 'no-referrer', 'the web address carries its token: no referrer');
  assert.equal(SECURITY_HEADERS['Cross-Origin-Opener-Policy'], 'same-origin');
});
