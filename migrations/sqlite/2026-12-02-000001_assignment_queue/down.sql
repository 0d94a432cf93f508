DROP INDEX tickets_first_response;
DROP INDEX tickets_open_by_assignee;
DROP INDEX tickets_queue;
