CREATE TABLE institutions (
    id            text PRIMARY KEY,
    deqar_id      text UNIQUE,
    name_official text NOT NULL,
    name_english  text,
    country       char(2) NOT NULL,
    city          text,
    website       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
