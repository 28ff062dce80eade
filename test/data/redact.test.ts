import {describe, expect, it} from 'vitest'
import {isSecretParam, redactUrl, redactUrls, urlCredentials} from '../../src/core/redact.js'

describe('the one URL redaction (src/core/redact.ts)', () => {
  it('knows the secret query parameters of presigned S3/GCS URLs, Azure SAS, OAuth and API keys, and nothing else', () => {
    const secret = ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'GoogleAccessId', 'sig', 'access_token', 'token', 'apiKey', 'api_key', 'key', 'client_secret', 'password']
    const plain = ['X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Algorithm', 'Expires', 'sv', 'se', 'page', 'format', 'monkey', 'sortkey', 'signed']
    expect(secret.filter(n => !isSecretParam(n))).toEqual([])
    expect(plain.filter(n => isSecretParam(n))).toEqual([])
  })

  it('masks userinfo and secret values, keeps everything else', () => {
    expect(redactUrl('https://a:b@h/p?token=t&x=1')).toBe('https://***@h/p?token=***&x=1')
    expect(redactUrl('http://ghp_abc@h:8080/p')).toBe('http://***@h:8080/p')
    expect(redactUrl('https://b.s3.amazonaws.com/k?X-Amz-Date=1&X-Amz-Signature=abc')).toBe('https://b.s3.amazonaws.com/k?X-Amz-Date=1&X-Amz-Signature=***')
    expect(redactUrls('data/a.csv,https://u:p@h/b.csv, s3://bucket/key')).toBe('data/a.csv,https://***@h/b.csv, s3://bucket/key')
    expect(redactUrls('GET https://h/x?sig=abc: HTTP 403')).toBe('GET https://h/x?sig=***: HTTP 403')
  })

  it('finds the credentials of each URL in a text, printed redacted', () => {
    expect(urlCredentials('a.csv,https://u:p@h/b.csv,https://h/c?X-Amz-Signature=s&sig=t,https://h/d')).toEqual([
      {url: 'https://***@h/b.csv', what: ['a password (user:password@)']},
      {url: 'https://h/c?X-Amz-Signature=***&sig=***', what: ['the query parameters X-Amz-Signature, sig']},
    ])
    expect(urlCredentials('models:/sentiment@champion builtin:uci s3://bucket/key.csv')).toEqual([])
  })
})
