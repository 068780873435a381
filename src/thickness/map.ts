/**
 * Li thickness map (contract: "Interface geometry"): for each column along the interface normal,
 * the Li layer thickness between the collector/void side and the electrolyte surface, plus the
 * penetration depth of Li below that surface (filaments, dendrites), the electrolyte surface height
 * and the Li top height.
 *
 * Per column, walking from the collector side:
 *  1. electrolyte surface = first electrolyte voxel that starts the electrolyte body: at least 60 %
 *     of the next `window` voxels are electrolyte (isolated specks in the Li and pores in the
 *     electrolyte do not move it);
 *  2. columns whose surface lies more than `outlierVoxels` deeper than the median of their
 *     neighbourhood (a filament replacing the electrolyte, a pore at the surface) take the median;
 *  3. Li layer = Li voxels between the last collector voxel and the surface (interfacial voids are
 *     not counted); penetration = depth of the deepest Li voxel below the surface.
 * With a grey-level scan the two Li boundaries are refined to sub-voxel positions at the half-way
 * crossing between the adjacent phases' mean grey levels (means from the labels).
 *
 * Orientation: the Li/collector side is detected (either end). `normal: 'x'|'y'` measures along
 * that axis (the map is the volume without it); `'auto'` picks the layered axis, fits a plane to
 * the electrolyte surface and, when tilted, samples every column along the plane normal.
 *
 * Parts: map-plan.ts (types, geometry, plan), map-surface.ts (stages 1–2, plane fit), map-column.ts
 * (stage 3, result), map-tilted.ts (lines along a fitted normal), map-summary.ts (statistics).
 */
export { LI_UM_PER_MAH_CM2, columnAccess, newAxisProfiles, accumulateAxisProfiles, axisFromProfiles, dominantAxis, newLiSideCounts, accumulateLiSide, liSideFromCounts, mapPlan, mapRows, type NormalOption, type Axis, type ThicknessMapOptions, type ThicknessMapResult, type ColumnGeometry, type ColumnBlock, type ColumnAccess, type AxisProfiles, type LiSideCounts, type MapPlan } from './map-plan.js';
export { surfaceRows, fitSurface, type SurfaceFit } from './map-surface.js';
export { newGreyMeanSums, accumulateGreyMeans, greyMeansOf, newMapColumns, measureRowsNeeded, measureRows, mapResult, type GreyMeanSums, type MapColumns } from './map-column.js';
export { tiltedLines, tiltedRowsNeeded, tiltedSurfaceRows, repairTiltedSurface, tiltedMeasureRows, type TiltedLines } from './map-tilted.js';
export { summarizeThickness, type ThicknessSummary } from './map-summary.js';
