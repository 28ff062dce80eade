/** Random run names in MLflow's "adjective-noun-NNN" style, for runs started without a name. */
import {randomInt} from 'node:crypto'

const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fancy', 'gentle', 'glossy', 'honest',
  'humble', 'jolly', 'keen', 'lively', 'lucky', 'merry', 'nimble', 'polite', 'quiet', 'rapid', 'shiny', 'silent',
  'steady', 'sunny', 'swift', 'tidy', 'vivid', 'witty',
]
const NOUNS = [
  'ant', 'bass', 'bear', 'cat', 'crane', 'deer', 'dove', 'eel', 'finch', 'fox', 'gull', 'hare', 'hawk', 'heron',
  'ibis', 'koi', 'lark', 'lynx', 'mole', 'newt', 'owl', 'panda', 'quail', 'robin', 'seal', 'shrew', 'slug', 'toad',
  'wasp', 'wren',
]

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`
}
