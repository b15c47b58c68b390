/**
 * The pgvector 0.8 index choices measured, each with its build statement, its search
 * statement (`$1` is the query vector's text form) and the search-effort settings tried,
 * from cheapest to most thorough. Cosine distance throughout, as PathLens searches.
 */
export const tableName = 'bench_items';

export type IndexVariantName = 'hnsw' | 'hnsw-halfvec' | 'hnsw-binary' | 'ivfflat' | 'ivfflat-halfvec';
export const indexVariantNames: readonly IndexVariantName[] = [
  'hnsw',
  'hnsw-halfvec',
  'hnsw-binary',
  'ivfflat',
  'ivfflat-halfvec',
];

export interface SearchEffort {
  /** As printed, e.g. `ef_search=100`. */
  label: string;
  /** `SET` statements applied before the queries. */
  settings: string[];
  /** The k-nearest statement; `$1` is the query vector. */
  searchSql: string;
}

export interface IndexVariant {
  name: IndexVariantName | 'exact';
  /** One line on what is stored and how it is searched. */
  description: string;
  /** Parameters that shape the index (m, ef_construction, lists), recorded with the result. */
  buildParameters: Record<string, number>;
  /** Undefined for the exact scan. */
  createIndexSql?: string;
  efforts: SearchEffort[];
}

export interface VariantOptions {
  dimensions: number;
  k: number;
  rowCount: number;
  hnswM: number;
  hnswEfConstruction: number;
  efSearchValues: number[];
  rerankCandidateValues: number[];
  /** IVFFlat lists; undefined: pgvector's advice (rows / 1000 up to 1M rows, √rows above). */
  ivfflatLists?: number;
  /** IVFFlat probes; undefined: 2 %, 5 % and 10 % of the lists. */
  probeValues?: number[];
}

export const indexName = (variant: IndexVariantName): string => `bench_items_${variant.replace('-', '_')}_idx`;

export function exactVariant(options: VariantOptions): IndexVariant {
  const { dimensions, k } = options;
  return {
    name: 'exact',
    description: 'no index: sequential scan, exact cosine distance (the ground truth the product would get)',
    buildParameters: {},
    efforts: [
      {
        label: 'exact',
        settings: [],
        searchSql: `select id from ${tableName} order by embedding <=> $1::vector(${dimensions}) limit ${k}`,
      },
    ],
  };
}

export function indexVariant(name: IndexVariantName, options: VariantOptions): IndexVariant {
  const { dimensions, k, hnswM, hnswEfConstruction } = options;
  const vectorQuery = `$1::vector(${dimensions})`;
  const hnswWith = `with (m = ${hnswM}, ef_construction = ${hnswEfConstruction})`;
  const efSearch = (value: number) => `set hnsw.ef_search = ${value}`;
  switch (name) {
    case 'hnsw':
      return {
        name,
        description: 'HNSW on the float32 vectors (what the schema uses for pairs and slides)',
        buildParameters: { m: hnswM, ef_construction: hnswEfConstruction },
        createIndexSql: `create index ${indexName(name)} on ${tableName} using hnsw (embedding vector_cosine_ops) ${hnswWith}`,
        efforts: options.efSearchValues.map((value) => ({
          label: `ef_search=${value}`,
          settings: [efSearch(value)],
          searchSql: `select id from ${tableName} order by embedding <=> ${vectorQuery} limit ${k}`,
        })),
      };
    case 'hnsw-halfvec':
      return {
        name,
        description: 'HNSW on a halfvec expression (16-bit floats: half the index), no re-ranking',
        buildParameters: { m: hnswM, ef_construction: hnswEfConstruction },
        createIndexSql: `create index ${indexName(name)} on ${tableName} using hnsw ((embedding::halfvec(${dimensions})) halfvec_cosine_ops) ${hnswWith}`,
        efforts: options.efSearchValues.map((value) => ({
          label: `ef_search=${value}`,
          settings: [efSearch(value)],
          searchSql: `select id from ${tableName} order by embedding::halfvec(${dimensions}) <=> $1::halfvec(${dimensions}) limit ${k}`,
        })),
      };
    case 'hnsw-binary':
      return {
        name,
        description:
          'HNSW (Hamming) on binary_quantize(embedding)::bit(d), then exact cosine re-ranking of the candidates',
        buildParameters: { m: hnswM, ef_construction: hnswEfConstruction },
        createIndexSql: `create index ${indexName(name)} on ${tableName} using hnsw ((binary_quantize(embedding)::bit(${dimensions})) bit_hamming_ops) ${hnswWith}`,
        efforts: options.rerankCandidateValues.map((candidates) => ({
          label: `candidates=${candidates}`,
          // ef_search bounds how many rows one HNSW scan returns, so it must cover the candidates.
          settings: [efSearch(Math.min(1000, candidates))],
          searchSql:
            `select id from (select id, embedding from ${tableName} order by binary_quantize(embedding)::bit(${dimensions}) <~> binary_quantize(${vectorQuery}) limit ${candidates}) candidates ` +
            `order by embedding <=> ${vectorQuery} limit ${k}`,
        })),
      };
    case 'ivfflat':
    case 'ivfflat-halfvec': {
      const lists = options.ivfflatLists ?? defaultLists(options.rowCount);
      const probes = options.probeValues ?? [
        ...new Set([0.02, 0.05, 0.1].map((fraction) => Math.max(1, Math.round(lists * fraction)))),
      ];
      const half = name === 'ivfflat-halfvec';
      const column = half ? `(embedding::halfvec(${dimensions}))` : 'embedding';
      const operatorClass = half ? 'halfvec_cosine_ops' : 'vector_cosine_ops';
      const orderBy = half
        ? `embedding::halfvec(${dimensions}) <=> $1::halfvec(${dimensions})`
        : `embedding <=> ${vectorQuery}`;
      return {
        name,
        description: half
          ? 'IVFFlat (k-means lists) on a halfvec expression'
          : 'IVFFlat (k-means lists) on the float32 vectors',
        buildParameters: { lists },
        createIndexSql: `create index ${indexName(name)} on ${tableName} using ivfflat (${column} ${operatorClass}) with (lists = ${lists})`,
        efforts: probes.map((probeCount) => ({
          label: `probes=${probeCount}`,
          settings: [`set ivfflat.probes = ${probeCount}`],
          searchSql: `select id from ${tableName} order by ${orderBy} limit ${k}`,
        })),
      };
    }
  }
}

/** pgvector's README: lists = rows / 1000 up to 1M rows, √rows above. */
export function defaultLists(rowCount: number): number {
  return Math.max(10, rowCount <= 1_000_000 ? Math.round(rowCount / 1000) : Math.round(Math.sqrt(rowCount)));
}
