/**
 * Names of the same values in code and on the wire: the engine's arguments and the clients' fields
 * are camelCase (`dateFrom`), the HTTP API's parameters and members snake_case (`date_from`). The
 * server names the parameter at fault with these, and the clients name the field.
 */

/** The fields whose wire names differ; every other field (`origin`, `code`, `slug`...) has the same name on the wire. */
export const PARAMETER_NAMES = {
  dateFrom: 'date_from',
  dateTo: 'date_to',
  minCount: 'min_count',
  asOf: 'as_of',
  minVersion: 'min_version',
  batchId: 'batch_id'
} as const;

/** Wire names that stand for a field of another name: `id`, the path segment that names a batch. */
const ALIASES: Readonly<Record<string, string>> = { id: 'batchId' };

const FIELDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(PARAMETER_NAMES).map(([field, parameter]) => [parameter, field])),
  ...ALIASES
};

/** The wire name of a field (`dateFrom` is `date_from`, `origin` is `origin`). */
export function parameterOf(field: string): string {
  return Object.hasOwn(PARAMETER_NAMES, field) ? PARAMETER_NAMES[field as keyof typeof PARAMETER_NAMES] : field;
}

/** The field a wire name stands for (`date_from` is `dateFrom`, `id` is `batchId`, `origin` is `origin`). */
export function fieldOf(parameter: string): string {
  return Object.hasOwn(FIELDS, parameter) ? FIELDS[parameter]! : parameter;
}
