/**
 * Where the frontend reads source text. On Node that is the file system (`fileSources.ts`); a page
 * compiling in the browser hands it the files it holds in memory instead (`memorySources`).
 */
export interface SourceHost {
  /** The package root: the folder holding dsl/, compiler/ and stdlib/ (imports of drift-dsl resolve below it). */
  readonly root: string
  /** The text of a file, or undefined when there is no such file. */
  read(file: string): string | undefined
  /** Is there a file (not a folder) at this absolute path? */
  isFile(file: string): boolean
}

/** Source files held in memory, by absolute path below `root`. */
export function memorySources(root: string, files: ReadonlyMap<string, string>): SourceHost {
  return { root, read: (file) => files.get(file), isFile: (file) => files.has(file) }
}
