-- Up Migration
CREATE TABLE conduit.users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL CHECK (char_length(username) BETWEEN 1 AND 64),
  email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
  password_hash text NOT NULL,
  bio           text,
  image         text,
  created_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
-- Unique regardless of case, so "Jake" and "jake" cannot both register; lookups stay exact.
CREATE UNIQUE INDEX users_username_key ON conduit.users (lower(username));
CREATE UNIQUE INDEX users_email_key ON conduit.users (lower(email));
CREATE INDEX users_username_idx ON conduit.users (username);

CREATE TABLE conduit.follows (
  follower_id bigint NOT NULL REFERENCES conduit.users (id) ON DELETE CASCADE,
  followee_id bigint NOT NULL REFERENCES conduit.users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON conduit.follows (followee_id);

CREATE TABLE conduit.articles (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description     text NOT NULL CHECK (char_length(description) <= 1000),
  body            text NOT NULL,
  -- Sorted and without duplicates (the application writes it so); GIN-indexed for ?tag=.
  tag_list        text[] NOT NULL DEFAULT '{}',
  author_id       bigint NOT NULL REFERENCES conduit.users (id) ON DELETE CASCADE,
  -- Kept in step with conduit.favorites in the same transaction; never negative.
  favorites_count integer NOT NULL DEFAULT 0 CHECK (favorites_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX articles_recent_idx ON conduit.articles (created_at DESC, id DESC);
CREATE INDEX articles_author_recent_idx ON conduit.articles (author_id, created_at DESC, id DESC);
CREATE INDEX articles_tag_list_idx ON conduit.articles USING gin (tag_list);

CREATE TABLE conduit.favorites (
  user_id    bigint NOT NULL REFERENCES conduit.users (id) ON DELETE CASCADE,
  article_id bigint NOT NULL REFERENCES conduit.articles (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, article_id)
);
CREATE INDEX favorites_article_idx ON conduit.favorites (article_id);

CREATE TABLE conduit.comments (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  article_id bigint NOT NULL REFERENCES conduit.articles (id) ON DELETE CASCADE,
  author_id  bigint NOT NULL REFERENCES conduit.users (id) ON DELETE CASCADE,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX comments_article_idx ON conduit.comments (article_id, id);

-- Down Migration
DROP TABLE conduit.comments;
DROP TABLE conduit.favorites;
DROP TABLE conduit.articles;
DROP TABLE conduit.follows;
DROP TABLE conduit.users;
