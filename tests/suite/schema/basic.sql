-- Tables of the suite's basic feature group (PostgreSQL). One statement per '-- table: NAME' section; loaded by tests/suite/providers/schema.py.
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

-- table: type_cases
CREATE TABLE type_cases (
    id UUID,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    tiny_int SMALLINT,
    small_int SMALLINT,
    big_int BIGINT,
    float_val DOUBLE PRECISION,
    double_val DOUBLE PRECISION,
    decimal_val NUMERIC(10,4),
    char_val TEXT,
    varchar_val TEXT,
    text_val TEXT,
    date_val DATE,
    time_val TIME,
    timestamp_val TIMESTAMPTZ,
    blob_val BYTEA,
    json_val JSONB,
    array_val INTEGER[],
    is_active BOOLEAN,
    PRIMARY KEY (id)
);

-- table: type_tests
CREATE TABLE type_tests (
    id UUID,
    string_field TEXT,
    int_field INTEGER,
    float_field DOUBLE PRECISION,
    decimal_field NUMERIC(12,2),
    bool_field BOOLEAN,
    datetime_field TIMESTAMPTZ,
    json_field JSONB,
    nullable_field TEXT,
    PRIMARY KEY (id)
);

-- table: validated_field_users
CREATE TABLE validated_field_users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER,
    balance DOUBLE PRECISION,
    credit_score INTEGER NOT NULL,
    status TEXT,
    is_active BOOLEAN
);

-- table: validated_users
CREATE TABLE validated_users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    age INTEGER
);

-- table: pydantic_validated_models
CREATE TABLE pydantic_validated_models (
    code TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    step_count INTEGER NOT NULL,
    price NUMERIC(12,2) NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    status TEXT,
    normalized_name TEXT NOT NULL,
    created_token TEXT,
    id SERIAL PRIMARY KEY
);

-- table: column_mapping_items
CREATE TABLE column_mapping_items (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    item_total INTEGER NOT NULL,
    remarks INTEGER NOT NULL
);

-- table: mixed_annotation_items
CREATE TABLE mixed_annotation_items (
    name TEXT NOT NULL,
    id SERIAL PRIMARY KEY,
    tags TEXT NOT NULL,  -- UseAdapter(ListToStringAdapter(), str): the field adapter writes text
    meta TEXT,
    description TEXT,
    status TEXT
);

-- table: type_adapter_tests
CREATE TABLE type_adapter_tests (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    optional_name TEXT,
    optional_age INTEGER,
    last_login TIMESTAMPTZ,
    is_premium BOOLEAN,
    unsupported_union TEXT,
    custom_bool TEXT,
    optional_custom_bool TEXT
);

-- table: bulk_users
CREATE TABLE bulk_users (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    age INTEGER,
    email TEXT
);

-- table: order_items
CREATE TABLE order_items (
    order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER,
    unit_price NUMERIC(12,2),
    PRIMARY KEY (order_id, product_id)
);

-- table: orders
CREATE TABLE orders (
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    id SERIAL PRIMARY KEY,
    total NUMERIC(12,2)
);

-- table: store_inventory
CREATE TABLE store_inventory (
    store_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    stock INTEGER,
    PRIMARY KEY (store_id, product_id, batch_id)
);

-- table: product
CREATE TABLE product (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    price DOUBLE PRECISION NOT NULL,
    quantity INTEGER NOT NULL
);

