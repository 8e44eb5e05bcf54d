/**
 * The Content-Security-Policy of the studio window, the same in Electron (set
 * by the custom protocol) and in web mode (set by the web host): scripts and
 * everything else only from the renderer's own origin, no eval, no inline
 * scripts, no plugins, no frames, no form posts. Inline styles stay allowed
 * because Svelte and Svelte Flow position elements through style attributes;
 * a style cannot run code. `connect-src 'self'` covers the web host's own
 * WebSocket (CSP level 3 matches ws: against the page's http: origin).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Headers on every file of the renderer, in both hosts. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The web mode's address carries its token: never send it to anyone as a referrer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
