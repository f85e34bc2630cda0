/** Usage lines of `drift train toy2d` and `drift sample` (kept apart so `drift --help` loads neither command). */
export const TRAIN_USAGE = `drift train toy2d [--data swiss|checkerboard|gaussians8|bimodal] [--field paperField] [--steps 2000] [--batch 2048]
      [--data-batch 2048] [--lr 1e-3] [--beta1 0.9] [--beta2 0.999] [--tau 0.05] [--seed 0] [--hidden 256,256,256] [--noise-dim 32] [--init zero|middle|far|collapsed]
      [--checkpoint-every 500] [--plot-at 0,100,500,2000] [--log-every 100] [--eval-samples 2048] [--config file.json]
      [--backend …] [--out DIR]        train a one-step generator on toy 2-D data (flags override the config file)
  drift train toy2d --resume DIR [--steps N] [--checkpoint-every K] [--plot-at …] [--log-every N]   continue the run in DIR`
export const SAMPLE_USAGE = `drift sample --checkpoint DIR [--n 4096] [--seed S] --out FILE.json|FILE.csv   points from the generator in DIR/checkpoint.safetensors (or an older checkpoint.json)`
