/**
 * gpu.js's GLSL translation of an emitted kernel, made without a WebGL context (`drift inspect
 * --dump glsl`): what gpu.js's WebGL2 target runs in a browser.
 */
import { createRequire } from 'node:module'
import type { Kernel } from '../../kernel/types.js'
import { emitKernel } from './emit.js'

const require = createRequire(import.meta.url)

interface FunctionBuilderClass {
  fromKernel(kernel: object, node: unknown, extra: object): { getPrototypeString(name: string): string }
}

/**
 * gpu.js's GLSL (ES 3.00, WebGL2) translation of an emitted kernel's body, made without a WebGL
 * context: the function builder needs only the kernel's source and argument kinds. gpu.js wraps
 * this body in its texture-access prelude when it builds a real shader.
 */
export function toGLSL(k: Kernel, sizes: (buf: string) => number): string {
  const { FunctionBuilder } = require('gpu.js/src/backend/function-builder') as {
    FunctionBuilder: FunctionBuilderClass
  }
  const { WebGL2FunctionNode } = require('gpu.js/src/backend/web-gl2/function-node') as { WebGL2FunctionNode: unknown }
  const kernel = {
    source: emitKernel(k),
    output: k.grid,
    loopMaxIterations: Math.max(1000, k.maxLoop + 1),
    argumentNames: [...k.buffers, ...k.scalars],
    kernelArguments: [...k.buffers.map(() => ({ type: 'Array' })), ...k.scalars.map(() => ({ type: 'Float' }))],
    argumentSizes: [...k.buffers.map((b) => [Math.max(1, sizes(b)), 1]), ...k.scalars.map(() => 0)],
    argumentBitRatios: [...k.buffers, ...k.scalars].map(() => 4),
    kernelConstants: [],
    constants: {},
    constantBitRatios: {},
    nativeFunctions: [],
    functions: [],
    plugins: [],
    subKernels: null,
    precision: 'single',
    debug: false,
    dynamicOutput: false,
    dynamicArguments: false,
    optimizeFloatMemory: false,
  }
  return FunctionBuilder.fromKernel(kernel, WebGL2FunctionNode, {}).getPrototypeString('kernel')
}
