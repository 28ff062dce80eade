/** A two-stage pipeline (prepare → train) on raw.txt and its params, shared by the reproduce tests. */
export const PREPARE_TRAIN = `stages:
  prepare:
    cmd: mkdir -p data && cp raw.txt data/clean.txt
    deps:
      - raw.txt
    params:
      - prepare.lower
    outs:
      - data
  train:
    cmd: cat data/clean.txt > model.txt && echo \${train.lr} >> model.txt
    deps:
      - data
    params:
      - train.lr
      - train.epochs
    outs:
      - model.txt
`

export const PREPARE_TRAIN_PARAMS = 'prepare:\n  lower: 1\ntrain:\n  lr: 0.1\n  epochs: 2\n'
