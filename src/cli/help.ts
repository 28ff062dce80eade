import {Help} from '@oclif/core'
import {EXIT_CODE_HELP} from './exit-codes.js'

/** Root help: the usual oclif page, plus the exit codes every command shares and where to start. */
export default class SentiopsHelp extends Help {
  override formatRoot(): string {
    return `${super.formatRoot()}

QUICKSTART
  $ sentiops repro                      train and evaluate on the built-in data (offline)
  $ sentiops predict --text "a witty, moving film"
  $ sentiops serve --model models/model --port 8080

${EXIT_CODE_HELP}`
  }
}
