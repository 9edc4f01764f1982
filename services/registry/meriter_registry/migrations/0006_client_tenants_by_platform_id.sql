-- An institution client used to be stored with the tenant as the admin gave
-- it, a DEQAR id included; tokens then carried the DEQAR id and the rules,
-- which compare platform ids, refused the client's every write. Clients are
-- now created with the platform id; existing ones are brought into line.
UPDATE oauth_clients c SET tenant_id = i.id
FROM institutions i
WHERE c.role = 'institution' AND c.tenant_id = i.deqar_id AND c.tenant_id <> i.id;
