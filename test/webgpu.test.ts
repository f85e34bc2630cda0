/**
 * The webgpu backend (Dawn through the `webgpu` package): Vulkan on a GPU, OpenGL on Mesa
 * llvmpipe on a CPU-only machine. Where Dawn finds no adapter the tests say why and are skipped.
 */
import { describe, expect, test } from 'vitest'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { GpujsRuntime, limitsFor } from '../compiler/backend/gpujs/run.js'
import { probeWebGPU } from '../compiler/backend/gpujs/webgpu.js'
import { interpret } from '../compiler/ir/interpret.js'
import { ROOT, lower, randn, rootPath, scalar, seeded, T } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'

const adapter = probeWebGPU(ROOT)
if (!adapter)
  console.warn(
    'webgpu tests skipped: Dawn found no WebGPU adapter (neither Vulkan nor OpenGL through EGL) on this machine',
  )

describe.skipIf(!adapter)('webgpu', () => {
  const runtime = new GpujsRuntime('webgpu')

  test('paperField equals the float64 interpreter, with intermediates kept on the device', async () =>
    seeded(async (r) => {
      const spec = lower(rootPath('stdlib/fields/paper.ts'), 'paperField', [T([64, 2]), T([80, 2]), T([64, 2]), T([])])
      const inputs = [randn([64, 2], r), randn([80, 2], r), randn([64, 2], r), scalar(0.3 + r())]
      const plan = lowerGraph(spec.graph, {}, limitsFor('webgpu')).plan
      const before = runtime.readbacks
      const got = await runtime.runAsync(plan, inputs)
      expect(runtime.lastKernelClass).toBe('WebGPUKernel')
      // intermediates stay on the device: the only copy back is the output
      expect(plan.steps.filter((s) => s.k === 'launch').length).toBeGreaterThan(1)
      expect(runtime.readbacks - before).toBe(1)
      expect(runtime.adapter?.description).toBeTruthy()
      // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
      expectFloat32Run(spec.graph, got, interpret(spec.graph, inputs, 'f64'), 'paperField')
    }))

  test('one kernel source over two argument sizes builds two kernels (gpu.js fixes sizes at build)', async () =>
    seeded(async (r) => {
      // the MLP step packs its inputs into one buffer whose size follows the batch; the Adam kernels' sources do not
      for (const batch of [4, 9]) {
        const spec = lower(rootPath('test/fixtures/nn.ts'), 'mlpTrainStep', [
          {
            tag: 'array',
            items: [
              {
                tag: 'object',
                fields: [
                  ['w', T([3, 8])],
                  ['b', T([8])],
                ],
              },
              {
                tag: 'object',
                fields: [
                  ['w', T([8, 2])],
                  ['b', T([2])],
                ],
              },
            ],
          },
          {
            tag: 'object',
            fields: [
              ['step', T([])],
              [
                'm',
                {
                  tag: 'array',
                  items: [
                    {
                      tag: 'object',
                      fields: [
                        ['w', T([3, 8])],
                        ['b', T([8])],
                      ],
                    },
                    {
                      tag: 'object',
                      fields: [
                        ['w', T([8, 2])],
                        ['b', T([2])],
                      ],
                    },
                  ],
                },
              ],
              [
                'v',
                {
                  tag: 'array',
                  items: [
                    {
                      tag: 'object',
                      fields: [
                        ['w', T([3, 8])],
                        ['b', T([8])],
                      ],
                    },
                    {
                      tag: 'object',
                      fields: [
                        ['w', T([8, 2])],
                        ['b', T([2])],
                      ],
                    },
                  ],
                },
              ],
            ],
          },
          T([batch, 3]),
          T([batch, 2]),
          T([]),
        ])
        // Adam's second moments must be ≥ 0: every array input is |N(0, 1)|; the step count is 3, the learning rate 0.01
        const inputs = spec.graph.inputs.map((v, i) =>
          v.shape.length === 0
            ? scalar(spec.graph.inputNames?.[i] === 'lr' ? 0.01 : 3)
            : { ...randn(v.shape, r), data: randn(v.shape, r).data.map(Math.abs) },
        )
        const got = await runtime.runAsync(lowerGraph(spec.graph, {}, limitsFor('webgpu')).plan, inputs)
        const want = interpret(spec.graph, inputs, 'f64')
        // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
        expectFloat32Run(spec.graph, got, want, `batch ${batch}`)
      }
    }))

  test('a five-op chain of 2^20 elements in one kernel', async () =>
    seeded(async (r) => {
      const spec = lower(rootPath('bench/workloads/programs.ts'), 'chain', [T([1 << 20]), T([1 << 20])])
      const inputs = [randn([1 << 20], r), randn([1 << 20], r)]
      const got = await runtime.runAsync(lowerGraph(spec.graph).plan, inputs)
      // float32 kernels against the float64 interpreter (test/tolerance.ts); √|x₁² − a| near its zeros
      // turns the rounding of x₁² into larger absolute errors, still under half the floor
      expectFloat32Run(spec.graph, got, interpret(spec.graph, inputs, 'f64'), 'chain')
    }))

  test('the synchronous entry point refuses, naming the asynchronous one', () => {
    const spec = lower(rootPath('bench/workloads/programs.ts'), 'chain', [T([4]), T([4])])
    expect(() => runtime.run(lowerGraph(spec.graph).plan, [])).toThrow(/webgpu backend is asynchronous: use runAsync/)
  })
})

describe.skipIf(!adapter)('webgpu binding limits', () => {
  test('a kernel reading nine arrays runs on webgpu through a packed argument buffer', async () =>
    seeded(async (r) => {
      const spec = lower(
        rootPath('test/fixtures/fusion.ts'),
        'nineInputs',
        Array.from({ length: 9 }, () => T([64])),
      )
      const ins = Array.from({ length: 9 }, () => randn([64], r))
      const got = await new GpujsRuntime('webgpu').runAsync(lowerGraph(spec.graph, {}, limitsFor('webgpu')).plan, ins)
      // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
      expectFloat32Run(spec.graph, got, interpret(spec.graph, ins, 'f64'), 'nineInputs')
    }))
})
