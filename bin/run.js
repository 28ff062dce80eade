#!/usr/bin/env node
// sentiops supports Node >= 20.19 on purpose; the AWS SDK's "Node 20 support ends" notice would only add noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const {execute, settings} = await import('@oclif/core')

// Always run the compiled dist/: oclif would otherwise look for TypeScript sources when NODE_ENV is test or
// development (vitest and many CI setups set it). bin/dev.js is the entry for running from sources.
settings.enableAutoTranspile = false
await execute({dir: import.meta.url})
