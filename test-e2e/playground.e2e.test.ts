// The playground in Debian's Chromium, driven by playwright-core: it loads,
// squiggles a broken spec at the right lines (also one opened by a #code=
// link), Run shows the violated rule and its SVG timeline, a step selects its
// line, Stop ends a long search, and the text survives a reload.
// `npm run test:e2e` builds playground/dist first.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../scripts/chromium.js';
import { servePlayground, type Served } from '../scripts/serve-playground.js';

const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');
const noZap = seed.replace('        hw_stop(nic, sgt)\n        dma_buf_unmap_attachment(attach, sgt)\n', '');
const broken = `topology {
  host_bridge hb0
  device gpu under hb
}

driver d for gpu {
  action a() {
    let x = 64Mx
  }
}
`;

/** A spec whose one scenario has far more interleavings than a test can wait for. */
function busySpec(threads: number, steps: number): string {
  const actions = Array.from({ length: threads }, (_, i) => `  action a${i}() {\n${Array.from({ length: steps }, (_, k) => `    mmio_write(gpu, ${i * 100 + k})`).join('\n')}\n  }`);
  const branches = Array.from({ length: threads }, (_, i) => `    { d.a${i}() }`);
  return `topology {\n  host_bridge hb\n  device gpu under hb { bar 0 size 4K }\n}\ndriver d for gpu {\n${actions.join('\n')}\n}\nscenario busy {\n  bind d\n  parallel {\n${branches.join('\n')}\n  }\n}\n`;
}

const link = (text: string) => `#code=${Buffer.from(text, 'utf8').toString('base64url')}`;

let served: Served;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  served = await servePlayground();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await served?.close();
});

/** A page in a fresh profile (its own localStorage), with page errors collected. */
async function open(hash = ''): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url + hash);
  await page.waitForSelector('body[data-diagnostics="ready"]', { timeout: 30_000 });
  return { page, errors, context };
}

type Mk = { startLineNumber: number; startColumn: number; endColumn: number; code: string; message: string };

/** The markers of the version now in the editor, once they are shown. */
async function markers(page: Page): Promise<Mk[]> {
  await page.waitForFunction(() => {
    const p = (window as any).lifespecPlayground;
    return p.stats.shownVersion === p.model.getVersionId();
  });
  return page.evaluate(() => {
    const p = (window as any).lifespecPlayground;
    return p.monaco.editor.getModelMarkers({ owner: 'lifespec' }).map((m: any) => ({ startLineNumber: m.startLineNumber, startColumn: m.startColumn, endColumn: m.endColumn, code: m.code, message: m.message }));
  });
}

const editorText = (page: Page) => page.evaluate(() => (window as any).lifespecPlayground.model.getValue() as string);

async function setText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => (window as any).lifespecPlayground.model.setValue(t), text);
}

describe('the playground in Chromium', () => {
  test('loads: editor, highlighting, examples, no errors, no problems in the §1 example', async () => {
    const { page, errors } = await open();
    expect(await page.title()).toBe('Lifespec playground');
    await page.waitForSelector('.monaco-editor .view-lines');
    expect(await editorText(page)).toBe(seed);
    expect(await markers(page)).toEqual([]);
    expect(await page.textContent('#problems')).toBe('no problems');
    // Keywords are coloured by the grammar-derived highlighter.
    expect(await page.locator('.view-line span.mtk1, .view-line span[class^="mtk"]').count()).toBeGreaterThan(10);
    const options = await page.$$eval('#examples option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(['seed', 'seed-no-lock', 'seed-no-revoke-check', 'seed-no-zap', 'seed-no-unmap']));
    expect(options.filter((o) => o.startsWith('examples/bugs/')).length).toBeGreaterThanOrEqual(8);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(errors).toEqual([]);
  });

  test('a broken spec opened by #code= shows error squiggles at the right lines', async () => {
    const { page, errors } = await open(link(broken));
    expect(await editorText(page)).toBe(broken);
    const ms = await markers(page);
    expect(ms.map((m) => [m.startLineNumber, m.startColumn, m.code])).toEqual([
      [3, 20, 'invalid-parent'],
      [8, 13, 'malformed-number'],
    ]);
    expect(await page.textContent('#problems')).toBe('2 errors');
    expect(await page.locator('#problem-list .problem .where').allTextContents()).toEqual(['line 3:20', 'line 8:13']);
    // The squiggles are drawn on those lines.
    await page.waitForSelector('.monaco-editor .squiggly-error');
    const lines = await page.evaluate(() => {
      const p = (window as any).lifespecPlayground;
      const editorTop = document.querySelector('.monaco-editor .view-overlays')!.getBoundingClientRect().top;
      const lineHeight = p.editor.getOption(p.monaco.editor.EditorOption.lineHeight);
      return [...document.querySelectorAll('.monaco-editor .squiggly-error')].map((e) => Math.floor((e.getBoundingClientRect().top - editorTop) / lineHeight) + 1).sort();
    });
    expect(lines).toEqual([3, 8]);
    // The link is consumed: the text is in the editor (and autosaved), not in the address bar.
    expect(new URL(page.url()).hash).toBe('');
    expect(errors).toEqual([]);
  });

  test('markers follow typing: an error appears, then goes when it is fixed', async () => {
    const { page } = await open();
    await page.click('.monaco-editor .view-lines');
    const line = seed.split('\n').findIndex((l) => l.includes('device gpu under sw0')) + 1;
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln, column: p.model.getLineMaxColumn(ln) });
      p.editor.focus();
    }, line);
    await page.keyboard.type(' under');
    await expect.poll(async () => (await markers(page)).map((m) => m.startLineNumber), { timeout: 10_000 }).toEqual([line]);
    for (let i = 0; i < ' under'.length; i++) await page.keyboard.press('Backspace');
    await expect.poll(async () => (await markers(page)).length, { timeout: 10_000 }).toBe(0);
  });

  test('completion, hover and go to definition answer from the worker', async () => {
    const { page } = await open();
    const line = seed.split('\n').findIndex((l) => l.includes('dma_buf_move_notify(buf)')) + 1;
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln + 1, column: 1 });
      p.editor.focus();
    }, line);
    await page.keyboard.type('        buf.');
    await page.waitForSelector('.suggest-widget.visible', { timeout: 10_000 });
    await expect.poll(() => page.locator('.suggest-widget .monaco-list-row').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('resv')]));
    await page.keyboard.press('Escape');
    await setText(page, seed);

    // Hover (Ctrl+K Ctrl+I, as the mouse would) on the primitive: its signature and doc.
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln, column: p.model.getLineContent(ln).indexOf('dma_buf_move_notify') + 3 });
      p.editor.revealLineInCenter(ln);
      p.editor.focus();
      return p.editor.getAction('editor.action.showHover').run();
    }, line);
    await expect
      .poll(() => page.locator('.monaco-hover-content').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining('Calls move_notify on every dynamic attachment')]));
    await page.keyboard.press('Escape');

    // F12 on `bufs` in remove() goes to the state field.
    const use = seed.split('\n').findIndex((l) => l.includes('for buf in bufs')) + 1;
    const decl = seed.split('\n').findIndex((l) => l.includes('bufs: set<dma_buf>')) + 1;
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln, column: p.model.getLineContent(ln).indexOf('bufs') + 2 });
      p.editor.focus();
    }, use);
    await page.keyboard.press('F12');
    await expect.poll(() => page.evaluate(() => (window as any).lifespecPlayground.editor.getPosition().lineNumber), { timeout: 10_000 }).toBe(decl);
  });

  test('Run on a violating spec shows the rule and its SVG timeline; a step selects its line', async () => {
    const { page, errors } = await open(link(noZap));
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 60_000 });
    const card = page.locator('.scenario[data-scenario="hot_unplug"]');
    expect(await card.getAttribute('data-verdict')).toBe('violated');
    // The reductions the search used, as the CLI names them.
    expect(await card.locator('p.reductions').textContent()).toBe('Reduced by partial order: 1 local step taken alone.');
    const rules = await card.locator('.finding h3.rule').allTextContents();
    expect(rules).toEqual(expect.arrayContaining(['no_mapping_outlives_provider', 'model.dma_after_free']));
    const finding = card.locator('.finding[data-rule="model.dma_after_free"]');
    const svg = finding.locator('.timeline > svg.lifespec-timeline');
    expect(await svg.count()).toBe(1);
    expect(await svg.locator('.lt-step').count()).toBe(17);
    expect(await svg.locator('.lt-lane').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-thread')))).toEqual(['main', 'hw:nic']);
    expect(await svg.locator('.lt-step.lt-marked').getAttribute('data-thread')).toBe('hw:nic');
    expect(await svg.locator('.lt-life').count()).toBeGreaterThan(3);
    // Step 7 is `lock dma_buf#6.resv` in reg_mr.
    const step = svg.locator('.lt-step[data-step="7"]');
    const wanted = Number(await step.getAttribute('data-line'));
    expect(noZap.split('\n')[wanted - 1]).toContain('lock buf.resv');
    await step.click();
    const sel = await page.evaluate(() => (window as any).lifespecPlayground.editor.getSelection());
    expect(sel.startLineNumber).toBe(wanted);
    expect(sel.endLineNumber).toBe(wanted);
    expect(await page.textContent('#status')).toContain('2 violated');
    expect(errors).toEqual([]);
  });

  test('Run on a spec with errors explores nothing and says so', async () => {
    const { page } = await open(link(broken));
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]');
    expect(await page.textContent('#results')).toContain('Not explored: the spec has 2 problems');
  });

  test('Stop ends a long search', async () => {
    const { page } = await open(link(busySpec(7, 5)));
    await page.click('#run');
    await page.waitForFunction(() => Number(document.body.dataset.progressStates ?? 0) > 0, undefined, { timeout: 30_000 });
    expect(await page.isEnabled('#stop')).toBe(true);
    const t0 = Date.now();
    await page.click('#stop');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await page.textContent('#status')).toContain('Stopped');
    // Nothing reports progress any more.
    const states = await page.evaluate(() => document.body.dataset.progressStates);
    await page.waitForTimeout(600);
    expect(await page.evaluate(() => document.body.dataset.progressStates)).toBe(states);
    expect(await page.isEnabled('#run')).toBe(true);
    const verdict = await page.locator('.scenario').first().getAttribute('data-verdict');
    expect(verdict).toBe('incomplete');
  });

  test('Stop ends a long search on a page without shared memory too, by terminating the worker', async () => {
    const plain = await servePlayground({ isolated: false });
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(plain.url + link(busySpec(7, 5)));
      await page.waitForSelector('body[data-diagnostics="ready"]');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await page.click('#run');
      await page.waitForFunction(() => Number(document.body.dataset.progressStates ?? 0) > 0, undefined, { timeout: 30_000 });
      await page.click('#stop');
      await page.waitForSelector('body[data-run-state="done"]', { timeout: 3_000 });
      expect(await page.textContent('#status')).toContain('Stopped');
      const states = await page.evaluate(() => document.body.dataset.progressStates);
      await page.waitForTimeout(600);
      expect(await page.evaluate(() => document.body.dataset.progressStates)).toBe(states);
      // A new Run starts a fresh worker.
      await setText(page, noZap);
      await page.click('#run');
      await page.waitForSelector('.scenario[data-verdict="violated"]', { timeout: 30_000 });
    } finally {
      await plain.close();
    }
  });

  test('the text survives a reload, and Share puts it in a link that opens it', async () => {
    const { page, context } = await open();
    const text = `${seed}\n// edited ${Date.now()}\n`;
    await setText(page, text);
    await page.waitForTimeout(500);
    await page.reload();
    await page.waitForSelector('body[data-diagnostics="ready"]');
    expect(await editorText(page)).toBe(text);

    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('#share');
    await page.waitForFunction(() => document.body.dataset.shareUrl);
    const url = await page.evaluate(() => document.body.dataset.shareUrl!);
    expect(url).toContain('#code=');
    const other = await open(new URL(url).hash);
    expect(await editorText(other.page)).toBe(text);
  });
});
