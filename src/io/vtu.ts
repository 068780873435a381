/**
 * VTK XML unstructured grid (.vtu, ASCII) and its time collection (.pvd), for ParaView.
 * ASCII keeps the files readable by any XML parser (the test reads them with Python's xml.etree);
 * the FEM meshes written here are a few thousand cells.
 */
import { writeFileAtomically } from './atomic.js';

/** VTK cell type of a 4-node quadrilateral. */
export const VTK_QUAD = 9;

export interface VtuMesh {
  /** Point coordinates, 3 per point (x, y, z). */
  points: Float64Array;
  /** Point ids of all cells, concatenated. */
  connectivity: Int32Array;
  /** End of each cell in `connectivity` (VTK convention: cumulative counts). */
  offsets: Int32Array;
  /** VTK cell type per cell. */
  types: Uint8Array;
}

export interface VtuField {
  name: string;
  /** 1 (scalar) or 3 (vector) components per point or cell. */
  components: 1 | 3;
  data: Float64Array;
}

const fmt = (v: number): string => (Number.isFinite(v) ? String(+v.toPrecision(9)) : '0');

function dataArray(type: string, name: string, components: number, values: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) parts.push(type === 'Float64' ? fmt(values[i]) : String(values[i]));
  return `        <DataArray type="${type}" Name="${name}" NumberOfComponents="${components}" format="ascii">\n          ${parts.join(' ')}\n        </DataArray>\n`;
}

/** Check the mesh and fields are consistent; throws naming the first problem. */
function check(mesh: VtuMesh, pointData: VtuField[], cellData: VtuField[]): void {
  const nPoints = mesh.points.length / 3, nCells = mesh.types.length;
  if (!Number.isInteger(nPoints)) throw new Error(`VTU: ${mesh.points.length} point coordinates is not a multiple of 3`);
  if (mesh.offsets.length !== nCells) throw new Error(`VTU: ${mesh.offsets.length} offsets for ${nCells} cells`);
  if (nCells > 0 && mesh.offsets[nCells - 1] !== mesh.connectivity.length) throw new Error('VTU: the last offset is not the connectivity length');
  for (let k = 0; k < mesh.connectivity.length; k++) {
    const id = mesh.connectivity[k];
    if (!(id >= 0 && id < nPoints)) throw new Error(`VTU: connectivity entry ${k} = ${id} is not a point id (0..${nPoints - 1})`);
  }
  for (const [where, list, n] of [['point', pointData, nPoints], ['cell', cellData, nCells]] as const) {
    for (const f of list) if (f.data.length !== n * f.components) throw new Error(`VTU: ${where} field '${f.name}' has ${f.data.length} values, expected ${n * f.components}`);
  }
}

/** The .vtu document of one mesh and its point and cell fields. */
export function vtuXml(mesh: VtuMesh, pointData: VtuField[], cellData: VtuField[]): string {
  check(mesh, pointData, cellData);
  const nPoints = mesh.points.length / 3, nCells = mesh.types.length;
  let s = '<?xml version="1.0"?>\n<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">\n';
  s += `  <UnstructuredGrid>\n    <Piece NumberOfPoints="${nPoints}" NumberOfCells="${nCells}">\n`;
  s += '      <Points>\n' + dataArray('Float64', 'Points', 3, mesh.points) + '      </Points>\n';
  s += '      <Cells>\n';
  s += dataArray('Int32', 'connectivity', 1, mesh.connectivity);
  s += dataArray('Int32', 'offsets', 1, mesh.offsets);
  s += dataArray('UInt8', 'types', 1, mesh.types);
  s += '      </Cells>\n';
  s += '      <PointData>\n' + pointData.map((f) => dataArray('Float64', f.name, f.components, f.data)).join('') + '      </PointData>\n';
  s += '      <CellData>\n' + cellData.map((f) => dataArray('Float64', f.name, f.components, f.data)).join('') + '      </CellData>\n';
  s += '    </Piece>\n  </UnstructuredGrid>\n</VTKFile>\n';
  return s;
}

const xmlAttr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The .pvd collection: one dataset per time, file names relative to the .pvd. */
export function pvdXml(entries: Array<{ time: number; file: string }>): string {
  const rows = entries.map((e) => `    <DataSet timestep="${fmt(e.time)}" group="" part="0" file="${xmlAttr(e.file)}"/>\n`).join('');
  return `<?xml version="1.0"?>\n<VTKFile type="Collection" version="1.0" byte_order="LittleEndian">\n  <Collection>\n${rows}  </Collection>\n</VTKFile>\n`;
}

/** Write one .vtu atomically (temporary name, then rename). */
export async function writeVtu(file: string, mesh: VtuMesh, pointData: VtuField[], cellData: VtuField[]): Promise<void> {
  await writeFileAtomically(file, vtuXml(mesh, pointData, cellData));
}
