/**
 * A VFIO-like exporter of `provider`: remove() revokes and notifies every
 * export under its resv lock; map fails with ENODEV once revoked. `counting`
 * adds an export counter, which gives the checker one more field to type.
 */
function exporterDriver(name: string, device: string, provider: string, counting: boolean): string[] {
  return [
    `driver ${name} for ${device} {`,
    '  state {',
    '    bufs: set<dma_buf>',
    '    revoked: bool = false',
    ...(counting ? ['    exports: int = 0'] : []),
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
    `      return p2pdma_map(${provider}, attach.dev)`,
    '    }',
    '    unmap_dma_buf(attach, sgt) { p2pdma_unmap(sgt) }',
    '    release(buf) { bufs.remove(buf) }',
    '  }',
    '  action export() -> dma_buf {',
    `    let buf = dma_buf_export(bops, ${provider})`,
    '    bufs.add(buf)',
    ...(counting ? ['    exports = exports + 1'] : []),
    '    return buf',
    '  }',
    '}',
  ];
}

/** An RDMA-like importer on `device`: attaches, maps under the resv lock, arms its DMA; move_notify stops and unmaps. */
function importerDriver(name: string, device: string, ops: string): string[] {
  return [
    `driver ${name} for ${device} {`,
    '  state {',
    '    att: attachment?',
    '    sgt: sg_table?',
    '  }',
    `  ops ${ops} : dma_buf_attach_ops {`,
    '    allow_peer2peer = true',
    '    move_notify(attach) {',
    '      if sgt != none {',
    `        hw_stop(${device}, sgt)`,
    '        dma_buf_unmap_attachment(attach, sgt)',
    '        sgt = none',
    '      }',
    '    }',
    '  }',
    '  action reg_mr(buf: dma_buf) {',
    `    att = dma_buf_dynamic_attach(buf, ${device}, ${ops})`,
    '    lock buf.resv {',
    '      sgt = dma_buf_map_attachment(att)',
    `      hw_start(${device}, sgt)`,
    '    }',
    '  }',
    '}',
  ];
}

/**
 * Generates large, valid specs for benchmarks: `drivers` importer/exporter
 * pairs on one switch, each pair with state, ops tables, actions, a
 * constraint and a scenario, so every stage of the checker has work to do.
 */
export function generateSpec(pairs: number): string {
  const out: string[] = ['use dmabuf.rules', 'use p2pdma.rules', '', 'topology {', '  host_bridge hb0 { iommu translated  p2p allowed }', '  switch sw0 under hb0'];
  for (let i = 0; i < pairs; i++) {
    out.push(`  device gpu${i} under sw0 { bar 0 size 64M  bar 2 size 1G }`, `  device nic${i} under sw0`);
  }
  out.push('}', '');
  for (let i = 0; i < pairs; i++) {
    out.push(
      `/// Provider ${i}: the GPU BAR this pair shares.`,
      `provider bar${i} : p2pdma {`,
      `  device gpu${i}`,
      '  bar 0',
      '  lifetime devres',
      '}',
      '',
      ...exporterDriver(`exp${i}`, `gpu${i}`, `bar${i}`, true),
      '',
      ...importerDriver(`imp${i}`, `nic${i}`, 'importer'),
      '',
      `constraint pair${i}_ordering {`,
      '  lifetime sg_table within provider',
      '  dma_buf_move_notify(b) requires held(b.resv)',
      '  always count(p2pdma_provider) <= 1000',
      '}',
      '',
      `scenario pair${i}_unplug {`,
      `  bind exp${i}`,
      `  bind imp${i}`,
      `  let buf = exp${i}.export()`,
      '  parallel {',
      `    { imp${i}.reg_mr(buf) }`,
      `    { unplug gpu${i} }`,
      '  }',
      '  expect ok',
      '}',
      '',
    );
  }
  return out.join('\n');
}

/** A spec of about `lines` lines. */
export function generateSpecOfLines(lines: number): string {
  const perPair = generateSpec(2).split('\n').length - generateSpec(1).split('\n').length;
  return generateSpec(Math.max(1, Math.round(lines / perPair)));
}

/**
 * The importer-race family: one VFIO-like exporter of a GPU BAR and `n`
 * RDMA-like importers, each attaching, mapping under the resv lock and arming
 * its hardware, racing one surprise unplug of the GPU whose remove() revokes
 * and notifies under the lock. Every importer's move_notify stops its DMA and
 * unmaps, so the family holds (`expect ok`) for every n.
 */
export function importerRace(n: number): string {
  const out: string[] = ['use dmabuf.rules', 'use p2pdma.rules', '', 'topology {', '  host_bridge hb0 { iommu translated }', '  switch sw0 under hb0', '  device gpu under sw0 { bar 0 size 64M }'];
  for (let i = 1; i <= n; i++) out.push(`  device nic${i} under sw0`);
  out.push(
    '}',
    '',
    'provider gpu_bar0 : p2pdma {',
    '  device gpu',
    '  bar 0',
    '  lifetime devres',
    '}',
    '',
    ...exporterDriver('exporter', 'gpu', 'gpu_bar0', false),
  );
  for (let i = 1; i <= n; i++) {
    out.push(
      '',
      ...importerDriver(`importer${i}`, `nic${i}`, 'iops'),
    );
  }
  out.push('', 'constraint no_mapping_outlives_provider {', '  lifetime sg_table within provider', '}', '', 'scenario importers_race_unplug {', '  bind exporter');
  for (let i = 1; i <= n; i++) out.push(`  bind importer${i}`);
  out.push('  let buf = exporter.export()', '  parallel {');
  for (let i = 1; i <= n; i++) out.push(`    { importer${i}.reg_mr(buf) }`);
  out.push('    { unplug gpu }', '  }', '  expect ok', '}', '');
  return out.join('\n');
}

/**
 * How one importer of a family differs from the race's (`importerDriver`):
 * `tag`, a driver state field `tag: int = i` nothing reads; `kind`, which of
 * three bodies it runs (A is the race's); `dereg`, a second action that
 * unmaps under the resv lock (if still mapped) and detaches, which its
 * thread calls after `reg_mr`.
 */
export interface ImporterVariant {
  readonly tag?: number;
  readonly kind?: 'A' | 'B' | 'C';
  readonly dereg?: boolean;
}

/**
 * The importer-race families of `npm run bench:vs-spin` (bench/spin/README.md).
 * The race and three variants of it: two (`tag`, `kinds`) whose importers
 * differ in ways the explorer's symmetry cannot see through today, and one
 * (`detach`) with more in the race. Each holds (`expect ok`) for every n:
 *
 * - `race`: `importerRace(n)`, identical importers.
 * - `tag`: importer i has `tag: int = i`, never read: the importers differ
 *   only in a dead field.
 * - `kinds`: importer i runs kind A, B or C (i mod 3): B asks
 *   `dma_buf_attach_revocable` after attaching (one step more; always true
 *   here) and maps only `if att != none` (always true too); C maps into a
 *   local and arms the NIC before it sets `sgt`, and its move_notify clears
 *   `sgt` first and then stops and unmaps through a local. Only importers of
 *   the same kind are interchangeable.
 * - `detach`: each importer, after `reg_mr`, runs `dereg_mr`: unmap under
 *   the resv lock if still mapped, then `dma_buf_detach`, which takes the
 *   lock itself; attach and detach both race the unplug's walk.
 */
export const FAMILIES = ['race', 'tag', 'kinds', 'detach'] as const;
export type Family = (typeof FAMILIES)[number];

/** The importer variant of importer `i` (1…n) in `family`. */
export function familyVariant(family: Family, i: number): ImporterVariant {
  switch (family) {
    case 'race':
      return {};
    case 'tag':
      return { tag: i };
    case 'kinds':
      return { kind: (['A', 'B', 'C'] as const)[(i - 1) % 3]! };
    case 'detach':
      return { dereg: true };
  }
}

/** The Lifespec spec of `family` with `n` importers; `race` is exactly `importerRace(n)`. */
export function familySpec(family: Family, n: number): string {
  if (family === 'race') return importerRace(n);
  const out: string[] = ['use dmabuf.rules', 'use p2pdma.rules', '', 'topology {', '  host_bridge hb0 { iommu translated }', '  switch sw0 under hb0', '  device gpu under sw0 { bar 0 size 64M }'];
  for (let i = 1; i <= n; i++) out.push(`  device nic${i} under sw0`);
  out.push('}', '', 'provider gpu_bar0 : p2pdma {', '  device gpu', '  bar 0', '  lifetime devres', '}', '', ...exporterDriver('exporter', 'gpu', 'gpu_bar0', false));
  for (let i = 1; i <= n; i++) out.push('', ...variantImporterDriver(`importer${i}`, `nic${i}`, 'iops', familyVariant(family, i)));
  out.push('', 'constraint no_mapping_outlives_provider {', '  lifetime sg_table within provider', '}', '', `scenario importers_${family}_unplug {`, '  bind exporter');
  for (let i = 1; i <= n; i++) out.push(`  bind importer${i}`);
  out.push('  let buf = exporter.export()', '  parallel {');
  for (let i = 1; i <= n; i++) out.push(familyVariant(family, i).dereg ? `    { importer${i}.reg_mr(buf); importer${i}.dereg_mr(buf) }` : `    { importer${i}.reg_mr(buf) }`);
  out.push('    { unplug gpu }', '  }', '  expect ok', '}', '');
  return out.join('\n');
}

/** `importerDriver` with the changes of `v`; the Promela models (bench/spin/families.ts) mirror each body step for step. */
function variantImporterDriver(name: string, device: string, ops: string, v: ImporterVariant): string[] {
  const kind = v.kind ?? 'A';
  const moveNotify =
    kind === 'C'
      ? ['    move_notify(attach) {', '      if sgt != none {', '        let s = sgt', '        sgt = none', `        hw_stop(${device}, s)`, '        dma_buf_unmap_attachment(attach, s)', '      }', '    }']
      : ['    move_notify(attach) {', '      if sgt != none {', `        hw_stop(${device}, sgt)`, '        dma_buf_unmap_attachment(attach, sgt)', '        sgt = none', '      }', '    }'];
  const mapAndArm =
    kind === 'B'
      ? ['    if !dma_buf_attach_revocable(att) { fail EOPNOTSUPP }', '    lock buf.resv {', '      if att != none {', '        sgt = dma_buf_map_attachment(att)', `        hw_start(${device}, sgt)`, '      }', '    }']
      : kind === 'C'
        ? ['    lock buf.resv {', '      let s = dma_buf_map_attachment(att)', `      hw_start(${device}, s)`, '      sgt = s', '    }']
        : ['    lock buf.resv {', '      sgt = dma_buf_map_attachment(att)', `      hw_start(${device}, sgt)`, '    }'];
  const dereg = v.dereg
    ? [
        '  action dereg_mr(buf: dma_buf) {',
        '    lock buf.resv {',
        '      if sgt != none {',
        `        hw_stop(${device}, sgt)`,
        '        dma_buf_unmap_attachment(att, sgt)',
        '        sgt = none',
        '      }',
        '    }',
        '    dma_buf_detach(buf, att)',
        '    att = none',
        '  }',
      ]
    : [];
  return [
    `driver ${name} for ${device} {`,
    '  state {',
    '    att: attachment?',
    '    sgt: sg_table?',
    ...(v.tag !== undefined ? [`    tag: int = ${v.tag}`] : []),
    '  }',
    `  ops ${ops} : dma_buf_attach_ops {`,
    '    allow_peer2peer = true',
    ...moveNotify,
    '  }',
    '  action reg_mr(buf: dma_buf) {',
    `    att = dma_buf_dynamic_attach(buf, ${device}, ${ops})`,
    ...mapAndArm,
    '  }',
    ...dereg,
    '}',
  ];
}
