// Compares two output folders of scripts/identity/commands.sh file by file. Files must be
// byte-identical, except what differs between two runs of the same build (measured: wall times,
// memory figures, timestamps, and the hashes/sizes of JSON files that hold them), which is removed
// before comparing: JSON keys below, CSV columns below, times / MiB / ISO dates in HTML and stderr.
// Usage: node compare.mjs A B   (exit 1 and a list when anything else differs)
import fs from 'node:fs';
import path from 'node:path';

const VOLATILE_KEY = /seconds|_s$|_ms$|^timings_ms$|rss|budget_bytes|^started$|^finished$|^written$|^peak_over|peak_rss_mib|^wall|^mtime_ms$/;
const VOLATILE_COLUMN = /seconds|peak|rss|memory/;
const [a, b] = process.argv.slice(2);

function files(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? files(dir, r) : [r];
  });
}

/** JSON without the volatile keys; the size and hash of a JSON or HTML output go too (they hold timings). */
function cleanJson(v, key = '') {
  if (Array.isArray(v)) return v.map((x) => cleanJson(x, key));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (VOLATILE_KEY.test(k)) continue;
      if ((k === 'sha256' || k === 'bytes' || k === 'mtime_ms') && /\.(json|html)$|^(segment|thickness|strip|current|fem|report|figures)(_\w+)?$/.test(key)) continue;
      out[k] = cleanJson(x, k);
    }
    return out;
  }
  return v;
}

function cleanCsv(text) {
  const rows = text.split('\n').map((l) => l.split(','));
  const drop = new Set(rows[0].flatMap((h, i) => (VOLATILE_COLUMN.test(h) ? [i] : [])));
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(',')).join('\n');
}

const cleanText = (t) =>
  t.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'DATE')
    .replace(/\d+(\.\d+)? ?(s|ms|MiB|GiB)\b/g, 'N$2').replace(/pid \d+/g, 'pid N')
    .replace(/<td class="num">[\d.]+<\/td>/g, '<td class="num">N</td>');

function same(rel) {
  const x = fs.readFileSync(path.join(a, rel));
  const y = fs.readFileSync(path.join(b, rel));
  if (x.equals(y)) return 'identical';
  if (rel.endsWith('.json') || rel.endsWith('.stage.json')) {
    try {
      return JSON.stringify(cleanJson(JSON.parse(x))) === JSON.stringify(cleanJson(JSON.parse(y))) ? 'same data' : 'DIFFERENT';
    } catch {
      return 'DIFFERENT';
    }
  }
  if (rel.endsWith('.csv')) return cleanCsv(String(x)) === cleanCsv(String(y)) ? 'same data' : 'DIFFERENT';
  if (rel.endsWith('stderr.txt')) {
    // progress lines are throttled by time; compare the notes and warnings
    const notes = (t) => cleanText(String(t)).split('\n').filter((l) => l.startsWith('buried:')).join('\n');
    return notes(x) === notes(y) ? 'same data' : 'DIFFERENT';
  }
  if (rel.endsWith('.log')) {
    // a run log holds the progress lines too, throttled by time: drop those (`name: 42% (n/N), eta …`)
    const steady = (t) => cleanText(String(t)).split('\n').filter((l) => !/: \d+% \(\d+\/\d+\)/.test(l)).join('\n');
    return steady(x) === steady(y) ? 'same data' : 'DIFFERENT';
  }
  if (rel.endsWith('.html')) return cleanText(String(x)) === cleanText(String(y)) ? 'same data' : 'DIFFERENT';
  return 'DIFFERENT';
}

const fa = files(a).sort();
const fb = new Set(files(b));
const counts = { identical: 0, 'same data': 0, DIFFERENT: 0, missing: 0 };
const bad = [];
for (const rel of fa) {
  if (!fb.has(rel)) { counts.missing++; bad.push(`only in ${a}: ${rel}`); continue; }
  fb.delete(rel);
  const r = same(rel);
  counts[r]++;
  if (r === 'DIFFERENT') bad.push(`differs: ${rel}`);
}
for (const rel of fb) { counts.missing++; bad.push(`only in ${b}: ${rel}`); }
for (const l of bad) console.log(l);
console.log(`identity: ${fa.length} files: ${counts.identical} byte-identical, ${counts['same data']} equal after removing times/memory figures, ${counts.DIFFERENT} different, ${counts.missing} missing`);
process.exit(bad.length ? 1 : 0);
