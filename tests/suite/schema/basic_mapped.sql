-- basic: tables of MappedUser/MappedPost/MappedComment (column names differ from field names) (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
-- No foreign keys: the suite creates orphans on purpose (relation boundary, eager loading).

-- table: users
CREATE TABLE users (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL
);

-- table: posts
CREATE TABLE posts (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    author INTEGER NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    published_at TIMESTAMPTZ,
    published BOOLEAN NOT NULL
);

-- table: comments
CREATE TABLE comments (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    post_ref INTEGER NOT NULL,
    author INTEGER NOT NULL,
    text TEXT NOT NULL,
    approved BOOLEAN NOT NULL
);

