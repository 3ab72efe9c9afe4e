// Loads the HiGHS solver. The package's type declarations describe a CommonJS module, so under
// `nodenext` TypeScript sees the default import as the module object; at run time Node loads the
// ES build, whose default export is the loader itself. Accept both shapes.
import highsModule from 'highs';
import type { Highs } from 'highs';

type Loader = () => Promise<Highs>;

export function loadHighs(): Promise<Highs> {
  const candidate: unknown = highsModule;
  const loader = typeof candidate === 'function' ? candidate : (candidate as { default?: unknown }).default;
  if (typeof loader !== 'function') throw new Error('the highs package did not provide a loader');
  return (loader as Loader)();
}
