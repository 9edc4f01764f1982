-- The issuer's view of the registry is now the shared registry projection
-- (meriter_shared.projections: registry_institutions, registry_reports …).
DROP TABLE institutions;
