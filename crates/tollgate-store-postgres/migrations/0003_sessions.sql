-- Console sessions (by the SHA-256 of the cookie value) and the first responses of mutating
-- API requests sent with an Idempotency-Key.

CREATE TABLE sessions (
    id_hash     TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES staff_users (id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    caller        TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (caller, key)
);
