/**
 * The toy data sets by name (host code), with what the metrics and the plots need to know about
 * each, and the generator initializations of paper Fig. 3.
 */
import { BIMODAL, GAUSSIANS8, bimodal, checkerboard, gaussians8, swissRoll, type Mixture } from './datasets.js'
import type { DslFunction } from '../../dsl/index.js'
import type { Dataset } from './batch.js'
import { RunError } from '../train/errors.js'

export const DATASET_NAMES = ['swiss', 'checkerboard', 'gaussians8', 'bimodal'] as const
export type DatasetName = (typeof DATASET_NAMES)[number]

export interface DatasetEntry {
  sample: DslFunction<Dataset>
  /** the mixture, for the data sets that have modes (mode coverage and mass per mode) */
  mixture?: Mixture
  /** named start points of the generator (paper Fig. 3), for the data sets that define them */
  starts?: Partial<Record<InitName, [number, number]>>
}

/**
 * Generator initializations. `zero`: the zero-initialized output layer, so the generator starts as a
 * point mass at the origin (the notebook's). The others set that layer's bias to a start point, so
 * the generator starts as a point mass there (paper Fig. 3, bimodal data):
 * `middle` (0, 0), between the modes; `far` (0, 3), about 3.2 from both modes;
 * `collapsed` (1, 0), on the heavier mode.
 */
export const INIT_NAMES = ['zero', 'middle', 'far', 'collapsed'] as const
export type InitName = (typeof INIT_NAMES)[number]

export const DATASETS: Record<DatasetName, DatasetEntry> = {
  swiss: { sample: swissRoll },
  checkerboard: { sample: checkerboard },
  gaussians8: { sample: gaussians8, mixture: GAUSSIANS8 },
  bimodal: { sample: bimodal, mixture: BIMODAL, starts: { middle: [0, 0], far: [0, 3], collapsed: [1, 0] } },
}

/** Where the generator starts for a data set and an init name; an init the data set does not define is an error. */
export function startPoint(data: DatasetName, init: InitName): [number, number] {
  if (init === 'zero') return [0, 0]
  const start = DATASETS[data].starts?.[init]
  if (!start) {
    const withInit = DATASET_NAMES.filter((d) => DATASETS[d].starts?.[init])
    throw new RunError(
      `--init ${init} is defined for the ${withInit.join(', ')} data only (paper Fig. 3); use --init zero with --data ${data}`,
    )
  }
  return start
}
