// Loads the GraphiQL page in headless Chromium (Debian's /usr/bin/chromium)
// with no network but the server's, pastes a token in the Headers editor,
// runs the default query, opens the Explorer and takes a screenshot:
//   node check.mjs http://127.0.0.1:PORT/ TOKEN SCREENSHOT.png
// Prints one JSON object: what loaded from where, errors, the result.
import { chromium } from 'playwright-core';

const [url, token, screenshot] = process.argv.slice(2);
const origin = new URL(url).origin;
const report = { offsite: [], errors: [], requests: 0 };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // No name resolves but the server's address: as on a machine without internet.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + '/') || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    report.offsite.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', () => report.requests++);
  report.graphql = [];
  page.on('response', async (r) => {
    if (!r.url().startsWith(origin + '/graphql')) return;
    const op = JSON.parse(r.request().postData() || '{}').operationName || '';
    report.graphql.push(op + ' ' + r.status() + ' ' + (await r.text().catch(() => '')).slice(0, 150));
  });
  page.on('console', (m) => { if (m.type() === 'error') report.errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => report.errors.push('page: ' + e.message));
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(origin + '/')) report.errors.push('failed: ' + r.url() + ' ' + r.failure()?.errorText);
  });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container .graphiql-execute-button', { timeout: 15000 });
  // The editors are CodeMirror 5: set the headers through its API, as a paste would.
  const editors = async () => page.$$eval('.CodeMirror', (els) => els.map((e) => e.CodeMirror.getValue()));
  report.defaultQuery = (await editors()).find((v) => v.includes('query FirstLook')) || '';
  const set = await page.evaluate((tok) => {
    const cm = [...document.querySelectorAll('.CodeMirror')].map((e) => e.CodeMirror).find((c) => c.getValue().includes('<paste a token here>'));
    if (!cm) return false;
    cm.setValue(JSON.stringify({ Authorization: 'Bearer ' + tok }, null, 2));
    return true;
  }, token);
  if (!set) throw new Error('no Headers editor with an Authorization header');
  const answered = page.waitForResponse((r) => r.url() === origin + '/graphql' && r.request().method() === 'POST' &&
    (r.request().postData() || '').includes('FirstLook'));
  await page.click('.graphiql-execute-button');
  const resp = await answered;
  report.authorization = (await resp.request().allHeaders())['authorization'] || '';
  await page.waitForFunction(() => [...document.querySelectorAll('.result-window .CodeMirror')]
    .some((e) => e.CodeMirror.getValue().includes('"viewer"')), null, { timeout: 15000 });
  report.result = (await page.$$eval('.result-window .CodeMirror', (els) => els.map((e) => e.CodeMirror.getValue()))).join('\n');

  await page.click('button[aria-label="Show GraphiQL Explorer"]');
  await page.waitForSelector('.graphiql-explorer-root', { timeout: 15000 });
  report.explorer = await page.$eval('.graphiql-explorer-root', (e) => e.innerText.slice(0, 200));
} catch (e) {
  report.errors.push('check: ' + e.message);
} finally {
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages.length) await pages[0].screenshot({ path: screenshot }).catch(() => {});
  await browser.close();
}
console.log(JSON.stringify(report));
