/** Whether an `import` argument names a database rather than a file. */
export function isPostgresUrl(argument: string): boolean {
  return /^postgres(ql)?:\/\//i.test(argument);
}
