-- events feature group (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
-- No foreign keys: the suite creates orphans on purpose (relation boundary, eager loading).

-- table: event_tests
CREATE TABLE event_tests (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT,
    revision INTEGER,
    content TEXT
);

-- table: event_tracking_models
CREATE TABLE event_tracking_models (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    view_count INTEGER,
    last_viewed_at TIMESTAMPTZ
);

