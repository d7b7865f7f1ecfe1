-- Notifications are rendered when read, in the reader's language, from their key (nkey)
-- and parameters (params) through the message files (locale/, message "notice." + nkey);
-- the Chinese and English texts frozen when they were written go. Every row has had its key
-- and parameters since 0007 (an answered objection's outcome is stored as its code,
-- "corrected" or "rejected", which the messages turn into words), so each existing row
-- keeps its message, now in either language. Numbered 0016: 0015 is the calendar's.
ALTER TABLE notifications DROP COLUMN text;
ALTER TABLE notifications DROP COLUMN text_en;
