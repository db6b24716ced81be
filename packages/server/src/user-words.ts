/** Engine argument names and the names the user wrote them under: flags (`--from`) or HTTP parameters (`date_from`). */
export type UserNames = Record<string, string>;

/**
 * An engine message in the user's words: each engine argument name in it (`dateFrom must be a
 * calendar date`) becomes the name the user gave that value under (`--from`, `date_from`).
 */
export function inUserWords(message: string, names: UserNames): string {
  return message.replace(/\b[a-z][A-Za-z]*\b/g, (word) => (Object.hasOwn(names, word) ? names[word]! : word));
}
