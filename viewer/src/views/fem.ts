/**
 * Contact FEM view: four charts of the 2D contact model: pressure and gap along the interface per
 * snapshot (time slider), current along the interface at the final time, contact history (one
 * line per stack pressure of a run folder, with a legend).
 * Reads fem/profiles.csv (api/file/profiles: x_um, h_um, p_mpa_t<t>, gap_um_t<t>,
 * current_ratio_end) and fem/contact.csv (api/file/contact_csv: t_s, contact_fraction,
 * mean_contact_pressure_mpa, pressure_mpa in a run folder); either may be absent.
 */
import { getText, parseCsv } from '../api';
import { drawChart } from '../chart';
import { fmt, SERIES_COLORS } from '../colors';
import { render, type ViewHooks } from '../scene';
import { numParam, run, token } from '../state';
import { note, section, slider } from '../ui';

export async function viewFem(t: number): Promise<ViewHooks> {
  const [prof, hist] = await Promise.all([
    run.files.profiles_csv ? getText('api/file/profiles').then(parseCsv) : Promise.resolve(null),
    run.files.contact_csv ? getText('api/file/contact_csv').then(parseCsv) : Promise.resolve(null),
  ]);
  if (t !== token) return { renderers: [] };
  const col = (table: { columns: string[]; rows: number[][] }, name: string) => {
    const i = table.columns.indexOf(name);
    return i < 0 ? [] : table.rows.map((r) => r[i]);
  };
  // a run folder's contact.csv holds one history per stack pressure, one after the other (t starts
  // again at each); buried fem contact's holds one (its pressure_mpa may follow a load history)
  const runs: Array<{ label: string; rows: number[][] }> = [];
  if (hist) {
    const ti = hist.columns.indexOf('t_s');
    const pi = hist.columns.indexOf('pressure_mpa');
    for (const [k, r] of hist.rows.entries()) {
      if (k === 0 || r[ti] < hist.rows[k - 1][ti]) runs.push({ label: '', rows: [] });
      runs[runs.length - 1].rows.push(r);
    }
    for (const run of runs) {
      const ps = new Set(run.rows.map((r) => r[pi]));
      run.label = pi >= 0 && ps.size === 1 ? `${fmt(run.rows[0][pi])} MPa` : '';
    }
  }
  const snaps: Array<{ t: number; p: number[]; gap: number[] }> = [];
  if (prof) {
    prof.columns.forEach((c, i) => {
      const m = /^p_mpa_t(.+)$/.exec(c);
      if (!m) return;
      const gi = prof.columns.indexOf(`gap_um_t${m[1]}`);
      snaps.push({ t: Number(m[1]), p: prof.rows.map((r) => r[i]), gap: gi >= 0 ? prof.rows.map((r) => r[gi]) : [] });
    });
  }
  const xs = prof ? col(prof, 'x_um') : [];
  const hs = prof ? col(prof, 'h_um') : [];
  const cur = prof ? col(prof, 'current_ratio_end') : [];
  let ti = Math.max(0, Math.min(snaps.length - 1, Math.round(numParam('time', snaps.length - 1))));
  section('Time');
  if (snaps.length) {
    slider('fem-time', 'snapshot', 0, snaps.length - 1, 1, ti, (v) => {
      ti = v;
      render();
    }, (v) => `t = ${fmt(snaps[v]?.t ?? 0)} s`);
  }
  note('profiles.csv holds the interface fields at the first and last recorded time; contact.csv the history. The current along the interface is at the final time.');
  return {
    renderers: [],
    chartRect: [0, 0, 1, 1],
    chart(ctx, w, h) {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
      const s = snaps[ti];
      const half = [w / 2, h / 2];
      const tLabel = s ? `t = ${fmt(s.t)} s` : '';
      drawChart(ctx, 0, 0, half[0], half[1], {
        title: `Contact pressure along the interface, ${tLabel}`,
        xLabel: 'x (µm)',
        yLabel: 'p (MPa)',
        series: snaps.map((q, k) => ({ label: `t = ${fmt(q.t)} s`, color: k === ti ? '#d62728' : '#bbbbbb', x: xs, y: q.p })).sort((a) => (a.color === '#d62728' ? 1 : -1)),
      });
      drawChart(ctx, half[0], 0, half[0], half[1], {
        title: `Gap between Li and electrolyte, ${tLabel}`,
        xLabel: 'x (µm)',
        yLabel: 'gap (µm)',
        y2Label: 'electrolyte height h (µm)',
        series: [
          ...snaps.map((q, k) => ({ label: `gap t = ${fmt(q.t)} s`, color: k === ti ? '#1f77b4' : '#bbbbbb', x: xs, y: q.gap })),
          { label: 'h(x)', color: '#2ca02c', axis: 'right' as const, dashed: true, x: xs, y: hs },
        ],
      });
      drawChart(ctx, 0, half[1], half[0], half[1], {
        title: 'Current along the interface (final time)',
        xLabel: 'x (µm)',
        yLabel: 'j / j̄',
        series: [{ label: 'current ratio', color: '#9467bd', x: xs, y: cur }],
      });
      if (hist) {
        const one = runs.length === 1;
        const series = runs.flatMap((r, k) => {
          const table = { columns: hist.columns, rows: r.rows };
          const ht = col(table, 't_s');
          const color = one ? '#1f77b4' : SERIES_COLORS[k % SERIES_COLORS.length];
          const at = r.label ? `, ${r.label}` : '';
          return [
            { label: `contact fraction${at}`, color, x: ht, y: col(table, 'contact_fraction') },
            { label: `mean p${at}`, color: one ? '#ff7f0e' : color, axis: 'right' as const, dashed: true, x: ht, y: col(table, 'mean_contact_pressure_mpa') },
          ];
        });
        drawChart(ctx, half[0], half[1], half[0], half[1], {
          title: runs.length > 1 ? `History, ${runs.length} stack pressures` : 'History',
          xLabel: 't (s)',
          yLabel: 'contact fraction',
          y2Label: 'mean contact pressure (MPa)',
          series,
          yMin: 0,
          yMax: 1,
          markerX: s?.t,
        });
      }
    },
  };
}
