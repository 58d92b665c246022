/**
 * Counterexample timelines as SVG: a lane per thread (and per armed device's
 * hardware DMA), a box per step, the locks each thread holds as bands, the
 * objects the run touches as lifetime bars, and the violating step marked.
 * The playground shows them after Run and `lifespec run --svg OUT.svg`
 * writes them, so this module is platform-neutral: it returns SVG text and
 * touches no DOM.
 */
import { shown, visible } from '../diagnostics/format.js';
import type { ScenarioResult } from '../explore/result.js';
import { timelineModel, type Finding, type TimelineModel, type TimelineOptions } from './timeline-model.js';

/** Markup-escapes a text that is already safe to show. */
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/**
 * A spec's text as SVG character data or an attribute value. XML 1.0 forbids
 * most C0 controls even as character references, so they (and DEL, C1, the
 * bidi controls, lone surrogates) are written as visible escapes such as
 * `\x1b` first: the file stays well-formed whatever the spec's messages say.
 */
const esc = (s: string) => xml(shown(s));
/** The same for a `data-` attribute a host reads back (a URI, a thread): escaped, never clipped. */
const attr = (s: string) => xml(visible(s));

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const CHAR = 6.3; // width of a character at 10.5px in the fonts above, near enough
const LABEL_W = 104;
const COL_W = 138;
const BOX_W = 128;
const LINE_H = 12.5;
const MAX_LINES = 6;
const LOCK_H = 13;
const OBJ_H = 20;
const PAD = 12;

const laneColors = ['#2563eb', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9333ea', '#ea580c'];
const hwColor = '#d97706';

/**
 * Breaks a text into lines of at most `width` characters, at spaces and after
 * `,(.` where it can. Each ` · ` part of an event starts a line of its own.
 */
export function wrapText(text: string, width: number, maxLines = Infinity): string[] {
  const lines = text
    .split(' · ')
    .flatMap((part, i) => wrapPart(i ? `· ${part}` : part, width));
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const tail = kept[maxLines - 1]!;
    kept[maxLines - 1] = `${tail.slice(0, Math.max(0, width - 1))}…`;
    return kept;
  }
  return lines;
}

function wrapPart(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    // After a space or `,(.` if there is one in the line's last two thirds, else after a `_`.
    const at = (ok: (c: string, next: string) => boolean) => {
      for (let i = width; i > width / 3; i--) if (ok(rest[i - 1]!, rest[i]!)) return i;
      return -1;
    };
    let cut = at((c, next) => next === ' ' || c === ' ' || c === ',' || c === '(' || c === '.');
    if (cut < 0) cut = at((c) => c === '_');
    if (cut < 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/**
 * One finding's trace as a standalone SVG document: lanes, steps, locks,
 * lifetimes, the violating step marked. Each step box is a `<g
 * class="lt-step">` with `data-step`, `data-thread`, `data-uri`,
 * `data-line` and `data-column`, so a host can link it to the source.
 */
export function renderTimeline(result: ScenarioResult, finding: Finding, options: TimelineOptions = {}): string {
  return drawTimeline(timelineModel(result, finding, options), options.heading ?? true).svg;
}

function drawTimeline(m: TimelineModel, heading: boolean): { svg: string; width: number; height: number } {
  const n = m.steps.length;
  const width = LABEL_W + n * COL_W + PAD;
  const out: string[] = [];
  let y = PAD;

  // Heading: the scenario, the rule, and the message wrapped to the width.
  if (heading) {
    out.push(`<text class="lt-title" x="${PAD}" y="${y + 13}">${esc(`scenario ${m.scenario}`)} — <tspan class="lt-rule">${esc(m.rule)}</tspan></text>`);
    y += 20;
    for (const line of wrapText(shown(m.message), Math.max(40, Math.floor((width - 2 * PAD) / 6.6)), 3)) {
      out.push(`<text class="lt-msg" x="${PAD}" y="${y + 12}">${xml(line)}</text>`);
      y += 15;
    }
    y += 6;
  }

  // Step numbers over the columns.
  const colX = (i: number) => LABEL_W + i * COL_W;
  const top = y;
  out.push(`<text class="lt-axis" x="${PAD}" y="${y + 11}">step</text>`);
  for (let i = 0; i < n; i++) {
    const cls = i === m.marked ? 'lt-axis lt-axis-marked' : 'lt-axis';
    out.push(`<text class="${cls}" x="${colX(i) + BOX_W / 2}" y="${y + 11}" text-anchor="middle">${m.steps[i]!.step}${i === m.marked ? ' ✗' : ''}</text>`);
  }
  y += 18;

  // Lanes.
  const body: string[] = [];
  let colorIndex = 0;
  for (const lane of m.lanes) {
    const hw = lane.thread.startsWith('hw:');
    const color = hw ? hwColor : laneColors[colorIndex++ % laneColors.length]!;
    const mine = m.steps.map((s, i) => ({ s, i })).filter((x) => x.s.thread === lane.thread);
    const lines = mine.map((x) => wrapText(shown(x.s.event), Math.floor((BOX_W - 10) / CHAR), MAX_LINES).length);
    const boxH = Math.max(2, ...lines) * LINE_H + 10;
    // Lock bands stack in rows where they overlap.
    const rows: number[] = [];
    const lockRow = lane.locks.map((l) => {
      let r = rows.findIndex((end) => end < l.from);
      if (r < 0) r = rows.push(-1) - 1;
      rows[r] = l.to;
      return r;
    });
    const bandRows = rows.length + (lane.armed.length ? 1 : 0);
    const laneH = boxH + 12 + bandRows * (LOCK_H + 3) + (bandRows ? 4 : 0);
    body.push(`<g class="lt-lane" data-thread="${attr(lane.thread)}">`);
    body.push(`<rect class="lt-lane-bg" x="0" y="${y}" width="${width}" height="${laneH}"/>`);
    body.push(`<text class="lt-lane-label" x="${PAD}" y="${y + 18}" style="fill:${color}">${esc(lane.thread)}</text>`);
    if (hw) body.push(`<text class="lt-lane-note" x="${PAD}" y="${y + 32}">hardware DMA</text>`);
    mine.forEach(({ s, i }) => {
      const x = colX(i);
      const marked = i === m.marked;
      const text = wrapText(shown(s.event), Math.floor((BOX_W - 10) / CHAR), MAX_LINES);
      // The tooltip's two lines: the step, then where it is.
      const title = `${esc(`${s.step}. ${s.thread}: ${s.event}`)}\n${esc(`${s.uri}:${s.line}:${s.column}`)}`;
      body.push(
        `<g class="lt-step${marked ? ' lt-marked' : ''}" data-step="${s.step}" data-thread="${attr(s.thread)}" data-uri="${attr(s.uri)}" data-line="${s.line}" data-column="${s.column}" tabindex="0">`,
        `<title>${title}</title>`,
        `<rect class="lt-box" x="${x}" y="${y + 6}" width="${BOX_W}" height="${boxH}" rx="4" style="stroke:${marked ? '#dc2626' : color}"/>`,
        ...text.map((t, k) => `<text class="lt-event" x="${x + 5}" y="${y + 6 + 14 + k * LINE_H}">${xml(t)}</text>`),
        `</g>`,
      );
    });
    const bandY = (r: number) => y + 6 + boxH + 6 + r * (LOCK_H + 3);
    lane.locks.forEach((l, k) => {
      const x0 = colX(l.from);
      const x1 = colX(l.to) + BOX_W;
      const by = bandY(lockRow[k]!);
      const label = wrapText(`holds ${shown(l.name)}`, Math.max(6, Math.floor((x1 - x0 - 8) / 6)), 1)[0]!;
      body.push(
        `<g class="lt-lock"><title>${esc(`${lane.thread} holds ${l.name} from step ${m.steps[l.from]!.step} to step ${m.steps[l.to]!.step}`)}</title>`,
        `<rect x="${x0}" y="${by}" width="${x1 - x0}" height="${LOCK_H}" rx="3" fill="${color}" fill-opacity="0.16" stroke="${color}" stroke-width="1"/>`,
        `<text class="lt-band-label" x="${x0 + 4}" y="${by + 10}">${xml(label)}</text></g>`,
      );
    });
    lane.armed.forEach((a) => {
      const x0 = colX(a.from);
      const x1 = colX(a.to) + BOX_W;
      const by = bandY(rows.length);
      body.push(
        `<g class="lt-armed"><title>${esc(`${lane.thread.slice(3)} is armed to DMA through ${a.through} from step ${m.steps[a.from]!.step}${a.open ? ' to the end' : ` to step ${m.steps[a.to]!.step}`}`)}</title>`,
        `<rect x="${x0}" y="${by}" width="${x1 - x0}" height="${LOCK_H}" rx="3" fill="url(#lt-hatch)" stroke="${hwColor}" stroke-width="1"/>`,
        `<text class="lt-band-label" x="${x0 + 4}" y="${by + 10}">${esc(`armed: DMA through ${a.through}`)}</text></g>`,
      );
    });
    body.push('</g>');
    y += laneH;
  }

  // Object lifetimes.
  if (m.objects.length) {
    y += 6;
    body.push(`<text class="lt-section" x="${PAD}" y="${y + 12}">objects</text>`);
    y += 18;
    for (const o of m.objects) {
      const x0 = o.created === undefined ? LABEL_W - 6 : colX(o.created) + BOX_W / 2;
      const x1 = o.ended === undefined ? colX(n - 1) + BOX_W + 4 : colX(o.ended) + BOX_W / 2;
      const cls = `lt-life${o.involved ? ' lt-involved' : ''}`;
      const span = `${o.created === undefined ? 'exists before step 1' : `created in step ${m.steps[o.created]!.step}`}${o.ended === undefined ? ', alive at the end' : `, ends in step ${m.steps[o.ended]!.step}`}`;
      body.push(
        `<g class="${cls}" data-object="${attr(o.name)}"><title>${esc(`${o.name}: ${span}`)}</title>`,
        `<text class="lt-obj-label" x="${LABEL_W - 10}" y="${y + 13}" text-anchor="end">${esc(o.name)}</text>`,
        `<rect class="lt-bar" x="${x0}" y="${y + 5}" width="${Math.max(4, x1 - x0)}" height="10" rx="3"${o.created === undefined ? ' style="stroke-dasharray:3 2"' : ''}/>`,
        o.ended === undefined
          ? `<path class="lt-alive" d="M${x1} ${y + 3} l6 7 l-6 7 z"/>`
          : `<path class="lt-end" d="M${x1 - 5} ${y + 4} l10 12 M${x1 + 5} ${y + 4} l-10 12"/>`,
        '</g>',
      );
      y += OBJ_H;
    }
  }

  // The marked step: a line through everything under the axis.
  const mx = colX(m.marked) + BOX_W / 2;
  const marker = `<line class="lt-mark-line" x1="${mx}" y1="${top + 14}" x2="${mx}" y2="${y + 4}"/>`;

  y += 8;
  const legend = `<text class="lt-legend" x="${PAD}" y="${y + 10}">box: a step (click: its source line) · band: a lock held, or a device armed for DMA · bar: an object's lifetime, ✕ where it ends · red: the ${m.rule === 'deadlock' ? 'step after which nothing can move' : 'violating step'}</text>`;
  y += 16 + PAD;

  const height = Math.ceil(y);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lifespec-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`timeline of ${m.rule} in scenario ${m.scenario}`)}" data-rule="${attr(m.rule)}" data-scenario="${attr(m.scenario)}" data-label-width="${LABEL_W - 4}">`,
    `<style>${style}</style>`,
    `<defs><pattern id="lt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fef3c7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f59e0b" stroke-width="2"/></pattern></defs>`,
    `<rect class="lt-bg" x="0" y="0" width="${width}" height="${height}"/>`,
    ...out,
    ...body,
    marker,
    legend,
    '</svg>',
  ].join('\n');
  return { svg, width, height };
}

const style = [
  `.lifespec-timeline text{font-family:${FONT};font-size:10.5px;fill:#1f2937}`,
  '.lt-bg{fill:#ffffff}',
  '.lt-title{font-size:13px;font-weight:600}',
  '.lt-rule{fill:#b91c1c;font-weight:700}',
  '.lt-msg{font-size:11.5px;fill:#374151}',
  '.lt-axis{fill:#6b7280}',
  '.lt-axis-marked{fill:#dc2626;font-weight:700}',
  '.lt-lane-bg{fill:#f9fafb;stroke:#e5e7eb;stroke-width:1}',
  '.lt-lane-label{font-size:12px;font-weight:700}',
  '.lt-lane-note{fill:#92400e;font-size:9.5px}',
  '.lt-box{fill:#ffffff;stroke-width:1.5}',
  '.lt-step{cursor:pointer}',
  '.lt-step:hover .lt-box,.lt-step:focus .lt-box{fill:#eff6ff}',
  '.lt-marked .lt-box{fill:#fee2e2;stroke-width:2.5}',
  '.lt-band-label{font-size:9.5px;fill:#374151}',
  '.lt-section{font-size:11px;font-weight:700;fill:#4b5563}',
  '.lt-obj-label{fill:#374151}',
  '.lt-bar{fill:#cbd5e1;stroke:#64748b;stroke-width:1}',
  '.lt-involved .lt-bar{fill:#fca5a5;stroke:#b91c1c}',
  '.lt-involved .lt-obj-label{fill:#b91c1c;font-weight:700}',
  '.lt-end{stroke:#111827;stroke-width:2;fill:none}',
  '.lt-alive{fill:#64748b}',
  '.lt-mark-line{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:5 4;pointer-events:none}',
  '.lt-legend{font-size:9.5px;fill:#6b7280}',
].join('');

/** Every violated rule and deadlock of some scenarios, as timelines stacked in one SVG file. */
export function renderTimelines(results: readonly ScenarioResult[], options: Omit<TimelineOptions, 'heading'> = {}): string {
  const parts: { svg: string; width: number; height: number }[] = [];
  for (const r of results) {
    for (const v of r.violations) parts.push(drawTimeline(timelineModel(r, v, options), true));
    if (r.deadlock) parts.push(drawTimeline(timelineModel(r, r.deadlock, options), true));
  }
  if (parts.length === 0) {
    const text = results.length ? `no violation: ${results.map((r) => `${r.scenario} ${r.verdict}`).join(', ')}` : 'no scenario explored';
    const width = Math.max(320, 24 + text.length * 7);
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40" viewBox="0 0 ${width} 40"><rect width="${width}" height="40" fill="#ffffff"/><text x="12" y="24" font-family="${esc(FONT)}" font-size="12" fill="#065f46">${esc(text)}</text></svg>\n`;
  }
  const width = Math.max(...parts.map((p) => p.width));
  const height = parts.reduce((h, p) => h + p.height, 0) + (parts.length - 1) * 16;
  let y = 0;
  const nested = parts.map((p) => {
    // Each timeline keeps its own coordinates inside a nested <svg>; ids stay unique.
    const k = y;
    y += p.height + 16;
    return p.svg.replace('<svg xmlns="http://www.w3.org/2000/svg" ', `<svg x="0" y="${k}" `).replace(/lt-hatch/g, `lt-hatch-${k}`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#f3f4f6"/>`,
    ...nested,
    '</svg>',
    '',
  ].join('\n');
}
