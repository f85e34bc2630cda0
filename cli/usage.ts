/** Usage lines of `drift train`, `drift sample` and `drift eval` (kept apart so `drift --help` loads no command). */
export const TRAIN_USAGE = {
  toy2d: `drift train toy2d [--data swiss|checkerboard|gaussians8|bimodal] [--field paperField|file.ts:exportName] [--steps 2000] [--batch 2048]
      [--data-batch 2048] [--lr 1e-3] [--beta1 0.9] [--beta2 0.999] [--tau 0.05] [--seed 0] [--hidden 256,256,256] [--noise-dim 32] [--init zero|middle|far|collapsed]
      [--checkpoint-every 500] [--plot-at 0,100,500,2000] [--log-every 100] [--eval-samples 2048] [--config file.json]
      [--backend …] [--out DIR]        train a one-step generator on toy 2-D data (flags override the config file)
  drift train toy2d --resume DIR [--steps N] [--checkpoint-every K] [--plot-at …] [--log-every N]   continue the run in DIR`,
  mae: `drift train mae [--width 8] [--stages 4] [--blocks 1] [--steps 1000] [--batch 64] [--lr 2e-3] [--warmup 100] [--beta1 0.9] [--beta2 0.95]
      [--weight-decay 0.05] [--ema-decay 0.999] [--seed 0] [--checkpoint-every 100] [--log-every 50] [--eval-images 1000] [--config file.json]
      [--backend …] [--out DIR]        train the feature encoder on MNIST as a masked autoencoder
  drift train mae --resume DIR [--steps N] [--checkpoint-every K] [--log-every N] [--eval-images N]   continue the run in DIR`,
  classifier: `drift train classifier [--c1 16] [--c2 32] [--hidden 128] [--steps 3000] [--batch 64] [--lr 2e-3] [--warmup 100] [--beta1 0.9] [--beta2 0.999]
      [--weight-decay 0.01] [--seed 0] [--checkpoint-every 500] [--log-every 100] [--floor-images 10000] [--config file.json]
      [--backend …] [--out DIR]        train the evaluation classifier on MNIST; test accuracy and the metrics' floors at the end
  drift train classifier --resume DIR [--checkpoint-every K] [--log-every N] [--floor-images N]   continue the run in DIR`,
  mnist: `drift train mnist [--encoder out/mae/width8] [--classifier out/classifier] [--quick] [--classes 10] [--n-neg 8] [--n-pos 8] [--n-unc 4] [--generator mlp|dit] [--width 256] [--depth 2]
      [--patch 4] [--mlp-ratio 2] [--attraction 2] [--repulsion 1] [--finish-from 0] [--finish-attraction 1] [--normalize both|row|none] [--temperatures 0.02,0.05,0.2] [--affinity-floor 1e-3] [--features all|global]
      [--steps 1800] [--lr 2e-3] [--warmup 20] [--beta1 0.9] [--beta2 0.95] [--weight-decay 0.01] [--clip 2]
      [--ema-decay 0.999] [--alpha-scale 1] [--alpha-power 0] [--alpha-max 4] [--no-cfg 0] [--seed 0] [--checkpoint-every 100] [--log-every 10]
      [--eval-samples 1000] [--config file.json] [--backend …] [--out DIR]   train the class-conditional generator by feature drifting with CFG (the encoder and classifier first when their folders are empty)
  drift train mnist --resume DIR [--steps N] [--checkpoint-every K] [--log-every N] [--classifier DIR] [--eval-samples N]   continue the run in DIR`,
}
export type TrainTargetName = keyof typeof TRAIN_USAGE
export const SAMPLE_USAGE = `drift sample --checkpoint DIR [--n 4096] [--seed S] --out FILE.json|FILE.csv   points from the toy generator in DIR/checkpoint.safetensors (or an older checkpoint.json)`
export const MNIST_SAMPLE_USAGE = `drift sample --checkpoint DIR --class K [--alpha 1] [--n 64] [--seed S] --out FILE.png|FILE.npy|FILE.safetensors   digits from a drift train mnist run's EMA generator`
export const EVAL_USAGE = `drift eval --checkpoint DIR [--classifier DIR] [--samples 1000] [--alphas 1,1.25,1.5,2,3] [--out DIR]   the CFG sweep of a drift train mnist run: FID, precision, recall, accuracy per α (eval.json, cfg-sweep.png)`

/** Does this argument ask for the usage (`--help`, `-h`)? */
export const isHelp = (a: string) => a === '--help' || a === '-h'
