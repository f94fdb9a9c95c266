-- query feature group (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
-- No foreign keys: the suite creates orphans on purpose (relation boundary, eager loading).

-- table: users
CREATE TABLE users (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER,
    balance DOUBLE PRECISION,
    is_active BOOLEAN
);

-- table: json_users
CREATE TABLE json_users (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER,
    settings JSONB,
    tags JSONB,
    profile JSONB,
    roles JSONB,
    scores JSONB,
    subscription JSONB,
    preferences JSONB
);

-- table: orders
CREATE TABLE orders (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    order_number TEXT NOT NULL,
    total_amount NUMERIC(12,2),
    status TEXT
);

-- table: order_items
CREATE TABLE order_items (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    order_id INTEGER NOT NULL,
    product_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price NUMERIC(12,2) NOT NULL,
    subtotal NUMERIC(12,2)
);

-- table: posts
CREATE TABLE posts (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT
);

-- table: comments
CREATE TABLE comments (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    content TEXT NOT NULL,
    is_hidden BOOLEAN
);

-- table: profiles
CREATE TABLE profiles (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    bio TEXT,
    avatar_url TEXT
);

-- table: nodes
CREATE TABLE nodes (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id INTEGER,
    value NUMERIC(12,2)
);

-- table: extended_orders
CREATE TABLE extended_orders (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL,
    order_number TEXT NOT NULL,
    total_amount NUMERIC(12,2),
    status TEXT,
    priority TEXT,
    region TEXT,
    category TEXT,
    product TEXT,
    department TEXT,
    year TEXT,
    quarter TEXT
);

-- table: extended_order_items
CREATE TABLE extended_order_items (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    order_id INTEGER NOT NULL,
    product_name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    price NUMERIC(12,2) NOT NULL,
    category TEXT,
    region TEXT
);

-- table: searchable_items
CREATE TABLE searchable_items (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    tags TEXT  -- UseAdapter(ListToStringAdapter(), str)
);

