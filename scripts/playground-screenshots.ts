// Takes the playground screenshots of docs/ in Chromium: the editor with error
// squiggles (docs/playground-editor.png) and a counterexample timeline after
// Run (docs/playground-timeline.png). `npm run docs:screenshots` builds the
// playground first.
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.js';
import { servePlayground } from './serve-playground.js';

const seed = readFileSync('examples/vfio_mlx5_hotunplug.lspec', 'utf8');
const link = (text: string) => `#code=${Buffer.from(text, 'utf8').toString('base64url')}`;

// Two slips a newcomer makes: a parent that is not in the topology, and a misspelt primitive.
const broken = seed.replace('device nic under sw0', 'device nic under sw1').replace('dma_buf_move_notify(buf)', 'dma_buf_move_notfy(buf)');
// §1 without the `if revoked` check: the map after the revoke, found only by exploring the race.
const race = seed.replace('      if revoked { fail ENODEV }\n', '');

const served = await servePlayground();
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();

  await page.goto(served.url + link(broken));
  await page.waitForSelector('body[data-diagnostics="ready"]');
  await page.waitForSelector('.monaco-editor .squiggly-error');
  // Show the second problem's message under its line, as F8 does.
  const line = broken.split('\n').findIndex((l) => l.includes('dma_buf_move_notfy')) + 1;
  await page.evaluate((ln) => {
    const p = (window as unknown as { lifespecPlayground: { editor: { setPosition(p: unknown): void; focus(): void; revealLineInCenter(l: number): void; getAction(id: string): { run(): Promise<void> } } } }).lifespecPlayground;
    p.editor.setPosition({ lineNumber: ln, column: 1 });
    p.editor.focus();
    return p.editor.getAction('editor.action.marker.next').run();
  }, line);
  await page.evaluate(() => {
    (window as unknown as { lifespecPlayground: { editor: { setScrollTop(n: number): void } } }).lifespecPlayground.editor.setScrollTop(0);
    document.getElementById('toast')!.hidden = true;
  });
  await page.waitForTimeout(400);
  await page.screenshot({ path: 'docs/playground-editor.png' });
  console.log('wrote docs/playground-editor.png');

  await page.setViewportSize({ width: 1700, height: 940 });
  await page.goto('about:blank');
  await page.goto(served.url + link(race));
  await page.waitForSelector('body[data-diagnostics="ready"]');
  await page.click('#run');
  await page.waitForSelector('body[data-run-state="done"]');
  const finding = page.locator('.scenario[data-scenario="unplug_races_registration"] .finding[data-rule="no_mapping_outlives_provider"]');
  await finding.scrollIntoViewIfNeeded();
  // Click the violating step: the editor selects the p2pdma_map line it points at.
  await finding.locator('.lt-step.lt-marked').click();
  await page.evaluate(() => {
    document.querySelector('.scenario[data-scenario="unplug_races_registration"]')?.scrollIntoView();
    document.getElementById('toast')!.hidden = true;
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/playground-timeline.png' });
  console.log('wrote docs/playground-timeline.png');
} finally {
  await browser.close();
  await served.close();
}
