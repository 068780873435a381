import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | null | undefined;

/**
 * Full garbage collection, so dropped typed arrays (external memory V8 frees lazily) are returned
 * before the next large allocation: between pipeline stages and between out-of-core passes whose
 * windows differ. A no-op where the flag cannot be set.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}
