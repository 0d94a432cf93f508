ALTER TABLE users DROP COLUMN sms_opt_in;
ALTER TABLE users DROP COLUMN phone;
DROP TABLE notifications;
