// Lighthouse (accessibility, best practices, SEO) over several pages in one Chromium.
//
// Usage: node lighthouse-pages.mjs URL... > report.json
// Prints one JSON object: {url: {scores: {category: score}, failed: [{id, title, items}]}}.
// Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) is launched once and every
// page is audited in a fresh tab of it: starting Chromium is most of a one-page run.
// The waits are shorter than Lighthouse's defaults because the pages come from loopback
// (they hold only with the default simulated throttling: Lighthouse lengthens them to 5.25 s
// otherwise); performance is not audited here (docs/performance.md measures speed).
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, {desktopConfig} from 'lighthouse';

const CATEGORIES = ['accessibility', 'best-practices', 'seo'];

const config = {
  extends: 'lighthouse:default',
  settings: {
    ...desktopConfig.settings,
    onlyCategories: CATEGORIES,
    pauseAfterFcpMs: 250,
    pauseAfterLoadMs: 250,
    networkQuietThresholdMs: 250,
    cpuQuietThresholdMs: 250,
    maxWaitForLoad: 30000,
    skipAboutBlank: true,
    disableStorageReset: true,
  },
};

function failures(lhr) {
  const audited = new Set(CATEGORIES.flatMap((c) => lhr.categories[c].auditRefs
    .filter((r) => r.weight > 0).map((r) => r.id)));
  return Object.values(lhr.audits)
    .filter((a) => audited.has(a.id) && a.score !== null && a.score < 1
      && ['binary', 'numeric', 'metricSavings'].includes(a.scoreDisplayMode))
    .map((a) => ({id: a.id, title: a.title,
      items: (a.details?.items || []).slice(0, 5).map((i) => i.node?.snippet || i.source?.url
        || i.description || i.url || JSON.stringify(i).slice(0, 200))}));
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const report = {};
try {
  for (const url of process.argv.slice(2)) {
    const result = await lighthouse(url, {port: chrome.port, logLevel: 'error', output: 'json'}, config);
    const lhr = result.lhr;
    report[url] = {
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, lhr.categories[c].score])),
      failed: failures(lhr),
      runtimeError: lhr.runtimeError?.message || null,
    };
  }
} finally {
  await chrome.kill();
}
process.stdout.write(JSON.stringify(report, null, 1) + '\n');
