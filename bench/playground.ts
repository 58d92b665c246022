/**
 * The playground measured in Chromium (`npm run bench:playground`, which
 * builds playground/dist first):
 *
 * - the bundle: the gzipped size of every JS, CSS and HTML file of
 *   playground/dist (gzip -9 of each file, summed);
 * - page load to first diagnostics: from navigation start to the moment the
 *   first markers (possibly none) are set in the editor, for the §1 example
 *   and for a generated 1,000-line spec opened through `#code=`;
 * - keystroke to markers on that 1,000-line spec: from the edit reaching the
 *   editor model to the markers of that version being set, one keystroke at a
 *   time, alternately adding and removing an error. This includes the
 *   debounce of the page (350 ms); the worker's check time is shown apart.
 *
 * `-- RUNS` sets how many page loads and keystrokes are sampled (default 7 and 20).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../scripts/chromium.js';
import { servePlayground } from '../scripts/serve-playground.js';
import { generateSpecOfLines } from './generate.js';

const loads = Number(process.argv[2] ?? 7);
const keystrokes = Number(process.argv[3] ?? 20);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

const dist = join(process.cwd(), 'playground/dist');
const shipped = files(dist).filter((f) => /\.(js|css|html)$/.test(f));
const sizes = shipped.map((f) => {
  const bytes = readFileSync(f);
  return { file: f.slice(dist.length + 1), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const total = sizes.reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzip: a.gzip + s.gzip }), { bytes: 0, gzip: 0 });
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
console.log('bundle (playground/dist, gzip -9 per file):');
for (const s of sizes.sort((a, b) => b.gzip - a.gzip)) console.log(`  ${s.file.padEnd(22)} ${kib(s.bytes).padStart(9)} → ${kib(s.gzip).padStart(8)}`);
console.log(`  ${'total'.padEnd(22)} ${kib(total.bytes).padStart(9)} → ${kib(total.gzip).padStart(8)} gzipped`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

const big = generateSpecOfLines(1000);
const link = `#code=${Buffer.from(big, 'utf8').toString('base64url')}`;
const served = await servePlayground();
const browser = await launchChromium();
console.log(`\nChromium ${browser.version()}; the 1,000-line spec has ${big.split('\n').length} lines`);

async function firstDiagnostics(hash: string): Promise<{ page: Page; ms: number; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(served.url + hash);
  await page.waitForSelector('body[data-diagnostics="ready"]', { timeout: 60_000 });
  const t = await page.evaluate(() => (window as unknown as { lifespecPlayground: { stats: { firstDiagnosticsMs: number } } }).lifespecPlayground.stats.firstDiagnosticsMs);
  return { page, ms: t, close: () => context.close() };
}

for (const [label, hash] of [
  ['§1 example', ''],
  ['1,000-line spec', link],
] as const) {
  const samples: number[] = [];
  for (let i = 0; i < loads; i++) {
    const r = await firstDiagnostics(hash);
    samples.push(r.ms);
    await r.close();
  }
  console.log(`page load → first diagnostics, ${label}: median ${ms(median(samples))} (min ${ms(Math.min(...samples))}, max ${ms(Math.max(...samples))}, ${loads} loads)`);
}

// Keystrokes on the 1,000-line spec: one at a time, each waited for.
const { page, close } = await firstDiagnostics(link);
const line = big.split('\n').findIndex((l) => l.includes('revoked = true')) + 1;
await page.evaluate((ln) => {
  const p = (window as unknown as { lifespecPlayground: { editor: { setPosition(p: unknown): void; focus(): void; revealLineInCenter(l: number): void }; model: { getLineMaxColumn(l: number): number } } }).lifespecPlayground;
  p.editor.revealLineInCenter(ln);
  p.editor.setPosition({ lineNumber: ln, column: p.model.getLineMaxColumn(ln) });
  p.editor.focus();
}, line);
const latencies: number[] = [];
const checks: number[] = [];
const errorsSeen: number[] = [];
for (let i = 0; i < keystrokes; i++) {
  // `revoked = true` + `x` is `truex`, an unknown name; Backspace fixes it again.
  if (i % 2 === 0) await page.keyboard.type('x');
  else await page.keyboard.press('Backspace');
  await page.waitForFunction(() => {
    const p = (window as unknown as { lifespecPlayground: { stats: { shownVersion: number }; model: { getVersionId(): number } } }).lifespecPlayground;
    return p.stats.shownVersion === p.model.getVersionId();
  });
  const s = await page.evaluate(() => {
    const p = (window as unknown as { lifespecPlayground: { stats: { lastEditToMarkersMs: number; lastCheckMs: number }; monaco: { editor: { getModelMarkers(f: unknown): unknown[] } } } }).lifespecPlayground;
    return { latency: p.stats.lastEditToMarkersMs, check: p.stats.lastCheckMs, markers: p.monaco.editor.getModelMarkers({ owner: 'lifespec' }).length };
  });
  latencies.push(s.latency);
  checks.push(s.check);
  errorsSeen.push(s.markers);
}
await close();
await browser.close();
await served.close();

const withError = errorsSeen.filter((_, i) => i % 2 === 0);
if (withError.some((n) => n === 0) || errorsSeen.filter((_, i) => i % 2 === 1).some((n) => n !== 0)) {
  console.error('unexpected markers: the edit did not add and remove an error as planned', errorsSeen);
  process.exitCode = 1;
}
console.log(
  `keystroke → markers, 1,000-line spec: median ${ms(median(latencies))}, p90 ${ms(pct(latencies, 90))} (${keystrokes} keystrokes; 350 ms of it is the debounce)`,
);
console.log(`  of which the worker's parse and check: median ${ms(median(checks))}, p90 ${ms(pct(checks, 90))}`);
