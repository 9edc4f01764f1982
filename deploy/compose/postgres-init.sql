-- One database per service: each owns its schema and migrates it itself.
CREATE DATABASE registry;
CREATE DATABASE issuer;
CREATE DATABASE verifier;
CREATE DATABASE notifier;
