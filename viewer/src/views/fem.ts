/**
 * Contact FEM view: four charts of the 2D contact model: pressure and gap along the interface per
 * snapshot (time slider), current along the interface at the final time, contact history.
 * Reads fem/profiles.csv (api/file/profiles: x_um, h_um, p_mpa_t<t>, gap_um_t<t>,
 * current_ratio_end) and fem/contact.csv (api/file/contact_csv: t_s, contact_fraction,
 * mean_contact_pressure_mpa, pressure_mpa in a run folder); either may be absent.
 */
import { getText, parseCsv } from '../api';
import { drawChart } from '../chart';
import { fmt } from '../colors';
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
  // a run folder's contact.csv holds one history per stack pressure: show the highest, whose
  // interface fields profiles.csv holds
  if (hist && hist.columns.includes('pressure_mpa')) {
    const pi = hist.columns.indexOf('pressure_mpa');
    const pMax = Math.max(...hist.rows.map((r) => r[pi]));
    hist.rows = hist.rows.filter((r) => r[pi] === pMax);
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
        const ht = col(hist, 't_s');
        drawChart(ctx, half[0], half[1], half[0], half[1], {
          title: 'History',
          xLabel: 't (s)',
          yLabel: 'contact fraction',
          y2Label: 'mean contact pressure (MPa)',
          series: [
            { label: 'contact fraction', color: '#1f77b4', x: ht, y: col(hist, 'contact_fraction') },
            { label: 'mean p', color: '#ff7f0e', axis: 'right', dashed: true, x: ht, y: col(hist, 'mean_contact_pressure_mpa') },
          ],
          yMin: 0,
          yMax: 1,
          markerX: s?.t,
        });
      }
    },
  };
}
