import type { Hono } from 'hono';
import { APP_SCRIPT } from './app-script.js';
import { DIAGRAM_SCRIPT } from './diagram-script.js';
import { PAGE_HTML } from './page.js';
import { STYLE_CSS } from './style.js';

/**
 * Only this page's own files may run or load: no inline script, no other origin. Even if a job's value got into
 * the page as markup, it could not run.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SCRIPT = `${DIAGRAM_SCRIPT}\n${APP_SCRIPT}`;

/** Serves the web UI: `/` (the page), `/app.js`, `/app.css`. They hold no data, so they need no token. */
export function mountUi(app: Hono): void {
  const asset = (body: string, type: string) => () =>
    new Response(body, { headers: { 'Content-Type': `${type}; charset=utf-8`, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache' } });
  app.get('/', asset(PAGE_HTML, 'text/html'));
  app.get('/app.js', asset(SCRIPT, 'text/javascript'));
  app.get('/app.css', asset(STYLE_CSS, 'text/css'));
}
