-- Row errors keep their message as a key with arguments (JSON of pubdata.Message: key,
-- args, sub), rendered in each reader's language when read; message stays the English
-- text. Errors recorded before have '' here and show their English message as before.
ALTER TABLE data_batch_errors ADD COLUMN msg TEXT NOT NULL DEFAULT '';
