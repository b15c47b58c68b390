-- drizzle-kit does not write CREATE EXTENSION; every table below needs pgvector.
CREATE EXTENSION IF NOT EXISTS vector;
