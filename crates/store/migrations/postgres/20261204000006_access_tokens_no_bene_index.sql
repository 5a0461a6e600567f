-- No query reads access tokens by enrollee alone (revocation goes by application and
-- enrollee: access_tokens_pair), and every index is one more page written per token issued
-- at the token endpoint. Mirrored in the other backend's folder.
DROP INDEX access_tokens_bene;
