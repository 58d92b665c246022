/**
 * Random small specs that check clean, for properties of the search (the
 * differential one: the same verdicts, rules and trace lengths with and
 * without the reductions). Each spec has a few drivers with counters,
 * mutexes and MMIO, optionally a dma-buf exporter/importer pair with armed
 * DMA, constraints over the counters and the events, and a scenario that
 * runs a few actions in parallel. Seeded: the same seed gives the same spec.
 */

/** A small seeded PRNG (mulberry32): the fuzzers must not use Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = prng(seed);
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

let fresh = 0;

function statement(r: Rng, drv: number, drivers: number, depth: number): string[] {
  const me = `d${drv}`;
  const v = `v${fresh++}`;
  const choices: (() => string[])[] = [
    () => ['n = n + 1'],
    () => ['n = n - 1'],
    () => ['flag = !flag'],
    () => [`let ${v} = mmio_read(${me})`],
    () => ['lock m { n = n + 1 }'],
    () => ['lock m {', `  let ${v} = mmio_read(${me})`, '  n = n + 2', '}'],
    () => ['mutex_lock(m)', 'n = n + 1', 'mutex_unlock(m)'],
    () => ['if n > 1 { flag = true }'],
    () => [`assert n < ${2 + r.int(3)}, "n stays small"`],
    () => ['schedule_work(job, 0)'],
  ];
  if (depth < 1) {
    choices.push(() => ['if flag {', ...statement(r, drv, drivers, depth + 1).map((s) => `  ${s}`), '} else {', ...statement(r, drv, drivers, depth + 1).map((s) => `  ${s}`), '}']);
  }
  return r.pick(choices)();
}

/** A random spec: `{ text, drivers }`. */
export function randomSpec(seed: number): string {
  const r = rng(seed);
  const drivers = 2 + r.int(2);
  const withBuf = r.chance(0.5);
  const out: string[] = [];
  if (withBuf) out.push('use dmabuf.rules', 'use p2pdma.rules', '');
  out.push('topology {', '  host_bridge hb { iommu translated  p2p allowed }', '  switch sw under hb');
  for (let i = 0; i < drivers; i++) out.push(`  device d${i} under sw { bar 0 size 4K }`);
  if (withBuf) out.push('  device gpu under sw { bar 0 size 64M }', '  device nic under sw');
  out.push('}', '');
  if (withBuf) out.push(`provider gpu_bar : p2pdma { device gpu; bar 0; lifetime ${r.pick(['devres', 'pgmap'])} }`, '');
  const actions: string[][] = [];
  for (let i = 0; i < drivers; i++) {
    out.push(`driver drv${i} for d${i} {`, '  state {', '    n: int = 0', '    m: mutex', '    flag: bool = false', '  }');
    out.push('  ops job : work_struct {', '    func(data) { n = n + 1 }', '  }');
    const names: string[] = [];
    const count = 1 + r.int(2);
    for (let a = 0; a < count; a++) {
      const body: string[] = [];
      const len = 1 + r.int(3);
      for (let s = 0; s < len; s++) body.push(...statement(r, i, drivers, 0));
      out.push(`  action a${a}() {`, ...body.map((s) => `    ${s}`), '  }');
      names.push(`drv${i}.a${a}()`);
    }
    if (r.chance(0.3)) out.push('  remove(dev) { lock m { n = 0 } }');
    out.push('}', '');
    actions.push(names);
  }
  if (withBuf) {
    const sync = r.chance(0.6);
    out.push(
      'driver exporter for gpu {',
      '  state {',
      '    bufs: set<dma_buf>',
      '    revoked: bool = false',
      '  }',
      '  remove(dev) {',
      '    for buf in bufs {',
      '      lock buf.resv {',
      '        revoked = true',
      '        dma_buf_move_notify(buf)',
      '      }',
      '    }',
      '  }',
      '  ops bops : dma_buf_ops {',
      '    map_dma_buf(attach) {',
      '      if revoked { fail ENODEV }',
      '      return p2pdma_map(gpu_bar, attach.dev)',
      '    }',
      `    unmap_dma_buf(attach, sgt) { ${r.chance(0.8) ? 'p2pdma_unmap(sgt)' : ''} }`,
      '    release(buf) { bufs.remove(buf) }',
      '  }',
      '  action export() -> dma_buf {',
      '    let buf = dma_buf_export(bops, gpu_bar)',
      '    bufs.add(buf)',
      '    return buf',
      '  }',
      '}',
      '',
      'driver importer for nic {',
      '  state {',
      '    att: attachment?',
      '    sgt: sg_table?',
      '  }',
      '  ops iops : dma_buf_attach_ops {',
      '    allow_peer2peer = true',
      '    move_notify(attach) {',
      '      if sgt != none {',
      ...(sync ? ['        hw_stop(nic, sgt)', '        dma_buf_unmap_attachment(attach, sgt)', '        sgt = none'] : ['        schedule_work(later, attach)']),
      '      }',
      '    }',
      '  }',
      '  ops later : work_struct {',
      '    func(attach) {',
      '      lock attach.buf.resv {',
      '        if sgt != none {',
      '          hw_stop(nic, sgt)',
      '          dma_buf_unmap_attachment(attach, sgt)',
      '          sgt = none',
      '        }',
      '      }',
      '    }',
      '  }',
      '  action reg(buf: dma_buf) {',
      '    att = dma_buf_dynamic_attach(buf, nic, iops)',
      '    lock buf.resv {',
      '      sgt = dma_buf_map_attachment(att)',
      '      hw_start(nic, sgt)',
      '    }',
      '  }',
      '}',
      '',
    );
  }
  const sum = Array.from({ length: drivers }, (_, i) => `drv${i}.n`).join(' + ');
  out.push('constraint c {', `  always ${sum} < ${2 + r.int(4)}`);
  if (r.chance(0.5)) out.push(`  always drv0.n >= 0`);
  if (r.chance(0.4)) out.push(`  ${actions[0]![0]!} before ${actions[1]![0]!}`);
  if (r.chance(0.3)) out.push(`  at end drv${r.int(drivers)}.n > 0`);
  out.push('}', '');
  out.push('scenario s {');
  for (let i = 0; i < drivers; i++) out.push(`  bind drv${i}`);
  if (withBuf) out.push('  bind exporter', '  bind importer', '  let buf = exporter.export()');
  out.push('  parallel {');
  for (let i = 0; i < drivers; i++) {
    const calls = Array.from({ length: 1 + r.int(2) }, () => r.pick(actions[i]!));
    out.push(`    { ${calls.join('\n      ')} }`);
  }
  if (withBuf) {
    out.push('    { importer.reg(buf) }');
    out.push(`    { ${r.pick(['unplug gpu', 'unbind exporter'])} }`);
  }
  out.push('  }');
  if (r.chance(0.3)) out.push(`  unbind drv${r.int(drivers)}`);
  out.push('}');
  return out.join('\n');
}
