-- Up Migration
CREATE TABLE users.users (
  id         uuid PRIMARY KEY,
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  email      text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique regardless of case.
CREATE UNIQUE INDEX users_email_lower_key ON users.users (lower(email));
-- Keyset pagination.
CREATE INDEX users_created_at_id_idx ON users.users (created_at, id);

-- Down Migration
DROP TABLE users.users;
