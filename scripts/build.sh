#!/usr/bin/env bash
# Compiles src/ to dist/ and writes the oclif manifest. Builds aside and swaps, under a lock, so that a build
# running while tests (or another build) read dist/ never leaves it half-written.
set -euo pipefail
cd "$(dirname "$0")/.."
build() {
  local tmp=".dist-tmp-$$"
  rm -rf "$tmp"
  npx tsc -p tsconfig.json --outDir "$tmp"
  # Generated JavaScript (see scripts/gen-params-validator.mjs) is not compiled by tsc: copy it.
  (cd src && find . -name '*.generated.js' -exec cp --parents {} "../$tmp/" \;)
  # wink-lemmatizer's WordNet lists as one JSON file: loads in less than half the time (src/core/text/wink-snapshot.ts).
  node --input-type=module -e "
    import {writeFileSync} from 'node:fs'
    const {makeWinkSnapshot} = await import('./$tmp/core/text/wink-snapshot.js')
    writeFileSync('$tmp/core/text/wink-lexicon.snapshot.json', JSON.stringify(makeWinkSnapshot()))
  "
  # `sentiops --help` from one bundled file, dist/help-fast.cjs (bin/run.js falls back to oclif's modules without it).
  cp scripts/help-fast-entry.js "$tmp/help-fast-entry.js"
  npx esbuild "$tmp/help-fast-entry.js" --bundle --platform=node --format=cjs --target=node20 \
    --external:typescript --external:ts-node --log-level=warning --outfile="$tmp/help-fast.cjs"
  rm "$tmp/help-fast-entry.js"
  node scripts/gen-code-cache.mjs "$tmp"
  # Every other command from dist/bundle/ (scripts/gen-cli-bundle.mjs; bin/run.js falls back to dist/commands/).
  node scripts/gen-cli-bundle.mjs "$tmp"
  rm -rf dist.old
  [ -d dist ] && mv dist dist.old
  mv "$tmp" dist
  rm -rf dist.old
  npx oclif manifest >/dev/null
}
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/sentiops-build.lock"
  flock 9
fi
build
