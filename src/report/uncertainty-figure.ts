/**
 * The trainable segmentation's uncertainty (1 − the largest class probability, uncertainty.tif) on
 * a slice through the volume's centre that crosses the interface (it contains the stack normal),
 * in physical aspect with a 0–1 colour bar. Written atomically as SVG and PNG into the figures
 * folder like the report's other figures. Memory: one slab of the file and the three centre planes.
 */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { openVolume } from '../io/open.js';
import { readCentreSlices, type Plane } from '../io/centre-slices.js';
import { mapFigureSvg, svgToPng } from './figures/svg.js';

export const UNCERTAINTY_FIGURE = 'uncertainty_slice';

export interface UncertaintyFigure {
  id: typeof UNCERTAINTY_FIGURE;
  svg: string;
  caption: string;
  /** Mean uncertainty over the slice's voxels (masked voxels, 0, included). */
  sliceMean: number;
}

/** The centre plane containing the normal: xz for z (rows z), xy for y (rows y), xz for x (columns x). */
function planeFor(normal: 'x' | 'y' | 'z'): 'xz' | 'xy' {
  return normal === 'y' ? 'xy' : 'xz';
}

export async function writeUncertaintyFigure(figDir: string, file: string, normal: 'x' | 'y' | 'z', widthPx: number, maxSide = 1024): Promise<UncertaintyFigure> {
  const source = await openVolume(file);
  let p: Plane;
  let title: string;
  let pixelUm: [number, number];
  try {
    const s = await readCentreSlices(source, maxSide);
    const [dz, dy, dx] = (source.spacing ?? [1, 1, 1]).map((v) => v * s.stride);
    const [cz, cy] = s.centre;
    if (planeFor(normal) === 'xz') {
      p = s.xz;
      pixelUm = [dz, dx];
      title = `xz at y = ${cy}`;
    } else {
      p = s.xy;
      pixelUm = [dy, dx];
      title = `xy at z = ${cz}`;
    }
  } finally {
    await source.close();
  }
  // the file holds round(255 × (1 − max P))
  const values = Float64Array.from(p.values, (v) => v / 255);
  let sum = 0;
  for (const v of values) sum += v;
  const sliceMean = values.length ? sum / values.length : 0;
  const svg = mapFigureSvg({
    values,
    rows: p.rows,
    cols: p.cols,
    pixelUm,
    title: 'Segmentation uncertainty across the interface',
    subtitle: `${title} (stack normal ${normal}); 1 − largest class probability, slice mean ${sliceMean.toFixed(3)}`,
    label: 'uncertainty (1 − max P)',
    colormap: 'inferno',
    vmin: 0,
    vmax: 1,
  });
  await writeFileAtomically(path.join(figDir, `${UNCERTAINTY_FIGURE}.svg`), svg);
  await writeFileAtomically(path.join(figDir, `${UNCERTAINTY_FIGURE}.png`), svgToPng(svg, widthPx));
  return {
    id: UNCERTAINTY_FIGURE,
    svg,
    sliceMean,
    caption: `Uncertainty of the trainable segmentation (1 − the largest class probability; 0 = certain, 1 − 1/K at most with K classes) on the ${title} plane through the centre of the volume, which crosses the Li | electrolyte interface. Bright bands mark the boundaries whose position the Li thickness band (P(Li) ≥ 0.7 … ≥ 0.3) carries. From segment/uncertainty.tif.`,
  };
}
