-- mixins feature group (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
-- No foreign keys: the suite creates orphans on purpose (relation boundary, eager loading).

-- table: timestamped_posts
CREATE TABLE timestamped_posts (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL
);

-- table: versioned_products
CREATE TABLE versioned_products (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    price DOUBLE PRECISION,
    version INTEGER NOT NULL DEFAULT 1
);

-- table: tasks
CREATE TABLE tasks (
    deleted_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    is_completed BOOLEAN
);

-- table: combined_articles
CREATE TABLE combined_articles (
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT,
    version INTEGER NOT NULL DEFAULT 1
);

