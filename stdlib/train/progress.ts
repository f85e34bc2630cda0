/**
 * Training progress of every training program (host code): a cli-progress bar on a terminal
 * (step, the loss under each of its labels, steps/s, ETA), or, when stdout is not a terminal, one
 * line every `logEvery` steps. A loss may have more than one label: for the single-temperature
 * toy loss, ‖V‖² at τ (mean V² over the batch) equals the loss value and is shown under its own
 * label too, as for a multi-temperature loss.
 */
import cliProgress from 'cli-progress'

export interface Progress {
  /** Step `step` (1-based count of finished steps) ended with this loss. */
  step(step: number, loss: number): void
  /** A message between progress updates (a checkpoint, a plot). */
  note(message: string): void
  stop(): void
}

export interface ProgressOptions {
  start: number
  total: number
  /** the names the loss value is shown under, ['loss'] when absent */
  labels?: string[]
  logEvery: number
  /** a terminal: draw a bar; otherwise print lines */
  tty: boolean
  out: NodeJS.WritableStream
}

export const formatLoss = (l: number): string => (Number.isFinite(l) ? l.toExponential(3) : String(l))

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** Steps per second over the last `window` steps. */
class Rate {
  private times: number[] = []
  constructor(private window = 20) {}
  tick(): number {
    this.times.push(performance.now())
    if (this.times.length > this.window + 1) this.times.shift()
    const n = this.times.length - 1
    return n > 0 ? (1000 * n) / (this.times[n] - this.times[0]) : NaN
  }
}

export function makeProgress(o: ProgressOptions): Progress {
  const rate = new Rate()
  rate.tick()
  const labels = o.labels ?? ['loss']
  if (!o.tty) {
    return {
      step(step, loss) {
        const r = rate.tick()
        if (step % o.logEvery === 0 || step === o.total)
          o.out.write(
            `step ${step}/${o.total}  ${labels.map((l) => `${l} ${formatLoss(loss)}`).join('  ')}  ${Number.isFinite(r) ? r.toFixed(2) : '?'} steps/s  ETA ${formatDuration((o.total - step) / r)}\n`,
          )
      },
      note: (m) => o.out.write(`${m}\n`),
      stop() {},
    }
  }
  // the bar takes what the terminal's width leaves to the widest values; a narrow terminal gets no bar
  const withBar = `step {value}/{total} [{bar}]  ${labels.map((l) => `${l} {loss}`).join('  ')}  {rate} steps/s  ETA {etaText}`
  const widest = withBar
    .replace(/\{(value|total)\}/g, String(o.total))
    .replace('[{bar}]', '[]')
    .replace(/\{loss\}/g, '1.23e-5')
    .replace('{rate}', '123.4')
    .replace('{etaText}', '12m34s')
  const room = ((o.out as NodeJS.WriteStream).columns ?? 100) - widest.length - 1
  const multi = new cliProgress.MultiBar({
    stream: o.out,
    format: room >= 5 ? withBar : withBar.replace(' [{bar}]', ''),
    barsize: Math.max(5, Math.min(30, room)),
    // the cursor stays visible: a run stopped with Ctrl-C (no handler here) leaves the terminal as it was
    hideCursor: false,
    // cli-progress redraws from a timer, which never fires while steps run back to back without
    // yielding to the event loop: redraw here instead
    fps: 1,
  })
  let drawn = 0
  const redraw = (force = false) => {
    if (!force && performance.now() - drawn < 200) return
    drawn = performance.now()
    multi.update()
  }
  const bar = multi.create(o.total, o.start, { loss: '-', rate: '-', etaText: '?' })
  return {
    step(step, loss) {
      const r = rate.tick()
      bar.update(step, {
        loss: loss.toExponential(2),
        rate: Number.isFinite(r) ? r.toFixed(1) : '-',
        etaText: formatDuration((o.total - step) / r),
      })
      redraw()
    },
    note(m) {
      multi.log(`${m}\n`)
      redraw(true)
    },
    stop() {
      redraw(true)
      multi.stop()
    },
  }
}
