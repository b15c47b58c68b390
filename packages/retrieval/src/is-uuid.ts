const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a UUID (ids of slides and pairs); anything else cannot name a stored row. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
