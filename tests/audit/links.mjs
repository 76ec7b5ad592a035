// Every internal link of the site checked by linkinator, from the pages given.
//
// Usage: node links.mjs SITE RECURSE URL... > report.json
// SITE is the server's origin (links leaving it are skipped: the tests never reach the
// internet); RECURSE is "recurse" to crawl every page reachable, anything else for one level.
// Prints {checked: N, broken: [{url, status, parent}]}. Exits explicitly: the server keeps
// idle connections open for minutes, which would otherwise keep Node waiting.
import {check} from 'linkinator';

const [site, recurse, ...urls] = process.argv.slice(2);
const result = await check({
  path: urls,
  recurse: recurse === 'recurse',
  concurrency: 8,
  timeout: 30000,
  linksToSkip: async (link) => !link.startsWith(site),
});
const checked = result.links.filter((link) => link.state !== 'SKIPPED');
const broken = checked.filter((link) => link.state === 'BROKEN')
  .map((link) => ({url: link.url, status: link.status, parent: link.parent ?? null}));
process.stdout.write(JSON.stringify({checked: checked.length, broken}) + '\n');
process.exit(0);
