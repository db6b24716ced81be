/** Numbers names 0, 1, 2, … in the order they are first seen. */
export class Numbering {
  /** The names, by number. */
  readonly names: string[] = [];
  readonly #numbers = new Map<string, number>();

  /** The number of `name`, given it now if it has none. */
  of(name: string): number {
    let number = this.#numbers.get(name);
    if (number === undefined) {
      number = this.names.length;
      this.names.push(name);
      this.#numbers.set(name, number);
    }
    return number;
  }
}
