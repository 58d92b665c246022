// Shared by the behaviour tests: load a fixture, check it cleanly, explore it.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check, explore, locatedTrace, type ExploreOptions, type ModelRegistry, type ScenarioResult, type Sources, type StepJson, type ViolationReport } from '../../src/index.js';

export const specsDir = new URL('../fixtures/specs/', import.meta.url).pathname;

/** The text of test/fixtures/specs/NAME. */
export function fixture(name: string): string {
  return readFileSync(`${specsDir}${name}`, 'utf8');
}

/** A scenario's result whose trace steps also carry their line and column, as the JSON report gives them. */
export type Located = Omit<ScenarioResult, 'violations' | 'deadlock'> & {
  readonly violations: (Omit<ViolationReport, 'trace'> & { readonly trace: StepJson[] })[];
  readonly deadlock?: { readonly trace: StepJson[]; readonly waiting: { readonly thread: string; readonly on: string }[] };
};

/** The result with each trace step located in the program's texts. */
export function located(r: ScenarioResult, sources: Sources): Located {
  const { deadlock, violations, ...rest } = r;
  return {
    ...rest,
    violations: violations.map((v) => ({ ...v, trace: locatedTrace(v.trace, sources) })),
    ...(deadlock ? { deadlock: { ...deadlock, trace: locatedTrace(deadlock.trace, sources) } } : {}),
  };
}

/** Checks a spec (it must check cleanly) and explores every scenario, by name; traces carry lines. */
export function runSpec(text: string, uri = 'spec.lspec', options: ExploreOptions = {}): Map<string, Located> {
  const { program, diagnostics } = check(text, { uri });
  expect(diagnostics.map((d) => `${lineAt(text, d.span.start)}: ${d.message} [${d.code}]`)).toEqual([]);
  return new Map(explore(program, options).scenarios.map((s) => [s.scenario, located(s, program.sources)]));
}

/** One scenario's result; fails the test when there is no such scenario. */
export function scenario(results: Map<string, Located>, name: string): Located {
  const r = results.get(name);
  expect(r, `scenario ${name}`).toBeDefined();
  return r!;
}

/** The violated rules, sorted. */
export function rules(r: Pick<ScenarioResult, 'violations'> | Located): string[] {
  return r.violations.map((v) => v.rule).sort();
}

/** The report of one violated rule; fails the test when it was not violated. */
export function violation(r: Located, rule: string): Located['violations'][number] {
  const v = r.violations.find((x) => x.rule === rule);
  expect(v, `${rule} in ${r.scenario} (found: ${rules(r).join(', ') || 'nothing'})`).toBeDefined();
  return v!;
}

/** A scenario that must hold completely, with nothing found. */
export function expectQuiet(r: Located): void {
  expect({ scenario: r.scenario, verdict: r.verdict, rules: rules(r), deadlock: r.deadlock?.waiting }).toEqual({
    scenario: r.scenario,
    verdict: 'ok',
    rules: [],
    deadlock: undefined,
  });
  expect(r.complete).toBe(true);
}

/** The 1-based line of a source offset. */
export function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Two threads taking two mutexes in opposite orders: the classic ABBA deadlock. */
export const abba = `topology {
  host_bridge hb
  device gpu under hb
}
driver d for gpu {
  state { a: mutex  b: mutex }
  action ab() { lock a { lock b { mmio_write(gpu, 1) } } }
  action ba() { lock b { lock a { mmio_write(gpu, 2) } } }
}
scenario abba {
  bind d
  parallel {
    { d.ab() }
    { d.ba() }
  }
  expect deadlock
}
`;

/**
 * A second symmetric family, unlike bench's importerRace in what the symmetry
 * reduction must get right: `n` importers, each with a mutex of its own that
 * its thread takes and that the unplug thread takes inside its move_notify,
 * each registering and then deregistering (unmap, detach: the buffer's set of
 * attachments shrinks) while the GPU is unplugged.
 */
export function lockedImporters(n: number): string {
  const nics = Array.from({ length: n }, (_, k) => k + 1);
  const importer = (i: number) => `
driver importer${i} for nic${i} {
  state {
    lk: mutex
    att: attachment?
    sgt: sg_table?
    notified: int = 0
  }
  ops iops : dma_buf_attach_ops {
    allow_peer2peer = true
    move_notify(attach) {
      lock lk { notified = notified + 1 }
      if sgt != none {
        hw_stop(nic${i}, sgt)
        dma_buf_unmap_attachment(attach, sgt)
        sgt = none
      }
    }
  }
  action reg_mr(buf: dma_buf) {
    lock lk { att = dma_buf_dynamic_attach(buf, nic${i}, iops) }
    lock buf.resv {
      sgt = dma_buf_map_attachment(att)
      hw_start(nic${i}, sgt)
    }
  }
  action dereg(buf: dma_buf) {
    lock buf.resv {
      if sgt != none {
        hw_stop(nic${i}, sgt)
        dma_buf_unmap_attachment(att, sgt)
        sgt = none
      }
    }
    dma_buf_detach(buf, att)
  }
}
`;
  return `use dmabuf.rules
use p2pdma.rules

topology {
  host_bridge hb0 { iommu translated }
  switch sw0 under hb0
  device gpu under sw0 { bar 0 size 64M }
${nics.map((i) => `  device nic${i} under sw0`).join('\n')}
}

provider gpu_bar0 : p2pdma {
  device gpu
  bar 0
  lifetime devres
}

driver exporter for gpu {
  state {
    bufs: set<dma_buf>
    revoked: bool = false
  }
  remove(dev) {
    for buf in bufs {
      lock buf.resv {
        revoked = true
        dma_buf_move_notify(buf)
      }
    }
  }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) {
      if revoked { fail ENODEV }
      return p2pdma_map(gpu_bar0, attach.dev)
    }
    unmap_dma_buf(attach, sgt) { p2pdma_unmap(sgt) }
    release(buf) { bufs.remove(buf) }
  }
  action export() -> dma_buf {
    let buf = dma_buf_export(bops, gpu_bar0)
    bufs.add(buf)
    return buf
  }
}
${nics.map(importer).join('')}
constraint no_mapping_outlives_provider {
  lifetime sg_table within provider
}

scenario register_deregister_race_unplug {
  bind exporter
${nics.map((i) => `  bind importer${i}`).join('\n')}
  let buf = exporter.export()
  parallel {
${nics.map((i) => `    { importer${i}.reg_mr(buf); importer${i}.dereg(buf) }`).join('\n')}
    { unplug gpu }
  }
  expect ok
}
`;
}

/**
 * A spec whose one scenario fails an `assert` with `message`: how tests get
 * hostile text (escapes, bidi overrides, markup) into a violation's message.
 * `topology` is what comes before the driver (a topology with a device `gpu`).
 */
export function failingAssertSpec(message: string, topology = 'topology {\n  host_bridge hb\n  device gpu under hb\n}\n'): string {
  return `${topology}driver d for gpu {
  state { n: int = 0 }
  action go() {
    assert n == 1, "${message}"
  }
}
scenario s {
  bind d
  d.go()
}
`;
}

/** Variants of the tagged importer race (`taggedImporters`). */
export interface TagOptions {
  /** Each importer's reg_mr stores `tag = 10 + i` once it has attached: a store into the dead field, of a value unlike the others'. */
  readonly store?: boolean;
  /**
   * Importer `read` reads its tag: its reg_mr sets `tag = 7` once it has
   * armed its DMA, and its move_notify skips the unmap when the tag is 7 —
   * a bug (a mapping outlives the provider) only a read of the field makes.
   */
  readonly read?: number;
  /** Each importer deregisters after registering (unmap, then detach from the buffer). */
  readonly detach?: boolean;
}

/**
 * The importer race of bench/generate.ts (`importerRace(n)`), with a field
 * `tag: int = i` in importer i's state that no code reads: the dead-field
 * reduction makes it explore exactly the states of the race itself.
 * `options` add a store into the tag, a read of it, or deregistration.
 */
export function taggedImporters(base: string, n: number, options: TagOptions = {}): string {
  let text = base;
  const replace = (from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`taggedImporters: ${String(from)} not found`);
    text = next;
  };
  for (let i = 1; i <= n; i++) {
    const head = `driver importer${i} for nic${i} {\n  state {\n`;
    replace(head, `${head}    tag: int = ${i}\n`);
    const reg = new RegExp(`(driver importer${i} for[\\s\\S]*?att = dma_buf_dynamic_attach\\(buf, nic${i}, iops\\)\\n)`);
    if (options.store) replace(reg, `$1    tag = ${10 + i}\n`);
    if (options.read === i) {
      replace(new RegExp(`(driver importer${i} for[\\s\\S]*?hw_start\\(nic${i}, sgt\\)\\n)`), '$1      tag = 7\n');
      replace(new RegExp(`(driver importer${i} for[\\s\\S]*?)if sgt != none \\{`), '$1if sgt != none && tag != 7 {');
    }
    if (options.detach) {
      replace(
        new RegExp(`(driver importer${i} for[\\s\\S]*?\\n  \\}\\n)\\}\\n`),
        `$1  action dereg(buf: dma_buf) {\n    lock buf.resv {\n      if sgt != none {\n        hw_stop(nic${i}, sgt)\n        dma_buf_unmap_attachment(att, sgt)\n        sgt = none\n      }\n    }\n    dma_buf_detach(buf, att)\n  }\n}\n`,
      );
      replace(`    { importer${i}.reg_mr(buf) }`, `    { importer${i}.reg_mr(buf); importer${i}.dereg(buf) }`);
    }
  }
  return text;
}

/**
 * What a reduction must not change, and what it may, for each scenario of a
 * spec explored with reductions on or off: verdict, rules, trace lengths and
 * deadlock, then the states and the reductions used.
 */
export function outcome(text: string, reduce: boolean, registry?: ModelRegistry) {
  const { program, diagnostics } = check(text, { uri: 'spec.lspec', ...(registry ? { registry } : {}) });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return explore(program!, { reduce, ...(registry ? { registry } : {}) }).scenarios.map((s) => ({
    scenario: s.scenario,
    verdict: s.verdict,
    rules: s.violations.map((v) => v.rule).sort(),
    traces: s.violations.map((v) => `${v.rule}: ${v.trace.length}`).sort(),
    deadlock: s.deadlock?.trace.length,
    states: s.states,
    reductions: s.reductions,
  }));
}
