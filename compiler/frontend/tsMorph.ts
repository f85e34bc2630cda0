/**
 * ts-morph for the frontend, loaded with require: it is a CommonJS package, and importing it as an
 * ES module makes Node scan its source for export names first (about 0.3 s of every start-up).
 * The values the frontend uses keep their types under the same names.
 */
import { createRequire } from 'node:module'
import type * as TsMorph from 'ts-morph'

export type * from 'ts-morph'

const tsMorph = createRequire(import.meta.url)('ts-morph') as typeof TsMorph

export const Node = tsMorph.Node
export type Node = TsMorph.Node
export const Project = tsMorph.Project
export type Project = TsMorph.Project
export const SyntaxKind = tsMorph.SyntaxKind
export type SyntaxKind = TsMorph.SyntaxKind
export const VariableDeclarationKind = tsMorph.VariableDeclarationKind
export type VariableDeclarationKind = TsMorph.VariableDeclarationKind
export const ts = tsMorph.ts
