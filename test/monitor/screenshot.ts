/**
 * Takes the README's screenshot of the monitor: `npx tsx test/monitor/screenshot.ts` writes
 * test/monitor/screenshot.png (headless chromium, like the UI tests).
 */
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/index.js';
import { serveMonitor } from '../../src/monitor/index.js';
import { launchBrowser } from './browser.js';
import { eventually, registerDemoFlow } from './fixtures.js';

registerDemoFlow('orders');
const runtime = new Runtime();
const monitor = await serveMonitor(runtime);
const browser = await launchBrowser();
try {
  const customers = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis'];
  customers.forEach((customer, i) =>
    runtime.post('orders', 'start', 'in', { order: 1000 + i }, { jobId: `order-${1000 + i}`, metadata: { customer, ...(i === 3 ? { fail: 'card declined' } : {}) } }),
  );
  await runtime.waitUntilAllJobsFinished();
  runtime.post('orders', 'start', 'in', { order: 1100 }, { jobId: 'order-1100', metadata: { customer: 'alan', hold: true } });
  await eventually(() => runtime.getJob('order-1100')?.status === 'running');
  const page = await browser.context.newPage();
  await page.goto(monitor.url);
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
  await page.locator('#jobs-body tr[data-job-id="order-1003"]').click();
  await page.getByTestId('trace-entry').first().waitFor();
  await page.screenshot({ path: fileURLToPath(new URL('./screenshot.png', import.meta.url)), fullPage: true });
  console.log('wrote test/monitor/screenshot.png');
} finally {
  await browser.close();
  await monitor.close();
  await runtime.shutdown({ timeout: 0 });
}
