/**
 * Client side of the server in src/view/server.ts: the run folder's files arrive through its api/
 * routes (JSON, text, raw volumes / slices / maps with x-shape), never by file name.
 */
export interface RunInfo {
  dir: string;
  default_max_dim: number;
  texture_limit: number;
  files: Record<string, string | null>;
  views: Record<string, boolean>;
  /** The slices view can annotate (there is a grey scan). */
  annotate?: boolean;
  /** A series folder (buried series): its frames in time order, picked with ?frame=k on the volume, slice and map routes. */
  series?: { transform: string; frames: SeriesFrame[] } | null;
}
export interface SeriesFrame {
  index: number;
  charge_mah_cm2: number | null;
  input: string;
  scan: string | null;
  labels: string | null;
  change: string | null;
}
export interface VolumeInfo {
  name: string;
  dtype: string;
  shape: [number, number, number];
  spacing_um: [number, number, number] | null;
  level: { shape: [number, number, number]; spacing_um: [number, number, number] | null; factors: [number, number, number]; dtype: string; max: number };
}
export interface MapInfo {
  name: string;
  full_shape: [number, number];
  shape: [number, number];
  factors: [number, number];
  pixel_um: [number, number] | null;
}

async function ok(r: Response): Promise<Response> {
  if (!r.ok) {
    let msg = `${r.status} ${r.statusText}`;
    try {
      msg = ((await r.json()) as { error?: string }).error ?? msg;
    } catch {
      /* not JSON */
    }
    throw new Error(`${r.url.replace(location.origin, '')}: ${msg}`);
  }
  return r;
}
export const getJson = async <T>(url: string): Promise<T> => (await (await ok(await fetch(url))).json()) as T;
export const getText = async (url: string): Promise<string> => (await ok(await fetch(url))).text();
export async function getBytes(url: string): Promise<{ buf: ArrayBuffer; shape: number[] }> {
  const r = await ok(await fetch(url));
  return { buf: await r.arrayBuffer(), shape: (r.headers.get('x-shape') ?? '').split(',').map(Number) };
}
export async function getMap(name: string, max: number, frame: number | null = null): Promise<{ info: MapInfo; data: Float32Array }> {
  const f = frame === null ? '' : `&frame=${frame}`;
  const [info, b] = await Promise.all([getJson<MapInfo>(`api/map/${name}/info?max=${max}${f}`), getBytes(`api/map/${name}?max=${max}${f}`)]);
  return { info, data: new Float32Array(b.buf) };
}

/** The write token the server put into this page (absent when the page is not served by buried view). */
const writeToken = document.querySelector('meta[name="buried-token"]')?.getAttribute('content') ?? '';

/** POST to the view server's write endpoints (same origin; the token proves the page is the server's own). */
export async function post<T>(url: string, body: Uint8Array<ArrayBuffer> | string, type: 'application/octet-stream' | 'application/json'): Promise<T> {
  if (!writeToken) throw new Error('this page has no write token (open it from buried view)');
  const r = await ok(await fetch(url, { method: 'POST', headers: { 'content-type': type, 'x-buried-token': writeToken }, body }));
  return (await r.json()) as T;
}

/** api/annotations: the annotation volume's origin and counts, and whether a retrain can run. */
export interface AnnotationInfo {
  file: string;
  source: 'run' | 'input' | 'none';
  input: string | null;
  shape: [number, number, number];
  counts: number[];
  note: string;
  retrain: { available: boolean; reason: string | null; input: string | null; until: string | null };
}
export interface RetrainStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  log: string[];
  error: string | null;
  stages: { stage: string; status: string; seconds: number }[];
  notes: string[];
  seconds: number | null;
}

/** Parse a numeric CSV with a header row. */
export function parseCsv(text: string): { columns: string[]; rows: number[][] } {
  const lines = text.trim().split(/\r?\n/);
  const columns = lines[0].split(',').map((s) => s.trim());
  return { columns, rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}
