/**
 * The Li block of a contact cell as a VTU dataset for ParaView: the deformed-state fields of the
 * last accepted step (displacement, von Mises stress, mean stress and pressure, equivalent plastic
 * or creep strain, and the contact pressure on the interface).
 *
 * The cell is periodic: the last element column reuses the first column's nodes. ParaView needs the
 * geometry unwrapped, so the seam nodes get duplicate points at x + λ (same values).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContactCell } from './contact.js';
import { pvdXml, writeVtu, VTK_QUAD, type VtuField, type VtuMesh } from '../io/vtu.js';
import { writeFileAtomically } from '../io/atomic.js';

export interface CellFields {
  mesh: VtuMesh;
  pointData: VtuField[];
  cellData: VtuField[];
  /** Body node of each VTU point (the seam duplicates map to their column-0 node). */
  pointNode: Int32Array;
}

export function contactCellFields(cell: ContactCell): CellFields {
  const body = cell.mesh.li;
  const { elems, ecoords } = body;
  const nEl = elems.length / 4;
  const lambda = cell.mesh.lambda;
  // points: the body nodes, then one duplicate per seam node met by an element unwrapped past it
  const pointNode: number[] = Array.from({ length: body.nNodes }, (_, k) => k);
  const dup = new Map<number, number>();
  const connectivity = new Int32Array(4 * nEl);
  for (let e = 0; e < nEl; e++) {
    for (let a = 0; a < 4; a++) {
      const n = elems[4 * e + a];
      const shifted = ecoords[8 * e + 2 * a] - body.x[n] > 0.5 * lambda;
      let id = n;
      if (shifted) {
        id = dup.get(n) ?? -1;
        if (id < 0) { id = pointNode.length; pointNode.push(n); dup.set(n, id); }
      }
      connectivity[4 * e + a] = id;
    }
  }
  const nP = pointNode.length;
  const points = new Float64Array(3 * nP);
  const u = cell.li.fullDisplacement(cell.U);
  const displacement = new Float64Array(3 * nP);
  const contactP = new Float64Array(nP);
  const pOfNode = new Map<number, number>();
  for (let i = 0; i < cell.mesh.nx; i++) pOfNode.set(cell.mesh.liInterface[i], cell.P[i] / cell.mesh.dx);
  for (let k = 0; k < nP; k++) {
    const n = pointNode[k];
    points[3 * k] = body.x[n] + (k >= body.nNodes ? lambda : 0);
    points[3 * k + 1] = body.y[n];
    displacement[3 * k] = u[2 * n];
    displacement[3 * k + 1] = u[2 * n + 1];
    contactP[k] = pOfNode.get(n) ?? 0;
  }
  // element averages of the 4 Gauss points (equal weights: the fields are for viewing)
  const { sigma, eeq } = cell.li;
  const vonMises = new Float64Array(nEl), mean = new Float64Array(nEl), pressure = new Float64Array(nEl), strain = new Float64Array(nEl);
  for (let e = 0; e < nEl; e++) {
    let q = 0, m = 0, s = 0;
    for (let g = 0; g < 4; g++) {
      const o = 4 * (4 * e + g);
      const sx = sigma[o], sy = sigma[o + 1], sz = sigma[o + 2], sxy = sigma[o + 3];
      const mm = (sx + sy + sz) / 3;
      q += Math.sqrt(1.5 * ((sx - mm) ** 2 + (sy - mm) ** 2 + (sz - mm) ** 2 + 2 * sxy * sxy));
      m += mm;
      s += eeq[4 * e + g];
    }
    vonMises[e] = q / 4; mean[e] = m / 4; pressure[e] = -m / 4; strain[e] = s / 4;
  }
  const offsets = Int32Array.from({ length: nEl }, (_, e) => 4 * (e + 1));
  return {
    mesh: { points, connectivity, offsets, types: new Uint8Array(nEl).fill(VTK_QUAD) },
    pointData: [
      { name: 'displacement_um', components: 3, data: displacement },
      { name: 'contact_pressure_MPa', components: 1, data: contactP },
    ],
    cellData: [
      { name: 'von_mises_MPa', components: 1, data: vonMises },
      { name: 'mean_stress_MPa', components: 1, data: mean },
      { name: 'pressure_MPa', components: 1, data: pressure },
      { name: 'equivalent_inelastic_strain', components: 1, data: strain },
    ],
    pointNode: Int32Array.from(pointNode),
  };
}

/** DIR/NAME_NNNN.vtu per saved time and DIR/NAME.pvd listing them with their times (each written atomically). */
export async function writeFieldSeries(dir: string, name: string, saved: Array<{ time: number; fields: CellFields }>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const entries: Array<{ time: number; file: string }> = [];
  for (let k = 0; k < saved.length; k++) {
    const file = `${name}_${String(k).padStart(4, '0')}.vtu`;
    const { mesh, pointData, cellData } = saved[k].fields;
    await writeVtu(path.join(dir, file), mesh, pointData, cellData);
    entries.push({ time: saved[k].time, file });
  }
  await writeFileAtomically(path.join(dir, `${name}.pvd`), pvdXml(entries));
}
