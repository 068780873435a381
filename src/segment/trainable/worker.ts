/** Worker thread of the trainable segmentation's prediction (piscina): one slab per task. */
import { predictSlab, type SlabStats, type SlabTask } from './slab.js';

export default function run(task: SlabTask): SlabStats {
  return predictSlab(task);
}
