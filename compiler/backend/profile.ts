/** DRIFT_PROFILE: time spent in each kernel of the plans a backend ran, printed as a table at exit. */

export interface KernelTime {
  /** Milliseconds of every call, in order. */
  ms: number[]
  what: string
}

/** A table of the kernels that took the most time (DRIFT_PROFILE=1 prints it at exit); the median excludes a kernel's first call (memory first touched, modules instantiated, pipelines built). */
export function profileTable(profile: Map<string, KernelTime>, title: string, top = 20): string {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const median = (xs: number[]) => {
    const s = (xs.length > 1 ? xs.slice(1) : xs).sort((a, b) => a - b)
    return s[s.length >> 1]
  }
  const rows = [...profile].sort((a, b) => sum(b[1].ms) - sum(a[1].ms))
  const total = sum(rows.map(([, t]) => sum(t.ms)))
  const fmt = ([name, t]: [string, KernelTime]) =>
    `${median(t.ms).toFixed(2).padStart(9)} ms ×${String(t.ms.length).padEnd(5)} ${((100 * sum(t.ms)) / total).toFixed(1).padStart(5)}%  ${name}: ${t.what.length > 110 ? `${t.what.slice(0, 107)}...` : t.what}`
  return [
    `${title}, ${total.toFixed(0)} ms in all (median per call after the first, calls, share of all time):`,
    ...rows.slice(0, top).map(fmt),
  ].join('\n')
}
