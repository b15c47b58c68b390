import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from the schema; start-up applies them
// (drizzle-orm's migrator, for both the embedded store and a PostgreSQL server).
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/store/src/schema/index.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/pathlens' },
});
