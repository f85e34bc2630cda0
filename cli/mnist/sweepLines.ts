/** The CFG sweep as printed lines, one per α (`drift train mnist` at its end, `drift eval`). */
import type { CfgSweep } from '../../stdlib/mnist/driftEval.js'

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

export const sweepLines = (sweep: CfgSweep): string[] =>
  sweep.map(
    (s) =>
      `α ${s.alpha}: accuracy ${pct(s.accuracy)} (worst class ${pct(Math.min(...s.perClass))}), FID ${s.fid.toFixed(2)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}`,
  )
