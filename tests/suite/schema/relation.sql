-- relation feature group (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
-- No foreign keys: the suite creates orphans on purpose (relation boundary, eager loading).

-- table: employees
CREATE TABLE employees (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    department_id INTEGER NOT NULL
);

-- table: departments
CREATE TABLE departments (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);

-- table: authors
CREATE TABLE authors (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL
);

-- table: books
CREATE TABLE books (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    author_id INTEGER NOT NULL
);

-- table: chapters
CREATE TABLE chapters (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    book_id INTEGER NOT NULL
);

-- table: profiles
CREATE TABLE profiles (
    id SERIAL PRIMARY KEY,
    bio TEXT NOT NULL,
    author_id INTEGER NOT NULL
);

-- table: users
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    settings JSONB
);

-- table: posts
CREATE TABLE posts (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    view_count INTEGER,
    metadata JSONB
);

-- table: comments
CREATE TABLE comments (
    id SERIAL PRIMARY KEY,
    body TEXT NOT NULL,
    post_id INTEGER NOT NULL,
    meta JSONB
);

-- table: relation_boundary_owners
CREATE TABLE relation_boundary_owners (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL
);

-- table: relation_boundary_profiles
CREATE TABLE relation_boundary_profiles (
    id SERIAL PRIMARY KEY,
    bio TEXT NOT NULL,
    owner_id INTEGER
);

-- table: relation_boundary_posts
CREATE TABLE relation_boundary_posts (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    owner_id INTEGER
);

