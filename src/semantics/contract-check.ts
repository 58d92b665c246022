/** Reports what a spec uses that its targeted kernel does not have yet (v1). */
import type { Span } from '../source.js';
import type { CheckContext } from './context.js';
import { compareVersions } from './contract.js';
import type { Since } from './vocabulary.js';

export function notInTarget(cx: CheckContext, uri: string, name: string, since: Since | undefined, span: Span): void {
  if (!since || !cx.contract.targeted) return;
  const [major, minor] = since.linux.split('.').map(Number) as [number, number];
  if (compareVersions(cx.contract, { major, minor }) >= 0) return;
  cx.bag(uri).error('not-in-target', `\`${name}\` came with linux ${since.linux} (${since.commit}); this spec targets ${cx.contract.text.replace(' (target)', '')}`, span);
}
