/**
 * Page-wide state shared by the entry and the views: URL parameters, the page's DOM elements, the
 * ready/error flags that `buried figure` and the browser tests wait on, the run being shown and the
 * view generation token. Reads no run-folder file itself (main.ts sets `run` from api/run).
 */
import type { RunInfo } from './api';

export type ViewName = 'labels' | 'slices' | 'thickness' | 'strip' | 'current' | 'fem' | 'change';
export const VIEW_TITLES: Record<ViewName, string> = {
  labels: '3D labels',
  slices: 'Slices',
  thickness: 'Thickness',
  strip: 'Stripping',
  current: 'Current',
  fem: 'Contact FEM',
  change: 'Change',
};

export const params = new URLSearchParams(location.search);
export const figureMode = params.get('figure') === '1';
if (figureMode) document.body.classList.add('figure');
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
export const stage = $('stage');
export const vtkDiv = $('vtk');
export const overlay = $<HTMLCanvasElement>('overlay');
export const chart = $<HTMLCanvasElement>('chart');
export const controls = $('controls');
export const readout = $('readout');

/** What the page exposes on `window.buried` (figure export, tests, diagnostics). */
export interface BuriedApi {
  setView(name: ViewName): Promise<void>;
  exportPng(w: number, h: number): Promise<string>;
  timeRender(): number;
  pick(x: number, y: number): string | null;
  readonly view: ViewName;
  /** Series folders: the frame shown, and switching to frame k (reloads the view's data, not the page). */
  readonly frame: number;
  setFrame(k: number): Promise<void>;
}
/** Headless callers poll these flags: ready once a view has rendered, error when it failed. */
export const W = window as unknown as { __buriedReady: boolean; __buriedError?: string; buried: BuriedApi };
W.__buriedReady = false;

/** The run being shown (api/run); set once by main.ts before the first view loads. */
export let run: RunInfo;
export function setRun(r: RunInfo): void {
  run = r;
}

/**
 * The series frame shown (time slider, ?frame=k at load): 0 is scan 0, k the registered scan k.
 * Always 0 on a run folder.
 */
export let frame = 0;
export function setFrame(k: number): void {
  frame = k;
}
/** `&frame=k` for the volume / slice / map routes on a series folder, '' otherwise. */
export const frameQuery = (): string => (run.series ? `&frame=${frame}` : '');

/**
 * Bumped on every view switch: a view whose data arrives after the user switched away sees
 * `t !== token` and builds nothing.
 */
export let token = 0;
export function nextToken(): number {
  return ++token;
}

export const numParam = (k: string, dflt: number): number => {
  const v = Number(params.get(k));
  return params.has(k) && Number.isFinite(v) ? v : dflt;
};
export const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
