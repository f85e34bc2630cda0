/**
 * The live drifting panel: settings, run and reset, the canvas and the figures (step, steps/s,
 * each kernel's time). Steps run in slices between frames, so the page stays responsive.
 * `document.body.dataset.live` says where it stands (idle, running, done, error) and
 * `dataset.liveStep` the steps taken; `window.driftPlayground` hands the samples and the data to tests.
 */
import {
  DATA_SETS,
  DRAW_EVERY,
  LiveRun,
  STEPS_PER_SLICE,
  draw,
  type Engine,
  type FieldRef,
  type LiveSettings,
} from './live.js'

const input = (label: string, value: string, attrs: Record<string, string> = {}) => {
  const l = document.createElement('label')
  l.textContent = `${label} `
  const i = document.createElement('input')
  i.value = value
  i.size = 5
  for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, v)
  l.append(i)
  return { label: l, input: i }
}

/** A setting's number; else one line naming the setting, what it must be and what it got. */
const number = (i: HTMLInputElement, what: string, range: string, ok: (v: number) => boolean): number => {
  const v = Number(i.value)
  if (i.value.trim() === '' || !ok(v)) throw new Error(`${what} must be ${range}, got '${i.value}'`)
  return v
}

export function livePanel(
  parent: HTMLElement,
  root: string,
  /** The engines the page has, by name (made on first use), the first the default. */
  engines: Record<string, () => Promise<Engine>>,
  /** The field the editor holds now, when it compiled and takes (x, pos, neg, tau) only; else why not. */
  field: () => FieldRef | string,
) {
  const body = document.body.dataset
  const canvas = document.createElement('canvas')
  canvas.width = canvas.height = 300
  const controls = document.createElement('div')
  controls.className = 'controls'
  const engineSelect = document.createElement('select')
  engineSelect.id = 'live-engine'
  for (const name of Object.keys(engines)) engineSelect.append(new Option(`on ${name}`, name))
  const made = new Map<string, Promise<Engine>>()
  const engine = () => {
    const name = engineSelect.value
    if (!made.has(name)) made.set(name, engines[name]())
    return made.get(name)!
  }
  const data = document.createElement('select')
  data.id = 'live-data'
  for (const d of DATA_SETS) data.append(new Option(d, d))
  const seed = input('seed', '1', { id: 'live-seed' })
  const tau = input('τ', '0.2', { id: 'live-tau' })
  const eta = input('η', '1', { id: 'live-eta' })
  const steps = input('steps', '200', { id: 'live-steps' })
  const run = document.createElement('button')
  run.id = 'live-run'
  run.textContent = 'run'
  const reset = document.createElement('button')
  reset.id = 'live-reset'
  reset.textContent = 'reset'
  const legend = document.createElement('div')
  legend.textContent = 'particles (blue) against the data (orange), in [−2, 2]²'
  const stats = document.createElement('div')
  stats.id = 'live-stats'
  const times = document.createElement('table')
  times.id = 'live-kernels'
  controls.append(engineSelect, data, seed.label, tau.label, eta.label, steps.label, run, reset, legend, stats, times)
  parent.append(canvas, controls)

  let current: LiveRun | undefined
  let stopAt = 0
  let running = false
  body.live = 'idle'
  body.liveStep = '0'
  ;(window as unknown as { driftPlayground: unknown }).driftPlayground = {
    samples: () => Array.from(current?.x.data ?? []),
    data: () => Array.from(current?.data.data ?? []),
  }

  const say = (text: string) => (stats.textContent = text)
  const fail = (e: unknown) => {
    running = false
    body.live = 'error'
    run.textContent = 'run'
    say(`stopped: ${(e as Error).message}`)
  }

  const settings = (): LiveSettings => ({
    n: 256,
    data: data.value as LiveSettings['data'],
    seed: number(
      seed.input,
      'seed',
      'a whole number below 2^31 in size',
      (v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31,
    ),
    tau: number(tau.input, 'τ', 'a number above 0 and below 1000', (v) => v > 0 && v < 1e3),
    eta: number(eta.input, 'η', 'a number between −1000 and 1000', (v) => Number.isFinite(v) && Math.abs(v) < 1e3),
  })

  const showTimes = (r: LiveRun, perSecond: number) => {
    say(`step ${r.steps} · ${perSecond.toFixed(0)} steps/s · ${r.engine.label} · N = P = ${r.settings.n}`)
    const rows = r.kernelTimes().slice(0, 8)
    times.replaceChildren(
      ...rows.map((k) => {
        const tr = document.createElement('tr')
        tr.title = k.what
        for (const t of [k.name, `${k.median.toFixed(3)} ms`, `${(100 * k.share).toFixed(0)}%`]) {
          const td = document.createElement('td')
          td.textContent = t
          tr.append(td)
        }
        return tr
      }),
    )
  }

  const slice = async () => {
    if (!running || !current) return
    const r = current
    const t0 = performance.now()
    const n0 = r.steps
    try {
      while (running && current === r && r.steps < stopAt && r.steps - n0 < STEPS_PER_SLICE) {
        await r.step()
        if (r.steps % DRAW_EVERY === 0) draw(canvas, r.data.data, r.x.data)
      }
    } catch (e) {
      return fail(e)
    }
    if (current !== r) return
    body.liveStep = String(r.steps)
    showTimes(r, ((r.steps - n0) * 1000) / Math.max(performance.now() - t0, 1e-3))
    if (!running) return
    if (r.steps < stopAt) requestAnimationFrame(() => void slice())
    else {
      running = false
      run.textContent = 'run'
      draw(canvas, r.data.data, r.x.data)
      body.live = 'done'
    }
  }

  run.addEventListener('click', async () => {
    if (running) {
      running = false
      run.textContent = 'run'
      body.live = 'idle'
      return
    }
    try {
      const f = field()
      if (typeof f === 'string') throw new Error(f)
      const s = settings()
      const count = number(
        steps.input,
        'steps',
        'a whole number from 1 to 1000000',
        (v) => Number.isInteger(v) && v > 0 && v <= 1e6,
      )
      // a fresh run from the start (seeded) for new settings; else the particles go on from where they are
      const e = await engine()
      const same = current && current.engine === e && JSON.stringify(current.settings) === JSON.stringify(s)
      if (!same) current = await LiveRun.start(root, e, s, f)
      else current!.useField(f)
      draw(canvas, current!.data.data, current!.x.data)
      stopAt = current!.steps + count
      running = true
      run.textContent = 'stop'
      body.live = 'running'
      requestAnimationFrame(() => void slice())
    } catch (e) {
      fail(e)
    }
  })

  reset.addEventListener('click', () => {
    running = false
    current = undefined
    run.textContent = 'run'
    body.live = 'idle'
    body.liveStep = '0'
    canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height)
    say('')
  })

  return {
    /** The editor's field changed (compiled): a running simulation goes on with it. */
    fieldChanged() {
      if (!current) return
      const f = field()
      try {
        if (typeof f === 'string') throw new Error(f)
        current.useField(f)
      } catch (e) {
        fail(e)
      }
    },
  }
}
