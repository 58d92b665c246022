/**
 * JUnit XML for `lifespec test`, the report CI systems (GitLab, Jenkins,
 * Azure, CircleCI) show as a test list: a `<testsuite>` per file, a
 * `<testcase>` per scenario (classname the file, name the scenario). A
 * mismatch is a `<failure>` whose text starts `FILE:LINE:COL: RULE: message`
 * and goes on with the trace; a scenario without a verdict is an
 * `<error type="incomplete">`, never a pass.
 */
import type { ScenarioResult } from '../explore/result.js';
import type { Program } from '../semantics/program.js';
import type { Finding } from './findings.js';
import { formatTrace } from './text.js';

export interface JunitProblem {
  /** `failure` for a mismatch or check errors; `error` for no verdict. */
  readonly element: 'failure' | 'error';
  readonly type: string;
  /** One line: the element's `message` attribute. */
  readonly message: string;
  /** The element's text: every finding's line and its trace. */
  readonly text: string;
}

export interface JunitCase {
  readonly name: string;
  readonly timeMs: number;
  readonly problem?: JunitProblem;
}

export interface JunitSuite {
  /** The spec's path as given: the suite's name and each case's classname. */
  readonly file: string;
  readonly cases: readonly JunitCase[];
}

/** `FILE:LINE:COL: RULE: message`: a finding's first line in a failure's text. */
export function findingHead(f: Finding): string {
  return `${f.where.uri}:${f.where.line}:${f.where.column}: ${f.rule}: ${f.message}`;
}

/** A scenario's test case: passed, failed with its findings, or in error for want of a verdict. */
export function junitCase(r: ScenarioResult, findings: readonly Finding[], program: Program): JunitCase {
  if (findings.length === 0) return { name: r.scenario, timeMs: r.timeMs };
  const text = findings.flatMap((f) => [findingHead(f), ...(f.trace ? formatTrace(f.trace, program.sources, '    ') : [])]).join('\n');
  const incomplete = r.expectMet === undefined;
  const problem: JunitProblem = incomplete
    ? { element: 'error', type: 'incomplete', message: findingHead(findings[0]!), text }
    : { element: 'failure', type: findings[0]!.rule, message: findingHead(findings[0]!), text };
  return { name: r.scenario, timeMs: r.timeMs, problem };
}

/** Characters XML 1.0 cannot carry at all (controls other than tab and line breaks, lone surrogates, U+FFFE/F), as visible escapes. */
function xmlSafe(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The whole report: `<testsuites>` with the totals, then each file's suite. */
export function junitXml(suites: readonly JunitSuite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const tally = (cases: readonly JunitCase[]) => {
    const failures = cases.filter((c) => c.problem?.element === 'failure').length;
    const errors = cases.filter((c) => c.problem?.element === 'error').length;
    const ms = cases.reduce((t, c) => t + c.timeMs, 0);
    return `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(ms)}"`;
  };
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="lifespec test" ${tally(all)}>`];
  for (const s of suites) {
    lines.push(`  <testsuite name="${attr(s.file)}" ${tally(s.cases)}>`);
    for (const c of s.cases) {
      const head = `    <testcase classname="${attr(s.file)}" name="${attr(c.name)}" time="${seconds(c.timeMs)}"`;
      if (!c.problem) {
        lines.push(`${head}/>`);
        continue;
      }
      const p = c.problem;
      lines.push(`${head}>`, `      <${p.element} type="${attr(p.type)}" message="${attr(p.message)}">${text(p.text)}</${p.element}>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
