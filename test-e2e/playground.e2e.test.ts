// The playground in Debian's Chromium, driven by playwright-core: it loads,
// squiggles a broken spec at the right lines (also one opened by a #code=
// link), Run shows the violated rule and its SVG timeline, a step selects its
// line, Stop ends a long search, the status moves during it, and the text
// survives a reload. Nothing is lost: a link opens as a new draft, and two
// tabs on one draft do not overwrite each other. Nothing is loaded from
// another origin, whatever a doc comment says, and no page breaks the
// Content-Security-Policy. A checker that throws, hangs or dies leaves the
// page usable, and a reload does not get stuck on the same text again.
// Several files as tabs: the main one uses another and Run shows the verdict,
// a used tab's problems show on it, F12 goes to a definition in another tab,
// a missing tab is a located problem, hover explains an own kind, and a
// shared link (and a reload) brings every tab back.
// `npm run test:e2e` builds playground/dist first.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
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

/** Two files of LANGUAGE.md §10's forms: a component with an own kind in one, a driver that uses them in the main one. */
const importer = `/// A memory region the RDMA core keeps for user space.
kind mr {
  refs: kref
  key: int = 0
}

/// The RDMA core: a component, bound to no device.
driver ib_core {
  state { mrs: set<mr> }
  fn mr_put(m: mr) {
    if kref_put(m.refs) {
      mrs.remove(m)
      free(m)
    }
  }
  action reg(key: int) -> mr fails ENOMEM {
    let m = new mr { key: key }
    mrs.add(m)
    return m
  }
  action put(m: mr) { mr_put(m) }
}
`;
const mainSpec = `use "importer.lspec"

topology {
  host_bridge hb
  device nic under hb
}

driver nicdrv for nic {
  state { keep: mr? }
  action grab() {
    let m = ib_core.reg(1)
    kref_get(m.refs)
    keep = m
  }
}

constraint answered {
  nicdrv.grab() leads_to ib_core.put(_)
}

scenario grab_never_put {
  bind nicdrv
  nicdrv.grab()
  expect violation answered
}
`;

/** The names of the tabs, in order, and the one shown. */
const tabNames = (page: Page) => page.$$eval('#tabs .tab', (ts) => ts.map((t) => `${(t as HTMLElement).dataset.name}${t.classList.contains('active') ? '*' : ''}`));

/** Adds a tab with + , names it in the box that opens, and types nothing: its text is set as a script would. */
async function addTab(page: Page, name: string, text: string): Promise<void> {
  await page.click('#tabs .tab-add');
  const box = page.locator('#tabs .tab-rename');
  await box.fill(name);
  await box.press('Enter');
  await expect.poll(() => tabNames(page)).toEqual(expect.arrayContaining([`${name}*`]));
  await setText(page, text);
}

const showTab = (page: Page, name: string) => page.click(`#tabs .tab[data-name="${name}"] .tab-name`);

let served: Served;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** What broke the Content-Security-Policy, on any page of a test: each test ends with none. */
let violations: string[] = [];
/** In a URL, marks a violation a test makes on purpose. */
const EXPECTED_VIOLATION = 'expected-csp-violation';

beforeAll(async () => {
  served = await servePlayground();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await served?.close();
});

afterEach(() => {
  const seen = violations;
  violations = [];
  expect(seen).toEqual([]);
});

/** A fresh profile (its own storage) whose pages report what breaks the CSP, in the page and in its workers. */
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  await context.exposeBinding('reportViolation', (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      if (!e.blockedURI.includes('expected-csp-violation')) (window as any).reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.on('page', (page) => {
    const watch = (m: { text(): string }) => {
      if (/Content Security Policy/i.test(m.text()) && !m.text().includes(EXPECTED_VIOLATION)) violations.push(m.text());
    };
    page.on('console', watch);
    page.on('worker', (w) => w.on('console', watch));
  });
  return context;
}

/** A page in a fresh profile (its own localStorage), with page errors collected. */
async function open(hash = ''): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
  const context = await newContext();
  const { page, errors } = await openIn(context, hash);
  return { page, errors, context };
}

/** Another tab of the same profile. */
async function openIn(context: BrowserContext, hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url + hash);
  await page.waitForSelector('body[data-diagnostics="ready"]', { timeout: 30_000 });
  return { page, errors };
}

/** A server on another origin (localhost, not 127.0.0.1) that counts what it is asked for. */
async function elsewhere(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Serves the page's worker with `shim` run before it: a worker made to hang, or to report less often. */
async function shimWorker(context: BrowserContext, shim: string): Promise<void> {
  await context.route('**/lifespec.worker.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: `${shim}\n${await response.text()}` });
  });
}

/** The text of the status line each time it changes, with the page's clock, from now on. */
async function recordStatus(page: Page): Promise<() => Promise<[number, string][]>> {
  await page.evaluate(() => {
    const w = window as any;
    const status = document.getElementById('status')!;
    w.statusSeen = [[performance.now(), status.textContent]];
    new MutationObserver(() => w.statusSeen.push([performance.now(), status.textContent])).observe(status, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => (window as any).statusSeen as [number, string][]);
}

/** The longest time the status line stood still between `from` and `to` (page clock), and how often it changed. */
function stillness(seen: [number, string][], from: number, to: number): { longest: number; changes: number } {
  const changes = seen.filter(([t], i) => i > 0 && t >= from && t <= to && seen[i]![1] !== seen[i - 1]![1]).map(([t]) => t);
  const stops = [from, ...changes, to];
  return { longest: Math.max(...stops.slice(1).map((t, i) => t - stops[i]!)), changes: changes.length };
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

/** Waits for the autosave of the text now in the editor. */
const saved = (page: Page) => page.waitForFunction(() => document.body.dataset.saveState === 'saved', undefined, { timeout: 5_000 });

/** Waits until the page has checked the text now in the editor, or said why it could not. */
const settled = (page: Page, timeout = 60_000) =>
  page.waitForFunction(
    () => {
      const p = (window as any).lifespecPlayground;
      const d = document.body.dataset;
      return d.diagnostics === 'failed' || (d.diagnostics === 'ready' && p.stats.shownVersion === p.model.getVersionId());
    },
    undefined,
    { timeout },
  );

/** Whether any value in the page's local storage holds `fragment` (a line without quotes or backslashes). */
const storedSomewhere = (page: Page, fragment: string) =>
  page.evaluate((f) => Object.keys(localStorage).some((k) => localStorage.getItem(k)!.includes(f)), fragment);

/** The draft of `text`, as the page's drafts list it. */
const draftOf = (page: Page, text: string) => page.evaluate((t) => (window as any).lifespecPlayground.drafts.list().find((d: any) => d.text === t)?.id as string | undefined, text);

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
    expect(await card.locator('p.reductions').textContent()).toBe('Reduced by fields dead after their last read: mlx5_ib.att; partial order: 1 local step taken alone.');
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
      const context = await newContext();
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

  test('the status line moves during a long search: progress at least every ~200 ms', async () => {
    const { page } = await open(link(busySpec(7, 5)));
    const seen = await recordStatus(page);
    const t0 = await page.evaluate(() => performance.now());
    await page.click('#run');
    await page.waitForFunction(() => Number(document.body.dataset.progressStates ?? 0) > 0, undefined, { timeout: 30_000 });
    await page.waitForTimeout(2_000);
    const t1 = await page.evaluate(() => performance.now());
    await page.click('#stop');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 5_000 });
    const s = stillness(await seen(), t0 + 100, t1);
    expect(s.changes).toBeGreaterThanOrEqual(2);
    expect(s.longest).toBeLessThan(450);
    expect((await seen()).map(([, t]) => t)).toEqual(expect.arrayContaining([expect.stringMatching(/^Exploring busy: [\d,]+ states, [\d,]+ transitions, \d+\.\d s$/)]));
  });

  test('the status line moves even when the explorer reports rarely: the page counts the time on', async () => {
    const context = await newContext();
    // The explorer's reports, one in 1.5 s: as a search whose steps are slow sends them.
    await shimWorker(context, `{ const post = self.postMessage.bind(self); let last = -Infinity;
      self.postMessage = (m, ...rest) => { if (m && m.type === 'progress') { const t = performance.now(); if (t - last < 1500) return; last = t; } post(m, ...rest); }; }`);
    const { page } = await openIn(context, link(busySpec(7, 5)));
    await page.click('#run');
    await page.waitForFunction(() => Number(document.body.dataset.progressStates ?? 0) > 0, undefined, { timeout: 30_000 });
    const seen = await recordStatus(page);
    const t0 = await page.evaluate(() => performance.now());
    await page.waitForTimeout(2_500);
    const t1 = await page.evaluate(() => performance.now());
    await page.click('#stop');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 5_000 });
    const s = stillness(await seen(), t0, t1);
    expect(s.changes).toBeGreaterThanOrEqual(5);
    expect(s.longest).toBeLessThan(450);
  });

  test('opening a #code= link keeps the draft you had: it can be restored, also after a reload', async () => {
    const { page, errors } = await open();
    const marker = `// my own draft ${Date.now()}`;
    const mine = `${seed}\n${marker}\n`;
    await setText(page, mine);
    await saved(page);
    // A link opened in the same tab (the hash changes), then a reload.
    await page.goto(served.url + link(broken));
    await expect.poll(() => editorText(page), { timeout: 5_000 }).toBe(broken);
    await saved(page);
    await page.reload();
    await page.waitForSelector('body[data-diagnostics="ready"]');
    expect(await editorText(page)).toBe(broken);
    // The draft is still stored, and the Drafts menu brings it back.
    expect(await storedSomewhere(page, marker)).toBe(true);
    const id = await draftOf(page, mine);
    const options = await page.$$eval('#drafts option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options.filter((o) => o)).toEqual(expect.arrayContaining([id]));
    expect(options.filter((o) => o)).toHaveLength(2);
    await page.selectOption('#drafts', id!);
    await expect.poll(() => editorText(page), { timeout: 5_000 }).toBe(mine);
    // The link again: the bar offers the text it replaced back, at once.
    await page.goto(served.url + link(broken));
    await expect.poll(() => editorText(page), { timeout: 5_000 }).toBe(broken);
    expect(await page.textContent('#notice')).toContain('Your previous text is kept');
    await page.click('#notice button:has-text("Restore your previous text")');
    await expect.poll(() => editorText(page), { timeout: 5_000 }).toBe(mine);
    expect(await page.evaluate(() => (window as any).lifespecPlayground.drafts.list().length)).toBe(2);
    // A link opened in a new tab keeps it too.
    const other = await openIn(page.context(), link(noZap));
    expect(await editorText(other.page)).toBe(noZap);
    await other.page.reload();
    await other.page.waitForSelector('body[data-diagnostics="ready"]');
    expect(await draftOf(other.page, mine)).toBe(id);
    expect(errors).toEqual([]);
  });

  test('two tabs on one draft: the other tab is told, and neither loses its text', async () => {
    const { page: a, context } = await open();
    const first = `${seed}\n// tab A ${Date.now()}\n`;
    await setText(a, first);
    await saved(a);
    // A new tab continues the draft saved last.
    const { page: b } = await openIn(context);
    expect(await editorText(b)).toBe(first);
    const second = `${first}// tab B wrote this\n`;
    await setText(b, second);
    await saved(b);
    // A hears of it through the storage event; its text is not replaced under it.
    const told = await a.waitForSelector('#notice:not([hidden])', { timeout: 5_000 }).then(
      () => a.textContent('#notice'),
      () => null,
    );
    expect(await editorText(a)).toBe(first);
    // A edits on: both texts are kept, A's as a draft of its own.
    const third = `${first}// tab A wrote this\n`;
    await setText(a, third);
    await saved(a);
    expect(await storedSomewhere(a, '// tab B wrote this')).toBe(true);
    expect(await storedSomewhere(a, '// tab A wrote this')).toBe(true);
    expect(told).toContain('Another tab saved this draft');
    expect(await a.textContent('#notice')).toContain('saved as a new draft');
    await b.reload();
    await b.waitForSelector('body[data-diagnostics="ready"]');
    expect(await editorText(b)).toBe(second);
    await a.reload();
    await a.waitForSelector('body[data-diagnostics="ready"]');
    expect(await editorText(a)).toBe(third);
    // From now on each saves its own draft: B hears nothing of A's saves.
    await setText(a, `${third}// more\n`);
    await saved(a);
    await b.waitForTimeout(300);
    expect(await b.isHidden('#notice')).toBe(true);
  });

  test('a doc comment’s image or HTML loads nothing from another origin when hovered', async () => {
    const other = await elsewhere();
    try {
      const doc = [`/// Exports BARs. ![beacon](${other.url}/beacon.png) <img src="${other.url}/img.png">`, `/// <iframe src="${other.url}/frame"></iframe> <video src="${other.url}/v.mp4"></video>`];
      const text = seed.replace('driver vfio_pci for gpu {', `${doc.join('\n')}\ndriver vfio_pci for gpu {`);
      const { page } = await open(link(text));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const line = text.split('\n').findIndex((l) => l.includes('bind vfio_pci')) + 1;
      await page.evaluate((ln) => {
        const p = (window as any).lifespecPlayground;
        p.editor.setPosition({ lineNumber: ln, column: p.model.getLineContent(ln).indexOf('vfio_pci') + 3 });
        p.editor.revealLineInCenter(ln);
        p.editor.focus();
        return p.editor.getAction('editor.action.showHover').run();
      }, line);
      await expect.poll(() => page.locator('.monaco-hover-content').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Exports BARs.')]));
      await page.waitForTimeout(500);
      const hover = page.locator('.monaco-hover-content');
      expect(await hover.locator('img, iframe, video').count()).toBe(0);
      // What the comment says is still there to read.
      expect((await hover.allTextContents()).join('').replace(/\u2060/g, '')).toContain('<img src=');
      expect(requests.filter((u) => !u.startsWith(served.url))).toEqual([]);
      expect(other.hits).toEqual([]);
    } finally {
      await other.close();
    }
  });

  test('the Content-Security-Policy stops the page loading from another origin at all', async () => {
    const { page } = await open();
    const other = await elsewhere();
    try {
      const finished: string[] = [];
      page.on('requestfinished', (r) => finished.push(r.url()));
      // What Monaco would have made of an image in a hover, had one got through; and a script and a fetch.
      const blocked = await page.evaluate(async (base) => {
        const seen: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
        const img = document.createElement('img');
        img.src = `${base}/img-expected-csp-violation.png`;
        document.body.append(img);
        const script = document.createElement('script');
        script.src = `${base}/script-expected-csp-violation.js`;
        document.body.append(script);
        await fetch(`${base}/fetch-expected-csp-violation`).catch(() => {});
        await new Promise((r) => setTimeout(r, 300));
        return [...new Set(seen)].sort();
      }, other.url);
      expect(blocked).toEqual(['connect-src', 'img-src', 'script-src-elem']);
      expect(other.hits).toEqual([]);
      expect(finished.filter((u) => u.startsWith(other.url))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  test('a huge spec (130,000 declarations) never leaves the page stuck, also after a reload', async () => {
    const { page, errors } = await open();
    const huge = Array.from({ length: 130_000 }, (_, i) => `fn f${i}() {\n}\n`).join('');
    await setText(page, huge);
    await settled(page);
    // Whatever the core makes of it, the page is not left saying "checking…".
    expect(await page.textContent('#problems')).not.toBe('checking…');
    if ((await page.evaluate(() => document.body.dataset.diagnostics)) === 'failed') {
      expect(await page.textContent('#status')).toMatch(/^Not checked: the checker failed on this text \(RangeError: .+\)\. The editor still works/);
      expect(await page.textContent('#problems')).toBe('not checked');
    }
    // Run on it says what happened, and ends.
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 60_000 });
    expect(await page.isEnabled('#run')).toBe(true);
    await saved(page);
    // A reload comes back to the same text, and is not stuck on it.
    await page.reload();
    await page.waitForSelector('.monaco-editor .view-lines', { timeout: 30_000 });
    await settled(page);
    expect(await page.evaluate(() => (window as any).lifespecPlayground.model.getValueLength())).toBe(huge.length);
    // The editor answers, and after an edit the next check and Run work as ever.
    await setText(page, noZap);
    await expect.poll(async () => (await markers(page)).length, { timeout: 30_000 }).toBe(0);
    expect(await page.textContent('#problems')).toBe('no problems');
    expect(await page.textContent('#status')).toBe('');
    await page.click('#run');
    await page.waitForSelector('.scenario[data-verdict="violated"]', { timeout: 30_000 });
    expect(errors).toEqual([]);
  });

  test('a checker that throws, or a worker that dies, leaves a clear status and a usable page', async () => {
    const context = await newContext();
    // A core that throws on a text with THROW in it (the analysis's first look at the clock throws), and a
    // worker that dies on one with CRASH in it (an exception the worker does not catch).
    await shimWorker(
      context,
      `{ let armed = false; const now = performance.now.bind(performance);
        performance.now = () => { if (armed) { armed = false; throw new RangeError('Maximum call stack size exceeded'); } return now(); };
        self.addEventListener('message', (e) => { const t = e.data && e.data.type === 'check' ? JSON.stringify(e.data.files) : '';
          armed = t.includes('THROW'); if (t.includes('CRASH')) throw new Error('the worker broke'); }); }`,
    );
    const { page, errors } = await openIn(context);
    await setText(page, `${seed}\n// THROW\n`);
    await page.waitForSelector('body[data-diagnostics="failed"]', { timeout: 10_000 });
    expect(await page.textContent('#problems')).toBe('not checked');
    expect(await page.textContent('#status')).toBe('Not checked: the checker failed on this text (RangeError: Maximum call stack size exceeded). The editor still works: edit the text, or click “not checked”, to check it again.');
    // Hover on that text gets an empty answer instead of waiting forever.
    const hovered = await page.evaluate(() => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: 2, column: 5 });
      p.editor.focus();
      return p.editor.getAction('editor.action.showHover').run().then(() => 'answered');
    });
    expect(hovered).toBe('answered');
    await saved(page);
    // An error is an answer: a reload checks the text again, and says the same at once.
    await page.reload();
    await page.waitForSelector('body[data-diagnostics="failed"]', { timeout: 10_000 });
    expect(await page.textContent('#status')).toContain('the checker failed on this text');
    // A worker that dies is replaced.
    await setText(page, `${seed}\n// CRASH\n`);
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000 }).toContain('Not checked: the checker stopped (');
    await setText(page, noZap);
    await expect.poll(async () => (await markers(page)).length, { timeout: 10_000 }).toBe(0);
    expect(await page.textContent('#status')).toBe('');
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 30_000 });
    expect(await page.locator('.scenario[data-verdict="violated"]').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  test('a checker that hangs is given up on; the page stays usable, and a reload does not hang on that text again', async () => {
    const context = await newContext();
    // A worker that never answers a check of a text with HANG in it.
    await shimWorker(context, `self.addEventListener('message', (e) => { if (e.data && e.data.type === 'check' && JSON.stringify(e.data.files).includes('HANG')) for (;;) {} });`);
    const { page, errors } = await openIn(context);
    await page.evaluate(() => {
      const limits = (window as any).lifespecPlayground.limits;
      limits.deadlineMs = () => 1_500;
      limits.slowMs = 300;
    });
    const hang = `${seed}\n// HANG\n`;
    await setText(page, hang);
    await page.waitForSelector('body[data-diagnostics="failed"]', { timeout: 10_000 });
    expect(await page.textContent('#problems')).toBe('not checked');
    expect(await page.textContent('#status')).toContain('Not checked: the checker was stopped, it did not answer within 2 s.');
    // A fresh worker answers the next edit, and Run works.
    await setText(page, noZap);
    await expect.poll(async () => (await markers(page)).length, { timeout: 10_000 }).toBe(0);
    expect(await page.textContent('#status')).toBe('');
    await page.click('#run');
    await page.waitForSelector('.scenario[data-verdict="violated"]', { timeout: 30_000 });
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 30_000 });
    // Back to the text it hangs on, then a reload: the page does not check it again by itself.
    await setText(page, hang);
    await page.waitForSelector('body[data-diagnostics="failed"]', { timeout: 10_000 });
    await saved(page);
    await page.reload();
    await page.waitForSelector('body[data-diagnostics="failed"]', { timeout: 10_000 });
    expect(await editorText(page)).toBe(hang);
    expect(await page.textContent('#status')).toContain('the last check of this text did not finish');
    // The editor and its worker answer: completion still comes.
    await setText(page, seed);
    await expect.poll(async () => (await markers(page)).length, { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
  });
  test('two tabs: the main one uses the other, Run shows the verdict, problems show on their tab, F12 switches tabs', async () => {
    const { page, errors } = await open();
    await setText(page, mainSpec);
    await addTab(page, 'importer.lspec', importer);
    await settled(page);
    expect(await markers(page)).toEqual([]);
    expect(await page.textContent('#problems')).toBe('no problems');
    // Run on the main tab explores the main spec, with what it uses.
    await showTab(page, 'main.lspec');
    expect(await tabNames(page)).toEqual(['main.lspec*', 'importer.lspec']);
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]', { timeout: 60_000 });
    const card = page.locator('.scenario[data-scenario="grab_never_put"]');
    expect(await card.getAttribute('data-verdict')).toBe('violated');
    expect(await card.locator('.finding h3.rule').allTextContents()).toEqual(['answered']);
    expect(await card.locator('.expect').textContent()).not.toMatch(/unmet/);
    // F12 on `reg` in the main tab goes to the action in the other tab.
    const line = mainSpec.split('\n').findIndex((l) => l.includes('ib_core.reg(1)')) + 1;
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln, column: p.model.getLineContent(ln).indexOf('reg(') + 2 });
      p.editor.focus();
    }, line);
    await page.keyboard.press('F12');
    await expect.poll(() => tabNames(page), { timeout: 10_000 }).toEqual(['main.lspec', 'importer.lspec*']);
    const target = importer.split('\n').findIndex((l) => l.includes('action reg(')) + 1;
    expect(await page.evaluate(() => (window as any).lifespecPlayground.editor.getPosition().lineNumber)).toBe(target);
    // A problem in the used tab is squiggled there, counted on its tab, and listed with its tab.
    await setText(page, importer.replace('return m', 'return m.nokey'));
    await expect.poll(async () => (await markers(page)).map((m) => m.code), { timeout: 10_000 }).toEqual(['unknown-member']);
    expect(await page.textContent('#tabs .tab[data-name="importer.lspec"] .tab-errors')).toBe('1');
    expect(await page.locator('#tabs .tab[data-name="main.lspec"] .tab-errors').count()).toBe(0);
    expect(await page.locator('#problem-list .problem .file').allTextContents()).toEqual(['importer.lspec']);
    // A click on it from the main tab shows it in its tab.
    await showTab(page, 'main.lspec');
    await page.click('#problem-list .problem');
    expect(await tabNames(page)).toEqual(['main.lspec', 'importer.lspec*']);
    expect(errors).toEqual([]);
  });

  test('a missing tab is a located problem at the `use` line; adding the tab clears it', async () => {
    const { page, errors } = await open();
    await setText(page, mainSpec);
    const ms = await markers(page);
    // First the `use` line, then what the names the file would have brought in leave unresolved.
    expect(ms.map((m) => [m.startLineNumber, m.startColumn, m.endColumn, m.code])[0]).toEqual([1, 5, 21, 'missing-file']);
    expect(ms[0]!.message).toBe('`use "importer.lspec"`: no tab is named `importer.lspec` (the tabs: main.lspec); add one with + and name it so');
    expect(ms.filter((m) => m.code === 'missing-file')).toHaveLength(1);
    expect(await page.textContent('#tabs .tab[data-name="main.lspec"] .tab-errors')).toBe(String(ms.length));
    expect(await page.locator('#problem-list .problem .where').first().textContent()).toBe('line 1:5');
    // The page stays usable: Run says why it explores nothing.
    await page.click('#run');
    await page.waitForSelector('body[data-run-state="done"]');
    expect(await page.textContent('#results')).toContain(`Not explored: the spec has ${ms.length} problems`);
    await addTab(page, 'importer.lspec', importer);
    await settled(page);
    await showTab(page, 'main.lspec');
    await expect.poll(async () => (await markers(page)).length, { timeout: 10_000 }).toBe(0);
    expect(await page.textContent('#problems')).toBe('no problems');
    // Renamed away, it is missing again.
    await page.dblclick('#tabs .tab[data-name="importer.lspec"] .tab-name');
    await page.locator('#tabs .tab-rename').fill('lib.lspec');
    await page.locator('#tabs .tab-rename').press('Enter');
    expect(await tabNames(page)).toEqual(['main.lspec', 'lib.lspec*']);
    await expect.poll(async () => (await markers(page)).map((m) => m.code)[0], { timeout: 10_000 }).toBe('missing-file');
    expect((await markers(page))[0]!.message).toContain('no tab is named `importer.lspec` (the tabs: main.lspec, lib.lspec)');
    expect(errors).toEqual([]);
  });

  test('hover on an own kind shows its fields; a closed tab can be reopened', async () => {
    const { page } = await open();
    await setText(page, mainSpec);
    await addTab(page, 'importer.lspec', importer);
    await showTab(page, 'main.lspec');
    await settled(page);
    const line = mainSpec.split('\n').findIndex((l) => l.includes('keep: mr?')) + 1;
    await page.evaluate((ln) => {
      const p = (window as any).lifespecPlayground;
      p.editor.setPosition({ lineNumber: ln, column: p.model.getLineContent(ln).indexOf('mr?') + 2 });
      p.editor.focus();
      return p.editor.getAction('editor.action.showHover').run();
    }, line);
    await expect.poll(() => page.locator('.monaco-hover-content').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/kind mr \{\s*refs: kref\s*key: int = 0\s*\}/)]));
    const text = (await page.locator('.monaco-hover-content').allTextContents()).join('\n');
    expect(text).toContain('A memory region the RDMA core keeps for user space.');
    expect(text).toContain("An object kind of the spec's own (importer.lspec)");
    await page.keyboard.press('Escape');
    // Closing a tab says so, and offers it back.
    await page.click('#tabs .tab[data-name="importer.lspec"] .tab-close');
    expect(await tabNames(page)).toEqual(['main.lspec*']);
    await page.click('#notice button:has-text("Reopen importer.lspec")');
    expect(await tabNames(page)).toEqual(['main.lspec', 'importer.lspec*']);
    expect(await editorText(page)).toBe(importer);
  });

  test('a shared link carries every tab, and so does a reload; an old #code= link still opens as one tab', async () => {
    const { page, context } = await open();
    await setText(page, mainSpec);
    await addTab(page, 'importer.lspec', importer);
    await saved(page);
    await page.reload();
    await page.waitForSelector('body[data-diagnostics="ready"]');
    expect(await tabNames(page)).toEqual(['main.lspec*', 'importer.lspec']);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('#share');
    await page.waitForFunction(() => document.body.dataset.shareUrl);
    const url = await page.evaluate(() => document.body.dataset.shareUrl!);
    expect(url).toContain('#files=');
    const other = await open(new URL(url).hash);
    expect(await tabNames(other.page)).toEqual(['main.lspec*', 'importer.lspec']);
    const files = await other.page.evaluate(() => (window as any).lifespecPlayground.tabs.files());
    expect(files).toEqual([
      { name: 'main.lspec', text: mainSpec },
      { name: 'importer.lspec', text: importer },
    ]);
    expect(await markers(other.page)).toEqual([]);
    expect(other.errors).toEqual([]);
    const old = await open(link(noZap));
    expect(await tabNames(old.page)).toEqual(['main.lspec*']);
    expect(await editorText(old.page)).toBe(noZap);
  });
});

