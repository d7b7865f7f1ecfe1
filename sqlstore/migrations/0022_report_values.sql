-- A batch report keeps a rejected value as the provider gave it (cut to 100 characters),
-- with sensitive = 1 when it is of a personal item or one of a standard element: it is then
-- masked when shown to anyone but the provider's admins and editors (issue 12 item 9).
-- Rows written before keep sensitive = 0 and their value as stored (already masked).
-- The sensitive values of failed batches are cleared after the retention of their files.
ALTER TABLE data_batch_errors ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
