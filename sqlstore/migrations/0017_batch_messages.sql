-- Batches and their row errors keep their messages as a key with arguments (JSON of
-- pubdata.Message: key, args, sub), rendered in each reader's language when read; message
-- stays the English text. Rows written before have '' here and show their English message
-- as before (a batch's message may also be a domain error's English sentence, or a
-- rollback's reason, with '' here).
ALTER TABLE data_batch_errors ADD COLUMN msg TEXT NOT NULL DEFAULT '';
ALTER TABLE data_batches ADD COLUMN msg TEXT NOT NULL DEFAULT '';
