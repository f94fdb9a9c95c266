-- Connection-pool feature groups (basic.connection, basic.transaction, query.connection) (PostgreSQL).
-- One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.

-- table: test_users
CREATE TABLE test_users (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL
);
