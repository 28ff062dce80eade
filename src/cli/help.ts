import {Help} from '@oclif/core'
import {closest, visibleCommandIds} from './did-you-mean.js'
import {EXIT_CODE_HELP} from './exit-codes.js'

/** Root help: the usual oclif page, plus the exit codes every command shares and where to start. */
export default class SentiopsHelp extends Help {
  /** `sentiops trian --help`: oclif's "Command trian not found." gains the same suggestion as `sentiops trian`. */
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv)
    } catch (error) {
      const id = /^Command (\S+) not found\.$/.exec((error as Error).message)?.[1]
      const match = id && closest(id, visibleCommandIds(this.config))
      const spaced = (s: string) => s.replaceAll(':', this.config.topicSeparator)
      if (match) (error as Error).message = `Command ${spaced(id)} not found. Did you mean "${spaced(match)}"?`
      throw error
    }
  }

  override formatRoot(): string {
    return `${super.formatRoot()}

QUICKSTART
  $ sentiops repro                      train and evaluate on the built-in data (offline)
  $ sentiops predict --text "a witty, moving film"
  $ sentiops serve --model models/model --port 8080

${EXIT_CODE_HELP}`
  }
}
