/**
 * Multi-scale features of the encoder (paper App. A.5), each laid out as the drift loss wants it
 * (stdlib/fields/driftLoss.ts: rows × samples × channels). The feature maps are, in every stage,
 * the output of every second block and the stage's output; a map [n, C, H, W] gives
 *
 * - `<map>_loc`: the vector of every location, [H·W, n, C];
 * - `<map>_mean`, `<map>_std`: the mean and standard deviation over all locations, [1, n, C];
 * - `<map>_mean2`, `<map>_std2` and `<map>_mean4`, `<map>_std4`: the same over non-overlapping
 *   2×2 and 4×4 patches, [(H/p)(W/p), n, C], for a patch size p that leaves at least two
 *   patches on each side (otherwise the patch is the whole map: the global statistics);
 *
 * a standard deviation is √(var + 1e−6), var the mean squared deviation. Two more keys read the
 * image x [n, C₀, H, W] itself: `global`, the whole image as one vector, [1, n, C₀·H·W], and
 * `norm_x`, the root mean square of each channel, √(mean x² + 1e−6), [1, n, C₀].
 *
 * A key with F locations of S channels is [F, n, S]: for n = N_c·N images ordered by class group,
 * reshaping it to [F·N_c, N, S] gives the drift loss one row per (location, class group).
 */
import { dsl, type T3, type T4 } from '../../dsl/index.js'
import { encodeBlocks, type EncoderParams } from './encoder.js'

export type Features = { [key: string]: T3 }

/** Added to a variance before its square root, as the official code does. */
export const STD_EPS = 1e-6
/** The patch sizes of the patch statistics. */
export const PATCH_SIZES = [2, 4]

/** [n, C, A, B] → [A·B, n, C]: one row per location (row-major over A, B). */
const byLocation = (h: T4): T3 => {
  const [n, c, a, b] = h.shape
  return h.reshape([n, c, a * b]).transpose([2, 0, 1]) as T3
}

/** The mean and standard deviation of each ph×pw patch of h [n, C, H, W], each [n, C, H/ph, W/pw]. */
export const patchStats = (h: T4, ph: number, pw: number): { mean: T4; std: T4 } => {
  const [n, c, hh, ww] = h.shape
  const patches = h.reshape([n, c, hh / ph, ph, ww / pw, pw])
  const mean = patches.mean([3, 5], true)
  const variance = patches.sub(mean).square().mean([3, 5])
  return { mean: mean.reshape([n, c, hh / ph, ww / pw]) as T4, std: variance.add(STD_EPS).sqrt() as T4 }
}

/** The statistics of one feature map under the names `<name>_…` (see the file's comment). */
export const mapFeatures = (name: string, h: T4): Features => {
  const [, , hh, ww] = h.shape
  const whole = patchStats(h, hh, ww)
  let out: Features = {
    [`${name}_loc`]: byLocation(h),
    [`${name}_mean`]: byLocation(whole.mean),
    [`${name}_std`]: byLocation(whole.std),
  }
  for (const p of PATCH_SIZES)
    if (hh % p === 0 && ww % p === 0 && hh / p >= 2 && ww / p >= 2) {
      const s = patchStats(h, p, p)
      out = { ...out, [`${name}_mean${p}`]: byLocation(s.mean), [`${name}_std${p}`]: byLocation(s.std) }
    }
  return out
}

/** The feature maps of App. A.5 with their names: `stage<s>` for a stage's output, `stage<s>_block<b>` for every second block before it (1-based). */
export const featureMaps = (p: EncoderParams, x: T4): { name: string; map: T4 }[] => {
  let maps: { name: string; map: T4 }[] = []
  const blocks = encodeBlocks(p, x)
  for (let s = 0; s < blocks.length; s++)
    for (let b = 0; b < blocks[s].length; b++) {
      const last = b === blocks[s].length - 1
      if (last) maps = [...maps, { name: `stage${s + 1}`, map: blocks[s][b] }]
      else if (b % 2 === 1) maps = [...maps, { name: `stage${s + 1}_block${b + 1}`, map: blocks[s][b] }]
    }
  return maps
}

/** The key `global`: each image x [n, C₀, H, W] as one vector, [1, n, C₀·H·W]. */
export const globalFeature = (x: T4): T3 => {
  const [n, c0, hh, ww] = x.shape
  return x.reshape([1, n, c0 * hh * ww]) as T3
}

/** Every key of the multi-scale features of the images x [n, C₀, H, W] (see the file's comment). */
export const multiScaleFeatures = dsl((p: EncoderParams, x: T4): Features => {
  let out: Features = {}
  for (const { name, map } of featureMaps(p, x)) out = { ...out, ...mapFeatures(name, map) }
  return {
    ...out,
    global: globalFeature(x),
    norm_x: byLocation(x.square().mean([2, 3], true).add(STD_EPS).sqrt() as T4),
  }
})

/**
 * The feature spaces the drift loss can be taken in (the "feature space" ablation, paper §5.2):
 * `all`, every key above; `global`, the raw pixels only, without running the encoder.
 */
export const FEATURE_SETS = ['all', 'global'] as const
export type FeatureSet = (typeof FEATURE_SETS)[number]

/** Whether feature set `set` runs the encoder: a run of the set `global` needs no encoder at all. */
export const readsEncoder = (set: FeatureSet): boolean => set !== 'global'

const FEATURES_OF = {
  all: (p: EncoderParams | null, x: T4): Features => multiScaleFeatures(p!, x),
  global: (_: EncoderParams | null, x: T4): Features => ({ global: globalFeature(x) }),
}

/** The keys of feature set `set` of the images x; `p` is the encoder, null for a set that does not read it. */
export const selectFeatures = (set: FeatureSet, p: EncoderParams | null, x: T4): Features => FEATURES_OF[set](p, x)
