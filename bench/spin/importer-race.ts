/**
 * The importer-race family (bench/generate.ts `importerRace(n)`) as a Promela
 * model for SPIN, written by hand to match the Lifespec spec step for step, so
 * that `npm run bench:vs-spin` compares two explorers on the same system.
 *
 * The system: one exporter (VFIO-like) of a GPU BAR, `n` importers
 * (RDMA-like), each running `reg_mr` in a thread of its own, one thread that
 * surprise-unplugs the GPU, and the NICs' hardware. The Promela processes:
 *
 * - `Importer` (n copies, `_pid` 0…n-1): `reg_mr` — attach (which lists the
 *   attachment under the buffer's `resv`, waiting while another thread holds
 *   it), lock `resv`, map through the exporter's `map_dma_buf` (which fails
 *   with ENODEV once the buffer is revoked), arm the NIC's DMA, unlock.
 *
 * The other families of bench/generate.ts (`familySpec`) change the
 * importers, and `familyPromela` writes the same changes here: `tag` gives
 * each process a constant local `tag` (the driver's never-read field);
 * `kinds` gives importers of kind B one more step (`dma_buf_attach_revocable`)
 * and kind C a later `sgt` in reg_mr and an earlier one in move_notify, with
 * a proctype per importer (`Importer1`…) since their code differs; `detach`
 * runs `dereg_mr` after `reg_mr` (unmap under `resv` if still mapped, then
 * `dma_buf_detach`, which unlists under `resv` and waits for it as attach
 * does).
 * - `Unplug`: `unplug gpu` — the exporter's `remove()` locks `resv`, sets
 *   `revoked`, calls `dma_buf_move_notify`, whose walk calls the `move_notify`
 *   of each importer attached at that moment, in every order (stop the NIC's
 *   DMA and unmap, if mapped); then `remove()` returns and devres destroys
 *   the BAR's provider.
 * - `Hardware`: at any moment, a NIC armed through a mapping may DMA through
 *   it. Each DMA asserts that the mapping and its provider are alive.
 *
 * The properties are plain `assert`s, so `pan` (compiled with -DSAFETY) does a
 * complete safety search with no never claim: the spec's
 * `lifetime sg_table within provider` (no mapping is live when devres frees
 * the provider, none is made from a freed one), the model's
 * `dma_after_free` / `dma_after_unmap` / `double_unmap` checks, and the
 * stdlib's `dmabuf.*` locking rules this spec exercises (`map_locked`,
 * `move_notify_locked`, `attach_unlocked`). Invalid end states (a thread
 * stuck on the lock) are pan's deadlock check.
 *
 * Granularity. Lifespec schedules at visible operations (docs/semantics.md
 * §3): a primitive call, taking a lock, a callback's entry, a scenario line;
 * driver-state reads and writes, `if`, unlocking and returns belong to the
 * step before them. Here every such step is one Promela transition: a
 * `d_step` (one indivisible transition), or a `skip` where the step has no
 * effect but moving the thread on. The comments name the Lifespec step each
 * transition is. A step with a choice in it is one transition per option:
 * Lifespec's `dma_buf_move_notify` picks the next attachment to notify in the
 * step that starts the walk and in the step where each `move_notify`
 * returns, so those are an `if` of one `d_step` per importer that may come
 * next (and one for the walk's end). Where the model differs:
 *
 * - The scenario's prefix (`bind exporter`, `bind importer…`,
 *   `exporter.export()`) is not modelled: the initial state is the one at
 *   the start of the `parallel` block (the buffer exported, the provider
 *   alive, nothing attached). Nor are the `parallel`'s `join` and the
 *   scenario's end: processes just finish. Lifespec counts those few
 *   states, SPIN does not.
 * - Lifespec's DMA steps change nothing and are not "moving" for its
 *   deadlock check; here they are transitions of `Hardware` that lead back to
 *   the same state, so pan would not call a state deadlocked while some NIC
 *   is still armed. (In this family every NIC is disarmed or never armed by
 *   the time the other threads are done, so the checks agree.)
 * - The reductions differ (docs/semantics.md §4). Lifespec merges states
 *   that differ only by a permutation of the interchangeable importers
 *   (symmetry reduction); SPIN has none. Both have a partial-order
 *   reduction, but not the same one: Lifespec's takes alone only *local*
 *   steps, those that touch nothing but their own thread's frames and that
 *   no rule observes, like an action's call line (an importer's
 *   `reg_mr(buf)`) or a callback's entry that reads no driver state (some
 *   of the `skip`s here), while SPIN's (on by default) prunes the
 *   interleavings of any transitions it finds independent. With both tools'
 *   reductions off (pan -DNOREDUCE, Lifespec `reduce: false`) the two count
 *   the same states but for the scenario's prefix and `join` above
 *   (bench/spin/README.md).
 * - Object identity: Lifespec renumbers objects canonically; here each
 *   importer's attachment and mapping are slots of arrays indexed by the
 *   importer. The buffer's attachments are a set, as in Lifespec's state
 *   (which keeps no attach order, since `dma_buf_move_notify` may walk them
 *   in any): `att[i]` says whether importer i's is in it. The walk is
 *   `cur`, the attachment being notified, and `pend[i]`, those still to go
 *   (Lifespec: `dma_buf_move_notify`'s first register and the set after it).
 */

import { familyVariant, type Family, type ImporterVariant } from '../generate.js';

/** The Promela model of `importerRace(n)`, for `spin -a`. */
export function importerRacePromela(n: number): string {
  return familyPromela('race', n);
}

/**
 * The Promela model of `familySpec(family, n)` (bench/generate.ts), for
 * `spin -a`: the race's model with each importer's variant (`familyVariant`,
 * the same function the Lifespec spec is generated from) written into its
 * process and into the walk's `move_notify`.
 */
export function familyPromela(family: Family, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 250) throw new RangeError(`familyPromela: n must be an integer in 1…250, got ${n}`);
  const all = (f: (i: number) => string, sep: string) => Array.from({ length: n }, (_, i) => f(i)).join(sep);
  const variants = Array.from({ length: n }, (_, i) => familyVariant(family, i + 1));
  // Importers alike run one proctype with N copies, as the race always did;
  // importers of different kinds need a proctype each (a branch on _pid would
  // be a transition of its own, which Lifespec does not have).
  const uniform = variants.every((v) => v.kind === variants[0]!.kind && v.dereg === variants[0]!.dereg);
  // Kind C's move_notify clears sgt at its entry and unmaps through a local:
  // the walk tells it from the others by the importer it is at.
  const cs = variants.flatMap((v, i) => (v.kind === 'C' ? [i] : []));
  const isC = cs.length === 0 ? 'false' : cs.length === n ? 'true' : `(${cs.map((i) => `cur == ${i}`).join(' || ')})`;
  // The choice of the next attachment to notify when a move_notify returns,
  // as the options of an `if`: one per importer j still pending, and one for
  // none left. Each option is the whole step, one d_step: `guard`, what the
  // step itself needs to be enabled; `body`, its own effect; then the choice
  // (j leaves the pending set and becomes cur), or the end of the walk.
  const next = (indent: string, guard: string, body: string) => {
    const g = guard === '' ? '' : `${guard} && `;
    const b = body === '' ? '' : `${body}; `;
    return [
      ...Array.from({ length: n }, (_, j) => `${indent}:: d_step { ${g}pend[${j}] -> ${b}pend[${j}] = false; cur = ${j} }`),
      `${indent}:: d_step { ${g}${all((j) => `!pend[${j}]`, ' && ')} -> ${b}remove_returns() }`,
    ].join('\n');
  };
  return `/*
 * importer-race family ${family}, N = ${n}: ${n} importer(s) racing a surprise
 * unplug of the exporting GPU. Generated by bench/spin/importer-race.ts from
 * the Lifespec spec familySpec('${family}', ${n}) of bench/generate.ts; one
 * transition per Lifespec step.
 * Check with: spin -a FILE && gcc -O2 -DSAFETY -o pan pan.c && ./pan
 */
#define N      ${n}
#define FREE   0          /* resv is not held */
#define ME     (_pid + 1) /* resv held by importer _pid */
#define UNPLUG (N + 1)    /* resv held by the unplug thread */

/* the dma_buf and its exporter (driver state: revoked) */
byte resv = FREE;         /* buf.resv: FREE, or who holds it */
bool revoked;             /* exporter.revoked */
bool prov_alive = true;   /* gpu_bar0, the p2pdma provider devres frees after remove() */

/* the importers, indexed 0…N-1: index i is the spec's importer(i+1) on
 * nic(i+1). Their driver state, and the objects each one owns: */
bool att[N];              /* importer.att != none: its attachment is among the buffer's,
                             which are a set, as in Lifespec's state (no attach order) */
bool sgt[N];              /* importer.sgt != none */
bool live[N];             /* the importer's sg_table is alive (not unmapped) */
bool armed[N];            /* its NIC is armed with hw_start through that sg_table */
bool pend[N];             /* dma_buf_move_notify has still to notify its attachment:
                             the walk's pending set, taken from att[] when it starts */

/* The end of dma_buf_move_notify's walk: remove() leaves its lock block and
 * returns, devres frees the provider (lifetime sg_table within provider: no
 * mapping may still be live), and the unplug thread is done. Its walk
 * position is cleared (pend[] is empty by now), as Lifespec drops a finished
 * thread's frames, so the finished states of every order merge. */
inline remove_returns() {
  resv = FREE;
  assert(${all((i) => `!live[${i}]`, ' && ')});
  prov_alive = false;
  cur = N
}

${uniform ? importerProc(`active [N] proctype Importer()`, variants[0]!, '_pid + 1') : variants.map((v, i) => importerProc(`active proctype Importer${i + 1}()`, v)).join('\n')}
/* unplug gpu, on the spec's last parallel thread.
 *
 * dma_buf_move_notify notifies the attachments in every order, as Lifespec's
 * model does: the step that starts the walk, and the step in which each
 * move_notify returns, picks the next attachment among those still pending
 * (one option per importer j). The choice is part of that step, not of the
 * next callback's entry, because that is where Lifespec makes it (it is
 * dma_buf_move_notify's, which resumes when the callback returns): the state
 * in between knows which attachment comes next. */
active proctype Unplug() {
  byte cur = N;                          /* the attachment the walk is at: importer cur's
                                            (dma_buf_move_notify's first register); N: none */
  skip;                                  /* unplug gpu: the GPU is gone (it does no DMA itself) */
  skip;                                  /* exporter.remove(gpu): the callback's entry */
  d_step { resv == FREE -> resv = UNPLUG; revoked = true }  /* lock buf.resv; revoked = true */
  if                                     /* dma_buf_move_notify(buf), dmabuf.move_notify_locked:
                                            the pending set is the attachments there now;
                                            pick the first, or return */
${all((j) => `  :: d_step { att[${j}] -> assert(resv == UNPLUG); ${all((i) => (i === j ? `pend[${i}] = false` : `pend[${i}] = att[${i}]`), '; ')}; cur = ${j} }`, '\n')}
  :: d_step { ${all((i) => `!att[${i}]`, ' && ')} -> assert(resv == UNPLUG); remove_returns() }
  fi;
end:                                     /* a finished walk rests here (cur == N, every option
                                            disabled): a valid end state */
  do
${cs.length === n ? '' : `  :: d_step { cur < N && !${isC} && sgt[cur] -> skip }  /* importer.move_notify entry: sgt != none */
     d_step { armed[cur] = false }                  /* hw_stop(nic, sgt) */
     d_step {                                       /* dma_buf_unmap_attachment(attach, sgt) */
       assert(resv == UNPLUG);                      /* dmabuf.map_locked */
       assert(live[cur])                            /* not a double unmap */
     }
     skip;                                          /* exporter.unmap_dma_buf entry */
     if                                             /* p2pdma_unmap(sgt): the mapping ends; sgt = none;
                                                       move_notify returns; the walk picks the next
                                                       pending attachment, or ends */
${next('     ', '', 'live[cur] = false; sgt[cur] = false')}
     fi
`}${cs.length === 0 ? '' : `  :: d_step { cur < N && ${isC} && sgt[cur] -> sgt[cur] = false }  /* kind C's move_notify entry:
                                                       sgt != none; let s = sgt; sgt = none */
     d_step { armed[cur] = false }                  /* hw_stop(nic, s) */
     d_step {                                       /* dma_buf_unmap_attachment(attach, s) */
       assert(resv == UNPLUG);                      /* dmabuf.map_locked */
       assert(live[cur])                            /* not a double unmap */
     }
     skip;                                          /* exporter.unmap_dma_buf entry */
     if                                             /* p2pdma_unmap(s): the mapping ends; move_notify
                                                       returns; the walk picks the next, or ends */
${next('     ', '', 'live[cur] = false')}
     fi
`}  :: if                                             /* importer.move_notify entry: sgt == none, returns;
                                                       the walk picks the next, or ends */
${next('     ', 'cur < N && !sgt[cur]', '')}
     fi
  od
}

/* the NICs' DMA: before any step, an armed NIC may DMA through its mapping
 * (no NIC is ever removed here, so each stays able to) */
active proctype Hardware() {
end:
  do
${all((i) => `  :: d_step { armed[${i}] -> assert(prov_alive); assert(live[${i}]) }  /* nic${i + 1}: dma_after_free, dma_after_unmap */`, '\n')}
  od
}
`;
}

/**
 * One importer's process: `reg_mr`, and `dereg_mr` after it for the detach
 * family. Each transition is one Lifespec step of the spec's body for this
 * variant (bench/generate.ts, variantImporterDriver). `tag`: its tag's
 * value, `_pid + 1` for a proctype of N copies.
 */
function importerProc(head: string, v: ImporterVariant, tag = String(v.tag)): string {
  const kind = v.kind ?? 'A';
  const lines = [
    `/* importer(_pid+1)'s thread t(_pid+1): reg_mr(buf)${v.dereg ? ', then dereg_mr(buf)' : ''}${kind === 'A' ? '' : `; kind ${kind}`} */`,
    `${head} {`,
    // A constant: part of the state vector from the first state on, as the
    // driver's field is part of Lifespec's, and never read.
    ...(v.tag !== undefined ? [`  byte tag = ${tag};                    /* importer.tag: int = i, never read */`] : []),
    '  skip;                                  /* importer.reg_mr(buf): the action\'s entry */',
    '  if                                     /* dma_buf_dynamic_attach(buf, nic, iops) */',
    '  :: d_step { resv == FREE -> assert(resv != ME); att[_pid] = true }  /* dmabuf.attach_unlocked;',
    '                                            listed under the free lock, returns */',
    '  :: d_step { resv != FREE -> assert(resv != ME) }  /* made, but the lock is held:',
    '                                            waits to list it */',
    '     d_step { resv == FREE -> att[_pid] = true }    /* resumes: listed, returns */',
    '  fi;',
    ...(kind === 'B' ? ['  skip;                                  /* dma_buf_attach_revocable(att): true */'] : []),
    `  d_step { resv == FREE -> resv = ME }   /* lock buf.resv (blocks while held)${kind === 'B' ? '; att != none' : ''} */`,
    '  d_step { assert(resv == ME) }          /* dma_buf_map_attachment(att): dmabuf.map_locked */',
    '  if',
    '  :: d_step { revoked -> resv = FREE }   /* exporter.map_dma_buf entry: revoked, fail ENODEV;',
    '                                            the map, the lock block and reg_mr fail with it */',
    '  :: d_step { !revoked -> skip };        /* exporter.map_dma_buf entry: not revoked */',
    '     d_step {                            /* p2pdma_map(gpu_bar0, nic); returns through',
    `                                            map_dma_buf and dma_buf_map_attachment; ${kind === 'C' ? 'let s = it' : 'sgt = it'} */`,
    '       assert(prov_alive);               /* no mapping from a freed provider */',
    `       live[_pid] = true${kind === 'C' ? '' : ';\n       sgt[_pid] = true'}`,
    '     }',
    kind === 'C'
      ? '     d_step { armed[_pid] = true; sgt[_pid] = true; resv = FREE }  /* hw_start(nic, s); sgt = s; unlock; reg_mr returns */'
      : '     d_step { armed[_pid] = true; resv = FREE }  /* hw_start(nic, sgt); unlock; reg_mr returns */',
    `  fi${v.dereg ? ';' : ''}`,
  ];
  if (v.dereg) {
    lines.push(
      '  skip;                                  /* importer.dereg_mr(buf): the action\'s entry */',
      '  if                                     /* lock buf.resv; if sgt != none */',
      '  :: d_step { resv == FREE && !sgt[_pid] -> skip }  /* it is not: unlock at once */',
      '  :: d_step { resv == FREE && sgt[_pid] -> resv = ME };  /* it is */',
      '     d_step { armed[_pid] = false }      /* hw_stop(nic, sgt) */',
      '     d_step {                            /* dma_buf_unmap_attachment(att, sgt) */',
      '       assert(resv == ME);               /* dmabuf.map_locked */',
      '       assert(live[_pid])                /* not a double unmap */',
      '     }',
      '     skip;                               /* exporter.unmap_dma_buf entry */',
      '     d_step { live[_pid] = false; sgt[_pid] = false; resv = FREE }  /* p2pdma_unmap(sgt): the mapping',
      '                                            ends; returns; sgt = none; unlock */',
      '  fi;',
      '  if                                     /* dma_buf_detach(buf, att): unmap_before_detach,',
      '                                            model.leak (no live mapping), attach_unlocked */',
      '  :: d_step { resv == FREE -> assert(!live[_pid] && resv != ME); att[_pid] = false }  /* unlisted',
      '                                            under the free lock; the attachment ends; att = none */',
      '  :: d_step { resv != FREE -> assert(!live[_pid] && resv != ME) }  /* the lock is held: waits */',
      '     d_step { resv == FREE -> att[_pid] = false }   /* resumes: unlisted, ends; att = none */',
      '  fi',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}
