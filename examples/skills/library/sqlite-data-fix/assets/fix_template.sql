-- Data fix template: fill in, review, get approval, then run with sqlite3 ops.db < fix.sql
-- Ticket: TICKET-ID   Author: NAME   Approved by: NAME
.bail on
.changes on
BEGIN IMMEDIATE;

-- 1. rows before (must match the ticket)
SELECT count(*) AS rows_to_fix FROM task_runs
WHERE run_id BETWEEN 'run_202602_00012345' AND 'run_202602_00012400' AND tenant_id = 'wrong_tenant';

-- 2. the fix
UPDATE task_runs SET tenant_id = 'right_tenant'
WHERE run_id BETWEEN 'run_202602_00012345' AND 'run_202602_00012400' AND tenant_id = 'wrong_tenant';

-- 3. rows after (must be 0)
SELECT count(*) AS still_wrong FROM task_runs
WHERE run_id BETWEEN 'run_202602_00012345' AND 'run_202602_00012400' AND tenant_id = 'wrong_tenant';

-- Replace COMMIT by ROLLBACK if a count is not what the ticket says.
COMMIT;
