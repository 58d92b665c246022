/**
 * The results of a run as the page shows them: a card per scenario, with its
 * verdict, numbers and `expect` line, the reductions the search used, and an
 * SVG timeline per violated rule (or deadlock) that scrolls sideways under a
 * label column that stays in view.
 */
import type { Response } from './protocol.js';

type ScenarioResult = Extract<Response, { type: 'scenario' }>['result'];

/** A count as the page shows it: 12,345. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** An element with a class and, if given, its text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function statsText(r: ScenarioResult): string {
  const ms = r.timeMs < 1000 ? `${Math.round(r.timeMs)} ms` : `${(r.timeMs / 1000).toFixed(2)} s`;
  return `${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${ms}`;
}

function expectText(r: ScenarioResult): string {
  const e = r.expect ?? { outcome: 'ok', rules: [] };
  const text = e.outcome === 'violation' ? `expect violation ${e.rules.join(', ')}` : `expect ${e.outcome}`;
  return `${text}: ${r.expectMet === true ? 'met' : r.expectMet === false ? 'NOT met' : 'undecided'}`;
}

/** A scenario's result as a card: verdict, numbers, `expect`, reductions, and a timeline per finding. */
export function scenarioCard(r: ScenarioResult, timelines: readonly string[]): HTMLElement {
  const card = el('section', `scenario verdict-${r.verdict}`);
  card.dataset.scenario = r.scenario;
  card.dataset.verdict = r.verdict;
  const head = el('header', '');
  const label = { ok: 'OK', violated: 'VIOLATED', deadlock: 'DEADLOCK', incomplete: 'INCOMPLETE' }[r.verdict];
  head.append(el('span', 'badge', label), el('span', 'name', r.scenario), el('span', 'stats', statsText(r)), el('span', `expect ${r.expectMet === false ? 'unmet' : ''}`, expectText(r)));
  card.append(head);
  if (r.verdict === 'ok') card.append(el('p', 'summary', `Holds in all ${fmt(r.states)} states.`));
  // As the CLI says it: what made the state count smaller than every interleaving.
  if (r.reductions.length > 0) card.append(el('p', 'summary reductions', `Reduced by ${r.reductions.join('; ')}.`));
  if (r.incomplete) card.append(el('p', 'summary', `${r.incomplete.reason}${r.verdict === 'incomplete' ? '' : '; what was found so far is shown'}.`));
  const findings = [...r.violations.map((v) => ({ rule: v.rule, message: v.message, steps: v.trace.length })), ...(r.deadlock ? [{ rule: 'deadlock', message: r.deadlock.waiting.map((w) => `${w.thread} waits for ${w.on}`).join('; '), steps: r.deadlock.trace.length }] : [])];
  findings.forEach((f, i) => {
    const box = el('div', 'finding');
    box.dataset.rule = f.rule;
    box.append(el('h3', 'rule', f.rule), el('p', 'message', `${f.message} — shortest trace, ${f.steps} step${f.steps === 1 ? '' : 's'}; click a step to see its line.`));
    const tl = el('div', 'timeline');
    tl.innerHTML = timelines[i] ?? '';
    // A copy of the label column stays in view while the steps scroll sideways.
    const svg = tl.querySelector('svg');
    if (svg) {
      const labels = el('div', 'timeline-labels');
      labels.style.width = `${svg.getAttribute('data-label-width') ?? 100}px`;
      labels.setAttribute('aria-hidden', 'true');
      labels.innerHTML = timelines[i] ?? '';
      // Only the labels are seen there; the steps stay in the scrolling original.
      labels.querySelectorAll('.lt-step, .lt-lock, .lt-armed, .lt-mark-line').forEach((x) => x.remove());
      tl.append(labels);
    }
    box.append(tl);
    card.append(box);
    // The violating step is the last column: show it, with what led up to it.
    requestAnimationFrame(() => (tl.scrollLeft = tl.scrollWidth));
  });
  return card;
}
