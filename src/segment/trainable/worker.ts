/** Worker thread of the trainable segmentation (piscina): one slab per task, training or prediction. */
import { predictSlab, trainingSlab, type SlabStats, type SlabTask, type TrainingRows, type TrainingSlabTask } from './slab.js';

export default function run(task: SlabTask | TrainingSlabTask): SlabStats | TrainingRows {
  return 'kind' in task && task.kind === 'train' ? trainingSlab(task) : predictSlab(task as SlabTask);
}
