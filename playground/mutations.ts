/**
 * The mutations of the §1 example that the playground's examples menu offers:
 * each takes one line of defence out of examples/vfio_mlx5_hotunplug.lspec
 * and names the rule that Run then reports. test/seed-example.test.ts checks
 * the same edits against the explorer; test/playground.test.ts checks that
 * these still apply to the example as it is.
 */
export interface Mutation {
  readonly id: string;
  readonly label: string;
  /** What to look for after Run. */
  readonly finds: string;
  readonly from: string;
  readonly to: string;
}

export const seedMutations: readonly Mutation[] = [
  {
    id: 'no-lock',
    label: 'without the lock around dma_buf_move_notify',
    finds: 'dmabuf.move_notify_locked',
    from: `      lock buf.resv {
        revoked = true
        dma_buf_move_notify(buf)
      }`,
    to: `      revoked = true
      dma_buf_move_notify(buf)`,
  },
  {
    id: 'no-revoke-check',
    label: 'without the `if revoked` check in map_dma_buf',
    finds: 'no_mapping_outlives_provider in unplug_races_registration',
    from: '      if revoked { fail ENODEV }\n',
    to: '',
  },
  {
    id: 'no-zap',
    label: 'without hw_stop and the unmap in move_notify',
    finds: 'no_mapping_outlives_provider, then model.dma_after_free',
    from: '        hw_stop(nic, sgt)\n        dma_buf_unmap_attachment(attach, sgt)\n',
    to: '',
  },
  {
    id: 'no-unmap',
    label: 'without the unmap in move_notify',
    finds: 'no_mapping_outlives_provider',
    from: '        dma_buf_unmap_attachment(attach, sgt)\n',
    to: '',
  },
];

/** The example with the mutation applied and a comment that says what changed; undefined if the text no longer has the original. */
export function applyMutation(seed: string, m: Mutation): string | undefined {
  if (!seed.includes(m.from)) return undefined;
  const mutated = seed.replace(m.from, m.to);
  const note = `// Mutation: ${m.label}. Run finds ${m.finds}.\n`;
  const firstLineEnd = mutated.indexOf('\n') + 1;
  return mutated.startsWith('//') ? mutated.slice(0, firstLineEnd) + note + mutated.slice(firstLineEnd) : note + mutated;
}
