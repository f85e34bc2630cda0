/** compiler/frontend/tsMorph.ts for the page's bundle: ts-morph imported by the bundler (Node loads it with require). */
import * as tsMorph from 'ts-morph'

export type * from 'ts-morph'
export const Node = tsMorph.Node
export const Project = tsMorph.Project
export const SyntaxKind = tsMorph.SyntaxKind
export const VariableDeclarationKind = tsMorph.VariableDeclarationKind
export const ts = tsMorph.ts
