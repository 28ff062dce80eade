#!/usr/bin/env node
// sentiops supports Node >= 20.19 on purpose; the AWS SDK's "Node 20 support ends" notice would only add noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const {execute} = await import('@oclif/core')

await execute({dir: import.meta.url})
