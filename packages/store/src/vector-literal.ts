/** pgvector's text form, `[0.1,0.2,…]`, for an embedding passed as a query parameter. */
export function toEmbeddingLiteral(embedding: ArrayLike<number>): string {
  return `[${Array.from(embedding).join(',')}]`;
}
