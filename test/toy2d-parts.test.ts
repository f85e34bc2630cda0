/** The parts of the toy 2-D run: data sets, settings, checkpoints, plots. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, test } from 'vitest'
import { randomKey, tensor, type Mat } from '../dsl/index.js'
import { BIMODAL, GAUSSIANS8, bimodal, checkerboard, gaussians8, swissRoll } from '../stdlib/toy2d/datasets.js'
import { resolveConfig, DEFAULTS, plotSteps } from '../stdlib/toy2d/config.js'
import { FIELD_NAMES, fieldByName } from '../stdlib/toy2d/fields.js'
import { FIELDS } from '../stdlib/fields/catalog.js'
import { rootPath } from './helpers.js'
import { startPoint } from '../stdlib/toy2d/registry.js'
import { initGenerator } from '../stdlib/toy2d/init.js'
import { generate } from '../stdlib/toy2d/step.js'
import { loadCheckpoint, saveCheckpoint, checkpointPath, type RunState } from '../stdlib/toy2d/checkpoint.js'
import * as store from '../stdlib/io/checkpoint.js'
import { writeLegacyCheckpoint } from './legacyCheckpoint.js'
import { scatterPlot } from '../stdlib/toy2d/plot.js'
import { lossPlot } from '../stdlib/plot/lossPlot.js'
import { adamInit, type AdamState } from '../stdlib/optim/adam.js'
import type { LinearParams } from '../stdlib/nn/linear.js'

const N = 4096
const points = (m: Mat): [number, number][] =>
  Array.from({ length: m.shape[0] }, (_, i) => [m.data[2 * i], m.data[2 * i + 1]])
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'drift-toy2d-'))
/** 5 standard errors of a share p estimated from n draws: a correct sampler's share lies further off for fewer than one key in a million. */
const within = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n)

describe('toy data sets', () => {
  test('every data set is a pure function of its key', async () => {
    for (const f of [swissRoll, checkerboard, gaussians8, bimodal]) {
      const [a, b, c] = [await f.run(randomKey(5), 256), await f.run(randomKey(5), 256), await f.run(randomKey(6), 256)]
      expect(a.shape).toEqual([256, 2])
      expect(a.data).toEqual(b.data)
      expect(a.data).not.toEqual(c.data)
    }
  })

  test('swiss roll: the spiral (t cos t, t sin t), t ∈ [π/2, 9π/2], scaled so its largest coordinate is 1, plus 0.03 noise', async () => {
    const ps = points(await swissRoll.run(randomKey(1), N))
    const maxAbs = Math.max(...ps.flat().map(Math.abs))
    expect(maxAbs).toBeGreaterThan(0.95)
    expect(maxAbs).toBeLessThan(1 + 5 * 0.03)
    // the unscaled spiral's largest coordinate is close to 9π/2 (t cos t at t = 4π is 4π, t sin t at 9π/2 is 9π/2)
    const scale = 1 / ((9 * Math.PI) / 2)
    // each point lies near the spiral: radius r = scale·t, angle ≡ t (mod 2π)
    const nearSpiral = ps.filter(([x, y]) => {
      const r = Math.hypot(x, y)
      return [0, 1, 2, 3, 4, 5].some((k) => {
        const t = Math.atan2(y, x) + 2 * Math.PI * k
        return t >= Math.PI / 2 - 0.3 && t <= (9 * Math.PI) / 2 + 0.3 && Math.abs(r - scale * t) < 0.12
      })
    })
    expect(nearSpiral.length / N).toBeGreaterThan(0.97)
  })

  test('checkerboard: the 8 cells of the 4×4 board on [−1,1]² whose row and column have the same parity', async () => {
    const ps = points(await checkerboard.run(randomKey(2), N))
    const cell = (v: number) => Math.floor(v * 2 + 2)
    const inside = ps.filter(([x, y]) => Math.abs(x) < 1 && Math.abs(y) < 1)
    const sameParity = inside.filter(([x, y]) => (cell(x) + cell(y)) % 2 === 0)
    expect(sameParity.length / N).toBeGreaterThan(0.85)
    const counts = new Map<string, number>()
    for (const [x, y] of sameParity) counts.set(`${cell(x)},${cell(y)}`, (counts.get(`${cell(x)},${cell(y)}`) ?? 0) + 1)
    expect(counts.size).toBe(8)
    // 16 times the points: each cell's share within 5 standard errors (5 % of 1/8)
    const many = points(await checkerboard.run(randomKey(2), 16 * N)).filter(
      ([x, y]) => Math.abs(x) < 1 && Math.abs(y) < 1 && (cell(x) + cell(y)) % 2 === 0,
    )
    const share = new Map<string, number>()
    for (const [x, y] of many) share.set(`${cell(x)},${cell(y)}`, (share.get(`${cell(x)},${cell(y)}`) ?? 0) + 1)
    for (const [k, c] of share) expect(Math.abs(c / many.length - 1 / 8), k).toBeLessThan(within(1 / 8, many.length))
  })

  test('8 Gaussians and the bimodal mixture: modes, weights and spread as documented (within 5 standard errors)', async () => {
    const n = 16 * N
    for (const [f, m] of [
      [gaussians8, GAUSSIANS8],
      [bimodal, BIMODAL],
    ] as const) {
      const ps = points(await f.run(randomKey(3), n))
      const nearest = ps.map(([x, y]) => {
        const d = m.centres.map(([cx, cy]) => Math.hypot(x - cx, y - cy))
        return d.indexOf(Math.min(...d))
      })
      m.weights.forEach((w, k) =>
        expect(Math.abs(nearest.filter((j) => j === k).length / n - w), `weight of mode ${k}`).toBeLessThan(
          within(w, n),
        ),
      )
      // the spread from 2n coordinates: its relative standard error is 1/√(4n)
      const d2 = ps.map(([x, y], i) => (x - m.centres[nearest[i]][0]) ** 2 + (y - m.centres[nearest[i]][1]) ** 2)
      const std = Math.sqrt(d2.reduce((a, b) => a + b) / (2 * n))
      expect(Math.abs(std / m.std - 1), `std ${std}`).toBeLessThan(5 / Math.sqrt(4 * n))
    }
  })
})

describe('toy settings', () => {
  test('defaults are the notebook recipe; later layers override earlier ones; the last step is always plotted', () => {
    expect(DEFAULTS).toMatchObject({
      hidden: [256, 256, 256],
      noiseDim: 32,
      batch: 2048,
      dataBatch: 2048,
      lr: 1e-3,
      tau: 0.05,
      steps: 2000,
      field: 'paperField',
    })
    const c = resolveConfig({ steps: 30, data: 'bimodal', plotAt: [0, 10, 500] }, { steps: 40 })
    expect(c.steps).toBe(40)
    expect(c.data).toBe('bimodal')
    expect(plotSteps(c)).toEqual([0, 10, 40])
  })

  test.each([
    [{ data: 'moons' }, /^unknown data set 'moons': choose one of swiss, checkerboard, gaussians8, bimodal$/],
    [{ field: 'nope' }, /^unknown field 'nope': choose one of paperField, /],
    [{ field: 'scaledField' }, /^field 'scaledField' takes arguments after \(x, pos, neg, tau\)/],
    [{ lr: -1 }, /^lr must be a positive number/],
    [{ batch: 1.5 }, /^batch must be a positive integer ≥ 2/],
    [{ hidden: [] }, /^hidden must be a non-empty list/],
    [{ colour: 'red' }, /^unknown setting 'colour'/],
    [{ init: 'far' }, /^--init far is defined for the bimodal data only/],
  ])('bad setting %j', (layer, message) => {
    expect(() => resolveConfig(layer)).toThrow(message)
  })

  test('every usable field is a catalog field taking (x, pos, neg, tau) only, and resolves to that file’s DSL function', async () => {
    expect(FIELD_NAMES).toContain('paperField')
    expect(FIELD_NAMES).toContain('attractionOnlyField')
    expect(FIELD_NAMES).toContain('doubleRepulsionField')
    expect(FIELD_NAMES).not.toContain('sinkhornField')
    for (const name of FIELD_NAMES) {
      const entry = FIELDS.find((f) => f.name === name)!
      const source = (await import(rootPath('stdlib/fields', entry.file))) as Record<string, unknown>
      expect(fieldByName(name), `${name} from ${entry.file}`).toBe(source[name])
    }
  })

  test('bimodal inits start the generator as a point mass at the start point', async () => {
    for (const init of ['middle', 'far', 'collapsed'] as const) {
      const start = startPoint('bimodal', init)
      const params = await initGenerator.run(randomKey(0), [4, 8, 2], tensor(start) as never)
      const x = await generate.run(
        params,
        tensor(
          Array.from({ length: 12 }, (_, i) => Math.sin(i)),
          [3, 4],
        ) as Mat,
      )
      for (const [px, py] of points(x)) expect([px, py]).toEqual(start)
    }
  })
})

describe('toy checkpoints', () => {
  const state = async (): Promise<RunState> => {
    const params = await initGenerator.run(randomKey(7), [32, 8, 8, 2], tensor([0, 0]) as never)
    return {
      step: 3,
      params,
      adam: (await adamInit.run(params)) as AdamState<LinearParams[]>,
      losses: [0.1, 0.2, Math.fround(1 / 3)],
      evals: [],
    }
  }
  const config = resolveConfig({ hidden: [8, 8], steps: 10 })

  const expectSameState = (back: RunState, s: RunState) => {
    expect(back.step).toBe(s.step)
    expect(back.losses).toEqual(s.losses)
    s.params.forEach((l, i) => {
      expect(back.params[i].w.data).toEqual(l.w.data)
      expect(back.params[i].b.data).toEqual(l.b.data)
      expect(back.adam.m[i].w.data).toEqual(s.adam.m[i].w.data)
      expect(back.adam.v[i].b.data).toEqual(s.adam.v[i].b.data)
    })
    expect(back.adam.step.data).toEqual(s.adam.step.data)
  }

  test('round trip: parameters, Adam state and losses come back bit for bit, in checkpoint.safetensors', async () => {
    const dir = tmp()
    const s = await state()
    saveCheckpoint(dir, { config, backend: 'cpu', state: s })
    expect(fs.readdirSync(dir)).toEqual(['checkpoint.safetensors']) // no temporary file left
    const back = loadCheckpoint(dir)
    expect(back.config).toEqual(config)
    expect(back.backend).toBe('cpu')
    expectSameState(back.state, s)
  })

  test('an earlier checkpoint.json still loads; once a checkpoint.safetensors is written, it is the one read', async () => {
    const dir = tmp()
    const s = await state()
    writeLegacyCheckpoint(dir, { config, backend: 'cpu', state: s })
    const back = loadCheckpoint(dir)
    expect(back.config).toEqual(config)
    expectSameState(back.state, s)
    saveCheckpoint(dir, { config, backend: 'cpu', state: { ...s, step: 2, losses: s.losses.slice(0, 2) } })
    expect(loadCheckpoint(dir).state.step).toBe(2)
  })

  test('missing, truncated, edited or mismatched checkpoints are refused with the reason', async () => {
    const dir = tmp()
    expect(() => loadCheckpoint(dir)).toThrow(/^no checkpoint in .* \(expected .*checkpoint\.safetensors\)$/)
    saveCheckpoint(dir, { config, backend: 'cpu', state: await state() })
    const bytes = fs.readFileSync(checkpointPath(dir))
    fs.writeFileSync(checkpointPath(dir), bytes.subarray(0, bytes.length / 2))
    expect(() => loadCheckpoint(dir)).toThrow(
      /checkpoint\.safetensors: bytes \[\d+, \d+\) of the data belong to no tensor|checkpoint\.safetensors: tensor .* outside the \d+ bytes of data/,
    )
    fs.writeFileSync(
      checkpointPath(dir),
      Buffer.from(bytes.toString('latin1').replace('\\"step\\":3', '\\"step\\":2'), 'latin1'),
    )
    expect(() => loadCheckpoint(dir)).toThrow(/checkpoint\.safetensors: its SHA-256 does not match its contents/)
    store.saveCheckpoint(dir, { tensors: { x: [] }, meta: { program: 'other' } })
    expect(() => loadCheckpoint(dir)).toThrow(
      /^corrupt checkpoint .*checkpoint\.safetensors: not a toy2d checkpoint \(program "other"\)$/,
    )
    const s = await state()
    saveCheckpoint(dir, { config: resolveConfig({ hidden: [8, 4], steps: 10 }), backend: 'cpu', state: s })
    expect(() => loadCheckpoint(dir)).toThrow(/: params\[1\]\.w has shape \[8,8\], the config needs \[8,4\]$/)
  })

  test('a damaged checkpoint.json is refused with the reason', async () => {
    const dir = tmp()
    writeLegacyCheckpoint(dir, { config, backend: 'cpu', state: await state() })
    const file = path.join(dir, 'checkpoint.json')
    const text = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, text.slice(0, text.length / 2))
    expect(() => loadCheckpoint(dir)).toThrow(/^corrupt checkpoint .*checkpoint\.json: not JSON/)
    fs.writeFileSync(file, text.replace('"step":3', '"step":2'))
    expect(() => loadCheckpoint(dir)).toThrow(/SHA-256 does not match/)
    fs.writeFileSync(file, '{"format":"something else"}')
    expect(() => loadCheckpoint(dir)).toThrow(/not a toy2d checkpoint/)
  })
})

describe('toy plots', () => {
  /** The RGB colour of pixel (x, y) of a decoded PNG. */
  const pixel = (png: PNG, x: number, y: number) => {
    const o = 4 * (Math.round(y) * png.width + Math.round(x))
    return [png.data[o], png.data[o + 1], png.data[o + 2]]
  }
  const WHITE = [255, 255, 255]
  const blend = (rgb: number[], alpha: number) => rgb.map((c) => Math.round(255 * (1 - alpha) + c * alpha))

  test('the scatter plot: 512×512, data in blue and samples in orange where they lie on [−1.5, 1.5]², grid lines at the integers, white elsewhere', () => {
    const data = tensor([[0.25, -0.75]]) as Mat
    const samples = tensor([
      [-0.6, 0.4],
      [5, 5], // outside the frame: counted, not drawn
    ]) as Mat
    const png = PNG.sync.read(scatterPlot({ data, samples, frame: { lo: -1.5, hi: 1.5 }, title: 'test' }))
    expect([png.width, png.height]).toEqual([512, 512])
    // the plot area: 472 pixels from (28, 28), y upwards
    const at = (x: number, y: number) => pixel(png, 28 + ((x + 1.5) / 3) * 472, 28 + ((1.5 - y) / 3) * 472)
    expect(at(0.25, -0.75), 'a data point: blue at 35 %').toEqual(blend([31, 119, 180], 0.35))
    expect(at(-0.6, 0.4), 'a sample: orange at 45 %').toEqual(blend([230, 85, 13], 0.45))
    expect(at(0, 0.6), 'the grid line x = 0').toEqual([225, 225, 225])
    expect(at(-0.6, 1), 'the grid line y = 1').toEqual([225, 225, 225])
    for (const [x, y] of [
      [0.7, -0.3],
      [-1.2, -1.2],
      [0.5, 0.75],
    ])
      expect(at(x, y), `empty at (${x}, ${y})`).toEqual(WHITE)
  })

  test('the loss plot: 640×400, a log-scale line through every finite loss, broken where the loss is NaN', () => {
    const png = PNG.sync.read(lossPlot([1, 0.1, 0.01, Number.NaN, 0.001], 'loss'))
    expect([png.width, png.height]).toEqual([640, 400])
    // steps 0…4 across x = 64…624, decades 1e0…1e−3 down y = 30…370
    const at = (step: number, loss: number) =>
      pixel(png, 64 + (step / 4) * 560, 370 - ((Math.log10(loss) + 3) / 3) * 340)
    const dark = [31, 119, 180]
    expect(at(0.5, 10 ** -0.5), 'between steps 0 and 1').toEqual(dark)
    expect(at(1.5, 10 ** -1.5), 'between steps 1 and 2').toEqual(dark)
    expect(at(2.25, 10 ** -2.25), 'no line into the NaN at step 3').toEqual(WHITE)
    expect(at(3.5, 10 ** -2.5), 'nor out of it').toEqual(WHITE)
    expect(at(4, 0.001), 'the loss after the NaN is drawn').not.toEqual(WHITE)
    // with 5 losses the running mean's window is 1 step: it is the loss itself, dark on top of the light line
    expect(at(4, 0.001), 'the running mean after the NaN').toEqual(dark)
  })
})
