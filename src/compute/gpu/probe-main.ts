/**
 * Child-process entry of the adapter probe (probe-child.ts): prints the default adapter's summary as
 * JSON (or null) on stdout and exits. Dawn's warnings go to stderr, which the parent discards.
 */
import { probeAdapter } from './device.js';

let summary = null;
try {
  summary = (await probeAdapter())?.summary ?? null;
} catch {
  summary = null;
}
process.stdout.write(JSON.stringify(summary));
process.exit(0); // Dawn keeps handles open
