import {describe, expect, it} from 'vitest'
import {normalizeParams, normalizeTags} from '../../src/core/tracking/inputs.js'

describe('values logged to a tracking store (file or MLflow REST) never carry URL credentials', () => {
  it('redacts user:password and signatures in param and tag values, and leaves other values as given', () => {
    expect(normalizeParams({'data.url': 'https://u:hunter2@h/x.csv', 'data.presigned': 'https://b/k?X-Amz-Signature=abc&X-Amz-Date=1', lr: 0.5, plain: 'https://h/x.csv'})).toEqual([
      ['data.url', 'https://***@h/x.csv'],
      ['data.presigned', 'https://b/k?X-Amz-Signature=***&X-Amz-Date=1'],
      ['lr', '0.5'],
      ['plain', 'https://h/x.csv'],
    ])
    expect(normalizeTags({'mlflow.source.name': 'https://ci:tok3n@git.example.org/team/repo.git'})).toEqual([['mlflow.source.name', 'https://***@git.example.org/team/repo.git']])
  })
})
