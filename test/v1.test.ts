// LANGUAGE.md §10 (v1), form by form: what each new form does at run time,
// asserted on verdicts, rule names, trace lengths and the lines a trace
// points at. The diagnostics of the new forms have their fixtures in
// test/fixtures/diagnostics/; the LANGUAGE.md blocks in language-md.test.ts.
import { describe, expect, test } from 'vitest';
import { check, explore, parse, type SpecHost } from '../src/index.js';
import { formatText } from '../src/syntax/format.js';
import { lineAt, located, rules, runSpec, scenario, violation, expectQuiet } from './support/specs.js';

const topo = `topology {
  host_bridge hb
  device nic under hb
}
`;

/** The line of a step in a located trace. */
const lines = (trace: readonly { line: number }[]) => trace.map((s) => s.line);

describe('own kinds: new, fields, free, count', () => {
  const spec = `${topo}kind obj {
  refs: kref
  n: int = 5
  name: int
  flag: bool
  items: set<obj>
}
driver core {
  state { last: obj }
  action mk() -> obj {
    let o = new obj { name: 3 }
    last = o
    return o
  }
  action setn(o: obj, v: int) { o.n = v }
  action kill(o: obj) { free(o) }
  action killnone() { free(last) }
  action expect_sum(o: obj, v: int) { assert o.n + o.name == v }
  action expect_defaults(o: obj) { assert !o.flag && o.items.size() == 0 }
  action expect_count(c: int) { assert count(obj) == c }
}
scenario defaults {
  let o = core.mk()
  core.expect_sum(o, 8)
  core.expect_defaults(o)
  core.setn(o, 1)
  core.expect_sum(o, 4)
  core.expect_count(1)
  expect ok
}
scenario wrong_sum {
  let o = core.mk()
  core.expect_sum(o, 9)
  expect violation model.assert
}
scenario freed_twice {
  let o = core.mk()
  core.kill(o)
  core.kill(o)
  expect violation model.double_free
}
scenario written_after_free {
  let o = core.mk()
  core.kill(o)
  core.setn(o, 2)
  expect violation model.use_after_free
}
scenario free_none {
  core.killnone()
  expect violation model.null_deref
}
scenario counted {
  let a = core.mk()
  let b = core.mk()
  core.kill(a)
  core.expect_count(1)
  expect ok
}
`;
  const results = runSpec(spec, 'kinds.lspec');
  const at = (needle: string) => lineAt(spec, spec.indexOf(needle));

  test('fields not given take their initialiser, else 0, false, the empty set; fields are assignable; count() counts live objects', () => {
    expectQuiet(scenario(results, 'defaults'));
    expectQuiet(scenario(results, 'counted'));
    // The assert reads the fields: a wrong sum is caught, so the quiet runs above mean something.
    expect(rules(scenario(results, 'wrong_sum'))).toEqual(['model.assert']);
  });

  test('a second free is model.double_free, at the free, and the run stops there', () => {
    const r = scenario(results, 'freed_twice');
    expect(rules(r)).toEqual(['model.double_free']);
    const v = violation(r, 'model.double_free');
    expect(v.message).toBe('obj#1 is freed a second time');
    expect(lines(v.trace)).toEqual([at('core.mk()\n  core.kill(o)\n  core.kill(o)'), at('core.kill(o)\n  core.kill(o)'), at('free(o)')]);
    expect(v.trace[1]!.ended).toEqual(['obj#1']);
  });

  test('a field written after free is model.use_after_free, naming the field', () => {
    const v = violation(scenario(results, 'written_after_free'), 'model.use_after_free');
    expect(v.message).toBe('`.n =` of obj#1, which has been freed');
    expect(v.trace).toHaveLength(3);
    expect(v.trace[2]!.line).toBe(at('o.n = v'));
  });

  test('free(none) is model.null_deref', () => {
    const v = violation(scenario(results, 'free_none'), 'model.null_deref');
    expect(v.message).toBe('`free` of none');
    expect(lines(v.trace)).toEqual([at('free(last)')]);
  });
});

describe('kref: starts at 1, get, put, get_unless_zero, read; underflow and inc-on-zero', () => {
  const spec = `${topo}kind obj { refs: kref }
driver c {
  state { r: kref  o: obj }
  action read_is(v: int) { assert kref_read(r) == v }
  action get() { kref_get(r) }
  action put_is(v: bool) {
    let z = kref_put(r)
    assert z == v
  }
  action gnz_is(v: bool) {
    let z = kref_get_unless_zero(r)
    assert z == v
  }
  action mk() { o = new obj { } }
  action oput() { if kref_put(o.refs) { free(o) } }
}
scenario counts {
  c.read_is(1)
  c.get()
  c.read_is(2)
  c.put_is(false)
  c.put_is(true)
  c.read_is(0)
  expect ok
}
scenario underflow {
  c.put_is(true)
  c.put_is(false)
  c.read_is(0)
  expect violation model.refcount_underflow
}
scenario inc_on_zero {
  c.put_is(true)
  c.get()
  c.read_is(-1)
  c.put_is(false)
  expect violation model.refcount_inc_on_zero
}
scenario unless_zero {
  c.gnz_is(true)
  c.read_is(2)
  c.put_is(false)
  c.put_is(true)
  c.gnz_is(false)
  c.read_is(0)
  expect ok
}
scenario put_after_release {
  c.mk()
  c.oput()
  c.oput()
  expect violation model.use_after_free
}
`;
  const results = runSpec(spec, 'kref.lspec');

  test('a kref starts at 1; get adds one; put is true exactly when it reaches zero; kref_read reads it', () => {
    expectQuiet(scenario(results, 'counts'));
  });

  test('a put at zero is model.refcount_underflow; the count stays at 0 and that put returns false', () => {
    const r = scenario(results, 'underflow');
    // Only the underflow: the asserts that the put returned false and the count is 0 hold.
    expect(rules(r)).toEqual(['model.refcount_underflow']);
    const v = violation(r, 'model.refcount_underflow');
    expect(v.message).toBe('kref_put of c.r at 0: refcount_t: underflow; use-after-free');
    expect(v.trace.map((s) => s.event)).toEqual(['c.put_is(true)', 'kref_put(c.r) → true', 'c.put_is(false)', 'kref_put(c.r) → false']);
  });

  test('a get at zero is model.refcount_inc_on_zero and saturates: kref_read shows -1 and no later put releases', () => {
    const r = scenario(results, 'inc_on_zero');
    expect(rules(r)).toEqual(['model.refcount_inc_on_zero']);
    expect(violation(r, 'model.refcount_inc_on_zero').trace).toHaveLength(4);
  });

  test('kref_get_unless_zero adds one and is true above zero; at zero it is false and changes nothing', () => {
    expectQuiet(scenario(results, 'unless_zero'));
  });

  test("a put of a freed object's kref is a use after free and nothing else", () => {
    const r = scenario(results, 'put_after_release');
    expect(rules(r)).toEqual(['model.use_after_free']);
    const v = violation(r, 'model.use_after_free');
    expect(v.message).toBe('kref_put of obj#1.refs, which has been freed');
    expect(v.trace).toHaveLength(5);
    expect(v.trace[2]!.event).toBe('kref_put(obj#1.refs) → true · obj#1 ends');
  });
});

test('a kref is not a value: binding, passing, returning, comparing or assigning one is an error at that place', () => {
  const text = `${topo}kind k { r: kref }
fn f(x: int) { }
driver c {
  state { o: k  q: kref }
  action a() {
    o = new k { }
    let x = o.r
    f(o.r)
    assert o.r == q
    q = o.r
  }
  action b() -> int { return q }
}
`;
  const { diagnostics } = check(text, { uri: 'k.lspec' });
  expect(diagnostics.map((d) => `${lineAt(text, d.span.start)}:${d.code}`)).toEqual(['11:type-mismatch', '12:type-mismatch', '13:type-mismatch', '14:not-assignable', '16:type-mismatch']);
});

describe("components, a driver's own fns, calls between drivers, choose and fault points in bodies", () => {
  const spec = `${topo}fn twice(x: int) -> int { return x + x }
driver core {
  state { n: int  mode: int }
  fn twice(x: int) -> int { return x + 100 }
  fn bump() { n = n + 1 }
  action run() -> int {
    bump()
    return twice(2)
  }
  action alloc() -> int fails ENOMEM {
    n = n + 10
    return 0
  }
  action pick() {
    choose {
      { mode = 1 }
      { mode = 2 }
    }
  }
  action mode_is(v: int) { assert mode == v }
  action n_is(v: int) { assert n == v }
}
driver nicdrv for nic {
  state { r: int }
  probe(dev) { r = core.run() }
  action r_is(v: int) { assert r == v }
  action try_alloc() -> int {
    let e = core.alloc()
    return e
  }
}
scenario own_fn_sees_state_and_shadows {
  let v = core.run()
  core.n_is(1)
  nicdrv.r_is(0)
  expect ok
}
scenario called_from_probe {
  bind nicdrv
  core.n_is(1)
  nicdrv.r_is(102)
  expect ok
}
scenario component_any_time {
  core.pick()
  bind nicdrv
  unbind nicdrv
  core.pick()
  expect ok
}
scenario choose_in_body {
  core.pick()
  core.mode_is(1)
  expect violation model.assert
}
scenario faults_off {
  let e = nicdrv.try_alloc()
  core.n_is(10)
  expect ok
}
scenario faults_on {
  faults on
  let e = nicdrv.try_alloc()
  core.n_is(10)
  expect violation model.assert
}
`;
  const results = runSpec(spec, 'calls.lspec');
  const at = (needle: string) => lineAt(spec, spec.indexOf(needle));

  test("a driver's fn reads and writes its state and shadows a top-level fn of the same name", () => {
    expectQuiet(scenario(results, 'own_fn_sees_state_and_shadows'));
    // r == 102: the driver's twice (x + 100), not the top-level one (x + x).
    expectQuiet(scenario(results, 'called_from_probe'));
  });

  test('a component is there for the whole scenario: its actions run before, between and after binds', () => {
    expectQuiet(scenario(results, 'component_any_time'));
  });

  test('choose in an action explores every branch; the trace names the branch taken on that step', () => {
    const v = violation(scenario(results, 'choose_in_body'), 'model.assert');
    expect(v.trace.map((s) => s.event)).toEqual(['core.pick() · choose 2 of 2', 'core.mode_is(1)']);
    expect(lines(v.trace)).toEqual([at('core.pick()\n  core.mode_is'), at('assert mode == v')]);
  });

  test('a fails point never fires with faults off', () => {
    expectQuiet(scenario(results, 'faults_off'));
  });

  test('with faults on, an action called from a body fails before its body runs, as the same event, on the calling thread', () => {
    const v = violation(scenario(results, 'faults_on'), 'model.assert');
    expect(v.trace.map((s) => `${s.thread} ${s.event}`)).toEqual([
      'main nicdrv.try_alloc()',
      'main core.alloc() → ENOMEM · nicdrv.try_alloc → ENOMEM',
      'main core.n_is(10)',
    ]);
    expect(v.trace[1]!.line).toBe(at('core.alloc()\n    return e'));
  });

  test('binding a component is a located check error', () => {
    const text = `${topo}driver comp { action a() { } }\nscenario s {\n  bind comp\n  expect ok\n}\n`;
    const { diagnostics } = check(text, { uri: 'c.lspec' });
    expect(diagnostics.map((d) => `${lineAt(text, d.span.start)}:${d.code}`)).toEqual(['7:component-lifecycle']);
  });
});

describe('leads_to', () => {
  const spec = `${topo}kind obj { n: int }
driver w {
  state { a: mutex  b: mutex  o: obj }
  action req(x: int) { }
  action ack(x: int) { }
  action ab() { lock a { lock b { } } }
  action ba() { lock b { lock a { } } }
  action mk() { o = new obj { } }
  action kill() { free(o) }
  action touch() { o.n = 1 }
  action maybe_ack(x: int) {
    choose {
      { w.ack(x) }
      { }
    }
  }
}
constraint answered { w.req(x) leads_to w.ack(x) }
scenario unanswered {
  w.req(1)
  expect violation answered
}
scenario answered_ok {
  w.req(1)
  w.ack(1)
  expect ok
}
scenario wrong_binding {
  w.req(1)
  w.ack(2)
  expect violation answered
}
scenario one_answers_many {
  w.req(1)
  w.req(1)
  w.ack(1)
  expect ok
}
scenario answer_came_first {
  w.ack(1)
  w.req(1)
  expect violation answered
}
scenario stuck {
  w.req(1)
  parallel {
    { w.ab() }
    { w.ba() }
  }
  w.ack(1)
  expect deadlock
}
scenario halted {
  w.mk()
  w.kill()
  w.req(1)
  w.touch()
  w.ack(1)
  expect violation model.use_after_free
}
scenario maybe {
  w.req(1)
  w.maybe_ack(1)
  expect violation answered
}
`;
  const results = runSpec(spec, 'leads.lspec');

  test('a run that finishes with an A unanswered breaks it; the trace ends with the scenario', () => {
    const v = violation(scenario(results, 'unanswered'), 'answered');
    expect(v.message).toBe('`w.req(x)` (x = 1) is never answered by `w.ack(x)`');
    expect(v.trace.map((s) => s.event)).toEqual(['w.req(1)', 'the scenario ends']);
  });

  test("B must match A's bindings, and come after it; one B answers several As", () => {
    expectQuiet(scenario(results, 'answered_ok'));
    expectQuiet(scenario(results, 'one_answers_many'));
    expect(rules(scenario(results, 'wrong_binding'))).toEqual(['answered']);
    expect(rules(scenario(results, 'answer_came_first'))).toEqual(['answered']);
  });

  test('a deadlock that leaves an A unanswered breaks it, with the deadlock', () => {
    const r = scenario(results, 'stuck');
    expect(rules(r)).toEqual(['answered']);
    expect(r.deadlock?.waiting.map((w) => w.thread)).toEqual(['main', 't1', 't2']);
    expect(violation(r, 'answered').trace).toHaveLength(r.deadlock!.trace.length);
  });

  test('a run the model stops (a use after free) is checked where it stops', () => {
    const r = scenario(results, 'halted');
    expect(rules(r)).toEqual(['answered', 'model.use_after_free']);
    expect(violation(r, 'answered').trace).toHaveLength(4);
  });

  test('a branch of a choose that never answers is found', () => {
    const v = violation(scenario(results, 'maybe'), 'answered');
    expect(v.trace.map((s) => s.event)).toEqual(['w.req(1)', 'w.maybe_ack(1) · choose 2 of 2', 'the scenario ends']);
  });
});

/** A host over an in-memory set of files, paths relative to the using file's folder. */
function memoryHost(files: Record<string, string>): SpecHost {
  return {
    resolve(from, path) {
      const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
      const parts: string[] = [];
      for (const p of `${dir}${path}`.split('/')) {
        if (p === '..') parts.pop();
        else if (p !== '.') parts.push(p);
      }
      return parts.join('/');
    },
    read(uri) {
      return files[uri] ?? { error: `${uri}: no such file` };
    },
  };
}

describe('use "file"', () => {
  const exporter = `${topo.replace('device nic', 'device gpu under hb\n  device nic')}
provider vram : p2pdma { device gpu  bar 0  lifetime devres }
driver exp for gpu {
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return dma_map_sgtable(attach.dev) }
    unmap_dma_buf(attach, sgt) { dma_unmap_sgtable(sgt) }
    release(buf) { }
  }
  action export() -> dma_buf { return dma_buf_export(bops, vram) }
}
scenario only_when_run_itself {
  bind exp
  expect violation no_such_rule_here
}
`.replace('device gpu under hb', 'device gpu under hb { bar 0 size 64M }');
  const kinds = `kind mr { refs: kref }\nuse "../lib/exporter.lspec"\n`;
  const importer = `use "lib/kinds.lspec"
driver imp for nic {
  state { m: mr? }
  action map(buf: dma_buf) {
    let att = dma_buf_attach(buf, nic)
    let sgt = dma_buf_map_attachment_unlocked(att)
    m = new mr { }
  }
  action has_mr() { assert m != none && count(mr) == 1 }
}
scenario imports {
  bind exp
  bind imp
  let b = exp.export()
  imp.map(b)
  imp.has_mr()
  expect ok
}
`;
  const files = { 'lib/exporter.lspec': exporter, 'lib/kinds.lspec': kinds, 'main.lspec': importer };

  test("a used file's declarations are seen transitively and bare; its scenarios do not run", () => {
    const { program, diagnostics } = check(importer, { uri: 'main.lspec', host: memoryHost(files) });
    expect(diagnostics).toEqual([]);
    const results = explore(program).scenarios;
    expect(results.map((r) => r.scenario)).toEqual(['imports']);
    expect(located(results[0]!, program.sources)).toMatchObject({ verdict: 'ok', complete: true });
  });

  test('a trace step in a used file names that file', () => {
    const broken = importer.replace('let sgt = dma_buf_map_attachment_unlocked(att)', 'let sgt = dma_buf_map_attachment_unlocked(att)\n    dma_buf_detach(buf, att)').replace('expect ok', 'expect violation dmabuf.unmap_before_detach').replace('use "lib/kinds.lspec"', 'use "lib/kinds.lspec"\nuse dmabuf.rules');
    const { program, diagnostics } = check(broken, { uri: 'main.lspec', host: memoryHost(files) });
    expect(diagnostics).toEqual([]);
    const r = located(explore(program).scenarios[0]!, program.sources);
    expect(r.expectMet).toBe(true);
    const v = violation(r, 'dmabuf.unmap_before_detach');
    const inExporter = v.trace.filter((s) => s.uri === 'lib/exporter.lspec');
    const mapLine = lineAt(exporter, exporter.indexOf('map_dma_buf(attach)'));
    // dma_buf_export in the exporter's action, then its map_dma_buf callback and the table it builds there.
    expect(inExporter.map((s) => s.line)).toEqual([lineAt(exporter, exporter.indexOf('return dma_buf_export')), mapLine, mapLine]);
    expect(v.trace.filter((s) => s.uri === 'main.lspec').length).toBe(v.trace.length - 3);
  });

  test('a missing file, a cycle and a duplicate across files are errors at the use line', () => {
    const diag = (fs: Record<string, string>, root: string) => {
      const { diagnostics } = check(fs[root]!, { uri: root, host: memoryHost(fs) });
      return diagnostics.map((d) => `${d.uri}:${lineAt(fs[d.uri ?? root]!, d.span.start)}:${d.code}`);
    };
    expect(diag({ 'a.lspec': `${topo}use "b.lspec"\n` }, 'a.lspec')).toEqual(['a.lspec:5:missing-file']);
    expect(diag({ 'a.lspec': `${topo}use "b.lspec"\n`, 'b.lspec': 'use "a.lspec"\n' }, 'a.lspec')).toEqual(['b.lspec:1:use-cycle']);
    expect(diag({ 'a.lspec': `${topo}\nuse "b.lspec"\nkind k { }\n`, 'b.lspec': 'kind k { }\n' }, 'a.lspec')).toEqual(['a.lspec:6:duplicate-declaration']);
    // One topology per spec: a second one in a used file is reported at the use that brings it in.
    expect(diag({ 'a.lspec': `use "b.lspec"\n${topo}`, 'b.lspec': topo.replace('hb', 'hb2').replace('hb', 'hb2') }, 'a.lspec')).toEqual(['a.lspec:1:duplicate-declaration']);
    // Without a host, the library says what is missing instead of reading anything.
    expect(check(`${topo}use "b.lspec"\n`, { uri: 'a.lspec' }).diagnostics.map((d) => d.code)).toEqual(['missing-file']);
  });

  test('a used file is loaded once however often it is used', () => {
    const fs = { ...files, 'main.lspec': `use "lib/kinds.lspec"\nuse "lib/exporter.lspec"\nuse "lib/./exporter.lspec"\n${importer.replace(/^use .*\n/, '')}` };
    const { diagnostics } = check(fs['main.lspec'], { uri: 'main.lspec', host: memoryHost(fs) });
    expect(diagnostics).toEqual([]);
  });
});

describe('kernel checks on by default, allow, target', () => {
  // An exporter that moves the buffer without the reservation lock, and
  // says no `use dmabuf.rules`: the kernel's dma_resv_assert_held() still fires.
  const unlocked = (head: string) => `${head}
topology {
  host_bridge hb
  device gpu under hb
  device nic under hb
}
driver exp for gpu {
  state { b: dma_buf? }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return dma_map_sgtable(attach.dev) }
    unmap_dma_buf(attach, sgt) { dma_unmap_sgtable(sgt) }
    release(buf) { }
  }
  action export() -> dma_buf {
    let x = dma_buf_export(bops)
    b = x
    return x
  }
  action move() { dma_buf_move_notify(b) }
}
driver imp for nic {
  ops iops : dma_buf_attach_ops {
    allow_peer2peer = true
    move_notify(attach) { }
  }
  action map(buf: dma_buf) {
    let att = dma_buf_dynamic_attach(buf, nic, iops)
    let sgt = dma_buf_map_attachment(att)
  }
}
scenario s {
  bind exp
  bind imp
  let b = exp.export()
  imp.map(b)
  exp.move()
  expect ok
}
`;
  const verdict = (head: string) => {
    const text = unlocked(head);
    const { program, diagnostics } = check(text, { uri: 'k.lspec' });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return rules(explore(program).scenarios[0]!);
  };

  test('without any use, the kernel checks of the dma-buf model fire', () => {
    expect(verdict('')).toEqual(['dmabuf.map_locked', 'dmabuf.move_notify_locked']);
  });

  test('allow turns one off, by its full name', () => {
    expect(verdict('allow dmabuf.move_notify_locked')).toEqual(['dmabuf.map_locked']);
    expect(verdict('allow dmabuf.move_notify_locked, dmabuf.map_locked')).toEqual([]);
  });

  test('target picks the version of a rule: before 6.2 a dynamic map asserted the lock too; 7.0 still needs move_notify', () => {
    expect(verdict('target linux 6.1')).toEqual(['dmabuf.map_locked', 'dmabuf.move_notify_locked']);
    const noMove = unlocked('target linux 7.0').replace('    move_notify(attach) { }\n', '');
    const { program } = check(noMove, { uri: 'k.lspec' });
    expect(rules(explore(program).scenarios[0]!)).toContain('dmabuf.dynamic_needs_move_notify');
    const { program: p71 } = check(noMove.replace('target linux 7.0', 'target linux 7.1'), { uri: 'k.lspec' });
    expect(rules(explore(p71).scenarios[0]!)).not.toContain('dmabuf.dynamic_needs_move_notify');
  });

  test("allow turns off a model's warning (model.leak); a violation that stops the run is reported even when allowed", () => {
    const spec = (head: string) => `${head}
${topo}kind obj { n: int }
driver d for nic {
  state { o: obj }
  action leak() {
    let b = dma_buf_export(bops)
    let att = dma_buf_attach(b, nic)
    let sgt = dma_buf_map_attachment_unlocked(att)
    dma_buf_detach(b, att)
  }
  action uaf() {
    o = new obj { }
    free(o)
    o.n = 1
  }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return dma_map_sgtable(attach.dev) }
    unmap_dma_buf(attach, sgt) { dma_unmap_sgtable(sgt) }
    release(buf) { }
  }
}
scenario leaks {
  bind d
  d.leak()
  expect ok
}
scenario uaf {
  bind d
  d.uaf()
  expect ok
}
`;
    const run = (head: string) => {
      const { program, diagnostics } = check(spec(head), { uri: 'a.lspec' });
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      return explore(program).scenarios.map((r) => `${r.scenario}: ${rules(r).join(' ') || 'ok'}`);
    };
    expect(run('')).toEqual(['leaks: model.leak', 'uaf: model.use_after_free']);
    expect(run('allow model.leak, model.use_after_free')).toEqual(['leaks: ok', 'uaf: model.use_after_free']);
  });

  test('allow of a rule that does not exist, and a second target, are check errors', () => {
    const codes = (head: string) => check(unlocked(head), { uri: 'k.lspec' }).diagnostics.map((d) => `${lineAt(unlocked(head), d.span.start)}:${d.code}`);
    expect(codes('allow dmabuf.no_such_rule')).toEqual(['1:unknown-rule']);
    expect(codes('target linux 6.1\ntarget linux 6.2')).toEqual(['2:invalid-target']);
  });
});

describe('the formatter keeps the new forms', () => {
  const text = `use "lib/exporter.lspec"
target linux 6.19
allow dmabuf.map_locked

topology {
  host_bridge hb
  device nic under hb
}

kind mr {
  refs: kref
  key: int = 0
}

driver core {
  state { mrs: set<mr> }

  fn put(m: mr) {
    if kref_put(m.refs) {
      mrs.remove(m)
      free(m)
    }
  }

  action reg(key: int) -> mr fails ENOMEM, EINVAL {
    let m = new mr { key: key }
    choose {
      { mrs.add(m) }
      { }
    }
    return m
  }
}

constraint answered {
  core.reg(k) leads_to core.put(_)
}
`;

  test('format(format(x)) == format(x), and nothing of the new forms is lost', () => {
    const format = (t: string) => {
      const r = formatText(parse(t, { uri: 'f.lspec' }), (x) => parse(x, { uri: 'f.lspec' }));
      expect(r.ok).toBe(true);
      return r.ok ? r.text : '';
    };
    const once = format(text);
    expect(once).toBe(text);
    expect(format(once)).toBe(once);
    for (const piece of ['use "lib/exporter.lspec"', 'target linux 6.19', 'allow dmabuf.map_locked', 'kind mr {', 'refs: kref', 'fails ENOMEM, EINVAL', 'new mr { key: key }', 'choose {', 'leads_to', 'free(m)']) {
      expect(once).toContain(piece);
    }
  });
});

describe('gaps the corpus found', () => {
  const spec = `${topo}kind pages { mu: mutex  n: int  refs: kref }
driver core {
  state { p: pages? }
  fn g() -> int fails ENOMEM, EBUSY { return 1 }
  action mk() { p = new pages { } }
  action a() { lock p.mu { p.n = p.n + 1 } }
  action b() { lock p.mu { p.n = p.n + 10 } }
  action n_is(v: int) { assert p.n == v }
  action rearm() {
    if kref_put(p.refs) { kref_init(p.refs) }
  }
  action count_is(v: int) { assert kref_read(p.refs) == v }
  action pass_on() -> int {
    let r = try g()
    if is_err(r) { fail r }
    return r
  }
  action not_an_errno() -> int {
    let r = try g()
    fail r
  }
}
scenario own_lock {
  core.mk()
  parallel {
    { core.a() }
    { core.b() }
  }
  core.n_is(11)
  expect ok
}
scenario rearmed {
  core.mk()
  core.rearm()
  core.count_is(1)
  expect ok
}
scenario passes_errno_on {
  faults on
  let x = core.pass_on()
  expect ok
}
scenario fail_of_a_value {
  let x = core.not_an_errno()
  expect violation model.assert
}
`;
  const results = runSpec(spec, 'gaps.lspec');

  test('a mutex field of an own kind is a lock of each object, named by it in traces', () => {
    const r = scenario(results, 'own_lock');
    expectQuiet(r);
    const { program } = check(spec, { uri: 'gaps.lspec' });
    const racy = explore(program, { scenario: 'own_lock' }).scenarios[0]!;
    expect(racy.states).toBeGreaterThan(10);
    const text = spec.replace('core.n_is(11)', 'core.n_is(1)');
    const v = violation(runSpec(text, 'gaps.lspec').get('own_lock')!, 'model.assert');
    expect(v.trace.some((s) => s.event === 'lock pages#2.mu')).toBe(true);
  });

  test('kref_init re-arms a kref at 1', () => {
    expectQuiet(scenario(results, 'rearmed'));
  });

  test('fail passes on the errno a try call caught; fail of a value that is not an errno is reported', () => {
    expectQuiet(scenario(results, 'passes_errno_on'));
    const v = violation(scenario(results, 'fail_of_a_value'), 'model.assert');
    expect(v.message).toBe('`fail` of 1, which is not an errno (check it with is_err() first)');
  });
});

test('fmt keeps the blank line between a file\'s leading comment and its first declaration (language.md §18)', () => {
  const text = '// A header comment.\n\ntopology {\n  host_bridge hb\n}\n';
  const r = formatText(parse(text, { uri: 'h.lspec' }), (x) => parse(x, { uri: 'h.lspec' }));
  expect(r).toEqual({ ok: true, text, changed: false });
});

test("a kref event's pattern binds the kref's owner, which rules can read", () => {
  const text = `${topo}kind mr { refs: kref  key: int }
driver core {
  action reg(k: int) -> mr { return new mr { key: k } }
  action put(m: mr) { if kref_put(m.refs) { free(m) } }
}
constraint keyed_puts { kref_put(m) requires m != none && m.key != 0 }
constraint bounded { always count(mr) <= 1 }
scenario keyed {
  let a = core.reg(1)
  core.put(a)
  expect ok
}
scenario unkeyed {
  let a = core.reg(0)
  core.put(a)
  expect violation keyed_puts
}
scenario two {
  let a = core.reg(1)
  let b = core.reg(2)
  expect violation bounded
}
`;
  const r = runSpec(text, 'krefev.lspec');
  expectQuiet(scenario(r, 'keyed'));
  expect(rules(scenario(r, 'unkeyed'))).toEqual(['keyed_puts']);
  expect(violation(scenario(r, 'unkeyed'), 'keyed_puts').message).toBe('kref_put(mr#1) requires `m != none && m.key != 0`, which does not hold');
  expect(rules(scenario(r, 'two'))).toEqual(['bounded']);
});
